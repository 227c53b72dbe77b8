import { detectInText, keyParts, parseJsonPath } from '../scrubbers/index.js';
import type { CompiledRule, EventKind, PathSegmentMatcher } from '../scrubbers/index.js';
import { formatCount, MAX_STEPS_PER_CHAR, regexCost, UnsupportedPatternError } from './regex-cost.js';
import type { RuleCheck } from './rules-report.js';
import type { RuleEntry } from './rules-schema.js';

/** Analyses already made in this process, by `flags/source`: user files are re-checked on reload. */
const costCache = new Map<string, string | undefined>();
let redosMs = 0;

/** Milliseconds spent in the backtracking analysis since the last call. */
export function takeRedosMs(): number {
  const ms = redosMs;
  redosMs = 0;
  return ms;
}

/**
 * Why `source` is refused, or undefined when its backtracking work is bounded by
 * {@link MAX_STEPS_PER_CHAR} steps per character of text, for any text (see {@link regexCost}: a
 * static analysis of the pattern, cheap enough that every start analyses every rule; bench/scrub.js
 * prints the rules' load time).
 * @example redosProblem('a{1,65535}b', '')
 *   // 'pattern is not linear: a{1,65535}: it can rescan up to 65535 characters from every start
 *   //  position (about 131072 backtracking steps per character of text, limit 4096): a{1,65535}b'
 */
export function redosProblem(source: string, flags: string): string | undefined {
  const key = `${[...flags].sort().join('')}/${source}`;
  if (costCache.has(key)) return costCache.get(key);
  const started = performance.now();
  let problem: string | undefined;
  try {
    const { stepsPerChar, worst } = regexCost(source, flags);
    if (!(stepsPerChar <= MAX_STEPS_PER_CHAR)) {
      const what = worst === undefined ? 'the pattern' : `${worst.construct}: ${worst.why}`;
      const steps =
        stepsPerChar === Infinity ? 'no bound on the backtracking steps per character of text' : `about ${formatCount(stepsPerChar)} backtracking steps per character of text`;
      problem = `pattern is not linear: ${what} (${steps}, limit ${MAX_STEPS_PER_CHAR}): ${source}`;
    }
  } catch (err) {
    problem = err instanceof UnsupportedPatternError ? `pattern is refused: ${err.message}: ${source}` : `pattern could not be analysed (${(err as Error).message}): ${source}`;
  }
  redosMs += performance.now() - started;
  costCache.set(key, problem);
  return problem;
}

/**
 * Compiles one rule, checks its patterns for ReDoS and runs its examples. `provenAtBuild`: the
 * build already did both for exactly this rule (see config/rules-verified.ts), so only the
 * compiling is left.
 */
export function compileRule(entry: RuleEntry, options: { provenAtBuild?: boolean } = {}): { check: RuleCheck; rule?: CompiledRule } {
  const proven = options.provenAtBuild === true;
  const r = entry.input;
  const check: RuleCheck = { id: r.id, source: entry.source, enabled: r.enabled, ok: true, problems: [], examples: { passed: 0, failed: 0 } };
  const paths: PathSegmentMatcher[][] = [];
  for (const p of r.paths) {
    const parsed = parseJsonPath(p);
    if (parsed === undefined) check.problems.push(`path ${JSON.stringify(p)} is not supported (use $, .key, .*, [*], [0], ["key"])`);
    else paths.push(parsed);
  }
  const base = {
    id: r.id,
    description: r.description,
    method: r.method,
    replacement: r.replacement ?? `[${r.id}]`,
    keepLast: r.keep_last,
    kinds: new Set<EventKind>(r.kinds),
    paths,
    examples: { match: r.examples.match, noMatch: r.examples.no_match },
  };
  let rule: CompiledRule | undefined;
  switch (r.kind) {
    case 'regex': {
      const patterns: RegExp[] = [];
      const patternContainsAny: string[][] = [];
      for (const entry of r.patterns) {
        const source = typeof entry === 'string' ? entry : entry.pattern;
        let re: RegExp;
        const flags = `g${r.flags}${source.includes('(?<value>') ? 'd' : ''}`;
        try {
          re = new RegExp(source, flags);
        } catch (err) {
          check.problems.push(`pattern does not compile (${(err as Error).message}): ${source}`);
          continue;
        }
        const unsafe = proven ? undefined : redosProblem(source, r.flags);
        if (unsafe !== undefined) {
          check.problems.push(unsafe);
          continue;
        }
        patterns.push(re);
        patternContainsAny.push(typeof entry === 'string' ? [] : entry.contains_any);
      }
      rule = {
        ...base,
        kind: 'regex',
        patterns,
        validator: r.validator,
        containsAny: r.contains_any,
        patternContainsAny,
        minDigits: r.min_digits,
        minHexRun: r.min_hex_run,
        minNumRun: r.min_num_run,
        shape: r.shape,
        numbers: r.numbers,
        skipKeys: r.skip_keys.map(splitWords),
      };
      break;
    }
    case 'keyname':
      rule = { ...base, kind: 'keyname', keys: r.keys.map(splitWords), suffixKeys: r.suffix_keys.map(splitWords) };
      break;
    case 'content':
      rule = { ...base, kind: 'content', keys: r.keys.map(splitWords), exceptLast: new Set(r.except_last.map((k) => k.toLowerCase())) };
      if (r.keys.length === 0 && paths.length === 0) check.problems.push('a content rule needs keys or paths');
      break;
    case 'entropy':
      rule = {
        ...base,
        kind: 'entropy',
        entropy: {
          minLength: r.entropy.min_length,
          base64Threshold: r.entropy.base64_threshold,
          hexThreshold: r.entropy.hex_threshold,
          hexMinLength: r.entropy.hex_min_length,
          skipKeys: r.entropy.skip_keys.map(splitWords),
        },
      };
      break;
  }
  if (r.examples.match.length === 0) check.problems.push('has no examples that must match');
  if (check.problems.length === 0 && !proven) runExamples(rule, check);
  check.ok = check.problems.length === 0;
  return check.ok ? { check, rule } : { check };
}

function runExamples(rule: CompiledRule, check: RuleCheck): void {
  for (const sample of rule.examples.match) {
    if (detectInText(rule, sample) > 0) check.examples.passed++;
    else {
      check.examples.failed++;
      check.problems.push(`example should match but does not: ${JSON.stringify(sample)}`);
    }
  }
  for (const sample of rule.examples.noMatch) {
    if (detectInText(rule, sample) === 0) check.examples.passed++;
    else {
      check.examples.failed++;
      check.problems.push(`example should not match but does: ${JSON.stringify(sample)}`);
    }
  }
}

/** Key lists in the rules file are split exactly like event keys: `apiKey`, `api_key`, `api-key` are one entry. */
function splitWords(text: string): string[] {
  return keyParts(text);
}
