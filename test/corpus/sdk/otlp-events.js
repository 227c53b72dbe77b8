// OTLP/HTTP JSON export requests (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)
// from GenAI instrumentation: flat dotted attributes of the OpenTelemetry GenAI conventions,
// OpenLLMetry, OpenInference and the Vercel AI SDK, GenAI span events and log bodies, each span
// with an `exception` event so that the relay maps it to an error trace.
import { EMBED } from './planting.js';
import { hex, technicalValue } from './zones.js';

/** A JSON value → an OTLP `AnyValue`. */
export function anyValue(value) {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return { kvlistValue: { values: Object.entries(value).map(([key, inner]) => ({ key, value: anyValue(inner) })) } };
}

const kvs = (object) => Object.entries(object).map(([key, value]) => ({ key, value: anyValue(value) }));

function messages(p, path, key) {
  const user = p.content(path, p.text(undefined, 'prompt'), 'json-in-string', key);
  return JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: user }] }]);
}

/**
 * Span attributes one GenAI instrumentation family sets, content and technical, labelled at
 * `attributes.<key>`; the family is drawn at random.
 */
function genAiAttributes(p) {
  const at = (key) => `attributes.${key}`;
  const model = p.tech(at('gen_ai.request.model'), p.pick(['gpt-4o-mini', 'claude-sonnet-4', 'mistral-large-2411']), 'model');
  const common = {
    'gen_ai.operation.name': p.tech(at('gen_ai.operation.name'), 'chat', 'enum'),
    'gen_ai.request.model': model,
    'gen_ai.usage.input_tokens': p.tech(at('gen_ai.usage.input_tokens'), p.int(20, 9000), 'count'),
    'gen_ai.usage.output_tokens': p.tech(at('gen_ai.usage.output_tokens'), p.int(1, 4000), 'count'),
    'server.address': p.tech(at('server.address'), 'api.openai.com', 'host'),
    'server.port': p.tech(at('server.port'), 443, 'port'),
  };
  const text = (key, kind) => p.content(at(key), p.text(undefined, kind), 'plain', 'known');
  const families = [
    () => ({
      'gen_ai.input.messages': messages(p, at('gen_ai.input.messages'), 'known'),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text('gen_ai.output.messages', 'answer') }], finish_reason: 'stop' }]),
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: text('gen_ai.system_instructions', 'prompt') }]),
    }),
    () => ({
      'gen_ai.prompt.0.role': p.tech(at('gen_ai.prompt.0.role'), 'user', 'enum'),
      'gen_ai.prompt.0.content': text('gen_ai.prompt.0.content', 'prompt'),
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': text('gen_ai.completion.0.content', 'answer'),
    }),
    () => ({
      'ai.prompt.messages': messages(p, at('ai.prompt.messages'), 'known'),
      'ai.response.text': text('ai.response.text', 'answer'),
      'ai.model.provider': p.tech(at('ai.model.provider'), 'openai.chat', 'enum'),
    }),
    () => ({
      'input.value': text('input.value', 'question'),
      'input.mime_type': p.tech(at('input.mime_type'), 'text/plain', 'mime'),
      'output.value': text('output.value', 'answer'),
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': text('llm.input_messages.0.message.content', 'chat'),
    }),
    () => ({
      'traceloop.entity.input': JSON.stringify({ inputs: { question: text('traceloop.entity.input', 'question') } }),
      'traceloop.entity.output': JSON.stringify({ outputs: { answer: text('traceloop.entity.output', 'answer') } }),
      'traceloop.span.kind': p.tech(at('traceloop.span.kind'), 'workflow', 'enum'),
    }),
    () => ({
      'gen_ai.tool.name': p.tech(at('gen_ai.tool.name'), 'search_documents', 'identifier'),
      'gen_ai.tool.call.arguments': JSON.stringify({ query: p.content(at('gen_ai.tool.call.arguments'), p.text(undefined, 'question'), 'json-in-string', 'known'), top_k: 5 }),
      'gen_ai.tool.call.result': JSON.stringify([{ id: 'doc-17', text: text('gen_ai.tool.call.result', 'document') }]),
      'gen_ai.retrieval.query.text': text('gen_ai.retrieval.query.text', 'question'),
    }),
  ];
  return { ...common, ...p.pick(families)() };
}

/** Attributes under generated flat dotted names (`plivu.tramox`, `zk4`): content and technical. */
function generatedAttributes(p, h, vocab, path, count) {
  const attrs = {};
  for (let i = 0; i < count; i++) {
    const key = p.chance(0.5) ? `${vocab.key()}.${vocab.key()}` : vocab.key();
    if (p.chance(0.4)) {
      const picked = p.text();
      const form = p.pick(['plain', 'plain', 'json-in-string', 'percent-encoded']);
      p.content(`${path}.${key}`, picked, form);
      attrs[key] = form === 'plain' ? picked.text : EMBED[form](picked.text, p, `${path}.${key}`);
    } else {
      const tech = technicalValue(p, h);
      attrs[key] = p.tech(`${path}.${key}`, tech.value, tech.what);
    }
  }
  return attrs;
}

function resource(p, h, company) {
  return {
    attributes: kvs({
      'service.name': p.tech('resource.service.name', p.pick(['assistant-api', 'rag-worker', 'support-bot']), 'service'),
      'service.version': p.tech('resource.service.version', p.pick(h.packages).version, 'version'),
      'company.id': company,
      'process.runtime.name': p.tech('resource.process.runtime.name', 'nodejs', 'runtime'),
      'process.runtime.version': p.tech('resource.process.runtime.version', h.node.versions.node, 'version'),
      'os.type': p.tech('resource.os.type', h.node.platform, 'os'),
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': p.tech('resource.telemetry.sdk.language', 'nodejs', 'enum'),
      'telemetry.sdk.version': p.tech('resource.telemetry.sdk.version', h.otelVersion, 'version'),
    }),
  };
}

function exceptionAttributes(p, h, path) {
  const error = p.pick(h.nodeErrors);
  const message = p.chance(0.4)
    ? EMBED['quoted-in-error'](p.content(`${path}.exception.message`, p.text(undefined, 'prompt'), 'quoted-in-error', 'known'), p, `${path}.exception.message`)
    : p.tech(`${path}.exception.message`, error.message.split('\n')[0], 'error message');
  const frame = error.frames[0];
  if (frame !== undefined) p.tech(`${path}.exception.stacktrace`, frame.file, 'file path');
  return { 'exception.type': p.tech(`${path}.exception.type`, error.type, 'error type'), 'exception.message': message, 'exception.stacktrace': error.stack };
}

/** One `ExportTraceServiceRequest` with a failed GenAI span, its events, and a plain span. */
export function traceRequest(p, h, vocab, ids, company) {
  const start = BigInt(ids.ms) * 1_000_000n - 2_400_000_000n;
  const end = BigInt(ids.ms) * 1_000_000n;
  const spanAttributes = { ...genAiAttributes(p), ...generatedAttributes(p, h, vocab, 'attributes', 4) };
  const events = [
    { timeUnixNano: String(start + 1000n), name: 'gen_ai.user.message', attributes: kvs({ content: p.content('events.gen_ai.user.message.content', p.text(undefined, 'chat'), 'plain', 'known') }) },
    { timeUnixNano: String(end - 1000n), name: 'gen_ai.choice', attributes: kvs({ index: 0, message: JSON.stringify({ role: 'assistant', content: p.content('events.gen_ai.choice.message', p.text(undefined, 'answer'), 'json-in-string', 'known') }) }) },
    { timeUnixNano: String(end), name: 'exception', attributes: kvs({ ...exceptionAttributes(p, h, 'events.exception'), ...generatedAttributes(p, h, vocab, 'events.exception', 2) }) },
  ];
  const span = {
    traceId: p.tech('span.traceId', ids.traceId, 'trace id'),
    spanId: p.tech('span.spanId', ids.spanId, 'span id'),
    name: p.tech('span.name', `chat ${spanAttributes['gen_ai.request.model']}`, 'span name'),
    kind: 3,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(end),
    attributes: kvs(spanAttributes),
    events,
    status: { code: 2, message: p.tech('span.status.message', p.pick(['Error code: 400', 'timeout', 'rate_limit_exceeded']), 'status message') },
  };
  const plain = { traceId: ids.traceId, spanId: hex(p, 16), name: 'retrieve', kind: 1, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 5_000_000n), attributes: kvs({ 'gen_ai.retrieval.documents': p.content('plain-span.gen_ai.retrieval.documents', p.text(undefined, 'document'), 'plain', 'known') }) };
  return {
    resourceSpans: [
      { resource: resource(p, h, company), scopeSpans: [{ scope: { name: p.tech('scope.name', '@opentelemetry/instrumentation-openai', 'package'), version: p.tech('scope.version', '0.4.0', 'version') }, spans: [span, plain] }] },
    ],
  };
}

/** One `ExportLogsServiceRequest`: an ERROR record with a string or structured body, and an INFO one. */
export function logsRequest(p, h, vocab, ids, company) {
  const time = String(BigInt(ids.ms) * 1_000_000n);
  const structured = p.chance(0.4);
  const withException = p.chance(0.5);
  let body;
  if (structured) {
    const key = vocab.key();
    body = anyValue({ [key]: p.content(`body.${key}`, p.text(undefined, 'answer'), 'log-body'), finish_reason: 'stop', index: 0 });
  } else if (withException || p.chance(0.5)) {
    body = { stringValue: `LLM call failed, prompt was: ${p.content('body', p.text(undefined, 'prompt'), 'log-body', 'sdk')}` };
  } else {
    body = { stringValue: p.tech('body', p.pick(h.nodeErrors).message.split('\n')[0], 'error message') };
  }
  const attrs = {
    ...(withException ? exceptionAttributes(p, h, 'attributes') : {}),
    'gen_ai.provider.name': p.tech('attributes.gen_ai.provider.name', 'openai', 'enum'),
    ...generatedAttributes(p, h, vocab, 'attributes', 4),
  };
  const record = {
    timeUnixNano: time,
    observedTimeUnixNano: time,
    severityNumber: 17,
    // The severity text names the error only when no exception.type does.
    severityText: withException ? 'ERROR' : p.tech('severityText', 'ERROR', 'enum'),
    body,
    attributes: kvs(attrs),
    eventName: p.tech('eventName', 'gen_ai.client.inference.operation.details', 'event name'),
    traceId: p.tech('traceId', ids.traceId, 'trace id'),
    spanId: p.tech('spanId', ids.spanId, 'span id'),
  };
  const info = { timeUnixNano: time, severityNumber: 9, severityText: 'INFO', body: { stringValue: p.content('info.body', p.text(undefined, 'chat'), 'log-body', 'sdk') } };
  return {
    resourceLogs: [
      { resource: resource(p, h, company), scopeLogs: [{ scope: { name: p.tech('scope.name', 'opentelemetry.instrumentation.openai_v2', 'package'), version: p.tech('scope.version', '2.1b0', 'version') }, logRecords: [record, info] }] },
    ],
  };
}
