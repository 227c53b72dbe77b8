import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { RelayConfig } from '../../config/env.js';
import type { AdminService } from '../admin/admin-service.js';
import { AuthError, InputError, RelayError } from '../errors.js';
import { tokenMatches } from '../http/ingest-auth.js';
import { readJson } from '../http/json-body.js';
import { csrfMatches, type ConsoleRole, type ConsoleSession, type ConsoleSessions } from './sessions.js';

/** The console's Hono environment: every API handler runs with a live session. */
export type ConsoleEnv = { Variables: { session: ConsoleSession } };

const COOKIE = 'relay_console';
/** Wrong tokens accepted per minute, from anyone, before sign-in answers 429 until the minute ends. */
const FAILED_SIGN_INS_PER_MINUTE = 20;
const signInBody = z.strictObject({ token: z.string().min(1).max(4096) });

/** The request arrived over TLS (directly, or through a proxy that says so): the cookie is then `Secure`. */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

/**
 * A change must come from the console's own page: JSON only (an HTML form cannot send it
 * cross-site without a preflight), and, when the browser names them, the same origin. Origin is
 * compared with Host, so `kubectl port-forward` to any local port still works.
 */
function requireSameOrigin(c: Context): void {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (c.req.method !== 'GET' && type !== 'application/json') throw new InputError('unsupported_media_type', 415, 'Content-Type must be application/json');
  if (c.req.header('sec-fetch-site') === 'cross-site') throw new AuthError('cross_site', 403, 'Cross-site requests are refused');
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== c.req.header('host')) throw new AuthError('cross_site', 403, 'Cross-site requests are refused');
}

/** Opens, reads and ends console sessions: `POST /api/session` signs in with the auditor or admin token. */
export function registerSessionRoutes(
  app: Hono<ConsoleEnv>,
  deps: { config: RelayConfig; sessions: ConsoleSessions; admin: AdminService; absoluteMs: number },
): void {
  const { config, sessions, admin } = deps;
  let failures = { minute: 0, count: 0 };
  app.post('/api/session', async (c) => {
    requireSameOrigin(c);
    const minute = Math.floor(Date.now() / 60_000);
    if (failures.minute !== minute) failures = { minute, count: 0 };
    if (failures.count >= FAILED_SIGN_INS_PER_MINUTE) {
      throw new RelayError('too_many_sign_ins', 429, 'Too many wrong tokens; try again in a minute', { retryAfterSeconds: 60 });
    }
    const { token } = await readJson(c, signInBody);
    // Both comparisons always run, so timing does not tell which token was close.
    const isAdmin = tokenMatches(token, config.adminToken);
    const isAuditor = tokenMatches(token, config.auditorToken);
    const role: ConsoleRole | undefined = isAdmin ? 'admin' : isAuditor ? 'auditor' : undefined;
    if (role === undefined) {
      failures.count += 1;
      throw new AuthError('unauthorized', 401, 'That is not the admin or the auditor token');
    }
    const previous = getCookie(c, COOKIE);
    if (previous !== undefined) sessions.close(previous);
    const session = sessions.open(role);
    setCookie(c, COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/console',
      secure: isHttps(c),
      maxAge: Math.floor(deps.absoluteMs / 1000),
    });
    admin.recordSignIn(`console:${role}`);
    return c.json({ role, csrf: session.csrf });
  });
  app.get('/api/session', (c) => {
    const session = sessions.find(getCookie(c, COOKIE));
    if (session === undefined) throw new AuthError('unauthorized', 401, 'Sign in with the admin or auditor token');
    return c.json({ role: session.role, csrf: session.csrf });
  });
  app.post('/api/session/end', requireSession(sessions), (c) => {
    sessions.close(c.get('session').id);
    deleteCookie(c, COOKIE, { path: '/console', secure: isHttps(c), httpOnly: true, sameSite: 'Strict' });
    return c.json({ signedOut: true });
  });
}

/**
 * The API's gate: a live session, and on every request that is not a GET the session's CSRF
 * token in `X-CSRF-Token`, JSON and the same origin.
 */
export function requireSession(sessions: ConsoleSessions): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const session = sessions.find(getCookie(c, COOKIE));
    if (session === undefined) throw new AuthError('unauthorized', 401, 'Sign in with the admin or auditor token');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      requireSameOrigin(c);
      if (!csrfMatches(session, c.req.header('x-csrf-token'))) throw new AuthError('csrf', 403, 'The CSRF token is missing or wrong; reload the console');
    }
    c.set('session', session);
    await next();
  };
}

/** Only an admin session may go on; an auditor gets 403 whatever the page shows. */
export const requireAdmin: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.get('session').role !== 'admin') throw new RelayError('forbidden', 403, 'This needs the admin token');
  await next();
};
