// RFC 3339 date-time (and the ISO 8601 forms applications send: a space for "T", no seconds, no
// zone = UTC, a date alone). Anything else is not a time, whatever Date.parse would make of it.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const EPOCH_TEXT = /^\d{1,16}(?:\.\d{1,9})?$/;
/** 9999-12-31T23:59:59.999Z: the last instant RFC 3339 can write. */
const LAST_MS = 253_402_300_799_999;
/** Epoch numbers below this are seconds, above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;

/** Why a timestamp is refused, in words that never quote it. */
export const TIMESTAMP_RULE = 'must be an RFC 3339 time or epoch seconds or milliseconds';

/**
 * An event's `timestamp` as the relay forwards it: RFC 3339 in UTC with milliseconds, from an
 * RFC 3339 / ISO 8601 string (no zone = UTC) or epoch seconds or milliseconds (a number or a
 * string of digits). `undefined` when the value is not a time in 1970-9999, so that nothing but a
 * time is ever forwarded in this field.
 * @example normaliseTimestamp(1764806400) // '2025-12-04T00:00:00.000Z'
 */
export function normaliseTimestamp(value: unknown): string | undefined {
  const ms = typeof value === 'number' ? epochMs(value) : typeof value === 'string' ? textMs(value.trim()) : undefined;
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function epochMs(value: number): number | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const ms = Math.floor(value < SECONDS_BELOW ? value * 1000 : value);
  return ms <= LAST_MS ? ms : undefined;
}

function textMs(text: string): number | undefined {
  if (text.length > 64) return undefined;
  if (EPOCH_TEXT.test(text)) return epochMs(Number(text));
  const match = ISO_TIME.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), Number(fraction.slice(0, 3).padEnd(3, '0')));
  // Date.UTC rolls 2026-02-31 over into March; a date that does not exist is not a time.
  if (new Date(utc).getUTCDate() !== d) return undefined;
  const ms = utc - offsetMinutes(zone) * 60_000;
  return ms >= 0 && ms <= LAST_MS ? ms : undefined;
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}
