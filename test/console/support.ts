import type { Hono } from 'hono';

export const ADMIN_TOKEN = 'admin-secret';
export const AUDITOR_TOKEN = 'auditor-secret';

/** A console session opened through the sign-in route: its cookie header and CSRF token. */
export interface ConsoleLogin {
  cookie: string;
  csrf: string;
  setCookie: string;
}

type AnyApp = Pick<Hono, 'request'>;

/** Signs in to the console with `token` and returns the session cookie and CSRF token. */
export async function signIn(app: AnyApp, token: string, base = 'http://127.0.0.1:4319'): Promise<ConsoleLogin> {
  const response = await app.request(`${base}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', host: new URL(base).host },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const { csrf } = (await response.json()) as { csrf: string };
  return { cookie: setCookie.split(';')[0] ?? '', csrf, setCookie };
}

/** A console API request with the session's cookie (and, unless `csrf: false`, its CSRF header). */
export function consoleRequest(
  app: AnyApp,
  login: ConsoleLogin,
  method: string,
  path: string,
  body?: unknown,
  options: { csrf?: string | false } = {},
): Response | Promise<Response> {
  const headers: Record<string, string> = { cookie: login.cookie, host: '127.0.0.1:4319' };
  if (method !== 'GET') headers['content-type'] = 'application/json';
  if (method !== 'GET' && options.csrf !== false) headers['x-csrf-token'] = options.csrf ?? login.csrf;
  return app.request(`http://127.0.0.1:4319/console/api/${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}
