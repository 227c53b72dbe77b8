import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { JsonObject } from '../../scrubbers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'scrub-methods-'));

function scrubberWith(yaml: string, hashKey = 'key-1') {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return createScrubber(loadRules({ userFile: file }), { hashKey });
}

function note(scrubber: ReturnType<typeof createScrubber>, text: string): unknown {
  return (scrubber.scrub({ extra: { note: text } }, 'error').event['extra'] as JsonObject)['note'];
}

describe('redaction methods', () => {
  it('replace puts the default [rule] marker in place of the value', () => {
    const s = createScrubber(loadRules({}), { hashKey: 'k' });
    expect(note(s, 'mail a.b@example.com now')).toBe('mail [email] now');
  });

  it('replace uses a configured replacement text', () => {
    const s = scrubberWith('rules:\n  - id: email\n    replacement: "<e-mail>"\n');
    expect(note(s, 'mail a.b@example.com now')).toBe('mail <e-mail> now');
  });

  it('remove cuts the value out of text', () => {
    const s = scrubberWith('rules:\n  - id: email\n    method: remove\n');
    expect(note(s, 'mail a.b@example.com now')).toBe('mail  now');
  });

  it('remove drops a sensitive key entirely', () => {
    const s = scrubberWith('rules:\n  - id: sensitive_key\n    method: remove\n');
    expect(s.scrub({ extra: { password: 'p', n: 1 } }, 'error').event['extra']).toEqual({ n: 1 });
  });

  it('mask keeps the last four digits of a card and the separators', () => {
    const s = scrubberWith('rules:\n  - id: credit_card\n    method: mask\n');
    expect(note(s, 'card 4111 1111 1111 1111')).toBe('card **** **** **** 1111');
  });

  it('mask stars short values entirely', () => {
    const s = scrubberWith('rules:\n  - id: sensitive_key\n    method: mask\n');
    expect(s.scrub({ extra: { pwd: 'hunter2' } }, 'error').event['extra']).toEqual({ pwd: '*******' });
  });

  it('hash gives the same keyed pseudonym for the same value and key, and another under another key', () => {
    const yaml = 'rules:\n  - id: email\n    method: hash\n';
    const a = scrubberWith(yaml, 'key-1');
    const b = scrubberWith(yaml, 'key-2');
    const first = note(a, 'a.b@example.com');
    expect(first).toMatch(/^\[hash:[0-9a-f]{12}\]$/);
    expect(note(a, 'a.b@example.com')).toBe(first);
    expect(note(a, 'c.d@example.com')).not.toBe(first);
    expect(note(b, 'a.b@example.com')).not.toBe(first);
  });
});
