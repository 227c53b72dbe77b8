import { inflateSync } from 'node:zlib';
import type { Context, Env, Hono } from 'hono';
import type { Logger } from 'pino';
import type { RelayConfig } from '../../config/env.js';
import type { EventKind } from '../../scrubbers/types.js';
import type { ErrorTrace } from './error-trace.js';
import { mapLogsRequest } from './otlp/logs.js';
import type * as OtlpProtobuf from './otlp/protobuf.js';
import type { OtlpSignal } from './otlp/protobuf.js';
import { mapTraceRequest, type OtlpMapResult } from './otlp/traces.js';
import { sentryKey } from './sentry/auth.js';
import { EnvelopeError, itemJson, parseEnvelope, SENTRY_DROPPED_TYPES, type Envelope } from './sentry/envelope.js';
import { mapSentryEvent } from './sentry/event.js';
import { InputError, RelayError } from '../errors.js';
import { checkEventShape } from './native/event-schemas.js';
import { bearer, ingestAuth, ingestScope, type IngestScope, type IngestTokens } from '../http/ingest-auth.js';
import type { IngestResult } from '../pipeline/ingest.js';
import { warnEvery } from '../observe/log-limiter.js';
import type { Metrics } from '../observe/metrics.js';
import { decodeBody, mediaTypeOf, parseEvents } from '../http/parse-body.js';
import { bodyReadLimits, readIngestBody } from '../http/read-body.js';

/** What the SDK routes need from the relay. */
export interface SdkRouteDeps {
  config: RelayConfig;
  metrics: Metrics;
  logger: Logger;
  /** The relay's ingest tokens (also the Sentry DSN keys of tenants). */
  tokens: IngestTokens;
  /**
   * Validate → consent gate → scrub → outbox (ingest.ts), with the group commit of `/v1/*`;
   * rejects with `RelayError`s. `scope`: the companies the request may post for (default: any).
   */
  ingest: (kind: EventKind, events: unknown[], scope?: IngestScope) => Promise<IngestResult>;
  /** Is the relay shutting down (intake stopped)? */
  isDraining: () => boolean;
  /** Clock for events that carry no time. @default Date.now */
  now?: () => number;
}

// gRPC status codes for OTLP/HTTP error bodies (google.rpc.Status.code).
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 409: 10, 413: 8, 415: 3, 429: 8, 503: 14 };

/** What the partial-success message says about records refused for a missing company. */
const NO_COMPANY_HINT = 'set the resource attribute company.id, or RELAY_DEFAULT_COMPANY, or send with an ingest token bound to one company (RELAY_INGEST_TOKENS)';

/**
 * Drop-in endpoints for the SDKs applications already use:
 * - Sentry: `POST /api/:project/envelope/` and `/api/:project/store/`, so a DSN
 *   `http://<key>@127.0.0.1:4319/<project>` sends an application's errors through the relay;
 * - OpenTelemetry OTLP/HTTP: `POST /v1/traces` and `/v1/logs` (JSON or protobuf), so
 *   `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4319` does the same for exceptions.
 * Both map to error traces and go through the same ingest path (consent gate, scrubber, outbox)
 * as `/v1/errors`. Answers follow each protocol, never the relay's own error format.
 */
export function registerSdkRoutes<E extends Env>(app: Hono<E>, deps: SdkRouteDeps): void {
  const { config, metrics } = deps;
  const now = deps.now ?? Date.now;
  const warn = warnEvery(deps.logger);

  const sentry = (read: (c: Context, companyOf: (key: string | undefined) => string) => Promise<Response>) => async (c: Context) => {
    try {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(c.req.param('project') ?? '')) throw new SentryAuthError(400, 'bad project path');
      draining(deps);
      if (!mediaTypeOf(c.req.header('content-type')).utf8) {
        throw new InputError('unsupported_charset', 415, 'Only UTF-8 bodies are accepted (charset=utf-8, or no charset)');
      }
      return await read(c, (key) => sentryCompany(c, deps, key));
    } catch (error) {
      if (error instanceof SentryAuthError) {
        metrics.rejected.inc({ status: String(error.status), code: 'sentry_auth' });
        return c.json({ detail: error.message }, error.status);
      }
      if (error instanceof RelayError) return sentryError(c, metrics, error);
      throw error;
    }
  };

  const envelope = sentry(async (c, companyOf) => {
    const body = await requestBody(c, config);
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
    if (events.length > 0) await deps.ingest('error', checked(events, config));
    const id = typeof parsed.header['event_id'] === 'string' ? parsed.header['event_id'] : events[0]?.event_id;
    return c.json(id === undefined ? {} : { id }, 200);
  });

  const store = sentry(async (c, companyOf) => {
    const event = storeEvent(await requestBody(c, config), config.maxBodyBytes);
    const mapped = mapSentryEvent(event, { companyId: companyOf(keyFrom(c, undefined)), now });
    await deps.ingest('error', checked([mapped], config));
    return c.json(mapped.event_id === undefined ? {} : { id: mapped.event_id }, 200);
  });

  for (const path of ['/api/:project/envelope/', '/api/:project/envelope']) app.post(path, envelope);
  for (const path of ['/api/:project/store/', '/api/:project/store']) app.post(path, store);

  const otlp = (signal: OtlpSignal) => {
    const records = signal === 'traces' ? 'spans' : 'log records';
    const handler = async (c: Context) => {
      const protobuf = isProtobuf(c);
      try {
        draining(deps);
        const { type, utf8 } = mediaTypeOf(c.req.header('content-type'));
        if (!protobuf && type !== 'application/json') {
          throw new InputError(type === undefined ? 'missing_media_type' : 'unsupported_media_type', 415, 'Content-Type must be application/json or application/x-protobuf');
        }
        if (!protobuf && !utf8) throw new InputError('unsupported_charset', 415, 'Only UTF-8 bodies are accepted (charset=utf-8, or no charset)');
        const body = await requestBody(c, config);
        const request = protobuf ? await protobufRequest(signal, body) : jsonRequest(body);
        const scope = ingestScope(c);
        const context = { defaultCompany: scope.defaultCompany, companies: scope.companies, now };
        const mapped: OtlpMapResult = signal === 'traces' ? mapTraceRequest(request, context) : mapLogsRequest(request, context);
        if (mapped.forbiddenResource !== undefined) {
          const field = `${signal === 'traces' ? 'resourceSpans' : 'resourceLogs'}[${mapped.forbiddenResource}]`;
          throw new RelayError('forbidden_company', 403, `${field}: resource attribute "company.id" names a company this ingest token may not post for`);
        }
        if (mapped.notErrors > 0) metrics.dropped.inc({ reason: signal === 'traces' ? 'otlp_span' : 'otlp_log' }, mapped.notErrors);

        const accepted: ErrorTrace[] = [];
        let invalid = 0;
        for (const event of mapped.events) {
          if (problemOf(event, config) === undefined) accepted.push(event);
          else invalid += 1;
        }
        if (accepted.length > 0) await deps.ingest('error', accepted, scope);

        const reasons: string[] = [];
        if (mapped.rejected > 0) {
          metrics.dropped.inc({ reason: 'no_company' }, mapped.rejected);
          warn(`otlp_${signal}_no_company`, mapped.rejected, { signal }, `OTLP ${records} refused: no company; ${NO_COMPANY_HINT}`);
          reasons.push(`${mapped.rejected} ${records} without a company: ${NO_COMPANY_HINT}`);
        }
        if (invalid > 0) {
          metrics.dropped.inc({ reason: 'otlp_invalid' }, invalid);
          warn(`otlp_${signal}_invalid`, invalid, { signal }, `OTLP ${records} refused: over the relay's limits or with an invalid field`);
          reasons.push(`${invalid} ${records} over the relay's limits or with an invalid field (company.id, sizes)`);
        }
        return await otlpSuccess(c, signal, protobuf, mapped.rejected + invalid, reasons.join('; '));
      } catch (error) {
        if (error instanceof RelayError) return await otlpError(c, metrics, protobuf, error);
        throw error;
      }
    };
    const auth = ingestAuth(deps.tokens, (c, error) => otlpError(c, metrics, isProtobuf(c), error));
    return [auth, handler] as const;
  };

  app.post('/v1/traces', ...otlp('traces'));
  app.post('/v1/logs', ...otlp('logs'));
}

/** A missing or unknown DSN key, answered as Sentry's relay does (`{"detail": …}`). */
class SentryAuthError extends Error {
  override readonly name = 'SentryAuthError';
  constructor(
    readonly status: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

function draining(deps: SdkRouteDeps): void {
  if (deps.isDraining()) {
    throw new RelayError('shutting_down', 503, 'The relay is shutting down; retry shortly', { retryAfterSeconds: 5 });
  }
}

async function requestBody(c: Context, config: RelayConfig): Promise<Buffer> {
  const raw = await readIngestBody(c, bodyReadLimits(config));
  return decodeBody(raw, c.req.header('content-encoding'), config.maxBodyBytes);
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
function sentryCompany(c: Context, deps: SdkRouteDeps, key: string | undefined): string {
  if (key === undefined) {
    deps.tokens.refused(c.req.path);
    throw new SentryAuthError(401, 'missing authorization information');
  }
  const mapped = deps.config.sentryDsnCompanies;
  if (Object.hasOwn(mapped, key)) return mapped[key]!;
  const scope = deps.tokens.tenantScopeOf(key) ?? deps.tokens.scopeOf(bearer(c));
  if (scope?.defaultCompany !== undefined) return scope.defaultCompany;
  deps.tokens.refused(c.req.path);
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

/**
 * Runs the relay's structural limits (depth, string length, keys) and schema over mapped events,
 * with the same 400/413 messages as `/v1/errors`.
 */
function checked(events: ErrorTrace[], config: RelayConfig): unknown[] {
  const parsed = parseEvents(Buffer.from(JSON.stringify(events)), 'application/json', config);
  parsed.forEach((event, index) => {
    const problem = checkEventShape('error', event);
    if (problem !== undefined) {
      throw new InputError('invalid_event', 400, `event ${index}: field "${problem.field}" ${problem.reason}`);
    }
  });
  return parsed;
}

function problemOf(event: ErrorTrace, config: RelayConfig): string | undefined {
  try {
    checked([event], config);
    return undefined;
  } catch (error) {
    if (error instanceof InputError) return error.code;
    throw error;
  }
}

/** A relay error as a Sentry SDK understands it (see {@link registerSdkRoutes}); also used for load shedding on `/api/*`. */
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

// protobufjs and the OTLP descriptor load with the first protobuf request: a relay that never
// sees one does not keep them in memory.
let otlpProtobufModule: Promise<typeof OtlpProtobuf> | undefined;
function otlpProtobuf(): Promise<typeof OtlpProtobuf> {
  return (otlpProtobufModule ??= import('./otlp/protobuf.js'));
}

async function otlpSuccess(c: Context, signal: OtlpSignal, protobuf: boolean, rejected: number, errorMessage: string): Promise<Response> {
  if (protobuf) {
    const { encodeOtlpResponse } = await otlpProtobuf();
    return c.body(new Uint8Array(encodeOtlpResponse(signal, rejected, errorMessage)), 200, { 'content-type': 'application/x-protobuf' });
  }
  if (rejected === 0) return c.json({}, 200);
  const field = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
  return c.json({ partialSuccess: { [field]: rejected, errorMessage } }, 200);
}

async function otlpError(c: Context, metrics: Metrics, protobuf: boolean, error: RelayError): Promise<Response> {
  metrics.rejected.inc({ status: String(error.status), code: error.code });
  // OTLP/HTTP: 429/503 are retryable and honour Retry-After; other 4xx are not.
  if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds));
  if (error.status === 401) c.header('WWW-Authenticate', 'Bearer');
  const code = GRPC_CODE[error.status] ?? 2;
  if (protobuf) {
    const { encodeOtlpStatus } = await otlpProtobuf();
    return c.body(new Uint8Array(encodeOtlpStatus(code, error.message)), error.status, { 'content-type': 'application/x-protobuf' });
  }
  return c.json({ code, message: error.message }, error.status);
}

async function protobufRequest(signal: OtlpSignal, body: Buffer): Promise<unknown> {
  const { decodeOtlpProtobuf, OtlpDecodeError } = await otlpProtobuf();
  try {
    return decodeOtlpProtobuf(signal, body);
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new InputError('invalid_protobuf', 400, error.message, { cause: error });
    throw error;
  }
}

function jsonRequest(body: Buffer): unknown {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not an object');
    return value;
  } catch (error) {
    throw new InputError('invalid_json', 400, 'Body is not an OTLP/JSON export request (a JSON object)', { cause: error });
  }
}

function isProtobuf(c: Context): boolean {
  const { type } = mediaTypeOf(c.req.header('content-type'));
  return type === 'application/x-protobuf' || type === 'application/protobuf';
}

