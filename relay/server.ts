import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config/env.js';
import { loadRules } from '../config/rules.js';
import { createScrubber } from '../scrubbers/index.js';
import { createApp } from './app.js';
import { scrubOptions } from './ingest.js';
import { ScrubWorker } from './scrub-pool.js';
import { Forwarder, safeError } from './forwarder.js';
import { createLogger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { applyRetention } from './retention.js';
import { reportConsentFile } from './consent-file.js';
import { reportStorage } from './storage-report.js';
import { openStores, type Stores } from './stores.js';

export interface RunningRelay {
  /** `http://host:port` the relay listens on. */
  url: string;
  port: number;
  stores: Stores;
  metrics: Metrics;
  forwarder: Forwarder;
  /** Stops intake, lets the in-flight send finish (or aborts it after the shutdown timeout), closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  now?: () => number;
  /** First retry delay in ms (tests shorten it). @default 1000 */
  retryBaseMs?: number;
  idlePollMs?: number;
  /** How often retention runs. @default 60000 */
  retentionIntervalMs?: number;
}

/** Starts the relay: database, scrubber, HTTP server, forwarder and retention job. */
export async function startRelay(config: RelayConfig, options: StartOptions = {}): Promise<RunningRelay> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? Date.now;
  const metrics = createMetrics();
  const rules = loadRules({ userFile: config.rulesFile });
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
  const scrubber = createScrubber(rules, { hashKey: stores.hashKey });

  const forwarder = new Forwarder({
    config,
    outbox: stores.outbox,
    consent: stores.consent,
    egress: stores.egress,
    metrics,
    logger,
    now,
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    ...(options.idlePollMs === undefined ? {} : { idlePollMs: options.idlePollMs }),
  });

  const scrubWorker = config.scrubWorker
    ? new ScrubWorker(
        {
          rules,
          hashKey: stores.hashKey,
          limits: {
            maxBodyBytes: config.maxBodyBytes,
            maxBatchEvents: config.maxBatchEvents,
            maxDepth: config.maxDepth,
            maxStringLength: config.maxStringLength,
            maxKeys: config.maxKeys,
          },
          options: scrubOptions(config),
        },
        logger,
      )
    : undefined;

  let draining = false;
  const loopDelay = watchEventLoopDelay();
  const app = createApp({
    config,
    stores,
    scrubber,
    metrics,
    logger,
    onEnqueued: () => forwarder.wake(),
    isDraining: () => draining,
    eventLoopDelayMs: loopDelay.current,
    scrubWorker,
  });

  const retention = () => {
    try {
      const counts = applyRetention(stores, config, now(), metrics);
      if (Object.values(counts).some((count) => count > 0)) logger.info(counts, 'retention applied');
    } catch (error) {
      logger.error({ err: safeError(error) }, 'retention failed; will retry');
    }
  };
  retention();
  const retentionTimer = setInterval(retention, options.retentionIntervalMs ?? 60_000);
  retentionTimer.unref();

  const server: ServerType = await new Promise((resolve, reject) => {
    const instance = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(instance));
    instance.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  forwarder.start();
  logger.info(
    {
      host: config.host,
      port,
      db: config.dbPath,
      telemetry: config.telemetryEnabled,
      destinations: [config.diagnostics?.url.host, config.lakera?.url.host].filter(Boolean),
      rules: rules.rules.length,
    },
    'scrub-relay listening',
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      draining = true;
      stopConsentWatch?.();
      clearInterval(retentionTimer);
      loopDelay.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      await forwarder.stop(config.shutdownTimeoutSeconds * 1000);
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      await scrubWorker?.close();
      stores.close();
      logger.info('scrub-relay stopped; unsent events stay in the outbox');
      logger.flush();
    })();
    return closing;
  };

  return { url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`, port, stores, metrics, forwarder, close };
}

/**
 * How late a 20 ms timer fires, smoothed: a cheap, current measure of how far behind the event
 * loop is. Under overload it grows with the queue of requests the relay has not read yet.
 */
function watchEventLoopDelay(): { current: () => number; stop: () => void } {
  const intervalMs = 20;
  let delay = 0;
  let expected = performance.now() + intervalMs;
  const timer = setInterval(() => {
    const now = performance.now();
    delay = delay * 0.5 + Math.max(0, now - expected) * 0.5;
    expected = now + intervalMs;
  }, intervalMs);
  timer.unref();
  return { current: () => delay, stop: () => clearInterval(timer) };
}
