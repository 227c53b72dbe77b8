import { describe, expect, it } from 'vitest';
import { makeCorpus, prng } from '../../bench/scrub-corpus.js';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { CompiledRuleSet, EventKind, JsonObject, JsonValue } from '../../scrubbers/index.js';

// The scrubber skips a rule on a string when the one-pass prefilter shows it cannot match: a
// literal absent, too few digits, no run long enough, no IPv6 or IBAN shape, a literal group's
// pairs absent. Those gates exist only for speed. This test removes every one of them from the
// rules' data and checks that the output is the same, event for event: a gate that would hide a
// match (a literal a pattern does not really need, a threshold set too high) fails here. Only the
// high_entropy rule keeps its gate, a run of token characters with a digit and a letter at least
// its minimum length: that is the rule's own definition (see isHighEntropyToken), not a shortcut.

/** The same rules with no literal, threshold or shape: every rule runs its patterns on every string. */
function ungated(rules: CompiledRuleSet): CompiledRuleSet {
  return {
    ...rules,
    rules: rules.rules.map((rule) =>
      rule.kind === 'regex'
        ? { ...rule, containsAny: [], patternContainsAny: rule.patterns.map(() => []), minDigits: 0, minHexRun: 0, minNumRun: 0, shape: undefined }
        : rule,
    ),
  };
}

/** Values from every catalogue type and the kinds of text around them, inserted into strings. */
const SNIPPETS = [
  ' user: Anna Smith ',
  'Dear Mr Brown,',
  ' John_Smith_CV.pdf ',
  '"Jane Doe" <jane.doe@corp.io>',
  ' x@y.io ',
  ' +44 20 7946 0958 ',
  '(415) 555-2671 ext. 12',
  ' 4111-1111-1111-1111 ',
  'GB82 WEST 1234 5698 7654 32',
  ' 123-45-6789 ',
  ' 00:1A:2B:3C:4D:5E ',
  ' fe80::1ff:fe23:4567:890a ',
  ' 203.0.113.7 ',
  '/Users/jdoe/x',
  'C:\\Users\\JSmith\\y',
  '?access_token=abc.def&x=1',
  ' password: hunter2 ',
  ' Bearer abcdefgh12345678 ',
  'https://bob:s3cret@db.example.com/x',
  ' aGVsbG8td29ybGQtMTIzNDU2Nzg5MGFiY2RlZg== ',
  'İK',
];

function mutate(s: string, rnd: () => number): string {
  let t = s;
  const edits = Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (t.length + 1));
    const r = rnd();
    if (r < 0.25) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 5));
    else if (r < 0.65) t = t.slice(0, at) + (SNIPPETS[Math.floor(rnd() * SNIPPETS.length)] as string) + t.slice(at);
    else if (r < 0.85) t = t.slice(0, at) + String.fromCharCode(32 + Math.floor(rnd() * 95)) + t.slice(at);
    else t = rnd() < 0.5 ? t.toUpperCase() : t.toLowerCase();
  }
  return t;
}

function fuzz(value: unknown, rnd: () => number): JsonValue {
  if (typeof value === 'string') return mutate(value, rnd);
  if (Array.isArray(value)) return value.map((v) => fuzz(v, rnd));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[rnd() < 0.05 ? mutate(k, rnd) : k] = fuzz(v, rnd);
    return out;
  }
  return value as JsonValue;
}

describe('prefilter gates', () => {
  it('never change what is scrubbed: the bench corpus and fuzzed variants give the same output with every gate removed', () => {
    const rules = loadRules({});
    const gated = createScrubber(rules, { hashKey: 'gates' });
    const reference = createScrubber(ungated(rules), { hashKey: 'gates' });
    const rnd = prng(4242);
    const corpus = makeCorpus(97, 400);
    let compared = 0;
    let findings = 0;
    for (let round = 0; round < 4; round++) {
      for (const { event, kind } of corpus) {
        const input = (round === 0 ? event : fuzz(event, rnd)) as JsonObject;
        for (const k of [kind, kind === 'error' ? 'scan' : 'error'] as EventKind[]) {
          const expected = reference.scrub(structuredClone(input), k, { explain: true });
          const actual = gated.scrub(structuredClone(input), k, { explain: true });
          expect(actual).toEqual(expected);
          compared += 1;
          findings += expected.findings?.length ?? 0;
        }
      }
    }
    expect(compared).toBe(3200);
    // The corpus must actually exercise the rules, or the comparison proves nothing.
    expect(findings).toBeGreaterThan(10_000);
  });
});
