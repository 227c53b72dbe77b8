import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCorpus, prng } from '../../bench/scrub-corpus.js';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { EventKind, JsonObject } from '../../scrubbers/index.js';
import { fuzz } from '../helpers/fuzz-events.js';

const rules = loadRules({});
const scrubber = createScrubber(rules, { hashKey: 'test-key' });
const PROMPT = 'Could you please summarise the attached tenancy agreement for my landlord and me';

function scrub(event: JsonObject, kind: EventKind = 'error'): JsonObject {
  return scrubber.scrub(event, kind).event;
}

function text(event: JsonObject): string {
  return JSON.stringify(event);
}

describe('content is safe by construction', () => {
  it('does not reuse a key verdict reached while a rule was skipped there, across events and companies', () => {
    const token = 'Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0L';
    const first = { timestamp: 't', company_id: 'a', error: { type: 'E', message: 'm' }, extra: { hash: { [token]: 1 } } };
    const second = { timestamp: 't', company_id: 'b', error: { type: 'E', message: 'm' }, extra: { headers: { [token]: 'v' } } };
    const longLived = createScrubber(rules, { hashKey: 'k' });
    longLived.scrub(first, 'error');
    const after = longLived.scrub(second, 'error').event;
    const alone = createScrubber(rules, { hashKey: 'k' }).scrub(second, 'error').event;
    expect(text(after)).not.toContain(token);
    expect(after).toEqual(alone);
  });

  it('gives a long-lived scrubber the answers of a fresh one per event, over a shuffled corpus of many companies', () => {
    const rnd = prng(20261204);
    const base = makeCorpus(1204, 150);
    const events: { kind: EventKind; event: JsonObject }[] = [];
    for (let i = 0; i < 600; i++) {
      const item = base[Math.floor(rnd() * base.length)]!;
      const event = (i < base.length ? item.event : fuzz(item.event, rnd)) as JsonObject;
      event['company_id'] = `company-${Math.floor(rnd() * 40)}`;
      events.push({ kind: rnd() < 0.2 ? (item.kind === 'error' ? 'scan' : 'error') : item.kind, event });
    }
    const longLived = createScrubber(rules, { hashKey: 'k' });
    let compared = 0;
    for (const { kind, event } of events) {
      const fresh = createScrubber(rules, { hashKey: 'k' }).scrub(structuredClone(event), kind);
      const reused = longLived.scrub(structuredClone(event), kind);
      expect(reused.event).toEqual(fresh.event);
      compared++;
    }
    expect(compared).toBe(600);
  });

  it('keeps every value when two keys scrub to the same name', () => {
    const out = scrub({ extra: { 'a@example.com': 1, 'b@example.com': 2, '[email]': 3 } });
    expect(Object.values(out['extra'] as JsonObject).sort()).toEqual([1, 2, 3]);
  });

  it('drops content under flat OpenTelemetry GenAI attribute names and their nested form', () => {
    const attributes: JsonObject = {
      'gen_ai.input.messages': '[{"role":"user","content":"hello"}]',
      'gen_ai.prompt.0.content': 'p',
      'gen_ai.completion.0.content': 'c',
      'ai.prompt.messages': 'm',
      'input.value': 'v',
      'gen_ai.tool.call.arguments': '{"city":"Paris"}',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 120,
    };
    const out = scrub({ extra: { span: { attributes }, gen_ai: { input: { messages: 'x' } } } });
    expect((out['extra'] as JsonObject)['span']).toEqual({ attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 120 } });
    expect((out['extra'] as JsonObject)['gen_ai']).toEqual({});
  });

  it('removes human text under a key nobody foresaw, in every free-form zone', () => {
    const out = scrub({
      error: { type: 'RuntimeError', message: 'boom' },
      extra: { zorbel: PROMPT, tags: { qx: PROMPT }, contexts: { llm: { blob: PROMPT } } },
      breadcrumbs: [{ message: `User said: ${PROMPT}` }],
    });
    expect(text(out)).not.toContain('tenancy agreement');
    expect(text(out)).toContain('[content]');
    expect(out['_meta']).toMatchObject({ scrubbed: { content_policy: 4 } });
  });

  it('turns frame locals that are not technical into markers with type and length, and keeps technical ones', () => {
    const out = scrub({
      error: { type: 'E', message: 'm' },
      frames: [{ file: 'a.py', line: 1, function: 'f', vars: { rq: PROMPT, n: 3, flag: true, none: null, mode: 'strict', mail: 'x@example.com' } }],
    });
    const vars = ((out['frames'] as JsonObject[])[0] as JsonObject)['vars'] as JsonObject;
    expect(vars).toEqual({ rq: `[str len=${PROMPT.length}]`, n: 3, flag: true, none: null, mode: 'strict', mail: '[str len=13]' });
  });

  it('drops query values of request.url unless their key is technical', () => {
    const out = scrub({ error: { type: 'E', message: 'm' }, request: { method: 'GET', url: 'https://app.example.com/search?q=my+rent+contract&page=2#t=x' } });
    expect((out['request'] as JsonObject)['url']).toBe('https://app.example.com/search?q=[query]&page=2#t=[query]');
  });

  it('decodes percent-encoded values before scanning, in URLs, reprs and form bodies', () => {
    const out = scrub({
      error: { type: 'E', message: "<WSGIRequest: POST '/chat/?email=jane%40example.com'>" },
      extra: { link: 'https://x.example/a?user=jane%40example.com', form: 'name=x&mail=jane%40example.com', raw: 'to%3A%20jane%40example.com' },
    });
    expect(text(out)).not.toMatch(/jane(%40|@)example\.com/);
    expect(text(out)).toContain('WSGIRequest: POST');
  });

  it('walks JSON embedded in a string and writes it back as JSON', () => {
    const out = scrub({ extra: { payload: JSON.stringify({ rq: PROMPT, code: 'E42', to: 'jane@example.com' }) } });
    const payload = JSON.parse((out['extra'] as JsonObject)['payload'] as string) as JsonObject;
    expect(payload).toEqual({ rq: '[content]', code: 'E42', to: '[email]' });
  });

  it('removes the words of a file name and keeps its extension and technical parts', () => {
    const scan: JsonObject = {
      timestamp: 't', event_type: 'scan', scan_result: { flagged: false },
      metadata: { file_name: 'Anna_Schmidt_Kuendigung_Versicherung.pdf', file_type: 'pdf', file_size: 1000 },
    };
    expect((scrub(scan, 'scan')['metadata'] as JsonObject)['file_name']).toBe('[file_name].pdf');
    scan['metadata'] = { file_name: 'IMG_20240301_1234.jpg' };
    expect((scrub(scan, 'scan')['metadata'] as JsonObject)['file_name']).toBe('IMG_20240301_1234.jpg');
  });

  it('reports the zone of every forwarded value when explaining', () => {
    const { zones } = scrubber.scrub({ error: { type: 'E', message: 'm' }, frames: [{ line: 3, vars: { a: 1 } }], extra: { b: 'x' } }, 'error', { explain: true });
    expect(zones).toEqual([
      { path: '$.error.type', zone: 'token' },
      { path: '$.error.message', zone: 'text' },
      { path: '$.frames[0].line', zone: 'integer' },
      { path: '$.frames[0].vars.a', zone: 'local' },
      { path: '$.extra.b', zone: 'free' },
    ]);
  });

  it('lets a deployment declare a technical field of its own without switching the content policy off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, 'schema:\n  error:\n    extra:\n      input_shard: token\n');
    const own = createScrubber(loadRules({ userFile: file }), { hashKey: 'k' });
    expect(scrub({ extra: { input_shard: 's-12' } })['extra']).toEqual({});
    expect(own.scrub({ extra: { input_shard: 's-12' } }, 'error').event['extra']).toEqual({ input_shard: 's-12' });
    expect(own.scrub({ extra: { input_shard: PROMPT } }, 'error').event['extra']).toEqual({ input_shard: '[content]' });
  });

  it('turns every local string into a marker in markers mode, and drops vars in drop mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    const event = (): JsonObject => ({ error: { type: 'E', message: 'm' }, frames: [{ line: 1, vars: { mode: 'strict', n: 2 } }] });
    const markers = join(dir, 'markers.yaml');
    writeFileSync(markers, 'schema:\n  locals: markers\n');
    const frames = createScrubber(loadRules({ userFile: markers }), { hashKey: 'k' }).scrub(event(), 'error').event['frames'] as JsonObject[];
    expect(frames[0]!['vars']).toEqual({ mode: '[str len=6]', n: 2 });
    const drop = join(dir, 'drop.yaml');
    writeFileSync(drop, 'schema:\n  locals: drop\n');
    const dropped = createScrubber(loadRules({ userFile: drop }), { hashKey: 'k' }).scrub(event(), 'error').event['frames'] as JsonObject[];
    expect(dropped[0]).toEqual({ line: 1 });
  });

  it('refuses a schema addition that redeclares a shipped field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, 'schema:\n  error:\n    error:\n      message: token\n');
    expect(() => loadRules({ userFile: file })).toThrow(`rules file ${file}: schema error.error.message: is declared as "text" and cannot be redeclared`);
  });
});
