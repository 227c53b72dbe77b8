import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { findPlanted, PLANTED } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';
import { droppedCount, expectNothingSent, setConsent, useTestRelays } from '../helpers/in-process-relay.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));
const shutdowns: (() => Promise<void>)[] = [];

// Registered after the relays' hook, so it runs before it: the exporters shut down while their relay is up.
afterEach(async () => {
  for (const shutdown of shutdowns.splice(0)) await shutdown();
  delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
});

const resource = (company = 'acme') =>
  resourceFromAttributes({
    'service.name': 'checkout',
    'service.version': '2.3.1',
    'company.id': company,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': '20.20.2',
    'os.type': 'linux',
    'host.name': 'janes-laptop',
  });

const EXPORTERS = {
  json: { trace: OTLPTraceExporterJson, logs: OTLPLogExporterJson },
  protobuf: { trace: OTLPTraceExporterProto, logs: OTLPLogExporterProto },
} as const;

function tracer(protocol: keyof typeof EXPORTERS, url: string | undefined, company?: string) {
  const exporter = new EXPORTERS[protocol].trace(url === undefined ? {} : { url: `${url}/v1/traces` });
  const provider = new BasicTracerProvider({ resource: resource(company), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  shutdowns.push(() => provider.shutdown());
  return { tracer: provider.getTracer('checkout-service', '1.0.0'), flush: () => provider.forceFlush() };
}

function logger(protocol: keyof typeof EXPORTERS, url: string, company?: string) {
  const exporter = new EXPORTERS[protocol].logs({ url: `${url}/v1/logs` });
  const provider = new LoggerProvider({ resource: resource(company), processors: [new SimpleLogRecordProcessor({ exporter })] });
  shutdowns.push(() => provider.shutdown());
  return { logger: provider.getLogger('checkout-logger', '1.0.0'), flush: () => provider.forceFlush() };
}

function failingCharge(): Error {
  const error = new Error(`charge failed for ${PLANTED.email} from ${PLANTED.ipv4} card ${PLANTED.card}`);
  error.name = 'PaymentError';
  return error;
}

describe.each(['json', 'protobuf'] as const)('OpenTelemetry SDK with the OTLP/HTTP %s exporters', (protocol) => {
  it('turns a span exception into a scrubbed error trace with the span ids; plain spans are dropped', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const { tracer: t, flush } = tracer(protocol, relay.url);

    const span = t.startSpan('POST /checkout', {
      attributes: {
        'http.request.method': 'POST',
        'url.full': `https://shop.example/checkout?email=${PLANTED.email}`,
        'http.request.header.authorization': PLANTED.bearer,
        'user.id': PLANTED.userId,
        'user.email': PLANTED.email,
      },
    });
    span.recordException(failingCharge());
    span.end();
    t.startSpan(`plain span about ${PLANTED.prompt}`).end();
    await flush();

    await waitFor(() => upstream.events().length >= 1, 10_000, 'delivery');
    const wire = upstream.requests.map((request) => request.text).join('\n');
    expect(findPlanted(wire)).toEqual([]);
    expect(wire).not.toContain('janes-laptop');
    const [event] = upstream.events();
    const context = span.spanContext();
    expect(event).toMatchObject({
      level: 'error',
      error: { type: 'PaymentError' },
      trace: { trace_id: context.traceId, span_id: context.spanId },
      environment: { runtime: 'nodejs 20.20.2', os: 'linux', release: '2.3.1', service: 'checkout' },
      request: { method: 'POST' },
      extra: { span: { name: 'POST /checkout' } },
    });
    expect((event!['error'] as { stack: string }).stack).toContain('PaymentError');
    expect(event).not.toHaveProperty('user_id');
    expect(upstream.events()).toHaveLength(1);
    expect(await droppedCount(relay, 'otlp_span')).toBe(1);
  });

  it('turns error logs and logs with exception attributes into error traces; info logs are dropped', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const { logger: l, flush } = logger(protocol, relay.url);

    l.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: `payment declined for ${PLANTED.email}, card ${PLANTED.card}`,
      attributes: { password: PLANTED.password, 'order.id': 'ord-1' },
    });
    l.emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'retrying',
      attributes: { 'exception.type': 'TimeoutError', 'exception.message': `upstream ${PLANTED.ipv4} timed out`, 'exception.stacktrace': 'TimeoutError: upstream timed out\n    at call (/srv/app/pay.js:3:1)' },
    });
    l.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: PLANTED.prompt });
    await flush();

    await waitFor(() => upstream.events().length >= 2, 10_000, 'delivery');
    expect(findPlanted(upstream.requests.map((request) => request.text).join('\n'))).toEqual([]);
    const events = upstream.events();
    expect(events).toHaveLength(2);
    const byType = Object.fromEntries(events.map((event) => [(event['error'] as { type: string }).type, event]));
    expect(byType['ERROR']).toMatchObject({ level: 'error', extra: { attributes: { 'order.id': 'ord-1' } } });
    expect((byType['ERROR']!['error'] as { message: string }).message).toContain('payment declined for');
    expect(byType['TimeoutError']).toMatchObject({ level: 'warning', error: { stack: expect.stringContaining('/srv/app/pay.js:3:1') as unknown } });
    expect(await droppedCount(relay, 'otlp_log')).toBe(1);
  });

  it('forwards nothing for a company without consent', async () => {
    const relay = await startRelay();
    const { tracer: t, flush } = tracer(protocol, relay.url, 'initech');
    const span = t.startSpan('job');
    span.recordException(failingCharge());
    span.end();
    const { logger: l, flush: flushLogs } = logger(protocol, relay.url, 'initech');
    l.emit({ severityNumber: SeverityNumber.FATAL, body: `crash for ${PLANTED.email}` });
    await flush();
    await flushLogs();
    await waitFor(async () => (await droppedCount(relay, 'no_consent')) === 2, 5000, 'both events refused');
    expect(relay.stores.outbox.size().events).toBe(0);
    await expectNothingSent(upstream);
  });
});

describe('OTEL_EXPORTER_OTLP_ENDPOINT pointed at the relay', () => {
  it('is the only change an application needs', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = relay.url;
    const { tracer: t, flush } = tracer('protobuf', undefined);
    const span = t.startSpan('job');
    span.recordException(failingCharge());
    span.end();
    await flush();
    await waitFor(() => upstream.events().length === 1, 10_000, 'delivery');
    expect(findPlanted(upstream.requests[0]!.text)).toEqual([]);
  });
});
