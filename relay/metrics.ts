import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The relay's Prometheus metrics, on a registry of its own (several relays can run in one test
 * process). Labels carry rule ids, reasons and destination names only — never values or secrets.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'relay_process_' });
  const make = { registers: [registry] };
  return {
    registry,
    received: new Counter({ name: 'relay_events_received_total', help: 'Events received, by kind', labelNames: ['kind'], ...make }),
    accepted: new Counter({ name: 'relay_events_accepted_total', help: 'Events written to the outbox, by kind', labelNames: ['kind'], ...make }),
    dropped: new Counter({
      name: 'relay_events_dropped_total',
      help: 'Events not kept or not sent, by reason (no_consent, telemetry_disabled, no_destination, scrub_failed, evicted, expired, revoked, dead_letter, sentry_<item type>, otlp_span, otlp_log)',
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
}

export type Metrics = ReturnType<typeof createMetrics>;
