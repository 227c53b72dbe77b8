import { convertLogToTelemetry } from './lakera-telemetry.js';
import type { ErrorEvent, LakeraTelemetryPayload, RelayClient, RelayClientOptions, ScanEvent } from './types.js';

/** The sidecar's default address. */
export const DEFAULT_RELAY_URL = 'http://127.0.0.1:4319';
/** The default time one send may take, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 2000;

/**
 * A client for the scrub-relay sidecar. Every send is fire-and-forget: it posts with a short
 * timeout, never throws, and returns a promise that always resolves (awaiting it is optional).
 * When sends start failing (relay down, timeout, refused event) one line is logged; nothing more
 * is logged until a send succeeds again. Log lines name the relay's URL and the failure's class or
 * the relay's error code, never an event's content. Uses only the global `fetch` (Node 18+).
 * @example
 * import { createRelayClient } from 'scrub-relay/client';
 * const relay = createRelayClient({ url: 'http://127.0.0.1:4319' });
 * app.use((err, req, res, next) => {
 *   void relay.sendErrorEvent({ timestamp: new Date().toISOString(), level: 'error',
 *     error: { type: err.name, message: err.message, stack: err.stack } });
 *   next(err);
 * });
 */
export function createRelayClient(options: RelayClientOptions = {}): RelayClient {
  const base = (options.url ?? DEFAULT_RELAY_URL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const logger = options.logger ?? console;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let failing = false;

  const failed = (reason: string) => {
    if (failing) return;
    failing = true;
    try {
      logger.warn(`scrub-relay client: sending to ${base} failed (${reason}); further failures are not logged until a send succeeds`);
    } catch {
      // A throwing logger must not make the send reject.
    }
  };

  const send = async (path: string, event: unknown): Promise<void> => {
    let body: string;
    try {
      body = JSON.stringify(event);
    } catch (error) {
      return failed(`event is not serialisable: ${errorClass(error)}`);
    }
    try {
      const response = await fetch(`${base}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      if (response.ok) {
        await response.body?.cancel();
        failing = false;
        return;
      }
      failed(`HTTP ${response.status}${await relayErrorCode(response)}`);
    } catch (error) {
      failed(errorClass(error));
    }
  };

  // `send` handles its own errors; the catch only guards against a bug turning into an
  // unhandled rejection in the application.
  const fireAndForget = (path: string, event: unknown): Promise<void> => send(path, event).catch(() => undefined);

  return {
    sendErrorEvent: (event: ErrorEvent) => fireAndForget('/v1/errors', event),
    sendScanEvent: (event: ScanEvent) => fireAndForget('/v1/scans', event),
    sendLakeraTelemetry: (payload: LakeraTelemetryPayload) => fireAndForget('/v1/scans', payload),
    sendLakeraTelemetryFromLog: (logEntry: unknown) => {
      let payload: LakeraTelemetryPayload | null;
      try {
        payload = convertLogToTelemetry(logEntry, options.projectId === undefined ? {} : { projectId: options.projectId });
      } catch {
        payload = null;
      }
      return payload === null ? Promise.resolve() : fireAndForget('/v1/scans', payload);
    },
  };
}

function errorClass(error: unknown): string {
  if (error instanceof Error) {
    const code = (error.cause as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  return 'unknown error';
}

// The relay's error bodies carry a stable `error` code and a message naming fields, never values.
async function relayErrorCode(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    const code = typeof body.error === 'string' ? body.error : undefined;
    const message = typeof body.message === 'string' ? body.message.slice(0, 200) : undefined;
    return code === undefined ? '' : `: ${code}${message === undefined ? '' : ` — ${message}`}`;
  } catch {
    return '';
  }
}
