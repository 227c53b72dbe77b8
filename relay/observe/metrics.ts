import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SENTRY_DROPPED_TYPES } from '../formats/sentry/envelope.js';

/**
 * Every reason `relay_events_dropped_total` counts. Each is exported at 0 from the start, so a
 * dashboard or an alert sees the series before the first loss.
 */
export const DROP_REASONS: readonly string[] = [
  'no_consent', 'telemetry_disabled', 'no_destination', 'scrub_failed', 'evicted', 'expired', 'revoked', 'dead_letter',
  // OTLP: records with no company, records over the relay's limits, spans and log records that are not errors.
  'no_company', 'otlp_invalid', 'otlp_span', 'otlp_log',
  ...[...SENTRY_DROPPED_TYPES, 'other'].map((type) => `sentry_${type}`),
];

/**
 * Every way an ingest request is refused (`relay_requests_rejected_total{status,code}`), each
 * exported at 0 from the start. Admin routes count their refusals in the same counter.
 */
export const INGEST_REFUSALS: readonly { status: string; code: string }[] = [
  ['401', 'unauthorized'], ['403', 'forbidden_company'], ['400', 'sentry_auth'], ['401', 'sentry_auth'], ['403', 'sentry_auth'],
  ['408', 'body_timeout'], ['400', 'body_incomplete'], ['413', 'body_too_large'],
  ['415', 'missing_media_type'], ['415', 'unsupported_media_type'], ['415', 'unsupported_charset'], ['415', 'unsupported_encoding'],
  ['400', 'bad_encoding'], ['400', 'invalid_utf8'], ['400', 'empty_body'], ['400', 'invalid_json'], ['400', 'empty_batch'],
  ['413', 'batch_too_large'], ['400', 'invalid_event'], ['413', 'invalid_event'], ['400', 'invalid_envelope'], ['400', 'invalid_protobuf'],
  ['503', 'overloaded'], ['503', 'shutting_down'], ['503', 'buffer_full'], ['503', 'storage_unavailable'], ['503', 'scrub_worker_failed'],
  ['500', 'internal'],
].map(([status, code]) => ({ status: status!, code: code! }));

/**
 * The relay's Prometheus metrics, on a registry of its own (several relays can run in one test
 * process), with every known drop reason and ingest refusal at 0 from the start. Labels carry rule ids, reasons and destination names only — never values or secrets.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'relay_process_' });
  const make = { registers: [registry] };
  const metrics = {
    registry,
    received: new Counter({ name: 'relay_events_received_total', help: 'Events received, by kind', labelNames: ['kind'], ...make }),
    accepted: new Counter({ name: 'relay_events_accepted_total', help: 'Events written to the outbox, by kind', labelNames: ['kind'], ...make }),
    dropped: new Counter({
      name: 'relay_events_dropped_total',
      help: 'Events not kept or not sent, by reason (no_consent, telemetry_disabled, no_destination, scrub_failed, evicted, expired, revoked, dead_letter, no_company, otlp_invalid, otlp_span, otlp_log, sentry_<item type>)',
      labelNames: ['reason'],
      ...make,
    }),
    rejected: new Counter({ name: 'relay_requests_rejected_total', help: 'Requests refused, by HTTP status and code', labelNames: ['status', 'code'], ...make }),
    scrubWorkerRequests: new Counter({
      name: 'relay_scrub_worker_requests_total',
      help: 'Ingest requests whose body was scrubbed on the scrub worker thread (RELAY_SCRUB_WORKER_MIN_BYTES and up)',
      ...make,
    }),
    findings: new Counter({ name: 'relay_scrub_findings_total', help: 'Values removed by the scrubber, by rule', labelNames: ['rule'], ...make }),
    outboxEvents: new Gauge({ name: 'relay_outbox_events', help: 'Events waiting in the outbox', ...make }),
    outboxBytes: new Gauge({ name: 'relay_outbox_bytes', help: 'Scrubbed payload bytes waiting in the outbox', ...make }),
    deadLetters: new Gauge({ name: 'relay_dead_letters', help: 'Events in the dead-letter table', ...make }),
    forwardAttempts: new Counter({
      name: 'relay_forward_attempts_total',
      help: 'Upstream requests, by destination and outcome (delivered, retry, rejected, error)',
      labelNames: ['destination', 'outcome'],
      ...make,
    }),
    forwarded: new Counter({ name: 'relay_forwarded_events_total', help: 'Events delivered upstream (2xx), by destination', labelNames: ['destination'], ...make }),
    forwardLatency: new Histogram({
      name: 'relay_forward_duration_seconds',
      help: 'Upstream request duration, by destination',
      labelNames: ['destination'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      ...make,
    }),
    shutdownEventsLeft: new Gauge({
      name: 'relay_shutdown_events_left',
      help: 'Events left in the outbox when the last shutdown drain ended, by destination and reason (deadline, telemetry_disabled, no_destination, after_drain: written once that destination was drained)',
      labelNames: ['destination', 'reason'],
      ...make,
    }),
    storageRecovered: new Counter({ name: 'relay_storage_recovered_total', help: 'Damaged database files moved aside at start', ...make }),
    storageDamage: new Counter({
      name: 'relay_storage_damage_total',
      help: 'Damaged storage found at start, by kind (corrupt_file, wal_frames_dropped, empty_database_with_wal, wal_without_database)',
      labelNames: ['kind'],
      ...make,
    }),
    salvaged: new Counter({ name: 'relay_salvaged_events_total', help: 'Events read back from damaged storage and queued again', ...make }),
    salvageUnreadable: new Counter({ name: 'relay_salvage_unreadable_events_total', help: 'Queued events in damaged storage that could not be read back', ...make }),
    storageReserveHeld: new Gauge({ name: 'relay_storage_reserve_held', help: 'Whether the space reserve beside the database is held (0: the volume filled; new events are refused)', ...make }),
    storageFullEvents: new Counter({ name: 'relay_storage_reserve_released_total', help: 'Times the volume filled and the space reserve was given up', ...make }),
    consentFileReloads: new Counter({
      name: 'relay_consent_file_reloads_total',
      help: 'Reads of the consent file (RELAY_CONSENT_FILE), by outcome (applied, unchanged, refused)',
      labelNames: ['outcome'],
      ...make,
    }),
    storageFaults: new Counter({ name: 'relay_storage_faults_total', help: 'Writes that failed because storage was full, read-only or failing', ...make }),
  };
  for (const reason of DROP_REASONS) metrics.dropped.inc({ reason }, 0);
  for (const labels of INGEST_REFUSALS) metrics.rejected.inc(labels, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
