import type { Logger } from 'pino';
import type { Destination } from './destination.js';

/** One upstream request that failed in a way worth retrying: its status, or why no answer came. */
export interface FailedAttempt {
  status: number | null;
  error: { name: string; code: string | undefined } | undefined;
}

/**
 * The log of a destination's state: one line when it starts failing, one line per failed round
 * (the status or error of the round's failed requests with the retry delay, never a second line
 * per request), and one "recovered" line with the outage's length and what is still queued. An
 * operator reads an outage from its two ends without counting retries.
 */
export class UpstreamHealth {
  constructor(
    private readonly logger: Logger,
    /** Events still queued for a destination, read only when it recovers. */
    private readonly backlog: (destination: string) => number,
  ) {}

  /** A round failed: `destination.failures` already counts it, and the next round waits `retryInMs`. */
  failed(destination: Destination, attempts: readonly FailedAttempt[], retryInMs: number): void {
    if (destination.failingSince === undefined) {
      destination.failingSince = performance.now();
      this.logger.warn({ destination: destination.name, host: destination.config.url.host }, 'upstream failing');
    }
    const statuses = [...new Set(attempts.map((attempt) => attempt.status))];
    const errors = [...new Set(attempts.flatMap((attempt) => (attempt.error === undefined ? [] : [attempt.error.code ?? attempt.error.name])))];
    this.logger.info(
      {
        destination: destination.name,
        failures: destination.failures,
        retryInMs: Math.round(retryInMs),
        requests: attempts.length,
        statuses,
        ...(errors.length === 0 ? {} : { errors }),
      },
      'upstream unavailable; will retry',
    );
  }

  /** The upstream answered a round without failing: ends an outage, if there was one. */
  answered(destination: Destination): void {
    const since = destination.failingSince;
    const failedRounds = destination.failures;
    destination.failures = 0;
    if (since === undefined) return;
    destination.failingSince = undefined;
    let backlog: number | null = null;
    try {
      backlog = this.backlog(destination.name);
    } catch {
      // Only a figure for the log line: storage trouble is reported by the write that meets it.
    }
    this.logger.info(
      { destination: destination.name, outageMs: Math.round(performance.now() - since), failedRounds, backlog },
      'upstream recovered',
    );
  }
}
