import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from 'pino';
import { mayForward, type CompanyConsent } from '../../config/consent.js';
import type { RelayConfig } from '../../config/env.js';
import type { ConsentStore } from '../admin/consent-store.js';
import { createDestination, postTo, type Destination } from './destination.js';
import type { EgressAudit } from './egress-audit.js';
import type { Metrics } from '../observe/metrics.js';
import type { Outbox, OutboxRow } from '../storage/outbox.js';
import { safeError } from '../observe/safe-error.js';
import { egressEntry } from './egress-entry.js';
import { sendIdentity } from './render-event.js';
import { configuredSinks } from './routes.js';
import { SendGate, type SendItem } from './send-gate.js';
import { settle } from './settle.js';
import { shutdownReport, type ShutdownReport } from './shutdown-report.js';
import { classifyStatus, retryDelay, type Outcome } from './send-policy.js';
import { UpstreamHealth, type FailedAttempt } from './upstream-health.js';

export interface ForwarderDeps {
  config: RelayConfig;
  outbox: Outbox;
  consent: ConsentStore;
  egress: EgressAudit;
  metrics: Metrics;
  logger: Logger;
  /** Wall-clock time, for the egress audit and `Retry-After` dates; retries are scheduled on the monotonic clock. @default Date.now */
  now?: () => number;
  random?: () => number;
  /** First retry delay; doubles per consecutive failed round up to `RELAY_MAX_BACKOFF`. @default 1000 */
  retryBaseMs?: number;
  /**
   * How often an idle destination looks for new rows. By default it does not look: it waits for
   * {@link Forwarder.wake} (an enqueue, or a write to the database file by another process).
   * @default undefined
   */
  idlePollMs?: number;
  /**
   * Watches the database file for rows written by another process (the CLI), only while a
   * destination waits with nothing to send; returns the function that stops watching.
   */
  watchWrites?: (changed: () => void) => () => void;
  /**
   * How long a destination waits for a partial batch to fill before sending it. Without it, a
   * stream of single-event requests is forwarded one or two events per upstream request, each
   * paying for TLS, gzip, an audit row and a delete. @default 25
   */
  lingerMs?: number;
  /**
   * True while ingest requests are still being handled: a drain does not call the outbox empty
   * while a request that got past the intake check may still commit rows. @default () => false
   */
  intakeBusy?: () => boolean;
}

/** One upstream request on the wire, with what a consent change must know to stop it. */
interface InFlight {
  controller: AbortController;
  companies: Set<string>;
  /** Companies whose ids the request carries. */
  withIds: Set<string>;
  /** Aborted because a consent change no longer allows it (not an upstream failure). */
  revoked: boolean;
}

interface Attempt extends FailedAttempt {
  outcome: Outcome;
  retryAfter: number | undefined;
  revoked: boolean;
}

/** How often a drained destination looks again while ingest requests are still finishing. */
const DRAIN_POLL_MS = 20;

// zlib's async form compresses on libuv's thread pool, off the event loop that serves ingest.
const gzip = promisify(gzipCallback);

/**
 * The one driver of every sink (see routes.ts): drains the outbox to the configured destinations,
 * each with its own send loop and concurrency,
 * so a slow destination never delays the other. Rows are deleted only after a 2xx. Consent, the
 * rows' presence in the outbox and the identifiers a company allows are read right before each
 * request is started; a consent change aborts the requests on the wire that it no longer allows.
 * A failed round backs off exponentially with jitter, honouring `Retry-After`.
 */
export class Forwarder {
  private readonly destinations: Destination[];
  private readonly inFlight = new Set<InFlight>();
  private readonly sleepers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private phase: 'running' | 'draining' | 'stopped' = 'running';
  private stopping: Promise<ShutdownReport> | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retryBaseMs: number;
  private readonly idlePollMs: number | undefined;
  private idleSleepers = 0;
  private stopWatching: (() => void) | undefined;
  private readonly lingerMs: number;
  private readonly unsubscribe: () => void;
  private readonly gate: SendGate;
  private readonly health: UpstreamHealth;

  constructor(private readonly deps: ForwarderDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.retryBaseMs = deps.retryBaseMs ?? 1000;
    this.idlePollMs = deps.idlePollMs;
    this.lingerMs = deps.lingerMs ?? 25;
    const { config } = deps;
    this.destinations = configuredSinks(config).map((configured) => createDestination(config, configured));
    this.health = new UpstreamHealth(deps.logger, (name) => deps.outbox.queued(name));
    this.gate = new SendGate(deps.config.telemetryEnabled, deps.outbox, deps.consent, deps.metrics);
    this.unsubscribe = deps.consent.subscribe((companyId, after) => this.consentChanged(companyId, after));
  }

  /** Starts one send loop per destination. Does nothing while the global switch is off. */
  start(): void {
    if (!this.deps.config.telemetryEnabled || this.phase !== 'running') return;
    this.loops = this.destinations.map((destination) => this.run(destination));
  }

  /** New rows were written: stop waiting. */
  wake(): void {
    for (const wake of this.sleepers) wake();
  }

  /**
   * Aborts the requests on the wire that a committed consent change no longer allows: any with
   * the company's events once its telemetry is off, any with its ids once `ids_allowed` is off.
   * Returns how many.
   */
  consentChanged(companyId: string, after: CompanyConsent): number {
    const allowed = mayForward(this.deps.config.telemetryEnabled, after);
    let aborted = 0;
    for (const request of this.inFlight) {
      if (!request.companies.has(companyId) || request.revoked) continue;
      if (allowed && (after.idsAllowed || !request.withIds.has(companyId))) continue;
      request.revoked = true;
      request.controller.abort();
      aborted += 1;
    }
    return aborted;
  }

  /**
   * Drains, then stops: keeps sending the backlog while the upstreams answer, until the outbox
   * holds nothing more to send or `timeoutMs` has passed; then aborts the requests on the wire and
   * destroys the connections. Resolves (the same promise for every call) once every loop has
   * ended, with what was left in the outbox and why.
   */
  stop(timeoutMs: number): Promise<ShutdownReport> {
    this.stopping ??= this.drainThenStop(timeoutMs);
    return this.stopping;
  }

  private async drainThenStop(timeoutMs: number): Promise<ShutdownReport> {
    const started = performance.now();
    this.phase = 'draining';
    for (const destination of this.destinations) destination.retryAt = destination.retryAfterAt;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    await Promise.race([Promise.allSettled(this.loops), deadline]);
    clearTimeout(timer);
    this.phase = 'stopped';
    this.unsubscribe();
    for (const request of this.inFlight) request.controller.abort();
    this.wake();
    // Every await in a loop ends now: sleeps were woken, requests race their abort signal.
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.destinations.flatMap(({ dispatcher }) => (dispatcher === undefined ? [] : [dispatcher.destroy()])));
    const queued = this.deps.outbox.totals().byDestination;
    return shutdownReport(queued, this.destinations, this.deps.config.telemetryEnabled, timedOut, Math.round(performance.now() - started));
  }

  /** A method, not a field read: the phase changes across awaits, which narrowing cannot see. */
  private isStopped(): boolean {
    return this.phase === 'stopped';
  }

  /**
   * Until `ms` have passed or {@link wake} is called; without `ms`, until woken, with the database
   * file watched meanwhile (not while rows flow: every commit would call back).
   */
  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const idle = ms === undefined;
      const done = () => {
        clearTimeout(timer);
        if (!this.sleepers.delete(done)) return;
        if (idle && --this.idleSleepers === 0) {
          this.stopWatching?.();
          this.stopWatching = undefined;
        }
        resolve();
      };
      const timer = idle ? undefined : setTimeout(done, ms);
      this.sleepers.add(done);
      if (idle && this.idleSleepers++ === 0) this.stopWatching = this.deps.watchWrites?.(() => this.wake());
    });
  }

  private async run(destination: Destination): Promise<void> {
    let lingered = false;
    while (!this.isStopped()) {
      const wait = destination.retryAt - performance.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      try {
        if (destination.undeleted.length > 0) {
          // Sending on before these are gone would send them again, once per retry.
          this.deps.outbox.remove(destination.undeleted);
          destination.undeleted = [];
        }
        const rows = this.deps.outbox.peek(destination.name, this.deps.config.batchSize);
        if (rows.length === 0) {
          if (this.phase === 'draining') {
            if (this.deps.intakeBusy?.() !== true) {
              destination.drained = true;
              return;
            }
            await this.sleep(DRAIN_POLL_MS);
            continue;
          }
          await this.sleep(this.idlePollMs);
          continue;
        }
        if (rows.length < this.deps.config.batchSize && !lingered && this.lingerMs > 0 && this.phase === 'running') {
          lingered = true;
          // Not `sleep`: new rows call wake(), and waiting for them is the point.
          await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
          continue;
        }
        lingered = false;
        await this.round(destination, rows);
      } catch (error) {
        this.deps.logger.error({ err: safeError(error), destination: destination.name }, 'forwarder loop failed; retrying');
        await this.sleep(this.retryBaseMs);
      }
    }
  }

  /**
   * Sends the rows read in one step, `RELAY_SEND_CONCURRENCY` requests at a time. The round is one
   * failure for the backoff whatever the number of its requests that failed, and after the first
   * failure no new request of the round is started.
   */
  private async round(destination: Destination, rows: OutboxRow[]): Promise<void> {
    const groups = destination.sink.mode === 'batch' ? [rows] : rows.map((row) => [row]);
    let next = 0;
    const failures: FailedAttempt[] = [];
    let answered = false;
    let retryAfter: number | undefined;
    const worker = async (): Promise<void> => {
      while (failures.length === 0 && !this.isStopped() && next < groups.length) {
        const attempt = await this.deliver(destination, groups[next++]!);
        if (attempt === undefined || attempt.revoked) continue;
        if (attempt.outcome === 'retry' || attempt.outcome === 'error') {
          failures.push(attempt);
          if (attempt.retryAfter !== undefined) retryAfter = Math.max(retryAfter ?? 0, attempt.retryAfter);
        } else {
          answered = true;
        }
      }
    };
    const workers = Math.min(this.deps.config.sendConcurrency, groups.length);
    const results = await Promise.allSettled(Array.from({ length: workers }, worker));
    if (failures.length > 0) this.backoff(destination, retryAfter, failures);
    else if (answered) this.health.answered(destination);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  private backoff(destination: Destination, retryAfter: number | undefined, attempts: readonly FailedAttempt[]): void {
    if (this.isStopped()) return;
    destination.failures += 1;
    const maxMs = this.deps.config.maxBackoffSeconds * 1000;
    const delay = retryDelay(destination.failures, retryAfter, { baseMs: this.retryBaseMs, maxMs, random: this.random });
    // Scheduled on the monotonic clock: a wall-clock jump must neither stall nor hurry the retries.
    const now = performance.now();
    destination.retryAt = Math.max(destination.retryAt, now + delay);
    if (retryAfter !== undefined) destination.retryAfterAt = Math.max(destination.retryAfterAt, now + Math.min(retryAfter, maxMs));
    this.health.failed(destination, attempts, delay);
  }

  /** One upstream request for `rows`, or undefined when none of them may be sent any more. */
  private async deliver(destination: Destination, rows: OutboxRow[]): Promise<Attempt | undefined> {
    let items: SendItem[];
    let wire: Buffer;
    // Consent and ids are decided from state read right before the request starts: compressing
    // yields to the event loop, so a change committed meanwhile sends us back to build it again.
    for (;;) {
      items = this.gate.allowed(rows);
      if (items.length === 0 || this.isStopped()) return undefined;
      const plain = this.body(destination, items);
      wire = destination.sink.gzip ? await gzip(plain) : Buffer.from(plain);
      if (this.isStopped()) return undefined;
      if (this.gate.unchanged(items)) break;
    }
    const request: InFlight = {
      controller: new AbortController(),
      companies: new Set(items.map((item) => item.row.companyId)),
      withIds: new Set(items.filter((item) => item.consent.idsAllowed).map((item) => item.row.companyId)),
      revoked: false,
    };
    this.inFlight.add(request);
    const started = performance.now();
    const sentAt = this.now();
    let result: { status: number; retryAfter: number | undefined } | undefined;
    let failure: FailedAttempt['error'];
    try {
      result = await postTo(destination, wire, request.controller, this.deps.config.sendTimeoutSeconds * 1000, this.now);
    } catch (error) {
      // Logged with the round's backoff (upstream-health.ts), in its one line per failed round.
      failure = safeError(error);
    } finally {
      this.inFlight.delete(request);
    }
    const outcome: Outcome = result === undefined ? 'error' : classifyStatus(result.status);
    const status = result?.status ?? null;
    this.deps.metrics.forwardLatency.observe({ destination: destination.name }, (performance.now() - started) / 1000);
    this.deps.metrics.forwardAttempts.inc({ destination: destination.name, outcome });
    this.deps.metrics.forwardBytes.inc({ destination: destination.name, outcome }, wire.byteLength);
    if (outcome === 'delivered') this.deps.metrics.lastSuccess.set({ destination: destination.name }, this.now() / 1000);
    const entry = egressEntry(destination, items, { outcome, status, sentAt, wire, keepBody: this.deps.config.egressAuditDays > 0 });
    settle(this.deps, destination, items.map((item) => item.row.id), entry, this.isStopped());
    return { outcome, status, error: failure, retryAfter: result?.retryAfter, revoked: request.revoked };
  }

  private body(destination: Destination, items: SendItem[]): string {
    const context = { projectId: this.deps.config.lakera?.projectId };
    const events = items.map(({ row, consent }) => destination.sink.encode(row, sendIdentity(row, consent), context));
    return destination.sink.mode === 'single' ? events.join('') : `{"events":[${events.join(',')}]}`;
  }
}
