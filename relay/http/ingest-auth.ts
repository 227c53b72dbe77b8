import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { RelayConfig } from '../../config/env.js';
import { AuthError, type RelayError } from '../errors.js';

/** The companies one ingest request may post for, from the token it presented. */
export interface IngestScope {
  /** `undefined`: any company (no ingest token configured, or the single-tenant `RELAY_INGEST_TOKEN`). */
  companies: ReadonlySet<string> | undefined;
  /** The company of events that name none: a tenant token's only company, else `RELAY_DEFAULT_COMPANY` when the token may post for it. */
  defaultCompany: string | undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The token of an `Authorization: Bearer …` header. */
export function bearer(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Constant-time comparison of a presented token with a configured one (both hashed first, so lengths do not leak either). */
export function tokenMatches(presented: string | undefined, expected: string | undefined): boolean {
  if (presented === undefined || expected === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The ingest tokens of a relay: the single-tenant `RELAY_INGEST_TOKEN` (any company) and the
 * tenant tokens of `RELAY_INGEST_TOKENS`, each bound to its companies. A presented token is
 * compared with every configured one, whichever matches, so timing does not tell which was close.
 */
export class IngestTokens {
  private readonly single: Buffer | undefined;
  private readonly tenants: { digest: Buffer; scope: IngestScope }[];
  private readonly open: IngestScope;

  constructor(config: Pick<RelayConfig, 'ingestToken' | 'ingestTenants' | 'defaultCompany'>) {
    this.single = config.ingestToken === undefined ? undefined : digest(config.ingestToken);
    this.open = { companies: undefined, defaultCompany: config.defaultCompany };
    this.tenants = config.ingestTenants.map(({ token, companies }) => {
      const bound = new Set(companies);
      const only = companies.length === 1 ? companies[0] : undefined;
      const fallback = config.defaultCompany !== undefined && bound.has(config.defaultCompany) ? config.defaultCompany : undefined;
      return { digest: digest(token), scope: { companies: bound, defaultCompany: only ?? fallback } };
    });
  }

  /** Is any ingest token configured (then every ingest request needs one)? */
  get required(): boolean {
    return this.single !== undefined || this.tenants.length > 0;
  }

  /** What a presented token may do; `undefined` when tokens are required and it is none of them. */
  scopeOf(presented: string | undefined): IngestScope | undefined {
    if (!this.required) return this.open;
    if (presented === undefined) return undefined;
    const given = digest(presented);
    let found: IngestScope | undefined = this.single !== undefined && timingSafeEqual(given, this.single) ? this.open : undefined;
    for (const tenant of this.tenants) {
      if (timingSafeEqual(given, tenant.digest)) found ??= tenant.scope;
    }
    return found;
  }

  /** The scope of a tenant token only (a Sentry DSN key may be one); `undefined` for any other value. */
  tenantScopeOf(presented: string): IngestScope | undefined {
    const given = digest(presented);
    let found: IngestScope | undefined;
    for (const tenant of this.tenants) {
      if (timingSafeEqual(given, tenant.digest)) found ??= tenant.scope;
    }
    return found;
  }
}

const scopes = new WeakMap<Context, IngestScope>();

/**
 * Ingest authentication, shared by every ingest route that takes a bearer token (`/v1/*`, OTLP):
 * a missing or unknown token is answered 401 (through `refuse`, in the route's own protocol),
 * and the request's {@link IngestScope} is kept for {@link ingestScope}.
 */
export function ingestAuth(tokens: IngestTokens, refuse?: (c: Context, error: RelayError) => Response | Promise<Response>): MiddlewareHandler {
  return async (c, next) => {
    const scope = tokens.scopeOf(bearer(c));
    if (scope === undefined) {
      const error = new AuthError('unauthorized', 401, 'A valid ingest token is required (Authorization: Bearer …)');
      if (refuse === undefined) throw error;
      return refuse(c, error);
    }
    scopes.set(c, scope);
    await next();
  };
}

/** The scope {@link ingestAuth} found for this request. */
export function ingestScope(c: Context): IngestScope {
  const scope = scopes.get(c);
  if (scope === undefined) throw new Error('ingestScope() needs the ingestAuth middleware on the route');
  return scope;
}
