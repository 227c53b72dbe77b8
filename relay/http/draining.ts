import type { Context, MiddlewareHandler } from 'hono';
import { UnavailableError, type RelayError } from '../errors.js';

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
