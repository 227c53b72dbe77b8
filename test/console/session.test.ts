import { afterEach, describe, expect, it, vi } from 'vitest';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { useTestApps } from '../helpers/test-app.js';
import { ADMIN_TOKEN, AUDITOR_TOKEN, consoleRequest, signIn } from './support.js';

const testApp = useTestApps();
const makeApp = (env: Record<string, string> = {}) => testApp({ env: { RELAY_AUDITOR_TOKEN: AUDITOR_TOKEN, ...env } });

afterEach(() => {
  vi.useRealTimers();
});

describe('console: serving and sign-in', () => {
  it('is off when neither the admin nor the auditor token is set', async () => {
    const { app } = testApp({ env: { RELAY_ADMIN_TOKEN: '' } });
    expect((await app.request('/console/')).status).toBe(404);
    expect((await app.request('/console/api/session', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(404);
  });

  it('serves its page from the relay with a strict CSP and no token in it', async () => {
    const { app } = makeApp();
    const redirect = await app.request('/console');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/console/');
    const page = await app.request('/console/');
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(html).not.toContain(ADMIN_TOKEN);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const script = await app.request('/console/js/main.js');
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await app.request('/console/../package.json')).status).toBe(404);
  });

  it('exchanges the admin token for an HttpOnly, SameSite=Strict cookie scoped to /console', async () => {
    const { app, stores } = makeApp();
    const login = await signIn(app, ADMIN_TOKEN);
    expect(login.setCookie).toMatch(/HttpOnly/i);
    expect(login.setCookie).toMatch(/SameSite=Strict/i);
    expect(login.setCookie).toMatch(/Path=\/console/);
    expect(login.setCookie).not.toMatch(/Secure/i);
    expect(login.setCookie).not.toContain(ADMIN_TOKEN);
    const session = await consoleRequest(app, login, 'GET', 'session');
    expect(await session.json()).toEqual({ role: 'admin', csrf: login.csrf });
    expect(stores.audit.list().map((row) => [row.actor, row.action])).toContainEqual(['console:admin', 'console.sign_in']);
  });

  it('marks the cookie Secure when the request came over https', async () => {
    const { app } = makeApp();
    const login = await signIn(app, AUDITOR_TOKEN, 'https://relay.example');
    expect(login.setCookie).toMatch(/Secure/);
  });

  it('refuses a wrong token and an API request without a session', async () => {
    const { app } = makeApp();
    await expect(signIn(app, 'not-the-token')).rejects.toThrow('401');
    expect((await app.request('/console/api/rules')).status).toBe(401);
    expect((await app.request('/admin/consent', { headers: { cookie: 'relay_console=guess' } })).status).toBe(401);
  });

  it('answers 429 after 20 wrong tokens in a minute, even to the right one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-12-04T05:00:00Z'));
    const { app } = makeApp();
    for (let i = 0; i < 20; i++) await expect(signIn(app, `wrong-${i}`)).rejects.toThrow('401');
    await expect(signIn(app, ADMIN_TOKEN)).rejects.toThrow('429');
    vi.advanceTimersByTime(60_000);
    await expect(signIn(app, ADMIN_TOKEN)).resolves.toMatchObject({ csrf: expect.any(String) as string });
  });

  it('ends a session after 30 idle minutes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { app } = makeApp();
    const login = await signIn(app, AUDITOR_TOKEN);
    vi.advanceTimersByTime(29 * 60_000);
    expect((await consoleRequest(app, login, 'GET', 'consent')).status).toBe(200);
    vi.advanceTimersByTime(30 * 60_000);
    expect((await consoleRequest(app, login, 'GET', 'consent')).status).toBe(401);
  });

  it('ends the session on sign-out', async () => {
    const { app } = makeApp();
    const login = await signIn(app, ADMIN_TOKEN);
    expect((await consoleRequest(app, login, 'POST', 'session/end')).status).toBe(200);
    expect((await consoleRequest(app, login, 'GET', 'rules')).status).toBe(401);
  });
});

describe('console: changes', () => {
  it('refuses a change without the CSRF token, with a wrong one, or from another origin', async () => {
    const { app, stores } = makeApp();
    const login = await signIn(app, ADMIN_TOKEN);
    expect((await consoleRequest(app, login, 'PUT', 'consent/globex', { telemetry_enabled: true }, { csrf: false })).status).toBe(403);
    expect((await consoleRequest(app, login, 'PUT', 'consent/globex', { telemetry_enabled: true }, { csrf: 'x'.repeat(43) })).status).toBe(403);
    const crossSite = await app.request('http://127.0.0.1:4319/console/api/consent/globex', {
      method: 'PUT',
      headers: { cookie: login.cookie, host: '127.0.0.1:4319', origin: 'http://evil.example', 'content-type': 'application/json', 'x-csrf-token': login.csrf },
      body: JSON.stringify({ telemetry_enabled: true }),
    });
    expect(crossSite.status).toBe(403);
    expect(stores.consent.get('globex').telemetryEnabled).toBe(false);
    const allowed = await consoleRequest(app, login, 'PUT', 'consent/globex', { telemetry_enabled: true });
    expect(allowed.status).toBe(200);
    expect(stores.consent.get('globex').telemetryEnabled).toBe(true);
  });

  it('lets the auditor read but refuses every change it tries', async () => {
    const { app, stores } = makeApp();
    const login = await signIn(app, AUDITOR_TOKEN);
    expect((await consoleRequest(app, login, 'GET', 'consent')).status).toBe(200);
    expect((await consoleRequest(app, login, 'PUT', 'consent/acme', { telemetry_enabled: false })).status).toBe(403);
    expect((await consoleRequest(app, login, 'POST', 'dead-letters/replay')).status).toBe(403);
    expect((await consoleRequest(app, login, 'POST', 'subjects/erase', { company: 'acme' })).status).toBe(403);
    expect((await consoleRequest(app, login, 'POST', 'subjects/export', { company: 'acme' })).status).toBe(403);
    expect(stores.consent.get('acme').telemetryEnabled).toBe(true);
  });

  it('records every admin change made in the console as console:admin', async () => {
    const { app, stores } = makeApp();
    const login = await signIn(app, ADMIN_TOKEN);
    await app.request('/v1/errors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plantedErrorEvent()) });
    const revoke = await consoleRequest(app, login, 'PUT', 'consent/acme', { telemetry_enabled: false });
    expect(await revoke.json()).toMatchObject({ purged: 1 });
    expect((await consoleRequest(app, login, 'POST', 'subjects/erase', { company: 'acme' })).status).toBe(200);
    expect((await consoleRequest(app, login, 'POST', 'dead-letters/replay')).status).toBe(200);
    const actions = stores.audit.list().filter((row) => row.actor === 'console:admin').map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['consent.set', 'subject.erase', 'dead_letters.replay']));
  });
});
