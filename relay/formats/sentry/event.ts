import { clip, eventIdOrUndefined, stackFromFrames, userIdOrUndefined, type ErrorFrame, type ErrorTrace } from '../error-trace.js';
import { asArray, asObject, asString, compact, hasMembers, objects, type Loose } from '../json-values.js';

/** Where the mapped event belongs and what time it is (the adapter itself reads no clock). */
export interface SentryMapContext {
  companyId: string | undefined;
  /** Used when the event carries no usable timestamp. */
  now: () => number;
}

// Contexts mapped to fields of their own; every other context goes to `extra.contexts`.
const MAPPED_CONTEXTS = new Set(['os', 'runtime', 'trace', 'app', 'device', 'culture']);

/**
 * A Sentry error event (the payload of an `event` envelope item or of `/store/`) → the relay's
 * error trace. Mapping (https://develop.sentry.dev/sdk/data-model/event-payloads/):
 * - the last `exception.values[]` entry (the one raised) → `error {type, message, stack}`; the
 *   earlier ones (its causes) → `extra.exception_chain [{type, message}]`;
 * - its `stacktrace.frames` → `frames`, **reversed**: Sentry lists the oldest call first, the relay
 *   (like V8's `error.stack`) the crashing frame first. `vars` are kept (the scrubber reads them);
 *   source lines (`context_line`, `pre_context`, `post_context`) are not;
 * - `contexts.os/runtime/device` and `modules`, `sdk`, `release`, `environment`, `platform`
 *   → `environment`; `contexts.trace` → `trace`; memory and CPU counts → `performance`;
 * - `user.id` → `user_id` (email, ip_address, username and the rest of `user` are dropped);
 * - `request {method, url, headers}` → `request` (query string, cookies, body and env are dropped);
 * - `tags` → `extra.tags`, `extra` → `extra.data`, other contexts → `extra.contexts`;
 * - breadcrumbs, `server_name`, `debug_meta` and source context are dropped.
 * A message event (`captureMessage`) becomes an error of type `Message`.
 */
export function mapSentryEvent(event: Loose, context: SentryMapContext): ErrorTrace {
  const exceptions = objects(asObject(event['exception'])?.['values'] ?? event['exception']);
  const raised = exceptions.at(-1);
  const frames = mapFrames(asObject(raised?.['stacktrace']) ?? threadStacktrace(event));

  const type = clip(asString(raised?.['type']) ?? (raised === undefined ? 'Message' : 'Error'), 1024);
  const message = asString(raised?.['value']) ?? messageText(event) ?? '';
  const contexts = asObject(event['contexts']) ?? {};
  const otherContexts = Object.fromEntries(Object.entries(contexts).filter(([name]) => !MAPPED_CONTEXTS.has(name)));
  const mechanism = asObject(raised?.['mechanism']);

  const extra = compact({
    tags: tags(event['tags']),
    data: hasMembers(asObject(event['extra'])) ? event['extra'] : undefined,
    contexts: hasMembers(otherContexts) ? otherContexts : undefined,
    exception_chain:
      exceptions.length > 1
        ? exceptions.slice(0, -1).map((cause) => compact({ type: asString(cause['type']), message: asString(cause['value']) }))
        : undefined,
    mechanism: mechanism === undefined ? undefined : compact({ type: asString(mechanism['type']), handled: booleanOrUndefined(mechanism['handled']) }),
    logger: asString(event['logger']),
    transaction: asString(event['transaction']),
  });

  const traceContext = asObject(contexts['trace']);
  const traceId = hexId(traceContext?.['trace_id'], 32);
  const performance = performanceOf(contexts);

  return compact({
    event_id: eventIdOrUndefined(event['event_id']),
    timestamp: isoTimestamp(event['timestamp'], context.now),
    company_id: context.companyId,
    user_id: userIdOrUndefined(asObject(event['user'])?.['id']),
    level: clip(asString(event['level']) ?? 'error', 32),
    error: { type, message, stack: frames.length > 0 ? stackFromFrames(type, message, frames) : '' },
    frames: frames.length > 0 ? frames : undefined,
    environment: environmentOf(event, contexts),
    performance: hasMembers(performance) ? performance : undefined,
    trace: traceId === undefined ? undefined : compact({ trace_id: traceId, span_id: hexId(traceContext?.['span_id'], 16) }),
    request: requestOf(asObject(event['request'])),
    extra: hasMembers(extra) ? extra : undefined,
  });
}

function mapFrames(stacktrace: Loose | undefined): ErrorFrame[] {
  return asArray(stacktrace?.['frames'])
    .flatMap((value) => {
      const frame = asObject(value);
      if (frame === undefined) return [];
      const vars = asObject(frame['vars']);
      return [
        compact({
          file: asString(frame['abs_path']) ?? asString(frame['filename']),
          line: lineNumber(frame['lineno']),
          column: lineNumber(frame['colno']),
          function: asString(frame['function']) ?? '<anonymous>',
          module: asString(frame['module']),
          in_app: booleanOrUndefined(frame['in_app']),
          vars: hasMembers(vars) ? vars : undefined,
        }),
      ];
    })
    .reverse();
}

function threadStacktrace(event: Loose): Loose | undefined {
  const threads = objects(asObject(event['threads'])?.['values'] ?? event['threads']);
  const thread = threads.find((candidate) => candidate['crashed'] === true) ?? threads.find((candidate) => candidate['current'] === true) ?? threads[0];
  return asObject(thread?.['stacktrace']);
}

function messageText(event: Loose): string | undefined {
  const direct = event['message'];
  if (typeof direct === 'string') return direct;
  const entry = asObject(direct) ?? asObject(event['logentry']);
  return asString(entry?.['formatted']) ?? asString(entry?.['message']);
}

function environmentOf(event: Loose, contexts: Loose): Record<string, unknown> {
  const runtime = asObject(contexts['runtime']);
  const os = asObject(contexts['os']);
  const device = asObject(contexts['device']);
  const sdk = asObject(event['sdk']);
  const libraries: Record<string, string> = {};
  for (const [name, version] of Object.entries(asObject(event['modules']) ?? {})) {
    if (typeof version === 'string') libraries[name] = version;
  }
  const sdkName = asString(sdk?.['name']);
  const sdkVersion = asString(sdk?.['version']);
  if (sdkName !== undefined && sdkVersion !== undefined) libraries[sdkName] = sdkVersion;
  return compact({
    runtime: joined(runtime?.['name'], runtime?.['version']),
    os: joined(os?.['name'], os?.['version']),
    arch: asString(device?.['arch']),
    libraries,
    release: asString(event['release']),
    dist: asString(event['dist']),
    deployment: asString(event['environment']),
    platform: asString(event['platform']),
  });
}

function performanceOf(contexts: Loose): Record<string, unknown> {
  const app = asObject(contexts['app']);
  const device = asObject(contexts['device']);
  return compact({
    app_memory_bytes: finiteNumber(app?.['app_memory']),
    free_memory_bytes: finiteNumber(device?.['free_memory']),
    memory_size_bytes: finiteNumber(device?.['memory_size']),
    processor_count: finiteNumber(device?.['processor_count']),
  });
}

function requestOf(request: Loose | undefined): ErrorTrace['request'] {
  if (request === undefined) return undefined;
  const result = compact({
    method: asString(request['method']),
    url: asString(request['url']),
    headers: headerObject(request['headers']),
  });
  return hasMembers(result) ? result : undefined;
}

/** Sentry sends headers and tags as an object or as `[name, value]` pairs. */
function headerObject(value: unknown): Record<string, unknown> | undefined {
  const result: Record<string, unknown> = {};
  if (Array.isArray(value)) {
    for (const pair of value) {
      if (Array.isArray(pair) && typeof pair[0] === 'string') result[pair[0]] = pair[1] as unknown;
    }
  } else {
    Object.assign(result, asObject(value));
  }
  return hasMembers(result) ? result : undefined;
}

const tags = headerObject;

function isoTimestamp(value: unknown, now: () => number): string {
  // Sentry sends seconds since the epoch as a float, or an RFC 3339 string.
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  const time = Number.isFinite(ms) && ms >= 0 && ms < 8.64e15 ? ms : now();
  return new Date(time).toISOString();
}

function hexId(value: unknown, length: number): string | undefined {
  return typeof value === 'string' && value.length === length && /^[0-9a-f]+$/i.test(value) ? value.toLowerCase() : undefined;
}

function lineNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function booleanOrUndefined(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function joined(name: unknown, version: unknown): string | undefined {
  const parts = [asString(name)?.trim(), asString(version)?.trim()].filter((part) => part !== undefined && part !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}
