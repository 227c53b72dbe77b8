import { inflateSync } from 'node:zlib';
import type { Context } from 'hono';
import { InputError, RelayError } from '../../errors.js';
import { bearer } from '../../http/ingest-auth.js';
import { mediaTypeOf } from '../../http/parse-body.js';
import { bodyReadLimits, readDecodedBody } from '../../http/read-body.js';
import type { Metrics } from '../../observe/metrics.js';
import type { ErrorTrace } from '../error-trace.js';
import type { FormatDeps, IngestFormat } from '../format.js';
import { sentryKey } from './auth.js';
import { EnvelopeError, itemJson, parseEnvelope, SENTRY_DROPPED_TYPES, type Envelope } from './envelope.js';
import { mapSentryEvent } from './event.js';

/** A missing or unknown DSN key, or a bad project path, answered as Sentry's relay does (`{"detail": …}`). */
class SentryAuthError extends RelayError {
  override readonly name = 'SentryAuthError';
  constructor(status: 400 | 401 | 403, message: string) {
    super('sentry_auth', status, message);
  }
}

/**
 * Sentry's drop-in endpoints: `POST /api/:project/envelope/` and `/api/:project/store/`, so a DSN
 * `http://<key>@127.0.0.1:4319/<project>` sends an application's errors through the relay. Each
 * event is mapped to an error trace and goes through the same pipeline as `/v1/errors`; answers
 * follow Sentry's protocol (`{"id"}`, `{"detail"}`, 429 with `X-Sentry-Rate-Limits`).
 */
export function sentryFormat(deps: FormatDeps): IngestFormat {
  const { config, metrics } = deps;
  const now = deps.now ?? Date.now;
  const readLimits = bodyReadLimits(config);

  const sentry = (read: (c: Context, companyOf: (key: string | undefined) => string) => Promise<Response>) => async (c: Context) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(c.req.param('project') ?? '')) throw new SentryAuthError(400, 'bad project path');
    if (!mediaTypeOf(c.req.header('content-type')).utf8) {
      throw new InputError('unsupported_charset', 415, 'Only UTF-8 bodies are accepted (charset=utf-8, or no charset)');
    }
    return read(c, (key) => sentryCompany(c, deps, key));
  };

  const envelope = sentry(async (c, companyOf) => {
    const body = await readDecodedBody(c, readLimits);
    let parsed: Envelope;
    try {
      parsed = parseEnvelope(body, config.maxBatchEvents);
    } catch (error) {
      if (error instanceof EnvelopeError) throw new InputError('invalid_envelope', 400, `invalid envelope: ${error.message}`, { cause: error });
      throw error;
    }
    const companyId = companyOf(keyFrom(c, parsed.header['dsn']));
    const events: ErrorTrace[] = [];
    parsed.items.forEach((item, index) => {
      if (item.type !== 'event') {
        metrics.dropped.inc({ reason: `sentry_${SENTRY_DROPPED_TYPES.has(item.type) ? item.type : 'other'}` });
        return;
      }
      try {
        events.push(mapSentryEvent(itemJson(item, index), { companyId, now }));
      } catch (error) {
        if (error instanceof EnvelopeError) throw new InputError('invalid_envelope', 400, `invalid envelope: ${error.message}`, { cause: error });
        throw error;
      }
    });
    const id = typeof parsed.header['event_id'] === 'string' ? parsed.header['event_id'] : events[0]?.event_id;
    if (events.length > 0) await deps.pipeline.ingestDecoded('error', events);
    return c.json(id === undefined ? {} : { id }, 200);
  });

  const store = sentry(async (c, companyOf) => {
    const event = storeEvent(await readDecodedBody(c, readLimits), config.maxBodyBytes);
    const mapped = mapSentryEvent(event, { companyId: companyOf(keyFrom(c, undefined)), now });
    const id = mapped.event_id;
    await deps.pipeline.ingestDecoded('error', [mapped]);
    return c.json(id === undefined ? {} : { id }, 200);
  });

  return {
    name: 'sentry',
    routes: [
      { paths: ['/api/:project/envelope/', '/api/:project/envelope'], auth: 'format', handle: envelope },
      { paths: ['/api/:project/store/', '/api/:project/store'], auth: 'format', handle: store },
    ],
    refuse: (c, error) => sentryError(c, metrics, error),
  };
}

function keyFrom(c: Context, dsn: unknown): string | undefined {
  const authorization = c.req.header('authorization');
  const header = c.req.header('x-sentry-auth') ?? (authorization !== undefined && /^\s*Sentry\s/i.test(authorization) ? authorization : undefined);
  return sentryKey({ header, query: c.req.query('sentry_key'), dsn });
}

/**
 * The company of a Sentry request: the one its DSN key is mapped to (`RELAY_SENTRY_KEYS`); else,
 * when the key is a tenant's ingest token (`RELAY_INGEST_TOKENS`), that token's company; else
 * the default company of the bearer token sent with it (`RELAY_DEFAULT_COMPANY` when no token is
 * configured). A Sentry event cannot name its company, so a key bound to several has none.
 */
function sentryCompany(c: Context, deps: FormatDeps, key: string | undefined): string {
  if (key === undefined) throw new SentryAuthError(401, 'missing authorization information');
  const mapped = deps.config.sentryDsnCompanies;
  if (Object.hasOwn(mapped, key)) return mapped[key]!;
  const scope = deps.tokens.tenantScopeOf(key) ?? deps.tokens.scopeOf(bearer(c));
  if (scope?.defaultCompany !== undefined) return scope.defaultCompany;
  throw new SentryAuthError(403, 'event submission rejected with_reason: ProjectId (unknown DSN key: map it in RELAY_SENTRY_KEYS, or use a tenant token of RELAY_INGEST_TOKENS bound to one company as the key)');
}

/** The `/store/` body: a JSON event, or (older SDKs) base64 of a zlib-deflated JSON event. */
function storeEvent(body: Buffer, maxBytes: number): Record<string, unknown> {
  let text = body.toString('utf8').trim();
  if (!text.startsWith('{') && /^[A-Za-z0-9+/=\s]+$/.test(text)) {
    try {
      text = inflateSync(Buffer.from(text, 'base64'), { maxOutputLength: maxBytes }).toString('utf8');
    } catch (error) {
      throw new InputError('invalid_json', 400, 'invalid event: body is neither JSON nor base64 zlib JSON', { cause: error });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError('invalid_json', 400, 'invalid event: body is not valid JSON', { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('invalid_json', 400, 'invalid event: body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A relay error as a Sentry SDK understands it; also the answer of load shedding and draining on `/api/*`. */
export function sentryError(c: Context, metrics: Metrics, error: RelayError): Response {
  metrics.rejected.inc({ status: String(error.status), code: error.code });
  // Sentry SDKs back off only on 429 (with Retry-After / X-Sentry-Rate-Limits); on a 503 they
  // would keep sending, so a full or draining relay answers 429 here.
  if (error.status === 503 || error.status === 429) {
    const seconds = String(error.retryAfterSeconds ?? 30);
    c.header('Retry-After', seconds);
    c.header('X-Sentry-Rate-Limits', `${seconds}::organization`);
    return c.json({ detail: error.message }, 429);
  }
  return c.json({ detail: error.message }, error.status);
}
