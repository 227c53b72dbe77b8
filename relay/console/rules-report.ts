import { readFileSync } from 'node:fs';
import { parseYaml } from '../../config/yaml.js';
import { describeSchema } from '../../config/forwarded-schema.js';
import { detectInText } from '../../scrubbers/index.js';
import type { CompiledRule, CompiledRuleSet, PathSegmentMatcher } from '../../scrubbers/index.js';

/** One example of a rule and whether the compiled rule does what it says. */
export interface ExampleResult {
  text: string;
  expect: 'match' | 'no_match';
  passed: boolean;
}

/** A rule as the console's Rules page shows it. */
export interface RuleView {
  id: string;
  description: string;
  /** How it detects: regex, keyname, content, entropy. */
  type: string;
  method: string;
  /** Event kinds it applies to. */
  kinds: string[];
  /** JSON path scopes; empty = everywhere. */
  paths: string[];
  enabled: boolean;
  examples: ExampleResult[];
}

export interface RulesView {
  sources: string[];
  rules: RuleView[];
  /** Declared technical fields and their zones, one line each (`error $.frames[*].line integer`). */
  schema: string[];
}

/**
 * What the Rules page shows about the running rule set: every compiled rule with its own examples
 * re-run, the rules a user file turned off, and the forwarded schema with its zones.
 */
export function rulesView(ruleSet: CompiledRuleSet): RulesView {
  const rules = ruleSet.rules.map(ruleView);
  const active = new Set(rules.map((rule) => rule.id));
  for (const off of disabledRules(ruleSet.sources)) if (!active.has(off.id)) rules.push(off);
  return { sources: [...ruleSet.sources], rules, schema: describeSchema(ruleSet.schema) };
}

function ruleView(rule: CompiledRule): RuleView {
  const examples: ExampleResult[] = [
    ...rule.examples.match.map((text) => ({ text, expect: 'match' as const, passed: detectInText(rule, text) > 0 })),
    ...rule.examples.noMatch.map((text) => ({ text, expect: 'no_match' as const, passed: detectInText(rule, text) === 0 })),
  ];
  return {
    id: rule.id,
    description: rule.description,
    type: rule.kind,
    method: rule.method,
    kinds: [...rule.kinds],
    paths: rule.paths.map(pathText),
    enabled: true,
    examples,
  };
}

/** `[{key:'frames'},{any:true}]` back to `$.frames[*]`. */
function pathText(segments: readonly PathSegmentMatcher[]): string {
  return `$${segments
    .map((s) => ('any' in s ? '[*]' : 'index' in s ? `[${s.index}]` : /^[A-Za-z_$][\w$-]*$/.test(s.key) ? `.${s.key}` : `[${JSON.stringify(s.key)}]`))
    .join('')}`;
}

/** Rules switched off (`enabled: false`) in the files the set was built from: not compiled, still listed. */
function disabledRules(sources: readonly string[]): RuleView[] {
  const described = new Map<string, { description?: unknown; kind?: unknown; method?: unknown }>();
  const off = new Set<string>();
  for (const source of sources) {
    let rules: unknown;
    try {
      rules = (parseYaml(readFileSync(source, 'utf8')) as { rules?: unknown } | null)?.rules;
    } catch {
      continue;
    }
    if (!Array.isArray(rules)) continue;
    for (const item of rules as Record<string, unknown>[]) {
      if (typeof item !== 'object' || item === null || typeof item['id'] !== 'string') continue;
      described.set(item['id'], { ...described.get(item['id']), ...item });
      if (item['enabled'] === false) off.add(item['id']);
      else if (item['enabled'] === true) off.delete(item['id']);
    }
  }
  return [...off].map((id) => {
    const item = described.get(id) ?? {};
    return {
      id,
      description: typeof item.description === 'string' ? item.description : '',
      type: typeof item.kind === 'string' ? item.kind : '',
      method: typeof item.method === 'string' ? item.method : 'replace',
      kinds: [],
      paths: [],
      enabled: false,
      examples: [],
    };
  });
}
