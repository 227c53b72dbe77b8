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

/**
 * Whether the token `s[start, end)` looks like a random secret. Filters, in order: UUIDs, templates
 * (`xxxx`, `****`, `${…}` pieces), sequences (`abcdef…`, `0123…`), identifiers with few class
 * changes (`getUserProfileHandler2`), then the entropy threshold of its alphabet.
 */
export function isHighEntropyToken(s: string, start: number, end: number, settings: EntropySettings): boolean {
  const length = end - start;
  if (length < settings.minLength) return false;
  let digits = 0;
  let upper = 0;
  let lower = 0;
  let hexLetters = 0;
  let sequential = 0;
  let transitions = 0;
  let prevClass = -1;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    let cls = 3;
    if (c >= 48 && c <= 57) {
      digits++;
      cls = 0;
    } else if (c >= 65 && c <= 90) {
      upper++;
      cls = 1;
      if (c <= 70) hexLetters++;
    } else if (c >= 97 && c <= 122) {
      lower++;
      cls = 2;
      if (c <= 102) hexLetters++;
    }
    if (prevClass !== -1 && cls !== prevClass) transitions++;
    prevClass = cls;
    if (i > start && c - s.charCodeAt(i - 1) === 1) sequential++;
  }
  if (sequential * 2 >= length) return false;
  const letters = upper + lower;
  if (digits === 0 || letters === 0) return false;
  const token = s.slice(start, end);
  if (length === 36 && UUID.test(token)) return false;
  if (TEMPLATE.test(token)) return false;
  // Subresource-integrity and content-addressed digests name their algorithm: technical.
  if (DIGEST.test(token)) return false;
  const isHex = hexLetters === letters && digits + letters === length && (upper === 0 || lower === 0);
  if (isHex) {
    return length >= settings.hexMinLength && shannonEntropy(s, start, end) >= settings.hexThreshold;
  }
  const mixedCase = upper > 0 && lower > 0;
  if (!mixedCase && digits * 5 < length) return false;
  // Random base64 changes character class on about half its characters; identifiers rarely do.
  if (transitions * 4 < length) return false;
  return shannonEntropy(s, start, end) >= settings.base64Threshold;
}
