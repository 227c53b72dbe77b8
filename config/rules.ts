import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { CompiledRule, CompiledRuleSet } from '../scrubbers/index.js';
import { ConfigError } from './errors.js';
import { compileSchema, describeSchema, shippedSchemaFile } from './forwarded-schema.js';
import type { userSchemaAdditions } from './forwarded-schema.js';
import type { VerifiedShippedRules } from './rules-verified.js';
import { compileRule, takeRedosMs } from './rule-compile.js';
import { readYaml, zodMessages } from './rules-file.js';
import { mergeUserRule } from './rules-merge.js';
import { firstProblem } from './rules-report.js';
import type { RulesCheckReport } from './rules-report.js';
import { defaultFileSchema, userFileSchema } from './rules-schema.js';
import type { RuleEntry } from './rules-schema.js';
import { readVerifiedRules, writeVerifiedRules } from './rules-verified.js';

export { redosProblem } from './rule-compile.js';
export { formatRulesCheckReport } from './rules-report.js';
export type { RuleCheck, RulesCheckReport } from './rules-report.js';

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

/** A loaded rule set, and how its shipped rules were verified (for the start log). */
export type LoadedRules = CompiledRuleSet & {
  /**
   * `build`: read from the form `npm run build` verified (see config/rules-verified.ts);
   * otherwise verified at this start, with why the verified form was not used.
   */
  shippedRules: 'build' | 'verified now (no verified form)' | 'verified now (verified form is stale)' | 'verified now (verified form unreadable)' | 'verified now (test rules)';
};

/**
 * Loads the shipped rules, merges the optional user file over them, compiles every pattern,
 * refuses patterns whose backtracking is not linear in the text (see {@link redosProblem}), and
 * runs every rule's examples. Shipped rules that the build verified and no user file changed are
 * taken from the verified form instead of being parsed and proved again.
 * @throws {ConfigError} naming the file, the rule and the reason, e.g.
 *   `rules file /x.yaml: rule "foo": pattern is not linear: a+ can rescan the rest of the text …: (a+)+$`
 * @example const rules = loadRules({ userFile: process.env.RELAY_RULES_FILE });
 */
export function loadRules(options: LoadRulesOptions = {}): LoadedRules {
  const { report, ruleSet, shippedRules } = build(options.userFile, options.defaultFile, true);
  if (!report.ok || ruleSet === undefined) {
    const first = report.errors[0] ?? firstProblem(report);
    throw new ConfigError(first ?? 'rules are invalid');
  }
  return { ...ruleSet, shippedRules };
}

/**
 * What `npm run build` runs: verifies the shipped rules and schema in full and writes their
 * verified form for later starts. Returns the file written.
 * @throws {ConfigError} when a shipped rule fails its checks (the build fails with it).
 */
export function verifyShippedRules(): string {
  const { report, shipped } = build(undefined, undefined, false);
  if (!report.ok || shipped === undefined) throw new ConfigError(report.errors[0] ?? firstProblem(report) ?? 'shipped rules are invalid');
  return writeVerifiedRules(shipped, defaultRulesPath(), defaultSchemaPath());
}

/**
 * What `scrub-relay rules check [FILE]` runs: the shipped rules plus `file` as a user file,
 * every rule compiled, checked for ReDoS and tried on its own examples. Never throws on bad
 * rules; the report says what is wrong.
 */
export function checkRules(file?: string, options: { defaultFile?: string } = {}): RulesCheckReport {
  return build(file, options.defaultFile, false).report;
}

const NOT_USED = {
  absent: 'verified now (no verified form)',
  stale: 'verified now (verified form is stale)',
  unreadable: 'verified now (verified form unreadable)',
} as const;

interface Built {
  report: RulesCheckReport;
  ruleSet?: CompiledRuleSet;
  /** The shipped files as parsed and validated, for the verified form. */
  shipped?: { rules: z.infer<typeof defaultFileSchema>; schema: z.infer<typeof shippedSchemaFile> };
  shippedRules: LoadedRules['shippedRules'];
}

function build(userFile: string | undefined, defaultFile: string | undefined, useVerified: boolean): Built {
  const defaultPath = defaultFile ?? defaultRulesPath();
  const schemaPath = defaultSchemaPath();
  const report: RulesCheckReport = { ok: false, sources: [defaultPath], errors: [], rules: [], schema: [], redosCheckMs: 0 };
  let shippedRules: LoadedRules['shippedRules'] = 'verified now (test rules)';
  let verified: VerifiedShippedRules | undefined;
  if (useVerified && defaultFile === undefined) {
    const found = readVerifiedRules(defaultPath, schemaPath);
    if ('verified' in found) {
      verified = found.verified;
      shippedRules = 'build';
    } else shippedRules = NOT_USED[found.reason];
  }
  const parsed = verified === undefined ? parseFile(defaultPath, defaultFileSchema, report) : verified.rules;
  if (parsed === undefined) return { report, shippedRules };
  const entries: RuleEntry[] = [];
  const seen = new Set<string>();
  for (const rule of parsed.rules) {
    if (seen.has(rule.id)) report.errors.push(`rules file ${defaultPath}: rule "${rule.id}" is defined twice`);
    seen.add(rule.id);
    entries.push({ input: rule, source: defaultPath });
  }
  let limits = { maxStringLength: parsed.limits.max_string_length, maxDepth: parsed.limits.max_depth };
  const shippedSchema = verified === undefined ? parseFile(schemaPath, shippedSchemaFile, report) : verified.schema;
  if (shippedSchema === undefined) return { report, shippedRules };
  let schemaAdditions: z.infer<typeof userSchemaAdditions>;

  if (userFile !== undefined && userFile !== '') {
    const userPath = resolve(userFile);
    report.sources.push(userPath);
    const raw = readYaml(userPath, report);
    if (raw === undefined) return { report, shippedRules };
    const user = userFileSchema.safeParse(raw ?? {});
    if (!user.success) {
      report.errors.push(...zodMessages(userPath, user.error, raw));
      return { report, shippedRules };
    }
    limits = {
      maxStringLength: user.data.limits?.max_string_length ?? limits.maxStringLength,
      maxDepth: user.data.limits?.max_depth ?? limits.maxDepth,
    };
    schemaAdditions = user.data.schema;
    user.data.rules.forEach((item, index) => mergeUserRule(item, index, userPath, entries, report));
  }
  const { compiled: schema, problems: schemaProblems } = compileSchema(shippedSchema, schemaAdditions);
  report.errors.push(...schemaProblems.map((p) => `rules file ${report.sources.at(-1) ?? schemaPath}: ${p}`));
  if (report.errors.length > 0 || schema === undefined) return { report, shippedRules };
  report.schema = describeSchema(schema.schema);

  const compiled: CompiledRule[] = [];
  for (const entry of entries) {
    // A shipped rule no user file changed was proved linear and tried on its examples by the build.
    const { check, rule } = compileRule(entry, { provenAtBuild: verified !== undefined && entry.source === defaultPath });
    report.rules.push(check);
    if (rule !== undefined && check.enabled && check.ok) compiled.push(rule);
  }
  report.redosCheckMs = takeRedosMs();
  report.ok = report.errors.length === 0 && report.rules.every((r) => r.ok);
  if (!report.ok) return { report, shippedRules };
  return {
    report,
    shippedRules,
    shipped: { rules: parsed, schema: shippedSchema },
    ruleSet: {
      passthrough: new Set(parsed.passthrough),
      limits,
      schema: schema.schema,
      urlQueryKeep: schema.urlQueryKeep,
      locals: schema.locals,
      rules: compiled,
      sources: report.sources,
    },
  };
}

/** A YAML file parsed and validated by `schema`, or undefined with the problems in the report. */
function parseFile<T extends z.ZodType>(path: string, schema: T, report: RulesCheckReport): z.infer<T> | undefined {
  const raw = readYaml(path, report);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    report.errors.push(...zodMessages(path, parsed.error, raw));
    return undefined;
  }
  return parsed.data;
}
