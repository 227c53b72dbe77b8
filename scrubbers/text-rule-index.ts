import { MAX_GROUPS, METRIC, Prefilter } from './prefilter.js';
import type { CompiledRule } from './rule-set.js';
import { prepareTextRule } from './text-rule.js';
import type { TextRule } from './text-rule.js';
import type { EventKind } from './types.js';

/** Distinct prefilter outcomes whose candidate rule lists are kept. */
const CANDIDATE_CACHE_LIMIT = 4096;

/** Feature bits are the bits of a 32-bit integer, two kept free. */
const MAX_FEATURES = 30;

/**
 * The candidate rules of the last string measured under one key, and what selected them (features,
 * literal groups, event kind and whether it was a number): strings under one key tend to measure
 * alike, and this skips the two map lookups of {@link TextRuleIndex.candidates}.
 */
export interface CandidateMemo {
  lastCandidates: TextRule[] | undefined;
  lastFeatures: number;
  lastGroups: number;
  lastTable: number;
}

/** Per feature set, per literal-group set: the candidate rules. */
type CandidateCache = Map<number, Map<number, TextRule[]>>;

/**
 * The text rules (regex, entropy) of a rule set with the prefilter that measures a string once and
 * tells which of them can possibly match it, so that most strings touch no rule at all. A cached
 * candidate list depends only on the string's features and literal groups, the event kind and
 * whether the string came from a number.
 */
export class TextRuleIndex {
  /** Every text rule, in the rule set's order. */
  readonly all: TextRule[];
  /** Measures strings; its `metrics` and `groups` describe the last string measured. */
  readonly prefilter: Prefilter;
  private readonly byKind: Record<EventKind, TextRule[]>;
  private readonly gateMetric: number[] = [];
  private readonly gateMin: number[] = [];
  /** Per event kind, for strings and for JSON numbers: features → literal groups → candidate rules. */
  private readonly cache: Record<EventKind, CandidateCache[]> = {
    error: [new Map() as CandidateCache, new Map() as CandidateCache],
    scan: [new Map() as CandidateCache, new Map() as CandidateCache],
  };

  constructor(rules: readonly CompiledRule[]) {
    const literalIndex = new Map<string, number>();
    const literalId = (text: string): number => {
      const folded = text.toLowerCase();
      let id = literalIndex.get(folded);
      if (id === undefined) {
        id = literalIndex.size;
        literalIndex.set(folded, id);
      }
      return id;
    };
    const all: TextRule[] = [];
    for (const rule of rules) if (rule.kind === 'regex' || rule.kind === 'entropy') all.push(prepareTextRule(rule, literalId));
    this.all = all;
    this.byKind = {
      error: all.filter((t) => t.rule.kinds.has('error')),
      scan: all.filter((t) => t.rule.kinds.has('scan')),
    };
    // A rule all of whose patterns need a literal gets a group bit: the prefilter pass then says,
    // for free, whether any of its literals can occur, and the rule is not even considered if not.
    const literalGroups: number[][] = [];
    for (const t of all) {
      const union = t.literalIds.length > 0 ? [...t.literalIds] : t.patternLiteralIds.every((ids) => ids.length > 0) ? t.patternLiteralIds.flatMap((ids) => [...ids]) : [];
      if (union.length === 0 || literalGroups.length >= MAX_GROUPS) continue;
      t.group = 1 << literalGroups.length;
      literalGroups.push(union);
    }
    this.prefilter = new Prefilter([...literalIndex.keys()], literalGroups);
    // Each distinct prefilter threshold gets a feature bit; a string's features select, through a
    // small cache, the rules that can possibly match it.
    for (const t of all) {
      const gates: [keyof typeof METRIC, number][] = [
        ['digits', t.minDigits],
        ['hexRun', t.minHexRun],
        ['numRun', t.minNumRun],
        ['tokenRun', t.minTokenRun],
      ];
      const bits = gates.map(([metric, min]) => this.gateBit(metric, min));
      t.requires = bits.reduce((acc, bit) => acc | bit, 0);
      t.gated = gates.every(([, min], i) => min <= 0 || bits[i] !== 0);
    }
  }

  private gateBit(metric: keyof typeof METRIC, min: number): number {
    if (min <= 0) return 0;
    const { gateMetric, gateMin } = this;
    let i = gateMetric.findIndex((m, k) => m === METRIC[metric] && gateMin[k] === min);
    if (i === -1) {
      if (gateMetric.length >= MAX_FEATURES) return 0;
      gateMetric.push(METRIC[metric]);
      gateMin.push(min);
      i = gateMetric.length - 1;
    }
    return 1 << i;
  }

  /** The gates of a rule that did not get feature bits (more than 30 distinct thresholds in the rules). */
  passesGates(t: TextRule): boolean {
    const m = this.prefilter.metrics;
    return (
      (m[METRIC.digits] as number) >= t.minDigits &&
      (m[METRIC.hexRun] as number) >= t.minHexRun &&
      (m[METRIC.numRun] as number) >= t.minNumRun &&
      (m[METRIC.tokenRun] as number) >= t.minTokenRun
    );
  }

  /** The rules whose gates the last measured string passed: the scan need check only their literals and scopes. */
  candidates(kind: EventKind, fromNumber: boolean, owner: CandidateMemo | undefined): TextRule[] {
    const metrics = this.prefilter.metrics;
    const { gateMetric, gateMin } = this;
    let features = 0;
    for (let g = 0; g < gateMetric.length; g++) {
      if ((metrics[gateMetric[g] as number] as number) >= (gateMin[g] as number)) features |= 1 << g;
    }
    const groups = this.prefilter.groups;
    const table = (kind === 'scan' ? 2 : 0) + (fromNumber ? 1 : 0);
    if (owner !== undefined) {
      const last = owner.lastCandidates;
      if (last !== undefined && owner.lastFeatures === features && owner.lastGroups === groups && owner.lastTable === table) return last;
    }
    const list = this.candidatesFor(kind, fromNumber, features, groups);
    if (owner !== undefined) {
      owner.lastCandidates = list;
      owner.lastFeatures = features;
      owner.lastGroups = groups;
      owner.lastTable = table;
    }
    return list;
  }

  private candidatesFor(kind: EventKind, fromNumber: boolean, features: number, groups: number): TextRule[] {
    const cache = this.cache[kind][fromNumber ? 1 : 0] as CandidateCache;
    let byGroups = cache.get(features);
    if (byGroups === undefined) {
      byGroups = new Map();
      cache.set(features, byGroups);
    }
    let list = byGroups.get(groups);
    if (list === undefined) {
      list = this.byKind[kind].filter(
        (t) =>
          (t.requires & features) === t.requires &&
          (t.group === 0 || (t.group & groups) !== 0) &&
          (!fromNumber || t.numbers),
      );
      if (byGroups.size >= CANDIDATE_CACHE_LIMIT) byGroups.clear();
      byGroups.set(groups, list);
    }
    return list;
  }
}
