import type { EventKind, Finding, JsonObject, ScrubCallOptions, Scrubber, ZoneReport } from '../../scrubbers/types.js';
import { normaliseScanEvent } from '../../protocol/lakera-guard.js';
import { AuthError } from '../errors.js';
import { eventIdFor } from './event-id.js';
import { checkEventShape } from '../formats/native/event-schemas.js';
import { eventError, eventProblem, type BodyLimits } from '../http/parse-body.js';
import { normaliseTimestamp } from './timestamp.js';

/** An event scrubbed and ready for storage; identifiers are kept apart from the payload. */
export interface PreparedEvent {
  eventId: string;
  userId: string | undefined;
  /** The scrubbed event as JSON, without `event_id`, `company_id` and `user_id`. */
  payload: string;
  /** What the scrubber removed, `{rule: count}`. */
  counts: Record<string, number>;
  /** Where each rule fired: only when prepared with `explain` (the CLI's `scrub --explain`). */
  findings?: Finding[];
  /** The zone of every value: only when prepared with `explain`. */
  zones?: ZoneReport[];
}

/** One event of a request after validation, before the consent gate (which needs the database). */
export type ScrubbedEvent =
  | { companyId: string; outcome: 'scrubbed'; event: Omit<PreparedEvent, 'findings' | 'zones'>; ipValue: string | undefined }
  /** The scrubber failed (its error code): the event is dropped, never kept raw. */
  | { companyId: string; outcome: 'failed'; code: string }
  /** Not scrubbed because it will be dropped anyway (telemetry off, no destination configured). */
  | { companyId: string; outcome: 'skipped' };

export interface ScrubOptions {
  /** The company of events that name none (the request's token's, else `RELAY_DEFAULT_COMPANY`). */
  defaultCompany: string | undefined;
  /** The companies the request's token may post for; absent = any (see `IngestScope`). */
  companies?: readonly string[] | undefined;
  /** Keep the raw `metadata.user_ip` of scan events aside, to be sent as a keyed hash. */
  keepUserIp: boolean;
  /** Validate only: every event is dropped anyway (telemetry off, no destination), so none is scrubbed. */
  validateOnly?: boolean | undefined;
  /**
   * The events are the caller's own JSON.parse of a request body, not used after this: each is
   * scrubbed in place (see `ScrubCallOptions.inPlace`), unless it was rebuilt from a Guard response.
   */
  inPlace?: boolean | undefined;
}

/**
 * Validates a request's events and scrubs them: the part of ingest that needs no database, so it
 * can run on a worker thread. All events are checked before any is scrubbed: a batch with one
 * malformed event throws a 400 naming its index. A raw Lakera Guard response becomes a
 * `scan_result` first; its payload never stays.
 */
export function scrubEvents(scrubber: Scrubber, kind: EventKind, given: readonly unknown[], options: ScrubOptions): ScrubbedEvent[] {
  const events = kind === 'scan' ? given.map(normaliseScanEvent) : given;
  const allowed = options.companies === undefined ? undefined : new Set(options.companies);
  const companies = events.map((event, index) => {
    const problem = fieldProblem(kind, event, options.defaultCompany);
    if (problem) throw eventError(index, events.length, problem.field, problem.reason);
    const companyId = companyOf(event, options.defaultCompany) as string;
    if (allowed !== undefined && !allowed.has(companyId)) throw forbiddenCompany(index, events.length);
    return companyId;
  });
  return events.map((value, index): ScrubbedEvent => {
    const companyId = companies[index]!;
    if (options.validateOnly === true) return { companyId, outcome: 'skipped' };
    const ipValue = kind === 'scan' && options.keepUserIp ? userIp(value as JsonObject) : undefined;
    try {
      // A rebuilt scan event may hold objects of its own making: only the parse's own are overwritten.
      const inPlace = options.inPlace === true && value === given[index];
      const event = prepareEvent(scrubber, kind, value as JsonObject, { inPlace });
      return { companyId, outcome: 'scrubbed', event, ipValue };
    } catch (error) {
      return { companyId, outcome: 'failed', code: (error as { code?: string }).code ?? 'unknown' };
    }
  });
}

/** One event after {@link scrubOne}: prepared for storage, or why ingest would refuse or drop it. */
export type ScrubOneResult =
  | { ok: true; prepared: PreparedEvent }
  | { ok: false; error: 'invalid_event' | 'scrub_failed'; message: string };

/**
 * One event through the pipeline's validate and scrub stages, in ingest's order — structure and
 * limits, then (a raw Lakera Guard response having become a `scan_result`) the event's fields,
 * then the scrubber — for the entry points that show what ingest would do with it (the CLI's
 * `scrub`). `inPlace`: the value is the caller's own parse, used for nothing else after this.
 */
export function scrubOne(
  scrubber: Scrubber,
  kind: EventKind,
  given: unknown,
  options: { limits: BodyLimits; defaultCompany: string | undefined; explain?: boolean; inPlace?: boolean },
): ScrubOneResult {
  const structure = eventProblem(given, options.limits);
  const event = structure === undefined && kind === 'scan' ? normaliseScanEvent(given) : given;
  const problem = structure ?? fieldProblem(kind, event, options.defaultCompany);
  if (problem) return { ok: false, error: 'invalid_event', message: `field "${problem.field}" ${problem.reason}` };
  try {
    const inPlace = options.inPlace === true && event === given;
    return { ok: true, prepared: prepareEvent(scrubber, kind, event as JsonObject, { explain: options.explain === true, inPlace }) };
  } catch {
    // Exactly what ingest does: a failed scrub drops the event, never passes it on raw.
    return { ok: false, error: 'scrub_failed', message: 'scrubbing failed; the relay would drop this event' };
  }
}

/** 403 naming the event: its company is not one the request's token may post for (never which company). */
export function forbiddenCompany(index: number, total: number): AuthError {
  const where = total > 1 ? `event ${index}: ` : '';
  return new AuthError('forbidden_company', 403, `${where}field "company_id" names a company this ingest token may not post for`, {
    details: { index, field: 'company_id' },
  });
}

/** The company an event belongs to: its `company_id`, else the configured default. */
function companyOf(event: unknown, defaultCompany: string | undefined): string | undefined {
  return (event as { company_id?: string }).company_id ?? defaultCompany;
}

/**
 * What is wrong with one event's fields (see checkEventShape), or its missing company, when
 * anything is: the 400 that ingest answers for it.
 */
export function fieldProblem(kind: EventKind, event: unknown, defaultCompany: string | undefined): { field: string; reason: string } | undefined {
  const problem = checkEventShape(kind, event);
  if (problem) return problem;
  if (companyOf(event, defaultCompany) === undefined) return { field: 'company_id', reason: 'is required (or configure RELAY_DEFAULT_COMPANY)' };
  return undefined;
}

/**
 * Takes the identifiers out of an event (they are added back at send time only when allowed) and
 * scrubs the rest. The scrubber passes `timestamp` and `event_id` through, so they are made safe
 * here: the time as RFC 3339 UTC, an id that is not id-like replaced by a UUID (event-id.ts).
 * Throws when the scrubber fails; the caller drops the event.
 */
export function prepareEvent(scrubber: Scrubber, kind: EventKind, event: JsonObject, options: ScrubCallOptions = {}): PreparedEvent {
  const { event_id: givenId, company_id: _company, user_id: userId, ...rest } = event;
  if ('timestamp' in rest) {
    // Validation refused every event whose time does not parse; an unvalidated one (the CLI) keeps none.
    const time = normaliseTimestamp(rest['timestamp']);
    if (time === undefined) delete rest['timestamp'];
    else rest['timestamp'] = time;
  }
  const scrubbed = scrubber.scrub(rest, kind, options);
  const prepared: PreparedEvent = {
    eventId: eventIdFor(givenId),
    userId: typeof userId === 'string' || typeof userId === 'number' ? String(userId) : undefined,
    payload: JSON.stringify(scrubbed.event),
    counts: scrubbed.counts,
  };
  if (scrubbed.findings !== undefined) prepared.findings = scrubbed.findings;
  if (scrubbed.zones !== undefined) prepared.zones = scrubbed.zones;
  return prepared;
}

function userIp(event: JsonObject): string | undefined {
  const metadata = event['metadata'];
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
  const ip = metadata['user_ip'];
  return typeof ip === 'string' && ip !== '' ? ip : undefined;
}
