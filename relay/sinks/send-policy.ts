/** What one upstream answer means for the events it carried. */
export type Outcome = 'delivered' | 'retry' | 'rejected' | 'error';

/** 2xx delivered; 408, 429 and 5xx are retried; everything else (3xx included: redirects are never followed) is permanent. */
export function classifyStatus(status: number): Exclude<Outcome, 'error'> {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long a destination waits after its `failures`-th consecutive failed round: the base delay
 * doubled per failure up to `maxMs`, with equal jitter; a `Retry-After` the upstream sent wins
 * over a shorter backoff, still capped at `maxMs`.
 * @example retryDelay(1, undefined, { baseMs: 1000, maxMs: 300_000, random: () => 0.5 }) // 750
 */
export function retryDelay(
  failures: number,
  retryAfterMs: number | undefined,
  options: { baseMs: number; maxMs: number; random: () => number },
): number {
  const backoff = Math.min(options.baseMs * 2 ** (Math.max(1, failures) - 1), options.maxMs);
  // Equal jitter: half fixed, half random, so retries from many relays spread out without collapsing to zero.
  const jittered = backoff / 2 + options.random() * (backoff / 2);
  return Math.min(Math.max(retryAfterMs ?? 0, jittered), options.maxMs);
}
