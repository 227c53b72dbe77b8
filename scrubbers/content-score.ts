// Token counts of a string and the prose rule over them (see content-policy.ts for the design).
import { WordClass, classifyToken } from './content-words.js';

/** Fewest words (plain, not technical tokens) a string needs to count as prose. */
export const MIN_WORDS = 3;
/** Share of natural-language words among all tokens from which a string is prose. */
export const PROSE_SHARE = 0.4;
/** Words from which a sentence dense in function words needs only one natural word. */
export const STRUCTURED_WORDS = 6;
const SAMPLE_OVER = 4096;
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
}


/**
 * Counts the token classes of `text` (of three windows of it past {@link SAMPLE_OVER} characters).
 * @example scoreText('connect ECONNREFUSED 127.0.0.1:5432') // { technical: 2, words: 1, function: 0, lexicon: 1, natural: 0, strong: 0 }
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
  return { technical: 0, words: 0, function: 0, lexicon: 0, natural: 0, strong: 0 };
}

/** Adds the token classes of `s[start, end)` to `score`. */
export function scoreRange(s: string, start: number, end: number, score: ProseScore): void {
  let i = start;
  while (i < end) {
    while (i < end && isSpace(s.charCodeAt(i))) i++;
    const tokenStart = i;
    while (i < end && !isSpace(s.charCodeAt(i))) i++;
    if (i > tokenStart) count(classifyToken(s, tokenStart, i), score);
  }
}

function count(cls: WordClass, score: ProseScore): void {
  switch (cls) {
    case WordClass.None:
      return;
    case WordClass.Technical:
      score.technical++;
      return;
    case WordClass.Function:
      score.words++;
      score.function++;
      return;
    case WordClass.Lexicon:
      score.words++;
      score.lexicon++;
      return;
    case WordClass.Unknown:
      score.words++;
      score.natural++;
      return;
    case WordClass.Foreign:
    case WordClass.Marker:
      score.words++;
      score.natural++;
      score.strong++;
  }
}

/** Whether counts of a string are those of prose (see the header for the rule). */
export function isProseScore(score: ProseScore): boolean {
  const evidence = score.natural + score.strong;
  if (score.words < MIN_WORDS || evidence < 1) return false;
  // Sentence structure: grammatical English is dense in function words, error messages are
  // telegraphic ("Invalid array length"); one natural word in such a sentence is enough.
  if (score.words >= STRUCTURED_WORDS && score.function * 2 >= score.words) return true;
  if (evidence < 2) return false;
  return evidence / (score.words - score.function + score.technical) >= PROSE_SHARE;
}

/** Whether `c` is a whitespace code unit (ASCII, NBSP, the Unicode spaces and line separators). */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0x202f || c === 0x205f || c === 0x1680 || c === 0x85 || c === 0xfeff;
}
