import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { COMPANY_ID_RULE, companyIdSchema, isCompanyId } from '../config/company-id.js';
import type { RelayConfig } from '../config/env.js';
import type { CompiledRuleSet } from '../scrubbers/index.js';
import type { Scrubber } from '../scrubbers/types.js';
import type { Actor } from './admin/admin-audit.js';
import { createAdmission } from './http/admission.js';
import { createConsole } from './console/mount.js';
import type { CounterHistory } from './admin/counter-history.js';
import { isStorageFault, volumeFreeBytes } from './storage/db.js';
import { AuthError, InputError, RelayError } from './errors.js';
import { bearer, IngestTokens, tokenMatches } from './http/ingest-auth.js';
import { IngestPipeline, pseudonymizer } from './pipeline/ingest.js';
import { validBody } from './http/json-body.js';
import type { Metrics } from './observe/metrics.js';
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
  /**
   * Dead letters were replayed into the outbox (admin and console routes). Redundant since the
   * outbox tells its own listeners (`Outbox.onEnqueued`); kept until those routes move.
   */
  onEnqueued?: () => void;
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

type Role = 'admin' | 'auditor';

/** How long readiness stays off after an ingest write failed on storage (the 503's Retry-After). */
const STORAGE_FAULT_HOLD_MS = 5000;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

const consentBody = z.strictObject({
  telemetry_enabled: z.boolean().optional(),
  ids_allowed: z.boolean().optional(),
});
const subjectBody = z.strictObject({ user: z.string().min(1).max(256).optional(), company: companyIdSchema.optional() });

/** A company id from a path or query parameter, or the 400 that names the parameter. */
function companyParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined || isCompanyId(value)) return value;
  throw new InputError('invalid_company', 400, `${name} ${COMPANY_ID_RULE}`);
}

function sinceParam(c: Context): number | undefined {
  const raw = c.req.query('since');
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (Number.isNaN(ms)) throw new InputError('invalid_query', 400, 'Query "since" must be an ISO 8601 time or epoch milliseconds');
  return ms;
}

async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let value: unknown;
  try {
    value = await c.req.json();
  } catch (error) {
    throw new InputError('invalid_json', 400, 'Body is not valid JSON', { cause: error });
  }
  return validBody(value, schema);
}

/**
 * The relay's HTTP surface: ingest, probes, metrics and the admin routes. Every error becomes a
 * response in `onError`, and no response or log carries a payload value or an internal message.
 */
export function createApp(deps: AppDeps): Hono<{ Variables: { actor: Actor } }> {
  const { config, stores, metrics, logger } = deps;
  const app = new Hono<{ Variables: { actor: Actor } }>();
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
    try {
      const totals = stores.outbox.totals();
      metrics.outboxEvents.set(totals.events);
      metrics.outboxBytes.set(totals.bytes);
      metrics.deadLetters.set(totals.deadLetters);
    } catch {
      // Storage faults are visible in readyz and relay_storage_faults_total; metrics still answer.
    }
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  const requireRole = (...roles: Role[]): MiddlewareHandler<{ Variables: { actor: Actor } }> => async (c, next) => {
    if (config.adminToken === undefined && config.auditorToken === undefined) {
      return c.json({ error: 'not_found', message: 'Admin routes are off: set RELAY_ADMIN_TOKEN or RELAY_AUDITOR_TOKEN' }, 404);
    }
    const presented = bearer(c);
    // Both comparisons always run, so timing does not tell which token was close.
    const isAdmin = tokenMatches(presented, config.adminToken);
    const isAuditor = tokenMatches(presented, config.auditorToken);
    const role: Role | undefined = isAdmin ? 'admin' : isAuditor ? 'auditor' : undefined;
    if (role === undefined) throw new AuthError('unauthorized', 401, 'A valid admin or auditor token is required');
    if (!roles.includes(role)) {
      return c.json({ error: 'forbidden', message: `This route needs the ${roles.join(' or ')} token` }, 403);
    }
    c.set('actor', role);
    await next();
  };
  const read = requireRole('admin', 'auditor');
  const write = requireRole('admin');

  app.get('/admin/consent', read, (c) => c.json({ companies: stores.consent.list() }));
  app.put('/admin/consent/:company', write, async (c) => {
    const company = companyParam(c.req.param('company'), 'The company in the path') as string;
    const body = await jsonBody(c, consentBody);
    const result = stores.consent.set(company, { telemetryEnabled: body.telemetry_enabled, idsAllowed: body.ids_allowed }, c.get('actor'));
    return c.json({ company_id: company, ...result });
  });

  app.get('/admin/outbox', read, (c) => c.json(stores.outbox.totals()));
  app.get('/admin/dead-letters', read, (c) =>
    c.json({
      dead_letters: stores.outbox.deadLetters().map(({ payload: _payload, ...row }) => ({ ...row, findings: JSON.parse(row.findings) as unknown })),
    }),
  );
  app.post('/admin/dead-letters/replay', write, (c) => {
    const replayed = stores.outbox.replayDeadLetters();
    stores.audit.record(c.get('actor'), 'dead_letters.replay', null, { replayed });
    deps.onEnqueued?.();
    return c.json({ replayed });
  });

  app.get('/admin/egress', read, (c) =>
    c.json({ egress: stores.egress.list({ since: sinceParam(c), company: companyParam(c.req.query('company'), 'Query "company"') }) }),
  );
  app.get('/admin/egress/:id', read, (c) => {
    const id = Number(c.req.param('id'));
    const record = Number.isSafeInteger(id) ? stores.egress.show(id) : undefined;
    if (!record) return c.json({ error: 'not_found', message: 'No egress record with that id' }, 404);
    return c.json(record);
  });

  app.post('/admin/subjects/export', write, async (c) => c.json(stores.subjects.export(await jsonBody(c, subjectBody), c.get('actor'))));
  app.post('/admin/subjects/erase', write, async (c) => c.json(stores.subjects.erase(await jsonBody(c, subjectBody), c.get('actor'))));

  app.get('/admin/audit', read, (c) => c.json({ audit: stores.audit.list({ since: sinceParam(c) }) }));

  const consoleApp = createConsole({ ...deps, onEnqueued: deps.onEnqueued ?? (() => {}), rules: deps.rules, history: deps.counterHistory });
  if (consoleApp !== undefined) app.route('/console', consoleApp);

  return app;
}
