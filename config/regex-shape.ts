import type { CharSet } from './char-set.js';
import { complement, emptySet, fullSet, rangeSet, spaceSet, union, unknownSet } from './char-set.js';
import type { Alternative, Character, CharacterClass, CharacterClassRange, CharacterSet, Element } from './regex-syntax.js';

/** A pattern the analysis does not accept at all (a back-reference), with the construct that is refused. */
export class UnsupportedPatternError extends Error {
  readonly construct: string;
  constructor(construct: string, why: string) {
    super(`${why}: ${construct}`);
    this.name = 'UnsupportedPatternError';
    this.construct = construct;
  }
}

/** What a node of a pattern can match, whatever surrounds it. */
export interface Shape {
  /** Characters a match can start with (end with, hold), in matching direction. */
  first: CharSet;
  last: CharSet;
  chars: CharSet;
  nullable: boolean;
  minLen: number;
  maxLen: number;
  /** Consumes exactly one character (a literal, a class, an escape). */
  single: boolean;
}

/** `\w` without the `i` and `u` flags. */
export const WORD = union(union(rangeSet(48, 57), rangeSet(65, 90)), union(rangeSet(97, 122), rangeSet(95, 95)));
const SINGLE_CHARS = new Map<number, CharSet>();

/** `a * b` where an unbounded count times nothing is nothing. */
export function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : a * b;
}

/** The shapes of one pattern's nodes, computed once per node and direction. */
export class Shapes {
  private readonly forward = new Map<Element | Alternative, Shape>();
  private readonly reversed = new Map<Element | Alternative, Shape>();

  constructor(
    private readonly ignoreCase: boolean,
    private readonly unicode: boolean,
    private readonly dotAll: boolean,
  ) {}

  /** The shape of `e`, matched forward or, inside a look-behind, backward. */
  shape(e: Element | Alternative, backward: boolean): Shape {
    const cache = backward ? this.reversed : this.forward;
    let s = cache.get(e);
    if (s === undefined) {
      s = this.computeShape(e, backward);
      cache.set(e, s);
    }
    return s;
  }

  private computeShape(e: Element | Alternative, backward: boolean): Shape {
    switch (e.type) {
      case 'Character':
      case 'CharacterClass':
      case 'CharacterSet': {
        const set = this.charsOf(e);
        return { first: set, last: set, chars: set, nullable: false, minLen: 1, maxLen: 1, single: true };
      }
      case 'Backreference':
        throw new UnsupportedPatternError(e.raw, 'back-references are not allowed in rules: their matching time has no bound');
      case 'Assertion':
        return { first: emptySet(), last: emptySet(), chars: emptySet(), nullable: true, minLen: 0, maxLen: 0, single: false };
      case 'Group':
      case 'CapturingGroup':
        return this.alternativesShape(e.alternatives, backward);
      case 'Quantifier': {
        if (e.max === 0) return { first: emptySet(), last: emptySet(), chars: emptySet(), nullable: true, minLen: 0, maxLen: 0, single: false };
        const s = this.shape(e.element, backward);
        return { ...s, nullable: e.min === 0 || s.nullable, minLen: mul(e.min, s.minLen), maxLen: mul(e.max, s.maxLen), single: false };
      }
      case 'Alternative': {
        const order = backward ? [...e.elements].reverse() : e.elements;
        const shapes = order.map((x) => this.shape(x, backward));
        let first = emptySet();
        for (const s of shapes) {
          first = union(first, s.first);
          if (!s.nullable) break;
        }
        let last = emptySet();
        for (let i = shapes.length - 1; i >= 0; i--) {
          const s = shapes[i] as Shape;
          last = union(last, s.last);
          if (!s.nullable) break;
        }
        return {
          first,
          last,
          chars: shapes.reduce((acc, s) => union(acc, s.chars), emptySet()),
          nullable: shapes.every((s) => s.nullable),
          minLen: shapes.reduce((acc, s) => acc + s.minLen, 0),
          maxLen: shapes.reduce((acc, s) => acc + s.maxLen, 0),
          single: false,
        };
      }
    }
  }

  /** The shape of a choice between `alts`. */
  alternativesShape(alts: readonly Alternative[], backward: boolean): Shape {
    const shapes = alts.map((alt) => this.shape(alt, backward));
    return {
      first: shapes.reduce((acc, s) => union(acc, s.first), emptySet()),
      last: shapes.reduce((acc, s) => union(acc, s.last), emptySet()),
      chars: shapes.reduce((acc, s) => union(acc, s.chars), emptySet()),
      nullable: shapes.some((s) => s.nullable),
      minLen: Math.min(...shapes.map((s) => s.minLen)),
      maxLen: Math.max(...shapes.map((s) => s.maxLen)),
      single: false,
    };
  }

  /** The characters a literal, class or escape matches under the pattern's flags. */
  charsOf(e: Character | CharacterClass | CharacterSet | CharacterClassRange): CharSet {
    const i = this.ignoreCase;
    const u = this.unicode;
    switch (e.type) {
      case 'Character': {
        // Sets are never modified: one per character and flags serves every occurrence.
        const key = e.value * 4 + (i ? 2 : 0) + (u ? 1 : 0);
        let set = SINGLE_CHARS.get(key);
        if (set === undefined) {
          set = rangeSet(e.value, e.value, i, u);
          SINGLE_CHARS.set(key, set);
        }
        return set;
      }
      case 'CharacterClassRange':
        return rangeSet(e.min.value, e.max.value, i, u);
      case 'CharacterSet': {
        if (e.kind === 'any') return this.dotAll ? fullSet() : complement(union(union(rangeSet(10, 10), rangeSet(13, 13)), rangeSet(0x2028, 0x2029)));
        if (e.kind === 'property') return unknownSet();
        let set: CharSet;
        if (e.kind === 'digit') set = rangeSet(48, 57);
        else if (e.kind === 'space') set = spaceSet();
        else set = i && u ? union(WORD, union(rangeSet(75, 75, true, true), rangeSet(83, 83, true, true))) : WORD;
        return e.negate ? complement(set) : set;
      }
      case 'CharacterClass': {
        let set = emptySet();
        for (const el of e.elements) set = union(set, this.charsOf(el));
        return e.negate ? complement(set) : set;
      }
    }
  }
}
