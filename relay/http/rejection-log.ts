import type { Logger } from 'pino';
import type { RelayError } from '../errors.js';
import { warnEvery } from '../observe/log-limiter.js';

/**
 * The log of refused ingest requests: one JSON line per cause (format and error code) per
 * `intervalMs`, with how many were refused since the last line. It carries the status and the
 * code only: a message may name a field of the payload, and the body is never logged.
 */
export function rejectionLog(logger: Logger, intervalMs = 60_000, now: () => number = Date.now): (format: string, error: RelayError) => void {
  const warn = warnEvery(logger, intervalMs, now);
  return (format, error) => {
    warn(`${format}:${error.code}`, 1, { format, code: error.code, status: error.status }, 'ingest request refused');
  };
}
