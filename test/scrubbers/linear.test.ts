import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MAX_STEPS_PER_CHAR, regexCost } from '../../config/regex-cost.js';
import { defaultRulesPath, loadRules } from '../../config/rules.js';
import { prepareTextRule } from '../../scrubbers/text-rule.js';

// Linear time of every shipped rule, proven on the patterns rather than timed (timing lives in
// bench/linear.js, which scans 8/32/64 KB adversarial strings per rule): the static analysis bounds
// the backtracking steps V8 spends per character of any text, over every start position.

interface RulesFile {
  rules: { id: string; flags?: string; patterns?: (string | { pattern: string })[] }[];
}

const shipped = (parse(readFileSync(defaultRulesPath(), 'utf8')) as RulesFile).rules.flatMap((rule) =>
  (rule.patterns ?? []).map((entry, i) => ({
    name: `${rule.id}[${i}]`,
    source: typeof entry === 'string' ? entry : entry.pattern,
    flags: rule.flags ?? '',
  })),
);

describe('every shipped rule is linear in its input', () => {
  it('has patterns to prove', () => {
    expect(shipped.length).toBeGreaterThan(30);
  });

  it.each(shipped)('$name costs a bounded number of steps per character of any text', ({ source, flags }) => {
    const { stepsPerChar } = regexCost(source, flags);
    expect(stepsPerChar).toBeGreaterThan(0);
    expect(stepsPerChar).toBeLessThanOrEqual(MAX_STEPS_PER_CHAR);
  });

  it('finds the entropy rule its token runs with a bounded pattern too', () => {
    const rule = loadRules({}).rules.find((r) => r.id === 'high_entropy');
    if (rule?.kind !== 'entropy') throw new Error('high_entropy is not an entropy rule');
    const runs = prepareTextRule(rule, () => 0).tokenRuns;
    expect(runs).toBeDefined();
    expect(regexCost(runs?.source ?? '', '').stepsPerChar).toBeLessThanOrEqual(32);
  });

  it('prices the patterns that block the relay for seconds far above the bound', () => {
    // Beside the shipped ones, so the bound is shown to sit between them.
    expect(regexCost('(?:a{1,20}){1,20}b', '').stepsPerChar).toBeGreaterThan(1e20);
    expect(regexCost('(?:\\w{1,5}){1,5}@', '').stepsPerChar).toBeGreaterThan(2 * MAX_STEPS_PER_CHAR);
    expect(regexCost('[a-z0-9]{1,20000}@', '').stepsPerChar).toBeGreaterThan(2 * MAX_STEPS_PER_CHAR);
  });
});
