/**
 * A small client for the TurboTenant API our sync reads (`shared/CONTRACT.md`, "The TurboTenant
 * API our client reads"): a landlord, a property, and the properties updated since a time, page by
 * page. Bearer key; every answer parsed with zod.
 *
 * It does not retry: retries belong to SQS (a consumer hands the record back with a visibility
 * timeout rather than sleep inside the Lambda), so each failure is classified instead:
 * - 404 → NotFoundInSourceError ("Missing property ID PROP_1"): the event fails for good;
 * - 429 → RateLimitedError with the Retry-After wait; 5xx, 408, timeouts, connection errors and
 *   answers cut off → RetryableError;
 * - 401/403 → RetryableError: a revoked key is fixed by an operator, and the records should wait
 *   in the queue (then the DLQ, which resync redrives) rather than be dropped;
 * - other 4xx, and a 2xx whose body is not what the contract says → PermanentError naming the field.
 * The API key never appears in an error message, even when a proxy echoes the request back.
 */
import type { z } from 'zod';
import { baseUrlResolver, fetchFailureReason, parseJson, readText, redactor, retryAfterHeaderMs } from '../http.js';
import { PermanentError, RateLimitedError, RetryableError } from '../../core/errors.js';
import {
  firstIssue,
  TURBOTENANT_DEFAULT_PER_PAGE,
  TURBOTENANT_MAX_PER_PAGE,
  TurboTenantErrorBodySchema,
  TurboTenantLandlordSchema,
  TurboTenantPropertyPageSchema,
  TurboTenantPropertySchema,
  type TurboTenantLandlord,
  type TurboTenantProperty,
  type TurboTenantPropertyPage,
} from './schemas.js';

/** Per request, unless the caller passes its own (e.g. what is left of the Lambda's deadline). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A 429 without Retry-After: wait this long before the next try. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 10_000;
/** A server that never answers next_page: null must not keep a reconcile running forever. */
const MAX_PAGES = 10_000;

export type SourceEntity = 'landlord' | 'property';

/**
 * TurboTenant has no such record (404). Permanent: the same event cannot succeed later, and the
 * message is the seed's confirmation error ("Missing property ID ...").
 */
export class NotFoundInSourceError extends PermanentError {
  constructor(
    readonly entity: SourceEntity,
    readonly id: string,
  ) {
    super(`Missing ${entity} ID ${id}: TurboTenant answered 404`, 404);
    // PermanentError declares its name as a literal; set ours at runtime for logs and error.name checks.
    Object.defineProperty(this, 'name', { value: 'NotFoundInSourceError', enumerable: false, configurable: true, writable: false });
  }
}

export interface TurboTenantClientOptions {
  /** TurboTenant's API; a function when it is read from a secret at call time. */
  readonly baseUrl: string | (() => Promise<string>);
  /** Read per request, so a rotated key is picked up without a cold start. */
  readonly apiKey: () => Promise<string>;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

export interface PropertyPage {
  /** 1-based, as the API numbers them. */
  readonly page: number;
  readonly properties: readonly TurboTenantProperty[];
  readonly nextPage: number | null;
}

export class TurboTenantClient {
  private readonly baseUrl: () => Promise<string>;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: TurboTenantClientOptions) {
    this.baseUrl = baseUrlResolver(options.baseUrl);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async getLandlord(id: string, options: RequestOptions = {}): Promise<TurboTenantLandlord> {
    const body = await this.get(`/api/landlords/${encodeURIComponent(id)}`, options, { entity: 'landlord', id });
    return parse(TurboTenantLandlordSchema, body, `landlord ${id}`);
  }

  async getProperty(id: string, options: RequestOptions = {}): Promise<TurboTenantProperty> {
    const body = await this.get(`/api/properties/${encodeURIComponent(id)}`, options, { entity: 'property', id });
    return parse(TurboTenantPropertySchema, body, `property ${id}`);
  }

  /**
   * The properties updated at or after `since`, one page per iteration, from page 1 until the API
   * answers next_page: null. A failure mid-way throws from the iteration; pages already yielded
   * stay handled, so the caller moves its cursor only once the last page is done.
   */
  async *listPropertiesUpdatedSince(since: string, options: { perPage?: number; timeoutMs?: number } = {}): AsyncGenerator<PropertyPage, void, undefined> {
    if (Number.isNaN(Date.parse(since))) throw new TypeError(`updated_since must be an ISO 8601 date-time, got '${since}'`);
    const perPage = options.perPage ?? TURBOTENANT_DEFAULT_PER_PAGE;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > TURBOTENANT_MAX_PER_PAGE) {
      throw new RangeError(`perPage must be an integer from 1 to ${TURBOTENANT_MAX_PER_PAGE}, got ${perPage}`);
    }
    let page: number | null = 1;
    for (let pages = 0; page !== null; pages++) {
      if (pages >= MAX_PAGES) throw new PermanentError(`TurboTenant property listing did not end after ${MAX_PAGES} pages`);
      const query = new URLSearchParams({ updated_since: since, page: String(page), per_page: String(perPage) });
      const body = await this.get(`/api/properties?${query}`, options);
      const parsed: TurboTenantPropertyPage = parse(TurboTenantPropertyPageSchema, body, `property page ${page}`);
      if (parsed.next_page !== null && parsed.next_page <= page) {
        throw new PermanentError(`TurboTenant property page ${page} points back to page ${parsed.next_page}`);
      }
      yield { page, properties: parsed.data, nextPage: parsed.next_page };
      page = parsed.next_page;
    }
  }

  /** One GET, classified into the core's error types (see top). */
  private async get(pathAndQuery: string, options: RequestOptions, missing?: { entity: SourceEntity; id: string }): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const key = await this.options.apiKey();
    const redact = redactor([key]);
    const what = `TurboTenant GET ${pathAndQuery.split('?')[0]}`;
    let response: Response;
    try {
      response = await this.fetch(`${await this.baseUrl()}${pathAndQuery}`, {
        method: 'GET',
        headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new RetryableError(redact(`${what} ${fetchFailureReason(error, timeoutMs)}`), undefined, { cause: error });
    }
    const text = await readText(response, what);
    const payload = parseJson(text, { keepText: false });
    const detail = redact(errorMessage(payload) ?? '').slice(0, 300);
    const retryAfterMs = retryAfterHeaderMs(response.headers.get('retry-after'));
    const status = response.status;

    if (status === 404 && missing) throw new NotFoundInSourceError(missing.entity, missing.id);
    if (status === 429) {
      throw new RateLimitedError(`${what} rate limited (429)${detail ? `: ${detail}` : ''}`, retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS, true);
    }
    if (status >= 500 || status === 408) throw new RetryableError(`${what} answered ${status}${detail ? `: ${detail}` : ''}`, retryAfterMs);
    if (status === 401 || status === 403) {
      throw new RetryableError(`${what}: TurboTenant refused the API key (${status})${detail ? `: ${detail}` : ''}`, retryAfterMs);
    }
    if (status < 200 || status >= 300) throw new PermanentError(`${what} answered ${status}${detail ? `: ${detail}` : ''}`, status);
    if (payload === undefined) throw new PermanentError(`${what} answered ${status} with no JSON body`, status);
    return payload;
  }
}

/** An answer of another shape than the contract's: TurboTenant broke it, and a retry reads the same. */
function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new PermanentError(`TurboTenant ${what} has an unexpected shape: ${firstIssue(result.error)}`);
  return result.data;
}

/** The message of an error body, whatever its shape (TurboTenantErrorBodySchema). */
function errorMessage(payload: unknown): string | undefined {
  const parsed = TurboTenantErrorBodySchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const { error, message } = parsed.data;
  return typeof error === 'string' ? error : (error?.message ?? message);
}

