import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { RelayConfig } from '../../config/env.js';
import { RelayError } from '../errors.js';
import { intakeOpen, type createAdmission } from '../http/admission.js';
import { ingestAuth, type IngestTokens } from '../http/ingest-auth.js';
import { rejectionLog } from '../http/rejection-log.js';
import type { Metrics } from '../observe/metrics.js';
import type { IngestPipeline } from '../pipeline/ingest.js';

/** Answers a refused request in the format's own protocol (or throws it to the app's `onError`). */
export type Refuse = (c: Context, error: RelayError) => Response | Promise<Response>;

/** One ingest route of a format, and what it needs from the shared HTTP middleware (relay/http/). */
export interface IngestRoute {
  /** Paths in hono's syntax; every one is a `POST`. */
  paths: readonly string[];
  /**
   * `bearer`: the ingest token middleware runs first and the request's scope is known
   * (`ingestScope`); `format`: the format authenticates the request itself (Sentry's DSN key).
   */
  auth: 'bearer' | 'format';
  handle: (c: Context) => Promise<Response>;
}

/**
 * An ingest format (native, Sentry, OTLP): its routes, decoding and response shape. The relay
 * mounts every format the same way (see {@link mountIngestFormats}): admission and load shedding,
 * authentication, draining and the rejection log come from relay/http/, once for all formats;
 * a format's handler reads its body, decodes it into events and hands them to the pipeline.
 */
export interface IngestFormat {
  /** For logs and metrics: `native`, `sentry`, `otlp`. */
  name: string;
  routes: readonly IngestRoute[];
  /** How a refused request is answered (a `RelayError` thrown by a handler or the middleware). */
  refuse: Refuse;
  /** How load shedding answers, when not with {@link refuse}. */
  shed?: Refuse | undefined;
}

/** What a format is built with. */
export interface FormatDeps {
  config: RelayConfig;
  metrics: Metrics;
  logger: Logger;
  /** The relay's ingest tokens (also the Sentry DSN keys of tenants). */
  tokens: IngestTokens;
  pipeline: IngestPipeline;
  /** Clock for events that carry no time. @default Date.now */
  now?: () => number;
}

/** A refusal the app's `onError` answers (the relay's own JSON error shape). */
export const throwToOnError: Refuse = (_c, error) => {
  throw error;
};

/** The shared HTTP middleware every ingest format is mounted with. */
export interface IngestMiddleware {
  /** Load shedding (see `createAdmission`), one budget for all formats. */
  admission: ReturnType<typeof createAdmission>;
  tokens: IngestTokens;
  /** Is the relay shutting down (intake stopped)? */
  isDraining: () => boolean;
  logger: Logger;
}

/**
 * Mounts the formats' routes, each behind the same chain: admission → ingest token (when the
 * route takes one) → draining → the format's handler. Every refusal, from the middleware or the
 * handler, is logged (rate-limited, see `rejectionLog`) and answered in the format's protocol.
 */
export function mountIngestFormats<E extends Env>(app: Hono<E>, formats: readonly IngestFormat[], shared: IngestMiddleware): void {
  const logRejection = rejectionLog(shared.logger);
  for (const format of formats) {
    const logged =
      (answer: Refuse): Refuse =>
      (c, error) => {
        logRejection(format.name, error);
        return answer(c, error);
      };
    const refuse = logged(format.refuse);
    const admission = shared.admission(logged(format.shed ?? format.refuse));
    const open = intakeOpen(shared.isDraining, refuse);
    const auth = ingestAuth(shared.tokens, refuse);
    for (const route of format.routes) {
      const handler = async (c: Context) => {
        try {
          return await route.handle(c);
        } catch (error) {
          if (error instanceof RelayError) return await refuse(c, error);
          throw error;
        }
      };
      const chain: MiddlewareHandler[] = route.auth === 'bearer' ? [admission, auth, open] : [admission, open];
      // hono's typed overloads take a fixed number of handlers; the chain's length varies.
      for (const path of route.paths) app.on('POST', path, ...([...chain, handler] as MiddlewareHandler[] as [MiddlewareHandler]));
    }
  }
}
