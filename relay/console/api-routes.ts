import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { companyIdSchema, COMPANY_ID_RULE, isCompanyId } from '../../config/company-id.js';
import type { RelayConfig } from '../../config/env.js';
import type { CompiledRuleSet, Scrubber } from '../../scrubbers/index.js';
import type { AdminService } from '../admin/admin-service.js';
import type { CounterHistory } from '../admin/counter-history.js';
import { InputError } from '../errors.js';
import type { Stores } from '../storage/stores.js';
import { dryRun, pastedRulesScrubber } from './dry-run.js';
import { egressIdsByHash, pendingByCompany, queueView } from './queue-view.js';
import { readJson } from '../http/json-body.js';
import { rulesView, type RulesView } from './rules-report.js';
import { requireAdmin, type ConsoleEnv } from './session-routes.js';

export interface ConsoleApiDeps {
  config: RelayConfig;
  stores: Stores;
  scrubber: Scrubber;
  rules: () => CompiledRuleSet;
  history: CounterHistory;
  /** Every change (consent, replay, subjects) goes through it, which writes the audit rows. */
  admin: AdminService;
}

const HOUR_MS = 3600_000;
const consentBody = z.strictObject({ telemetry_enabled: z.boolean().optional(), ids_allowed: z.boolean().optional() });
const subjectBody = z.strictObject({ user: z.string().min(1).max(256).optional(), company: companyIdSchema.optional() });
const dryRunBody = z.strictObject({ kind: z.enum(['error', 'scan']), input: z.string().min(1), rules: z.string().max(256 * 1024).optional() });

function company(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '' || isCompanyId(value)) return value === '' ? undefined : value;
  throw new InputError('invalid_company', 400, `${name} ${COMPANY_ID_RULE}`);
}

function timeQuery(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (Number.isNaN(ms)) throw new InputError('invalid_query', 400, `Query "${name}" must be an ISO 8601 time or epoch milliseconds`);
  return ms;
}

/**
 * The console's JSON API, on the stores the admin routes use. Reads are open to both roles;
 * every change needs the admin role and lands in the admin audit as `console:admin`.
 */
export function registerConsoleApi(app: Hono<ConsoleEnv>, deps: ConsoleApiDeps): void {
  const { config, stores, admin } = deps;
  let rules: RulesView | undefined;

  app.get('/api/rules', (c) => c.json((rules ??= rulesView(deps.rules()))));

  app.post('/api/dry-run', async (c) => {
    const body = await readJson(c, dryRunBody, config.maxBodyBytes + 256 * 1024 + 1024);
    const scrubber = body.rules === undefined || body.rules.trim() === '' ? deps.scrubber : pastedRulesScrubber(body.rules, stores.hashKey);
    c.header('Cache-Control', 'no-store');
    return c.json(dryRun(scrubber, body.kind, body.input, config, scrubber === deps.scrubber ? 'shipped' : 'pasted'));
  });

  app.get('/api/egress', (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 100) || 100, 1), 1000);
    const until = timeQuery(c, 'until');
    // The store lists newest first from `since`; an end time reads the most it lists and cuts after.
    const records = admin.listEgress({ since: timeQuery(c, 'since'), company: company(c.req.query('company'), 'Query "company"'), limit: until === undefined ? limit : 1000 });
    return c.json({ egress: until === undefined ? records : records.filter((record) => record.sentAt <= until).slice(0, limit) });
  });
  app.get('/api/egress/verify', (c) => {
    const sha256 = c.req.query('sha256')?.trim() ?? '';
    if (!/^[0-9a-fA-F]{64}$/.test(sha256)) throw new InputError('invalid_query', 400, 'Query "sha256" must be 64 hex digits');
    return c.json({ sha256: sha256.toLowerCase(), ids: egressIdsByHash(stores.db, sha256) });
  });
  app.get('/api/egress/:id', (c) => {
    const id = Number(c.req.param('id'));
    return c.json({ ...admin.showEgress(id), bodyKeptDays: config.egressAuditDays });
  });

  app.get('/api/consent', (c) =>
    c.json({ companies: admin.listConsent(), pending: pendingByCompany(stores.db), globalTelemetry: config.telemetryEnabled }),
  );
  app.put('/api/consent/:company', requireAdmin, async (c) => {
    const id = company(c.req.param('company'), 'The company in the path') as string;
    const body = await readJson(c, consentBody);
    const result = admin.setConsent('console:admin', id, { telemetryEnabled: body.telemetry_enabled, idsAllowed: body.ids_allowed });
    return c.json({ company_id: id, ...result });
  });

  app.get('/api/outbox', (c) =>
    c.json({
      ...queueView(stores.db),
      deadLetterRows: admin.listDeadLetters({ limit: 200 }),
    }),
  );
  app.post('/api/dead-letters/replay', requireAdmin, (c) => c.json(admin.replayDeadLetters('console:admin')));

  app.post('/api/subjects/export', requireAdmin, async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(admin.exportSubject('console:admin', await readJson(c, subjectBody)));
  });
  app.post('/api/subjects/erase', requireAdmin, async (c) => c.json(admin.eraseSubject('console:admin', await readJson(c, subjectBody))));

  app.get('/api/stats', async (c) => {
    const hours = Math.min(Math.max(Number(c.req.query('hours') ?? 24) || 24, 1), config.auditRetentionDays * 24);
    await deps.history.sample();
    const since = Date.now() - hours * HOUR_MS;
    return c.json({
      since,
      until: Date.now(),
      bucketMs: 60_000,
      accepted: deps.history.series('accepted', since),
      dropped: deps.history.series('dropped', since),
      findings: deps.history.series('findings', since),
    });
  });

  app.get('/api/audit', (c) => c.json({ audit: admin.listAudit({ since: timeQuery(c, 'since'), limit: 200 }) }));
}
