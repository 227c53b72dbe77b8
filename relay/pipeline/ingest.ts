import type { RelayConfig } from '../../config/env.js';
import { mayForward } from '../../config/consent.js';
import { keyedHash } from '../../scrubbers/keyed-hash.js';
import type { EventKind, Scrubber } from '../../scrubbers/types.js';
import type { ConsentStore } from '../admin/consent-store.js';
import type { IngestScope } from '../http/ingest-auth.js';
import { checkEvents, decodeEvents } from '../http/parse-body.js';
import { checkEventShape } from '../formats/native/event-schemas.js';
import type { ScrubWorker } from './scrub-pool.js';
import { isStorageFault } from '../storage/db.js';
import { InputError, UnavailableError } from '../errors.js';
import type { Metrics } from '../observe/metrics.js';
import type { NewOutboxRow, Outbox } from '../storage/outbox.js';
import { destinationsFor } from '../sinks/routes.js';
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
}

/** Pseudonyms remembered per generation; user ids repeat across a busy application's events. */
const PSEUDONYM_CACHE = 4096;

/**
 * {@link keyedHash} under the relay's hash key, remembering recent answers: an HMAC is a large
 * share of a small event's ingest (bench/relay.js's header). Two bounded generations, like the
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

/** A request's events checked, consent-gated and scrubbed, not yet written. */
export interface PreparedIngest {
  kind: EventKind;
  rows: NewOutboxRow[];
  dropped: Record<string, number>;
}

/**
 * The synchronous first half of ingest: validation, the configuration's gates, scrubbing. Throws
 * 4xx errors. Company consent is read later, inside the write transaction (see {@link writePrepared}).
 */
export function prepareIngest(deps: IngestDeps, kind: EventKind, events: readonly unknown[], inPlace = false, scope?: IngestScope): PreparedIngest {
  deps.metrics.received.inc({ kind }, events.length);
  const refused = configGate(deps.config, destinationsFor(deps.config, kind));
  const scrubbed = scrubEvents(deps.scrubber, kind, events, { ...scrubOptions(deps.config, scope), validateOnly: refused !== undefined, inPlace });
  return admit(deps, kind, scrubbed);
}

/** The scrubbing options a relay's configuration implies, for a request of `scope` (default: any company). */
export function scrubOptions(config: RelayConfig, scope?: IngestScope): ScrubOptions {
  if (scope === undefined) return { defaultCompany: config.defaultCompany, keepUserIp: config.lakeraSendUserIpHash };
  const companies = scope.companies === undefined ? undefined : [...scope.companies];
  return { defaultCompany: scope.defaultCompany, companies, keepUserIp: config.lakeraSendUserIpHash };
}

/** Why every event of a kind routed to `destinations` is dropped whatever its company (`telemetry_disabled`, `no_destination`), if so. */
function configGate(config: RelayConfig, destinations: readonly string[]): string | undefined {
  if (!config.telemetryEnabled) return 'telemetry_disabled';
  return destinations.length > 0 ? undefined : 'no_destination';
}

/**
 * The rows to write, for events already validated and scrubbed (here or on the scrub worker).
 * Drops are counted by reason; a failed scrub is logged by its code only.
 */
export function admit(deps: IngestDeps, kind: EventKind, events: readonly ScrubbedEvent[]): PreparedIngest {
  const { metrics } = deps;
  const dropped: Record<string, number> = {};
  const destinations = destinationsFor(deps.config, kind);
  const refused = configGate(deps.config, destinations);
  const destination = destinations.length === 1 ? destinations[0]! : destinations;
  const rows: NewOutboxRow[] = [];
  // Summed per request first: a labelled counter increment is dear next to the rest of an event's
  // ingest (bench/relay.js's header), and an event can have several findings.
  const findings = new Map<string, number>();
  for (const scrubbed of events) {
    const reason = refused ?? (scrubbed.outcome === 'scrubbed' ? undefined : 'scrub_failed');
    if (reason !== undefined) {
      // The event is never kept or sent raw; only the failure's class is logged.
      if (reason === 'scrub_failed') deps.logger.warn({ kind, code: scrubbed.outcome === 'failed' ? scrubbed.code : 'skipped' }, 'scrubbing failed; event dropped');
      dropped[reason] = (dropped[reason] ?? 0) + 1;
      continue;
    }
    if (scrubbed.outcome !== 'scrubbed') continue;
    const { event, ipValue } = scrubbed;
    for (const rule in event.counts) findings.set(rule, (findings.get(rule) ?? 0) + (event.counts[rule] ?? 0));
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
  for (const [rule, count] of findings) metrics.findings.inc({ rule }, count);
  for (const [reason, count] of Object.entries(dropped)) metrics.dropped.inc({ reason }, count);
  return { kind, rows, dropped };
}

function resultOf(prepared: PreparedIngest, kept: readonly NewOutboxRow[] = prepared.rows, noConsent = 0): IngestResult {
  const dropped = noConsent === 0 ? prepared.dropped : { ...prepared.dropped, no_consent: (prepared.dropped['no_consent'] ?? 0) + noConsent };
  return { accepted: kept.length, dropped, event_ids: kept.map((row) => row.eventId) };
}

/**
 * The second half: writes the prepared requests in one transaction. Consent is read inside it,
 * so a company's events are kept only if it allowed telemetry at the moment they are written: a
 * revocation committed before this write (by the CLI, another process) is never missed. Each
 * request gets its result, or the 503 it must answer (its rows did not fit, or storage failed —
 * then all of them fail).
 */
/** What the enqueue stage knows of storage: when a write last failed on it. */
export interface StorageHealth {
  faultAt: number;
}

function writePrepared(deps: IngestDeps, requests: readonly PreparedIngest[], health: StorageHealth): (IngestResult | UnavailableError)[] {
  const { metrics, config } = deps;
  const writing = requests.filter((request) => request.rows.length > 0);
  let written: ({ ids: number[]; rows: NewOutboxRow[] } | undefined)[] = [];
  if (writing.length > 0) {
    const allowed = new Map<string, boolean>();
    const consented = (row: NewOutboxRow) => {
      let ok = allowed.get(row.companyId);
      if (ok === undefined) {
        ok = mayForward(config.telemetryEnabled, deps.consent.get(row.companyId));
        allowed.set(row.companyId, ok);
      }
      return ok;
    };
    try {
      written = deps.outbox.enqueueGroups(
        writing.map(({ rows }) => ({ rows, makeRoom: (incoming: number) => makeRoom(deps, incoming) })),
        consented,
      );
    } catch (error) {
      if (!isStorageFault(error)) throw error;
      metrics.storageFaults.inc();
      health.faultAt = Date.now();
      const failure = new UnavailableError('storage_unavailable', 503, 'The relay cannot write to its buffer right now; retry later', {
        cause: error,
        retryAfterSeconds: 5,
      });
      return requests.map((request) => (request.rows.length > 0 ? failure : resultOf(request)));
    }
  }
  let next = 0;
  return requests.map((request) => {
    if (request.rows.length === 0) return resultOf(request);
    const write = written[next++];
    if (write === undefined) {
      return new UnavailableError('buffer_full', 503, 'The relay buffer is full; retry later', { retryAfterSeconds: 30 });
    }
    const noConsent = request.rows.length - write.rows.length;
    if (noConsent > 0) metrics.dropped.inc({ reason: 'no_consent' }, noConsent);
    if (write.rows.length > 0) {
      metrics.accepted.inc({ kind: request.kind }, write.rows.length);
      health.faultAt = Number.NEGATIVE_INFINITY;
    }
    return resultOf(request, write.rows, noConsent);
  });
}

/**
 * Group commit for ingest requests: the requests whose bodies were read in the same turn of the
 * event loop are written in one transaction, and each is answered only after that commit. A
 * commit is the dearest step of a small request, an fsync with `full` (docs/durability.md has the
 * figures, bench/relay.js measures them); sharing it keeps the `202`-after-commit promise at a
 * fraction of the cost.
 */
export class IngestBatcher {
  /** When a write last failed on storage (reset by the next write that keeps rows). */
  readonly health: StorageHealth = { faultAt: Number.NEGATIVE_INFINITY };
  private pending: { request: PreparedIngest; resolve: (result: IngestResult) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly deps: IngestDeps) {}

  /**
   * Validates and scrubs now (4xx errors are thrown at once), writes with the current group.
   * `parsed`: the events are the caller's own JSON.parse of a body, so they are scrubbed in place.
   * `scope`: the companies the request's token may post for (default: any).
   */
  ingest(kind: EventKind, events: readonly unknown[], parsed = false, scope?: IngestScope): Promise<IngestResult> {
    return this.write(prepareIngest(this.deps, kind, events, parsed, scope));
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
      outcomes = writePrepared(this.deps, group.map(({ request }) => request), this.health);
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

/** A request body as its route read it, with the headers that say how to decode it. */
export interface RawBody {
  bytes: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

export interface PipelineDeps extends IngestDeps {
  /** Scrubs large bodies on a second thread; absent = every body is scrubbed in line. */
  scrubWorker?: ScrubWorker | undefined;
}

/**
 * The one ingest pipeline every route uses: decode → validate → gate → scrub →
 * consent-in-transaction → enqueue. A body enters at decode ({@link IngestPipeline.ingestBody}, on
 * the scrub worker when large); events a format already decoded from its own protocol enter at
 * validate ({@link IngestPipeline.ingestDecoded}), with no JSON round trip. Each stage hands on
 * to the next and never calls back: the outbox tells its own listeners (the forwarder) of new
 * rows. Rejects with the `RelayError` (4xx, 503) the request deserves.
 */
export class IngestPipeline {
  private readonly batcher: IngestBatcher;

  constructor(private readonly deps: PipelineDeps) {
    this.batcher = new IngestBatcher(deps);
  }

  /** When an ingest write last failed on storage, in ms (`-Infinity`: not since the last write that kept rows). */
  get storageFaultAt(): number {
    return this.batcher.health.faultAt;
  }

  /** A request body of JSON, a JSON array or NDJSON (`/v1/errors`, `/v1/scans`). */
  async ingestBody(kind: EventKind, body: RawBody, scope: IngestScope): Promise<IngestResult> {
    const { config, metrics } = this.deps;
    const worker = this.deps.scrubWorker;
    if (worker !== undefined && body.bytes.byteLength >= config.scrubWorkerMinBytes) {
      metrics.scrubWorkerRequests.inc();
      const { defaultCompany, companies } = scrubOptions(config, scope);
      const received = (count: number) => metrics.received.inc({ kind }, count);
      const bytes = new Uint8Array(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
      const scrubbed = await worker.scrub(kind, bytes, body.contentEncoding, body.contentType, received, { defaultCompany, companies });
      return this.batcher.ingestScrubbed(kind, scrubbed);
    }
    const events = decodeEvents(body.bytes, body.contentEncoding, body.contentType, config);
    // The events are this request's own parse, used for nothing else: scrubbed in place.
    return this.batcher.ingest(kind, events, true, scope);
  }

  /**
   * Error traces a format mapped from its protocol (Sentry, OTLP): the structural limits and the
   * event schema, with the same 400/413 messages as `/v1/errors`, then the rest of the pipeline.
   * `scope`: the companies the request may post for (default: any).
   */
  ingestDecoded(kind: EventKind, events: unknown[], scope?: IngestScope): Promise<IngestResult> {
    checkEvents(events, this.deps.config);
    events.forEach((event, index) => {
      const problem = checkEventShape(kind, event);
      if (problem !== undefined) throw new InputError('invalid_event', 400, `event ${index}: field "${problem.field}" ${problem.reason}`);
    });
    // Not in place: a mapped event may share objects with the request the format still answers from.
    return this.batcher.ingest(kind, events, false, scope);
  }

  /**
   * Like {@link ingestDecoded}, but an event over the limits or off the schema is left out alone
   * instead of failing the request (OTLP's partial success). Resolves with how many were left out.
   */
  async ingestEach(kind: EventKind, events: unknown[], scope?: IngestScope): Promise<{ invalid: number }> {
    const valid = events.filter((event) => this.problemOf(kind, event) === undefined);
    if (valid.length > 0) await this.batcher.ingest(kind, valid, false, scope);
    return { invalid: events.length - valid.length };
  }

  private problemOf(kind: EventKind, event: unknown): string | undefined {
    try {
      checkEvents([event], this.deps.config);
      return checkEventShape(kind, event) === undefined ? undefined : 'invalid_event';
    } catch (error) {
      if (error instanceof InputError) return error.code;
      throw error;
    }
  }
}
