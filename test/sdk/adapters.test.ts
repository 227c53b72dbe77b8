import { describe, expect, it } from 'vitest';
import { normaliseScanEvent, deriveScanResult } from '../../protocol/lakera-guard.js';
import { mapLogsRequest } from '../../relay/formats/otlp/logs.js';
import { anyValue, attributes, nanosToIso } from '../../relay/formats/otlp/common.js';
import { decodeOtlpProtobuf, encodeOtlpResponse, decodeOtlpResponse } from '../../relay/formats/otlp/protobuf.js';
import { mapTraceRequest } from '../../relay/formats/otlp/traces.js';
import { sentryKey } from '../../relay/formats/sentry/auth.js';
import { EnvelopeError, parseEnvelope } from '../../relay/formats/sentry/envelope.js';
import { mapSentryEvent } from '../../relay/formats/sentry/event.js';
import { checkEventShape } from '../../relay/formats/native/event-schemas.js';

const now = () => Date.parse('2026-11-23T12:00:00.000Z');

describe('parseEnvelope', () => {
  it('reads length-delimited payloads that contain newlines, and newline-delimited ones', () => {
    const event = '{\n"a": 1\n}';
    const body = Buffer.from(`{"event_id":"x"}\n{"type":"event","length":${Buffer.byteLength(event)}}\n${event}\n{"type":"client_report"}\n{"b":2}\n`);
    const envelope = parseEnvelope(body);
    expect(envelope.header).toEqual({ event_id: 'x' });
    expect(envelope.items.map((item) => [item.type, item.payload.toString()])).toEqual([
      ['event', event],
      ['client_report', '{"b":2}'],
    ]);
  });

  it('accepts a last payload without a trailing newline and an envelope with no items', () => {
    expect(parseEnvelope(Buffer.from('{}\n{"type":"event","length":2}\n{}')).items).toHaveLength(1);
    expect(parseEnvelope(Buffer.from('{}')).items).toEqual([]);
  });

  it('refuses more items than allowed', () => {
    expect(() => parseEnvelope(Buffer.from('{}\n{"type":"a"}\n{}\n{"type":"b"}\n{}\n'), 1)).toThrow(EnvelopeError);
  });
});

describe('sentryKey', () => {
  it('reads the header, then the query, then the DSN', () => {
    expect(sentryKey({ header: 'Sentry sentry_version=7, sentry_key=fromheader, sentry_secret=s', query: 'fromquery', dsn: undefined })).toBe('fromheader');
    expect(sentryKey({ header: undefined, query: 'fromquery', dsn: 'https://fromdsn@host/1' })).toBe('fromquery');
    expect(sentryKey({ header: undefined, query: undefined, dsn: 'https://fromdsn@host/1' })).toBe('fromdsn');
    expect(sentryKey({ header: 'Bearer x', query: 'bad key!', dsn: 'not a url' })).toBeUndefined();
  });
});

describe('mapSentryEvent', () => {
  const raw = {
    event_id: 'abcdefabcdefabcdefabcdefabcdefab',
    timestamp: 1795427278.5,
    level: 'fatal',
    release: 'app@1.0.0',
    environment: 'staging',
    exception: {
      values: [
        { type: 'RootCause', value: 'inner' },
        {
          type: 'TypeError',
          value: 'x is undefined',
          mechanism: { type: 'onuncaughtexception', handled: false },
          stacktrace: { frames: [{ filename: 'outer.js', function: 'main', lineno: 1 }, { abs_path: '/app/inner.js', filename: 'inner.js', function: 'run', lineno: 9, colno: 2, vars: { a: 1 }, pre_context: ['secret source'] }] },
        },
      ],
    },
    contexts: { os: { name: 'Linux', version: '6.1' }, runtime: { name: 'node', version: 'v20.20.2' }, trace: { trace_id: 'A'.repeat(32), span_id: 'b'.repeat(16) }, feature: { flag: true } },
    modules: { express: '4.21.2' },
    sdk: { name: 'sentry.javascript.node', version: '11.12.0' },
    user: { id: 42, email: 'x@example.com', ip_address: '203.0.113.1', username: 'x' },
    tags: [['region', 'eu']],
    server_name: 'janes-laptop',
  };

  it('maps the raised exception, reverses the frames to innermost-first and keeps vars', () => {
    const event = mapSentryEvent(raw, { companyId: 'acme', now });
    expect(event.error).toEqual({ type: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\n    at run (/app/inner.js:9:2)\n    at main (outer.js:1)' });
    expect(event.frames).toEqual([
      { file: '/app/inner.js', line: 9, column: 2, function: 'run', vars: { a: 1 } },
      { file: 'outer.js', line: 1, function: 'main' },
    ]);
    expect(event.extra).toMatchObject({ exception_chain: [{ type: 'RootCause', message: 'inner' }], mechanism: { type: 'onuncaughtexception', handled: false }, tags: { region: 'eu' }, contexts: { feature: { flag: true } } });
  });

  it('keeps only the user id, maps contexts to environment and trace, and drops the host name', () => {
    const event = mapSentryEvent(raw, { companyId: 'acme', now });
    expect(event).toMatchObject({
      event_id: raw.event_id,
      company_id: 'acme',
      user_id: '42',
      level: 'fatal',
      timestamp: '2026-11-23T09:47:58.500Z',
      environment: { runtime: 'node v20.20.2', os: 'Linux 6.1', release: 'app@1.0.0', deployment: 'staging', libraries: { express: '4.21.2', 'sentry.javascript.node': '11.12.0' } },
      trace: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) },
    });
    expect(JSON.stringify(event)).not.toMatch(/x@example\.com|203\.0\.113\.1|janes-laptop|secret source/);
    expect(checkEventShape('error', event)).toBeUndefined();
  });

  it('turns a message event into an error of type Message, with the clock for a missing timestamp', () => {
    const event = mapSentryEvent({ message: { formatted: 'disk almost full' }, level: 'warning' }, { companyId: undefined, now });
    expect(event).toMatchObject({ error: { type: 'Message', message: 'disk almost full', stack: '' }, level: 'warning', timestamp: '2026-11-23T12:00:00.000Z' });
    expect(checkEventShape('error', event)).toBeUndefined();
  });
});

describe('OTLP mapping', () => {
  it('converts AnyValues, bounded in depth and without bytes', () => {
    expect(anyValue({ intValue: '9007199254740993' })).toBe('9007199254740993');
    expect(anyValue({ kvlistValue: { values: [{ key: 'a', value: { arrayValue: { values: [{ boolValue: true }, { bytesValue: 'AAE=' }] } } }] } })).toEqual({ a: [true, null] });
    let deep: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 20; i += 1) deep = { arrayValue: { values: [deep] } };
    expect(JSON.stringify(anyValue(deep))).not.toContain('leaf');
    const attrs = attributes([{ key: '__proto__', value: { stringValue: 'x' } }]);
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
  });

  it('reads nanosecond times as strings or numbers; zero means unset', () => {
    expect(nanosToIso('1795427278123456789')).toBe('2026-11-23T09:47:58.123Z');
    expect(nanosToIso(0)).toBeUndefined();
    expect(nanosToIso('abc')).toBeUndefined();
  });

  it('counts spans without an exception event as not errors and drops user identity attributes', () => {
    const result = mapTraceRequest(
      {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'company.id', value: { stringValue: 'acme' } }, { key: 'host.name', value: { stringValue: 'janes-laptop' } }] },
            scopeSpans: [
              {
                spans: [
                  { name: 'plain' },
                  {
                    name: 'failing',
                    traceId: '0'.repeat(32),
                    attributes: [{ key: 'user.id', value: { stringValue: 'u1' } }, { key: 'user.email', value: { stringValue: 'x@example.com' } }],
                    events: [{ name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }],
                  },
                ],
              },
            ],
          },
        ],
      },
      { defaultCompany: undefined, now },
    );
    expect(result.notErrors).toBe(1);
    expect(result.events).toHaveLength(1);
    const [event] = result.events;
    expect(event).toMatchObject({ company_id: 'acme', user_id: 'u1', error: { type: 'Error', message: 'boom', stack: '' }, timestamp: '2026-11-23T12:00:00.000Z' });
    expect(event).not.toHaveProperty('trace');
    expect(JSON.stringify(event)).not.toMatch(/x@example\.com|janes-laptop/);
    expect(checkEventShape('error', event)).toBeUndefined();
  });

  it('maps severity to level and takes the default company for logs without company.id', () => {
    const result = mapLogsRequest(
      { resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 21, body: { kvlistValue: { values: [] } } }, { severityNumber: 13 }] }] }] },
      { defaultCompany: 'acme', now },
    );
    expect(result).toMatchObject({ notErrors: 1, rejected: 0 });
    expect(result.events[0]).toMatchObject({ company_id: 'acme', level: 'fatal', error: { type: 'Log', message: '' } });
  });

  it('encodes partial success responses and decodes what it encoded', () => {
    expect(encodeOtlpResponse('traces', 0, '')).toHaveLength(0);
    expect(decodeOtlpResponse('traces', encodeOtlpResponse('traces', 3, 'why'))).toEqual({ partialSuccess: { rejectedSpans: 3, errorMessage: 'why' } });
    expect(() => decodeOtlpProtobuf('traces', Buffer.from([0xff, 0xff]))).toThrow(/not a protobuf/);
  });
});

describe('Lakera Guard normaliser', () => {
  const guard = {
    flagged: true,
    breakdown: [
      { project_id: 'project-1', policy_id: 'policy-1', detector_id: 'detector-lakera-pinj-input', detector_type: 'prompt_attack', detected: true, message_id: 0 },
      { project_id: 'project-1', policy_id: 'policy-1', detector_id: 'detector-lakera-pii-email', detector_type: 'pii/email', detected: true, message_id: 0 },
      { project_id: 'project-1', policy_id: 'policy-1', detector_id: 'detector-lakera-links', detector_type: 'unknown_links', detected: false, message_id: 0 },
    ],
    payload: [{ start: 10, end: 30, text: 'jane@example.com', detector_type: 'pii/email', labels: ['pii/email'], message_id: 0 }],
    metadata: { request_uuid: 'ce8180b1-26bc-4177-9d7f-54ca7377378a' },
    dev_info: { git_revision: 'abc', timestamp: '2026-11-23T10:00:00Z' },
  };

  it('derives flagged, categories, threat level and detector names from a guard_response, and removes it', () => {
    const event = { timestamp: '2026-11-23T10:00:00Z', event_type: 'blocked', scan_result: { flagged: false, scores: { prompt_attack: 0.9 } }, guard_response: guard };
    const normalised = normaliseScanEvent(event) as Record<string, unknown>;
    expect(normalised).toEqual({
      timestamp: '2026-11-23T10:00:00Z',
      event_type: 'blocked',
      scan_result: { scores: { prompt_attack: 0.9 }, flagged: true, categories: ['prompt_attack', 'pii/email'], threat_level: 'high', detected_patterns: ['detector-lakera-pinj-input', 'detector-lakera-pii-email'] },
    });
    expect(JSON.stringify(normalised)).not.toMatch(/jane@example\.com|request_uuid|git_revision/);
    expect(event).toHaveProperty('guard_response');
    expect(checkEventShape('scan', normalised)).toBeUndefined();
  });

  it('accepts the raw response as scan_result itself and defaults event_type to scan', () => {
    const normalised = normaliseScanEvent({ timestamp: '2026-11-23T10:00:00Z', scan_result: guard }) as Record<string, unknown>;
    expect(normalised['event_type']).toBe('scan');
    expect(Object.keys(normalised['scan_result'] as object).sort()).toEqual(['categories', 'detected_patterns', 'flagged', 'threat_level']);
  });

  it('grades threat levels from detector types', () => {
    const level = (types: string[]) =>
      deriveScanResult({ flagged: true, breakdown: types.map((detector_type) => ({ detector_type, detected: true })) })?.threat_level;
    expect(level(['moderated_content/hate'])).toBe('medium');
    expect(level(['unknown_links'])).toBe('low');
    expect(deriveScanResult({ flagged: false, breakdown: [] })?.threat_level).toBe('none');
  });

  it('drops a malformed guard_response and leaves other events untouched', () => {
    const plain = { timestamp: '2026-11-23T10:00:00Z', event_type: 'scan', scan_result: { flagged: false } };
    expect(normaliseScanEvent(plain)).toBe(plain);
    const broken = normaliseScanEvent({ timestamp: '2026-11-23T10:00:00Z', event_type: 'scan', guard_response: { payload: [{ text: 'secret' }] } });
    expect(broken).toEqual({ timestamp: '2026-11-23T10:00:00Z', event_type: 'scan' });
    expect(checkEventShape('scan', broken)?.field).toBe('scan_result');
  });
});
