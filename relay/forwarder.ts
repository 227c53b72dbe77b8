import { createSecureContext, rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { mayForward, type CompanyConsent } from '../config/consent.js';
import type { DestinationConfig, RelayConfig } from '../config/env.js';
import type { JsonObject } from '../scrubbers/types.js';
import type { ConsentStore } from './consent-store.js';
import type { EgressAudit, NewEgressRecord } from './egress-audit.js';
import { toLakeraPayload, type SendIdentity } from './lakera.js';
import type { Metrics } from './metrics.js';
import type { DestinationName, Outbox, OutboxRow } from './outbox.js';

export interface ForwarderDeps {
  config: RelayConfig;
  outbox: Outbox;
  consent: ConsentStore;
  egress: EgressAudit;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
  random?: () => number;
  /** First retry delay; doubles per consecutive failure up to `RELAY_MAX_BACKOFF`. @default 1000 */
  retryBaseMs?: number;
  /** How often an idle destination looks for rows written by another process. @default 1000 */
  idlePollMs?: number;
  /**
   * How long a destination waits for a partial batch to fill before sending it. Without it, a
   * stream of single-event requests is forwarded one or two events per upstream request, each
   * paying for TLS, gzip, an audit row and a delete. @default 25
   */
  lingerMs?: number;
}

interface Destination {
  name: DestinationName;
  config: DestinationConfig;
  url: string;
  dispatcher: Dispatcher;
  /** `batch`: one request carries many events (`{"events": [...]}`); `single`: one payload per request. */
  mode: 'batch' | 'single';
  gzip: boolean;
  failures: number;
  retryAt: number;
  /** Rows the upstream accepted whose delete failed (storage full or failing): removed before anything else is sent. */
  undeleted: number[];
}

interface Item {
  row: OutboxRow;
  consent: CompanyConsent;
}

type Outcome = 'delivered' | 'retry' | 'rejected' | 'error';

// zlib's async form compresses on libuv's thread pool, off the event loop that serves ingest.
const gzip = promisify(gzipCallback);

/** 2xx delivered; 408, 429 and 5xx are retried; everything else (3xx included: redirects are never followed) is permanent. */
export function classifyStatus(status: number): Exclude<Outcome, 'error'> {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Drains the outbox to the configured destinations. Rows are deleted only after a 2xx; consent is
 * read again right before each request; identifiers are added at send time only when the company
 * allows them. Failures back off exponentially with jitter, honouring `Retry-After`.
 */
export class Forwarder {
  private readonly destinations: Destination[];
  private readonly queue: PQueue;
  private readonly controllers = new Set<AbortController>();
  private readonly sleepers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private stopped = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retryBaseMs: number;
  private readonly idlePollMs: number;
  private readonly lingerMs: number;

  constructor(private readonly deps: ForwarderDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.retryBaseMs = deps.retryBaseMs ?? 1000;
    this.idlePollMs = deps.idlePollMs ?? 1000;
    this.lingerMs = deps.lingerMs ?? 25;
    this.queue = new PQueue({ concurrency: deps.config.sendConcurrency });
    const { config } = deps;
    this.destinations = [];
    if (config.diagnostics) this.destinations.push(this.destination(config.diagnostics, 'batch', true));
    if (config.lakera) this.destinations.push(this.destination(config.lakera, 'single', false));
  }

  private destination(config: DestinationConfig, mode: Destination['mode'], gzip: boolean): Destination {
    const contextOptions = {
      minVersion: 'TLSv1.2' as const,
      ...(this.deps.config.caPem === undefined ? {} : { ca: [...rootCertificates, this.deps.config.caPem] }),
      ...(config.clientCert === undefined ? {} : { cert: config.clientCert, key: config.clientKey }),
    };
    // One secure context for every connection: built per connection, parsing the system roots
    // and the extra CA cost milliseconds each time.
    const tls = { ...contextOptions, rejectUnauthorized: true, secureContext: createSecureContext(contextOptions) };
    const { httpsProxy, noProxy } = this.deps.config;
    const dispatcher =
      httpsProxy === undefined
        ? new Agent({ connect: tls })
        : // `connect` is for hosts in NO_PROXY (undici's direct agent ignores `requestTls`); without it
          // they would be dialled without our CA and client certificate.
          new EnvHttpProxyAgent({ httpsProxy, httpProxy: httpsProxy, ...(noProxy === undefined ? {} : { noProxy }), connect: tls, requestTls: tls });
    return { name: config.name, config, url: config.url.href, dispatcher, mode, gzip, failures: 0, retryAt: 0, undeleted: [] };
  }

  /** Starts one drain loop per destination. Does nothing while the global switch is off. */
  start(): void {
    if (!this.deps.config.telemetryEnabled) return;
    this.loops = this.destinations.map((destination) => this.run(destination));
  }

  /** New rows were written: stop waiting. */
  wake(): void {
    for (const wake of this.sleepers) wake();
  }

  /**
   * Stops the loops. The request in flight may finish within `timeoutMs`; after that it is
   * aborted. Unsent rows stay in the outbox either way.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(this.loops), deadline]);
    clearTimeout(timer);
    for (const controller of this.controllers) controller.abort();
    this.queue.clear();
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.destinations.map((destination) => destination.dispatcher.close()));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private async run(destination: Destination): Promise<void> {
    let lingered = false;
    while (!this.stopped) {
      const wait = destination.retryAt - this.now();
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
          await this.sleep(this.idlePollMs);
          continue;
        }
        if (rows.length < this.deps.config.batchSize && !lingered && this.lingerMs > 0) {
          lingered = true;
          // Not `sleep`: new rows call wake(), and waiting for them is the point.
          await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
          continue;
        }
        lingered = false;
        await this.send(destination, rows);
      } catch (error) {
        this.deps.logger.error({ err: safeError(error), destination: destination.name }, 'forwarder loop failed; retrying');
        await this.sleep(this.retryBaseMs);
      }
    }
  }

  private async send(destination: Destination, rows: OutboxRow[]): Promise<void> {
    const items: Item[] = [];
    const revoked: number[] = [];
    const consents = new Map<string, CompanyConsent>();
    for (const row of rows) {
      let consent = consents.get(row.companyId);
      if (consent === undefined) {
        consent = this.deps.consent.get(row.companyId);
        consents.set(row.companyId, consent);
      }
      if (mayForward(this.deps.config.telemetryEnabled, consent)) items.push({ row, consent });
      else revoked.push(row.id);
    }
    if (revoked.length > 0) {
      this.deps.outbox.remove(revoked);
      this.deps.metrics.dropped.inc({ reason: 'revoked' }, revoked.length);
    }
    if (items.length === 0) return;
    const groups = destination.mode === 'batch' ? [items] : items.map((item) => [item]);
    await Promise.all(groups.map((group) => this.queue.add(() => this.deliver(destination, group))));
  }

  private body(destination: Destination, items: Item[]): string {
    const projectId = this.deps.config.lakera?.projectId;
    const events = items.map(({ row, consent }) => renderEvent(destination.name, row, sendIdentity(row, consent), projectId));
    return destination.mode === 'single' ? events.join('') : `{"events":[${events.join(',')}]}`;
  }

  private async deliver(destination: Destination, items: Item[]): Promise<void> {
    if (this.stopped) return;
    const plain = this.body(destination, items);
    const wire = destination.gzip ? await gzip(plain) : Buffer.from(plain);
    if (this.stopped) return;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'scrub-relay',
    };
    if (destination.gzip) headers['content-encoding'] = 'gzip';
    if (destination.config.apiKey !== undefined) headers['authorization'] = `Bearer ${destination.config.apiKey}`;

    const controller = new AbortController();
    this.controllers.add(controller);
    const started = performance.now();
    const sentAt = this.now();
    let status: number | null = null;
    let outcome: Outcome;
    let retryAfter: number | undefined;
    const timeoutMs = this.deps.config.sendTimeoutSeconds * 1000;
    try {
      const response = await request(destination.url, {
        method: 'POST',
        dispatcher: destination.dispatcher,
        headers,
        body: wire,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await response.body.dump();
      status = response.statusCode;
      outcome = classifyStatus(status);
      retryAfter = parseRetryAfter(response.headers['retry-after'], this.now());
    } catch (error) {
      outcome = 'error';
      if (!this.stopped) {
        this.deps.logger.warn({ err: safeError(error), destination: destination.name }, 'upstream request failed');
      }
    } finally {
      this.controllers.delete(controller);
    }
    this.deps.metrics.forwardLatency.observe({ destination: destination.name }, (performance.now() - started) / 1000);
    this.deps.metrics.forwardAttempts.inc({ destination: destination.name, outcome });
    const entry = this.egressEntry(destination, items, outcome, status, sentAt, wire);
    const ids = items.map((item) => item.row.id);
    const stored = outcome === 'delivered' && this.recordDelivered(ids, entry);
    // Otherwise audit first: it never throws, and a request that left is recorded even if settling it fails.
    if (!stored) this.audit(entry);
    this.settle(destination, ids, outcome, status, retryAfter, stored);
  }

  /**
   * A delivered batch's audit row and the delete of its rows in one transaction: one commit, and
   * with `full` durability one fsync instead of two. False when storage failed: the transaction
   * rolled back, nothing was written, and the caller writes the two apart as before.
   */
  private recordDelivered(ids: number[], entry: NewEgressRecord): boolean {
    try {
      this.deps.outbox.atomically(() => {
        this.deps.egress.record(entry);
        this.deps.outbox.remove(ids);
      });
      return true;
    } catch {
      return false;
    }
  }

  /** Acts on the outcome for the outbox rows `ids`; `removed`: a delivered batch's rows were already deleted (with its audit row). */
  private settle(destination: Destination, ids: number[], outcome: Outcome, status: number | null, retryAfter: number | undefined, removed: boolean): void {
    const { outbox, metrics, logger } = this.deps;
    if (outcome === 'delivered') {
      metrics.forwarded.inc({ destination: destination.name }, ids.length);
      destination.failures = 0;
      if (removed) return;
      try {
        outbox.remove(ids);
      } catch (error) {
        destination.undeleted.push(...ids);
        throw error;
      }
      return;
    }
    if (outcome === 'rejected') {
      outbox.deadLetter(ids, `http_${status}`);
      metrics.dropped.inc({ reason: 'dead_letter' }, ids.length);
      logger.warn({ destination: destination.name, status, events: ids.length }, 'upstream refused the events; moved to dead letters');
      return;
    }
    if (this.stopped) return;
    destination.failures += 1;
    const backoff = Math.min(this.retryBaseMs * 2 ** (destination.failures - 1), this.deps.config.maxBackoffSeconds * 1000);
    // Equal jitter: half fixed, half random, so retries from many relays spread out without collapsing to zero.
    const jittered = backoff / 2 + this.random() * (backoff / 2);
    const delay = Math.min(Math.max(retryAfter ?? 0, jittered), this.deps.config.maxBackoffSeconds * 1000);
    destination.retryAt = Math.max(destination.retryAt, this.now() + delay);
    logger.info({ destination: destination.name, status, failures: destination.failures, retryInMs: Math.round(delay) }, 'upstream unavailable; will retry');
    // Counted after the backoff is set, so a full disk cannot turn the backoff into a 1 s retry loop.
    outbox.recordAttempt(ids);
  }

  /** What the egress audit records about one upstream request. */
  private egressEntry(destination: Destination, items: Item[], outcome: Outcome, status: number | null, sentAt: number, wire: Buffer): NewEgressRecord {
    const scrubCounts: Record<string, number> = {};
    const companies = new Set<string>();
    const userHashes = new Set<string>();
    for (const { row, consent } of items) {
      companies.add(row.companyId);
      if (consent.idsAllowed && row.userHash !== null) userHashes.add(row.userHash);
      for (const [rule, count] of Object.entries(JSON.parse(row.findings) as Record<string, number>)) {
        scrubCounts[rule] = (scrubCounts[rule] ?? 0) + count;
      }
    }
    return {
      sentAt,
      destination: destination.name,
      host: destination.config.url.host,
      status,
      outcome,
      eventCount: items.length,
      companies: [...companies],
      userHashes: [...userHashes],
      scrubCounts,
      wireBody: wire,
      keepBody: this.deps.config.egressAuditDays > 0,
    };
  }

  private audit(entry: NewEgressRecord): void {
    try {
      this.deps.egress.record(entry);
    } catch (error) {
      this.deps.logger.error({ err: safeError(error) }, 'egress audit write failed');
    }
  }
}

/** The identifiers a company allowed, added at send time only. */
export function sendIdentity(row: Pick<OutboxRow, 'companyId' | 'userHash' | 'ipHash'>, consent: CompanyConsent): SendIdentity {
  if (!consent.idsAllowed) return {};
  return {
    companyId: row.companyId,
    ...(row.userHash === null ? {} : { userHash: row.userHash }),
    ...(row.ipHash === null ? {} : { ipHash: row.ipHash }),
  };
}

/**
 * One event exactly as it is sent: for diagnostics the stored JSON with the stable id (and the
 * allowed identifiers) spliced in front, without re-parsing it; for Lakera its telemetry payload.
 */
export function renderEvent(
  destination: DestinationName,
  row: Pick<OutboxRow, 'eventId' | 'payload'>,
  identity: SendIdentity,
  projectId: string | undefined,
): string {
  if (destination === 'lakera') {
    return JSON.stringify(toLakeraPayload(row.eventId, JSON.parse(row.payload) as JsonObject, projectId, identity));
  }
  let head = `{"event_id":${JSON.stringify(row.eventId)}`;
  if (identity.companyId !== undefined) head += `,"company_id":${JSON.stringify(identity.companyId)}`;
  if (identity.userHash !== undefined) head += `,"user_id":${JSON.stringify(identity.userHash)}`;
  const rest = row.payload.slice(1);
  return rest.trimStart().startsWith('}') ? `${head}}` : `${head},${rest}`;
}

/** An error reduced to what may be logged: its class and code, not its message (which may quote data). */
export function safeError(error: unknown): { name: string; code: string | undefined } {
  if (error instanceof Error) return { name: error.name, code: (error as { code?: string }).code };
  return { name: typeof error, code: undefined };
}
