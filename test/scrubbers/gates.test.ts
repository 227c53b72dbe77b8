import { describe, expect, it } from 'vitest';
import { makeCorpus, prng } from '../../bench/scrub-corpus.js';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { CompiledRuleSet } from '../../scrubbers/index.js';
import { forEachVariant } from '../helpers/fuzz-events.js';

// The scrubber skips a rule on a string when the one-pass prefilter shows it cannot match: a
// literal absent, too few digits, no run long enough, no IPv6 or IBAN shape, a literal group's
// pairs absent. Those gates exist only for speed. This test removes every one of them from the
// rules' data and checks that the output is the same, event for event: a gate that would hide a
// match (a literal a pattern does not really need, a threshold set too high) fails here. Only the
// high_entropy rule keeps its gate, a run of token characters with a letter at least
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

describe('prefilter gates', () => {
  it('never change what is scrubbed: the bench corpus and fuzzed variants give the same output with every gate removed', () => {
    const rules = loadRules({});
    const gated = createScrubber(rules, { hashKey: 'gates' });
    const reference = createScrubber(ungated(rules), { hashKey: 'gates' });
    const rnd = prng(4242);
    const corpus = makeCorpus(97, 400);
    let compared = 0;
    let findings = 0;
    forEachVariant(corpus, 4, rnd, (input, kind) => {
      const expected = reference.scrub(structuredClone(input), kind, { explain: true });
      const actual = gated.scrub(structuredClone(input), kind, { explain: true });
      expect(actual).toEqual(expected);
      compared += 1;
      findings += expected.findings?.length ?? 0;
    });
    expect(compared).toBe(3200);
    // The corpus must actually exercise the rules, or the comparison proves nothing.
    expect(findings).toBeGreaterThan(10_000);
  });
});
