import { describe, expect, it } from 'vitest';
import { loadRules } from '../../config/rules.js';
import { createScrubber, ScrubError } from '../../scrubbers/index.js';
import type { CompiledRegexRule, CompiledRuleSet } from '../../scrubbers/index.js';

/** A detector that fails on the value it is given, quoting it, as a buggy detector might. */
class ExplodingRegExp extends RegExp {
  override exec(input: string): RegExpExecArray | null {
    throw new TypeError(`cannot handle ${input}`);
  }
}

function withExplodingRule(): CompiledRuleSet {
  const rules = loadRules({});
  const exploding: CompiledRegexRule = {
    id: 'exploding',
    description: 'fails',
    kind: 'regex',
    method: 'replace',
    replacement: '[x]',
    keepLast: 4,
    kinds: new Set(['error', 'scan']),
    paths: [],
    examples: { match: [], noMatch: [] },
    patterns: [new ExplodingRegExp('x', 'g')],
    validator: undefined,
    containsAny: [],
    patternContainsAny: [[]],
    minDigits: 0,
    minHexRun: 0,
    minNumRun: 0,
    shape: undefined,
    numbers: false,
    skipKeys: [],
  };
  return { ...rules, rules: [...rules.rules, exploding] };
}

describe('ScrubError', () => {
  it('is thrown when a detector fails, and never carries the event values', () => {
    const scrubber = createScrubber(withExplodingRule(), { hashKey: 'k' });
    const secret = 'jane.doe@example.com hunter2';
    let caught: unknown;
    try {
      scrubber.scrub({ error: { message: secret } }, 'error');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScrubError);
    const err = caught as ScrubError;
    expect(err.code).toBe('ERR_SCRUB');
    expect(err.name).toBe('ScrubError');
    expect(err.rule).toBe('exploding');
    const everything = `${err.message} ${String(err.stack)} ${String((err.cause as Error).message)} ${String((err.cause as Error).stack)}`;
    expect(everything).not.toContain('jane.doe');
    expect(everything).not.toContain('hunter2');
    expect(err.message).toBe('scrubber failed in rule "exploding" (TypeError)');
  });
});
