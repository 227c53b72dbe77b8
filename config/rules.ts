import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { CompiledRule, CompiledRuleSet } from '../scrubbers/index.js';
import { ConfigError } from './errors.js';
import { compileSchema, describeSchema, shippedSchemaFile } from './forwarded-schema.js';
import type { userSchemaAdditions } from './forwarded-schema.js';
import { compileRule, takeRedosMs } from './rule-compile.js';
import { readYaml, zodMessages } from './rules-file.js';
import { mergeUserRule } from './rules-merge.js';
import { firstProblem } from './rules-report.js';
import type { RulesCheckReport } from './rules-report.js';
import { defaultFileSchema, userFileSchema } from './rules-schema.js';
import type { RuleEntry } from './rules-schema.js';

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
  const entries: RuleEntry[] = [];
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
  report.redosCheckMs = takeRedosMs();
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
