import { clip, type ErrorTrace } from '../error-trace.js';
import { asArray, asObject, asString, compact, hasMembers } from '../json-values.js';
import {
  attributes,
  durationMs,
  exceptionOf,
  hexId,
  nanosToIso,
  resourceInfo,
  userIdOf,
  withoutException,
  withoutUser,
} from './common.js';

/** What an OTLP export request turned into. */
export interface OtlpMapResult {
  /** Error traces to ingest, one per exception. */
  events: ErrorTrace[];
  /** Spans or log records that are not errors: counted, not kept, not reported as rejected. */
  notErrors: number;
  /** Error records that cannot be taken (no company), reported back as rejected. */
  rejected: number;
  /** The first resource whose `company.id` the request's token may not post for: the request is refused (403). */
  forbiddenResource?: number;
}

/** Where mapped events belong and what time it is (the adapter reads no clock). */
export interface OtlpMapContext {
  /** The company of resources without `company.id` (the token's, else `RELAY_DEFAULT_COMPANY`). */
  defaultCompany: string | undefined;
  /** The companies the request's token may post for; absent = any. */
  companies?: ReadonlySet<string> | undefined;
  now: () => number;
}

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_CODES = ['unset', 'ok', 'error'];

/**
 * An OTLP `ExportTraceServiceRequest` (JSON form) → error traces. Each span event named
 * `exception` (https://opentelemetry.io/docs/specs/semconv/exceptions/exceptions-spans/) becomes
 * one error trace: `exception.type/message/stacktrace` → `error`, the span's ids → `trace`, its
 * duration → `performance.duration_ms`, its name, kind, status and attributes → `extra.span`,
 * the resource → `environment`, resource attribute `company.id` (else the default company) →
 * `company_id`, span attribute `user.id` → `user_id`. Spans without an exception event are not
 * errors.
 */
export function mapTraceRequest(request: unknown, context: OtlpMapContext): OtlpMapResult {
  const result: OtlpMapResult = { events: [], notErrors: 0, rejected: 0 };
  for (const [resourceIndex, resourceSpans] of asArray(asObject(request)?.['resourceSpans']).entries()) {
    const resource = asObject(resourceSpans);
    for (const scopeSpans of asArray(resource?.['scopeSpans'])) {
      const scope = asObject(scopeSpans);
      const info = resourceInfo(resource?.['resource'], scope?.['scope']);
      if (info.companyId !== undefined && context.companies !== undefined && !context.companies.has(info.companyId)) {
        result.forbiddenResource ??= resourceIndex;
        continue;
      }
      const companyId = info.companyId ?? context.defaultCompany;
      for (const spanValue of asArray(scope?.['spans'])) {
        const span = asObject(spanValue) ?? {};
        const exceptions = asArray(span['events'])
          .map((event) => asObject(event))
          .filter((event) => event !== undefined && event['name'] === 'exception');
        if (exceptions.length === 0) {
          result.notErrors += 1;
          continue;
        }
        if (companyId === undefined) {
          result.rejected += 1;
          continue;
        }
        const spanAttributes = attributes(span['attributes']);
        const traceId = hexId(span['traceId'], 32);
        const status = asObject(span['status']);
        const duration = durationMs(span['startTimeUnixNano'], span['endTimeUnixNano']);
        for (const exception of exceptions) {
          const eventAttributes = attributes(exception?.['attributes']);
          const extraAttributes = withoutException(eventAttributes);
          result.events.push(
            compact({
              timestamp:
                nanosToIso(exception?.['timeUnixNano']) ?? nanosToIso(span['endTimeUnixNano']) ?? new Date(context.now()).toISOString(),
              company_id: companyId,
              user_id: userIdOf(spanAttributes),
              level: 'error',
              error: exceptionOf(eventAttributes, 'Error', ''),
              environment: info.environment,
              performance: duration === undefined ? undefined : { duration_ms: duration },
              trace: traceId === undefined ? undefined : compact({ trace_id: traceId, span_id: hexId(span['spanId'], 16) }),
              request: requestOf(spanAttributes),
              extra: compact({
                span: compact({
                  name: asString(span['name']),
                  kind: SPAN_KINDS[Number(span['kind'] ?? 0)] ?? undefined,
                  status: STATUS_CODES[Number(status?.['code'] ?? 0)] ?? undefined,
                  status_message: asString(status?.['message']),
                  attributes: hasMembers(spanAttributes) ? withoutUser(spanAttributes) : undefined,
                }),
                exception_escaped: typeof eventAttributes['exception.escaped'] === 'boolean' ? eventAttributes['exception.escaped'] : undefined,
                attributes: hasMembers(extraAttributes) ? withoutUser(extraAttributes) : undefined,
              }),
            }),
          );
        }
      }
    }
  }
  return result;
}

function requestOf(attrs: Record<string, unknown>): ErrorTrace['request'] {
  const method = attrs['http.request.method'] ?? attrs['http.method'];
  const url = attrs['url.full'] ?? attrs['http.url'] ?? attrs['url.path'] ?? attrs['http.target'];
  if (typeof method !== 'string' && typeof url !== 'string') return undefined;
  return compact({
    method: typeof method === 'string' ? clip(method, 32) : undefined,
    url: typeof url === 'string' ? url : undefined,
  });
}

