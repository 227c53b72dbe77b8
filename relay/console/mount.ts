import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { RelayConfig } from '../../config/env.js';
import { loadRules } from '../../config/rules.js';
import type { CompiledRuleSet, Scrubber } from '../../scrubbers/index.js';
import { AdminService } from '../admin/admin-service.js';
import { logAdminCalls } from '../admin/call-log.js';
import { CounterHistory } from '../admin/counter-history.js';
import type { Metrics } from '../observe/metrics.js';
import type { Stores } from '../storage/stores.js';
import { registerConsoleApi } from './api-routes.js';
import { consoleHeaders } from './security-headers.js';
import { registerSessionRoutes, requireSession, type ConsoleEnv } from './session-routes.js';
import { ConsoleSessions, DEFAULT_SESSION_LIMITS, type ConsoleSession, type SessionLimits } from './sessions.js';
import { loadAssets } from './static-assets.js';

export interface ConsoleDeps {
  config: RelayConfig;
  stores: Stores;
  scrubber: Scrubber;
  metrics: Metrics;
  /** The admin service the relay's admin routes use; one of its own on the same stores when absent. */
  admin?: AdminService | undefined;
  /** The running rule set; loaded from the config on first use when absent. */
  rules?: CompiledRuleSet | undefined;
  /** The relay's counter history (sampled by its retention job); one of its own when absent. */
  history?: CounterHistory | undefined;
  sessionLimits?: SessionLimits | undefined;
  /** Where each console API call is logged (actor, route, status); not logged when absent. */
  logger?: Logger | undefined;
}

function consoleActor(session: ConsoleSession | undefined): string | undefined {
  return session === undefined ? undefined : `console:${session.role}`;
}

/**
 * The security team's console at `/console/`, or undefined when neither the admin nor the
 * auditor token is set (the console is then off and `/console/` is a 404). Pages are static
 * files served from memory; all data comes from `/console/api/*` behind a session cookie.
 */
export function createConsole(deps: ConsoleDeps): Hono<ConsoleEnv> | undefined {
  const { config } = deps;
  if (config.adminToken === undefined && config.auditorToken === undefined) return undefined;
  const limits = deps.sessionLimits ?? DEFAULT_SESSION_LIMITS;
  const sessions = new ConsoleSessions(limits);
  const assets = loadAssets();
  let rules = deps.rules;
  const app = new Hono<ConsoleEnv>();
  app.use('*', consoleHeaders());

  const admin = deps.admin ?? new AdminService({ stores: deps.stores });
  if (deps.logger !== undefined) app.use('/api/*', logAdminCalls<ConsoleEnv>(deps.logger, 'console', (c) => consoleActor(c.get('session') as ConsoleSession | undefined)));
  registerSessionRoutes(app, { config, sessions, admin, absoluteMs: limits.absoluteMs });
  app.use('/api/*', requireSession(sessions));
  registerConsoleApi(app, {
    config,
    stores: deps.stores,
    admin,
    scrubber: deps.scrubber,
    rules: () => (rules ??= loadRules({ userFile: config.rulesFile })),
    history: deps.history ?? new CounterHistory(deps.stores.db, deps.metrics),
  });

  app.get('/', (c) => c.redirect('/console/', 308));
  app.get('/*', (c) => {
    const path = c.req.path.replace(/^\/console\/?/, '');
    const asset = assets.get(path === '' ? 'index.html' : path);
    if (asset === undefined) return c.json({ error: 'not_found', message: 'No such route' }, 404);
    c.header('Cache-Control', 'no-cache');
    return c.body(asset.body, 200, { 'Content-Type': asset.type });
  });
  return app;
}
