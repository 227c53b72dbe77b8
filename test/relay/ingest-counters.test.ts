import { describe, expect, it } from 'vitest';
import { DROP_REASONS, INGEST_REFUSALS, type Metrics } from '../../relay/observe/metrics.js';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { useTestApps, type TestAppOptions } from '../helpers/test-app.js';

const makeApp = useTestApps();
type Options = TestAppOptions;
type App = ReturnType<typeof makeApp>;
const json = { 'content-type': 'application/json' };
const event = () => JSON.stringify(plantedErrorEvent());
const send = (app: App, path: string, body: string | Uint8Array, headers: Record<string, string> = json) =>
  app.app.request(path, { method: 'POST', body, headers });
const envelope = (items: string) => `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n${items}`;
const sentryEvent = '{"type":"event"}\n{"level":"error","exception":{"values":[{"type":"E","value":"boom"}]}}\n';
const otlpLogs = (attributes: unknown[], severityNumber: number) =>
  JSON.stringify({ resourceLogs: [{ resource: { attributes }, scopeLogs: [{ logRecords: [{ severityNumber, body: { stringValue: 'x' } }] }] }] });

function stream(first: string, then: 'hold' | 'fail'): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
      if (then === 'fail') setTimeout(() => controller.error(new Error('client went away')), 10);
    },
  });
}

function streamed(app: App, body: ReadableStream<Uint8Array>): Promise<Response> {
  return Promise.resolve(app.app.request(new Request('http://relay/v1/errors', { method: 'POST', body, headers: json, duplex: 'half' })));
}

/** One way to make each ingest refusal happen. */
const REFUSALS: Record<string, { options?: Options; trigger: (app: App) => Promise<Response> | Response }> = {
  '401 unauthorized': { options: { env: { RELAY_INGEST_TOKEN: 'ingest-secret' } }, trigger: (app) => send(app, '/v1/errors', event()) },
  '403 forbidden_company': {
    options: { env: { RELAY_INGEST_TOKENS: 'tok-acme-0001=acme' } },
    trigger: (app) => send(app, '/v1/errors', JSON.stringify(plantedErrorEvent({ company_id: 'globex' })), { ...json, authorization: 'Bearer tok-acme-0001' }),
  },
  '400 sentry_auth': { trigger: (app) => send(app, '/api/a.b/envelope/?sentry_key=abc', envelope(sentryEvent), {}) },
  '401 sentry_auth': { trigger: (app) => send(app, '/api/42/envelope/', envelope(sentryEvent), {}) },
  '403 sentry_auth': { trigger: (app) => send(app, '/api/42/envelope/?sentry_key=unknown', envelope(sentryEvent), {}) },
  '408 body_timeout': { options: { env: { RELAY_BODY_TIMEOUT: '1' } }, trigger: (app) => streamed(app, stream('[', 'hold')) },
  '400 body_incomplete': { trigger: (app) => streamed(app, stream('[', 'fail')) },
  '413 body_too_large': { options: { env: { RELAY_MAX_BODY_BYTES: '1024' } }, trigger: (app) => send(app, '/v1/errors', 'x'.repeat(2048)) },
  '415 missing_media_type': { trigger: (app) => send(app, '/v1/errors', new TextEncoder().encode(event()), {}) },
  '415 unsupported_media_type': { trigger: (app) => send(app, '/v1/errors', event(), { 'content-type': 'text/plain' }) },
  '415 unsupported_charset': { trigger: (app) => send(app, '/v1/errors', event(), { 'content-type': 'application/json; charset=utf-16' }) },
  '415 unsupported_encoding': { trigger: (app) => send(app, '/v1/errors', event(), { ...json, 'content-encoding': 'br' }) },
  '400 bad_encoding': { trigger: (app) => send(app, '/v1/errors', 'not gzip', { ...json, 'content-encoding': 'gzip' }) },
  '400 invalid_utf8': { trigger: (app) => send(app, '/v1/errors', new Uint8Array([0x7b, 0xff, 0x7d])) },
  '400 empty_body': { trigger: (app) => send(app, '/v1/errors', '  ') },
  '400 invalid_json': { trigger: (app) => send(app, '/v1/errors', '{') },
  '400 empty_batch': { trigger: (app) => send(app, '/v1/errors', '[]') },
  '413 batch_too_large': { options: { env: { RELAY_MAX_BATCH_EVENTS: '1' } }, trigger: (app) => send(app, '/v1/errors', `[${event()},${event()}]`) },
  '400 invalid_event': { trigger: (app) => send(app, '/v1/errors', JSON.stringify(plantedErrorEvent({ timestamp: undefined }))) },
  '413 invalid_event': {
    options: { env: { RELAY_MAX_STRING_LENGTH: '256' } },
    trigger: (app) => send(app, '/v1/errors', JSON.stringify(plantedErrorEvent({ extra: { note: 'x'.repeat(300) } }))),
  },
  '400 invalid_envelope': { options: { env: { RELAY_DEFAULT_COMPANY: 'acme' } }, trigger: (app) => send(app, '/api/42/envelope/?sentry_key=abc', 'not an envelope', {}) },
  '400 invalid_protobuf': { trigger: (app) => send(app, '/v1/logs', new Uint8Array([0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' }) },
  '503 overloaded': { options: { loopDelayMs: 1e6 }, trigger: (app) => send(app, '/v1/errors', event()) },
  '503 shutting_down': { options: { draining: true }, trigger: (app) => send(app, '/v1/errors', event()) },
  '503 buffer_full': {
    options: { env: { RELAY_MAX_BUFFER_BYTES: '2048' } },
    trigger: async (app) => {
      let response = await send(app, '/v1/errors', event());
      for (let i = 0; i < 20 && response.status === 202; i++) response = await send(app, '/v1/errors', event());
      return response;
    },
  },
  '503 storage_unavailable': {
    trigger: (app) => {
      app.stores.db.pragma(`max_page_count = ${app.stores.db.pragma('page_count', { simple: true }) as number}`);
      return send(app, '/v1/errors', JSON.stringify(Array.from({ length: 50 }, () => plantedErrorEvent({ extra: { note: 'y'.repeat(4000) } }))));
    },
  },
};
// Failures of the relay itself, which no request can cause on purpose: covered where they are raised.
const NOT_TRIGGERED_HERE = new Set(['503 scrub_worker_failed', '500 internal']);

/** One way to make each ingest drop happen (the forwarder's and retention's reasons are tested with them). */
const DROPS: Record<string, { options?: Options; trigger: (app: App) => Promise<Response> | Response }> = {
  no_consent: { trigger: (app) => send(app, '/v1/errors', JSON.stringify(plantedErrorEvent({ company_id: 'umbrella' }))) },
  telemetry_disabled: { options: { env: { TELEMETRY_ENABLED: 'false' } }, trigger: (app) => send(app, '/v1/errors', event()) },
  no_destination: { options: { env: { DIAGNOSTICS_ENDPOINT: '' } }, trigger: (app) => send(app, '/v1/errors', event()) },
  evicted: {
    options: { env: { RELAY_MAX_BUFFER_BYTES: '4096', RELAY_WHEN_FULL: 'drop_oldest' } },
    trigger: async (app) => {
      for (let i = 0; i < 10; i++) await send(app, '/v1/errors', event());
      return send(app, '/v1/errors', event());
    },
  },
  no_company: { trigger: (app) => send(app, '/v1/logs', otlpLogs([], 17)) },
  otlp_invalid: { trigger: (app) => send(app, '/v1/logs', otlpLogs([{ key: 'company.id', value: { stringValue: '../x' } }], 17)) },
  otlp_span: {
    trigger: (app) => send(app, '/v1/traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'GET /' }] }] }] })),
  },
  otlp_log: { trigger: (app) => send(app, '/v1/logs', otlpLogs([{ key: 'company.id', value: { stringValue: 'acme' } }], 9)) },
  sentry_session: {
    options: { env: { RELAY_DEFAULT_COMPANY: 'acme' } },
    trigger: (app) => send(app, '/api/42/envelope/?sentry_key=abc', envelope('{"type":"session"}\n{}\n'), {}),
  },
  sentry_other: {
    options: { env: { RELAY_DEFAULT_COMPANY: 'acme' } },
    trigger: (app) => send(app, '/api/42/envelope/?sentry_key=abc', envelope('{"type":"made_up_type"}\n{}\n'), {}),
  },
};
// The forwarder's and retention's reasons, a scrubber failure, and each Sentry item type beyond the two above.
const DROPS_ELSEWHERE = new Set(['scrub_failed', 'expired', 'revoked', 'dead_letter']);

async function rejectedCount(metrics: Metrics, status: string, code: string): Promise<number> {
  const values = (await metrics.rejected.get()).values;
  return values.filter((value) => value.labels['status'] === status && value.labels['code'] === code).reduce((sum, value) => sum + value.value, 0);
}

async function droppedCount(metrics: Metrics, reason: string): Promise<number> {
  return (await metrics.dropped.get()).values.find((value) => value.labels['reason'] === reason)?.value ?? 0;
}

describe('every drop and refusal on ingest is counted', () => {
  it('exports every known reason at 0 before the first event', async () => {
    const { app } = makeApp();
    const text = await (await app.request('/metrics')).text();
    for (const reason of DROP_REASONS) expect(text).toContain(`relay_events_dropped_total{reason="${reason}"} 0`);
    for (const { status, code } of INGEST_REFUSALS) expect(text).toContain(`relay_requests_rejected_total{status="${status}",code="${code}"} 0`);
  });

  it('has a trigger here for every refusal the relay can be made to answer', () => {
    const listed = INGEST_REFUSALS.map(({ status, code }) => `${status} ${code}`).sort();
    expect([...Object.keys(REFUSALS), ...NOT_TRIGGERED_HERE].sort()).toEqual(listed);
  });

  it.each(Object.entries(REFUSALS))('counts %s in relay_requests_rejected_total', async (name, { options, trigger }) => {
    const [status, code] = name.split(' ') as [string, string];
    const app = makeApp(options);
    const response = await trigger(app);
    const answered = response.status === 429 ? '503' : String(response.status);
    expect(answered).toBe(status);
    expect(await rejectedCount(app.metrics, status, code)).toBe(1);
  });

  it('has a trigger here for every ingest drop reason', () => {
    const sentryTypes = DROP_REASONS.filter((reason) => reason.startsWith('sentry_') && !(reason in DROPS));
    expect([...Object.keys(DROPS), ...DROPS_ELSEWHERE, ...sentryTypes].sort()).toEqual([...DROP_REASONS].sort());
  });

  it.each(Object.entries(DROPS))('counts %s in relay_events_dropped_total', async (reason, { options, trigger }) => {
    const app = makeApp(options);
    const response = await trigger(app);
    expect(response.status).toBeLessThan(300);
    expect(await droppedCount(app.metrics, reason)).toBeGreaterThan(0);
  });

  it('tells an OTLP exporter how to set the company of records it refused', async () => {
    const app = makeApp();
    const response = await send(app, '/v1/logs', otlpLogs([], 17));
    const body = (await response.json()) as { partialSuccess: { rejectedLogRecords: number; errorMessage: string } };
    expect(body.partialSuccess.rejectedLogRecords).toBe(1);
    expect(body.partialSuccess.errorMessage).toMatch(/company\.id.*RELAY_DEFAULT_COMPANY.*RELAY_INGEST_TOKENS/);
  });
});
