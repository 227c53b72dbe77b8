import { randomUUID } from 'node:crypto';
import type { RelayConfig } from '../config/env.js';
import { mayForward } from '../config/consent.js';
import { keyedHash } from '../scrubbers/keyed-hash.js';
import type { EventKind, Finding, JsonObject, Scrubber } from '../scrubbers/types.js';
import type { ConsentStore } from './consent-store.js';
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

/**
 * Ingest → consent gate → scrub → outbox, for already parsed events. All events are checked
 * before any is kept: a batch with one malformed event is refused whole, naming its index. The
 * outbox write is one transaction, done before this returns, so the caller may answer `202`.
 */
export function ingestEvents(deps: IngestDeps, kind: EventKind, events: readonly unknown[]): IngestResult {
  const { config, metrics } = deps;
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
  events.forEach((value, index) => {
    const companyId = companies[index]!;
    if (!config.telemetryEnabled) return drop('telemetry_disabled');
    if (!destinationConfigured) return drop('no_destination');
    if (!mayForward(config.telemetryEnabled, deps.consent.get(companyId))) return drop('no_consent');

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

  if (rows.length > 0) {
    let written;
    try {
      written = deps.outbox.enqueue(rows, (incoming) => makeRoom(deps, incoming));
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      deps.metrics.storageFaults.inc();
      deps.onStorageFault(error);
      throw new UnavailableError('storage_unavailable', 503, 'The relay cannot write to its buffer right now; retry later', {
        cause: error,
        retryAfterSeconds: 5,
      });
    }
    if (written === undefined) {
      metrics.rejected.inc({ status: '503', code: 'buffer_full' });
      throw new UnavailableError('buffer_full', 503, 'The relay buffer is full; retry later', { retryAfterSeconds: 30 });
    }
    metrics.accepted.inc({ kind }, rows.length);
    deps.onEnqueued();
  }
  return { accepted: rows.length, dropped, event_ids: rows.map((row) => row.eventId) };
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
