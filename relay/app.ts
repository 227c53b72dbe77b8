import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config/env.js';
import type { CompiledRuleSet } from '../scrubbers/index.js';
import type { Scrubber } from '../scrubbers/types.js';
import { AdminService } from './admin/admin-service.js';
import { adminRoutes } from './admin/routes.js';
import { createAdmission } from './http/admission.js';
import { createConsole } from './console/mount.js';
import type { CounterHistory } from './admin/counter-history.js';
import { isStorageFault, volumeFreeBytes } from './storage/db.js';
import { RelayError } from './errors.js';
import { IngestTokens } from './http/ingest-auth.js';
import { IngestPipeline, pseudonymizer } from './pipeline/ingest.js';
import { INGEST_ROUTES, type Metrics } from './observe/metrics.js';
import { observeIngest } from './observe/ingest-timing.js';
import type { ScrubWorker } from './pipeline/scrub-pool.js';
import { mountIngestFormats, type FormatDeps } from './formats/format.js';
import { nativeFormat } from './formats/native/routes.js';
import { otlpFormat } from './formats/otlp/routes.js';
import { sentryFormat } from './formats/sentry/routes.js';
import type { Stores } from './storage/stores.js';

export interface AppDeps {
  config: RelayConfig;
  stores: Stores;
  scrubber: Scrubber;
  metrics: Metrics;
  logger: Logger;
  /** Is the relay shutting down (intake stopped)? */
  isDraining: () => boolean;
  /** Current event-loop delay in ms (load shedding); absent in tests that build the app alone. */
  eventLoopDelayMs?: () => number;
  /** Scrubs large bodies on a second thread; absent = every body is scrubbed in line. */
  scrubWorker?: ScrubWorker | undefined;
  /** The running rule set, for the console's Rules page; loaded from the config when absent. */
  rules?: CompiledRuleSet | undefined;
  /** The counters kept over time in SQLite, for the console's statistics. */
  counterHistory?: CounterHistory | undefined;
}

/** How long readiness stays off after an ingest write failed on storage (the 503's Retry-After). */
const STORAGE_FAULT_HOLD_MS = 5000;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * The relay's HTTP surface: ingest, probes, metrics and the admin routes. Every error becomes a
 * response in `onError`, and no response or log carries a payload value or an internal message.
 */
export function createApp(deps: AppDeps): Hono {
  const { config, stores, metrics, logger } = deps;
  const app = new Hono();
  const pipeline = new IngestPipeline({
    config,
    outbox: stores.outbox,
    consent: stores.consent,
    scrubber: deps.scrubber,
    pseudonym: pseudonymizer(stores.hashKey),
    metrics,
    logger,
    scrubWorker: deps.scrubWorker,
  });
  const tokens = new IngestTokens(config);
  if (!LOOPBACK.test(config.host) && !tokens.required) {
    logger.warn(
      { host: config.host, admin: config.adminToken !== undefined },
      'listening beyond loopback with no ingest token: anyone who can reach the relay can post events for any company (set RELAY_INGEST_TOKEN or RELAY_INGEST_TOKENS)',
    );
  }

  app.onError((error, c) => {
    if (error instanceof RelayError) {
      if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds));
      if (error.status === 401) c.header('WWW-Authenticate', 'Bearer');
      metrics.rejected.inc({ status: String(error.status), code: error.code });
      const details = error.details === undefined ? {} : { details: error.details };
      return c.json({ error: error.code, message: error.message, ...details }, error.status);
    }
    const code = (error as { code?: string }).code;
    if (isStorageFault(error)) {
      // The disk is full or failing: the request was fine and can be retried once it recovers.
      logger.error({ err: { name: error.name, code } }, 'request failed on storage');
      metrics.storageFaults.inc();
      metrics.rejected.inc({ status: '503', code: 'storage_unavailable' });
      c.header('Retry-After', '5');
      return c.json({ error: 'storage_unavailable', message: 'The relay cannot write to its storage right now; retry later' }, 503);
    }
    logger.error({ err: { name: error.name, code } }, 'request failed');
    metrics.rejected.inc({ status: '500', code: 'internal' });
    return c.json({ error: 'internal', message: 'The relay could not handle this request' }, 500);
  });
  app.notFound((c) => c.json({ error: 'not_found', message: 'No such route' }, 404));

  metrics.readQueueFrom(() => ({ ...stores.outbox.size(), deadLetters: stores.outbox.deadLetterCount(), destinations: stores.outbox.destinationQueues() }));
  // Outermost on each ingest route, so every answer is counted, refusals included. The Sentry
  // routes are registered with and without the trailing slash; both count under one pattern.
  for (const { route } of INGEST_ROUTES) {
    app.use(route, observeIngest(metrics, route));
    if (route.endsWith('/')) app.use(route.slice(0, -1), observeIngest(metrics, route));
  }

  // Every ingest format behind the same middleware: one admission budget, the ingest tokens,
  // draining, the rejection log. OTLP exporters retry a 503 with Retry-After; Sentry SDKs back
  // off only on 429, which the Sentry format answers for a 503.
  const formatDeps: FormatDeps = { config, metrics, logger, tokens, pipeline };
  mountIngestFormats(app, [nativeFormat(formatDeps), sentryFormat(formatDeps), otlpFormat(formatDeps)], {
    admission: createAdmission(config, deps.eventLoopDelayMs ?? (() => 0)),
    tokens,
    isDraining: deps.isDraining,
    logger,
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', (c) => {
    const checks: Record<string, string> = {};
    try {
      stores.db.prepare("INSERT INTO meta (key, value) VALUES ('ready_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(Date.now()));
      checks['storage'] = 'ok';
    } catch {
      checks['storage'] = 'not writable';
    }
    const free = volumeFreeBytes(config.dbPath);
    // One largest request needs about twice its size free: the rows, then their WAL frames.
    if (checks['storage'] === 'ok' && free !== undefined && free < 2 * config.maxBodyBytes) checks['storage'] = 'volume full';
    // Readiness stays off for the Retry-After window after an ingest write failed on storage,
    // even if the tiny probe write still fits (a nearly full disk takes small writes).
    if (checks['storage'] === 'ok' && Date.now() - pipeline.storageFaultAt < STORAGE_FAULT_HOLD_MS) checks['storage'] = 'writes failing';
    if (checks['storage'] === 'ok') {
      checks['buffer'] = stores.outbox.size().bytes < config.maxBufferBytes ? 'ok' : 'full';
    }
    if (deps.isDraining()) checks['intake'] = 'shutting down';
    const ready = Object.values(checks).every((value) => value === 'ok');
    return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  const admin = new AdminService({ stores });
  app.route('/admin', adminRoutes({ config, service: admin, logger }));

  const consoleApp = createConsole({ ...deps, admin, rules: deps.rules, history: deps.counterHistory });
  if (consoleApp !== undefined) app.route('/console', consoleApp);

  return app;
}
