/**
 * A set of characters as the regex cost analysis needs it: ASCII exactly, everything beyond ASCII
 * as one of three states. Sets built from Unicode property escapes are marked inexact, so that they
 * are never used where a set must be known to contain a character (a guard).
 */
export interface CharSet {
  /** Bit `c` of word `c >>> 5` is set when ASCII code `c` is in the set. */
  readonly ascii: Uint32Array;
  /** Characters beyond ASCII: none of them, some of them (unknown which), or all of them. */
  readonly beyond: 'none' | 'some' | 'all';
  /** Whether the ASCII part and `beyond` are exactly the set (false for `\p{…}`). */
  readonly exact: boolean;
}

const WORDS = 4;

/** The empty set. */
export function emptySet(): CharSet {
  return { ascii: new Uint32Array(WORDS), beyond: 'none', exact: true };
}

/** Every character. */
export function fullSet(): CharSet {
  return { ascii: new Uint32Array(WORDS).fill(0xffffffff), beyond: 'all', exact: true };
}

/**
 * The characters from `min` to `max` (code points). Under the `i` flag ASCII letters bring their
 * other case; with `u` as well, `k`, `s` and the two non-ASCII letters that fold to them (U+212A,
 * U+017F) bring each other.
 */
export function rangeSet(min: number, max: number, ignoreCase: boolean, unicode: boolean): CharSet {
  const ascii = new Uint32Array(WORDS);
  let beyond: CharSet['beyond'] = max >= 128 ? 'some' : 'none';
  const add = (c: number): void => {
    ascii[c >>> 5] = (ascii[c >>> 5] as number) | (1 << (c & 31));
  };
  for (let c = min; c <= Math.min(max, 127); c++) add(c);
  if (ignoreCase) {
    for (let c = 65; c <= 90; c++) {
      if (has(ascii, c) || has(ascii, c + 32)) {
        add(c);
        add(c + 32);
      }
    }
    if (unicode) {
      const kelvin = min <= 0x212a && max >= 0x212a;
      const longS = min <= 0x17f && max >= 0x17f;
      if (kelvin) {
        add(75);
        add(107);
      }
      if (longS) {
        add(83);
        add(115);
      }
      if (has(ascii, 107) || has(ascii, 115)) beyond = 'some';
    }
  }
  return { ascii, beyond, exact: true };
}

function has(ascii: Uint32Array, c: number): boolean {
  return (((ascii[c >>> 5] as number) >>> (c & 31)) & 1) === 1;
}

/** Whether ASCII code `c` is in `set`. */
export function hasAscii(set: CharSet, c: number): boolean {
  return has(set.ascii, c);
}

/** `a ∪ b`. */
export function union(a: CharSet, b: CharSet): CharSet {
  const ascii = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) ascii[i] = (a.ascii[i] as number) | (b.ascii[i] as number);
  const beyond = a.beyond === 'all' || b.beyond === 'all' ? 'all' : a.beyond === 'some' || b.beyond === 'some' ? 'some' : 'none';
  return { ascii, beyond, exact: a.exact && b.exact };
}

/** `a ∩ b`, over-approximated beyond ASCII. */
export function intersect(a: CharSet, b: CharSet): CharSet {
  const ascii = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) ascii[i] = (a.ascii[i] as number) & (b.ascii[i] as number);
  const beyond = a.beyond === 'none' || b.beyond === 'none' ? 'none' : a.beyond === 'all' && b.beyond === 'all' ? 'all' : 'some';
  return { ascii, beyond, exact: a.exact && b.exact };
}

/** Every character not in `a`. */
export function complement(a: CharSet): CharSet {
  // The complement of an over-approximation says nothing: keep the answer an over-approximation.
  if (!a.exact) return { ...fullSet(), beyond: 'some', exact: false };
  const ascii = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) ascii[i] = ~(a.ascii[i] as number) >>> 0;
  const beyond = a.beyond === 'all' ? 'none' : a.beyond === 'none' ? 'all' : 'some';
  return { ascii, beyond, exact: a.exact };
}

/** Whether `a` and `b` may share a character (true when unsure). */
export function overlaps(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i < WORDS; i++) if (((a.ascii[i] as number) & (b.ascii[i] as number)) !== 0) return true;
  return a.beyond !== 'none' && b.beyond !== 'none';
}

/** Whether every character of `a` is certainly in `b` (false when unsure). */
export function isSubset(a: CharSet, b: CharSet): boolean {
  if (!b.exact) return false;
  for (let i = 0; i < WORDS; i++) if (((a.ascii[i] as number) & ~(b.ascii[i] as number)) !== 0) return false;
  return a.beyond === 'none' || b.beyond === 'all';
}

/** Whether `a` is empty. */
export function isEmpty(a: CharSet): boolean {
  return a.beyond === 'none' && a.ascii.every((w) => w === 0);
}
