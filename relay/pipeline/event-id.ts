import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Hex ids (Sentry's 32-digit event ids, trace ids, object ids) hold a letter: a string of digits
// alone is a number, and a long number is what a card, an account or a phone number looks like.
const HEX = /^(?=[0-9a-f]*[a-f])[0-9a-f]{16,64}$/i;
const TOKEN = /^[A-Za-z0-9._-]{1,128}$/;
const LONG_DIGIT_RUN = /\d{9}/;

/**
 * Whether an `event_id` looks like an id and nothing else: a UUID, a hex id of 16-64 digits
 * with at least one letter, or 1-128 of `[A-Za-z0-9._-]` without a run of nine or more digits
 * (card, account and phone numbers). No `@`, `:` or spaces, so no e-mail, URL or "name:number".
 * @example isIdLike('5b0e5c2a-9f5e-4a53-8d0f-2b1b0f1d2c3e') // true
 * @example isIdLike('jane.doe:4111111111111111') // false
 */
export function isIdLike(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  return UUID.test(value) || HEX.test(value) || (TOKEN.test(value) && !LONG_DIGIT_RUN.test(value));
}

/**
 * The id an event is stored and forwarded under: its own when id-like, else a fresh UUID. A
 * value that is not id-like is replaced rather than refused: the event itself is fine, and a
 * fire-and-forget client would lose it to a 400 it never reads; the `202` lists the id used.
 */
export function eventIdFor(value: unknown): string {
  return isIdLike(value) ? value : randomUUID();
}
