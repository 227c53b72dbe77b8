import { request } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeOtlpResponse, decodeOtlpProtobuf } from '../../relay/formats/otlp/protobuf.js';
import type { RunningRelay } from '../../relay/server.js';
import { findPlanted, PLANTED } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';
import { droppedCount, setConsent, useTestRelays } from '../helpers/in-process-relay.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));

const KEY = 'k3y0000000000000000000000000abcd';
const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';

function sentryEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: EVENT_ID,
    timestamp: 1795427278.25,
    platform: 'node',
    level: 'error',
    exception: {
      values: [
        {
          type: 'PaymentError',
          value: `charge failed for ${PLANTED.email}`,
          stacktrace: {
            frames: [
              { filename: '/srv/app/server.js', function: 'handle', lineno: 10, colno: 3, in_app: true },
              { filename: '/srv/app/billing.js', function: 'charge', lineno: 42, colno: 13, in_app: true, vars: { card: PLANTED.card }, context_line: `const pw = "${PLANTED.password}"` },
            ],
          },
        },
      ],
    },
    user: { id: PLANTED.userId, email: PLANTED.email, ip_address: PLANTED.ipv4 },
    request: { method: 'POST', url: 'https://shop.example/checkout', query_string: `token=${PLANTED.jwt}`, cookies: { sid: PLANTED.jwt }, data: PLANTED.prompt, headers: { Authorization: PLANTED.bearer } },
    breadcrumbs: { values: [{ message: PLANTED.prompt }] },
    ...overrides,
  };
}

function envelope(items: { header: Record<string, unknown>; payload: string | Buffer }[], header: Record<string, unknown> = { event_id: EVENT_ID }): Buffer {
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(header)}\n`)];
  for (const item of items) {
    parts.push(Buffer.from(`${JSON.stringify(item.header)}\n`), Buffer.isBuffer(item.payload) ? item.payload : Buffer.from(item.payload), Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

async function post(relay: RunningRelay, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${relay.url}${path}`, { method: 'POST', headers, body });
}

const envelopePath = (query = `?sentry_key=${KEY}&sentry_version=7`) => `/api/42/envelope/${query}`;

describe('Sentry envelope endpoint', () => {
  it('answers {"id"} and forwards only the mapped, scrubbed event; other items are dropped and counted', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme` });
    await setConsent(relay, 'acme', true, false);
    const event = JSON.stringify(sentryEvent(), null, 2); // pretty-printed: the payload holds newlines
    const attachment = Buffer.concat([Buffer.from(`${PLANTED.prompt}\n\n`), Buffer.from([0, 255, 10, 13])]);
    const body = envelope([
      { header: { type: 'event', length: Buffer.byteLength(event) }, payload: event },
      { header: { type: 'attachment', length: attachment.length, filename: 'prompt.txt' }, payload: attachment },
      { header: { type: 'session' }, payload: JSON.stringify({ did: PLANTED.userId }) },
      { header: { type: 'something_new' }, payload: '{}' },
    ]);

    const response = await post(relay, envelopePath(), gzipSync(body), { 'content-encoding': 'gzip', 'content-type': 'application/x-sentry-envelope' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: EVENT_ID });

    await waitFor(() => upstream.events().length === 1, 10_000, 'delivery');
    expect(findPlanted(upstream.requests[0]!.text)).toEqual([]);
    const [forwarded] = upstream.events();
    expect(forwarded).toMatchObject({
      event_id: EVENT_ID,
      timestamp: new Date(1795427278250).toISOString(),
      error: { type: 'PaymentError' },
      frames: [{ file: '/srv/app/billing.js', function: 'charge', line: 42 }, { file: '/srv/app/server.js', function: 'handle' }],
      request: { method: 'POST', url: 'https://shop.example/checkout' },
    });
    expect(Object.keys(forwarded!['request'] as object).sort()).toEqual(['headers', 'method', 'url']);
    expect(forwarded).not.toHaveProperty('breadcrumbs');
    expect(await droppedCount(relay, 'sentry_attachment')).toBe(1);
    expect(await droppedCount(relay, 'sentry_session')).toBe(1);
    expect(await droppedCount(relay, 'sentry_other')).toBe(1);
  });

  it('takes the key from X-Sentry-Auth or the envelope DSN as well as the query', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme` });
    const event = JSON.stringify(sentryEvent());
    const viaHeader = await post(relay, envelopePath(''), envelope([{ header: { type: 'event' }, payload: event }]), {
      'x-sentry-auth': `Sentry sentry_version=7, sentry_client=raven-node/2.6.4, sentry_key=${KEY}`,
    });
    expect(viaHeader.status).toBe(200);
    const viaDsn = await post(relay, envelopePath(''), envelope([{ header: { type: 'event' }, payload: event }], { event_id: EVENT_ID, dsn: `https://${KEY}@o1.ingest.sentry.io/42` }));
    expect(viaDsn.status).toBe(200);
    expect(await droppedCount(relay, 'no_consent')).toBe(2);
  });

  it('refuses a request without a key (401) and an unknown key when no default company is set (403)', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme` });
    const body = envelope([{ header: { type: 'event' }, payload: JSON.stringify(sentryEvent()) }]);
    const missing = await post(relay, envelopePath(''), body);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ detail: 'missing authorization information' });
    const unknown = await post(relay, envelopePath('?sentry_key=someoneelse'), body);
    expect(unknown.status).toBe(403);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/^event submission rejected/);
    const badProject = await post(relay, `/api/not%20a%20project/envelope/?sentry_key=${KEY}`, body);
    expect(badProject.status).toBe(400);
  });

  it('needs the ingest token for an unmapped key when one is configured', async () => {
    const relay = await startRelay({ RELAY_DEFAULT_COMPANY: 'acme', RELAY_INGEST_TOKEN: 'ingest-secret', RELAY_SENTRY_KEYS: `${KEY}=acme` });
    const body = envelope([{ header: { type: 'event' }, payload: JSON.stringify(sentryEvent()) }]);
    expect((await post(relay, envelopePath('?sentry_key=unmapped'), body)).status).toBe(403);
    expect((await post(relay, envelopePath('?sentry_key=unmapped'), body, { authorization: 'Bearer ingest-secret' })).status).toBe(200);
    expect((await post(relay, envelopePath(), body)).status).toBe(200);
  });

  it.each([
    ['an empty body', '', /envelope header is missing/],
    ['a header that is not JSON', 'not json\n', /envelope header is not valid JSON/],
    ['an item without a type', `{}\n{"length":2}\n{}\n`, /item 0 header: field "type" is required/],
    ['a length past the end', `{}\n{"type":"event","length":500}\n{}\n`, /item 0: payload is shorter than its "length"/],
    ['a payload longer than its length', `{}\n{"type":"event","length":1}\n{}\n`, /item 0: payload is longer than its "length"/],
    ['an event that is not JSON', `{}\n{"type":"event"}\nnope\n`, /item 0 \(event\) payload is not valid JSON/],
  ])('answers 400 naming the problem for %s', async (_name, body, detail) => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme` });
    const response = await post(relay, envelopePath(), body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(detail);
  });

  it('answers 413 in Sentry form for a body over the limit, compressed or not', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme`, RELAY_MAX_BODY_BYTES: '2048' });
    const big = envelope([{ header: { type: 'event' }, payload: JSON.stringify(sentryEvent({ extra: { blob: 'x'.repeat(5000) } })) }]);
    const plain = await post(relay, envelopePath(), big);
    expect(plain.status).toBe(413);
    expect(await plain.json()).toHaveProperty('detail');
    expect((await post(relay, envelopePath(), deflateSync(big), { 'content-encoding': 'deflate' })).status).toBe(413);
  });

  it('answers 429 with Retry-After when the buffer is full, so Sentry SDKs back off', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme`, RELAY_MAX_BUFFER_BYTES: '1024' });
    await setConsent(relay, 'acme', true, false);
    const response = await post(relay, envelopePath(), envelope([{ header: { type: 'event' }, payload: JSON.stringify(sentryEvent({ extra: { note: 'y'.repeat(3000) } })) }]));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(response.headers.get('x-sentry-rate-limits')).toMatch(/^\d+::organization$/);
  });
});

describe('load shedding on the SDK routes', () => {
  it('answers 429 in Sentry form and 503 with Retry-After for OTLP while RELAY_MAX_INFLIGHT requests are in flight', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme`, RELAY_MAX_INFLIGHT: '1' });
    await setConsent(relay, 'acme', true, false);
    // One ingest request whose body never finishes holds the only slot.
    const held = request(`${relay.url}/v1/errors`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
    held.on('error', () => {});
    held.write('{"level":');
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      const sentry = await post(relay, envelopePath(), envelope([{ header: { type: 'event' }, payload: JSON.stringify(sentryEvent()) }]));
      expect(sentry.status).toBe(429);
      expect(sentry.headers.get('retry-after')).toBe('1');
      expect(sentry.headers.get('x-sentry-rate-limits')).toBe('1::organization');
      const otlp = await post(relay, '/v1/traces', JSON.stringify(otlpTraces('acme', [exceptionSpan])), { 'content-type': 'application/json' });
      expect(otlp.status).toBe(503);
      expect(otlp.headers.get('retry-after')).toBe('1');
    } finally {
      held.destroy();
    }
    await waitFor(async () => (await post(relay, envelopePath(), envelope([{ header: { type: 'event' }, payload: JSON.stringify(sentryEvent()) }]))).status === 200);
  });
});

describe('Sentry store endpoint', () => {
  it('accepts a JSON event and a base64 zlib event, answering {"id"}', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: `${KEY}=acme` });
    await setConsent(relay, 'acme', true, false);
    const auth = { 'x-sentry-auth': `Sentry sentry_key=${KEY}, sentry_version=7` };
    const json = await post(relay, '/api/42/store/', JSON.stringify(sentryEvent()), auth);
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ id: EVENT_ID });
    const other = '0123456789abcdef0123456789abcdef';
    const encoded = deflateSync(Buffer.from(JSON.stringify(sentryEvent({ event_id: other })))).toString('base64');
    const legacy = await post(relay, '/api/42/store/', encoded, auth);
    expect(await legacy.json()).toEqual({ id: other });
    await waitFor(() => upstream.events().length === 2, 10_000, 'delivery');
    expect(findPlanted(upstream.requests.map((request) => request.text).join('\n'))).toEqual([]);
  });
});

function otlpTraces(company: string | undefined, spans: Record<string, unknown>[]): Record<string, unknown> {
  const attributes = company === undefined ? [] : [{ key: 'company.id', value: { stringValue: company } }];
  return { resourceSpans: [{ resource: { attributes }, scopeSpans: [{ scope: { name: 's' }, spans }] }] };
}

const exceptionSpan = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  name: 'job',
  startTimeUnixNano: '1795427278000000000',
  endTimeUnixNano: '1795427278250000000',
  events: [
    {
      timeUnixNano: '1795427278100000000',
      name: 'exception',
      attributes: [
        { key: 'exception.type', value: { stringValue: 'TypeError' } },
        { key: 'exception.message', value: { stringValue: `bad input from ${PLANTED.email}` } },
      ],
    },
  ],
};

describe('OTLP/HTTP endpoints', () => {
  it('answers {} for a fully accepted JSON export and maps ids and times', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const response = await post(relay, '/v1/traces', JSON.stringify(otlpTraces('acme', [exceptionSpan, { name: 'plain' }])), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    await waitFor(() => upstream.events().length === 1, 10_000, 'delivery');
    expect(upstream.events()[0]).toMatchObject({
      timestamp: '2026-11-23T09:47:58.100Z',
      trace: { trace_id: '5b8efff798038103d269b633813fc60c', span_id: 'eee19b7ec3c1b174' },
      performance: { duration_ms: 250 },
      error: { type: 'TypeError' },
    });
    expect(findPlanted(upstream.requests[0]!.text)).toEqual([]);
  });

  it('reports exception records without a company as rejected, in JSON and in protobuf', async () => {
    const relay = await startRelay();
    const json = await post(relay, '/v1/traces', JSON.stringify(otlpTraces(undefined, [exceptionSpan, { name: 'plain' }])), { 'content-type': 'application/json' });
    expect(json.status).toBe(200);
    const body = (await json.json()) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe(1);
    expect(body.partialSuccess.errorMessage).toContain('company.id');

    const logs = {
      resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: [{ severityNumber: 17, body: { stringValue: 'boom' } }, { severityNumber: 9 }] }] }],
    };
    const protobufBody = encodeLogsRequest(logs);
    const proto = await post(relay, '/v1/logs', protobufBody, { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    const decoded = decodeOtlpResponse('logs', new Uint8Array(await proto.arrayBuffer()));
    expect(decoded).toMatchObject({ partialSuccess: { rejectedLogRecords: 1 } });
  });

  it('answers a fully accepted protobuf export with an empty body', async () => {
    const relay = await startRelay({ RELAY_DEFAULT_COMPANY: 'acme' });
    const response = await post(relay, '/v1/logs', encodeLogsRequest({ resourceLogs: [] }), { 'content-type': 'application/x-protobuf' });
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 415 for other media types, 400 for undecodable bodies, 401 without the ingest token', async () => {
    const relay = await startRelay({ RELAY_INGEST_TOKEN: 'ingest-secret' });
    const auth = { authorization: 'Bearer ingest-secret' };
    expect((await post(relay, '/v1/traces', '{}', { ...auth, 'content-type': 'text/plain' })).status).toBe(415);
    const badJson = await post(relay, '/v1/traces', '{"resourceSpans": [', { ...auth, 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ code: 3 });
    const badProto = await post(relay, '/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { ...auth, 'content-type': 'application/x-protobuf' });
    expect(badProto.status).toBe(400);
    expect(badProto.headers.get('content-type')).toBe('application/x-protobuf');
    const unauthorised = await post(relay, '/v1/traces', '{}', { 'content-type': 'application/json' });
    expect(unauthorised.status).toBe(401);
  });

  it('answers 503 with Retry-After when the buffer is full', async () => {
    const relay = await startRelay({ RELAY_MAX_BUFFER_BYTES: '1024' });
    await setConsent(relay, 'acme', true, false);
    const span = { ...exceptionSpan, name: 'z'.repeat(3000) };
    const response = await post(relay, '/v1/traces', JSON.stringify(otlpTraces('acme', [span])), { 'content-type': 'application/json' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

// The OTLP protobuf exporter is exercised in otel-sdk.test.ts; here a minimal encoder builds the
// exact bodies the cases above need.
function encodeLogsRequest(request: { resourceLogs: unknown[] }): Buffer {
  const varint = (value: number) => {
    const bytes: number[] = [];
    while (value > 0x7f) {
      bytes.push((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    bytes.push(value);
    return Buffer.from(bytes);
  };
  const field = (id: number, payload: Buffer) => Buffer.concat([varint((id << 3) | 2), varint(payload.length), payload]);
  const intField = (id: number, value: number) => Buffer.concat([varint(id << 3), varint(value)]);
  const resourceLogs = request.resourceLogs.map((resource) => {
    const scopeLogs = ((resource as { scopeLogs: { logRecords: { severityNumber: number; body?: { stringValue: string } }[] }[] }).scopeLogs ?? []).map((scope) => {
      const records = scope.logRecords.map((record) => {
        const parts = [intField(2, record.severityNumber)];
        if (record.body) parts.push(field(5, field(1, Buffer.from(record.body.stringValue))));
        return field(2, Buffer.concat(parts));
      });
      return field(2, Buffer.concat(records));
    });
    return field(1, Buffer.concat([field(1, Buffer.alloc(0)), ...scopeLogs]));
  });
  const body = Buffer.concat(resourceLogs);
  // Sanity: the relay's own decoder reads what this encoder wrote.
  decodeOtlpProtobuf('logs', body);
  return body;
}
