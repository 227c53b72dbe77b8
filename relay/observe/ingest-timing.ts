import type { MiddlewareHandler } from 'hono';
import type { Metrics } from './metrics.js';

/**
 * Counts an ingest route's answers by status (`relay_ingest_requests_total`) and times them
 * (`relay_ingest_duration_seconds`) under the route's pattern. Registered before the route's
 * admission and auth, so refusals (load shedding, a bad token) are counted and timed too.
 */
export function observeIngest(metrics: Pick<Metrics, 'ingestRequests' | 'ingestDuration'>, route: string): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      // hono hands a thrown error to onError inside next(), so c.res is the answer sent either way.
      metrics.ingestRequests.inc({ route, status: String(c.res.status) });
      metrics.ingestDuration.observe({ route }, (performance.now() - started) / 1000);
    }
  };
}
