import { asArray, asObject, asString, compact, type Loose } from '../json-values.js';

/**
 * Helpers shared by the OTLP trace and log mappings. They read the OTLP/JSON encoding
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase keys,
 * trace and span ids as hex, 64-bit integers as decimal strings or numbers. Protobuf requests are
 * decoded into the same form first (see `otlp-protobuf.ts`).
 */

const MAX_VALUE_DEPTH = 8;

/** An OTLP `AnyValue` → a plain JSON value; bytes are left out (they are opaque content). */
export function anyValue(value: unknown, depth = 0): unknown {
  const object = asObject(value);
  if (object === undefined) return undefined;
  if ('stringValue' in object) return typeof object['stringValue'] === 'string' ? object['stringValue'] : undefined;
  if ('boolValue' in object) return typeof object['boolValue'] === 'boolean' ? object['boolValue'] : undefined;
  if ('intValue' in object) return integer(object['intValue']);
  if ('doubleValue' in object) {
    const number = Number(object['doubleValue']);
    return Number.isFinite(number) ? number : undefined;
  }
  if (depth >= MAX_VALUE_DEPTH) return undefined;
  if ('arrayValue' in object) {
    return asArray(asObject(object['arrayValue'])?.['values']).map((item) => anyValue(item, depth + 1) ?? null);
  }
  if ('kvlistValue' in object) return attributes(asObject(object['kvlistValue'])?.['values'], depth + 1);
  return undefined;
}

/** OTLP `KeyValue[]` → `{key: value}`; later duplicates win, as the spec allows. */
export function attributes(list: unknown, depth = 0): Loose {
  const result: Loose = {};
  for (const item of asArray(list)) {
    const pair = asObject(item);
    const key = asString(pair?.['key']);
    if (key === undefined) continue;
    const value = anyValue(pair?.['value'], depth);
    // Plain assignment would let a "__proto__" attribute change the object's prototype.
    if (value !== undefined) Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

function integer(value: unknown): number | string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value;
  }
  return undefined;
}

/** Unix nanoseconds (string or number; 0 means unset) → ISO 8601, or `undefined`. */
export function nanosToIso(value: unknown): string | undefined {
  let nanos: bigint;
  try {
    if (typeof value === 'string' && /^\d+$/.test(value)) nanos = BigInt(value);
    else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) nanos = BigInt(value);
    else return undefined;
  } catch {
    return undefined;
  }
  if (nanos === 0n) return undefined;
  const ms = Number(nanos / 1_000_000n);
  return ms < 8.64e15 ? new Date(ms).toISOString() : undefined;
}

/** Milliseconds between two unix-nanosecond times, when both are set and in order. */
export function durationMs(start: unknown, end: unknown): number | undefined {
  try {
    const from = BigInt(typeof start === 'number' || typeof start === 'string' ? start : 'x');
    const to = BigInt(typeof end === 'number' || typeof end === 'string' ? end : 'x');
    if (from === 0n || to < from) return undefined;
    return Number(to - from) / 1e6;
  } catch {
    return undefined;
  }
}

/** A hex trace id (32) or span id (16); all-zero ids mean "not set" in OTLP. */
export function hexId(value: unknown, length: 16 | 32): string | undefined {
  if (typeof value !== 'string' || value.length !== length || !/^[0-9a-f]+$/i.test(value)) return undefined;
  return /^0+$/.test(value) ? undefined : value.toLowerCase();
}

/** What a resource says about where the telemetry came from. */
export interface ResourceInfo {
  /** Resource attribute `company.id`, when set. */
  companyId: string | undefined;
  environment: Record<string, unknown>;
}

/**
 * Resource attributes → the relay's `environment`: `service.name`, `service.version` (as
 * `release`), `process.runtime.*`, `os.*`, `telemetry.sdk.*` (as a library) and
 * `deployment.environment[.name]`. Other resource attributes (host names, pod names, process
 * command lines) are not carried over.
 */
export function resourceInfo(resource: unknown, scope?: unknown): ResourceInfo {
  const attrs = attributes(asObject(resource)?.['attributes']);
  const text = (key: string) => (typeof attrs[key] === 'string' && attrs[key] !== '' ? (attrs[key]) : undefined);
  const libraries: Record<string, string> = {};
  const sdkName = text('telemetry.sdk.name');
  const sdkVersion = text('telemetry.sdk.version');
  if (sdkName !== undefined && sdkVersion !== undefined) libraries[sdkName] = sdkVersion;
  const scopeObject = asObject(scope);
  const scopeName = asString(scopeObject?.['name']);
  const scopeVersion = asString(scopeObject?.['version']);
  if (scopeName !== undefined && scopeVersion !== undefined) libraries[scopeName] = scopeVersion;
  const join = (...parts: (string | undefined)[]) => {
    const present = parts.filter((part) => part !== undefined);
    return present.length > 0 ? present.join(' ') : undefined;
  };
  return {
    companyId: text('company.id'),
    environment: compact({
      runtime: join(text('process.runtime.name'), text('process.runtime.version')),
      os: join(text('os.type'), text('os.version')),
      libraries,
      release: text('service.version'),
      service: text('service.name'),
      deployment: text('deployment.environment.name') ?? text('deployment.environment'),
      sdk_language: text('telemetry.sdk.language'),
    }),
  };
}

/** Attributes without the `exception.*` ones, which are mapped to `error`. */
export function withoutException(attrs: Loose): Loose {
  return Object.fromEntries(Object.entries(attrs).filter(([key]) => !key.startsWith('exception.')));
}

/** The `error` of an error trace from `exception.*` attributes, with fallbacks. */
export function exceptionOf(attrs: Loose, fallbackType: string, fallbackMessage: string): { type: string; message: string; stack: string } {
  const text = (key: string) => (typeof attrs[key] === 'string' ? (attrs[key]) : undefined);
  return {
    type: (text('exception.type') || fallbackType).slice(0, 1024),
    message: text('exception.message') ?? fallbackMessage,
    stack: text('exception.stacktrace') ?? '',
  };
}

/** The user id from `user.id` (or the older `enduser.id`) attributes. */
export function userIdOf(attrs: Loose): string | undefined {
  const value = attrs['user.id'] ?? attrs['enduser.id'];
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && text !== '' && text.length <= 256 ? text : undefined;
}

/**
 * Attributes without the user's identity (`user.*`, `enduser.*`): the id travels only as
 * `user_id`, which the relay pseudonymises, and the rest (name, e-mail, roles) is personal data.
 */
export function withoutUser(attrs: Loose): Loose {
  return Object.fromEntries(Object.entries(attrs).filter(([key]) => !key.startsWith('user.') && !key.startsWith('enduser.')));
}
