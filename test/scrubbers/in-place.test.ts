import { describe, expect, it } from 'vitest';
import { makeCorpus, prng } from '../../bench/scrub-corpus.js';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { JsonObject, JsonValue } from '../../scrubbers/index.js';
import { forEachVariant } from '../helpers/fuzz-events.js';

// `inPlace` lets the relay scrub the events it has just parsed without building a copy of each.
// It must never change what leaves: these tests compare it with scrubbing a copy.

const scrubber = createScrubber(loadRules({}), { hashKey: 'in-place' });

/** Every object and array in `value`, by identity. */
function containers(value: JsonValue, into = new Set<object>()): Set<object> {
  if (value !== null && typeof value === 'object') {
    into.add(value);
    for (const child of Array.isArray(value) ? value : Object.values(value)) containers(child, into);
  }
  return into;
}

describe('scrubbing in place', () => {
  it('gives what scrubbing a copy gives, key order included: the bench corpus and fuzzed variants', () => {
    const rnd = prng(777);
    const corpus = makeCorpus(31, 400);
    let compared = 0;
    let kept = 0;
    let copied = 0;
    forEachVariant(corpus, 4, rnd, (input, kind) => {
      const expected = scrubber.scrub(structuredClone(input), kind, { explain: true });
      const given = structuredClone(input);
      const before = containers(given);
      const actual = scrubber.scrub(given, kind, { explain: true, inPlace: true });
      expect(JSON.stringify(actual.event)).toBe(JSON.stringify(expected.event));
      expect(actual.counts).toEqual(expected.counts);
      expect(actual.findings).toEqual(expected.findings);
      compared += 1;
      const { _meta: _summary, ...rest } = actual.event;
      for (const container of containers(rest)) {
        if (before.has(container)) kept += 1;
        else copied += 1;
      }
    });
    expect(compared).toBe(3200);
    // Both ways must be exercised: objects scrubbed in place, and objects whose keys changed.
    expect(kept).toBeGreaterThan(10_000);
    expect(copied).toBeGreaterThan(500);
  });

  it('writes changed values into the event and copies only an object whose keys change, in key order', () => {
    const extra = { note: 'mail a@x.com', n: 1 };
    const request = { method: 'POST', data: { q: 'private question' }, url: 'https://api.example.com/x' };
    const tags = ['a@x.com', 'ok'];
    const vars = { first: 1, 'jane.doe@example.com': 2, last: 3 };
    const input: JsonObject = { level: 'error', extra, request, tags, vars };
    const { event } = scrubber.scrub(input, 'error', { inPlace: true });
    expect(event).toBe(input);
    expect(event['extra']).toBe(extra);
    expect(extra.note).toBe('mail [email]');
    expect(event['tags']).toBe(tags);
    expect(tags).toEqual(['[email]', 'ok']);
    // A content field removed and a key renamed: those objects are copies, in their keys' order.
    expect(event['request']).not.toBe(request);
    expect(Object.keys(event['request'] as JsonObject)).toEqual(['method', 'url']);
    expect(event['vars']).not.toBe(vars);
    expect(Object.keys(event['vars'] as JsonObject)).toEqual(['first', '[email]', 'last']);
    expect(Object.keys(event)).toEqual(['level', 'extra', 'request', 'tags', 'vars', '_meta']);
  });

  it('leaves the input alone when not asked to scrub in place', () => {
    const input: JsonObject = { extra: { note: 'mail a@x.com' }, tags: ['a@x.com'] };
    const copy = structuredClone(input);
    const { event } = scrubber.scrub(input, 'error');
    expect(input).toEqual(copy);
    expect(event).not.toBe(input);
    expect(event['tags']).toEqual(['[email]']);
  });
});
