import type { CompiledEntropyRule, CompiledRegexRule } from './rule-set.js';
import { validatorFor } from './validators.js';

/**
 * A text rule (regex or entropy) ready for the hot loop: every gate the prefilter can answer is a
 * plain field here, so rejecting a rule for a string is a few comparisons.
 */
export interface TextRule {
  rule: CompiledRegexRule | CompiledEntropyRule;
  regex: CompiledRegexRule | undefined;
  entropy: CompiledEntropyRule | undefined;
  minDigits: number;
  minHexRun: number;
  minNumRun: number;
  minTokenRun: number;
  /** 1 when the rule needs the prefilter's IPv6 shape, 2 the IBAN shape. */
  shape: number;
  numbers: boolean;
  /** Prefilter literal ids of the rule: one must be present (empty = no requirement). */
  literalIds: Int32Array;
  /** Prefilter literal ids per pattern. */
  patternLiteralIds: Int32Array[];
  /** The patterns without the `d` flag: V8 makes every match dearer when it records match indices. */
  fast: RegExp[];
  /** Sticky `d` twins of patterns with a `value` group, used only when the value's place in the match is ambiguous. */
  exact: (RegExp | undefined)[];
  hasValueGroup: boolean[];
  validator: ((value: string) => boolean) | undefined;
  scoped: boolean;
  skipKeys: readonly (readonly string[])[];
  /** Feature bits the string must have (see `TextRuleIndex.candidates`); 0 until the index assigns them. */
  requires: number;
  /** Whether {@link requires} covers every gate of the rule (false when feature bits ran out). */
  gated: boolean;
  /** Prefilter literal group of the rule (one of its literals may occur), 0 when ungrouped. */
  group: number;
  /** The rule's bit in a key's skip mask (see `KeyInfo.skips`), 0 when its skip keys are matched per string. */
  skipBit: number;
  /**
   * Entropy rules: whole runs of base64/hex token characters (the set of `isTokenChar` but `=`,
   * which only pads a run's end) at least `minLength` long, found natively. The lookbehind makes each run start the only place a match is
   * tried, so a run too short costs one attempt rather than one per character.
   */
  tokenRuns: RegExp | undefined;
}

/**
 * Prepares a regex or entropy rule for the scrubber's hot loop. `literalId` maps each prefilter
 * literal to the id the scrubber's {@link Prefilter} knows it by.
 */
export function prepareTextRule(rule: CompiledRegexRule | CompiledEntropyRule, literalId: (text: string) => number): TextRule {
  const scoped = rule.paths.length > 0;
  if (rule.kind === 'entropy') {
    return {
      rule,
      regex: undefined,
      entropy: rule,
      minDigits: 0,
      minHexRun: 0,
      minNumRun: 0,
      minTokenRun: rule.entropy.minLength,
      shape: 0,
      numbers: false,
      literalIds: new Int32Array(0),
      patternLiteralIds: [],
      fast: [],
      exact: [],
      hasValueGroup: [],
      validator: undefined,
      scoped,
      skipKeys: rule.entropy.skipKeys,
      requires: 0,
      gated: false,
      group: 0,
      skipBit: 0,
      // `=` ends a token (`key=value`) except as base64 padding at its end.
      tokenRuns: new RegExp(`(?<![A-Za-z0-9+_-])[A-Za-z0-9+_-]{${rule.entropy.minLength},}={0,2}`, 'g'),
    };
  }
  const ids = (literals: readonly string[] | undefined): Int32Array => Int32Array.from((literals ?? []).map(literalId));
  return {
    rule,
    regex: rule,
    entropy: undefined,
    minDigits: rule.minDigits,
    minHexRun: rule.minHexRun,
    minNumRun: rule.minNumRun,
    minTokenRun: 0,
    shape: rule.shape === 'ipv6' ? 1 : rule.shape === 'iban' ? 2 : 0,
    numbers: rule.numbers,
    literalIds: ids(rule.containsAny),
    patternLiteralIds: rule.patterns.map((_, i) => ids(rule.patternContainsAny[i])),
    fast: rule.patterns.map((re) => (re.flags.includes('d') ? new RegExp(re.source, re.flags.replace('d', '')) : re)),
    exact: rule.patterns.map((re) =>
      VALUE_GROUP.test(re.source) ? new RegExp(re.source, `${re.flags.replace(/[gd]/g, '')}dy`) : undefined,
    ),
    hasValueGroup: rule.patterns.map((re) => VALUE_GROUP.test(re.source)),
    validator: rule.validator === undefined ? undefined : validatorFor(rule.validator),
    scoped,
    skipKeys: rule.skipKeys,
    requires: 0,
    gated: false,
    group: 0,
    skipBit: 0,
    tokenRuns: undefined,
  };
}

const VALUE_GROUP = /\(\?<value>/;
