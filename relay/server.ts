import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config/env.js';
import { checkDepthLimits } from '../config/depth-limits.js';
import { loadRules } from '../config/rules.js';
import { createScrubber, type CompiledRuleSet } from '../scrubbers/index.js';
import { createApp } from './app.js';
import { CounterHistory } from './admin/counter-history.js';
import { scrubOptions } from './pipeline/ingest.js';
import { ScrubWorker } from './pipeline/scrub-pool.js';
import { safeError } from './observe/safe-error.js';
import { Forwarder } from './sinks/forwarder.js';
import { configuredSinks, type ConfiguredSink } from './sinks/routes.js';
import { createLogger } from './observe/logger.js';
import { createMetrics, type Metrics } from './observe/metrics.js';
import { watchDatabaseWrites } from './storage/db-watch.js';
import { watchEventLoopDelay } from './observe/loop-delay.js';
import { applyRetention, nextRetentionDue, scheduleRetention } from './storage/retention.js';
import { reportConsentFile } from './admin/consent-file.js';
import { reportStorage } from './storage/storage-report.js';
import { openStores, type Stores } from './storage/stores.js';
import { relayVersion } from './observe/version.js';

/** The console's counter history is kept per minute. */
const COUNTER_SAMPLE_MS = 60_000;

export interface RunningRelay {
  /** `http://host:port` the relay listens on. */
  url: string;
  port: number;
  stores: Stores;
  metrics: Metrics;
  forwarder: Forwarder;
  logger: Logger;
  /**
   * Stops intake, keeps forwarding the backlog until the outbox is empty or the shutdown timeout
   * ends (then aborts what is on the wire), closes the database, and logs and sets
   * `relay_shutdown_events_left` with how many events were left and why.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  now?: () => number;
  /** The jitter of retry delays (tests fix it). @default Math.random */
  random?: () => number;
  /** First retry delay in ms (tests shorten it). @default 1000 */
  retryBaseMs?: number;
  /** How often an idle forwarder looks for new rows (tests); by default it waits to be woken. */
  idlePollMs?: number;
  /** The longest wait between retention runs (tests shorten it); otherwise it runs when rows are due. */
  retentionIntervalMs?: number;
}

/** Each configured destination by name, with the host it sends to. */
function startDestinations(sinks: readonly ConfiguredSink[]): { name: string; host: string }[] {
  return sinks.map(({ sink, settings }) => ({ name: sink.name, host: settings.url.host }));
}

/** What consent the relay starts with: the global switch, and how many companies allow what. */
function consentSummary(config: RelayConfig, stores: Stores) {
  const companies = stores.consent.list();
  return {
    telemetryEnabledGlobally: config.telemetryEnabled,
    companies: companies.length,
    telemetryEnabled: companies.filter((entry) => entry.telemetryEnabled).length,
    idsAllowed: companies.filter((entry) => entry.idsAllowed).length,
    file: config.consentFile ?? null,
  };
}

/** Starts the relay: database, scrubber, HTTP server, forwarder and retention job. */
export async function startRelay(config: RelayConfig, options: StartOptions = {}): Promise<RunningRelay> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const sinks = configuredSinks(config);
  const metrics = createMetrics({
    destinations: sinks.map(({ sink }) => sink.name),
    bufferLimitBytes: config.maxBufferBytes,
    now,
  });
  const rules = loadRules({ userFile: config.rulesFile });
  checkDepthLimits(config.maxDepth, rules.limits);
  const { stores, stopConsentWatch } = openReportedStores(config, now, metrics, logger);
  const scrubber = createScrubber(rules, { hashKey: stores.hashKey });

  // Requests being handled: the drain waits for the ingest requests already past the intake check.
  let requestsInFlight = 0;
  const forwarder = new Forwarder({
    config,
    outbox: stores.outbox,
    consent: stores.consent,
    egress: stores.egress,
    metrics,
    logger,
    now,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    ...(options.idlePollMs === undefined ? {} : { idlePollMs: options.idlePollMs }),
    intakeBusy: () => requestsInFlight > 0,
    watchWrites: (changed) => watchDatabaseWrites(config.dbPath, changed),
  });

  const scrubWorker = config.scrubWorker ? scrubWorkerFor(config, rules, stores.hashKey, logger) : undefined;

  const counterHistory = new CounterHistory(stores.db, metrics, now);
  let draining = false;
  const loopDelay = watchEventLoopDelay();
  const app = createApp({
    config,
    stores,
    scrubber,
    metrics,
    logger,
    isDraining: () => draining,
    eventLoopDelayMs: () => loopDelay.current(),
    scrubWorker,
    rules,
    counterHistory,
  });

  const housekeeping = startHousekeeping({ config, stores, metrics, logger, counterHistory, now, isDraining: () => draining, intervalMs: options.retentionIntervalMs });

  // New rows: the forwarder sends them, and retention is due when the newest would expire.
  stores.outbox.onEnqueued(() => {
    forwarder.wake();
    housekeeping.schedule.dueBy(now() + config.maxEventAgeSeconds * 1000 + 1);
  });

  const server: ServerType = await new Promise((resolve, reject) => {
    const fetch = async (request: Request, env: unknown): Promise<Response> => {
      requestsInFlight += 1;
      housekeeping.sampleSoon();
      try {
        return await app.fetch(request, env);
      } finally {
        requestsInFlight -= 1;
      }
    };
    const instance = serve({ fetch, hostname: config.host, port: config.port }, () => resolve(instance));
    instance.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  forwarder.start();
  // After the port is open: what is due since the last run goes now, then at its due time.
  housekeeping.run();
  housekeeping.schedule.rearm();
  logger.info(
    {
      version: relayVersion(),
      host: config.host,
      port,
      db: config.dbPath,
      durability: config.durability,
      bufferLimitBytes: config.maxBufferBytes,
      destinations: startDestinations(sinks),
      consent: consentSummary(config, stores),
      rules: rules.rules.length, rulesVerified: rules.shippedRules,
    },
    'scrub-relay listening',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      draining = true;
      stopConsentWatch?.();
      housekeeping.stop();
      loopDelay.stop();
      // The listener stays open while the backlog drains: ingest answers 503 with Retry-After,
      // /readyz says "shutting down", and /healthz and /metrics keep answering.
      const report = await forwarder.stop(config.shutdownTimeoutSeconds * 1000);
      metrics.shutdownEventsLeft.reset();
      for (const [destination, { events, reason }] of Object.entries(report.byDestination)) {
        metrics.shutdownEventsLeft.set({ destination, reason }, events);
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      await scrubWorker?.close();
      await housekeeping.sampleCounters();
      stores.close();
      const fields = { eventsLeft: report.left, byDestination: report.byDestination, drainMs: report.durationMs };
      if (report.left === 0) logger.info(fields, 'scrub-relay stopped; outbox drained');
      else logger.warn(fields, 'scrub-relay stopped; events left in the outbox');
      logger.flush();
    })();
    return closing;
  };

  return { url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`, port, stores, metrics, forwarder, logger, close };
}

/** Opens the database and reports what opening it found (a damaged file moved aside, storage, the consent file). */
function openReportedStores(config: RelayConfig, now: () => number, metrics: Metrics, logger: Logger): { stores: Stores; stopConsentWatch: (() => void) | undefined } {
  const stores = openStores({
    dbPath: config.dbPath,
    durability: config.durability,
    hashKey: config.hashKey,
    now,
    space: { reserveBytes: config.storageReserveBytes, headroomBytes: 2 * config.maxBodyBytes },
    consentFile: config.consentFile,
  });
  if (stores.movedAside !== undefined) {
    metrics.storageRecovered.inc();
    logger.error({ movedTo: stores.movedAside }, 'database file was damaged; moved aside and started with a fresh outbox');
  }
  reportStorage(stores, metrics, logger);
  const consentFile = stores.consentFile;
  if (consentFile !== undefined) reportConsentFile(consentFile.source.path, consentFile.initial, metrics, logger);
  const stopConsentWatch = consentFile?.source.watch((result) => reportConsentFile(consentFile.source.path, result, metrics, logger));
  return { stores, stopConsentWatch };
}

/** The scrub worker for large bodies, with the rules compiled here and the relay's limits. */
function scrubWorkerFor(config: RelayConfig, rules: CompiledRuleSet, hashKey: string, logger: Logger): ScrubWorker {
  const limits = {
    maxBodyBytes: config.maxBodyBytes,
    maxBatchEvents: config.maxBatchEvents,
    maxDepth: config.maxDepth,
    maxStringLength: config.maxStringLength,
    maxKeys: config.maxKeys,
  };
  return new ScrubWorker({ rules, hashKey, limits, options: scrubOptions(config) }, logger);
}

interface HousekeepingDeps {
  config: RelayConfig;
  stores: Stores;
  metrics: Metrics;
  logger: Logger;
  counterHistory: CounterHistory;
  now: () => number;
  isDraining: () => boolean;
  /** The longest wait between retention runs (tests); otherwise it runs when rows are due. */
  intervalMs: number | undefined;
}

/** Retention and the console's counter history: run when due, sampled after activity, never while idle. */
function startHousekeeping({ config, stores, metrics, logger, counterHistory, now, isDraining, intervalMs }: HousekeepingDeps) {
  const retention = () => {
    try {
      const counts = applyRetention(stores, config, now(), metrics);
      if (Object.values(counts).some((count) => count > 0)) logger.info(counts, 'retention applied');
      counterHistory.expire(now() - config.auditRetentionDays * 24 * 3600_000);
    } catch (error) {
      logger.error({ err: safeError(error) }, 'retention failed; will retry');
    }
  };
  const sampleCounters = () => counterHistory.sample().catch((error: unknown) => logger.error({ err: safeError(error) }, 'counter history sample failed'));
  // Counters grow with requests and with what the forwarder and retention do after them: a
  // sample a minute after a request or a retention run, and none while the relay is idle.
  let sampleTimer: NodeJS.Timeout | undefined;
  const sampleSoon = () => {
    if (sampleTimer !== undefined || isDraining()) return;
    sampleTimer = setTimeout(() => {
      sampleTimer = undefined;
      void sampleCounters();
    }, COUNTER_SAMPLE_MS);
    sampleTimer.unref();
  };
  const retentionDue = () => {
    const rows = nextRetentionDue(stores, config);
    const bucket = stores.db.prepare<[], { t: number | null }>('SELECT MIN(bucket) AS t FROM counter_history').get()?.t;
    const history = bucket == null ? undefined : bucket + config.auditRetentionDays * 24 * 3600_000 + 1;
    return rows === undefined ? history : history === undefined ? rows : Math.min(rows, history);
  };
  const retentionSchedule = scheduleRetention(() => {
    retention();
    sampleSoon();
  }, retentionDue, now, intervalMs);
  const stop = () => {
    retentionSchedule.stop();
    clearTimeout(sampleTimer);
  };
  return { run: retention, schedule: retentionSchedule, sampleSoon, sampleCounters, stop };
}
