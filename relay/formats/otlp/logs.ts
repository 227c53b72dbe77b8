import { asArray, asObject, asString, compact, hasMembers } from '../json-values.js';
import { attributes, exceptionOf, hexId, nanosToIso, resourceInfo, userIdOf, withoutException, withoutUser } from './common.js';
import type { OtlpMapContext, OtlpMapResult } from './traces.js';

/** OTLP `SeverityNumber`: 17-20 are ERROR, 21-24 FATAL (https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber). */
const SEVERITY_ERROR = 17;
const SEVERITY_FATAL = 21;
const LEVELS: [number, string][] = [
  [SEVERITY_FATAL, 'fatal'],
  [SEVERITY_ERROR, 'error'],
  [13, 'warning'],
  [9, 'info'],
  [5, 'debug'],
  [1, 'trace'],
];

/**
 * An OTLP `ExportLogsServiceRequest` (JSON form) → error traces. A log record is an error when it
 * carries `exception.*` attributes or its severity is ERROR or above; then `exception.type` (else
 * the severity text, else `Log`) → `error.type`, `exception.message` (else a string body) →
 * `error.message`, `exception.stacktrace` → `error.stack`, the record's ids → `trace`, the
 * resource → `environment`. A structured (non-string) body is not carried: it is the log's
 * content, not metadata. All other records are not errors.
 */
export function mapLogsRequest(request: unknown, context: OtlpMapContext): OtlpMapResult {
  const result: OtlpMapResult = { events: [], notErrors: 0, rejected: 0 };
  for (const [resourceIndex, resourceLogs] of asArray(asObject(request)?.['resourceLogs']).entries()) {
    const resource = asObject(resourceLogs);
    for (const scopeLogs of asArray(resource?.['scopeLogs'])) {
      const scope = asObject(scopeLogs);
      const info = resourceInfo(resource?.['resource'], scope?.['scope']);
      if (info.companyId !== undefined && context.companies !== undefined && !context.companies.has(info.companyId)) {
        result.forbiddenResource ??= resourceIndex;
        continue;
      }
      const companyId = info.companyId ?? context.defaultCompany;
      for (const recordValue of asArray(scope?.['logRecords'])) {
        const record = asObject(recordValue) ?? {};
        const attrs = attributes(record['attributes']);
        const severity = Number(record['severityNumber'] ?? 0);
        const hasException = Object.keys(attrs).some((key) => key.startsWith('exception.'));
        if (!hasException && !(severity >= SEVERITY_ERROR)) {
          result.notErrors += 1;
          continue;
        }
        if (companyId === undefined) {
          result.rejected += 1;
          continue;
        }
        const body = asObject(record['body']);
        const bodyText = typeof body?.['stringValue'] === 'string' ? body['stringValue'] : '';
        const traceId = hexId(record['traceId'], 32);
        const extraAttributes = withoutUser(withoutException(attrs));
        const extra = compact({
          event_name: asString(record['eventName']),
          attributes: hasMembers(extraAttributes) ? extraAttributes : undefined,
        });
        result.events.push(
          compact({
            timestamp:
              nanosToIso(record['timeUnixNano']) ?? nanosToIso(record['observedTimeUnixNano']) ?? new Date(context.now()).toISOString(),
            company_id: companyId,
            user_id: userIdOf(attrs),
            level: levelOf(severity, asString(record['severityText'])),
            error: exceptionOf(attrs, asString(record['severityText'])?.slice(0, 64) ?? 'Log', bodyText),
            environment: info.environment,
            trace: traceId === undefined ? undefined : compact({ trace_id: traceId, span_id: hexId(record['spanId'], 16) }),
            extra: hasMembers(extra) ? extra : undefined,
          }),
        );
      }
    }
  }
  return result;
}

function levelOf(severity: number, text: string | undefined): string {
  const level = LEVELS.find(([from]) => severity >= from)?.[1];
  return level ?? text?.toLowerCase().slice(0, 32) ?? 'error';
}
