import { isTokenChar } from './entropy.js';

const DIGIT = 1;
const TOKEN = 2;
const HEX_RUN = 4;
const NUM_RUN = 8;

/** Group bits stay within a small integer (V8 Smi), so bit sets are cheap map keys. */
export const MAX_GROUPS = 30;

const IPV6_SHAPE = /::|[0-9a-f]:[0-9a-f]{0,4}:/i;
const IBAN_SHAPE = /[A-Z]{2}[0-9]{2}/;

/** Indices into {@link Prefilter.metrics}. */
export const METRIC = { digits: 0, tokenRun: 1, hexRun: 2, numRun: 3, ipv6Shape: 4, ibanShape: 5 } as const;

const PAIR_SLOTS = 4096;
const PAIR_MASK = PAIR_SLOTS - 1;

function pairSlot(first: number, second: number): number {
  return ((first << 5) ^ second) & PAIR_MASK;
}

/** Character classes of ASCII codes. */
const CLASS = new Uint8Array(128);
/** ASCII upper case folded to lower case; every other code maps to itself. */
const FOLD = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const digit = c >= 48 && c <= 57;
  const hexLetter = (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
  CLASS[c] =
    (digit ? DIGIT : 0) |
    (isTokenChar(c) ? TOKEN : 0) |
    (digit || hexLetter || c === 58 || c === 46 || c === 45 ? HEX_RUN : 0) |
    (digit || c === 32 || c === 46 || c === 45 || c === 40 || c === 41 || c === 43 ? NUM_RUN : 0);
  FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * The one pass over each string that decides which rules are worth running on it: digit count,
 * the longest runs of token / hex / number characters, two shapes (IPv6-like, IBAN-like), and
 * which case-folded characters and character pairs occur. A rule's literal can only be present
 * when its first and last character pairs occurred; only then is it confirmed with a native
 * `includes` on the lower-cased string. The pass costs the same however many literals the rules
 * declare, and a rule whose literal is absent never runs its regexes on the string.
 *
 * Scratch state is stamped with a generation number instead of being cleared, and reused from
 * string to string (one instance per scrubber; scrubbing is synchronous), so the pass allocates
 * nothing.
 */
export class Prefilter {
  digits = 0;
  /** Longest run of base64/hex token characters holding both a digit and a letter (high_entropy). */
  tokenRun = 0;
  /** Longest run of hex digits, `:`, `.`, `-` (MAC, IPv6). */
  hexRun = 0;
  /** Longest run of digits, space, `.`, `-`, `(`, `)`, `+` (cards, phones, SSNs, IPv4). */
  numRun = 0;
  /** Which shapes were tested on the current string (bit 1 IPv6, bit 2 IBAN); they are tested on demand. */
  private shapesKnown = 0;

  private readonly literals: string[];
  /** Per literal: 1 when it holds a letter, so that only a lower-cased copy of the string can confirm it. */
  private readonly folds: Uint8Array;
  /** Per literal: its first and last folded character pair (`c1 << 7 | c2`), or the character itself. */
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  /** Character pairs seen, hashed to 12 bits: small enough to stay in L1 cache; a collision only lets a check through. */
  private readonly pairSeen = new Uint16Array(PAIR_SLOTS);
  /** Per literal: the generation at which it was confirmed present (`gen`) or absent (`-gen`). */
  private readonly verdict: Float64Array;
  private generation = 0;
  private current = '';
  private lower: string | undefined;

  /** Bit set of the literal groups whose first character pair (or single character) occurred. */
  groups = 0;
  /** The measured numbers by {@link METRIC} index, for table-driven gates. */
  readonly metrics = new Int32Array(6);
  /** Per pair slot: the literal groups that have a literal starting with that pair. */
  private readonly slotGroups = new Int32Array(PAIR_SLOTS);

  /**
   * @param literals the literals rules require (any case); a literal's id is its index here.
   * @param groups up to {@link MAX_GROUPS} sets of literal ids (one per rule); {@link groups} tells which may occur.
   */
  constructor(literals: readonly string[], groups: readonly (readonly number[])[] = []) {
    this.literals = literals.map((l) => l.toLowerCase());
    this.heads = new Int32Array(literals.length);
    this.tails = new Int32Array(literals.length);
    this.verdict = new Float64Array(literals.length);
    this.folds = Uint8Array.from(this.literals, (l) => (/[a-z]/.test(l) ? 1 : 0));
    this.literals.forEach((text, id) => {
      const code = (i: number): number => {
        const c = text.charCodeAt(i);
        // A non-ASCII literal character is never recorded by the ASCII tables: 0 never occurs.
        return c < 128 ? (FOLD[c] ?? 0) : 0;
      };
      if (text.length === 1) {
        this.heads[id] = -1;
        this.tails[id] = -1;
      } else {
        this.heads[id] = pairSlot(code(0), code(1));
        this.tails[id] = pairSlot(code(text.length - 2), code(text.length - 1));
      }
    });
    groups.slice(0, MAX_GROUPS).forEach((ids, g) => {
      for (const id of ids) {
        const text = this.literals[id];
        if (text === undefined) continue;
        const c0 = text.charCodeAt(0);
        const first = c0 < 128 ? (FOLD[c0] ?? 0) : 0;
        const slots = text.length === 1 ? Array.from({ length: 128 }, (_, prev) => pairSlot(prev, first)) : [this.heads[id] ?? 0];
        for (const slot of slots) this.slotGroups[slot] = (this.slotGroups[slot] ?? 0) | (1 << g);
      }
    });
  }

  /** Measures `s`; afterwards the fields and {@link has} describe it. */
  measure(s: string): void {
    if (++this.generation === 0x10000) {
      this.pairSeen.fill(0);
      this.verdict.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;
    const pairSeen = this.pairSeen;
    const slotGroups = this.slotGroups;
    let groups = 0;
    this.current = s;
    this.lower = undefined;
    let digits = 0;
    let token = 0;
    let tokenMixed = 0;
    let tokenRun = 0;
    let hex = 0;
    let hexRun = 0;
    let num = 0;
    let numRun = 0;
    let prev = 0;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        prev = 0;
        token = tokenMixed = hex = num = 0;
        continue;
      }
      const f = CLASS[c] as number;
      const folded = FOLD[c] as number;
      const slot = ((prev << 5) ^ folded) & PAIR_MASK;
      pairSeen[slot] = gen;
      groups |= slotGroups[slot] as number;
      prev = folded;
      digits += f & DIGIT;
      // tokenMixed: bit 1 = the run has a digit, bit 2 = it has a letter (both needed by high_entropy).
      if ((f & TOKEN) !== 0) {
        token++;
        tokenMixed |= (f & DIGIT) !== 0 ? 1 : folded >= 97 ? 2 : 0;
        if (tokenMixed === 3 && token > tokenRun) tokenRun = token;
      } else {
        token = 0;
        tokenMixed = 0;
      }
      hex = (f & HEX_RUN) !== 0 ? hex + 1 : 0;
      if (hex > hexRun) hexRun = hex;
      num = (f & NUM_RUN) !== 0 ? num + 1 : 0;
      if (num > numRun) numRun = num;
    }
    this.groups = groups;
    const metrics = this.metrics;
    metrics[0] = digits;
    metrics[1] = tokenRun;
    metrics[2] = hexRun;
    metrics[3] = numRun;
    metrics[4] = 0;
    metrics[5] = 0;
    this.shapesKnown = 0;
    this.digits = digits;
    this.tokenRun = tokenRun;
    this.hexRun = hexRun;
    this.numRun = numRun;
  }

  /**
   * Whether the last measured string has the shape (1 = IPv6-like: `::` or hex:hex…:, 2 = IBAN-like:
   * two capitals and two digits). Tested natively on demand, once per string: only strings that
   * passed a rule's other gates pay for it.
   */
  hasShape(shape: number): boolean {
    if ((this.shapesKnown & shape) === 0) {
      this.shapesKnown |= shape;
      const re = shape === 1 ? IPV6_SHAPE : IBAN_SHAPE;
      this.metrics[shape === 1 ? 4 : 5] = re.test(this.current) ? 1 : 0;
    }
    return this.metrics[shape === 1 ? 4 : 5] === 1;
  }

  /** Whether the last measured string holds any of the literals `ids` (empty = no requirement). */
  has(ids: Int32Array): boolean {
    if (ids.length === 0) return true;
    const gen = this.generation;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const verdict = this.verdict[id] as number;
      if (verdict === gen) return true;
      if (verdict === -gen) continue;
      const head = this.heads[id] as number;
      const tail = this.tails[id] as number;
      if (head >= 0 && (this.pairSeen[head] !== gen || this.pairSeen[tail] !== gen)) continue;
      const literal = this.literals[id] as string;
      let present: boolean;
      if (this.folds[id] === 1) {
        this.lower ??= this.current.toLowerCase();
        present = this.lower.includes(literal);
      } else {
        present = this.current.includes(literal);
      }
      this.verdict[id] = present ? gen : -gen;
      if (present) return true;
    }
    return false;
  }
}
