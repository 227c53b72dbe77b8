import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { detectInText, keyParts, parseJsonPath, VALIDATOR_NAMES } from '../scrubbers/index.js';
import type { CompiledRule, CompiledRuleSet, EventKind, PathSegmentMatcher, ValidatorName } from '../scrubbers/index.js';
import { ConfigError } from './errors.js';
import { compileSchema, describeSchema, shippedSchemaFile, userSchemaAdditions } from './forwarded-schema.js';
import { formatCount, MAX_STEPS_PER_CHAR, regexCost, UnsupportedPatternError } from './regex-cost.js';

// ---------------------------------------------------------------------------------------------
// Schema of a rules file. Every object is strict: an unknown field is refused, so a typo such as
// `patern:` cannot silently disable a rule.
// ---------------------------------------------------------------------------------------------

const ruleId = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be snake_case: a-z, 0-9, _');
const methodSchema = z.enum(['remove', 'replace', 'mask', 'hash']);
const kindSchema = z.enum(['error', 'scan']);
const examplesSchema = z.strictObject({
  match: z.array(z.string()).default([]),
  no_match: z.array(z.string()).default([]),
});
const entropySchema = z.strictObject({
  min_length: z.number().int().min(8).max(1024),
  base64_threshold: z.number().min(1).max(8),
  hex_threshold: z.number().min(1).max(4),
  hex_min_length: z.number().int().min(8).max(1024),
  skip_keys: z.array(z.string()).default([]),
});

const common = {
  id: ruleId,
  description: z.string().min(1),
  method: methodSchema.default('replace'),
  replacement: z.string().optional(),
  keep_last: z.number().int().min(0).max(8).default(4),
  kinds: z.array(kindSchema).min(1).default(['error', 'scan']),
  paths: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
  examples: examplesSchema,
};

/** A pattern, or a pattern with its own literal prefilter (when one rule holds several shapes). */
const patternSchema = z.union([
  z.string().min(1),
  z.strictObject({ pattern: z.string().min(1), contains_any: z.array(z.string().min(1)).min(1) }),
]);

const regexRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('regex'),
  patterns: z.array(patternSchema).min(1),
  flags: z.string().regex(/^[imsu]*$/, 'only the flags i, m, s, u are allowed').default(''),
  contains_any: z.array(z.string().min(1)).default([]),
  min_digits: z.number().int().min(0).default(0),
  min_hex_run: z.number().int().min(0).default(0),
  min_num_run: z.number().int().min(0).default(0),
  shape: z.enum(['ipv6', 'iban']).optional(),
  validator: z.enum(VALIDATOR_NAMES as [ValidatorName, ...ValidatorName[]]).optional(),
  numbers: z.boolean().default(false),
  skip_keys: z.array(z.string()).default([]),
});
const keynameRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('keyname'),
  keys: z.array(z.string().min(1)).default([]),
  suffix_keys: z.array(z.string().min(1)).default([]),
});
const contentRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('content'),
  keys: z.array(z.string().min(1)).default([]),
  except_last: z.array(z.string().min(1)).default([]),
});
const entropyRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('entropy'),
  entropy: entropySchema,
});
const ruleSchema = z.discriminatedUnion('kind', [regexRuleSchema, keynameRuleSchema, contentRuleSchema, entropyRuleSchema]);
type RuleInput = z.infer<typeof ruleSchema>;

const limitsSchema = z.strictObject({
  max_string_length: z.number().int().min(256).max(16 * 1024 * 1024).optional(),
  max_depth: z.number().int().min(4).max(1000).optional(),
});

const defaultFileSchema = z.strictObject({
  version: z.literal(1),
  limits: z.strictObject({
    max_string_length: z.number().int().min(256),
    max_depth: z.number().int().min(4),
  }),
  passthrough: z.array(z.string()),
  rules: z.array(ruleSchema),
});

/** What a user file may change on a built-in rule, by id. `kind` and `id` cannot change. */
const overrideSchema = z.strictObject({
  id: ruleId,
  description: z.string().min(1).optional(),
  enabled: z.boolean().optional(),
  method: methodSchema.optional(),
  replacement: z.string().optional(),
  keep_last: z.number().int().min(0).max(8).optional(),
  kinds: z.array(kindSchema).min(1).optional(),
  paths: z.array(z.string()).optional(),
  examples: examplesSchema.optional(),
  patterns: z.array(patternSchema).min(1).optional(),
  flags: z.string().regex(/^[imsu]*$/).optional(),
  contains_any: z.array(z.string().min(1)).optional(),
  min_digits: z.number().int().min(0).optional(),
  min_hex_run: z.number().int().min(0).optional(),
  min_num_run: z.number().int().min(0).optional(),
  shape: z.enum(['ipv6', 'iban']).optional(),
  validator: z.enum(VALIDATOR_NAMES as [ValidatorName, ...ValidatorName[]]).optional(),
  numbers: z.boolean().optional(),
  skip_keys: z.array(z.string()).optional(),
  keys: z.array(z.string().min(1)).optional(),
  suffix_keys: z.array(z.string().min(1)).optional(),
  except_last: z.array(z.string().min(1)).optional(),
  entropy: entropySchema.partial().optional(),
});
type RuleOverride = z.infer<typeof overrideSchema>;

const userFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  limits: limitsSchema.optional(),
  schema: userSchemaAdditions,
  rules: z.array(z.unknown()).default([]),
});

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** Result of checking one rule. */
export interface RuleCheck {
  id: string;
  /** File that defined the rule, and the file that last changed it. */
  source: string;
  enabled: boolean;
  ok: boolean;
  /** Why the rule is refused: unsafe or invalid pattern, failed examples. Empty when ok. */
  problems: string[];
  examples: { passed: number; failed: number };
}

/** Report of `checkRules`: one entry per rule, plus problems that belong to no single rule. */
export interface RulesCheckReport {
  ok: boolean;
  /** Files read, in merge order. */
  sources: string[];
  /** Problems with a whole file (unreadable, not YAML, unknown fields at the top). */
  errors: string[];
  rules: RuleCheck[];
  /** The forwarded schema's declared paths and zones (`error $.frames[*].line integer`); every other path is free-form. */
  schema: string[];
  /** Milliseconds spent in the backtracking analysis (patterns already analysed in this process are free). */
  redosCheckMs: number;
}

/** Options of {@link loadRules}. */
export interface LoadRulesOptions {
  /** A user rules file (`RELAY_RULES_FILE`) merged over the shipped defaults: add, disable, reconfigure. */
  userFile?: string | undefined;
  /** Rules file used instead of the shipped `config/rules.yaml` (tests). */
  defaultFile?: string | undefined;
}

/** Path of the shipped forwarded schema, beside the shipped rules. */
export function defaultSchemaPath(): string {
  return join(dirname(defaultRulesPath()), 'forwarded-schema.yaml');
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/**
 * Path of the shipped rules file. The module runs from `config/` (vitest, tsx) or from
 * `dist/config/` (after `tsc`), so the file is found from the package root, not the module.
 */
export function defaultRulesPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'config', 'rules.yaml');
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError(`cannot find package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * Loads the shipped rules, merges the optional user file over them, compiles every pattern,
 * refuses patterns whose backtracking is not linear in the text (see {@link redosProblem}), and
 * runs every rule's examples.
 * @throws {ConfigError} naming the file, the rule and the reason, e.g.
 *   `rules file /x.yaml: rule "foo": pattern is not linear: a+ can rescan the rest of the text …: (a+)+$`
 * @example const rules = loadRules({ userFile: process.env.RELAY_RULES_FILE });
 */
export function loadRules(options: LoadRulesOptions = {}): CompiledRuleSet {
  const { report, ruleSet } = build(options.userFile, options.defaultFile);
  if (!report.ok || ruleSet === undefined) {
    const first = report.errors[0] ?? firstProblem(report);
    throw new ConfigError(first ?? 'rules are invalid');
  }
  return ruleSet;
}

/**
 * What `scrub-relay rules check [FILE]` runs: the shipped rules plus `file` as a user file,
 * every rule compiled, checked for ReDoS and tried on its own examples. Never throws on bad
 * rules; the report says what is wrong.
 */
export function checkRules(file?: string, options: { defaultFile?: string } = {}): RulesCheckReport {
  return build(file, options.defaultFile).report;
}

/** Renders a check report as text for the CLI, one line per rule, problems indented below. */
export function formatRulesCheckReport(report: RulesCheckReport): string {
  const lines: string[] = [];
  lines.push(`rules: ${report.sources.join(' + ')}`);
  for (const e of report.errors) lines.push(`ERROR ${e}`);
  for (const r of report.rules) {
    const state = !r.enabled ? 'off ' : r.ok ? 'ok  ' : 'FAIL';
    lines.push(`${state} ${r.id.padEnd(22)} examples ${r.examples.passed} passed, ${r.examples.failed} failed  (${r.source})`);
    for (const p of r.problems) lines.push(`       - ${p}`);
  }
  if (report.schema.length > 0) {
    lines.push('forwarded schema (declared technical fields and their zones; every other path is free-form):');
    for (const line of report.schema) lines.push(`     ${line}`);
  }
  const failed = report.rules.filter((r) => !r.ok).length;
  lines.push(
    report.ok
      ? `${report.rules.length} rules ok (ReDoS analysis ${Math.round(report.redosCheckMs)} ms)`
      : `${failed} rule(s) failed${report.errors.length > 0 ? `, ${report.errors.length} file error(s)` : ''}`,
  );
  return lines.join('\n');
}

function firstProblem(report: RulesCheckReport): string | undefined {
  for (const r of report.rules) {
    const p = r.problems[0];
    if (p !== undefined) return `rules file ${r.source}: rule "${r.id}": ${p}`;
  }
  return undefined;
}

interface Entry {
  input: RuleInput;
  source: string;
}

function build(userFile: string | undefined, defaultFile: string | undefined): { report: RulesCheckReport; ruleSet?: CompiledRuleSet } {
  const defaultPath = defaultFile ?? defaultRulesPath();
  const report: RulesCheckReport = { ok: false, sources: [defaultPath], errors: [], rules: [], schema: [], redosCheckMs: 0 };
  const base = readYaml(defaultPath, report);
  if (base === undefined) return { report };
  const parsed = defaultFileSchema.safeParse(base);
  if (!parsed.success) {
    report.errors.push(...zodMessages(defaultPath, parsed.error, base));
    return { report };
  }
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const rule of parsed.data.rules) {
    if (seen.has(rule.id)) report.errors.push(`rules file ${defaultPath}: rule "${rule.id}" is defined twice`);
    seen.add(rule.id);
    entries.push({ input: rule, source: defaultPath });
  }
  let limits = { maxStringLength: parsed.data.limits.max_string_length, maxDepth: parsed.data.limits.max_depth };
  const schemaPath = defaultSchemaPath();
  const schemaRaw = readYaml(schemaPath, report);
  if (schemaRaw === undefined) return { report };
  const shippedSchema = shippedSchemaFile.safeParse(schemaRaw);
  if (!shippedSchema.success) {
    report.errors.push(...zodMessages(schemaPath, shippedSchema.error, schemaRaw));
    return { report };
  }
  let schemaAdditions: z.infer<typeof userSchemaAdditions>;

  if (userFile !== undefined && userFile !== '') {
    const userPath = resolve(userFile);
    report.sources.push(userPath);
    const raw = readYaml(userPath, report);
    if (raw === undefined) return { report };
    const user = userFileSchema.safeParse(raw ?? {});
    if (!user.success) {
      report.errors.push(...zodMessages(userPath, user.error, raw));
      return { report };
    }
    limits = {
      maxStringLength: user.data.limits?.max_string_length ?? limits.maxStringLength,
      maxDepth: user.data.limits?.max_depth ?? limits.maxDepth,
    };
    schemaAdditions = user.data.schema;
    user.data.rules.forEach((item, index) => mergeUserRule(item, index, userPath, entries, report));
  }
  const { compiled: schema, problems: schemaProblems } = compileSchema(shippedSchema.data, schemaAdditions);
  report.errors.push(...schemaProblems.map((p) => `rules file ${report.sources.at(-1) ?? schemaPath}: ${p}`));
  if (report.errors.length > 0 || schema === undefined) return { report };
  report.schema = describeSchema(schema.schema);

  const compiled: CompiledRule[] = [];
  for (const entry of entries) {
    const { check, rule } = compileRule(entry);
    report.rules.push(check);
    if (rule !== undefined && check.enabled && check.ok) compiled.push(rule);
  }
  report.redosCheckMs = redosMs;
  redosMs = 0;
  report.ok = report.errors.length === 0 && report.rules.every((r) => r.ok);
  if (!report.ok) return { report };
  return {
    report,
    ruleSet: {
      passthrough: new Set(parsed.data.passthrough),
      limits,
      schema: schema.schema,
      urlQueryKeep: schema.urlQueryKeep,
      locals: schema.locals,
      rules: compiled,
      sources: report.sources,
    },
  };
}

function mergeUserRule(item: unknown, index: number, userPath: string, entries: Entry[], report: RulesCheckReport): void {
  const id = typeof item === 'object' && item !== null && 'id' in item ? (item).id : undefined;
  const label = typeof id === 'string' ? `rule "${id}"` : `rules[${index}]`;
  const existing = entries.findIndex((e) => e.input.id === id);
  if (existing === -1) {
    const full = ruleSchema.safeParse(item);
    if (!full.success) {
      report.errors.push(...zodMessages(userPath, full.error, item, label));
      return;
    }
    entries.push({ input: full.data, source: userPath });
    return;
  }
  if (typeof item === 'object' && item !== null && 'kind' in item) {
    const kind = (item).kind;
    const current = entries[existing];
    if (current !== undefined && kind !== current.input.kind) {
      report.errors.push(`rules file ${userPath}: ${label}: cannot change kind of built-in rule from ${current.input.kind} to ${JSON.stringify(kind)}`);
      return;
    }
    item = Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'kind'));
  }
  const override = overrideSchema.safeParse(item);
  if (!override.success) {
    report.errors.push(...zodMessages(userPath, override.error, item, label));
    return;
  }
  const current = entries[existing];
  if (current === undefined) return;
  const merged = applyOverride(current.input, override.data, userPath, report, label);
  if (merged !== undefined) entries[existing] = { input: merged, source: `${current.source} + ${userPath}` };
}

const FIELDS_BY_KIND: Record<RuleInput['kind'], readonly string[]> = {
  regex: ['patterns', 'flags', 'contains_any', 'min_digits', 'min_hex_run', 'min_num_run', 'shape', 'validator', 'numbers', 'skip_keys'],
  keyname: ['keys', 'suffix_keys'],
  content: ['keys', 'except_last'],
  entropy: ['entropy'],
};
const COMMON_FIELDS = ['id', 'description', 'enabled', 'method', 'replacement', 'keep_last', 'kinds', 'paths', 'examples'];

function applyOverride(base: RuleInput, o: RuleOverride, userPath: string, report: RulesCheckReport, label: string): RuleInput | undefined {
  const allowed = new Set([...COMMON_FIELDS, ...FIELDS_BY_KIND[base.kind]]);
  const wrong = Object.keys(o).filter((k) => !allowed.has(k));
  if (wrong.length > 0) {
    report.errors.push(`rules file ${userPath}: ${label}: field(s) ${wrong.map((w) => `"${w}"`).join(', ')} do not apply to a ${base.kind} rule`);
    return undefined;
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    merged[k] = k === 'entropy' && base.kind === 'entropy' ? { ...base.entropy, ...(v as object) } : v;
  }
  const result = ruleSchema.safeParse(merged);
  if (!result.success) {
    report.errors.push(...zodMessages(userPath, result.error, merged, label));
    return undefined;
  }
  return result.data;
}

function readYaml(path: string, report: RulesCheckReport): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    report.errors.push(`rules file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    return parseYaml(text, { uniqueKeys: true }) as unknown;
  } catch (err) {
    report.errors.push(`rules file ${path}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
    return undefined;
  }
}

function zodMessages(file: string, error: z.ZodError, input: unknown, label?: string): string[] {
  return error.issues.map((issue) => {
    const where = label ?? describePath(issue.path, input);
    const field = label !== undefined && issue.path.length > 0 ? ` field "${issue.path.join('.')}"` : '';
    let what: string;
    if (issue.code === 'unrecognized_keys') {
      what = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    } else {
      const received = valueAt(input, issue.path);
      what = `${issue.message}${received === undefined ? '' : `, got ${JSON.stringify(received)}`}`;
    }
    return `rules file ${file}: ${where}${field}: ${what}`;
  });
}

function describePath(path: readonly PropertyKey[], input: unknown): string {
  if (path[0] === 'rules' && typeof path[1] === 'number') {
    const rule = valueAt(input, ['rules', path[1]]);
    const id = typeof rule === 'object' && rule !== null && 'id' in rule ? (rule).id : undefined;
    const rest = path.slice(2).join('.');
    return `${typeof id === 'string' ? `rule "${id}"` : `rules[${path[1]}]`}${rest === '' ? '' : ` field "${rest}"`}`;
  }
  return path.length === 0 ? 'top level' : `field "${path.join('.')}"`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return typeof cur === 'object' ? undefined : cur;
}

// ---------------------------------------------------------------------------------------------
// Compiling and the backtracking check
// ---------------------------------------------------------------------------------------------

/** Analyses already made in this process, by `flags/source`: user files are re-checked on reload. */
const costCache = new Map<string, string | undefined>();
let redosMs = 0;

/**
 * Why `source` is refused, or undefined when its backtracking work is bounded by
 * {@link MAX_STEPS_PER_CHAR} steps per character of text, for any text (see {@link regexCost}: a
 * static analysis of the pattern, microseconds per pattern, so every start analyses every rule).
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

function compileRule(entry: Entry): { check: RuleCheck; rule?: CompiledRule } {
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
        const unsafe = redosProblem(source, r.flags);
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
  if (check.problems.length === 0) runExamples(rule, check);
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
