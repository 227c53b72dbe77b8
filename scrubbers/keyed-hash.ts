import { createHmac } from 'node:crypto';

/**
 * Keyed pseudonym of an identifier: HMAC-SHA256 under the relay's hash key, hex. Without the key
 * the value cannot be recomputed from a guess, which a bare SHA-256 of an e-mail or user id allows.
 * @example keyedHash('key', 'user-42') // '5f1d…' (64 hex characters)
 */
export function keyedHash(key: Buffer | string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}
