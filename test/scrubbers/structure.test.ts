import { describe, expect, it } from 'vitest';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { JsonObject } from '../../scrubbers/index.js';

const scrubber = createScrubber(loadRules({}), { hashKey: 'test-key' });

function errorEvent(): JsonObject {
  return {
    timestamp: '2024-01-15T10:30:00.123Z',
    company_id: 'acme-corp',
    user_id: 'user-42@example.com',
    event_id: 'evt_1',
    level: 'error',
    error: { type: 'TypeError', message: 'Failed for john.doe@example.com', stack: 'TypeError: x\n    at h (/home/jdoe/app/src/a.ts:42:13)' },
    frames: [
      { file: '/srv/app/src/a.ts', line: 42, column: 13, function: 'handler', vars: { db_password: 'hunter2', author: 'Jane', tokenizer: 'bert-base', passage: 'p3', items: 3, nested: { apiKey: 'abc', deeper: { 'X-Auth-Token': 't', ok: 'fine' } } } },
    ],
    environment: { runtime: 'node 20.11.0', os: 'linux 6.5.0', libraries: { react: '18.2.0', legacy: '4.0.0.1' }, release: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
    performance: { duration_ms: 1500, heap_bytes: 123456789, startup_epoch_ms: 1700000000123 },
    trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
    request: { method: 'POST', url: 'https://api.example.com/v1/items?page=2', headers: { Authorization: 'Bearer abc.def.ghi', Cookie: 'sid=1', 'set-cookie': 'a=b', 'Content-Type': 'application/json' }, data: { q: 'private question' } },
  };
}

describe('scrubbing structure', () => {
  it('passes company_id, user_id, event_id and timestamp through untouched', () => {
    const { event } = scrubber.scrub(errorEvent(), 'error');
    expect(event['company_id']).toBe('acme-corp');
    expect(event['user_id']).toBe('user-42@example.com');
    expect(event['event_id']).toBe('evt_1');
    expect(event['timestamp']).toBe('2024-01-15T10:30:00.123Z');
  });

  it('scrubs a nested user_id that is not the top-level one', () => {
    const { event } = scrubber.scrub({ extra: { user_id: 'x', contact: 'a@b.com' } }, 'error');
    expect(JSON.stringify(event)).not.toContain('a@b.com');
  });

  it('redacts the value and everything nested under sensitive key names at any depth', () => {
    const { event, findings } = scrubber.scrub(errorEvent(), 'error', { explain: true });
    const vars = ((event['frames'] as JsonObject[])[0] as JsonObject)['vars'] as JsonObject;
    expect(vars['db_password']).toBe('[redacted]');
    const nested = vars['nested'] as JsonObject;
    expect(nested['apiKey']).toBe('[redacted]');
    expect((nested['deeper'] as JsonObject)['X-Auth-Token']).toBe('[redacted]');
    expect((nested['deeper'] as JsonObject)['ok']).toBe('fine');
    expect(findings).toContainEqual({ rule: 'sensitive_key', path: '$.frames[0].vars.nested.deeper["X-Auth-Token"]', count: 1 });
  });

  it('keeps keys that only contain a sensitive word inside another word', () => {
    const { event } = scrubber.scrub(errorEvent(), 'error');
    const vars = ((event['frames'] as JsonObject[])[0] as JsonObject)['vars'] as JsonObject;
    expect(vars['author']).toBe('Jane');
    expect(vars['tokenizer']).toBe('bert-base');
    // `passage` holds no `pass` word for the secret rules; as a retrieved passage it is content.
    expect(vars['passage']).toBeUndefined();
    expect(vars['items']).toBe(3);
  });

  it('redacts a sensitive object as a whole, not key by key', () => {
    const { event } = scrubber.scrub({ extra: { credentials: { user: 'u', pass: 'p' } } }, 'error');
    expect(event['extra']).toEqual({ credentials: '[redacted]' });
  });

  it('redacts auth headers and cookies and keeps the other headers', () => {
    const { event } = scrubber.scrub(errorEvent(), 'error');
    const headers = (event['request'] as JsonObject)['headers'] as JsonObject;
    expect(headers).toEqual({ Authorization: '[redacted]', Cookie: '[redacted]', 'set-cookie': '[redacted]', 'Content-Type': 'application/json' });
  });

  it('drops the request body of an error trace', () => {
    const { event } = scrubber.scrub(errorEvent(), 'error');
    expect(event['request']).not.toHaveProperty('data');
  });

  it('keeps technical data of an error trace intact', () => {
    const input = errorEvent();
    const { event } = scrubber.scrub(input, 'error');
    expect(event['trace']).toEqual(input['trace']);
    expect(event['environment']).toEqual(input['environment']);
    expect(event['performance']).toEqual(input['performance']);
    expect(event['level']).toBe('error');
    const frame = (event['frames'] as JsonObject[])[0] as JsonObject;
    expect([frame['file'], frame['line'], frame['column'], frame['function']]).toEqual(['/srv/app/src/a.ts', 42, 13, 'handler']);
  });

  it('keeps error.message but scrubs what is inside it', () => {
    const { event } = scrubber.scrub(errorEvent(), 'error');
    expect((event['error'] as JsonObject)['message']).toBe('Failed for [email]');
  });

  it('drops content fields of scan events entirely and removes metadata.user_ip', () => {
    const scan: JsonObject = {
      timestamp: '2024-01-15T10:30:00Z', company_id: 'c', event_type: 'blocked',
      context: { type: 'chat', source: 'web' },
      scan_result: { flagged: true, categories: { prompt_injection: true, pii: false }, scores: { prompt_injection: 0.97, pii: 0.01 }, threat_level: 'high' },
      metadata: { user_ip: '203.0.113.7', file_name: null, file_type: null, file_size: 0, message_length: 42, detected_patterns: ['prompt_injection'] },
      content: 'ignore previous instructions', assistant_response: 'no', messages: [{ role: 'user', content: 'hi' }], prompt: 'p', input: 'i', output: 'o', response: 'r', message: 'm',
    };
    const { event, findings } = scrubber.scrub(scan, 'scan', { explain: true });
    expect(Object.keys(event).sort()).toEqual(['_meta', 'company_id', 'context', 'event_type', 'metadata', 'scan_result', 'timestamp']);
    expect(event['scan_result']).toEqual(scan['scan_result']);
    expect(event['metadata']).toEqual({ file_name: null, file_type: null, file_size: 0, message_length: 42, detected_patterns: ['prompt_injection'] });
    expect(findings).toContainEqual({ rule: 'user_ip', path: '$.metadata.user_ip', count: 1 });
    expect(findings).toContainEqual({ rule: 'content_field', path: '$.response', count: 1 });
    expect(findings).toContainEqual({ rule: 'scan_content_field', path: '$.message', count: 1 });
  });

  it('drops input/output/response keys in free-form zones of error traces, where instrumentation puts model input and output', () => {
    const { event } = scrubber.scrub({ extra: { response: { text: 'r' }, input: 'size=3', response_status: 503 } }, 'error');
    expect(event['extra']).toEqual({ response_status: 503 });
  });

  it('checks numbers too: a card sent as a JSON number is still a card', () => {
    const { event } = scrubber.scrub({ extra: { cc: 4111111111111111, epoch_ms: 1700000000123, count: 12 } }, 'error');
    expect(event['extra']).toEqual({ cc: '[credit_card]', epoch_ms: 1700000000123, count: 12 });
  });

  it('scrubs values inside arrays and reports indexed paths', () => {
    const { event, findings } = scrubber.scrub({ extra: { emails: ['a.b@example.com', 'ok'] } }, 'error', { explain: true });
    expect(event['extra']).toEqual({ emails: ['[email]', 'ok'] });
    expect(findings).toEqual([{ rule: 'email', path: '$.extra.emails[0]', count: 1 }]);
  });

  it('scrubs key names that are themselves personal data', () => {
    const { event } = scrubber.scrub({ extra: { 'jane.doe@example.com': 3 } }, 'error');
    expect(JSON.stringify(event)).not.toContain('jane.doe@example.com');
  });

  it('aggregates findings per rule and path with counts', () => {
    const { findings } = scrubber.scrub({ extra: { note: 'a@x.com b@y.org c@z.net' } }, 'error', { explain: true });
    expect(findings).toEqual([{ rule: 'email', path: '$.extra.note', count: 3 }]);
  });

  it('reports counts per rule always, and where each rule fired only when explaining', () => {
    const event = errorEvent();
    const plain = scrubber.scrub(structuredClone(event), 'error');
    const explained = scrubber.scrub(structuredClone(event), 'error', { explain: true });
    expect(plain.findings).toBeUndefined();
    expect(plain.event).toEqual(explained.event);
    expect(plain.counts).toEqual(explained.counts);
    expect(plain.counts).toEqual((plain.event['_meta'] as { scrubbed: unknown }).scrubbed);
    const totals: Record<string, number> = {};
    for (const f of explained.findings ?? []) totals[f.rule] = (totals[f.rule] ?? 0) + f.count;
    expect(totals).toEqual(plain.counts);
    expect(Object.keys(plain.counts).length).toBeGreaterThan(2);
  });

  it('adds a _meta summary when something was scrubbed, and none otherwise', () => {
    const hit = scrubber.scrub({ extra: { note: 'a@x.com', password: 'p' } }, 'error');
    expect(hit.event['_meta']).toEqual({ scrubbed: { email: 1, sensitive_key: 1 } });
    const clean = scrubber.scrub({ level: 'info', extra: { n: 1 } }, 'error', { explain: true });
    expect(clean.event).not.toHaveProperty('_meta');
    expect(clean.findings).toEqual([]);
  });

  it('does not trust a _meta sent by the application', () => {
    expect(scrubber.scrub({ _meta: { scrubbed: { email: 99 } } }, 'error').event).not.toHaveProperty('_meta');
    expect(scrubber.scrub({ _meta: { note: 'x@y.com' } }, 'error').event['_meta']).toEqual({ scrubbed: { email: 1 } });
  });

  it('does not modify the input event', () => {
    const input = errorEvent();
    const copy = structuredClone(input);
    scrubber.scrub(input, 'error');
    expect(input).toEqual(copy);
  });

  it('never returns an original value in findings', () => {
    const { findings } = scrubber.scrub(errorEvent(), 'error', { explain: true });
    const text = JSON.stringify(findings);
    for (const secret of ['john.doe@example.com', 'hunter2', 'jdoe', 'abc.def.ghi', 'private question']) expect(text).not.toContain(secret);
  });

  it('scrubs a value at one path even after the same value was kept under a version key', () => {
    const first = scrubber.scrub({ environment: { version: '20.1.2.3' }, extra: { ip: '20.1.2.3' } }, 'error');
    const second = scrubber.scrub({ extra: { ip: '20.1.2.3' }, environment: { version: '20.1.2.3' } }, 'error');
    for (const { event } of [first, second]) {
      expect(event['environment']).toEqual({ version: '20.1.2.3' });
      expect(event['extra']).toEqual({ ip: '[ipv4]' });
    }
  });

  it('gives the same result whatever shapes the events before had, and after the key cache is cleared', () => {
    const own = createScrubber(loadRules({}), { hashKey: 'test-key' });
    const expected = JSON.stringify(own.scrub(errorEvent(), 'error').event);
    // The same key positions holding other keys, with a sensitive key where a harmless one was.
    const shifted = own.scrub({ extra: { password: 'hunter2', ok: 'fine' }, frames: [{ db_password: 'x', file: 'a.ts' }] }, 'error');
    expect(shifted.event).toMatchObject({ extra: { password: '[redacted]', ok: 'fine' }, frames: [{ db_password: '[redacted]', file: 'a.ts' }] });
    expect(JSON.stringify(own.scrub(errorEvent(), 'error').event)).toBe(expected);
    // More distinct keys than the key cache keeps: it is cleared, and the remembered shapes with it.
    const many: JsonObject = {};
    for (let i = 0; i < 5000; i++) many[`field_${i}`] = i;
    own.scrub({ extra: many }, 'error');
    expect(JSON.stringify(own.scrub(errorEvent(), 'error').event)).toBe(expected);
    expect(own.scrub({ extra: { ok: 'fine', password: 'hunter2' } }, 'error').event).toMatchObject({ extra: { ok: 'fine', password: '[redacted]' } });
  });

  it('gives the same result for the same event every time', () => {
    const input = errorEvent();
    const once = scrubber.scrub(input, 'error');
    for (let i = 0; i < 3; i++) expect(scrubber.scrub(input, 'error')).toEqual(once);
  });

  it('cuts strings longer than the limit and reports it', () => {
    const long = 'x'.repeat(70_000);
    const { event, findings } = scrubber.scrub({ extra: { log: long } }, 'error', { explain: true });
    expect(((event['extra'] as JsonObject)['log'] as string).length).toBe(65_536);
    expect(findings).toContainEqual({ rule: 'truncated', path: '$.extra.log', count: 1 });
  });

  it('replaces nesting deeper than the limit', () => {
    let deep: JsonObject = { v: 'leaf' };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    const { findings } = scrubber.scrub(deep, 'error', { explain: true });
    expect(findings?.map((f) => f.rule)).toContain('depth_limit');
  });
});
