import type { CharSet } from './char-set.js';
import { complement, emptySet, fullSet, intersect, isSubset, overlaps, rangeSet, union } from './char-set.js';
import type { Shape } from './regex-shape.js';
import { mul, Shapes, UnsupportedPatternError, WORD } from './regex-shape.js';
import { parseRegex } from './regex-syntax.js';
import type { Alternative, Element, Quantifier } from './regex-syntax.js';

export { UnsupportedPatternError };

/**
 * Steps per input character above which a rule pattern is refused. Every shipped pattern stays far
 * below it (test/scrubbers/linear.test.ts checks each); the patterns of issue 19 that block
 * the relay for seconds are far above it.
 */
export const MAX_STEPS_PER_CHAR = 4096;

/** The analysis of one pattern. */
export interface RegexCost {
  /**
   * Upper bound of the backtracking steps V8's engine spends per character of the scanned text,
   * over a whole global scan (every start position), whatever the text. `Infinity` when unbounded.
   */
  stepsPerChar: number;
  /** The construct that costs most, as written in the pattern, and why; undefined for a cheap pattern. */
  worst: { construct: string; why: string; steps: number } | undefined;
}


/**
 * Bounds the backtracking work of `source` with `flags` (of `imsu`) on any text, statically, from
 * the regex syntax tree. The model is V8's backtracking engine scanning a string from every start
 * position:
 * - an element that can end in several places (a repeat, an alternation) hands each of them to
 *   what follows, unless what follows cannot start with a character that lets the element go on
 *   (`[a-z]{1,20}@`: only the longest run of letters can be followed by `@`);
 * - a repeat whose body can match the same text in `b` ways is tried up to `b^n` ways, so nested
 *   bounded repeats and alternations under repeats cost the product of their bounds;
 * - a repeat scanning up to `n` characters costs `n` at every start position, unless every text it
 *   scans is scanned once: it is guarded (preceded, maybe through a fixed run of its own
 *   characters, by a character it cannot match, a `(?<![…])` of its characters, `^` or `\b`), or
 *   the rest of the pattern always succeeds, so the match consumes what was scanned.
 * @throws {UnsupportedPatternError} for a back-reference, whose cost the analysis cannot bound.
 * @throws {SyntaxError} when `source` is not a valid pattern.
 * @example regexCost('(?:a{1,20}){1,20}b', '').stepsPerChar // about 1e26
 */
export function regexCost(source: string, flags: string): RegexCost {
  const unicode = flags.includes('u');
  const alternatives = parseRegex(source, unicode);
  const analysis = new Analysis(flags.includes('i'), unicode, flags.includes('s'), flags.includes('m'));
  const top: Follow = { acc: fullSet(), gate: [], work: 1, succeeds: true, consumes: true };
  const { work } = analysis.alternatives(alternatives, top, TOP_CONTEXT, false);
  // Any doubt in the arithmetic (an unbounded count times zero) counts as unbounded.
  return { stepsPerChar: Number.isNaN(work) ? Infinity : work, worst: analysis.worst };
}

/** What comes after an element, as the element's cost depends on it. */
interface Follow {
  /** Characters on which what follows can get past its first step. */
  acc: CharSet;
  /** Sets of the fixed characters what follows starts with (a literal such as `PRIVATE KEY`), up to {@link GATE}. */
  gate: readonly CharSet[];
  /** Its worst-case steps per invocation. */
  work: number;
  /** Whether it always succeeds, so the first way the element hands over ends the search. */
  succeeds: boolean;
  /** Whether its success is the whole match's, which consumes the text scanned before it. */
  consumes: boolean;
}

/** Where an element sits: what precedes it, and how many lengths the pattern before it can have. */
interface Context {
  /** Whether the character before this point is certainly not in the set (or there is none). */
  guard: (set: CharSet) => boolean;
  /**
   * How many different lengths the text matched before this point can have for one text (a
   * guarded run followed by a character it cannot match has one length: the run's).
   */
  choices: number;
}

const TOP_CONTEXT: Context = { guard: () => false, choices: 1 };
const NO_GUARD = (): boolean => false;
const GATE = 16;


interface Cost {
  /** Worst-case steps of the element and every invocation of what follows. */
  work: number;
  /** How many of the element's ways of matching can get past the first step of what follows. */
  paths: number;
}

const LINE_TERMINATORS = union(union(rangeSet(10, 10), rangeSet(13, 13)), rangeSet(0x2028, 0x2029));


/** `sum_{k=from}^{to} b^k`. */
function geometric(b: number, from: number, to: number): number {
  if (to < from) return 0;
  if (b === 1) return to - from + 1;
  if (to === Infinity || b === Infinity) return to === 0 ? 1 : Infinity;
  return (b ** (to + 1) - b ** from) / (b - 1);
}

class Analysis {
  worst: RegexCost['worst'];
  private readonly shapes: Shapes;

  constructor(
    ignoreCase: boolean,
    unicode: boolean,
    dotAll: boolean,
    private readonly multiline: boolean,
  ) {
    this.shapes = new Shapes(ignoreCase, unicode, dotAll);
  }

  private shape(e: Element | Alternative, backward: boolean): Shape {
    return this.shapes.shape(e, backward);
  }

  alternatives(alts: readonly Alternative[], follow: Follow, ctx: Context, backward: boolean): Cost {
    const costs = alts.map((alt) => this.sequence(alt.elements, follow, ctx, backward));
    if (costs.length === 1) return costs[0] as Cost;
    const shapes = alts.map((alt) => this.shape(alt, backward));
    let disjoint = shapes.every((s) => !s.nullable);
    for (let i = 0; disjoint && i < shapes.length; i++) {
      for (let j = i + 1; disjoint && j < shapes.length; j++) disjoint = !overlaps((shapes[i] as Shape).first, (shapes[j] as Shape).first);
    }
    // Alternatives that cannot start with the same character: at most one gets past its first step.
    if (disjoint) {
      return { work: costs.length - 1 + Math.max(...costs.map((c) => c.work)), paths: Math.max(...costs.map((c) => c.paths)) };
    }
    return { work: costs.reduce((s, c) => s + c.work, 0), paths: costs.reduce((s, c) => s + c.paths, 0) };
  }

  private sequence(elements: readonly Element[], follow: Follow, ctx: Context, backward: boolean): Cost {
    const order = backward ? [...elements].reverse() : elements;
    const contexts: Context[] = [];
    let choices = ctx.choices;
    for (let i = 0; i < order.length; i++) {
      // Guards are derived for forward matching only; inside a look-behind every repeat pays in full.
      const here: Context = { guard: backward ? NO_GUARD : (set) => this.guardBefore(order, i, set, ctx), choices };
      contexts.push(here);
      choices = mul(choices, this.lengthChoices(order, i, here, backward));
    }
    let f = follow;
    let paths = 1;
    for (let i = order.length - 1; i >= 0; i--) {
      const e = order[i] as Element;
      const cost = this.element(e, f, contexts[i] as Context, backward);
      paths = mul(paths, cost.paths);
      f = {
        acc: this.accBefore(e, f, backward),
        gate: this.gateBefore(e, f, backward),
        work: cost.work,
        succeeds: f.succeeds && this.alwaysSucceeds(e),
        consumes: f.consumes,
      };
    }
    return { work: f.work, paths };
  }

  /** Walks back from `order[i]` over fixed runs of `set` characters to a boundary `set` cannot cross. */
  private guardBefore(order: readonly Element[], i: number, set: CharSet, ctx: Context): boolean {
    for (let j = i - 1; j >= 0; j--) {
      const e = order[j] as Element;
      if (e.type === 'Assertion') {
        if (e.kind === 'lookbehind' && e.negate) {
          const d = this.singleCharAlternatives(e.alternatives);
          if (d !== undefined && isSubset(set, d)) return true;
        } else if (e.kind === 'start') {
          if (!this.multiline || !overlaps(set, LINE_TERMINATORS)) return true;
        } else if (e.kind === 'word' && !e.negate && isSubset(set, WORD)) {
          return true;
        }
        continue;
      }
      const s = this.shape(e, false);
      if (s.maxLen === 0) continue;
      if (!overlaps(s.last, set)) {
        if (!s.nullable) return true;
        continue;
      }
      if (!s.nullable && s.minLen === s.maxLen && isSubset(s.chars, set)) continue;
      return false;
    }
    return ctx.guard(set);
  }

  /** How many lengths `order[i]` can match in one text, given where it stands. */
  private lengthChoices(order: readonly Element[], i: number, ctx: Context, backward: boolean): number {
    const e = order[i] as Element;
    const s = this.shape(e, backward);
    if (s.minLen === s.maxLen) return 1;
    const next = order[i + 1];
    if (!backward && e.type === 'Quantifier' && this.shape(e.element, false).single && next !== undefined && ctx.guard(s.chars)) {
      const n = this.shape(next, false);
      if (!n.nullable && !overlaps(n.first, s.chars)) return 1;
    }
    return s.maxLen - s.minLen + 1;
  }

  private singleCharAlternatives(alts: readonly Alternative[]): CharSet | undefined {
    let set = emptySet();
    for (const alt of alts) {
      const only = alt.elements.length === 1 ? alt.elements[0] : undefined;
      if (only === undefined || (only.type !== 'Character' && only.type !== 'CharacterClass' && only.type !== 'CharacterSet')) return undefined;
      set = union(set, this.shapes.charsOf(only));
    }
    return set;
  }

  private accBefore(e: Element, f: Follow, backward: boolean): CharSet {
    if (e.type === 'Assertion') {
      if (e.kind === 'lookahead' && !backward) {
        const d = this.singleCharAlternatives(e.alternatives);
        if (e.negate) return d !== undefined && !d.inexact && !d.fuzzy ? intersect(f.acc, complement(d)) : f.acc;
        const s = this.shapes.alternativesShape(e.alternatives, false);
        return s.nullable ? f.acc : intersect(f.acc, s.first);
      }
      return f.acc;
    }
    const s = this.shape(e, backward);
    return s.nullable ? union(s.first, f.acc) : s.first;
  }

  private gateBefore(e: Element, f: Follow, backward: boolean): readonly CharSet[] {
    if (e.type === 'Assertion') return f.gate;
    const s = this.shape(e, backward);
    return s.single ? [s.first, ...f.gate].slice(0, GATE) : [];
  }

  private alwaysSucceeds(e: Element): boolean {
    if (e.type === 'Quantifier') return e.min === 0 || this.alwaysSucceeds(e.element);
    if (e.type === 'Group' || e.type === 'CapturingGroup') return e.alternatives.some((alt) => alt.elements.every((x) => this.alwaysSucceeds(x)));
    return false;
  }

  private element(e: Element, f: Follow, ctx: Context, backward: boolean): Cost {
    switch (e.type) {
      case 'Character':
      case 'CharacterClass':
      case 'CharacterSet':
        return { work: 1 + f.work, paths: 1 };
      case 'Backreference':
        throw new UnsupportedPatternError(e.raw, 'back-references are not allowed in rules: their matching time has no bound');
      case 'Assertion':
        if (e.kind === 'lookahead' || e.kind === 'lookbehind') {
          // The assertion stops at the first way its content matches; it consumes nothing.
          const inner: Follow = { acc: fullSet(), gate: [], work: 1, succeeds: true, consumes: false };
          const content = this.alternatives(e.alternatives, inner, { guard: NO_GUARD, choices: 1 }, e.kind === 'lookbehind');
          return { work: content.work + f.work, paths: 1 };
        }
        return { work: 1 + f.work, paths: 1 };
      case 'Group':
      case 'CapturingGroup':
        return this.alternatives(e.alternatives, f, ctx, backward);
      case 'Quantifier':
        return this.quantifier(e, f, ctx, backward);
    }
  }

  private quantifier(q: Quantifier, f: Follow, ctx: Context, backward: boolean): Cost {
    const { min, max } = q;
    if (max === 0) return { work: 1 + f.work, paths: 1 };
    const body = q.element;
    const shape = this.shape(body, backward);
    let b = 1;
    let bodyWork = 1;
    if (!shape.single) {
      const bodyFollow: Follow = { acc: union(shape.first, f.acc), gate: [], work: 0, succeeds: false, consumes: false };
      const bodyCtx: Context = {
        guard: (set) => !overlaps(shape.last, set) && ctx.guard(set),
        choices: mul(ctx.choices, 1 + mul(max - 1, shape.maxLen)),
      };
      const cost = this.element(body, bodyFollow, bodyCtx, backward);
      b = cost.paths + (shape.nullable ? 1 : 0);
      bodyWork = Math.max(1, cost.work);
    }
    const ways = geometric(b, min, max);
    const tries = geometric(b, 0, max - 1);
    const handOvers = f.succeeds || (b === 1 && !shape.nullable && !overlaps(shape.first, f.acc)) ? 1 : ways;
    // A run's ways of ending are consecutive positions; what follows gets past its literal start at
    // two of them only as far apart as the literal can overlap itself.
    const deep = shape.single && handOvers > 1 ? Math.min(handOvers, 1 + Math.floor((max - min) / selfOverlap(f.gate))) : handOvers;
    // Every start position pays the full scan, unless each text is scanned by a bounded number of
    // attempts: the match ends after the scan and consumes it, or the repeat is guarded, so that at
    // most `choices` attempts, each entering at one of `choices` places, reach one run.
    let own = mul(tries, bodyWork) + ways;
    if (b === 1 && f.succeeds && f.consumes) own = Math.min(own, 2 * bodyWork + mul(min, bodyWork));
    else if (b === 1 && !backward && ctx.guard(shape.chars)) own = Math.min(own, mul(2 * bodyWork, mul(ctx.choices, ctx.choices)));
    if (this.worst === undefined || own >= this.worst.steps) this.worst = { construct: q.raw, why: this.why(q, b, ways, shape), steps: own };
    const gateWork = f.gate.length + 1;
    return { work: own + (deep < handOvers ? mul(handOvers, gateWork) + mul(deep, f.work) : mul(handOvers, f.work)), paths: handOvers };
  }

  private why(q: Quantifier, b: number, ways: number, shape: Shape): string {
    const bound = q.max === Infinity ? 'without bound' : `up to ${q.max} times`;
    if (b > 1) return `its body can match the same text in ${formatCount(b)} ways and repeats ${bound}: ${formatCount(ways)} ways to try`;
    const reach = mul(q.max, shape.maxLen);
    return `it can rescan ${reach === Infinity ? 'the rest of the text' : `up to ${reach} characters`} from every start position`;
  }

}

/** The smallest shift at which the literal `gate` can match overlapping itself (its length if none). */
function selfOverlap(gate: readonly CharSet[]): number {
  for (let k = 1; k < gate.length; k++) {
    let fits = true;
    for (let i = 0; fits && i + k < gate.length; i++) fits = overlaps(gate[i] as CharSet, gate[i + k] as CharSet);
    if (fits) return k;
  }
  return Math.max(1, gate.length);
}

/** `3905`, `1.0e+26`: counts in refusal messages. */
function formatCount(n: number): string {
  if (n === Infinity) return 'unboundedly many';
  return n < 1e6 ? String(Math.round(n)) : n.toExponential(1);
}

export { formatCount };
