import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SENTRY_DROPPED_TYPES } from '../formats/sentry/envelope.js';
import type { Outcome } from '../sinks/send-policy.js';
import type { DestinationQueue } from '../storage/outbox.js';
import { relayVersion } from './build-info.js';
import { registerProcessMetrics } from './process-metrics.js';

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

/** Every outcome of an upstream request (`relay_forward_attempts_total{destination,outcome}`). */
export const FORWARD_OUTCOMES = ['delivered', 'retry', 'rejected', 'error'] as const satisfies readonly Outcome[];

/** The destinations a relay can have; each is exported at 0 unless the relay is told which it has. */
export const KNOWN_DESTINATIONS: readonly string[] = ['diagnostics', 'lakera'];

/**
 * The ingest routes as `relay_ingest_requests_total{route}` names them (the route pattern, never
 * the path a client sent), with the status each answers on success.
 */
export const INGEST_ROUTES: readonly { route: string; ok: string }[] = [
  { route: '/v1/errors', ok: '202' }, { route: '/v1/scans', ok: '202' },
  { route: '/v1/traces', ok: '200' }, { route: '/v1/logs', ok: '200' },
  { route: '/api/:project/envelope/', ok: '200' }, { route: '/api/:project/store/', ok: '200' },
];

/** The queue figures the metrics read from storage when Prometheus scrapes. */
export interface QueueFigures {
  events: number;
  bytes: number;
  deadLetters: number;
  destinations: Map<string, DestinationQueue>;
}

export interface MetricsOptions {
  /** The destinations this relay sends to; their series are exported at 0 from the start. @default KNOWN_DESTINATIONS */
  destinations?: readonly string[];
  /** `RELAY_MAX_BUFFER_BYTES`, exported as `relay_outbox_limit_bytes`. */
  bufferLimitBytes?: number;
  /** Wall-clock time in ms, for the age of the oldest queued event. @default Date.now */
  now?: () => number;
}

/** Where every metric registers. */
interface Registers {
  registers: Registry[];
}

type QueueReader = ReturnType<typeof queueReader>;

/** What ingest received, kept, refused and removed. */
function ingestMetrics(make: Registers) {
  return {
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
    ingestRequests: new Counter({
      name: 'relay_ingest_requests_total',
      help: 'Ingest requests answered, by route pattern and HTTP status',
      labelNames: ['route', 'status'],
      ...make,
    }),
    ingestDuration: new Histogram({
      name: 'relay_ingest_duration_seconds',
      help: 'Time from an ingest request reaching the relay to its answer, by route pattern',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ...make,
    }),
  };
}

/** What waits in the outbox, read from SQLite when Prometheus scrapes. */
function queueMetrics(make: Registers, queue: QueueReader, now: () => number) {
  return {
    outboxEvents: new Gauge({
      name: 'relay_outbox_events',
      help: 'Events waiting in the outbox',
      ...make,
      collect() {
        const figures = queue.read();
        if (figures) this.set(figures.events);
      },
    }),
    outboxBytes: new Gauge({
      name: 'relay_outbox_bytes',
      help: 'Scrubbed payload bytes waiting in the outbox',
      ...make,
      collect() {
        const figures = queue.read();
        if (figures) this.set(figures.bytes);
      },
    }),
    outboxLimitBytes: new Gauge({ name: 'relay_outbox_limit_bytes', help: 'The outbox limit (RELAY_MAX_BUFFER_BYTES); the oldest events are evicted past it', ...make }),
    destinationEvents: new Gauge({
      name: 'relay_outbox_destination_events',
      help: 'Events waiting in the outbox, by destination',
      labelNames: ['destination'],
      ...make,
      collect() {
        for (const [destination, figures] of queue.read()?.destinations ?? []) this.set({ destination }, figures.events);
      },
    }),
    destinationBytes: new Gauge({
      name: 'relay_outbox_destination_bytes',
      help: 'Scrubbed payload bytes waiting in the outbox, by destination',
      labelNames: ['destination'],
      ...make,
      collect() {
        for (const [destination, figures] of queue.read()?.destinations ?? []) this.set({ destination }, figures.bytes);
      },
    }),
    oldestEventAge: new Gauge({
      name: 'relay_outbox_oldest_event_age_seconds',
      help: 'Age of the oldest event waiting in the outbox, by destination (0 when none waits)',
      labelNames: ['destination'],
      ...make,
      collect() {
        const at = now();
        for (const [destination, figures] of queue.read()?.destinations ?? []) {
          this.set({ destination }, figures.oldestCreatedAt === null ? 0 : Math.max(0, (at - figures.oldestCreatedAt) / 1000));
        }
      },
    }),
    deadLetters: new Gauge({
      name: 'relay_dead_letters',
      help: 'Events in the dead-letter table',
      ...make,
      collect() {
        const figures = queue.read();
        if (figures) this.set(figures.deadLetters);
      },
    }),
  };
}

/** What was sent upstream, per destination. */
function forwardMetrics(make: Registers) {
  return {
    forwardAttempts: new Counter({
      name: 'relay_forward_attempts_total',
      help: 'Upstream requests, by destination and outcome (delivered, retry, rejected, error)',
      labelNames: ['destination', 'outcome'],
      ...make,
    }),
    forwardBytes: new Counter({
      name: 'relay_forward_bytes_total',
      help: 'Request body bytes sent upstream (as sent on the wire, gzip included), by destination and outcome',
      labelNames: ['destination', 'outcome'],
      ...make,
    }),
    lastSuccess: new Gauge({
      name: 'relay_destination_last_success_timestamp_seconds',
      help: 'When a request to the destination last succeeded (2xx), in seconds since the epoch; 0 when none has since the relay started',
      labelNames: ['destination'],
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
  };
}

/** Storage damage and salvage, the space reserve, consent-file reloads and the build. */
function storageMetrics(make: Registers) {
  return {
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
    buildInfo: new Gauge({ name: 'relay_build_info', help: 'Always 1; the version of the running relay', labelNames: ['version'], ...make }),
  };
}
/**
 * The relay's Prometheus metrics, on a registry of its own (several relays can run in one test
 * process), with every known drop reason, ingest refusal, destination and outcome at 0 from the
 * start. Labels carry rule ids, reasons, routes and destination names only — never values or
 * secrets. Queue figures are read from SQLite when Prometheus scrapes ({@link Metrics.readQueueFrom}):
 * the relay keeps no timer for its metrics.
 */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const make = { registers: [registry] };
  const destinations = options.destinations ?? KNOWN_DESTINATIONS;
  const now = options.now ?? Date.now;
  const queue = queueReader(destinations);
  const metrics = {
    registry,
    ...ingestMetrics(make),
    ...queueMetrics(make, queue, now),
    ...forwardMetrics(make),
    ...storageMetrics(make),
  };
  for (const reason of DROP_REASONS) metrics.dropped.inc({ reason }, 0);
  for (const labels of INGEST_REFUSALS) metrics.rejected.inc(labels, 0);
  for (const kind of ['error', 'scan']) {
    metrics.received.inc({ kind }, 0);
    metrics.accepted.inc({ kind }, 0);
  }
  for (const outcome of ['applied', 'unchanged', 'refused']) metrics.consentFileReloads.inc({ outcome }, 0);
  for (const destination of destinations) {
    metrics.forwarded.inc({ destination }, 0);
    metrics.forwardLatency.zero({ destination });
    metrics.lastSuccess.set({ destination }, 0);
    for (const outcome of FORWARD_OUTCOMES) {
      metrics.forwardAttempts.inc({ destination, outcome }, 0);
      metrics.forwardBytes.inc({ destination, outcome }, 0);
    }
  }
  const refusalStatuses = [...new Set(INGEST_REFUSALS.map(({ status }) => status)), '429'];
  for (const { route, ok } of INGEST_ROUTES) {
    for (const status of [ok, ...refusalStatuses]) metrics.ingestRequests.inc({ route, status }, 0);
    metrics.ingestDuration.zero({ route });
  }
  metrics.buildInfo.set({ version: relayVersion() }, 1);
  if (options.bufferLimitBytes !== undefined) metrics.outboxLimitBytes.set(options.bufferLimitBytes);
  return {
    ...metrics,
    /**
     * Where the queue gauges read their figures when Prometheus scrapes. A read that fails
     * (storage faults) leaves the last values: the scrape still answers.
     */
    readQueueFrom(source: () => QueueFigures): void {
      queue.source = source;
    },
  };
}

/**
 * The queue figures, read once per scrape however many gauges ask: prom-client calls every
 * `collect()` in one synchronous pass, so the figures are dropped at the next microtask.
 */
function queueReader(destinations: readonly string[]) {
  let cached: QueueFigures | undefined;
  const reader = {
    source: undefined as (() => QueueFigures) | undefined,
    read(): QueueFigures | undefined {
      if (cached !== undefined || reader.source === undefined) return cached;
      try {
        const figures = reader.source();
        for (const destination of destinations) {
          if (!figures.destinations.has(destination)) figures.destinations.set(destination, { events: 0, bytes: 0, oldestCreatedAt: null });
        }
        cached = figures;
        queueMicrotask(() => {
          cached = undefined;
        });
      } catch {
        // Storage faults are visible in readyz and relay_storage_faults_total; metrics still answer.
      }
      return cached;
    },
  };
  return reader;
}

export type Metrics = ReturnType<typeof createMetrics>;
