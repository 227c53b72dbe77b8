/** The two kinds of event the relay accepts. */
export type EventKind = 'error' | 'scan';

/** A JSON value as it arrives after parsing. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One rule that fired: where, and how often. Never carries the original value. */
export interface Finding {
  /** Stable rule id, e.g. `email`, `credit_card`, `sensitive_key`, `content_field`. */
  rule: string;
  /** JSON path of the value, e.g. `$.error.message` or `$.frames[0].vars.password`. */
  path: string;
  /** How many times the rule fired at that path. */
  count: number;
}

/** The result of scrubbing one event. */
export interface ScrubResult {
  /** The scrubbed event, safe to store and forward. */
  event: JsonObject;
  findings: Finding[];
}

/** A compiled scrubber: pure, synchronous, no I/O. Throws `ScrubError` when a detector fails. */
export interface Scrubber {
  scrub(event: JsonObject, kind: EventKind): ScrubResult;
}
