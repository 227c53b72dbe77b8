import type { Logger } from 'pino';

/**
 * Warns about a recurring cause (events refused for the same reason) at most once per
 * `intervalMs` per cause, with how many times it happened since the last line: an exporter that
 * sends every second must not fill the log. Fields are counts and causes, never event content.
 */
export function warnEvery(logger: Logger, intervalMs = 60_000, now: () => number = Date.now) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (cause: string, count: number, fields: Record<string, unknown>, message: string): void => {
    const seen = last.get(cause);
    const at = now();
    if (seen !== undefined && at - seen.at < intervalMs) {
      seen.suppressed += count;
      return;
    }
    logger.warn({ cause, count, sinceLastLog: seen?.suppressed ?? 0, ...fields }, message);
    last.set(cause, { at, suppressed: 0 });
  };
}
