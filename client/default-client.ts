import { createRelayClient, DEFAULT_RELAY_URL } from './relay-client.js';
import type { ErrorEvent, LakeraTelemetryPayload, RelayClient, RelayClientOptions, ScanEvent } from './types.js';

let defaultClient: RelayClient | undefined;

function client(): RelayClient {
  defaultClient ??= createRelayClient({
    url: process.env['SCRUB_RELAY_URL'] ?? DEFAULT_RELAY_URL,
    ...(process.env['SCRUB_RELAY_TOKEN'] === undefined ? {} : { token: process.env['SCRUB_RELAY_TOKEN'] }),
  });
  return defaultClient;
}

/**
 * Replaces the client behind the standalone functions. Without a call, they use
 * `SCRUB_RELAY_URL` (default `http://127.0.0.1:4319`) and `SCRUB_RELAY_TOKEN`, read on first use.
 * @example configureRelayClient({ url: 'http://127.0.0.1:4319', timeoutMs: 1000 })
 */
export function configureRelayClient(options: RelayClientOptions): void {
  defaultClient = createRelayClient(options);
}

/**
 * Posts an error trace with the default client; never throws, always resolves.
 * @example void sendErrorEvent({ timestamp: new Date().toISOString(), error: { type: err.name, message: err.message, stack: err.stack } })
 */
export function sendErrorEvent(event: ErrorEvent): Promise<void> {
  return client().sendErrorEvent(event);
}

/**
 * Posts a scan event with the default client; never throws, always resolves.
 * @example void sendScanEvent({ timestamp: Date.now(), event_type: 'scan', scan_result: { flagged: false } })
 */
export function sendScanEvent(event: ScanEvent): Promise<void> {
  return client().sendScanEvent(event);
}

/**
 * Posts a Lakera telemetry payload with the default client; never throws, always resolves.
 * @example void sendLakeraTelemetry(convertLogToTelemetry(entry)!)
 */
export function sendLakeraTelemetry(payload: LakeraTelemetryPayload): Promise<void> {
  return client().sendLakeraTelemetry(payload);
}

/**
 * Converts a log entry to Lakera telemetry and posts it with the default client; entries that
 * are not Lakera scans are ignored. Never throws, always resolves.
 * @example logger.on('entry', (entry) => void sendLakeraTelemetryFromLog(entry))
 */
export function sendLakeraTelemetryFromLog(logEntry: unknown): Promise<void> {
  return client().sendLakeraTelemetryFromLog(logEntry);
}
