import { AMBIGUOUS_GIVEN_NAMES, GIVEN_NAMES, SURNAMES } from './name-gazetteer-data.js';

/**
 * A sorted, space-separated word list searched in place: the list stays one string and one offset
 * table (about 4 bytes per name), where a Set of the same names would hold an object per name.
 */
class SortedWords {
  private readonly text: string;
  private offsets: Int32Array | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** Word start offsets, built on first use: a relay whose events never hold a capitalised word pays nothing. */
  private starts(): Int32Array {
    if (this.offsets !== undefined) return this.offsets;
    const list: number[] = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === SPACE) list.push(i + 1);
    this.offsets = Int32Array.from(list);
    return this.offsets;
  }

  has(word: string): boolean {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareAt(starts[mid] as number, word);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** The list word at `start` against `word`, in UTF-16 code unit order (the order the generator sorted in). */
  private compareAt(start: number, word: string): number {
    const text = this.text;
    for (let k = 0; ; k++) {
      const i = start + k;
      const a = i < text.length ? text.charCodeAt(i) : SPACE;
      const endA = a === SPACE;
      const endB = k >= word.length;
      if (endA || endB) return endA && endB ? 0 : endA ? -1 : 1;
      const b = word.charCodeAt(k);
      if (a !== b) return a - b;
    }
  }
}

const SPACE = 32;

const given = new SortedWords(GIVEN_NAMES);
const ambiguousGiven = new SortedWords(AMBIGUOUS_GIVEN_NAMES);
const surnames = new SortedWords(SURNAMES);

/**
 * Whether `word` (capitalised as written) is a given name of the gazetteer. Given names that are also
 * everyday words (Will, Rose, Max) are not in it.
 * @example isGivenName('Anna') // true
 */
export function isGivenName(word: string): boolean {
  return given.has(word);
}

/**
 * Whether `word` (capitalised as written) is a surname of the gazetteer.
 * @example isSurname('Schmidt') // true
 */
export function isSurname(word: string): boolean {
  return surnames.has(word);
}

/**
 * Whether `word` is a given name that is also an everyday word or a software name (Grace, Felix,
 * Mia): a name only when a surname follows.
 * @example isAmbiguousGivenName('Grace') // true
 */
export function isAmbiguousGivenName(word: string): boolean {
  return ambiguousGiven.has(word);
}
