import type { EntropySettings } from './rule-set.js';

/** Shannon entropy in bits per character of `s[start, end)`; characters beyond ASCII count as one class. */
export function shannonEntropy(s: string, start = 0, end = s.length): number {
  const counts = COUNTS;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    const slot = c < 128 ? c : 128;
    counts[slot] = (counts[slot] as number) + 1;
  }
  const n = end - start;
  let bits = 0;
  // In slot order, as the sum has always been taken; each count is cleared for the next call.
  for (let c = 0; c < counts.length; c++) {
    const k = counts[c] as number;
    if (k === 0) continue;
    counts[c] = 0;
    const p = k / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Scratch counts for {@link shannonEntropy}, all zero between calls (Uint32: a token may exceed 65,535 characters). */
const COUNTS = new Uint32Array(129);

/** Characters of base64, base64url and hex tokens. `/` and `.` split: they separate path and host parts. */
export function isTokenChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 61 || c === 95 || c === 45
  );
}

const TEMPLATE = /(?:xxxx|XXXX|0000|====|----|____)/;
const DIGEST = /^(?:sha(?:1|224|256|384|512)|md5)[-:_]/i;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Lower-case hex of these lengths is a SHA-1 (git), SHA-256 or SHA-512 digest: technical. */
const DIGEST_HEX_LENGTHS = new Set([40, 64, 128]);
/**
 * Lower-case hex of 32 is most often an id: a W3C trace id, a Sentry event id, a UUID without
 * dashes. Some vendors' API keys have the same shape, so it is kept only when the words just
 * before it do not name a secret (`token …`, `api_key: …`); under a secret's key name the key
 * rules remove it anyway.
 */
const ID_HEX_LENGTH = 32;
const SECRET_BEFORE = /(?:token|key|secret|pass(?:word|wd)?|pwd|auth[a-z]*|bearer|credentials?)s?[^a-z0-9]{0,3}$/i;
const SECRET_BEFORE_REACH = 24;
/** How far around a token a template reference (`${…}`, `{{ … }}`) is looked for. */
const TEMPLATE_REACH = 64;

/**
 * Whether the token `s[start, end)` looks like a random secret. Filters, in order: UUIDs, templates
 * (`xxxx`, `****`, `${…}` and `{{ … }}` references), sequences (`abcdef…`, `0123…`), digests
 * (`sha512-…`, lower-case hex of a SHA length), identifiers with few class changes
 * (`getUserProfileHandler2`), words (letters-only tokens with the vowels of a language), then
 * the entropy threshold of its alphabet. The token may be letters only (`hf_…` keys).
 */
export function isHighEntropyToken(s: string, start: number, end: number, settings: EntropySettings): boolean {
  const length = end - start;
  if (length < settings.minLength) return false;
  const f = tokenFeatures(s, start, end);
  if (f.sequential * 2 >= length) return false;
  const letters = f.upper + f.lower;
  if (letters === 0) return false;
  const token = s.slice(start, end);
  if (length === 36 && UUID.test(token)) return false;
  if (TEMPLATE.test(token)) return false;
  // Subresource-integrity and content-addressed digests name their algorithm: technical.
  if (DIGEST.test(token)) return false;
  if (insideTemplate(s, start, end)) return false;
  const isHex = f.hexLetters === letters && f.digits + letters === length && (f.upper === 0 || f.lower === 0);
  if (isHex && f.digits > 0) {
    if (f.upper === 0 && DIGEST_HEX_LENGTHS.has(length)) return false;
    if (f.upper === 0 && length === ID_HEX_LENGTH && !SECRET_BEFORE.test(s.slice(Math.max(0, start - SECRET_BEFORE_REACH), start))) return false;
    return length >= settings.hexMinLength && shannonEntropy(s, start, end) >= settings.hexThreshold;
  }
  if (f.digits === 0) return randomLetters(f, length) && shannonEntropy(s, start, end) >= settings.base64Threshold;
  const mixedCase = f.upper > 0 && f.lower > 0;
  if (!mixedCase && f.digits * 5 < length) return false;
  // Random base64 changes character class on about half its characters; identifiers rarely do.
  if (f.transitions * 4 < length) return false;
  return shannonEntropy(s, start, end) >= settings.base64Threshold;
}

interface TokenFeatures {
  digits: number;
  upper: number;
  lower: number;
  hexLetters: number;
  vowels: number;
  sequential: number;
  transitions: number;
  /** Adjacent capitals (`QX`): rare in identifiers outside acronyms, one pair in four in random text. */
  upperPairs: number;
  /** Runs of one or two small letters between capitals (`QxW`): random, where words make longer humps. */
  shortHumps: number;
  longestConsonantRun: number;
}

function tokenFeatures(s: string, start: number, end: number): TokenFeatures {
  const f: TokenFeatures = { digits: 0, upper: 0, lower: 0, hexLetters: 0, vowels: 0, sequential: 0, transitions: 0, upperPairs: 0, shortHumps: 0, longestConsonantRun: 0 };
  let prevClass = -1;
  let lowerRun = 0;
  let consonants = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    let cls = 3;
    if (c >= 48 && c <= 57) {
      f.digits++;
      cls = 0;
    } else if (c >= 65 && c <= 90) {
      f.upper++;
      cls = 1;
      if (c <= 70) f.hexLetters++;
      if (prevClass === 1) f.upperPairs++;
      if (prevClass === 2 && lowerRun <= 2 && i - lowerRun > start) f.shortHumps++;
    } else if (c >= 97 && c <= 122) {
      f.lower++;
      cls = 2;
      if (c <= 102) f.hexLetters++;
    }
    lowerRun = cls === 2 ? (prevClass === 2 ? lowerRun + 1 : 1) : 0;
    if (cls === 1 || cls === 2) {
      if (VOWELS.has(c | 32)) {
        f.vowels++;
        consonants = 0;
      } else if (++consonants > f.longestConsonantRun) {
        f.longestConsonantRun = consonants;
      }
    } else {
      consonants = 0;
    }
    if (prevClass !== -1 && cls !== prevClass) f.transitions++;
    prevClass = cls;
    if (i > start && c - s.charCodeAt(i - 1) === 1) f.sequential++;
  }
  return f;
}

const VOWELS = new Set([97, 101, 105, 111, 117, 121]);

/**
 * Letters-only tokens: random keys (`hf_…`, lower-case API keys) against identifiers and glued
 * words. Mixed case: random text has adjacent capitals and one- or two-letter humps, camelCase
 * has neither. One case: random text has few vowels and long consonant runs, words have both.
 */
function randomLetters(f: TokenFeatures, length: number): boolean {
  const letters = f.upper + f.lower;
  if (f.upper > 0 && f.lower > 0) return (2 * f.shortHumps + f.upperPairs) * 5 >= length * 2;
  return f.vowels * 4 < letters || (f.vowels * 10 <= letters * 3 && f.longestConsonantRun >= 5);
}

/** `${DB_PASSWORD_PRODUCTION}`, `{{ secrets.DEPLOY_TOKEN }}`: a reference to a secret, not one. */
function insideTemplate(s: string, start: number, end: number): boolean {
  let opened = false;
  for (let i = start - 1; i >= Math.max(1, start - TEMPLATE_REACH); i--) {
    const c = s.charCodeAt(i);
    if (c === 125 || c === 10) return false;
    if (c === 123 && (s.charCodeAt(i - 1) === 36 || s.charCodeAt(i - 1) === 123)) {
      opened = true;
      break;
    }
  }
  if (!opened) return false;
  for (let i = end; i < Math.min(s.length, end + TEMPLATE_REACH); i++) {
    const c = s.charCodeAt(i);
    if (c === 125) return true;
    if (c === 123 || c === 10) return false;
  }
  return false;
}
