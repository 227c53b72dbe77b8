// Finds the prose spans a technical string embeds: quoted text (`could not parse "<prompt>"`),
// and the segments between a template's separators (the clause after `Failed to summarize: `,
// a `content=` value inside a `repr`, the tail of a log line).
//
// One pass, linear in the length: a quote opener whose closer cannot be found marks that quote
// kind dead for the rest of the string, so no search runs twice over the same characters.
import { emptyScore, isProseScore, isSpace, scoreRange } from './content-score.js';
import { WordClass, classifyToken } from './content-words.js';

/** A half-open range `[start, end)` of the string. */
export interface Span {
  start: number;
  end: number;
}

const enum Quote {
  Double,
  Single,
  Backtick,
  Curly,
  Guillemet,
  CurlySingle,
}

/**
 * The prose spans of `text`, in order and not overlapping: each is a quoted text or a segment
 * between template separators whose words are prose, trimmed of technical tokens at its ends.
 */
export function findProseSpans(text: string): Span[] {
  const spans: Span[] = [];
  const dead = new Set<Quote>();
  let segmentStart = 0;
  let i = 0;
  while (i < text.length) {
    const quote = quoteAt(text, i);
    if (quote !== undefined && !dead.has(quote)) {
      const close = findClose(text, i, quote);
      if (close === -1) {
        dead.add(quote);
      } else if (!hasSpace(text, i + 1, close)) {
        // A quoted value ('map', "users_pkey") is a token of the sentence around it, not a unit.
        i = close + 1;
        continue;
      } else {
        segments(text, segmentStart, i, spans);
        if (!proseSpan(text, i + 1, close, spans)) segments(text, i + 1, close, spans);
        i = close + 1;
        segmentStart = i;
        continue;
      }
    }
    const c = text.charCodeAt(i);
    if (isSeparator(text, i, c)) {
      segments(text, segmentStart, i, spans, c === 61 || c === 58);
      segmentStart = i + 1;
    }
    i++;
  }
  segments(text, segmentStart, text.length, spans);
  return spans;
}

/** Adds the prose segments of `s[start, end)` (separators split, quotes do not) to `spans`. */
function segments(s: string, start: number, end: number, spans: Span[], beforeKey = false): void {
  if (beforeKey) {
    // `… role=user, content=` — the word before `=` (or `key:`) is a key name, not text.
    let k = end;
    while (k > start && !isSpace(s.charCodeAt(k - 1)) && s.charCodeAt(k - 1) !== 44) k--;
    end = k;
  }
  let segmentStart = start;
  for (let i = start; i < end; i++) {
    if (isSeparator(s, i, s.charCodeAt(i))) {
      proseSpan(s, segmentStart, i, spans);
      segmentStart = i + 1;
    }
  }
  proseSpan(s, segmentStart, end, spans);
}

/** If `s[start, end)` is prose, adds it (trimmed of technical tokens at both ends) and says so. */
function proseSpan(s: string, start: number, end: number, spans: Span[]): boolean {
  const score = emptyScore();
  scoreRange(s, start, end, score);
  if (!isProseScore(score)) return false;
  let first = -1;
  let last = -1;
  let i = start;
  while (i < end) {
    while (i < end && isSpace(s.charCodeAt(i))) i++;
    const tokenStart = i;
    while (i < end && !isSpace(s.charCodeAt(i))) i++;
    if (i === tokenStart) break;
    const cls = classifyToken(s, tokenStart, i);
    if (cls === WordClass.None || cls === WordClass.Technical || cls === WordClass.Caps) continue;
    if (first === -1) first = tokenStart;
    last = i;
  }
  if (first === -1) {
    // Prose in capitals throughout: the whole segment, without its surrounding whitespace.
    first = start;
    last = end;
    while (first < last && isSpace(s.charCodeAt(first))) first++;
    while (last > first && isSpace(s.charCodeAt(last - 1))) last--;
  }
  spans.push({ start: first, end: last });
  return true;
}

function hasSpace(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (isSpace(s.charCodeAt(i))) return true;
  return false;
}

function isSeparator(s: string, i: number, c: number): boolean {
  switch (c) {
    case 10: // \n
    case 13: // \r
    case 9: // \t
    case 40: // (
    case 41: // )
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case 60: // <
    case 62: // >
    case 61: // =
    case 124: // |
      return true;
    case 58: {
      // `: ` ends a template's head (`Failed to summarize: …`); `a:b` (host:port, a::b) does not.
      const next = s.charCodeAt(i + 1);
      return Number.isNaN(next) || isSpace(next);
    }
    default:
      return false;
  }
}

const isWordChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xc0 && c < 0x2000 && c !== 0xd7 && c !== 0xf7);

function quoteAt(s: string, i: number): Quote | undefined {
  switch (s.charCodeAt(i)) {
    case 34:
      return Quote.Double;
    case 96:
      return Quote.Backtick;
    case 0x201c:
    case 0x201e:
      return Quote.Curly;
    case 0xab:
      return Quote.Guillemet;
    case 0x2018:
      return Quote.CurlySingle;
    case 39:
      // An apostrophe inside a word (don't, l'homme) opens nothing.
      return i > 0 && isWordChar(s.charCodeAt(i - 1)) ? undefined : Quote.Single;
    default:
      return undefined;
  }
}

/** The index of the quote that closes the one at `open`, or -1. */
function findClose(s: string, open: number, quote: Quote): number {
  switch (quote) {
    case Quote.Double:
      return s.indexOf('"', open + 1);
    case Quote.Backtick:
      return s.indexOf('`', open + 1);
    case Quote.Guillemet:
      return s.indexOf('\u00bb', open + 1);
    case Quote.Curly: {
      const a = s.indexOf('\u201d', open + 1);
      const b = s.indexOf('\u201c', open + 1);
      return a === -1 ? b : b === -1 ? a : Math.min(a, b);
    }
    case Quote.Single:
    case Quote.CurlySingle: {
      const mark = quote === Quote.Single ? "'" : '\u2019';
      // The closer is not followed by a letter: `don't` inside a quoted text does not close it.
      for (let j = s.indexOf(mark, open + 1); j !== -1; j = s.indexOf(mark, j + 1)) {
        if (!isWordChar(s.charCodeAt(j + 1))) return j;
      }
      return -1;
    }
  }
}
