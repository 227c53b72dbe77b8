import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultRulesPath, redosKey, redosProblem } from '../../config/rules.js';

interface RulesFile {
  rules: { flags?: string; patterns?: (string | { pattern: string })[] }[];
}

const rulesPath = defaultRulesPath();
const verifiedPath = join(rulesPath, '..', 'redos-verified.json');

function shippedPatternKeys(): { key: string; source: string; flags: string }[] {
  const file = parse(readFileSync(rulesPath, 'utf8')) as RulesFile;
  return file.rules.flatMap((rule) =>
    (rule.patterns ?? []).map((entry) => {
      const source = typeof entry === 'string' ? entry : entry.pattern;
      const flags = rule.flags ?? '';
      return { key: redosKey(source, flags), source, flags };
    }),
  );
}

describe('config/redos-verified.json, the ReDoS verdicts the relay trusts at start', () => {
  it('lists exactly the shipped patterns, and recheck proves each of them linear again', () => {
    const shipped = shippedPatternKeys();
    const listed = (JSON.parse(readFileSync(verifiedPath, 'utf8')) as { patterns: string[] }).patterns;
    const expected = [...new Set(shipped.map((pattern) => pattern.key))].sort();
    // On a mismatch, write `expected` (printed by the diff) as "patterns" in config/redos-verified.json.
    expect(listed).toEqual(expected);
    for (const { source, flags } of shipped) {
      expect({ source, problem: redosProblem(source, flags) }).toEqual({ source, problem: undefined });
    }
  });
});
