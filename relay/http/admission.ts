import type { Context, MiddlewareHandler } from 'hono';
import { UnavailableError, type RelayError } from '../errors.js';
import { chargeBodyTo } from './read-body.js';

/** Limits on the ingest work in flight at once (see `RELAY_MAX_INFLIGHT*`, `RELAY_MAX_EVENT_LOOP_DELAY`). */
export interface AdmissionLimits {
  maxInflightRequests: number;
  maxInflightBytes: number;
  maxEventLoopDelayMs: number;
}

/**
 * Load shedding shared by every ingest route. A request is admitted while fewer than
 * `maxInflightRequests` are in flight, the event loop keeps up, and its declared length fits
 * the byte budget beside the bytes the others have buffered so far; its body is then charged to
 * the budget chunk by chunk as it arrives (see `readIngestBody`). A request is always admitted
 * when none is in flight. `refuse` answers in the route's own protocol (default: throw to onError).
 */
export function createAdmission(limits: AdmissionLimits, eventLoopDelayMs: () => number) {
  let requests = 0;
  let bytes = 0;
  return (refuse?: (c: Context, error: UnavailableError) => Response | Promise<Response>): MiddlewareHandler =>
    async (c, next) => {
      const declared = Number(c.req.header('content-length'));
      const expected = Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
      if (requests >= limits.maxInflightRequests || (requests > 0 && bytes + expected > limits.maxInflightBytes) || eventLoopDelayMs() > limits.maxEventLoopDelayMs) {
        const error = new UnavailableError('overloaded', 503, 'The relay is busy; retry shortly', { retryAfterSeconds: 1 });
        if (refuse === undefined) throw error;
        return refuse(c, error);
      }
      requests += 1;
      let held = 0;
      chargeBodyTo(c, (more) => {
        if (requests > 1 && bytes + more > limits.maxInflightBytes) return false;
        held += more;
        bytes += more;
        return true;
      });
      try {
        await next();
      } finally {
        requests -= 1;
        bytes -= held;
      }
    };
}

/**
 * Draining, shared by every ingest route: once the relay is shutting down, a new request is
 * answered 503 with Retry-After (through `refuse`, in the route's own protocol) while the backlog
 * is forwarded; requests already past this point finish.
 */
export function intakeOpen(isDraining: () => boolean, refuse: (c: Context, error: RelayError) => Response | Promise<Response>): MiddlewareHandler {
  return async (c, next) => {
    if (isDraining()) {
      return refuse(c, new UnavailableError('shutting_down', 503, 'The relay is shutting down; retry shortly', { retryAfterSeconds: 5 }));
    }
    await next();
  };
}
