import type { RelayConfig } from '../config/env.js';
import { mayForward } from '../config/consent.js';
import { keyedHash } from '../scrubbers/keyed-hash.js';
import type { EventKind, Scrubber } from '../scrubbers/types.js';
import type { ConsentStore } from './consent-store.js';
import { isStorageFault } from './db.js';
import { UnavailableError } from './errors.js';
import type { Metrics } from './metrics.js';
import type { DestinationName, NewOutboxRow, Outbox } from './outbox.js';
import { scrubEvents, type ScrubbedEvent, type ScrubOptions } from './scrub-events.js';
import type { Logger } from 'pino';

/** What the relay did with a request's events: the body of the `202`. */
export interface IngestResult {
  accepted: number;
  dropped: Record<string, number>;
  /** The stable ids of the accepted events, in request order (the application's `event_id` when sent). */
  event_ids: string[];
}

export interface IngestDeps {
  config: RelayConfig;
  outbox: Outbox;
  consent: ConsentStore;
  scrubber: Scrubber;
  /** Keyed pseudonym of a user id or IP (see {@link pseudonymizer}). */
  pseudonym: (value: string) => string;
  metrics: Metrics;
  logger: Logger;
  /** Called after events were written, so the forwarder can start sending. */
  onEnqueued: () => void;
  /** Called when a write failed because storage is not usable. */
  onStorageFault: (error: unknown) => void;
}

/** Pseudonyms remembered per generation; user ids repeat across a busy application's events. */
const PSEUDONYM_CACHE = 4096;

/**
 * {@link keyedHash} under the relay's hash key, remembering recent answers: an HMAC costs a few
 * microseconds, a large share of a small event's ingest. Two bounded generations, like the
 * scrubber's clean-string cache.
 */
export function pseudonymizer(hashKey: string): (value: string) => string {
  let young = new Map<string, string>();
  let old = new Map<string, string>();
  return (value) => {
    let hash = young.get(value);
    if (hash !== undefined) return hash;
    hash = old.get(value) ?? keyedHash(hashKey, value);
    if (young.size >= PSEUDONYM_CACHE) {
      old = young;
      young = new Map();
    }
    young.set(value, hash);
    return hash;
  };
}

const DESTINATION: Record<EventKind, DestinationName> = { error: 'diagnostics', scan: 'lakera' };

/** A request's events checked, consent-gated and scrubbed, not yet written. */
export interface PreparedIngest {
  kind: EventKind;
  rows: NewOutboxRow[];
  dropped: Record<string, number>;
}

/** The synchronous first half of ingest: validation, consent gate, scrubbing. Throws 4xx errors. */
export function prepareIngest(deps: IngestDeps, kind: EventKind, events: readonly unknown[]): PreparedIngest {
  deps.metrics.received.inc({ kind }, events.length);
  const gate = consentGate(deps, kind);
  const scrubbed = scrubEvents(deps.scrubber, kind, events, { ...scrubOptions(deps.config), wanted: (company) => gate(company) === undefined });
  return admit(deps, kind, scrubbed, gate);
}

/** The scrubbing options a relay's configuration implies. */
export function scrubOptions(config: RelayConfig): ScrubOptions {
  return { defaultCompany: config.defaultCompany, keepUserIp: config.lakeraSendUserIpHash };
}

/**
 * Why a company's events of this kind are dropped before scrubbing (`telemetry_disabled`,
 * `no_destination`, `no_consent`), or undefined when they may be kept. One consent lookup per
 * company per request: nothing can change consent in the middle of a synchronous call.
 */
function consentGate(deps: IngestDeps, kind: EventKind): (companyId: string) => string | undefined {
  const { config } = deps;
  const destinationConfigured = DESTINATION[kind] === 'diagnostics' ? config.diagnostics !== undefined : config.lakera !== undefined;
  const allowed = new Map<string, boolean>();
  return (companyId) => {
    if (!config.telemetryEnabled) return 'telemetry_disabled';
    if (!destinationConfigured) return 'no_destination';
    let ok = allowed.get(companyId);
    if (ok === undefined) {
      ok = mayForward(config.telemetryEnabled, deps.consent.get(companyId));
      allowed.set(companyId, ok);
    }
    return ok ? undefined : 'no_consent';
  };
}

/**
 * The consent gate and the rows to write, for events already validated and scrubbed (here or on
 * the scrub worker). Drops are counted by reason; a failed scrub is logged by its code only.
 */
export function admit(
  deps: IngestDeps,
  kind: EventKind,
  events: readonly ScrubbedEvent[],
  gate: (companyId: string) => string | undefined = consentGate(deps, kind),
): PreparedIngest {
  const { metrics } = deps;
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    metrics.dropped.inc({ reason });
  };
  const destination = DESTINATION[kind];
  const rows: NewOutboxRow[] = [];
  for (const scrubbed of events) {
    const refused = gate(scrubbed.companyId);
    if (refused !== undefined) {
      drop(refused);
      continue;
    }
    if (scrubbed.outcome !== 'scrubbed') {
      // The event is never kept or sent raw; only the failure's class is logged.
      deps.logger.warn({ kind, code: scrubbed.outcome === 'failed' ? scrubbed.code : 'skipped' }, 'scrubbing failed; event dropped');
      drop('scrub_failed');
      continue;
    }
    const { event, ipValue } = scrubbed;
    for (const rule in event.counts) metrics.findings.inc({ rule }, event.counts[rule]);
    rows.push({
      eventId: event.eventId,
      kind,
      destination,
      companyId: scrubbed.companyId,
      userHash: event.userId === undefined ? null : deps.pseudonym(event.userId),
      ipHash: ipValue === undefined ? null : deps.pseudonym(ipValue),
      payload: event.payload,
      findings: JSON.stringify(event.counts),
    });
  }
  return { kind, rows, dropped };
}

function resultOf(prepared: PreparedIngest): IngestResult {
  return { accepted: prepared.rows.length, dropped: prepared.dropped, event_ids: prepared.rows.map((row) => row.eventId) };
}

/**
 * The second half: writes the prepared requests in one transaction. Each gets its result, or the
 * 503 it must answer (its rows did not fit, or storage failed — then all of them fail).
 */
function writePrepared(deps: IngestDeps, requests: readonly PreparedIngest[]): (IngestResult | UnavailableError)[] {
  const { metrics } = deps;
  const writing = requests.filter((request) => request.rows.length > 0);
  let written: ({ ids: number[] } | undefined)[] = [];
  if (writing.length > 0) {
    try {
      written = deps.outbox.enqueueGroups(writing.map(({ rows }) => ({ rows, makeRoom: (incoming: number) => makeRoom(deps, incoming) })));
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      metrics.storageFaults.inc();
      deps.onStorageFault(error);
      const failure = new UnavailableError('storage_unavailable', 503, 'The relay cannot write to its buffer right now; retry later', {
        cause: error,
        retryAfterSeconds: 5,
      });
      return requests.map((request) => (request.rows.length > 0 ? failure : resultOf(request)));
    }
  }
  let enqueued = false;
  let next = 0;
  const outcomes = requests.map((request) => {
    if (request.rows.length === 0) return resultOf(request);
    if (written[next++] === undefined) {
      metrics.rejected.inc({ status: '503', code: 'buffer_full' });
      return new UnavailableError('buffer_full', 503, 'The relay buffer is full; retry later', { retryAfterSeconds: 30 });
    }
    metrics.accepted.inc({ kind: request.kind }, request.rows.length);
    enqueued = true;
    return resultOf(request);
  });
  if (enqueued) deps.onEnqueued();
  return outcomes;
}

/**
 * Group commit for ingest requests: the requests whose bodies were read in the same turn of the
 * event loop are written in one transaction, and each is answered only after that commit. One
 * commit per request costs ~0.1 ms (`normal`) to several ms (`full`, an fsync) on this kind of
 * disk (see bench/relay.js); sharing it keeps the `202`-after-commit promise at a fraction of
 * the cost.
 */
export class IngestBatcher {
  private pending: { request: PreparedIngest; resolve: (result: IngestResult) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly deps: IngestDeps) {}

  /** Validates and scrubs now (4xx errors are thrown at once), writes with the current group. */
  ingest(kind: EventKind, events: readonly unknown[]): Promise<IngestResult> {
    return this.write(prepareIngest(this.deps, kind, events));
  }

  /** Events the scrub worker validated and scrubbed: consent gate now, written with the current group. */
  ingestScrubbed(kind: EventKind, events: readonly ScrubbedEvent[]): Promise<IngestResult> {
    return this.write(admit(this.deps, kind, events));
  }

  private write(request: PreparedIngest): Promise<IngestResult> {
    if (request.rows.length === 0) return Promise.resolve(resultOf(request));
    return new Promise((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    this.scheduled = false;
    let outcomes: (IngestResult | UnavailableError)[];
    try {
      outcomes = writePrepared(this.deps, group.map(({ request }) => request));
    } catch (error) {
      for (const { reject } of group) reject(error);
      return;
    }
    group.forEach(({ resolve, reject }, index) => {
      const outcome = outcomes[index]!;
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    });
  }
}

function makeRoom(deps: IngestDeps, incoming: number): boolean {
  const { maxBufferBytes, whenFull } = deps.config;
  if (deps.outbox.size().bytes + incoming <= maxBufferBytes) return true;
  if (whenFull === 'reject' || incoming > maxBufferBytes) return false;
  const evicted = deps.outbox.evictOldest(incoming, maxBufferBytes);
  if (evicted > 0) {
    deps.metrics.dropped.inc({ reason: 'evicted' }, evicted);
    deps.logger.warn({ evicted }, 'buffer full: oldest events evicted (RELAY_WHEN_FULL=drop_oldest)');
  }
  return true;
}
