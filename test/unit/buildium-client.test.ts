/**
 * The Buildium client against a fake Buildium (fetch): the credentials go in the document's
 * headers; paging by limit/offset ends where X-Total-Count or a short page says, at the edges
 * (0, 1, 1000, 1001 records); the lastupdated window is sent as the document formats it; the
 * limiter keeps to 10 requests a second; each failure becomes the error class the job runner acts
 * on; and the client secret never appears in a message.
 */
import { describe, expect, it } from 'vitest';
import { PermanentError, RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import {
  BuildiumClient,
  NotFoundInBuildiumError,
  TokenBucketLimiter,
  buildiumDateTime,
  type BuildiumPage,
} from '../../functions/connectors/buildium/client.js';

const CLIENT_ID = 'cid-3f9a2b';
const CLIENT_SECRET = 's3cr3t-Zq8/+xY==';
const BASE = 'https://api.buildium.test';

interface Call {
  readonly url: URL;
  readonly headers: Record<string, string>;
}

type Handler = (url: URL, call: number) => Response | Promise<Response>;

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A limiter that never waits: paging tests are about requests, not time. */
const noWait = () => new TokenBucketLimiter({ sleep: async () => undefined });

function client(handler: Handler, extra: { limiter?: TokenBucketLimiter; timeoutMs?: number } = {}) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    calls.push({ url, headers: Object.fromEntries(new Headers(init?.headers).entries()) });
    return handler(url, calls.length);
  }) as typeof globalThis.fetch;
  const buildium = new BuildiumClient({
    baseUrl: `${BASE}/`,
    clientId: async () => CLIENT_ID,
    clientSecret: async () => CLIENT_SECRET,
    fetch,
    limiter: extra.limiter ?? noWait(),
    ...(extra.timeoutMs === undefined ? {} : { timeoutMs: extra.timeoutMs }),
  });
  return { buildium, calls };
}

/** A fake list endpoint over `count` records (Ids 1..count), as Buildium pages them. */
function listing(count: number, options: { totalHeader?: (count: number) => string | undefined } = {}): Handler {
  return (url) => {
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const records = Array.from({ length: Math.max(0, Math.min(limit, count - offset)) }, (_, i) => ({ Id: offset + i + 1, FirstName: `T${offset + i + 1}` }));
    const total = options.totalHeader ? options.totalHeader(count) : String(count);
    return json(records, 200, total === undefined ? {} : { 'X-Total-Count': total });
  };
}

async function collect<T>(pages: AsyncGenerator<BuildiumPage<T>>): Promise<BuildiumPage<T>[]> {
  const out: BuildiumPage<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('requests', () => {
  it('sends the client id and secret in the x-buildium headers, and pages sorted by Id', async () => {
    const { buildium, calls } = client(listing(3));
    await collect(buildium.listTenants());
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers).toMatchObject({ 'x-buildium-client-id': CLIENT_ID, 'x-buildium-client-secret': CLIENT_SECRET, accept: 'application/json' });
    expect(calls[0]!.headers).not.toHaveProperty('authorization');
    expect(`${calls[0]!.url.origin}${calls[0]!.url.pathname}`).toBe(`${BASE}/v1/leases/tenants`);
    expect(Object.fromEntries(calls[0]!.url.searchParams)).toEqual({ orderby: 'Id', offset: '0', limit: '1000' });
  });

  it('each list and read goes to the document’s path', async () => {
    const unit = { Id: 70, PropertyId: 7 };
    const lease = { Id: 55, PropertyId: 7, UnitId: 70, LeaseStatus: 'Active' };
    const { buildium, calls } = client((url) => {
      const byPath: Record<string, unknown> = {
        '/v1/rentals': [{ Id: 7 }],
        '/v1/rentals/units': [unit],
        '/v1/leases': [lease],
        '/v1/leases/tenants/123': { Id: 123 },
        '/v1/rentals/7': { Id: 7 },
        '/v1/rentals/units/70': unit,
        '/v1/leases/55': lease,
      };
      return json(byPath[url.pathname], 200, { 'X-Total-Count': '1' });
    });
    expect((await collect(buildium.listRentals()))[0]!.records).toEqual([{ Id: 7 }]);
    expect((await collect(buildium.listUnits()))[0]!.records).toEqual([unit]);
    expect((await collect(buildium.listLeases()))[0]!.records).toEqual([lease]);
    expect(await buildium.getTenant(123)).toEqual({ Id: 123 });
    expect(await buildium.getRental(7)).toEqual({ Id: 7 });
    expect(await buildium.getUnit(70)).toEqual(unit);
    expect(await buildium.getLease(55)).toEqual(lease);
    expect(calls.map((c) => c.url.pathname)).toEqual([
      '/v1/rentals',
      '/v1/rentals/units',
      '/v1/leases',
      '/v1/leases/tenants/123',
      '/v1/rentals/7',
      '/v1/rentals/units/70',
      '/v1/leases/55',
    ]);
  });

  it('refuses an id that is not a positive integer before any request', async () => {
    const { buildium, calls } = client(() => json({}));
    await expect(buildium.getTenant(0)).rejects.toThrow(RangeError);
    await expect(buildium.getLease(1.5)).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });
});

describe('paging', () => {
  it.each([
    [0, [], 1],
    [1, [{ offset: 0, size: 1 }], 1],
    [1000, [{ offset: 0, size: 1000 }], 1],
    [1001, [{ offset: 0, size: 1000 }, { offset: 1000, size: 1 }], 2],
  ])('%i records → pages %j in %i request(s)', async (count, expected, requests) => {
    const { buildium, calls } = client(listing(count));
    const pages = await collect(buildium.listTenants());
    expect(pages.map((p) => ({ offset: p.offset, size: p.records.length }))).toEqual(expected);
    expect(pages.every((p) => p.total === count)).toBe(true);
    expect(calls).toHaveLength(requests);
    expect(calls.map((c) => c.url.searchParams.get('offset'))).toEqual(expected.length ? expected.map((e) => String(e.offset)) : ['0']);
    // Every record exactly once, in Id order.
    const ids = pages.flatMap((p) => p.records.map((r) => r.Id));
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('a smaller pageSize is sent as limit, and offsets advance by it', async () => {
    const { buildium, calls } = client(listing(250));
    const pages = await collect(buildium.listTenants({ pageSize: 100 }));
    expect(pages.map((p) => [p.offset, p.records.length])).toEqual([
      [0, 100],
      [100, 100],
      [200, 50],
    ]);
    expect(calls.map((c) => c.url.searchParams.get('limit'))).toEqual(['100', '100', '100']);
  });

  it.each([0, 1001, 2.5])('pageSize %s is refused (the document allows 1 to 1000)', async (pageSize) => {
    const { buildium, calls } = client(listing(1));
    await expect(collect(buildium.listTenants({ pageSize }))).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });
});

describe('X-Total-Count', () => {
  it('without the header, a full page is followed by one more request, and the short page ends it', async () => {
    const { buildium, calls } = client(listing(1000, { totalHeader: () => undefined }));
    const pages = await collect(buildium.listTenants());
    expect(pages.map((p) => [p.offset, p.records.length, p.total])).toEqual([[0, 1000, null]]);
    expect(calls.map((c) => c.url.searchParams.get('offset'))).toEqual(['0', '1000']);
  });

  it('a short page ends the listing even when the header promised more (records deleted meanwhile)', async () => {
    const { buildium, calls } = client(listing(3, { totalHeader: () => '10' }));
    const pages = await collect(buildium.listTenants({ pageSize: 5 }));
    expect(pages.map((p) => [p.offset, p.records.length, p.total])).toEqual([[0, 3, 10]]);
    expect(calls).toHaveLength(1);
  });

  it('a header that is not a count fails the page, naming the header', async () => {
    const { buildium } = client(listing(3, { totalHeader: () => 'lots' }));
    const error = await failure(collect(buildium.listTenants()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('X-Total-Count');
  });
});

describe('lastupdated window', () => {
  it('is sent in UTC as YYYY-MM-DDTHH:MM:SSZ; from rounds down and to rounds up to the second', async () => {
    const { buildium, calls } = client(listing(0));
    await collect(buildium.listLeases({ lastUpdatedFrom: new Date('2024-05-01T12:00:00.750Z'), lastUpdatedTo: '2024-05-01T14:30:00.250+02:00' }));
    expect(calls[0]!.url.searchParams.get('lastupdatedfrom')).toBe('2024-05-01T12:00:00Z');
    expect(calls[0]!.url.searchParams.get('lastupdatedto')).toBe('2024-05-01T12:30:01Z');
    expect(calls[0]!.url.search).toContain('lastupdatedfrom=2024-05-01T12%3A00%3A00Z');
  });

  it('the window is kept on every page', async () => {
    const { buildium, calls } = client(listing(3));
    await collect(buildium.listRentals({ lastUpdatedFrom: '2024-01-01T00:00:00Z', pageSize: 2 }));
    expect(calls.map((c) => [c.url.searchParams.get('offset'), c.url.searchParams.get('lastupdatedfrom')])).toEqual([
      ['0', '2024-01-01T00:00:00Z'],
      ['2', '2024-01-01T00:00:00Z'],
    ]);
    expect(calls[0]!.url.searchParams.has('lastupdatedto')).toBe(false);
  });

  it('an unreadable date or a reversed window is refused before any request', async () => {
    const { buildium, calls } = client(listing(0));
    await expect(collect(buildium.listTenants({ lastUpdatedFrom: 'last tuesday' }))).rejects.toThrow(/lastUpdatedFrom must be a date-time/);
    await expect(collect(buildium.listTenants({ lastUpdatedFrom: '2024-02-01T00:00:00Z', lastUpdatedTo: '2024-01-01T00:00:00Z' }))).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
    expect(buildiumDateTime('2024-01-01T00:00:00Z', 'ceil')).toBe('2024-01-01T00:00:00Z');
  });
});

describe('rate limiter', () => {
  it('sequential requests go out at most 10 in any second (one per 100 ms)', async () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ now: () => now, sleep: async (ms) => void (now += ms) });
    const sent: number[] = [];
    const { buildium } = client(
      () => {
        sent.push(now);
        return json({ Id: 1 });
      },
      { limiter },
    );
    for (let i = 0; i < 25; i++) await buildium.getTenant(1);
    expect(sent).toHaveLength(25);
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(100);
    for (const start of sent) expect(sent.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(10);
    expect(sent.at(-1)).toBe(2400);
  });

  it('concurrent requests queue in order, each told to wait 100 ms more than the last', async () => {
    const now = 5_000;
    const waits: number[] = [];
    const limiter = new TokenBucketLimiter({ now: () => now, sleep: async (ms) => void waits.push(ms) });
    const { buildium, calls } = client(() => json({ Id: 1 }), { limiter });
    await Promise.all(Array.from({ length: 20 }, () => buildium.getTenant(1)));
    expect(calls).toHaveLength(20);
    expect(waits).toEqual(Array.from({ length: 19 }, (_, i) => (i + 1) * 100));
  });

  it('after a quiet second the next request goes out at once', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ now: () => now });
    expect(limiter.reserve()).toBe(0);
    expect(limiter.reserve()).toBe(100);
    now = 1_000;
    expect(limiter.reserve()).toBe(0);
  });
});

describe('errors', () => {
  it.each([
    ['getTenant', 'tenant'],
    ['getRental', 'rental property'],
    ['getUnit', 'unit'],
    ['getLease', 'lease'],
  ] as const)('404 on %s → a permanent "not found" naming the record', async (method, entity) => {
    const { buildium } = client(() => json({ UserMessage: 'The requested resource was not found.' }, 404));
    const error = await failure(buildium[method](123));
    expect(error).toBeInstanceOf(NotFoundInBuildiumError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`Buildium ${entity} 123 not found`);
    expect((error as PermanentError).status).toBe(404);
  });

  it('429 → RateLimitedError with Retry-After, or the document’s ~200 ms without it', async () => {
    const withHeader = client(() => json({ UserMessage: 'Too many requests' }, 429, { 'Retry-After': '3' }));
    const limited = await failure(withHeader.buildium.getTenant(1));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(3000);
    expect(limited.message).toContain('429');

    const without = client(() => new Response('', { status: 429 }));
    const bare = await failure(collect(without.buildium.listLeases()));
    expect(bare).toBeInstanceOf(RateLimitedError);
    expect((bare as RateLimitedError).retryAfterMs).toBe(200);
  });

  it.each([500, 502, 503, 408])('%i → RetryableError carrying Buildium’s message', async (status) => {
    const { buildium } = client(() => json({ UserMessage: 'Something went wrong' }, status));
    const error = await failure(collect(buildium.listUnits()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).not.toBeInstanceOf(RateLimitedError);
    expect(error.message).toBe(`Buildium GET /v1/rentals/units answered ${status}: Something went wrong`);
  });

  it('a timeout → RetryableError saying how long it waited', async () => {
    // A fetch that never answers but, like the real one, rejects when the signal aborts.
    const slowFetchClient = new BuildiumClient({
      baseUrl: BASE,
      clientId: async () => CLIENT_ID,
      clientSecret: async () => CLIENT_SECRET,
      limiter: noWait(),
      timeoutMs: 20,
      fetch: ((_input: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error));
        })) as typeof fetch,
    });
    const error = await failure(slowFetchClient.getTenant(5));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Buildium GET /v1/leases/tenants/5 timed out after 20 ms');
  });

  it('a connection reset → RetryableError', async () => {
    const { buildium } = client(() => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    });
    const error = await failure(collect(buildium.listTenants()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Buildium GET /v1/leases/tenants connection failed (read ECONNRESET)');
  });

  it('401 → RetryableError (an operator fixes the key; the work waits rather than being dropped)', async () => {
    const { buildium } = client(() => json({ UserMessage: 'Unauthorized' }, 401));
    const error = await failure(buildium.getUnit(1));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('refused the client id and secret (401)');
  });

  it('another 4xx → PermanentError with Buildium’s message and field errors', async () => {
    const { buildium } = client(() =>
      json({ UserMessage: 'The request has validation errors.', ErrorCode: 'ValidationError', Errors: [{ Key: 'lastupdatedfrom', Value: 'Invalid date format.' }] }, 422),
    );
    const error = await failure(collect(buildium.listLeases({ lastUpdatedFrom: '2024-01-01T00:00:00Z' })));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).status).toBe(422);
    expect(error.message).toBe('Buildium GET /v1/leases answered 422: The request has validation errors. (lastupdatedfrom: Invalid date format.)');
  });

  it('a record of an unexpected shape fails the page naming the record, its Id and the field', async () => {
    const { buildium } = client(() => json([{ Id: 1 }, { Id: 2, Email: 42 }], 200, { 'X-Total-Count': '2' }));
    const error = await failure(collect(buildium.listTenants()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('Buildium tenants page at offset 0 has an unexpected shape: record 1 (Id 2) Email: must be a string or null');
  });

  it('a body that is not a list, or not JSON, is an error too, never an empty page', async () => {
    const object = client(() => json({ value: [] }, 200, { 'X-Total-Count': '0' }));
    await expect(collect(object.buildium.listRentals())).rejects.toThrow(/rental properties page at offset 0 has an unexpected shape/);
    const html = client(() => new Response('<html>maintenance</html>', { status: 200 }));
    await expect(collect(html.buildium.listRentals())).rejects.toThrow(PermanentError);
  });
});

describe('secrets', () => {
  it('the client secret and id never appear in an error message, even when echoed back', async () => {
    const echoes: Handler[] = [
      () => json({ UserMessage: `Bad header x-buildium-client-secret=${CLIENT_SECRET} for ${CLIENT_ID}` }, 400),
      () => json({ UserMessage: `Invalid credentials ${encodeURIComponent(CLIENT_SECRET)}` }, 403),
      () => json({ UserMessage: `upstream said ${CLIENT_SECRET}` }, 500),
      () => json({ UserMessage: `slow down ${CLIENT_SECRET}` }, 429),
      () => {
        throw new TypeError('fetch failed', { cause: new Error(`proxy rejected header ${CLIENT_SECRET}`) });
      },
    ];
    for (const handler of echoes) {
      const { buildium } = client(handler);
      const error = await failure(buildium.getTenant(9));
      expect(error.message).toContain('[redacted]');
      expect(error.message).not.toContain(CLIENT_SECRET);
      expect(error.message).not.toContain(encodeURIComponent(CLIENT_SECRET));
      expect(error.message).not.toContain(CLIENT_ID);
    }
  });
});
