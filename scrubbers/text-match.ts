import { isHighEntropyToken } from './entropy.js';
import { containsAnyParts, keyParts } from './key-names.js';
import { redactText } from './redact.js';
import type { CompiledEntropyRule } from './rule-set.js';
import type { ScrubContext } from './scrub-context.js';
import { record } from './tally.js';
import type { TextRule } from './text-rule.js';
import type { Walk } from './walk-state.js';

/** How far before a random-looking token `high_entropy` looks for a word naming it technical. */
const CONTEXT_CHARS = 24;

/** How far back from a token a digest's `sha512-` may start: a SHA-512 in base64 is 88 characters. */
const DIGEST_REACH = 128;
/** Subresource-integrity style digests (`sha256-<base64>`); their base64 may hold a `/`. */
const DIGEST_PREFIX = /^(?:sha(?:1|224|256|384|512)|md5)[-:_]/i;

function isSpaceOrQuote(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39;
}

/** A regex rule over one string: every match (its `value` group, when it has one) that passes the validator is redacted. */
export function applyRegexRule(cx: ScrubContext, t: TextRule, input: string, walk: Walk): string {
  const rule = t.rule;
  const prefilter = cx.index.prefilter;
  let s = input;
  let total = 0;
  for (let pi = 0; pi < t.fast.length; pi++) {
    const re = t.fast[pi];
    if (re === undefined) continue;
    const literals = t.patternLiteralIds[pi];
    if (literals !== undefined && !prefilter.has(literals)) continue;
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    let count = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      let start = m.index;
      let end = start + m[0].length;
      if (t.hasValueGroup[pi]) {
        const value = m.groups?.['value'];
        if (value === undefined || value.length === 0) continue;
        // Where the value sits in the match is plain when it occurs there once (String#indexOf
        // is a fast builtin; lastIndexOf is not); otherwise the sticky `d` twin says exactly.
        const first = m[0].indexOf(value);
        if (first !== -1 && m[0].indexOf(value, first + 1) === -1) {
          start = m.index + first;
          end = start + value.length;
        } else {
          const exact = t.exact[pi];
          if (exact === undefined) continue;
          exact.lastIndex = m.index;
          const group = exact.exec(s)?.indices?.groups?.['value'];
          if (group === undefined) continue;
          start = group[0];
          end = group[1];
        }
      }
      const value = s.slice(start, end);
      if (t.validator !== undefined && !t.validator(value)) continue;
      out += s.slice(last, start) + redactText(rule, value, cx.hashKey);
      last = end;
      count++;
    }
    if (count > 0) {
      s = out + s.slice(last);
      total += count;
    }
  }
  if (total > 0) record(walk, rule.id, total);
  return s;
}

/** An entropy rule over one string: each long token run that looks random and is not named technical is redacted. */
export function applyEntropyRule(cx: ScrubContext, re: RegExp, rule: CompiledEntropyRule, s: string, walk: Walk): string {
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let count = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const i = m.index;
    const j = i + m[0].length;
    if (j - i < rule.entropy.minLength) continue;
    if (isHighEntropyToken(s, i, j, rule.entropy) && !namedTechnical(s, i, rule.entropy.skipKeys)) {
      out += s.slice(last, i) + redactText(rule, s.slice(i, j), cx.hashKey);
      last = j;
      count++;
    }
  }
  if (count === 0) return s;
  record(walk, rule.id, count);
  return out + s.slice(last);
}

/** `commit 1a2b…`, `trace_id=4bf9…`: a hash the text itself calls technical is kept. */
function namedTechnical(s: string, tokenStart: number, skipKeys: readonly (readonly string[])[]): boolean {
  // Bounded: every token run of a long word would otherwise walk back to the word's start.
  const floor = Math.max(0, tokenStart - DIGEST_REACH);
  let wordStart = tokenStart;
  while (wordStart > floor && !isSpaceOrQuote(s.charCodeAt(wordStart - 1))) wordStart--;
  const wordFound = wordStart === 0 || isSpaceOrQuote(s.charCodeAt(wordStart - 1));
  if (wordFound && wordStart < tokenStart && DIGEST_PREFIX.test(s.slice(wordStart, wordStart + 8))) return true;
  const before = keyParts(s.slice(Math.max(0, tokenStart - CONTEXT_CHARS), tokenStart));
  return containsAnyParts(before.slice(-2), skipKeys);
}
