// Token counts of a string and the prose rule over them (see content-policy.ts for the design).
import { PAIR_WEIGHTS, SHAPE, WORD_WEIGHTS } from './content-english.js';
import { type LookedUp, WordClass, classifyToken } from './content-words.js';

/** Fewest words (plain, not technical tokens) a string needs to count as prose. */
export const MIN_WORDS = 3;
/** Fewer words than this are prose only with a person's word in them (`hi`, `my`, `you`). */
export const SHORT_WORDS = 5;
/** Share of natural-language words among all tokens from which a string is prose. */
export const PROSE_SHARE = 0.34;
/** Words from which a sentence dense in function words needs only one natural word. */
export const STRUCTURED_WORDS = 6;
/** Words from which a text that opens as a question or request is prose whatever its words. */
export const OPENER_WORDS = 4;
/** Words from which a long string needs only {@link LONG_SHARE} natural words to be prose. */
export const LONG_WORDS = 10;
/**
 * Share of natural words that makes a long string prose. English prose about software shares much
 * of its vocabulary with error messages; over ten words or more, a fifth of natural words is
 * already more than templated messages hold (measured on test/corpus/content, which
 * test/scrubbers/content-policy.test.ts prints; the trade-off is in bench/content-policy.js's header).
 */
export const LONG_SHARE = 0.2;
/** Words from which a value that must be technical (a frame local) is prose with one natural word. */
export const STRICT_WORDS = 4;
const SHOUTED_WORDS = 6;
const SHOUTED_SHARE = 0.8;
/**
 * How far below zero the English model must put a string for it to stay as a template against the
 * counting rules: those take a template's rare words for natural language ("gizmo frobnicator is
 * not ready yet", "flux capacitor is not charged yet"). At 6 it keeps one human text of the
 * 33,283 of test/corpus/content (a Javadoc sentence about an out-of-memory error) and no planted
 * text of the SDK corpus (test/sdk/content-leak.test.ts); at 5, windows of the declaration and
 * planted SDK texts begin to be kept (bench/content-policy.js's header).
 */
const TEMPLATE_BELOW = 6;
/** Length past which a string is judged by three windows of it rather than whole. */
export const SAMPLE_OVER = 4096;
const SAMPLE_WINDOW = 1024;

/** Word counts of a string, as the classifier sees them. */
export interface ProseScore {
  /** Tokens shaped like code or data. */
  technical: number;
  /** Plain words (function, lexicon, unknown, foreign and marker words). */
  words: number;
  /** English function words (`the`, `of`), which count for neither side. */
  function: number;
  /** Plain words inside the technical vocabulary. */
  lexicon: number;
  /** Plain words outside it, foreign function words and human markers included. */
  natural: number;
  /** Foreign function words and human markers (they also count in `natural`). */
  strong: number;
  /** Whether the text opens as a question or request to someone (`can you`, `how do`, `please explain`). */
  opener: boolean;
  /** Pronouns and salutations of a person (`me`, `you`, `thanks`; also counted in `strong`). */
  markers: number;
  /** English articles (`a`, `an`, `the`; also counted in `function`). */
  articles: number;
  /** Words that state a failure or an unmet expectation (`not`, `must`, `invalid`; also in `lexicon`). */
  denials: number;
  /** Whether the first counted token is a capitalised word (`The`, `Returns`), as a sentence opens. */
  capital: boolean;
  /** Whether the last counted token ends a sentence (`.`, `!`, `?`, before closing quotes). */
  terminal: boolean;
  /** Whether one of the first two tokens is a template head ending in `:` (`gob:`, `ValueError:`). */
  head: boolean;
  /** Sum of the English model's word and pair weights over the counted tokens (see {@link englishProse}). */
  lean: number;
  /** The pair weights of tokens that may follow the last counted one (those of `<S>` before the first; none after a cut). */
  after: ReadonlyMap<string, number> | undefined;
}

// Openers of a question or request addressed to a person or an assistant. Error messages ask
// nothing ("Did you mean …?" hints aside, which are not listed); prompts very often open so.
const OPENER =
  /[\s"'([«„“¿¡]*(?:(?:can|could|would|will|should|do|may)\s+(?:you|i|we|u)|(?:how|what|why|where|when|which|who)\s+(?:do|does|is|are|was|were|can|could|should|would|will|much|many|to|i)|please\s+(?:help|explain|summari[sz]e|translate|rewrite|tell|draft|write))\b/iy;


/**
 * Counts the token classes of `text` (of three windows of it past {@link SAMPLE_OVER} characters).
 * @example scoreText('connect ECONNREFUSED 127.0.0.1:5432') // { technical: 2, words: 1, function: 0, lexicon: 1, natural: 0, strong: 0, opener: false }
 */
export function scoreText(text: string): ProseScore {
  const score = emptyScore();
  if (text.length <= SAMPLE_OVER) {
    scoreRange(text, 0, text.length, score);
    return score;
  }
  const middle = (text.length - SAMPLE_WINDOW) >> 1;
  for (const at of [0, middle, text.length - SAMPLE_WINDOW]) {
    // Windows start and end on whitespace, so no word is cut in two.
    let start = at;
    if (start > 0) while (start < text.length && !isSpace(text.charCodeAt(start - 1))) start++;
    let end = at + SAMPLE_WINDOW;
    if (end < text.length) while (end > start && !isSpace(text.charCodeAt(end))) end--;
    scoreRange(text, start, end, score);
  }
  return score;
}

/** A score with every count at zero. */
export function emptyScore(): ProseScore {
  return { technical: 0, words: 0, function: 0, lexicon: 0, natural: 0, strong: 0, opener: false, markers: 0, articles: 0, denials: 0, capital: false, terminal: false, head: false, lean: 0, after: START.next };
}

/** Adds the token classes of `s[start, end)` to `score`. */
export function scoreRange(s: string, start: number, end: number, score: ProseScore): void {
  if (score.words === 0 && score.technical === 0) {
    OPENER.lastIndex = start;
    score.opener = OPENER.test(s) && OPENER.lastIndex <= end;
  } else {
    // A range after others (the pieces of a string around cut spans, sampled windows): no pair
    // spans the cut.
    score.after = undefined;
  }
  const caps = countRange(s, start, end, score, false);
  // Written in capitals throughout (a disclaimer, a user shouting): ALLCAPS is its style, not a
  // sign of constants, so its words are judged as words. SQL keeps lower-case identifiers
  // between its keywords and stays below the share.
  if (caps >= SHOUTED_WORDS && caps >= SHOUTED_SHARE * (caps + score.words)) {
    score.technical -= caps;
    countRange(s, start, end, score, true);
  }
}

/** Counts the tokens of `s[start, end)` into `score`; returns how many were ALLCAPS words. */
function countRange(s: string, start: number, end: number, score: ProseScore, foldCaps: boolean): number {
  let caps = 0;
  let i = start;
  const looked: LookedUp = { word: '' };
  while (i < end) {
    while (i < end && isSpace(s.charCodeAt(i))) i++;
    const tokenStart = i;
    while (i < end && !isSpace(s.charCodeAt(i))) i++;
    if (i === tokenStart) continue;
    const cls = classifyToken(s, tokenStart, i, false, looked);
    if (!foldCaps) {
      if (cls === WordClass.Caps) caps++;
      if (cls !== WordClass.None) {
        shape(s, tokenStart, i, score);
        lean(cls === WordClass.Technical || cls === WordClass.Caps ? CODE : TOKENS.get(looked.word), looked.word, score);
      }
      count(cls, score);
    } else if (cls === WordClass.Caps) {
      count(classifyToken(s, tokenStart, i, true), score);
    }
  }
  return caps;
}

/** Notes the sentence shape of a counted token `s[start, end)`, before it is counted. */
function shape(s: string, start: number, end: number, score: ProseScore): void {
  const before = score.words + score.technical;
  if (before === 0) {
    let i = start;
    while (i < end && !isLetterCode(s.charCodeAt(i))) i++;
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    score.capital = c >= 65 && c <= 90 && next >= 97 && next <= 122;
  }
  if (before < 2 && end - start > 1 && s.charCodeAt(end - 1) === 58 && isLetterCode(s.charCodeAt(end - 2))) score.head = true;
  let last = end - 1;
  while (last > start && isCloser(s.charCodeAt(last))) last--;
  const c = s.charCodeAt(last);
  score.terminal = c === 46 || c === 33 || c === 63;
}

const isLetterCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
// Closing quotes and brackets after a sentence's full stop: `… said "yes."`, `(see above.)`.
const isCloser = (c: number): boolean => c === 34 || c === 39 || c === 41 || c === 93 || c === 0x2019 || c === 0x201d || c === 0xbb;

function count(cls: WordClass, score: ProseScore): void {
  switch (cls) {
    case WordClass.None:
      return;
    case WordClass.Technical:
    case WordClass.Caps:
      score.technical++;
      return;
    case WordClass.Function:
      score.words++;
      score.function++;
      return;
    case WordClass.Article:
      score.words++;
      score.function++;
      score.articles++;
      return;
    case WordClass.Lexicon:
      score.words++;
      score.lexicon++;
      return;
    case WordClass.Denial:
      score.words++;
      score.lexicon++;
      score.denials++;
      return;
    case WordClass.Unknown:
      score.words++;
      score.natural++;
      return;
    case WordClass.Marker:
      score.markers++;
      score.words++;
      score.natural++;
      score.strong++;
      return;
    case WordClass.Foreign:
      score.words++;
      score.natural++;
      score.strong++;
  }
}

/** The English model's weights of one token: its own, and those of the pairs it opens. */
interface TokenWeights {
  weight: number;
  next: Map<string, number> | undefined;
}

/**
 * Adds the English model's weights of a token to `score`: its own (`weights`, undefined for a word
 * the model has none for) and that of its pair with the token before (keyed by `word`, '' for a
 * code-shaped token).
 */
function lean(weights: TokenWeights | undefined, word: string, score: ProseScore): void {
  if (score.after !== undefined) score.lean += score.after.get(word === '' ? '<T>' : word) ?? 0;
  if (weights === undefined) {
    score.after = undefined;
    return;
  }
  score.lean += weights.weight;
  score.after = weights.next;
}

/** The generated `key=weight` entries (content-english.ts) as pairs. */
function* entries(lines: readonly string[]): Generator<[string, number]> {
  for (const line of lines) {
    for (const entry of line.split(' ')) {
      const at = entry.lastIndexOf('=');
      yield [entry.slice(0, at), Number(entry.slice(at + 1))];
    }
  }
}
/** Every token the model weighs (a lower-case word; `<S>` the start, `<T>` a code-shaped token). */
const TOKENS = new Map<string, TokenWeights>();
const weightsOf = (token: string): TokenWeights => {
  let w = TOKENS.get(token);
  if (!w) TOKENS.set(token, (w = { weight: 0, next: undefined }));
  return w;
};
for (const [word, weight] of entries(WORD_WEIGHTS)) weightsOf(word).weight = weight;
for (const [pair, weight] of entries(PAIR_WEIGHTS)) {
  const at = pair.indexOf('+');
  const before = weightsOf(pair.slice(0, at));
  (before.next ??= new Map<string, number>()).set(pair.slice(at + 1), weight);
}
const START = weightsOf('<S>');
const CODE = weightsOf('<T>');

/**
 * The English model's value for a string (no foreign function word); > 0 is prose, even when its
 * words are software's. A logistic regression fitted by tools/content-corpus/fit-english.mjs on
 * the dev splits only (English declaration text, Python docstrings and Javadoc sentences
 * against the dev error messages of Node packages, Node, Python packages and the Java class
 * library), its threshold folded into the bias (content-english.ts):
 * - the shape of the counts: function words and articles between the words, a capital at the
 *   start and a full stop at the end push up; code-shaped tokens and statements of failure
 *   (`not`, `must`, `invalid`) push down;
 * - the words and pairs of neighbouring tokens themselves, divided by the square root of the
 *   token count: `returns the`, `this method`, `allows` read as documentation, `cannot`,
 *   `<T> is`, `must` as a template.
 */
export function englishProse(score: ProseScore): number {
  const all = score.words + score.technical;
  if (all === 0) return SHAPE.bias;
  return (
    SHAPE.bias +
    (score.markers > 0 ? SHAPE.marker : 0) +
    (SHAPE.natural * score.natural + SHAPE.function * score.function + SHAPE.lexicon * score.lexicon + SHAPE.technical * score.technical + SHAPE.articles * score.articles + SHAPE.denials * score.denials) / all +
    (score.capital ? SHAPE.capital : 0) +
    (score.terminal ? SHAPE.terminal : 0) +
    (score.capital && score.terminal ? SHAPE.sentence : 0) +
    SHAPE.logWords * Math.log1p(score.words) +
    (score.head ? SHAPE.head : 0) +
    (score.natural >= 1 ? SHAPE.oneNatural : 0) +
    (score.natural >= 2 ? SHAPE.twoNatural : 0) +
    score.lean / Math.sqrt(all)
  );
}

/** Whether counts of a string are those of prose (see the header for the rule). */
export function isProseScore(score: ProseScore): boolean {
  const evidence = score.natural + score.strong;
  if (score.words < MIN_WORDS) return false;
  // English: the English model judges it first. Prose about software is prose by the model even
  // when its words are the technical vocabulary's; a string the model is sure is a template stays,
  // whatever the counting rules below would say of its rare words, unless a person's word or a
  // request's opener addresses someone.
  if (score.strong === score.markers && score.words >= SHORT_WORDS) {
    const value = englishProse(score);
    if (value > 0) return true;
    if (value < -TEMPLATE_BELOW && score.markers === 0 && !score.opener) return false;
  }
  if (score.opener && score.words >= OPENER_WORDS) return true;
  // Four words or fewer without a person's word are a label or a short message
  // ("payment declined for [email]"), not a passage.
  if (score.words < SHORT_WORDS && score.strong === 0) return false;
  if (evidence < 1) return false;
  // Sentence structure: grammatical English is dense in function words, error messages are
  // telegraphic ("Invalid array length"); one natural word in such a sentence is enough.
  if (score.words >= STRUCTURED_WORDS && score.function * 2 >= score.words + score.technical) return true;
  if (evidence < 2) return false;
  const share = evidence / (score.words - score.function + score.technical);
  return share >= PROSE_SHARE || (score.words >= LONG_WORDS && share >= LONG_SHARE);
}

/**
 * The stricter rule for a value that must be technical (a frame's local variable): prose as
 * {@link isProseScore} says, or four words or more of which one is natural language.
 */
export function isWordyScore(score: ProseScore): boolean {
  return isProseScore(score) || (score.words >= STRICT_WORDS && score.natural + score.strong >= 1);
}

/** Whether `c` is a whitespace code unit (ASCII, NBSP, the Unicode spaces and line separators). */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0x202f || c === 0x205f || c === 0x1680 || c === 0x85 || c === 0xfeff;
}
