/**
 * `scrub-relay/client`: send error traces and scan events to the local scrub-relay sidecar.
 * No dependencies beyond Node's global `fetch`; every send is fire-and-forget.
 * @example
 * import { sendErrorEvent, sendLakeraTelemetryFromLog } from 'scrub-relay/client';
 * void sendErrorEvent({ timestamp: new Date().toISOString(), error: { type: 'TypeError', message: 'x is undefined' } });
 */
export { createRelayClient, DEFAULT_RELAY_URL, DEFAULT_TIMEOUT_MS } from './relay-client.js';
export { configureRelayClient, sendErrorEvent, sendLakeraTelemetry, sendLakeraTelemetryFromLog, sendScanEvent } from './default-client.js';
export { convertLogToTelemetry } from './lakera-telemetry.js';
export type { ConvertOptions } from './lakera-telemetry.js';
export type {
  ErrorEvent,
  LakeraTelemetryPayload,
  RelayClient,
  RelayClientLogger,
  RelayClientOptions,
  ScanEvent,
  ScanResult,
} from './types.js';
