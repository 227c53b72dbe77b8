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

/** The zone a forwarded value fell in: its declared field type (`token`, `text`, `local`, …) or `free`. */
export interface ZoneReport {
  path: string;
  zone: string;
}

/** The result of scrubbing one event. */
export interface ScrubResult {
  /** The scrubbed event, safe to store and forward. */
  event: JsonObject;
  /** Values found per rule id (the same object as the event's `_meta.scrubbed`; do not modify it). Empty when nothing fired. */
  counts: Record<string, number>;
  /** Per rule and JSON path, in the order rules first fired: only when scrubbed with `explain`. */
  findings?: Finding[];
  /** The zone of every scalar value walked, in walk order: only when scrubbed with `explain`. */
  zones?: ZoneReport[];
}

/** Options of one `scrub` call. */
export interface ScrubCallOptions {
  /**
   * Also report where each rule fired ({@link ScrubResult.findings}). Off by default: building the
   * JSON path of every finding costs time that the relay, which keeps only the counts, does not spend.
   */
  explain?: boolean;
  /**
   * Scrub the event in place: changed values are written back into it, and only an object whose
   * keys change (a key renamed or removed) is copied. For a caller that gives the event up, such
   * as one that just parsed it: no copy to allocate (bench/scrub.js prints both). No object may
   * occur twice in the event (JSON.parse never shares one).
   */
  inPlace?: boolean;
}

/** A compiled scrubber: pure, synchronous, no I/O. Throws `ScrubError` when a detector fails. */
export interface Scrubber {
  scrub(event: JsonObject, kind: EventKind, options?: ScrubCallOptions): ScrubResult;
}
