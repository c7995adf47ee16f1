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

/**
 * Someone else got there first: a store write whose condition failed (`lead_exists`, an
 * Idempotency-Key in use), or a provider refusing a request because of concurrent work on the same
 * record (HubSpot 409 / category CONFLICT, 423 LOCKED: two environments upserting one email at
 * once). The conflict passes once the other write has landed, so it is retryable: read again, or
 * try again after a backoff. The HTTP layer answers it 409. `status` is the provider's HTTP status
 * when a provider answered it.
 */
export class ConflictError extends RetryableError {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    readonly code: string = 'conflict',
    readonly status?: number,
    retryAfterMs?: number,
  ) {
    super(message, retryAfterMs);
  }
}

/**
 * The invocation's deadline is too close to start another call that could outlast it. Not an
 * attempt: the work goes back to its queue (a deferral, retry-policy.ts) and the next invocation
 * does it; nothing is settled as failed.
 */
export class DeadlineError extends RetryableError {
  override readonly name = 'DeadlineError';
  constructor(message = 'Function deadline too close to start another call', retryAfterMs = 1_000) {
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
