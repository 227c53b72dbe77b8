import { gunzipSync, inflateSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { fieldPath } from '../pipeline/field-path.js';

/** Structural limits on what one request may contain, each answered with a clear 4xx. */
export interface BodyLimits {
  maxBodyBytes: number;
  maxBatchEvents: number;
  maxDepth: number;
  maxStringLength: number;
  maxKeys: number;
}

const JSON_TYPES = new Set(['application/json', 'text/json']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Undoes `Content-Encoding: gzip|deflate` with the same size limit as a plain body, so that a
 * small compressed bomb is answered 413 instead of filling memory.
 */
export function decodeBody(raw: Uint8Array, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const encoding = contentEncoding?.trim().toLowerCase() ?? 'identity';
  const input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    if (encoding === 'identity' || encoding === '') return input;
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(input, { maxOutputLength: maxBytes });
    if (encoding === 'deflate') return inflateSync(input, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new InputError('body_too_large', 413, `Decompressed body is larger than ${maxBytes} bytes`);
    }
    throw new InputError('bad_encoding', 400, `Body is not valid ${encoding}`, { cause: error });
  }
  throw new InputError('unsupported_encoding', 415, `Content-Encoding "${encoding.slice(0, 32)}" is not supported; use gzip, deflate or none`);
}

/**
 * The decode stage: a request body to its events — `Content-Encoding` undone within the body
 * limit, then one JSON object, a JSON array or NDJSON as `Content-Type` says, each event held to
 * the structural limits. Shared by the main thread and the scrub worker. Throws the 4xx.
 */
export function decodeEvents(raw: Uint8Array, contentEncoding: string | undefined, contentType: string | undefined, limits: BodyLimits): unknown[] {
  return parseEvents(decodeBody(raw, contentEncoding, limits.maxBodyBytes), contentType, limits);
}

/**
 * The media type of a `Content-Type` header, lower-cased, and whether its charset (if any) is
 * UTF-8: JSON is UTF-8 (RFC 8259 §8.1), and a body declared in another charset would be read as
 * something it is not.
 */
export function mediaTypeOf(contentType: string | undefined): { type: string | undefined; utf8: boolean } {
  const [head = '', ...parameters] = (contentType ?? '').split(';');
  const type = head.trim().toLowerCase();
  let utf8 = true;
  for (const parameter of parameters) {
    const at = parameter.indexOf('=');
    if (parameter.slice(0, at).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter.slice(at + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    utf8 = charset === 'utf-8' || charset === 'utf8';
  }
  return { type: type === '' ? undefined : type, utf8 };
}

/** 415 unless the request says it is JSON (or NDJSON, when `ndjson`) in UTF-8. */
export function requireJsonType(contentType: string | undefined, ndjson: boolean): 'json' | 'ndjson' {
  const { type, utf8 } = mediaTypeOf(contentType);
  const expected = ndjson ? 'application/json or application/x-ndjson' : 'application/json';
  if (type === undefined) throw new InputError('missing_media_type', 415, `Content-Type is required: ${expected}`);
  const kind = JSON_TYPES.has(type) ? 'json' : ndjson && NDJSON_TYPES.has(type) ? 'ndjson' : undefined;
  if (kind === undefined) throw new InputError('unsupported_media_type', 415, `Content-Type must be ${expected}`);
  if (!utf8) throw new InputError('unsupported_charset', 415, 'Only UTF-8 bodies are accepted (charset=utf-8, or no charset)');
  return kind;
}

/**
 * Turns a request body into a list of events: one JSON object, a JSON array of objects, or NDJSON
 * (one object per line), as its `Content-Type` says; without one, or with another type or a
 * charset other than UTF-8, it is refused with 415.
 */
export function parseEvents(body: Buffer, contentType: string | undefined, limits: BodyLimits): unknown[] {
  const kind = requireJsonType(contentType, true);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (error) {
    throw new InputError('invalid_utf8', 400, 'Body is not valid UTF-8', { cause: error });
  }
  if (text.trim() === '') throw new InputError('empty_body', 400, 'Body is empty; send one event, an array, or NDJSON');

  let events: unknown[];
  if (kind === 'ndjson') {
    events = parseNdjson(text);
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InputError('invalid_json', 400, `Body is not valid JSON: ${jsonErrorPosition(error)}`, { cause: error });
    }
    events = Array.isArray(parsed) ? parsed : [parsed];
  }
  return checkEvents(events, limits);
}

function parseNdjson(text: string): unknown[] {
  const events: unknown[] = [];
  const lines = text.split('\n');
  for (let line = 0; line < lines.length; line += 1) {
    const source = lines[line]?.trim() ?? '';
    if (source === '') continue;
    try {
      events.push(JSON.parse(source));
    } catch (error) {
      throw new InputError('invalid_json', 400, `Line ${line + 1} is not valid JSON: ${jsonErrorPosition(error)}`, {
        cause: error,
        details: { line: line + 1 },
      });
    }
  }
  return events;
}

// V8's messages quote the offending text; keep only the position so no payload is echoed.
function jsonErrorPosition(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `unexpected input at position ${position}`;
  return /end of (JSON|data) input/i.test(message) ? 'unexpected end of input' : 'syntax error';
}

/**
 * The batch and structural limits of ingest over events that are already values: the events of a
 * body parsed here, or the error traces a format mapped from its own protocol (Sentry, OTLP), so
 * that those need no JSON round trip. A mapper's member left `undefined` is removed (an array
 * item becomes `null`), as JSON would have it. Throws the 400/413 naming the event.
 */
export function checkEvents(events: unknown[], limits: BodyLimits): unknown[] {
  if (events.length === 0) throw new InputError('empty_batch', 400, 'Batch is empty');
  if (events.length > limits.maxBatchEvents) {
    throw new InputError('batch_too_large', 413, `Batch has ${events.length} events; the limit is ${limits.maxBatchEvents}`);
  }
  events.forEach((event, index) => {
    const problem = eventProblem(event, limits);
    if (problem) throw eventError(index, events.length, problem.field, problem.reason, problem.status);
  });
  return events;
}

/**
 * What is wrong with one parsed event as ingest sees it before anything else: not a JSON object, a
 * reserved key name (`__proto__`, `constructor`, `prototype`), too deep, too many keys, a string
 * too long. Undefined when nothing is.
 */
export function eventProblem(event: unknown, limits: BodyLimits): StructureProblem | undefined {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return { field: '(event)', reason: 'must be a JSON object', status: 400 };
  return structureProblem(event, limits);
}

/** 400 (or 413) naming the event's index in a batch, the field and the reason. */
export function eventError(index: number, total: number, field: string, reason: string, status: 400 | 413 = 400): InputError {
  const where = total > 1 ? `event ${index}: ` : '';
  field = field.length > 200 ? `${field.slice(0, 200)}…` : field;
  return new InputError('invalid_event', status, `${where}field "${field}" ${reason}`, {
    details: { index, field, reason },
  });
}

export interface StructureProblem {
  field: string;
  reason: string;
  status: 400 | 413;
}

function structureProblem(root: object, limits: BodyLimits): StructureProblem | undefined {
  const problem = nodeProblem(root, 1, limits, { keys: 0 });
  if (problem === undefined) return undefined;
  const { reason, status, reversedPath } = problem;
  if (problem.wholeEvent) return { field: '(event)', reason, status };
  return { field: fieldPath(root, reversedPath.reverse()), reason, status };
}

/** A limit broken below the root: the path to the field is collected on the way back up, innermost first. */
interface NodeProblem {
  reason: string;
  status: 400 | 413;
  reversedPath: (string | number)[];
  /** A limit on the event as a whole (its number of keys): no field is named. */
  wholeEvent: boolean;
}

/**
 * Checks one value and everything under it. Paths are built only for the field that breaks a
 * limit, not for every field checked. Recursion stops at `maxDepth`, so its depth is bounded.
 */
function nodeProblem(value: unknown, depth: number, limits: BodyLimits, seen: { keys: number }): NodeProblem | undefined {
  if (typeof value === 'string') {
    if (value.length <= limits.maxStringLength) return undefined;
    return { reason: `is longer than ${limits.maxStringLength} characters`, status: 413, reversedPath: [], wholeEvent: false };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > limits.maxDepth) return { reason: `nests deeper than ${limits.maxDepth} levels`, status: 400, reversedPath: [], wholeEvent: false };
  if (Array.isArray(value)) {
    seen.keys += value.length;
    if (seen.keys > limits.maxKeys) return tooManyKeys(limits);
    for (let index = 0; index < value.length; index++) {
      if (value[index] === undefined) value[index] = null;
      const problem = nodeProblem(value[index], depth + 1, limits, seen);
      if (problem !== undefined) return within(problem, index);
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) {
      delete (value as Record<string, unknown>)[key];
      continue;
    }
    if (FORBIDDEN_KEYS.has(key)) return { reason: 'is a reserved name', status: 400, reversedPath: [key], wholeEvent: false };
    if (++seen.keys > limits.maxKeys) return tooManyKeys(limits);
    const problem = nodeProblem(member, depth + 1, limits, seen);
    if (problem !== undefined) return within(problem, key);
  }
  return undefined;
}

function within(problem: NodeProblem, segment: string | number): NodeProblem {
  problem.reversedPath.push(segment);
  return problem;
}

function tooManyKeys(limits: BodyLimits): NodeProblem {
  return { reason: `has more than ${limits.maxKeys} keys and items`, status: 413, reversedPath: [], wholeEvent: true };
}
