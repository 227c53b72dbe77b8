// The content policy's classifier: tells human-written text (sentences, questions, chat turns,
// document passages) in English, French, German, Spanish, Italian, Dutch and Portuguese from
// technical strings, and cuts prose out of technical strings that embed it.
//
// Design — fail closed, by vocabulary. A string may leave as technical when its words are
// technical: shaped like code or data (digits, camelCase, ALLCAPS, paths, `k=v`), or plain words
// of an allow-lexicon of software vocabulary (content-words.ts). Every other word counts as
// natural language, and function words of the six other languages and first-person words count
// double. A string is prose when it has at least MIN_WORDS words, at least two natural ones, and
// natural words make at least PROSE_SHARE of its tokens. Templated error messages ("duplicate key
// value violates unique constraint") are English, but their vocabulary is software's; a prompt,
// chat turn or passage about anything else is not, and the six other languages have almost no
// words in the lexicon at all.
//
// English about software (documentation, docstrings, licences) uses that vocabulary too, so an
// English string of five words or more is judged first by the English model (content-score.ts's
// englishProse, weights in the generated content-english.ts): a logistic regression over the
// string's shape — a sentence written for a reader has function words and articles between its
// words, opens with a capital and ends with a full stop; a template has code-shaped tokens and
// states a failure (`not`, `must`, `invalid`) — and over its words and pairs of words (`returns
// the`, `this method` against `cannot`, `<T> is`). It is fitted on the dev splits only, Python
// docstrings and Javadoc against the error messages of four runtimes
// (tools/content-corpus/fit-english.mjs). Above its threshold a string is prose; far below it, a
// template, whatever its rare words.
//
// Why not a language detector (franc-min, eld, tinyld, cld): they answer *which* language, not
// *whether* a string is prose — an English error message is English — and they weigh megabytes
// in a sidecar. The lexicon is generated from the dev half of node_modules only, so the other
// half measures it (test/corpus/content/README.md; figures in bench/ and the test output).
//
// Cost: a string without whitespace is technical after one native regex test, with no
// allocation. Longer strings are scanned once, token by token; isHumanText samples strings past
// SAMPLE_OVER characters (prose is prose throughout — a passage does not turn technical in its
// middle — so three windows estimate the whole); redactProse replaces a long string that samples
// as prose whole, and otherwise scans all of it, linearly, since it must find every span.
import { SAMPLE_OVER, STRUCTURED_WORDS, emptyScore, isProseScore, isWordyScore, scoreRange, scoreText } from './content-score.js';
import { findProseSpans } from './content-spans.js';

const WHITESPACE = /\s/;
const QUOTE = /["'`\u2018-\u201f\u00ab\u00bb]/;

/**
 * Whether the whole string is human-written text (a sentence, question, chat turn or passage in
 * one of the seven languages) that must not leave. A string without whitespace never is.
 * @example isHumanText('Can you summarise the attached contract for me?') // true
 * @example isHumanText("Cannot read properties of undefined (reading 'map')") // false
 */
export function isHumanText(text: string): boolean {
  if (!WHITESPACE.test(text)) return false;
  const score = scoreText(text);
  return isProseScore(score) || (EXCLAIMS.test(text) && score.words >= STRUCTURED_WORDS && score.natural + score.strong >= 1);
}

/**
 * A sentence that ends in `!` or `?`: people exclaim and ask, templated messages seldom do, so one
 * natural word in such a sentence is enough (its cost in technical strings: bench/content-policy.js's header).
 */
const EXCLAIMS = /[!?]["')\]»”]*\s*$/;

/**
 * Whether a value that must be technical (a frame local) holds words: prose by
 * {@link isHumanText}, or four words or more with one outside the technical vocabulary.
 * @example holdsWords('retry the upload tomorrow') // true
 * @example holdsWords('SELECT id FROM orders WHERE id = $1') // false
 */
export function holdsWords(text: string): boolean {
  if (!WHITESPACE.test(text)) return false;
  return isWordyScore(scoreText(text));
}

/**
 * Whether every word of the string is technical — stricter than `!isHumanText`: one word outside
 * the technical vocabulary is enough to say no. For fields that must hold an identifier, an enum
 * value or a short template (a file stem, a status), not a sentence.
 * @example looksTechnical('ERR_INVALID_ARG_TYPE') // true
 * @example looksTechnical('quarterly report') // false
 */
export function looksTechnical(text: string): boolean {
  const score = scoreText(text);
  return score.natural === 0;
}


/** What {@link redactProse} returns: the text with its prose replaced, and how many spans were. */
export interface ProseRedaction {
  text: string;
  count: number;
}

/**
 * Replaces the prose a string holds with `replacement`, keeping a technical template around it:
 * a quoted prompt in `ValueError: could not parse "<prompt>"`, the clause after
 * `Failed to summarize: `, a sentence inside a `repr`, the text at the end of a log line. A string
 * that is prose as a whole (or whose remains, once the spans are cut, still read as prose) becomes
 * just `replacement`, count 1. A technical string comes back unchanged — the same string — with
 * count 0.
 * @example redactProse('ValueError: could not parse "Can you summarise the attached contract for me?"', '[content]')
 *   // { text: 'ValueError: could not parse "[content]"', count: 1 }
 */
export function redactProse(text: string, replacement: string): ProseRedaction {
  if (!WHITESPACE.test(text)) return { text, count: 0 };
  // A long string whose samples read as prose is a document: it goes whole, without a full scan.
  if (text.length > SAMPLE_OVER && isHumanText(text)) return { text: replacement, count: 1 };
  const spans = findProseSpans(text);
  if (spans.length === 0) return isHumanText(text) ? { text: replacement, count: 1 } : { text, count: 0 };
  // Prose from the first character, with no quote, has no template head to keep: as a whole it
  // goes whole, rather than leaving the pieces between its commas and names to be judged one by one.
  if (spans[0]!.start === 0 && !QUOTE.test(text) && isHumanText(text)) return { text: replacement, count: 1 };
  const residue = emptyScore();
  let at = 0;
  for (const span of spans) {
    scoreRange(text, at, span.start, residue);
    at = span.end;
  }
  scoreRange(text, at, text.length, residue);
  // Prose split by punctuation into pieces, or a sentence with a word or two of template left.
  // A remainder with no technical token at all is no template either: it holds a natural word,
  // the whole string goes.
  if (residue.technical === 0 && (residue.words <= 2 || residue.natural + residue.strong >= 1)) return { text: replacement, count: 1 };
  if (isProseScore(residue)) return { text: replacement, count: 1 };
  let out = '';
  at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + replacement;
    at = span.end;
  }
  return { text: out + text.slice(at), count: spans.length };
}
