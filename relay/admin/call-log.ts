import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { warnEvery } from '../observe/log-limiter.js';

/**
 * One log line per admin call — actor, method, path and status, never the body or the query —
 * except a failed authentication (401), which is logged at most once a minute per surface with
 * how many came since, so a client retrying a wrong token cannot fill the log.
 * @param surface `admin` (the HTTP admin API) or `console`; names the rate-limited cause
 * @param actorOf who made the call, once authenticated (read after the handler ran)
 */
export function logAdminCalls<E extends object>(logger: Logger, surface: string, actorOf: (c: Context<E>) => string | undefined): MiddlewareHandler<E> {
  const refused = warnEvery(logger);
  return async (c, next) => {
    await next();
    const status = c.res.status;
    const fields = { surface, method: c.req.method, route: c.req.path, status };
    if (status === 401) {
      refused(`${surface}_auth`, 1, fields, `${surface} request with a missing or wrong token`);
      return;
    }
    logger.info({ actor: actorOf(c) ?? null, ...fields, outcome: status < 400 ? 'ok' : 'refused' }, 'admin call');
  };
}
