import { keyedHash } from './keyed-hash.js';
import type { RuleMethod } from './rule-set.js';
import type { JsonValue } from './types.js';

/** How a rule renders what it detected. */
export interface Redaction {
  method: RuleMethod;
  replacement: string;
  keepLast: number;
}

/** Characters of the truncated HMAC in `[hash:…]`: 48 bits, enough to join, too few to enumerate. */
const HASH_CHARS = 12;

/** Short values are starred entirely: their last four characters would be most of them. */
const MASK_MIN_KEEP_RATIO = 3;

/**
 * Renders a detected text value according to the rule's method.
 * @example redactText({method:'mask', replacement:'', keepLast:4}, '4111 1111 1111 1111', key) // '**** **** **** 1111'
 */
export function redactText(r: Redaction, value: string, hashKey: Buffer | string): string {
  switch (r.method) {
    case 'remove':
      return '';
    case 'replace':
      return r.replacement;
    case 'hash':
      return `[hash:${keyedHash(hashKey, value).slice(0, HASH_CHARS)}]`;
    case 'mask':
      return mask(value, r.keepLast);
  }
}

function mask(value: string, keepLast: number): string {
  let alnum = 0;
  for (let i = 0; i < value.length; i++) if (isAlnum(value.charCodeAt(i))) alnum++;
  const keep = alnum >= keepLast * MASK_MIN_KEEP_RATIO ? keepLast : 0;
  let seen = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isAlnum(c)) {
      seen++;
      out += seen > alnum - keep ? value[i] : '*';
    } else {
      out += value[i];
    }
  }
  return out;
}

/**
 * Renders a whole value a key or content rule matched: a string as {@link redactText} does, any
 * other value by its JSON text when hashed, otherwise by the marker alone.
 */
export function redactWhole(r: Redaction, value: JsonValue, hashKey: Buffer | string): JsonValue {
  if (typeof value === 'string') return redactText(r, value, hashKey);
  if (r.method === 'hash') return redactText(r, JSON.stringify(value), hashKey);
  return r.method === 'mask' ? '[masked]' : r.replacement;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
