import { containsAnyParts, endsWithParts, keyParts, namesContent } from './key-names.js';
import { parseJsonPath, pathWithin } from './json-path.js';
import type { CompiledRule, CompiledRuleSet } from './rule-set.js';
import { FREE_ZONE } from './schema.js';
import { createScrubber } from './scrubber.js';
import type { EventKind } from './types.js';

/**
 * Runs one text rule on one sample string, outside any event: what `checkRules` uses to try a
 * rule's examples. Returns how many values the rule detected.
 */
export function detectInText(rule: CompiledRule, sample: string, hashKey: Buffer | string = 'rules-check'): number {
  if (rule.kind === 'keyname') {
    const parts = keyParts(sample);
    return containsAnyParts(parts, rule.keys) || rule.suffixKeys.some((s) => endsWithParts(parts, s)) ? 1 : 0;
  }
  if (rule.kind === 'content') {
    if (!sample.startsWith('$')) return namesContent(keyParts(sample), rule.keys, rule.exceptLast) ? 1 : 0;
    const concrete = parseJsonPath(sample)?.map((m) => ('key' in m ? m.key : 'index' in m ? m.index : '*'));
    if (concrete === undefined) return 0;
    return rule.paths.some((scope) => scope.length === concrete.length && pathWithin(concrete, scope)) ? 1 : 0;
  }
  const free = { type: undefined, fields: undefined, items: undefined, values: undefined, zone: FREE_ZONE };
  const single: CompiledRuleSet = {
    passthrough: new Set(),
    limits: { maxStringLength: Number.MAX_SAFE_INTEGER, maxDepth: 8 },
    schema: { error: free, scan: free },
    urlQueryKeep: new Set(),
    locals: 'technical',
    rules: [{ ...rule, paths: [], kinds: new Set<EventKind>(['error', 'scan']), ...(rule.kind === 'regex' ? { skipKeys: [] } : {}) }],
    sources: [],
  };
  const { counts } = createScrubber(single, { hashKey, textOnly: true }).scrub({ sample }, 'error');
  return Object.values(counts).reduce((n, count) => n + count, 0);
}

