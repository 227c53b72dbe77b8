import { isTokenChar } from './entropy.js';

const DIGIT = 1;
const TOKEN = 2;
const HEX_RUN_SHIFT = 2;
const HEX_RUN = 1 << HEX_RUN_SHIFT;
const NUM_RUN_SHIFT = 3;
const NUM_RUN = 1 << NUM_RUN_SHIFT;
/** Token characters that are digits / letters: a high_entropy run needs a letter. */
const TOKEN_DIGIT = 16;
const TOKEN_LETTER = 32;
const TOKEN_MIXED = TOKEN_DIGIT | TOKEN_LETTER;
/** `[A-Z]`: the IBAN shape needs two. */
const UPPER = 64;
const UPPER_SHIFT = 6;
/** A class entry holds the class bits in its low byte and the case-folded code above them. */
const FOLD_SHIFT = 8;
const COLON = 58;
const DOTTED_CAPITAL_I = 0x130;
const KELVIN_SIGN = 0x212a;

/** Group bits stay within a small integer (V8 Smi), so bit sets are cheap map keys. */
export const MAX_GROUPS = 30;

const IPV6_SHAPE = /::|[0-9a-f]:[0-9a-f]{0,4}:/i;
const IBAN_SHAPE = /[A-Z]{2}[0-9]{2}/;

/**
 * Indices into {@link Prefilter.metrics}: the digit count; the longest run of base64/hex token
 * characters holding a letter (high_entropy); the longest run of hex digits, `:`,
 * `.`, `-` (MAC, IPv6); the longest run of digits, space, `.`, `-`, `(`, `)`, `+` (cards, phones,
 * SSNs, IPv4); and the two shapes, 1 when present (tested on demand by `hasShape`).
 */
export const METRIC = { digits: 0, tokenRun: 1, hexRun: 2, numRun: 3, ipv6Shape: 4, ibanShape: 5 } as const;
/** Index of the capital-letter count, up to 2, in {@link Prefilter.metrics} (the IBAN shape needs two). */
const CAPITALS = 6;

/** Pairs of folded ASCII codes (`first << 7 | second`), then single folded codes. */
const PAIR_SLOTS = 128 * 128;
/** A seen-slot every measured string stamps: the first slot of a literal without an ASCII pair. */
const ALWAYS_SLOT = PAIR_SLOTS + 128;
const SEEN_SLOTS = ALWAYS_SLOT + 1;
/** Literal groups are looked up by pair hashed to 12 bits: small enough for L1; a collision only lets a rule through to its exact check. */
const GROUP_MASK = 4095;

/**
 * Folded characters from most to least frequent in English prose and code: a rough, fixed
 * estimate used only to order the checks, never to decide a match. Characters not listed are rarer.
 */
const COMMON = ' etaoinsrhldcu./m_-fpgwyb0123456789:v,k()x"\'=jqz';

/** How unlikely a folded pair slot is to occur by chance: higher is rarer. */
function pairRarity(slot: number): number {
  const rank = (code: number): number => {
    const at = COMMON.indexOf(String.fromCharCode(code));
    return at === -1 ? COMMON.length : at;
  };
  return slot >= PAIR_SLOTS ? rank(slot - PAIR_SLOTS) : rank(slot >>> 7) + rank(slot & 127);
}

/** Per ASCII code: class bits and folded code (see {@link FOLD_SHIFT}). */
const CLASS = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const digit = c >= 48 && c <= 57;
  const upper = c >= 65 && c <= 90;
  const lower = c >= 97 && c <= 122;
  const hexLetter = (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
  const token = isTokenChar(c);
  const folded = upper ? c + 32 : c;
  CLASS[c] =
    (folded << FOLD_SHIFT) |
    (digit ? DIGIT : 0) |
    (token ? TOKEN : 0) |
    (token && digit ? TOKEN_DIGIT : 0) |
    (token && (upper || lower) ? TOKEN_LETTER : 0) |
    (digit || hexLetter || c === COLON || c === 46 || c === 45 ? HEX_RUN : 0) |
    (digit || c === 32 || c === 46 || c === 45 || c === 40 || c === 41 || c === 43 ? NUM_RUN : 0) |
    (upper ? UPPER : 0);
}

function fold(c: number): number {
  // A non-ASCII literal character is never recorded by the ASCII tables: 0 stands for any of them.
  return c < 128 ? (CLASS[c] as number) >>> FOLD_SHIFT : 0;
}

/** How {@link Prefilter.has} decides that a literal is present once its character pairs occurred. */
const CONFIRM_NONE = 0;
const CONFIRM_RAW = 1;
const CONFIRM_LOWER = 2;
const CONFIRM_FOLDED = 3;

/** Characters with a meaning in a regex source, escaped when a literal becomes one. */
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/**
 * A test that answers, for every string `s`, what `s.toLowerCase().includes(literal)` answers for
 * a lower-case ASCII literal, without lower-casing `s`, which copies the string (the gain is in
 * bench/scrub.js's header). The `i` flag alone
 * pairs only ASCII letters with each other here, while `toLowerCase` also maps two characters
 * outside ASCII into it: the Kelvin sign (U+212A) to `k`, and İ (U+0130) to `i` plus U+0307, which
 * can only end a match. Both facts are checked over every code point in
 * test/scrubbers/prefilter.test.ts.
 */
export function foldedMatcher(literal: string): RegExp {
  let source = '';
  for (let i = 0; i < literal.length; i++) {
    const ch = literal.charAt(i);
    if (ch === 'k') source += '[k\\u212A]';
    else if (ch === 'i' && i === literal.length - 1) source += '(?:i|\\u0130)';
    else source += ch.replace(REGEX_SYNTAX, '\\$&');
  }
  return new RegExp(source, 'i');
}

/**
 * The per-character pass of {@link Prefilter.measure}: records each folded ASCII character and
 * pair of `s` in `seen` (stamped `gen`), writes the run and count metrics to `metrics`, and returns
 * the literal groups whose marking pair occurred. A plain function over typed arrays rather than a
 * method: V8 compiles this loop to faster code without `this` in it (measured inside the scrubber
 * on the bench corpus; the figures are in bench/scrub.js's header).
 */
function scan(s: string, seen: Uint16Array, slotGroups: Int32Array, gen: number, metrics: Int32Array): number {
  let groups = 0;
  let digits = 0;
  let token = 0;
  let tokenMixed = 0;
  let tokenRun = 0;
  let hex = 0;
  let hexRun = 0;
  let num = 0;
  let numRun = 0;
  // Capitals seen at least once / twice: the IBAN shape needs two, and two ORs cost less than a count.
  let upperOnce = 0;
  let upperTwice = 0;
  let prev = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) {
      token = tokenMixed = hex = num = 0;
      // toLowerCase turns İ into `i` (plus U+0307) and the Kelvin sign into `k`: for the literal
      // pairs they count as those letters (recording a pair too many is safe, presence is then
      // confirmed natively); for the runs they stay characters outside ASCII.
      if (c === DOTTED_CAPITAL_I || c === KELVIN_SIGN) {
        const folded = c === KELVIN_SIGN ? 107 : 105;
        const pair = (prev << 7) | folded;
        seen[pair] = gen;
        seen[PAIR_SLOTS + folded] = gen;
        groups |= slotGroups[pair & GROUP_MASK] as number;
        prev = folded;
      } else {
        prev = 0;
      }
      continue;
    }
    const e = CLASS[c] as number;
    const folded = e >>> FOLD_SHIFT;
    const pair = (prev << 7) | folded;
    seen[pair] = gen;
    seen[PAIR_SLOTS + folded] = gen;
    groups |= slotGroups[pair & GROUP_MASK] as number;
    digits += e & DIGIT;
    upperTwice |= upperOnce & e;
    upperOnce |= e;
    if ((e & TOKEN) !== 0) {
      token++;
      tokenMixed |= e & TOKEN_MIXED;
      if ((tokenMixed & TOKEN_LETTER) !== 0 && token > tokenRun) tokenRun = token;
    } else {
      token = 0;
      tokenMixed = 0;
    }
    // Hex and number runs break at almost every word: counted without branches, which the CPU
    // would mispredict. With the capitals as two ORs the scan ran faster still on the bench
    // corpus's strings (bench/scrub.js's header).
    hex = (hex + 1) & -((e & HEX_RUN) >>> HEX_RUN_SHIFT);
    let shorter = hexRun - hex;
    hexRun -= shorter & (shorter >> 31);
    num = (num + 1) & -((e & NUM_RUN) >>> NUM_RUN_SHIFT);
    shorter = numRun - num;
    numRun -= shorter & (shorter >> 31);
    prev = folded;
  }
  metrics[METRIC.digits] = digits;
  metrics[METRIC.tokenRun] = tokenRun;
  metrics[METRIC.hexRun] = hexRun;
  metrics[METRIC.numRun] = numRun;
  metrics[METRIC.ipv6Shape] = 0;
  metrics[METRIC.ibanShape] = 0;
  metrics[CAPITALS] = ((upperOnce & UPPER) >>> UPPER_SHIFT) + ((upperTwice & UPPER) >>> UPPER_SHIFT);
  return groups;
}

/**
 * The one pass over each string that decides which rules are worth running on it: digit count,
 * the longest runs of token / hex / number characters, two shapes (IPv6-like, IBAN-like), and
 * which case-folded characters and character pairs occur. A rule's literal can only be present
 * when each of its ASCII character pairs occurred; only then is it confirmed natively (a
 * case-insensitive regex test for an ASCII literal, `includes` otherwise). The pass costs the same
 * however many literals the rules declare, and a rule whose literal is absent never runs its
 * regexes on the string.
 *
 * Scratch state is stamped with a generation number instead of being cleared, and reused from
 * string to string (one instance per scrubber; scrubbing is synchronous), so the pass allocates
 * nothing.
 */
export class Prefilter {
  /** Which shapes were tested on the current string (bit 1 IPv6, bit 2 IBAN); they are tested on demand. */
  private shapesKnown = 0;

  private readonly literals: string[];
  /** Per literal: how presence is confirmed after the pair check (`CONFIRM_*`). */
  private readonly confirm: Uint8Array;
  /** Per literal confirmed with {@link CONFIRM_FOLDED}: its {@link foldedMatcher}. */
  private readonly folded: (RegExp | undefined)[];
  /** The seen-slots of every folded character pair of each literal (of its only character, if one). */
  private readonly pairSlots: Int32Array;
  /** Per literal: where its slots start in {@link pairSlots}; one entry more marks the end of the last. */
  private readonly pairStart: Int32Array;
  /**
   * Per literal: its rarest seen-slot ({@link ALWAYS_SLOT} when it has none). Most literals are
   * absent from most strings, and this one load rejects them.
   */
  private readonly firstSlot: Int32Array;
  /** Per seen-slot: the generation at which that pair or character last occurred. */
  private readonly seen = new Uint16Array(SEEN_SLOTS);
  /** Per literal: the generation at which it was confirmed present (`gen`) or absent (`-gen`). */
  private readonly verdict: Int32Array;
  private generation = 0;
  private current = '';
  private lower: string | undefined;

  /** Bit set of the literal groups that may occur: one ASCII pair (or character) of one of their literals occurred. */
  groups = 0;
  /** The measured numbers by {@link METRIC} index, for table-driven gates. */
  readonly metrics = new Int32Array(7);
  /** Per hashed pair: the literal groups having a literal whose first ASCII pair it is. */
  private readonly slotGroups = new Int32Array(GROUP_MASK + 1);
  /** Groups with a literal that has no ASCII pair to look for: they are always possible. */
  private alwaysGroups = 0;

  /**
   * @param literals the literals rules require (any case); a literal's id is its index here.
   * @param groups up to {@link MAX_GROUPS} sets of literal ids (one per rule); {@link groups} tells which may occur.
   */
  constructor(literals: readonly string[], groups: readonly (readonly number[])[] = []) {
    this.literals = literals.map((l) => l.toLowerCase());
    this.verdict = new Int32Array(literals.length);
    this.confirm = new Uint8Array(literals.length);
    // The tables record ASCII only: a pair (or single character) outside ASCII is left to the native check.
    const slotsOf = (text: string): number[] => {
      const ascii = (i: number): boolean => text.charCodeAt(i) < 128;
      const code = (i: number): number => fold(text.charCodeAt(i));
      if (text.length === 1) return ascii(0) ? [PAIR_SLOTS + code(0)] : [];
      const pairs: number[] = [];
      for (let i = 0; i + 1 < text.length; i++) if (ascii(i) && ascii(i + 1)) pairs.push((code(i) << 7) | code(i + 1));
      return pairs;
    };
    // Rarest pair first: `has` then rejects an absent literal on its first probe more often, and
    // the pair that marks a literal's group is the one least likely to occur by chance.
    const slots = this.literals.map((text) => slotsOf(text).sort((a, b) => pairRarity(b) - pairRarity(a)));
    this.pairSlots = Int32Array.from(slots.flat());
    this.pairStart = new Int32Array(literals.length + 1);
    slots.forEach((list, id) => (this.pairStart[id + 1] = (this.pairStart[id] ?? 0) + list.length));
    this.firstSlot = Int32Array.from(slots, (list) => list[0] ?? ALWAYS_SLOT);
    this.literals.forEach((text, id) => {
      const cased = text.toUpperCase() !== text;
      const n = text.length;
      // One or two ASCII characters are fully decided by the tables: no native check needed. Except
      // `i` and `k`: toLowerCase maps İ (U+0130) and the Kelvin sign (U+212A) to them, which the
      // tables record as those letters in more pairs than the lower-cased string holds (İ is
      // followed by U+0307 there), so those literals are still confirmed natively.
      const ascii = Array.from(text).every((ch) => ch.charCodeAt(0) < 128);
      const decided = n <= 2 && ascii && !/[ik]/.test(text);
      this.confirm[id] = decided ? CONFIRM_NONE : !cased ? CONFIRM_RAW : ascii ? CONFIRM_FOLDED : CONFIRM_LOWER;
    });
    this.folded = this.literals.map((text, id) => (this.confirm[id] === CONFIRM_FOLDED ? foldedMatcher(text) : undefined));
    groups.slice(0, MAX_GROUPS).forEach((ids, g) => {
      for (const id of ids) {
        const text = this.literals[id];
        const own = slots[id];
        if (text === undefined || own === undefined) continue;
        if (own.length === 0) {
          this.alwaysGroups |= 1 << g;
          continue;
        }
        // Any one pair of a literal (its rarest) is recorded wherever the literal occurs; a single
        // character is recorded as the second half of a pair, whatever precedes it.
        const heads = text.length === 1 ? Array.from({ length: 128 }, (_, prev) => (prev << 7) | ((own[0] as number) - PAIR_SLOTS)) : own.slice(0, 1);
        for (const slot of heads) this.slotGroups[slot & GROUP_MASK] = (this.slotGroups[slot & GROUP_MASK] ?? 0) | (1 << g);
      }
    });
  }

  /** Measures `s`; afterwards {@link metrics}, {@link groups} and {@link has} describe it. */
  measure(s: string): void {
    if (++this.generation === 0x10000) {
      this.seen.fill(0);
      this.verdict.fill(0);
      this.generation = 1;
    }
    this.current = s;
    this.seen[ALWAYS_SLOT] = this.generation;
    this.lower = undefined;
    this.shapesKnown = 0;
    this.groups = scan(s, this.seen, this.slotGroups, this.generation, this.metrics) | this.alwaysGroups;
  }

  /**
   * Whether the last measured string has the shape (1 = IPv6-like: `::` or hex:hex…:, 2 = IBAN-like:
   * two capitals and two digits). Tested natively on demand, once per string: only strings that
   * passed a rule's other gates pay for it.
   */
  hasShape(shape: number): boolean {
    const m = this.metrics;
    const slot = shape === 1 ? METRIC.ipv6Shape : METRIC.ibanShape;
    if ((this.shapesKnown & shape) === 0) {
      this.shapesKnown |= shape;
      const possible = shape === 1 ? this.seen[PAIR_SLOTS + COLON] === this.generation : (m[CAPITALS] as number) >= 2 && (m[METRIC.digits] as number) >= 2;
      const re = shape === 1 ? IPV6_SHAPE : IBAN_SHAPE;
      m[slot] = possible && re.test(this.current) ? 1 : 0;
    }
    return m[slot] === 1;
  }

  /** Whether the last measured string holds any of the literals `ids` (empty = no requirement). */
  has(ids: Int32Array): boolean {
    if (ids.length === 0) return true;
    const gen = this.generation;
    const seen = this.seen;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (seen[this.firstSlot[id] as number] !== gen) continue;
      const verdict = this.verdict[id] as number;
      if (verdict === gen) return true;
      if (verdict === -gen) continue;
      const end = this.pairStart[id + 1] as number;
      let k = this.pairStart[id] as number;
      while (k < end && seen[this.pairSlots[k] as number] === gen) k++;
      if (k < end) {
        this.verdict[id] = -gen;
        continue;
      }
      const confirm = this.confirm[id] as number;
      if (confirm === CONFIRM_NONE) return true;
      const literal = this.literals[id] as string;
      let present: boolean;
      if (confirm === CONFIRM_FOLDED) {
        present = (this.folded[id] as RegExp).test(this.current);
      } else if (confirm === CONFIRM_LOWER) {
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
