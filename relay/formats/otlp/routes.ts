import type { Context } from 'hono';
import { InputError, RelayError } from '../../errors.js';
import { ingestScope } from '../../http/ingest-auth.js';
import { mediaTypeOf } from '../../http/parse-body.js';
import { bodyReadLimits, readDecodedBody } from '../../http/read-body.js';
import { warnEvery } from '../../observe/log-limiter.js';
import type { Metrics } from '../../observe/metrics.js';
import type { FormatDeps, IngestFormat } from '../format.js';
import { mapLogsRequest } from './logs.js';
import type * as OtlpProtobuf from './protobuf.js';
import type { OtlpSignal } from './protobuf.js';
import { mapTraceRequest, type OtlpMapResult } from './traces.js';

// gRPC status codes for OTLP/HTTP error bodies (google.rpc.Status.code).
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 409: 10, 413: 8, 415: 3, 429: 8, 503: 14 };

/** What the partial-success message says about records refused for a missing company. */
const NO_COMPANY_HINT = 'set the resource attribute company.id, or RELAY_DEFAULT_COMPANY, or send with an ingest token bound to one company (RELAY_INGEST_TOKENS)';

/**
 * OpenTelemetry's OTLP/HTTP endpoints: `POST /v1/traces` and `/v1/logs` (JSON or protobuf), so
 * `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4319` sends an application's exceptions through
 * the relay. Exception events become error traces for the pipeline; records that cannot be kept
 * are reported as partial success, and errors are answered as `google.rpc.Status`.
 */
export function otlpFormat(deps: FormatDeps): IngestFormat {
  const { config, metrics } = deps;
  const now = deps.now ?? Date.now;
  const warn = warnEvery(deps.logger);
  const readLimits = bodyReadLimits(config);

  const route = (signal: OtlpSignal) => async (c: Context) => {
    const records = signal === 'traces' ? 'spans' : 'log records';
    const protobuf = isProtobuf(c);
    const { type, utf8 } = mediaTypeOf(c.req.header('content-type'));
    if (!protobuf && type !== 'application/json') {
      throw new InputError(type === undefined ? 'missing_media_type' : 'unsupported_media_type', 415, 'Content-Type must be application/json or application/x-protobuf');
    }
    if (!protobuf && !utf8) throw new InputError('unsupported_charset', 415, 'Only UTF-8 bodies are accepted (charset=utf-8, or no charset)');
    const body = await readDecodedBody(c, readLimits);
    const request = protobuf ? await protobufRequest(signal, body) : jsonRequest(body);
    const scope = ingestScope(c);
    const context = { defaultCompany: scope.defaultCompany, companies: scope.companies, now };
    const mapped: OtlpMapResult = signal === 'traces' ? mapTraceRequest(request, context) : mapLogsRequest(request, context);
    if (mapped.forbiddenResource !== undefined) {
      const field = `${signal === 'traces' ? 'resourceSpans' : 'resourceLogs'}[${mapped.forbiddenResource}]`;
      throw new RelayError('forbidden_company', 403, `${field}: resource attribute "company.id" names a company this ingest token may not post for`);
    }
    if (mapped.notErrors > 0) metrics.dropped.inc({ reason: signal === 'traces' ? 'otlp_span' : 'otlp_log' }, mapped.notErrors);

    const { invalid } = await deps.pipeline.ingestEach('error', mapped.events, scope);

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
    return otlpSuccess(c, signal, protobuf, mapped.rejected + invalid, reasons.join('; '));
  };

  return {
    name: 'otlp',
    routes: [
      { paths: ['/v1/traces'], auth: 'bearer', handle: route('traces') },
      { paths: ['/v1/logs'], auth: 'bearer', handle: route('logs') },
    ],
    refuse: (c, error) => otlpError(c, metrics, isProtobuf(c), error),
    // Load shedding answers in the relay's own JSON error shape, with Retry-After.
    shed: (_c, error) => {
      throw error;
    },
  };
}

// protobufjs and the OTLP descriptor load with the first protobuf request: a relay that never
// sees one does not keep them in memory.
let otlpProtobufModule: Promise<typeof OtlpProtobuf> | undefined;
function otlpProtobuf(): Promise<typeof OtlpProtobuf> {
  return (otlpProtobufModule ??= import('./protobuf.js'));
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
