import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors.js';
import { checkRules, loadRules } from '../../config/rules.js';

const dir = mkdtempSync(join(tmpdir(), 'scrub-linear-'));
let n = 0;

/** A user rules file holding one regex rule with `pattern`, whose example matches it. */
function ruleFile(pattern: string, example: string, flags = ''): string {
  const file = join(dir, `rules-${n++}.yaml`);
  writeFileSync(
    file,
    `rules:
  - id: user_rule
    description: A user rule.
    kind: regex
    flags: '${flags}'
    patterns: [${JSON.stringify(pattern)}]
    examples: { match: [${JSON.stringify(example)}] }
`,
  );
  return file;
}

function problemOf(pattern: string, example: string, flags = ''): string | undefined {
  const report = checkRules(ruleFile(pattern, example, flags));
  return report.rules.find((r) => r.id === 'user_rule')?.problems[0];
}

// Issue 19: each of these passed `rules check` and start-up; the first blocked the relay for seconds.
const BOUNDED_REPEATS: { pattern: string; example: string; construct: string; bound: RegExp }[] = [
  { pattern: '(?:a{1,20}){1,20}b', example: 'aab', construct: '(?:a{1,20}){1,20}', bound: /in 20 ways and repeats up to 20 times: 1\.1e\+26 ways to try/ },
  { pattern: '(?:a|a){1,100}b', example: 'ab', construct: '(?:a|a){1,100}', bound: /in 2 ways and repeats up to 100 times: 2\.5e\+30 ways to try/ },
  { pattern: '(?:\\w{1,5}){1,5}@', example: 'ab@', construct: '(?:\\w{1,5}){1,5}', bound: /in 5 ways and repeats up to 5 times: 3905 ways to try/ },
  { pattern: 'a{1,65535}b', example: 'ab', construct: 'a{1,65535}', bound: /can rescan up to 65535 characters from every start position/ },
  { pattern: '[a-z0-9]{1,20000}@', example: 'a@', construct: '[a-z0-9]{1,20000}', bound: /can rescan up to 20000 characters from every start position/ },
  { pattern: '(?:[a-z]{1,8}[0-9]{0,8}){1,12}!', example: 'a1!', construct: '(?:[a-z]{1,8}[0-9]{0,8}){1,12}', bound: /ways and repeats up to 12 times/ },
  { pattern: '(?:x|xy|y){1,64}z', example: 'xz', construct: '(?:x|xy|y){1,64}', bound: /ways and repeats up to 64 times/ },
];

describe('user rules are linear or refused', () => {
  it.each(BOUNDED_REPEATS)('rules check refuses $pattern, naming $construct and its bound', ({ pattern, example, construct, bound }) => {
    const problem = problemOf(pattern, example);
    expect(problem).toBeDefined();
    expect(problem?.startsWith(`pattern is not linear: ${construct}: `)).toBe(true);
    expect(problem).toMatch(bound);
    expect(problem).toMatch(/steps per character of text, limit 4096\): /);
  });

  it.each(BOUNDED_REPEATS)('the relay refuses to start with $pattern', ({ pattern, example }) => {
    const file = ruleFile(pattern, example);
    expect(() => loadRules({ userFile: file })).toThrow(ConfigError);
    expect(() => loadRules({ userFile: file })).toThrow(/rule "user_rule": pattern is not linear: /);
  });

  it('refuses unbounded repeats that rescan or nest, as the ReDoS checker did', () => {
    expect(problemOf('(a+)+$', 'a')).toMatch(/^pattern is not linear: \(a\+\)\+: its body can match the same text in unboundedly many ways/);
    expect(problemOf('\\s+$', ' ')).toMatch(/^pattern is not linear: \\s\+: it can rescan the rest of the text from every start position/);
    expect(problemOf('.*a.*b', 'ab')).toMatch(/^pattern is not linear: /);
    expect(problemOf('(\\d+)*x', '1x')).toMatch(/^pattern is not linear: /);
  });

  it('refuses back-references, whose matching time has no bound', () => {
    expect(problemOf('(a{1,9})\\1', 'aa')).toMatch(/^pattern is refused: back-references are not allowed in rules: their matching time has no bound: \\1: /);
  });

  it('accepts a long repeat behind a boundary it cannot cross, since each text is then scanned once', () => {
    expect(problemOf('(?<![a-z0-9])[a-z0-9]{1,20000}@', 'abcdef@')).toBeUndefined();
    expect(problemOf('token=[a-z0-9]{1,20000};', 'token=a;')).toBeUndefined();
    expect(problemOf('\\b\\w{1,5000}@', 'abcdef@')).toBeUndefined();
    expect(problemOf('(?<!\\w)\\w+@example\\.com', 'a@example.com')).toBeUndefined();
  });

  it('accepts a long repeat that ends the pattern: the match consumes what it scanned', () => {
    expect(problemOf('session=[^;]{0,65535}', 'session=x')).toBeUndefined();
    expect(problemOf('secret: .*', 'secret: x', 'i')).toBeUndefined();
  });

  it('accepts nested repeats whose iterations cannot overlap', () => {
    expect(problemOf('(?:[0-9]{1,3}\\.){3}[0-9]{1,3}', '1.2.3.4')).toBeUndefined();
    expect(problemOf('(?<![A-Za-z0-9])(?:[a-z]{1,20}-){1,10}[a-z]{1,20}(?![a-z-])', 'abc-def')).toBeUndefined();
  });

  it('judges case-insensitive classes with their folded letters', () => {
    // Under `i`, [A-Z] and [a-z] overlap: the boundary `[a-z]` does not guard a run of [A-Z].
    expect(problemOf('[a-z][A-Z]{1,20000}!', 'aBCDEF!', 'i')).toMatch(/^pattern is not linear: \[A-Z\]\{1,20000\}: /);
    expect(problemOf('[a-z][A-Z]{1,20000}!', 'aBCDEF!')).toBeUndefined();
  });

  it('reads escapes, named groups and Annex B literals as V8 does', () => {
    expect(problemOf('(?<n>a{1,5})\\k<n>', 'aaaaaa')).toMatch(/^pattern is refused: back-references are not allowed in rules: their matching time has no bound: \\k<n>: /);
    expect(problemOf('id\\x3d[\\u0041-\\u005A\\b]{1,9}x{,5}', 'id=ABx{,5}')).toBeUndefined();
    expect(problemOf('\\p{L}{1,20000}!', 'abcdef!', 'u')).toMatch(/^pattern is not linear: \\p\{L\}\{1,20000\}: /);
    expect(problemOf('(?<![0-9])[\\s\\S]{0,9000}', 'abcdef', 's')).toBeUndefined();
  });

  it('accepts every shipped rule', () => {
    const report = checkRules();
    expect(report.rules.filter((r) => !r.ok).map((r) => ({ id: r.id, problems: r.problems }))).toEqual([]);
  });
});
