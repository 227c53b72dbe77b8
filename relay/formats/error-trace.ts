import { isIdLike } from '../pipeline/event-id.js';

/**
 * The relay's error trace as the adapters build it (see the product brief). It is validated,
 * consent-gated and scrubbed by ingest like any event posted to `/v1/errors`.
 */
export interface ErrorTrace {
  [key: string]: unknown;
  event_id?: string;
  timestamp: string;
  company_id?: string;
  user_id?: string;
  level: string;
  error: { type: string; message: string; stack: string };
  /** Innermost (crashing) frame first, the order of a JavaScript `error.stack`. */
  frames?: ErrorFrame[];
  environment: Record<string, unknown>;
  performance?: Record<string, unknown>;
  trace?: { trace_id: string; span_id?: string };
  request?: { method?: string; url?: string; headers?: Record<string, unknown> };
  extra?: Record<string, unknown>;
}

export interface ErrorFrame {
  [key: string]: unknown;
  file?: string;
  line?: number;
  column?: number;
  function: string;
  vars?: Record<string, unknown>;
}

/** The id when it is id-like (see `isIdLike`), else `undefined` (the relay assigns one). */
export function eventIdOrUndefined(value: unknown): string | undefined {
  return isIdLike(value) ? value : undefined;
}

/** A user id the relay's schema accepts (1-256 characters), from a string or a number. */
export function userIdOrUndefined(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof text === 'string' && text.length > 0 && text.length <= 256 ? text : undefined;
}

/** Cuts a string to the schema's limit for that field. */
export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/**
 * A `stack` string in V8's layout from frames (innermost first), for destinations that read
 * `error.stack` rather than `frames`.
 */
export function stackFromFrames(type: string, message: string, frames: readonly ErrorFrame[]): string {
  const head = message === '' ? type : `${type}: ${message}`;
  const lines = frames.map((frame) => {
    const location = [frame.file ?? '<unknown>', frame.line, frame.column].filter((part) => part !== undefined).join(':');
    return `    at ${frame.function} (${location})`;
  });
  return [head, ...lines].join('\n');
}
