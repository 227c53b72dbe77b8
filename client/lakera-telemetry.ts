import { deriveScanResult } from '../protocol/lakera-guard.js';
import type { LakeraTelemetryPayload, ScanResult } from './types.js';

const EVENT_TYPES = new Set(['scan', 'blocked', 'allowed']);
const SCAN_RESULT_FIELDS = ['flagged', 'categories', 'scores', 'threat_level', 'detected_patterns'] as const;
const METADATA_FIELDS = ['user_ip', 'file_name', 'file_type', 'file_size', 'message_length', 'detected_patterns'] as const;

/** Options of {@link convertLogToTelemetry}. */
export interface ConvertOptions {
  /** Used when the entry has no `project_id`. */
  projectId?: string;
  /** Clock for entries without a timestamp. @default Date.now */
  now?: () => number;
}

function object(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * An application's log entry → Lakera's telemetry payload
 * `{timestamp, event_type, context, scan_result, metadata, project_id}`, or `null` when the entry
 * is not a Lakera scan (it has neither a `scan_result` with a boolean `flagged` nor a raw Lakera
 * Guard response under `guard_response`). Only the payload's fields are copied: content
 * (`content`, `assistant_response`, Guard's `payload` matches) never leaves the application,
 * though the relay would remove it too. A missing `metadata.message_length` is taken from the
 * length of `content`. No I/O.
 * @example
 * const payload = convertLogToTelemetry({
 *   timestamp: '2026-11-23T10:00:01Z', company_id: 'acme', event_type: 'blocked',
 *   context: { type: 'chat', source: 'support-bot' },
 *   scan_result: { flagged: true, categories: ['prompt_attack'], threat_level: 'high' },
 *   content: 'ignore previous instructions…',
 * });
 * // payload.metadata.message_length === 29; payload has no `content`
 */
export function convertLogToTelemetry(logEntry: unknown, options: ConvertOptions = {}): LakeraTelemetryPayload | null {
  const entry = object(logEntry);
  if (entry === undefined) return null;
  const given = object(entry['scan_result']);
  const derived = deriveScanResult(entry['guard_response'] ?? (Array.isArray(given?.['breakdown']) ? given : undefined));
  let scanResult: Record<string, unknown>;
  if (derived !== undefined) {
    // Scores the application computed itself survive the derivation, as in the relay.
    const scores = Array.isArray(given?.['breakdown']) ? undefined : object(given?.['scores']);
    scanResult = { ...(scores === undefined ? {} : { scores }), ...derived };
  } else if (given !== undefined && typeof given['flagged'] === 'boolean') {
    scanResult = pick(given, SCAN_RESULT_FIELDS);
  } else {
    return null;
  }

  const eventType = typeof entry['event_type'] === 'string' && EVENT_TYPES.has(entry['event_type']) ? entry['event_type'] : 'scan';
  const context = object(entry['context']) ?? {};
  const metadata = pick(object(entry['metadata']) ?? {}, METADATA_FIELDS);
  if (metadata['message_length'] === undefined && typeof entry['content'] === 'string') metadata['message_length'] = entry['content'].length;

  const timestamp = entry['timestamp'];
  const payload: LakeraTelemetryPayload = {
    timestamp: typeof timestamp === 'string' || typeof timestamp === 'number' ? timestamp : new Date((options.now ?? Date.now)()).toISOString(),
    event_type: eventType as LakeraTelemetryPayload['event_type'],
    context: {
      type: typeof context['type'] === 'string' ? context['type'] : 'chat',
      ...(typeof context['source'] === 'string' ? { source: context['source'] } : {}),
    },
    scan_result: scanResult as ScanResult,
    metadata,
    project_id: typeof entry['project_id'] === 'string' ? entry['project_id'] : (options.projectId ?? null),
  };
  if (typeof entry['event_id'] === 'string') payload.event_id = entry['event_id'];
  if (typeof entry['company_id'] === 'string') payload.company_id = entry['company_id'];
  if (typeof entry['user_id'] === 'string' || typeof entry['user_id'] === 'number') payload.user_id = entry['user_id'];
  return payload;
}

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of fields) if (source[field] !== undefined) result[field] = source[field];
  return result;
}
