import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { createLogger } from '../../relay/observe/logger.js';
import { plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/relay-process.js';
import { useTestApps } from '../helpers/test-app.js';

const testApp = useTestApps();
const TENANTS = 'tok-acme-0001=acme,tok-group-0002=globex|initech';

function makeApp(env: Record<string, string> = {}, logger = createLogger('silent')) {
  const made = testApp({ env, logger, consenting: ['acme', 'globex', 'initech'] });
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
    made.app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { ...made, post };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function otlpLogs(companyId: string | undefined): string {
  const attributes = companyId === undefined ? [] : [{ key: 'company.id', value: { stringValue: companyId } }];
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes },
        scopeLogs: [{ logRecords: [{ timeUnixNano: '1795427278000000000', severityNumber: 17, body: { stringValue: 'boom' } }] }],
      },
    ],
  });
}

function sentryEnvelope(): string {
  const event = { event_id: '9ec79c33ec9942ab8353589fcb2e04dc', timestamp: 1795427278.25, level: 'error', exception: { values: [{ type: 'E', value: 'boom' }] } };
  return `${JSON.stringify({ event_id: event.event_id })}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}\n`;
}

describe('tenant tokens (RELAY_INGEST_TOKENS)', () => {
  it('refuses an event for another company with 403 naming company_id of that event, and keeps nothing of the batch', async () => {
    const { post, rows } = makeApp({ RELAY_INGEST_TOKENS: TENANTS });
    const batch = [plantedErrorEvent(), plantedErrorEvent({ company_id: 'globex' })];
    const response = await post('/v1/errors', JSON.stringify(batch), bearer('tok-acme-0001'));
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('event 1: field \\"company_id\\"');
    expect(body).not.toContain('globex');
    expect(rows()).toHaveLength(0);
  });

  it("files an event that names no company under its token's only company", async () => {
    const { post, rows } = makeApp({ RELAY_INGEST_TOKENS: TENANTS, RELAY_DEFAULT_COMPANY: 'globex' });
    const { company_id: _company, ...anonymous } = plantedErrorEvent();
    expect((await post('/v1/errors', JSON.stringify(anonymous), bearer('tok-acme-0001'))).status).toBe(202);
    expect(rows().map((row) => row.companyId)).toEqual(['acme']);
  });

  it('lets a token bound to several companies post for each of them, and asks for a company when an event names none', async () => {
    const { post, rows } = makeApp({ RELAY_INGEST_TOKENS: TENANTS });
    const token = bearer('tok-group-0002');
    expect((await post('/v1/scans', JSON.stringify(plantedScanEvent({ company_id: 'initech' })), token)).status).toBe(202);
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent({ company_id: 'globex' })), token)).status).toBe(202);
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent({ company_id: 'acme' })), token)).status).toBe(403);
    const { company_id: _company, ...anonymous } = plantedErrorEvent();
    const response = await post('/v1/errors', JSON.stringify(anonymous), token);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('company_id');
    expect(rows().map((row) => row.companyId)).toEqual(['initech', 'globex']);
  });

  it('refuses a request without a token, or with an unknown one, once tenant tokens are configured', async () => {
    const { post } = makeApp({ RELAY_INGEST_TOKENS: TENANTS });
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()))).status).toBe(401);
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()), bearer('tok-nobody-999'))).status).toBe(401);
  });

  it('keeps the single RELAY_INGEST_TOKEN able to post for any company', async () => {
    const { post, rows } = makeApp({ RELAY_INGEST_TOKEN: 'single-tenant-token', RELAY_INGEST_TOKENS: TENANTS });
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent({ company_id: 'globex' })), bearer('single-tenant-token'))).status).toBe(202);
    expect(rows().map((row) => row.companyId)).toEqual(['globex']);
  });

  it('refuses an OTLP resource whose company.id the token may not post for, and files one without company.id under the token', async () => {
    const { post, rows } = makeApp({ RELAY_INGEST_TOKENS: TENANTS });
    const refused = await post('/v1/logs', otlpLogs('globex'), bearer('tok-acme-0001'));
    expect(refused.status).toBe(403);
    const message = ((await refused.json()) as { message: string }).message;
    expect(message).toContain('resourceLogs[0]');
    expect(message).toContain('company.id');
    expect(message).not.toContain('globex');
    expect(rows()).toHaveLength(0);
    const accepted = await post('/v1/logs', otlpLogs(undefined), bearer('tok-acme-0001'));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({});
    expect(rows().map((row) => row.companyId)).toEqual(['acme']);
  });

  it("takes a tenant token as a Sentry DSN key for its company, and refuses an unknown key once tenants are configured", async () => {
    const { app, rows } = makeApp({ RELAY_INGEST_TOKENS: TENANTS, RELAY_DEFAULT_COMPANY: 'globex' });
    const send = (key: string) => app.request(`/api/42/envelope/?sentry_key=${key}&sentry_version=7`, { method: 'POST', body: sentryEnvelope() });
    expect((await send('tok-acme-0001')).status).toBe(200);
    expect(rows().map((row) => row.companyId)).toEqual(['acme']);
    expect((await send('unknownkey123')).status).toBe(403);
    expect(rows()).toHaveLength(1);
  });

  it('refuses tenant tokens naming a malformed company at start, without echoing the token', () => {
    expect(() => loadConfig({ RELAY_INGEST_TOKENS: 'tok-secret-123=../../x' })).toThrow(/entry 1/);
    expect(() => loadConfig({ RELAY_INGEST_TOKENS: 'tok-secret-123=../../x' })).not.toThrow(/tok-secret/);
    expect(() => loadConfig({ RELAY_INGEST_TOKENS: 'tok-secret-123=' })).toThrow(/RELAY_INGEST_TOKENS/);
  });
});

describe('forwarded fields are validated or made safe', () => {
  it('refuses a timestamp that is not a time with 400 naming the field, never echoing it', async () => {
    const { post, rows } = makeApp();
    const response = await post('/v1/errors', JSON.stringify(plantedErrorEvent({ timestamp: 'jane.doe@example.com 4111 1111 1111 1111' })));
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('timestamp');
    expect(body).not.toMatch(/jane|4111/);
    expect(rows()).toHaveLength(0);
  });

  it('stores every accepted timestamp as RFC 3339 UTC: ISO strings with offsets, epoch seconds and milliseconds', async () => {
    const { post, rows } = makeApp();
    const times = ['2026-11-23T11:00:00+01:00', '2026-11-23 10:00:00', 1795427278, 1795427278250, '1795427278'];
    for (const timestamp of times) expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent({ timestamp })))).status).toBe(202);
    const stored = rows().map((row) => (JSON.parse(row.payload) as { timestamp: string }).timestamp);
    expect(stored).toEqual(['2026-11-23T10:00:00.000Z', '2026-11-23T10:00:00.000Z', '2026-11-23T09:47:58.000Z', '2026-11-23T09:47:58.250Z', '2026-11-23T09:47:58.000Z']);
  });

  it('replaces an event_id that is not id-like with a fresh UUID, so no PII rides in it', async () => {
    const { post, rows } = makeApp();
    const ids = ['jane.doe:4111111111111111', 'jane@example.com', 'order-4111111111111111', 'x'.repeat(200)];
    const kept = ['9ec79c33ec9942ab8353589fcb2e04dc', '5b0e5c2a-9f5e-4a53-8d0f-2b1b0f1d2c3e', 'evt_2026.11-23'];
    for (const event_id of [...ids, ...kept]) expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent({ event_id })))).status).toBe(202);
    const stored = rows().map((row) => row.eventId);
    for (const id of stored.slice(0, ids.length)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(stored.slice(ids.length)).toEqual(kept);
    expect(JSON.stringify(rows())).not.toMatch(/jane|4111111111111111/);
  });

  it('names a field under a key that is not a plain name by its position, never its text', async () => {
    const { post } = makeApp({ RELAY_MAX_DEPTH: '4' });
    const key = 'jane.doe@example.com sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const response = await post('/v1/errors', JSON.stringify(plantedErrorEvent({ extra: { note: 1, [key]: { a: { b: { c: 1 } } } } })));
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('extra.<key 1>.a');
    expect(body).not.toMatch(/jane|sk_live/);
  });

  it('requires a JSON Content-Type in UTF-8 on ingest (415 otherwise)', async () => {
    const { app, post } = makeApp();
    const text = JSON.stringify(plantedErrorEvent());
    const bare = await app.request('/v1/errors', { method: 'POST', body: new TextEncoder().encode(text) });
    expect(bare.status).toBe(415);
    expect((await post('/v1/errors', text, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/errors', text, { 'content-type': 'application/json; charset=utf-16' })).status).toBe(415);
    expect((await post('/v1/logs', otlpLogs('acme'), { 'content-type': 'application/json; charset=utf-16' })).status).toBe(415);
    expect((await post('/v1/errors', text, { 'content-type': 'application/json; charset="UTF-8"' })).status).toBe(202);
  });

  it('holds company ids to one rule on ingest and on the admin consent routes', async () => {
    const { app, post, stores } = makeApp();
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent({ company_id: '../../x' })))).status).toBe(400);
    const put = (company: string) =>
      app.request(`/admin/consent/${company}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: 'Bearer admin-secret' },
        body: JSON.stringify({ telemetry_enabled: true }),
      });
    for (const company of ['acme%00x', '..%2F..%2Fx', 'a'.repeat(600), 'jane%40example.com']) {
      const response = await put(company);
      expect(response.status).toBe(400);
      expect(await response.text()).not.toMatch(/jane|aaaa/);
    }
    expect((await put('acme-eu.prod_1')).status).toBe(200);
    expect(stores.consent.list().map((row) => row.companyId).sort()).toEqual(['acme', 'acme-eu.prod_1', 'globex', 'initech']);
  });

  it('refuses a malformed company id on the CLI consent command too', async () => {
    const env = { RELAY_DB_PATH: join(tempDir(), 'relay.db') };
    const refused = await runCli(['consent', 'set', '../../x', '--telemetry'], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('company id');
    expect((await runCli(['consent', 'set', 'acme-eu', '--telemetry'], { env })).code).toBe(0);
  });

  it('answers 503 with Retry-After, not 500, when the admin API meets a full disk', async () => {
    const { app, stores } = makeApp();
    const pages = (stores.db.pragma('page_count', { simple: true }) as number) + 0;
    stores.db.pragma(`max_page_count = ${pages}`);
    let response: Response | undefined;
    for (let i = 0; i < 200 && response?.status !== 503; i++) {
      response = await app.request(`/admin/consent/filler-${i}-${'x'.repeat(100)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: 'Bearer admin-secret' },
        body: JSON.stringify({ telemetry_enabled: true }),
      });
      expect(response.status).not.toBe(500);
    }
    expect(response?.status).toBe(503);
    expect(response?.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('warns at start when it listens beyond loopback with no ingest token', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    makeApp({ RELAY_HOST: '0.0.0.0' }, pino({ level: 'warn' }, sink));
    makeApp({ RELAY_HOST: '127.0.0.1' }, pino({ level: 'warn' }, sink));
    makeApp({ RELAY_HOST: '0.0.0.0', RELAY_INGEST_TOKENS: TENANTS }, pino({ level: 'warn' }, sink));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('no ingest token');
  });
});
