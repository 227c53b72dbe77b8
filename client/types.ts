/** Where the client logs a failed send (console, pino and most loggers fit). */
export interface RelayClientLogger {
  warn(message: string): void;
}

/** Options of {@link createRelayClient}. */
export interface RelayClientOptions {
  /** The sidecar's base URL. @default 'http://127.0.0.1:4319' (or `SCRUB_RELAY_URL` for the default client) */
  url?: string;
  /** How long one send may take before it is abandoned, in milliseconds. @default 2000 */
  timeoutMs?: number;
  /** The relay's ingest token (`RELAY_INGEST_TOKEN`), sent as `Authorization: Bearer …`. */
  token?: string;
  /** Receives one line when sends start failing (not one per failed send). @default console */
  logger?: RelayClientLogger;
  /** Lakera project id put into telemetry payloads that carry none (the relay's `LAKERA_PROJECT_ID` takes precedence). */
  projectId?: string;
}

/** An error trace as the relay accepts it on `POST /v1/errors`; other fields are allowed and scrubbed. */
export interface ErrorEvent {
  [key: string]: unknown;
  /** Your id for the event; the relay assigns one when absent. */
  event_id?: string;
  /** ISO 8601 string or epoch milliseconds. */
  timestamp: string | number;
  /** Falls back to the relay's `RELAY_DEFAULT_COMPANY`. */
  company_id?: string;
  /** Pseudonymised by the relay, and sent only when the company allowed ids. */
  user_id?: string | number;
  level?: string;
  error: { type?: string; message?: string; stack?: string; [key: string]: unknown };
  /** Innermost frame first. */
  frames?: { file?: string; line?: number; column?: number; function?: string; vars?: Record<string, unknown>; [key: string]: unknown }[];
  environment?: { runtime?: string; os?: string; libraries?: Record<string, string>; release?: string; [key: string]: unknown };
  performance?: Record<string, unknown>;
  trace?: { trace_id?: string; span_id?: string };
  request?: { method?: string; url?: string; headers?: Record<string, unknown> };
  extra?: Record<string, unknown>;
}

/** The verdict part of a scan event. */
export interface ScanResult {
  [key: string]: unknown;
  flagged: boolean;
  categories?: string[] | Record<string, unknown>;
  scores?: Record<string, unknown>;
  threat_level?: string;
}

/**
 * A scan event as the relay accepts it on `POST /v1/scans` (the application's log entry of a
 * Lakera scan). Content fields (`content`, `assistant_response`, …) may be present: the relay
 * removes them before anything is stored.
 */
export interface ScanEvent {
  [key: string]: unknown;
  event_id?: string;
  timestamp: string | number;
  company_id?: string;
  user_id?: string | number;
  event_type: 'scan' | 'blocked' | 'allowed';
  context?: { type?: string; source?: string };
  /** Or send Lakera Guard's raw response as `guard_response` and let the relay derive this. */
  scan_result?: ScanResult;
  /** A raw Lakera Guard v2 response; the relay derives `scan_result` from it and drops the rest. */
  guard_response?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/**
 * Lakera's telemetry payload. `company_id` and `user_id` are kept when the log entry has them:
 * the relay needs the company for its consent gate, and sends ids on only when allowed.
 */
export interface LakeraTelemetryPayload {
  event_id?: string;
  timestamp: string | number;
  event_type: 'scan' | 'blocked' | 'allowed';
  context: { type: string; source?: string };
  scan_result: ScanResult;
  metadata: {
    user_ip?: string;
    file_name?: string | null;
    file_type?: string | null;
    file_size?: number | null;
    message_length?: number | null;
    detected_patterns?: string[];
  };
  project_id: string | null;
  company_id?: string;
  user_id?: string | number;
}

/** The application client of a scrub-relay sidecar. Every method resolves, never rejects. */
export interface RelayClient {
  /** Posts an error trace to `/v1/errors`. */
  sendErrorEvent(event: ErrorEvent): Promise<void>;
  /** Posts a scan event to `/v1/scans`. */
  sendScanEvent(event: ScanEvent): Promise<void>;
  /** Posts a Lakera telemetry payload (see {@link convertLogToTelemetry}) to `/v1/scans`. */
  sendLakeraTelemetry(payload: LakeraTelemetryPayload): Promise<void>;
  /** Converts a log entry and posts it; entries that are not Lakera scans are ignored. */
  sendLakeraTelemetryFromLog(logEntry: unknown): Promise<void>;
}
