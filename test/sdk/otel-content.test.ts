import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OTLPLogExporterJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { findTexts } from '../corpus/sdk/check.js';
import { loadCorpus } from '../corpus/sdk/replay.js';
import { TEXTS } from '../corpus/sdk/texts.js';
import { setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));
const shutdowns: (() => Promise<void>)[] = [];
// Registered after the relays' hook, so it runs before it: the exporters shut down while their relay is up.
afterEach(async () => {
  for (const shutdown of shutdowns.splice(0)) await shutdown();
});

// Attribute names from the corpus's generated vocabulary, which no rule mentions.
const generated = loadCorpus().keys.filter((key) => key.includes('.') || key.includes('_'));
const [flatKey, dottedKey, eventKey, logKey, bodyKey] = generated;

const T = {
  input: TEXTS.de.prompt[1]!,
  system: TEXTS.en.prompt[4]!.replace('{city}', 'Leeds'),
  output: TEXTS.fr.answer[0]!,
  prompt0: TEXTS.es.prompt[0]!.replace('{name}', 'Lucía Gómez'),
  completion0: TEXTS.it.answer[1]!,
  vercel: TEXTS.nl.chat[1]!,
  inputValue: TEXTS.pt.question[0]!,
  toolArgs: TEXTS.en.question[1]!,
  generatedFlat: TEXTS.de.document[2]!,
  generatedDotted: TEXTS.fr.document[1]!,
  userEvent: TEXTS.es.chat[0]!,
  choiceEvent: TEXTS.it.document[1]!,
  exception: TEXTS.nl.prompt[1]!,
  eventAttr: TEXTS.pt.answer[1]!,
  logBody: TEXTS.en.chat[0]!,
  logAttr: TEXTS.de.answer[0]!,
  logStructured: TEXTS.es.document[1]!,
};

const resource = () =>
  resourceFromAttributes({ 'service.name': 'rag-worker', 'service.version': '1.8.0', 'company.id': 'acme', 'process.runtime.name': 'nodejs', 'os.type': 'linux' });

const EXPORTERS = {
  json: { trace: OTLPTraceExporterJson, logs: OTLPLogExporterJson },
  protobuf: { trace: OTLPTraceExporterProto, logs: OTLPLogExporterProto },
} as const;

const wire = () => findTexts(Object.values(T), upstream.requests.map((request) => request.json));

describe.each(['json', 'protobuf'] as const)('OpenTelemetry SDK (%s) with GenAI instrumentation attributes', (protocol) => {
  it('forwards the failed LLM span without any prompt, answer or tool argument', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const provider = new BasicTracerProvider({ resource: resource(), spanProcessors: [new SimpleSpanProcessor(new EXPORTERS[protocol].trace({ url: `${relay.url}/v1/traces` }))] });
    shutdowns.push(() => provider.shutdown());
    const span = provider.getTracer('@opentelemetry/instrumentation-openai', '0.4.0').startSpan('chat gpt-4o-mini', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 812,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: T.input }] }]),
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: T.system }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: T.output }] }]),
        'gen_ai.prompt.0.content': T.prompt0,
        'gen_ai.completion.0.content': T.completion0,
        'ai.prompt.messages': JSON.stringify([{ role: 'user', content: T.vercel }]),
        'input.value': T.inputValue,
        'gen_ai.tool.call.arguments': JSON.stringify({ query: T.toolArgs, top_k: 5 }),
        [flatKey!]: T.generatedFlat,
        [`${dottedKey!}.0.content`]: T.generatedDotted,
      },
    });
    span.addEvent('gen_ai.user.message', { content: T.userEvent });
    span.addEvent('gen_ai.choice', { index: 0, message: JSON.stringify({ role: 'assistant', content: T.choiceEvent }) });
    const error = new Error(`could not parse "${T.exception}"`);
    error.name = 'OutputParserError';
    span.recordException(error);
    span.addEvent('exception', { 'exception.type': 'ToolError', 'exception.message': 'tool failed', [eventKey!]: T.eventAttr });
    span.end();
    await provider.forceFlush();

    await waitFor(() => upstream.events().length >= 2, 10_000, 'delivery of the span exceptions');
    expect(upstream.events().map((event) => (event['error'] as { type: string }).type).sort()).toEqual(['OutputParserError', 'ToolError']);
    expect(wire()).toEqual([]);
  });

  it('forwards error logs without their content, whether in the body or in attributes', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const provider = new LoggerProvider({ resource: resource(), processors: [new SimpleLogRecordProcessor({ exporter: new EXPORTERS[protocol].logs({ url: `${relay.url}/v1/logs` }) })] });
    shutdowns.push(() => provider.shutdown());
    const logger = provider.getLogger('opentelemetry.instrumentation.openai_v2', '2.1b0');
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: `LLM call failed, prompt was: ${T.logBody}`, attributes: { 'gen_ai.provider.name': 'openai', [logKey!]: T.logAttr } });
    logger.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      eventName: 'gen_ai.client.inference.operation.details',
      body: { [bodyKey!]: T.logStructured, finish_reason: 'error' },
      attributes: { 'exception.type': 'RateLimitError', 'exception.message': 'Error code: 429' },
    });
    await provider.forceFlush();

    await waitFor(() => upstream.events().length >= 2, 10_000, 'delivery of the error logs');
    expect(wire()).toEqual([]);
  });
});
