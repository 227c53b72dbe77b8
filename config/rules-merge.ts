import { zodMessages } from './rules-file.js';
import type { RulesCheckReport } from './rules-report.js';
import { overrideSchema, ruleSchema } from './rules-schema.js';
import type { RuleEntry, RuleInput, RuleOverride } from './rules-schema.js';

/**
 * Merges one rule of a user file into `entries`: a new id is a new rule, a known id overrides the
 * fields it names (never its kind). Problems go into the report.
 */
export function mergeUserRule(item: unknown, index: number, userPath: string, entries: RuleEntry[], report: RulesCheckReport): void {
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
