/**
 * A set of characters as the regex cost analysis needs it: ASCII as a bitmap, the rest as sorted
 * code point ranges. Two kinds of doubt are recorded rather than guessed: `fuzzy` (case folding
 * under `i` may add characters beyond ASCII that are not listed) and `inexact` (a `\p{…}` escape,
 * taken as every character). Both keep `overlaps` an over-estimate and `isSubset` an
 * under-estimate, which is what makes the analysis safe.
 */
export interface CharSet {
  /** Bit `c` of word `c >>> 5` is set when ASCII code `c` is in the set. */
  readonly ascii: Uint32Array;
  /** Sorted, disjoint, non-adjacent `[lo, hi]` pairs of code points from 128 up. */
  readonly ranges: readonly (readonly [number, number])[];
  /** Unlisted characters beyond ASCII may belong to the set. */
  readonly fuzzy: boolean;
  /** The set may hold fewer characters than listed (so it cannot prove that it contains one). */
  readonly inexact: boolean;
}

const WORDS = 4;
const MAX_CODE_POINT = 0x10ffff;
const KELVIN = 0x212a;
const LONG_S = 0x17f;

/** Whitespace beyond ASCII that `\s` matches (ECMA-262 WhiteSpace and LineTerminator). */
const UNICODE_SPACE: readonly (readonly [number, number])[] = [
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

function make(ascii: Uint32Array, ranges: readonly (readonly [number, number])[], fuzzy = false, inexact = false): CharSet {
  return { ascii, ranges: normalise(ranges), fuzzy, inexact };
}

function normalise(ranges: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function bit(ascii: Uint32Array, c: number): boolean {
  return (((ascii[c >>> 5] as number) >>> (c & 31)) & 1) === 1;
}

function setBit(ascii: Uint32Array, c: number): void {
  ascii[c >>> 5] = (ascii[c >>> 5] as number) | (1 << (c & 31));
}

/** The empty set. */
export function emptySet(): CharSet {
  return make(new Uint32Array(WORDS), []);
}

/** Every character. */
export function fullSet(): CharSet {
  return make(new Uint32Array(WORDS).fill(0xffffffff), [[128, MAX_CODE_POINT]]);
}

/** What a `\p{…}` escape is taken as: every character, unable to prove it contains one. */
export function unknownSet(): CharSet {
  return { ...fullSet(), inexact: true };
}

/**
 * The characters from `min` to `max` (code points). Under `i`, ASCII letters bring their other
 * case; with `u` as well, `k`/`K` bring U+212A and `s`/`S` U+017F and the reverse (Unicode simple
 * case folding); other characters beyond ASCII may fold to unlisted ones (fuzzy).
 */
export function rangeSet(min: number, max: number, ignoreCase = false, unicode = false): CharSet {
  const ascii = new Uint32Array(WORDS);
  for (let c = min; c <= Math.min(max, 127); c++) setBit(ascii, c);
  const ranges: [number, number][] = max >= 128 ? [[Math.max(min, 128), max]] : [];
  if (!ignoreCase) return make(ascii, ranges);
  for (let c = 65; c <= 90; c++) {
    if (bit(ascii, c) || bit(ascii, c + 32)) {
      setBit(ascii, c);
      setBit(ascii, c + 32);
    }
  }
  if (unicode) {
    if (min <= KELVIN && max >= KELVIN) [75, 107].forEach((c) => setBit(ascii, c));
    if (min <= LONG_S && max >= LONG_S) [83, 115].forEach((c) => setBit(ascii, c));
    if (bit(ascii, 107)) ranges.push([KELVIN, KELVIN]);
    if (bit(ascii, 115)) ranges.push([LONG_S, LONG_S]);
  }
  return make(ascii, ranges, max >= 128);
}

/** `\s`: ASCII whitespace and the Unicode spaces and line terminators. */
export function spaceSet(): CharSet {
  const ascii = new Uint32Array(WORDS);
  for (const c of [9, 10, 11, 12, 13, 32]) setBit(ascii, c);
  return make(ascii, UNICODE_SPACE);
}

/** `a ∪ b`. */
export function union(a: CharSet, b: CharSet): CharSet {
  const ascii = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) ascii[i] = (a.ascii[i] as number) | (b.ascii[i] as number);
  return make(ascii, [...a.ranges, ...b.ranges], a.fuzzy || b.fuzzy, a.inexact || b.inexact);
}

/** `a ∩ b`, as an over-estimate. */
export function intersect(a: CharSet, b: CharSet): CharSet {
  const ascii = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) ascii[i] = (a.ascii[i] as number) & (b.ascii[i] as number);
  // A fuzzy side may hold any character beyond ASCII: keep the other side's.
  let ranges: (readonly [number, number])[];
  if (a.fuzzy && b.fuzzy) ranges = [[128, MAX_CODE_POINT]];
  else if (a.fuzzy) ranges = [...b.ranges];
  else if (b.fuzzy) ranges = [...a.ranges];
  else ranges = intersectRanges(a.ranges, b.ranges);
  return make(ascii, ranges, false, a.inexact || b.inexact);
}

function intersectRanges(a: readonly (readonly [number, number])[], b: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return out;
}

/** Every character not in `a`, as an over-estimate. */
export function complement(a: CharSet): CharSet {
  // The complement of an over-estimate says nothing: keep the answer an over-estimate.
  if (a.inexact) return unknownSet();
  const ascii = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) ascii[i] = ~(a.ascii[i] as number) >>> 0;
  const ranges: [number, number][] = [];
  let next = 128;
  for (const [lo, hi] of a.ranges) {
    if (lo > next) ranges.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) ranges.push([next, MAX_CODE_POINT]);
  // Unlisted members of a fuzzy `a` are listed in the complement: it is an over-estimate that
  // cannot prove membership.
  return make(ascii, ranges, false, a.fuzzy);
}

function hasBeyondAscii(a: CharSet): boolean {
  return a.fuzzy || a.ranges.length > 0;
}

/** Whether `a` and `b` may share a character (true when unsure). */
export function overlaps(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i < WORDS; i++) if (((a.ascii[i] as number) & (b.ascii[i] as number)) !== 0) return true;
  if ((a.fuzzy && hasBeyondAscii(b)) || (b.fuzzy && hasBeyondAscii(a))) return true;
  return intersectRanges(a.ranges, b.ranges).length > 0;
}

/** Whether every character of `a` is certainly in `b` (false when unsure). */
export function isSubset(a: CharSet, b: CharSet): boolean {
  if (b.inexact) return false;
  for (let i = 0; i < WORDS; i++) if (((a.ascii[i] as number) & ~(b.ascii[i] as number)) !== 0) return false;
  if (a.fuzzy) return b.ranges.length === 1 && b.ranges[0]?.[0] === 128 && b.ranges[0][1] === MAX_CODE_POINT;
  return a.ranges.every(([lo, hi]) => b.ranges.some(([blo, bhi]) => blo <= lo && hi <= bhi));
}
