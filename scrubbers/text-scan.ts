import { CLEAN_CACHE_MAX_LENGTH, worthLookingUp } from './clean-cache.js';
import { containsAnyParts } from './key-names.js';
import { MIN_SCANNED_LENGTH } from './scrub-context.js';
import type { ScrubContext } from './scrub-context.js';
import { record } from './tally.js';
import { applyEntropyRule, applyRegexRule } from './text-match.js';
import type { TextRule } from './text-rule.js';
import { applies } from './walk-state.js';
import type { Walk } from './walk-state.js';

/** Whether the immediate or parent key names one of the rule's skip keys. */
function skippedByKey(cx: ScrubContext, t: TextRule, walk: Walk): boolean {
  if (t.skipBit !== 0) {
    const masks = walk.skipMasks;
    const n = masks.length;
    return (((n > 0 ? (masks[n - 1] as number) : 0) | (n > 1 ? (masks[n - 2] as number) : 0)) & t.skipBit) !== 0;
  }
  const skipKeys = t.skipKeys;
  if (skipKeys.length === 0) return false;
  const n = walk.path.length;
  for (let i = Math.max(0, n - 2); i < n; i++) {
    const seg = walk.path[i];
    if (typeof seg === 'string' && containsAnyParts(cx.keys.info(seg).parts, skipKeys)) return true;
  }
  return false;
}

/**
 * One string through the text rules (secrets, personal data) that can match it: truncated to the
 * limit, looked up in the clean cache, measured once by the prefilter, then each candidate rule
 * that applies where the string sits. A string nothing fired on, with no rule skipped for its
 * place, goes into the clean cache.
 */
export function scrubText(cx: ScrubContext, input: string, walk: Walk, fromNumber: boolean): string {
  let s = input;
  if (s.length > cx.maxStringLength) {
    s = s.slice(0, cx.maxStringLength);
    record(walk, 'truncated', 1);
  }
  if (s.length < MIN_SCANNED_LENGTH) return s;
  const clean = cx.cleanStrings[walk.kind];
  const owner = walk.owner;
  const cacheable = !fromNumber && s.length <= CLEAN_CACHE_MAX_LENGTH && (owner === undefined || worthLookingUp(owner));
  if (cacheable && clean.has(s)) {
    if (owner !== undefined) owner.cacheFinds++;
    return s;
  }
  const firedBefore = walk.fired;
  let pathDependent = false;
  const index = cx.index;
  const pf = index.prefilter;
  pf.measure(s);
  const textRules = index.candidates(walk.kind, fromNumber, owner);
  if (textRules.length === 0) {
    if (cacheable) clean.add(s);
    return s;
  }
  for (let r = 0; r < textRules.length; r++) {
    const t = textRules[r] as TextRule;
    if (!t.gated && !index.passesGates(t)) continue;
    if (t.shape !== 0 && !pf.hasShape(t.shape)) continue;
    if (t.literalIds.length > 0 && !pf.has(t.literalIds)) continue;
    // A rule skipped here may fire on the same string elsewhere; one that ran without firing never will.
    if ((t.scoped && !applies(t.rule, walk)) || skippedByKey(cx, t, walk)) {
      pathDependent = true;
      walk.pathDependent = true;
      continue;
    }
    walk.currentRule = t.rule.id;
    s = t.entropy !== undefined && t.tokenRuns !== undefined ? applyEntropyRule(cx, t.tokenRuns, t.entropy, s, walk) : applyRegexRule(cx, t, s, walk);
  }
  walk.currentRule = undefined;
  if (cacheable && !pathDependent && walk.fired === firedBefore && s === input) clean.add(s);
  return s;
}
