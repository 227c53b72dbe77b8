import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { useTestApps } from '../helpers/test-app.js';

const testApp = useTestApps();

function makeApp(env: Record<string, string> = {}, eventLoopDelayMs?: () => number) {
  const made = testApp({ env: { RELAY_AUDITOR_TOKEN: 'auditor-secret', ...env }, ...(eventLoopDelayMs === undefined ? {} : { loopDelayMs: eventLoopDelayMs }) });
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    made.app.request(path, { method: 'POST', body, headers });
  return { ...made, post };
}

/**
 * Starts a request whose body (no Content-Length: a stream) stops after `sent` characters until
 * `release` sends the rest.
 */
function holdRequest(app: ReturnType<typeof makeApp>['app'], text: string, sent = 10): { slow: Response | Promise<Response>; release: () => void } {
  let release!: () => void;
  const held = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text.slice(0, sent)));
      release = () => {
        controller.enqueue(new TextEncoder().encode(text.slice(sent)));
        controller.close();
      };
    },
  });
  const slow = app.request(new Request('http://relay/v1/errors', { method: 'POST', body: held, headers: { 'content-type': 'application/json' }, duplex: 'half' }));
  return { slow, release };
}

describe('POST /v1/errors and /v1/scans', () => {
  it('accepts one event, an array, and NDJSON', async () => {
    const { post, stores } = makeApp();
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()))).status).toBe(202);
    expect((await post('/v1/errors', JSON.stringify([plantedErrorEvent(), plantedErrorEvent()]))).status).toBe(202);
    const ndjson = `${JSON.stringify(plantedScanEvent())}\n${JSON.stringify(plantedScanEvent())}\n`;
    const response = await post('/v1/scans', ndjson, { 'content-type': 'application/x-ndjson' });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 2, dropped: {} });
    expect(stores.outbox.size().events).toBe(5);
  });

  it('answers 400 naming the field and the reason for a malformed event', async () => {
    const { post } = makeApp();
    const event = plantedErrorEvent();
    delete event['timestamp'];
    const response = await post('/v1/errors', JSON.stringify(event));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; message: string; details: { field: string } };
    expect(body.error).toBe('invalid_event');
    expect(body.details.field).toBe('timestamp');
    expect(body.message).toContain('"timestamp" is required');
  });

  it('names the index of the bad event in a batch and keeps nothing of that batch', async () => {
    const { post, stores } = makeApp();
    const bad = plantedScanEvent({ event_type: 'exploded' });
    const response = await post('/v1/scans', JSON.stringify([plantedScanEvent(), plantedScanEvent(), bad]));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string; details: { index: number; field: string } };
    expect(body.details).toMatchObject({ index: 2, field: 'event_type' });
    expect(body.message).toMatch(/^event 2: field "event_type"/);
    expect(stores.outbox.size().events).toBe(0);
  });

  it('never echoes the offending value in an error', async () => {
    const { post } = makeApp();
    const response = await post('/v1/errors', JSON.stringify(plantedErrorEvent({ level: { secret: 'do-not-echo-me' } })));
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('do-not-echo-me');
    const broken = await post('/v1/errors', '{"timestamp": "do-not-echo-me" ,,}');
    expect(broken.status).toBe(400);
    expect(await broken.text()).not.toContain('do-not-echo-me');
  });

  it('answers 413 for a body over RELAY_MAX_BODY_BYTES and for a compressed body that inflates past it', async () => {
    const { post } = makeApp({ RELAY_MAX_BODY_BYTES: '4096' });
    const big = JSON.stringify(plantedErrorEvent({ extra: { blob: 'x'.repeat(5000) } }));
    expect((await post('/v1/errors', big)).status).toBe(413);
    const bomb = gzipSync(JSON.stringify(plantedErrorEvent({ extra: { blob: 'y'.repeat(100_000) } })));
    expect(bomb.byteLength).toBeLessThan(4096);
    const response = await post('/v1/errors', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
  });

  it('accepts gzip-compressed bodies', async () => {
    const { post } = makeApp();
    const response = await post('/v1/errors', gzipSync(JSON.stringify(plantedErrorEvent())), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(202);
  });

  it('answers 415 for an unknown content type', async () => {
    const { post } = makeApp();
    const response = await post('/v1/errors', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
  });

  it('answers 4xx, never 5xx, for deep nesting, long strings, many keys, reserved keys and invalid UTF-8', async () => {
    const { post } = makeApp({ RELAY_MAX_STRING_LENGTH: '1000', RELAY_MAX_KEYS: '100' });
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i += 1) deep = { d: deep };
    const cases: [string, string | Uint8Array, number][] = [
      ['deep', JSON.stringify(plantedErrorEvent({ extra: deep })), 400],
      ['long string', JSON.stringify(plantedErrorEvent({ extra: 'z'.repeat(2000) })), 413],
      ['many keys', JSON.stringify(plantedErrorEvent({ extra: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i])) })), 413],
      ['__proto__', `{"timestamp":"t","company_id":"acme","error":{"type":"E"},"extra":{"__proto__":{"polluted":true}}}`, 400],
      ['invalid utf-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 400],
      ['not an object', '42', 400],
      ['empty', '', 400],
      ['empty batch', '[]', 400],
    ];
    for (const [name, body, status] of cases) {
      const response = await post('/v1/errors', body);
      expect({ name, status: response.status }).toEqual({ name, status });
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('names the field that breaks a structure limit', async () => {
    const { post } = makeApp({ RELAY_MAX_STRING_LENGTH: '1000', RELAY_MAX_KEYS: '100', RELAY_MAX_DEPTH: '8' });
    let deep: unknown = 'x';
    for (let i = 0; i < 20; i += 1) deep = { d: deep };
    const cases: [unknown, string, RegExp][] = [
      [{ extra: { list: ['ok', { note: 'z'.repeat(2000) }] } }, 'extra.list[1].note', /longer than 1000 characters/],
      [{ extra: deep }, 'extra.d.d.d.d.d.d.d', /nests deeper than 8 levels/],
      [{ extra: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i])) }, '(event)', /more than 100 keys/],
    ];
    for (const [fields, field, reason] of cases) {
      const response = await post('/v1/errors', JSON.stringify(plantedErrorEvent(fields as Record<string, unknown>)));
      const body = (await response.json()) as { details: { field: string; reason: string } };
      expect(body.details.field).toBe(field);
      expect(body.details.reason).toMatch(reason);
    }
    const reserved = await post('/v1/errors', '{"timestamp":"t","company_id":"acme","error":{"type":"E"},"extra":[{"constructor":1}]}');
    expect(((await reserved.json()) as { details: { field: string } }).details.field).toBe('extra[0].constructor');
  });

  it('requires the ingest token when one is configured', async () => {
    const { post } = makeApp({ RELAY_INGEST_TOKEN: 'ingest-secret' });
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()))).status).toBe(401);
    const ok = await post('/v1/errors', JSON.stringify(plantedErrorEvent()), {
      'content-type': 'application/json',
      authorization: 'Bearer ingest-secret',
    });
    expect(ok.status).toBe(202);
  });

  it('answers 503 with Retry-After when the buffer is full and the policy is reject', async () => {
    const { post, stores } = makeApp({ RELAY_MAX_BUFFER_BYTES: '2048' });
    let response: Response | undefined;
    for (let i = 0; i < 20; i += 1) {
      response = await post('/v1/errors', JSON.stringify(plantedErrorEvent()));
      if (response.status !== 202) break;
    }
    expect(response!.status).toBe(503);
    expect(response!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(stores.outbox.size().bytes).toBeLessThanOrEqual(2048);
  });

  it('answers 503 with Retry-After at once when RELAY_MAX_INFLIGHT requests are already being handled', async () => {
    const { app, post } = makeApp({ RELAY_MAX_INFLIGHT: '1' });
    const { slow, release } = holdRequest(app, JSON.stringify(plantedErrorEvent()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refused = await post('/v1/errors', JSON.stringify(plantedErrorEvent()));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: 'overloaded' });
    release();
    expect((await slow).status).toBe(202);
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()))).status).toBe(202);
  });

  it('answers 503 at once while RELAY_MAX_INFLIGHT_BYTES of bodies are buffered, and admits again after', async () => {
    const { app, post } = makeApp({ RELAY_MAX_INFLIGHT_BYTES: '4096', RELAY_MAX_BODY_BYTES: '1048576' });
    const text = JSON.stringify(plantedErrorEvent());
    const big = JSON.stringify(plantedErrorEvent({ extra: { note: 'x'.repeat(5000) } }));
    const { slow, release } = holdRequest(app, big, 4000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refused = await post('/v1/errors', text, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ error: 'overloaded' });
    release();
    expect((await slow).status).toBe(202);
    expect((await post('/v1/errors', text)).status).toBe(202);
  });

  it('counts a streamed or compressed body by the bytes it has buffered, not as a full RELAY_MAX_BODY_BYTES', async () => {
    const { app, post } = makeApp({ RELAY_MAX_INFLIGHT_BYTES: String(1.5 * 1048576), RELAY_MAX_BODY_BYTES: '1048576' });
    const text = JSON.stringify(plantedErrorEvent());
    const { slow, release } = holdRequest(app, text);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const packed = gzipSync(text);
    const plainHeaders = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
    const gzipHeaders = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(packed.length) };
    expect((await post('/v1/errors', text, plainHeaders)).status).toBe(202);
    expect((await post('/v1/errors', packed, gzipHeaders)).status).toBe(202);
    release();
    expect((await slow).status).toBe(202);
  });

  it('sheds ingest with 503 while the event loop is further behind than RELAY_MAX_EVENT_LOOP_DELAY', async () => {
    let delay = 450;
    const { post, stores } = makeApp({ RELAY_MAX_EVENT_LOOP_DELAY: '400' }, () => delay);
    const refused = await post('/v1/errors', JSON.stringify(plantedErrorEvent()));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(stores.outbox.size().events).toBe(0);
    delay = 350;
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()))).status).toBe(202);
  });

  it('evicts the oldest events when the policy is drop_oldest, and counts them', async () => {
    const { post, stores, app } = makeApp({ RELAY_MAX_BUFFER_BYTES: '2048', RELAY_WHEN_FULL: 'drop_oldest' });
    for (let i = 0; i < 20; i += 1) {
      expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent({ event_id: `e${i}` })))).status).toBe(202);
    }
    expect(stores.outbox.size().bytes).toBeLessThanOrEqual(2048);
    const ids = stores.outbox.peek('diagnostics', 100).map((row) => row.eventId);
    expect(ids).toContain('e19');
    expect(ids).not.toContain('e0');
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/relay_events_dropped_total\{reason="evicted"\} [1-9]/);
  });

  it('drops events with no configured destination and says so', async () => {
    const { post } = makeApp({ LAKERA_API_KEY: '' });
    const response = await post('/v1/scans', JSON.stringify(plantedScanEvent()));
    expect(await response.json()).toMatchObject({ accepted: 0, dropped: { no_destination: 1 } });
  });

  it('uses RELAY_DEFAULT_COMPANY for events that name none, and refuses them without it', async () => {
    const event = plantedErrorEvent();
    delete event['company_id'];
    const without = makeApp();
    const refused = await without.post('/v1/errors', JSON.stringify(event));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('company_id');
    without.stores.close();
    const withDefault = makeApp({ RELAY_DEFAULT_COMPANY: 'acme' });
    expect(await (await withDefault.post('/v1/errors', JSON.stringify(event))).json()).toMatchObject({ accepted: 1 });
  });
});

describe('admin routes', () => {
  it('answer 401 without a token, 403 for the auditor on a write, and are off with no token configured', async () => {
    const { app } = makeApp();
    const put = (token?: string) =>
      app.request('/admin/consent/acme', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ telemetry_enabled: false }),
      });
    expect((await put()).status).toBe(401);
    expect((await put('wrong')).status).toBe(401);
    expect((await put('auditor-secret')).status).toBe(403);
    expect((await app.request('/admin/consent', { headers: { authorization: 'Bearer auditor-secret' } })).status).toBe(200);
    expect((await put('admin-secret')).status).toBe(200);
    const off = makeApp({ RELAY_ADMIN_TOKEN: '', RELAY_AUDITOR_TOKEN: '' });
    expect((await off.app.request('/admin/consent', { headers: { authorization: 'Bearer admin-secret' } })).status).toBe(404);
  });

  it('refuses a consent body with unknown fields, naming the field', async () => {
    const { app } = makeApp();
    const response = await app.request('/admin/consent/acme', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-secret' },
      body: JSON.stringify({ telemetry: true }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('telemetry');
  });
});

describe('probes', () => {
  it('answers /healthz and /readyz', async () => {
    const { app } = makeApp();
    expect((await app.request('/healthz')).status).toBe(200);
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { storage: 'ok', buffer: 'ok' } });
  });
});
