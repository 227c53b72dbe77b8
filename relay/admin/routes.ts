import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { COMPANY_ID_RULE, companyIdSchema, isCompanyId } from '../../config/company-id.js';
import type { RelayConfig } from '../../config/env.js';
import { AuthError, InputError } from '../errors.js';
import { bearer, tokenMatches } from '../http/ingest-auth.js';
import { validBody } from '../http/json-body.js';
import type { Actor } from './admin-audit.js';
import type { AdminService } from './admin-service.js';
import { logAdminCalls } from './call-log.js';

/** The admin routes' Hono environment: every handler runs with the actor its token names. */
export type AdminEnv = { Variables: { actor: Actor } };

type Role = 'admin' | 'auditor';

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
 * The HTTP admin API under `/admin`: bearer-token roles (admin changes, auditor reads) in front of
 * the {@link AdminService}, which does the work and writes the audit rows. Off (404) when neither
 * token is configured.
 */
export function adminRoutes(deps: { config: RelayConfig; service: AdminService; logger: Logger }): Hono<AdminEnv> {
  const { config, service } = deps;
  const app = new Hono<AdminEnv>();
  app.use('*', logAdminCalls<AdminEnv>(deps.logger, 'admin', (c) => c.get('actor') as Actor | undefined));

  const requireRole = (...roles: Role[]): MiddlewareHandler<AdminEnv> => async (c, next) => {
    if (config.adminToken === undefined && config.auditorToken === undefined) {
      return c.json({ error: 'not_found', message: 'Admin routes are off: set RELAY_ADMIN_TOKEN or RELAY_AUDITOR_TOKEN' }, 404);
    }
    const presented = bearer(c);
    // Both comparisons always run, so timing does not tell which token was close.
    const isAdmin = tokenMatches(presented, config.adminToken);
    const isAuditor = tokenMatches(presented, config.auditorToken);
    const role: Role | undefined = isAdmin ? 'admin' : isAuditor ? 'auditor' : undefined;
    if (role === undefined) throw new AuthError('unauthorized', 401, 'A valid admin or auditor token is required');
    c.set('actor', role);
    if (!roles.includes(role)) {
      return c.json({ error: 'forbidden', message: `This route needs the ${roles.join(' or ')} token` }, 403);
    }
    await next();
  };
  const read = requireRole('admin', 'auditor');
  const write = requireRole('admin');

  app.get('/consent', read, (c) => c.json({ companies: service.listConsent() }));
  app.put('/consent/:company', write, async (c) => {
    const company = companyParam(c.req.param('company'), 'The company in the path') as string;
    const body = await jsonBody(c, consentBody);
    const result = service.setConsent(c.get('actor'), company, { telemetryEnabled: body.telemetry_enabled, idsAllowed: body.ids_allowed });
    return c.json({ company_id: company, ...result });
  });

  app.get('/outbox', read, (c) => c.json(service.outboxStats()));
  app.get('/dead-letters', read, (c) => c.json({ dead_letters: service.listDeadLetters() }));
  app.post('/dead-letters/replay', write, (c) => c.json(service.replayDeadLetters(c.get('actor'))));

  app.get('/egress', read, (c) =>
    c.json({ egress: service.listEgress({ since: sinceParam(c), company: companyParam(c.req.query('company'), 'Query "company"') }) }),
  );
  app.get('/egress/:id', read, (c) => c.json(service.showEgress(Number(c.req.param('id')))));

  app.post('/subjects/export', write, async (c) => c.json(service.exportSubject(c.get('actor'), await jsonBody(c, subjectBody))));
  app.post('/subjects/erase', write, async (c) => c.json(service.eraseSubject(c.get('actor'), await jsonBody(c, subjectBody))));

  app.get('/audit', read, (c) => c.json({ audit: service.listAudit({ since: sinceParam(c) }) }));
  return app;
}
