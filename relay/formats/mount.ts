import type { Context, Env, Hono, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { RelayError } from '../errors.js';
import { intakeOpen, type createAdmission } from '../http/admission.js';
import { ingestAuth, type IngestTokens } from '../http/ingest-auth.js';
import { rejectionLog } from '../http/rejection-log.js';
import type { IngestFormat, Refuse } from './format.js';

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
