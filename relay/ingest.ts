import { randomUUID } from 'node:crypto';
import type { RelayConfig } from '../config/env.js';
import { mayForward } from '../config/consent.js';
import { keyedHash } from '../scrubbers/keyed-hash.js';
import type { EventKind, Finding, JsonObject, Scrubber } from '../scrubbers/types.js';
import type { ConsentStore } from './consent-store.js';
import { normaliseScanEvent } from './adapters/lakera-guard.js';
import { isStorageFault } from './db.js';
import { UnavailableError } from './errors.js';
import { checkEventShape } from './event-schemas.js';
import type { Metrics } from './metrics.js';
import type { DestinationName, NewOutboxRow, Outbox } from './outbox.js';
import { eventError } from './parse-body.js';
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
  hashKey: string;
  metrics: Metrics;
  logger: Logger;
  /** Called after events were written, so the forwarder can start sending. */
  onEnqueued: () => void;
  /** Called when a write failed because storage is not usable. */
  onStorageFault: (error: unknown) => void;
}

const DESTINATION: Record<EventKind, DestinationName> = { error: 'diagnostics', scan: 'lakera' };

/** A request's events checked, consent-gated and scrubbed, not yet written. */
export interface PreparedIngest {
  kind: EventKind;
  rows: NewOutboxRow[];
  dropped: Record<string, number>;
}

/**
 * Ingest → consent gate → scrub → outbox, for already parsed events. All events are checked
 * before any is kept: a batch with one malformed event is refused whole, naming its index. The
 * outbox write is one transaction, done before this returns, so the caller may answer `202`.
 */
export function ingestEvents(deps: IngestDeps, kind: EventKind, events: readonly unknown[]): IngestResult {
  const [outcome] = writePrepared(deps, [prepareIngest(deps, kind, events)]);
  if (outcome instanceof Error) throw outcome;
  return outcome!;
}

/** The synchronous first half of ingest: validation, consent gate, scrubbing. Throws 4xx errors. */
export function prepareIngest(deps: IngestDeps, kind: EventKind, given: readonly unknown[]): PreparedIngest {
  const { config, metrics } = deps;
  // A raw Lakera Guard response becomes a scan_result before validation; its payload never stays.
  const events = kind === 'scan' ? given.map(normaliseScanEvent) : given;
  metrics.received.inc({ kind }, events.length);

  const companies: string[] = [];
  events.forEach((event, index) => {
    const problem = checkEventShape(kind, event);
    if (problem) throw eventError(index, events.length, problem.field, problem.reason);
    const company = (event as { company_id?: string }).company_id ?? config.defaultCompany;
    if (company === undefined) {
      throw eventError(index, events.length, 'company_id', 'is required (or configure RELAY_DEFAULT_COMPANY)');
    }
    companies.push(company);
  });

  const dropped: Record<string, number> = {};
  const drop = (reason: string) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    metrics.dropped.inc({ reason });
  };
  const destination = DESTINATION[kind];
  const destinationConfigured = destination === 'diagnostics' ? config.diagnostics !== undefined : config.lakera !== undefined;

  const rows: NewOutboxRow[] = [];
  // One lookup per company per request: a batch usually carries one company, and nothing can change consent mid-call.
  const consentByCompany = new Map<string, boolean>();
  events.forEach((value, index) => {
    const companyId = companies[index]!;
    if (!config.telemetryEnabled) return drop('telemetry_disabled');
    if (!destinationConfigured) return drop('no_destination');
    let allowed = consentByCompany.get(companyId);
    if (allowed === undefined) {
      allowed = mayForward(config.telemetryEnabled, deps.consent.get(companyId));
      consentByCompany.set(companyId, allowed);
    }
    if (!allowed) return drop('no_consent');

    const ipValue = kind === 'scan' && config.lakeraSendUserIpHash ? userIp(value as JsonObject) : undefined;
    let prepared: PreparedEvent;
    try {
      prepared = prepareEvent(deps.scrubber, kind, value as JsonObject);
    } catch (error) {
      // The event is never kept or sent raw; only the failure's class is logged.
      deps.logger.warn({ kind, code: (error as { code?: string }).code ?? 'unknown' }, 'scrubbing failed; event dropped');
      return drop('scrub_failed');
    }
    for (const [rule, count] of Object.entries(prepared.counts)) metrics.findings.inc({ rule }, count);
    rows.push({
      eventId: prepared.eventId,
      kind,
      destination,
      companyId,
      userHash: prepared.userId === undefined ? null : keyedHash(deps.hashKey, prepared.userId),
      ipHash: ipValue === undefined ? null : keyedHash(deps.hashKey, ipValue),
      payload: prepared.payload,
      findings: JSON.stringify(prepared.counts),
    });
  });

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
    const request = prepareIngest(this.deps, kind, events);
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

/** An event scrubbed and ready for storage; identifiers are kept apart from the payload. */
export interface PreparedEvent {
  eventId: string;
  userId: string | undefined;
  /** The scrubbed event as JSON, without `event_id`, `company_id` and `user_id`. */
  payload: string;
  /** What the scrubber removed, `{rule: count}`. */
  counts: Record<string, number>;
  findings: Finding[];
}

/**
 * Takes the identifiers out of an event (they are added back at send time only when allowed) and
 * scrubs the rest. Throws when the scrubber fails; the caller drops the event.
 */
export function prepareEvent(scrubber: Scrubber, kind: EventKind, event: JsonObject): PreparedEvent {
  const { event_id: givenId, company_id: _company, user_id: userId, ...rest } = event;
  const scrubbed = scrubber.scrub(rest, kind);
  const counts: Record<string, number> = {};
  for (const finding of scrubbed.findings) counts[finding.rule] = (counts[finding.rule] ?? 0) + finding.count;
  return {
    eventId: typeof givenId === 'string' ? givenId : randomUUID(),
    userId: typeof userId === 'string' || typeof userId === 'number' ? String(userId) : undefined,
    payload: JSON.stringify(scrubbed.event),
    counts,
    findings: scrubbed.findings,
  };
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

function userIp(event: JsonObject): string | undefined {
  const metadata = event['metadata'];
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
  const ip = metadata['user_ip'];
  return typeof ip === 'string' && ip !== '' ? ip : undefined;
}
