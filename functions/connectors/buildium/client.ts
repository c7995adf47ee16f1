/**
 * A small client for the Buildium API our sync reads (issue 5 §1), following the official OpenAPI
 * document (`shared/specs/buildium/buildium-openapi.json`): tenants, rental properties, units and
 * leases, listed page by page or read by id. Every answer is parsed with zod (`schemas.ts`).
 *
 * - Auth: `x-buildium-client-id` and `x-buildium-client-secret` on every request (document,
 *   "Authentication"); both read per request, so a rotated secret is picked up without a cold start.
 * - Paging: `limit` (1..1000) and zero-based `offset`, the total in the `X-Total-Count` header
 *   (document, "Bulk Request Options"), always `orderby=Id`: the document warns that paging
 *   without a sort on a unique property may skip or repeat records.
 * - Incremental windows: `lastupdatedfrom` / `lastupdatedto`, "in UTC and formatted as
 *   YYYY-MM-DDTHH:MM:SSZ".
 * - Rate: Buildium allows about 10 requests a second and answers 429 past that. A token bucket
 *   spaces this process's requests; it cannot see other Lambdas, so a 429 can still come.
 *
 * It does not retry: retries belong to SQS and the job runner, so each failure is classified:
 * - 404 on a read by id → NotFoundInBuildiumError ("Buildium tenant 123 not found"), permanent;
 * - 429 → RateLimitedError (Retry-After, else the document's "~200ms");
 * - 5xx, 408, timeouts, connection errors, answers cut off → RetryableError;
 * - 401/403 → RetryableError, as in our other clients: a revoked or missing key is fixed by an
 *   operator, and the work should wait for it (the DLQ, then resync) rather than be dropped;
 * - other 4xx → PermanentError with Buildium's `UserMessage` and `Errors`;
 * - a 2xx of another shape than the document's → PermanentError naming the field (and the
 *   record's Id), never a silent skip.
 * The client id and secret never appear in an error message, even when a proxy echoes them.
 */
import type { z } from 'zod';
import { baseUrlResolver, fetchFailureReason, parseJson, readText, redactor, retryAfterHeaderMs } from '../http.js';
import { PermanentError, RateLimitedError, RetryableError } from '../../core/errors.js';
import {
  BUILDIUM_MAX_PAGE_SIZE,
  BuildiumErrorBodySchema,
  BuildiumLeaseSchema,
  BuildiumRentalSchema,
  BuildiumTenantSchema,
  BuildiumUnitSchema,
  firstIssue,
  type BuildiumLease,
  type BuildiumRental,
  type BuildiumTenant,
  type BuildiumUnit,
} from './schemas.js';

/** Per request, unless the caller passes its own (e.g. what is left of the Lambda's deadline). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A 429 without Retry-After: the document says "retry the request after a short interval (~200ms)". */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 200;
/** Buildium's limit: "10 concurrent requests per second" (document, "Rate Limiting"). */
export const BUILDIUM_REQUESTS_PER_SECOND = 10;
/** A server whose X-Total-Count keeps growing must not keep a sync paging forever. */
const MAX_PAGES = 100_000;

/** A Buildium record's name in messages ("Buildium rental property 12 not found"). */
export type BuildiumRecordNoun = 'tenant' | 'rental property' | 'unit' | 'lease';

/** Buildium has no such record (404 on a read by id): the same read cannot succeed later. */
export class NotFoundInBuildiumError extends PermanentError {
  constructor(
    readonly entity: BuildiumRecordNoun,
    readonly id: number,
  ) {
    super(`Buildium ${entity} ${id} not found`, 404);
    // PermanentError declares its name as a literal; set ours at runtime for logs and error.name checks.
    Object.defineProperty(this, 'name', { value: 'NotFoundInBuildiumError', enumerable: false, configurable: true, writable: false });
  }
}

/**
 * A token bucket: `ratePerSecond` tokens a second, at most `capacity` saved up. Reservations are
 * taken synchronously, so concurrent callers queue in call order, each told how long to wait.
 *
 * The default capacity is 1, i.e. one request every 100 ms: a larger burst lets a one-second
 * window see capacity + rate requests (20 at 10/s), which is over Buildium's limit.
 */
export class TokenBucketLimiter {
  private readonly ratePerMs: number;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private updatedAt: number;

  constructor(
    options: {
      ratePerSecond?: number;
      capacity?: number;
      /** Milliseconds; injectable for tests. */
      now?: () => number;
      sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {
    const rate = options.ratePerSecond ?? BUILDIUM_REQUESTS_PER_SECOND;
    if (!(rate > 0)) throw new RangeError(`ratePerSecond must be positive, got ${rate}`);
    this.ratePerMs = rate / 1000;
    this.capacity = Math.max(1, options.capacity ?? 1);
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.tokens = this.capacity;
    this.updatedAt = this.now();
  }

  /** Resolves when this caller may send one request. */
  async acquire(): Promise<void> {
    const waitMs = this.reserve();
    if (waitMs > 0) await this.sleep(waitMs);
  }

  /** Takes a token (possibly owed) and answers how long to wait before using it. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + Math.max(0, now - this.updatedAt) * this.ratePerMs);
    this.updatedAt = Math.max(this.updatedAt, now);
    this.tokens -= 1;
    // A float error (0.9999...) must not turn into a 1e-13 ms sleep.
    return this.tokens >= -1e-9 ? 0 : Math.ceil(-this.tokens / this.ratePerMs);
  }
}

export interface BuildiumClientOptions {
  /** e.g. https://api.buildium.com (or the sandbox); a function when read from a secret at call time. */
  readonly baseUrl: string | (() => Promise<string>);
  readonly clientId: () => Promise<string>;
  readonly clientSecret: () => Promise<string>;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  /** Shared by every call of this client; pass one limiter to several clients of one account. */
  readonly limiter?: TokenBucketLimiter;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

export interface ListOptions extends RequestOptions {
  /** Records updated at or after this time (`lastupdatedfrom`). */
  readonly lastUpdatedFrom?: Date | string;
  /** Records updated at or before this time (`lastupdatedto`). */
  readonly lastUpdatedTo?: Date | string;
  /** `limit`: 1..1000, default 1000 (fewest requests against the rate limit). */
  readonly pageSize?: number;
}

export interface BuildiumPage<T> {
  readonly records: readonly T[];
  /** The `offset` this page was asked for (zero-based). */
  readonly offset: number;
  /** `X-Total-Count`: records in the whole result set; null if Buildium did not send it. */
  readonly total: number | null;
}

interface Resource<T> {
  readonly entity: BuildiumRecordNoun;
  /** Plural, for messages. */
  readonly plural: string;
  readonly path: string;
  readonly schema: z.ZodType<T>;
}

const TENANTS: Resource<BuildiumTenant> = { entity: 'tenant', plural: 'tenants', path: '/v1/leases/tenants', schema: BuildiumTenantSchema };
const RENTALS: Resource<BuildiumRental> = { entity: 'rental property', plural: 'rental properties', path: '/v1/rentals', schema: BuildiumRentalSchema };
const UNITS: Resource<BuildiumUnit> = { entity: 'unit', plural: 'units', path: '/v1/rentals/units', schema: BuildiumUnitSchema };
const LEASES: Resource<BuildiumLease> = { entity: 'lease', plural: 'leases', path: '/v1/leases', schema: BuildiumLeaseSchema };

/** The four listings, by the name the sync's messages use. */
export type BuildiumListKind = 'tenants' | 'rentals' | 'units' | 'leases';
export interface BuildiumRecordOf {
  tenants: BuildiumTenant;
  rentals: BuildiumRental;
  units: BuildiumUnit;
  leases: BuildiumLease;
}
const RESOURCES: { [K in BuildiumListKind]: Resource<BuildiumRecordOf[K]> } = { tenants: TENANTS, rentals: RENTALS, units: UNITS, leases: LEASES };

function pageSize(options: ListOptions): number {
  const limit = options.pageSize ?? BUILDIUM_MAX_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > BUILDIUM_MAX_PAGE_SIZE) {
    throw new RangeError(`pageSize must be an integer from 1 to ${BUILDIUM_MAX_PAGE_SIZE}, got ${limit}`);
  }
  return limit;
}

function lastUpdatedQuery(options: ListOptions): Record<string, string> {
  const window: Record<string, string> = {};
  if (options.lastUpdatedFrom !== undefined) window.lastupdatedfrom = buildiumDateTime(options.lastUpdatedFrom, 'floor', 'lastUpdatedFrom');
  if (options.lastUpdatedTo !== undefined) window.lastupdatedto = buildiumDateTime(options.lastUpdatedTo, 'ceil', 'lastUpdatedTo');
  if (window.lastupdatedfrom && window.lastupdatedto && window.lastupdatedfrom > window.lastupdatedto) {
    throw new RangeError(`lastUpdatedFrom (${window.lastupdatedfrom}) is after lastUpdatedTo (${window.lastupdatedto})`);
  }
  return window;
}

export class BuildiumClient {
  private readonly baseUrl: () => Promise<string>;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly limiter: TokenBucketLimiter;

  constructor(private readonly options: BuildiumClientOptions) {
    this.baseUrl = baseUrlResolver(options.baseUrl);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.limiter = options.limiter ?? new TokenBucketLimiter();
  }

  listTenants(options: ListOptions = {}): AsyncGenerator<BuildiumPage<BuildiumTenant>, void, undefined> {
    return this.list(TENANTS, options);
  }

  listRentals(options: ListOptions = {}): AsyncGenerator<BuildiumPage<BuildiumRental>, void, undefined> {
    return this.list(RENTALS, options);
  }

  listUnits(options: ListOptions = {}): AsyncGenerator<BuildiumPage<BuildiumUnit>, void, undefined> {
    return this.list(UNITS, options);
  }

  listLeases(options: ListOptions = {}): AsyncGenerator<BuildiumPage<BuildiumLease>, void, undefined> {
    return this.list(LEASES, options);
  }

  getTenant(id: number, options: RequestOptions = {}): Promise<BuildiumTenant> {
    return this.getById(TENANTS, id, options);
  }

  getRental(id: number, options: RequestOptions = {}): Promise<BuildiumRental> {
    return this.getById(RENTALS, id, options);
  }

  getUnit(id: number, options: RequestOptions = {}): Promise<BuildiumUnit> {
    return this.getById(UNITS, id, options);
  }

  getLease(id: number, options: RequestOptions = {}): Promise<BuildiumLease> {
    return this.getById(LEASES, id, options);
  }

  private async getById<T>(resource: Resource<T>, id: number, options: RequestOptions): Promise<T> {
    if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) throw new RangeError(`a Buildium ${resource.entity} id is a positive 32-bit integer, got ${id}`);
    const { payload } = await this.get(`${resource.path}/${id}`, options, { entity: resource.entity, id });
    return parse(resource.schema, payload, `${resource.entity} ${id}`);
  }

  /**
   * Every record of the result set, one page per iteration, from offset 0. Empty pages are not
   * yielded (0 records → no page). Stops when a page is short, or when offset + records reaches
   * X-Total-Count (so 1000 records at pageSize 1000 take one request, not two). A failure mid-way
   * throws from the iteration; pages already yielded stay handled, and each page's `offset`
   * lets a caller resume there.
   */
  /**
   * One page of a listing: `limit` records from zero-based `offset`, sorted by Id, optionally in a
   * `lastupdated` window. The sync's page consumers read pages this way, each page its own message.
   */
  page(kind: BuildiumListKind, options: ListOptions & { offset: number }): Promise<BuildiumPage<BuildiumRecordOf[typeof kind]>> {
    return this.readPage(RESOURCES[kind] as Resource<BuildiumRecordOf[typeof kind]>, options.offset, pageSize(options), lastUpdatedQuery(options), options);
  }

  private async readPage<T>(resource: Resource<T>, offset: number, limit: number, window: Record<string, string>, options: RequestOptions): Promise<BuildiumPage<T>> {
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
    const query = new URLSearchParams({ ...window, orderby: 'Id', offset: String(offset), limit: String(limit) });
    const what = `${resource.plural} page at offset ${offset}`;
    const { payload, headers } = await this.get(`${resource.path}?${query}`, options);
    const total = totalCount(headers.get('x-total-count'), what);
    const records = parse(resource.schema.array(), payload, what);
    if (records.length > limit) throw new PermanentError(`Buildium ${what} has ${records.length} records, more than the limit of ${limit}`);
    return { records, offset, total };
  }

  private async *list<T>(resource: Resource<T>, options: ListOptions): AsyncGenerator<BuildiumPage<T>, void, undefined> {
    const limit = pageSize(options);
    const window = lastUpdatedQuery(options);
    let offset = 0;
    for (let pages = 0; ; pages++) {
      if (pages >= MAX_PAGES) throw new PermanentError(`Buildium ${resource.plural} listing did not end after ${MAX_PAGES} pages`);
      const page = await this.readPage(resource, offset, limit, window, options);
      if (page.records.length > 0) yield page;
      offset += page.records.length;
      if (page.records.length < limit || (page.total !== null && offset >= page.total)) return;
    }
  }

  /** One GET through the limiter, classified into the core's error types (see top). */
  private async get(
    pathAndQuery: string,
    options: RequestOptions,
    missing?: { entity: BuildiumRecordNoun; id: number },
  ): Promise<{ payload: unknown; headers: Headers }> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const [clientId, clientSecret, baseUrl] = await Promise.all([this.options.clientId(), this.options.clientSecret(), this.baseUrl()]);
    const redact = redactor([clientSecret, clientId]);
    const what = `Buildium GET ${pathAndQuery.split('?')[0]}`;

    await this.limiter.acquire();
    let response: Response;
    try {
      response = await this.fetch(`${baseUrl}${pathAndQuery}`, {
        method: 'GET',
        headers: { 'x-buildium-client-id': clientId, 'x-buildium-client-secret': clientSecret, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new RetryableError(redact(`${what} ${fetchFailureReason(error, timeoutMs)}`), undefined, { cause: error });
    }
    const text = await readText(response, what);
    const payload = parseJson(text, { keepText: false });
    const status = response.status;
    if (status >= 200 && status < 300) {
      if (payload === undefined) throw new PermanentError(`${what} answered ${status} with no JSON body`, status);
      return { payload, headers: response.headers };
    }

    const detail = redact(errorMessage(payload) ?? '').slice(0, 500);
    const suffix = detail ? `: ${detail}` : '';
    const retryAfterMs = retryAfterHeaderMs(response.headers.get('retry-after'));
    if (status === 404 && missing) throw new NotFoundInBuildiumError(missing.entity, missing.id);
    if (status === 429) throw new RateLimitedError(`${what} rate limited (429)${suffix}`, retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS, true);
    if (status >= 500 || status === 408) throw new RetryableError(`${what} answered ${status}${suffix}`, retryAfterMs);
    if (status === 401 || status === 403) {
      throw new RetryableError(`${what}: Buildium refused the client id and secret (${status})${suffix}`, retryAfterMs);
    }
    throw new PermanentError(`${what} answered ${status}${suffix}`, status);
  }
}

/**
 * The document's format for `lastupdatedfrom`/`lastupdatedto`: UTC, `YYYY-MM-DDTHH:MM:SSZ`, whole
 * seconds. `from` rounds down and `to` rounds up, so the window only ever grows (the sync dedupes).
 */
export function buildiumDateTime(value: Date | string, round: 'floor' | 'ceil', name = 'date'): string {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${name} must be a date-time, got '${String(value)}'`);
  const seconds = round === 'floor' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** X-Total-Count: absent → null (paging falls back on the short page); present but not a count → an error. */
function totalCount(value: string | null, what: string): number | null {
  if (value === null) return null;
  if (!/^\s*\d+\s*$/.test(value)) throw new PermanentError(`Buildium ${what}: X-Total-Count header is not a count ('${value.slice(0, 40)}')`);
  return Number(value);
}

/** An answer of another shape than the document's: Buildium broke it, and a retry reads the same. */
function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // In a page, name the record by its Id too: "page at offset 0: record 3 (Id 17) PhoneNumbers.0.Type: ...".
  const index = issue?.path[0];
  if (Array.isArray(body) && typeof index === 'number') {
    const recordId = (body[index] as { Id?: unknown } | null | undefined)?.Id;
    const idText = typeof recordId === 'number' ? ` (Id ${recordId})` : '';
    const field = issue!.path.slice(1).map(String).join('.');
    throw new PermanentError(`Buildium ${what} has an unexpected shape: record ${index}${idText} ${field ? `${field}: ` : ''}${issue!.message}`);
  }
  throw new PermanentError(`Buildium ${what} has an unexpected shape: ${firstIssue(result.error)}`);
}

/** `ApiErrorResponse`: "UserMessage (Key: Value; ...)". */
function errorMessage(payload: unknown): string | undefined {
  const parsed = BuildiumErrorBodySchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const details = (parsed.data.Errors ?? [])
    .map((e) => [e.Key, e.Value].filter((part) => part).join(': '))
    .filter((text) => text !== '');
  const head = parsed.data.UserMessage ?? parsed.data.ErrorCode ?? undefined;
  if (!head && details.length === 0) return undefined;
  return [head, details.length ? `(${details.join('; ')})` : undefined].filter((part) => part).join(' ');
}

