/**
 * A small Stripe client over `fetch`, for the one call the TurboTenant flow makes: setting a
 * landlord's customer metadata (`POST /v1/customers/{id}`, https://docs.stripe.com/api/customers/update).
 *
 * Why not the `stripe` package: one endpoint does not justify its weight in a consumer's cold
 * start, and retries belong to SQS (the package retries in process and sleeps). Responses are
 * parsed with zod; failures become the core's error types:
 *
 * | Stripe answers | error |
 * | --- | --- |
 * | 404 `resource_missing` | PermanentError "Stripe customer cus_... not found" |
 * | 400 (bad parameter, `idempotency_error`), 402, other 409, other 4xx | PermanentError with Stripe's message and param |
 * | 409 `idempotency_key_in_use` (same key still executing) | RetryableError: the retry gets the first request's saved answer |
 * | 429 (rate limit, `lock_timeout`) | RateLimitedError: Retry-After, else {@link STRIPE_DEFAULT_RETRY_AFTER_MS} |
 * | 401, 403 | RetryableError: a revoked or restricted key is fixed by an operator, then redriven |
 * | 5xx, 408, timeout, connection failure, malformed answer | RetryableError |
 *
 * `Stripe-Should-Retry` (https://docs.stripe.com/error-low-level), when
 * present, overrides the status for everything but 429: `true` → RetryableError, `false` →
 * PermanentError (for a 500 Stripe saved under the idempotency key, a retry would replay it).
 *
 * No `Stripe-Version` is sent: the account's default version applies, and the two fields read
 * here (`id`, `metadata`) are the same in every version.
 */
import { z } from 'zod';
import { PermanentError, RateLimitedError, RetryableError } from '../../core/errors.js';
import { baseUrlResolver, fetchFailureReason, parseJson, redactor, retryAfterHeaderMs, unescapePlain } from '../http.js';
import { formEncodeMetadata, validateStripeMetadata, type StripeMetadata } from './metadata.js';

/** Stripe's limit on idempotency keys (https://docs.stripe.com/api/idempotent_requests). */
export const STRIPE_IDEMPOTENCY_KEY_MAX = 255;
/**
 * Stripe's 429 carries no Retry-After; its limiter counts per second
 * (https://docs.stripe.com/rate-limits), so a second lets the budget refill.
 */
export const STRIPE_DEFAULT_RETRY_AFTER_MS = 1_000;
export const STRIPE_DEFAULT_TIMEOUT_MS = 10_000;

/** Stripe object ids are a prefix, an underscore and letters and digits (`cus_NffrFeUfNV2Hib`). */
const CUSTOMER_ID = /^cus_[A-Za-z0-9]+$/;

const CustomerSchema = z.object({
  id: z.string(),
  object: z.literal('customer'),
  metadata: z.record(z.string(), z.string()),
});

/** https://docs.stripe.com/api/errors */
const ErrorBodySchema = z.object({
  error: z.object({
    type: z.string().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
    param: z.string().optional(),
    doc_url: z.string().optional(),
  }),
});
type StripeErrorDetail = z.infer<typeof ErrorBodySchema>['error'];

export interface StripeClientOptions {
  /** `https://api.stripe.com` in production; the sandbox's URL locally; a function when read from a secret at call time. */
  readonly baseUrl: string | (() => Promise<string>);
  /** A secret (`sk_...`) or restricted (`rk_...`) key with write access to customers. */
  readonly apiKey: () => Promise<string>;
  readonly fetch?: typeof fetch;
}

export interface StripeCustomerMetadata {
  readonly id: string;
  readonly metadata: StripeMetadata;
}

export interface UpdateMetadataOptions {
  /**
   * Sent as `Idempotency-Key`. Derive it from what is being written (the event and the metadata),
   * so an SQS redelivery replays Stripe's saved answer instead of writing again. Stripe keeps keys
   * for at least 24 hours and refuses a key reused with different parameters.
   */
  readonly idempotencyKey: string;
  readonly timeoutMs?: number;
}

/** What the TurboTenant sync needs from Stripe; StripeClient is the adapter. */
export interface StripeCustomers {
  updateCustomerMetadata(customerId: string, metadata: Readonly<Record<string, unknown>>, options: UpdateMetadataOptions): Promise<StripeCustomerMetadata>;
}

/** A refusal with Stripe's own fields, for callers that act on `code` (e.g. `resource_missing`). */
export class StripeRequestError extends PermanentError {
  constructor(
    message: string,
    status: number | undefined,
    readonly stripe: { readonly type?: string; readonly code?: string; readonly param?: string; readonly requestId?: string } = {},
  ) {
    super(message, status);
  }
}

export class StripeClient implements StripeCustomers {
  private readonly baseUrl: () => Promise<string>;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: StripeClientOptions) {
    this.baseUrl = baseUrlResolver(options.baseUrl);
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Merges `metadata` into the customer's (keys not named are kept; an empty value unsets a key)
   * and returns the customer's metadata as Stripe now holds it. Throws ValidationError, before any
   * request, when the metadata breaks Stripe's limits.
   */
  async updateCustomerMetadata(
    customerId: string,
    metadata: Readonly<Record<string, unknown>>,
    options: UpdateMetadataOptions,
  ): Promise<StripeCustomerMetadata> {
    const valid = validateStripeMetadata(metadata);
    if (!CUSTOMER_ID.test(customerId)) {
      throw new StripeRequestError(`"${customerId.slice(0, 60)}" is not a Stripe customer id (cus_...)`, undefined, { param: 'id' });
    }
    const key = options.idempotencyKey;
    if (key === '' || key.length > STRIPE_IDEMPOTENCY_KEY_MAX) {
      throw new RangeError(`an idempotency key must be 1 to ${STRIPE_IDEMPOTENCY_KEY_MAX} characters, got ${key.length}`);
    }
    const path = `/v1/customers/${customerId}`;
    const { body, requestId } = await this.send('POST', path, formEncodeMetadata(valid), {
      idempotencyKey: key,
      timeoutMs: options.timeoutMs ?? STRIPE_DEFAULT_TIMEOUT_MS,
      notFound: `Stripe customer ${customerId} not found`,
    });
    const parsed = CustomerSchema.safeParse(body);
    if (!parsed.success) {
      // An answer of an unexpected shape is Stripe's or a proxy's fault, not the landlord's: retry.
      throw new RetryableError(`Stripe POST ${path} answered an unexpected shape${requestId ? ` (request ${requestId})` : ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return { id: parsed.data.id, metadata: parsed.data.metadata };
  }

  /** The TurboTenant sync's port (`CustomerMetadataSink` in functions/core/turbotenant-sync.ts). */
  async setCustomerMetadata(
    customerId: string,
    metadata: Readonly<Record<string, string | undefined>>,
    idempotencyKey: string,
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    await this.updateCustomerMetadata(customerId, metadata, { idempotencyKey, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  }

  private async send(
    method: string,
    path: string,
    form: string,
    options: { idempotencyKey: string; timeoutMs: number; notFound: string },
  ): Promise<{ body: unknown; requestId: string | undefined }> {
    const apiKey = await this.options.apiKey();
    // Error texts reach logs and the sync's status record; nothing echoed back may carry the key.
    const redact = redactor([apiKey]);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${await this.baseUrl()}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'idempotency-key': options.idempotencyKey,
        },
        body: form,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new RetryableError(redact(`Stripe ${method} ${path} ${fetchFailureReason(error, options.timeoutMs)}`), undefined, { cause: error });
    }
    const requestId = response.headers.get('request-id') ?? undefined;
    const payload = parseJson(redact(unescapePlain(text)), { keepText: true });
    if (response.ok) return { body: payload, requestId };

    const detail = ErrorBodySchema.safeParse(payload);
    const error: StripeErrorDetail = detail.success ? detail.data.error : {};
    const fields = { type: error.type, code: error.code, param: error.param, requestId };
    // Redacted before it is cut, so a cut never leaves part of a key.
    const described = redact(describe(response.status, error, typeof payload === 'string' ? payload : undefined, requestId)).slice(0, 1000);
    const retryAfterMs = retryAfterHeaderMs(response.headers.get('retry-after'));
    const shouldRetry = response.headers.get('stripe-should-retry');

    if (response.status === 429) {
      throw new RateLimitedError(`Stripe rate limit: ${described}`, retryAfterMs ?? STRIPE_DEFAULT_RETRY_AFTER_MS, true);
    }
    const credentials = response.status === 401 || response.status === 403;
    const retryable =
      credentials || response.status >= 500 || response.status === 408 || (response.status === 409 && error.code === 'idempotency_key_in_use');
    if (retryable && shouldRetry !== 'false') {
      throw new RetryableError(credentials ? `Stripe refused the API key: ${described}` : described, retryAfterMs);
    }
    if (!retryable && shouldRetry === 'true') throw new RetryableError(`${described} (Stripe-Should-Retry: true)`, retryAfterMs);
    if (response.status === 404 && error.code === 'resource_missing') {
      throw new StripeRequestError(`${options.notFound}${requestId ? ` (request ${requestId})` : ''}`, 404, fields);
    }
    throw new StripeRequestError(retryable ? `${described} (Stripe-Should-Retry: false)` : described, response.status, fields);
  }
}

function describe(status: number, error: StripeErrorDetail, raw: string | undefined, requestId: string | undefined): string {
  const kind = error.code ?? error.type;
  const message = error.message ?? raw ?? 'no error message';
  return [
    `Stripe ${status}${kind ? ` ${kind}` : ''}: ${message}`,
    error.param ? ` (param ${error.param})` : '',
    requestId ? ` (request ${requestId})` : '',
  ].join('');
}

