/**
 * A detector failed while scrubbing an event. The relay drops the event and counts it: an event
 * that could not be scrubbed is never stored or forwarded. The message and `cause` name the rule
 * and the error class only — never the event's values, which may be what the detector choked on.
 */
export class ScrubError extends Error {
  override readonly name = 'ScrubError';
  readonly code = 'ERR_SCRUB';
  /** Id of the rule that failed, when known. */
  readonly rule: string | undefined;

  constructor(message: string, options: { rule?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.rule = options.rule;
  }
}
