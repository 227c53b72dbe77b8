/**
 * The relay's errors. Each has a stable `code`, an HTTP `status`, and a message that is safe to
 * show to a client: it names fields and limits, never a payload value or an internal detail.
 */
export class RelayError extends Error {
  override readonly name: string = 'RelayError';

  constructor(
    readonly code: string,
    readonly status: 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 429 | 503,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.details = options?.details;
  }

  /** For 429/503: how long the client should wait. */
  readonly retryAfterSeconds: number | undefined;
  /** Extra structured detail for the response body (e.g. which batch index was wrong). */
  readonly details: unknown;
}

/** A request that can never succeed as sent: 400, 408 (body too slow), 413, 415. */
export class InputError extends RelayError {
  override readonly name = 'InputError';
}

/** The relay cannot keep the event right now (buffer full, storage failing): 503 with Retry-After. */
export class UnavailableError extends RelayError {
  override readonly name = 'UnavailableError';
}

/** Missing or wrong bearer token (401), or a token posting for a company it is not bound to (403). */
export class AuthError extends RelayError {
  override readonly name = 'AuthError';
}
