/**
 * Typed failures. The core throws them; the HTTP layer and the batch consumer decide what each
 * means for the caller (status code, retry with backoff, or a record parked as FAILED).
 */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** Bad input from a caller: answered 4xx, nothing stored, nothing queued. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly details: readonly FieldIssue[] = [],
    readonly code: string = 'validation_error',
    readonly status: number = 400,
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    readonly code: string = 'conflict',
  ) {
    super(message);
  }
}

/** A transient failure (5xx, timeout, connection reset, throttling): try again later. */
export class RetryableError extends Error {
  override readonly name: string = 'RetryableError';
  constructor(
    message: string,
    /** The provider asked for at least this long before the next try (Retry-After, rate-limit window). */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The provider's rate limit is spent; `retryAfterMs` says when budget is expected back. */
export class RateLimitedError extends RetryableError {
  override readonly name = 'RateLimitedError';
  constructor(
    message: string,
    retryAfterMs: number,
    /** False when the client held the call back itself because the budget was spent: no request was made. */
    readonly attempted: boolean,
  ) {
    super(message, retryAfterMs);
  }
}

/** The provider rejected the request itself (4xx other than 429): retrying the same input cannot help. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * A setting an operator must fix (an unset secret, a token HubSpot refuses, no portal to be found):
 * retrying the same work cannot help until then. Flows park the work where it can be replayed and
 * fail their job with this message; status routes show it.
 */
export class MisconfiguredError extends Error {
  override readonly name: string = 'MisconfiguredError';
}

/** HubSpot refused the credentials (401/403): a revoked token or a missing scope. Retried, as an operator may fix it meanwhile. */
export class CredentialsRefusedError extends RetryableError {
  override readonly name = 'CredentialsRefusedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
