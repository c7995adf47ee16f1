import { describe, expect, it } from 'vitest';
import { HubSpotClient } from '../../functions/connectors/hubspot/client.js';
import { RollingWindowBudget } from '../../functions/connectors/hubspot/rate-budget.js';
import { ConflictError, PermanentError, RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import { isAlreadyThere } from '../../functions/connectors/hubspot/setup.js';
import type { ContactInput } from '../../functions/core/ports.js';

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const BASE = 'https://hubspot.test/';
const CALL = { maxWaitMs: 0, timeoutMs: 5_000 };

interface SentRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: unknown;
}

type Responder = (request: SentRequest, init: RequestInit) => Response | Promise<Response>;

function fakeFetch(respond: Responder) {
  const requests: SentRequest[] = [];
  const fetch: typeof globalThis.fetch = async (input, init = {}) => {
    const request: SentRequest = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    return respond(request, init);
  };
  return { fetch, requests };
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A contact as HubSpot's batch upsert returns it (crm-contacts-v3.json, SimplePublicUpsertObject). */
function upserted(id: string, email: string, isNew: boolean) {
  return {
    id,
    new: isNew,
    archived: false,
    createdAt: '2025-10-12T10:00:00.000Z',
    updatedAt: '2025-10-12T10:00:00.000Z',
    properties: { email, hs_object_id: id, lastmodifieddate: '2025-10-12T10:00:00.000Z' },
  };
}

function client(respond: Responder, budget?: RollingWindowBudget) {
  const fake = fakeFetch(respond);
  const hubspot = new HubSpotClient({
    baseUrl: BASE,
    accessToken: async () => TOKEN,
    fetch: fake.fetch,
    sleep: async () => undefined,
    ...(budget ? { budget } : {}),
  });
  return { hubspot, requests: fake.requests };
}

const inputs: ContactInput[] = [
  { email: 'ana@example.com', properties: { email: 'ana@example.com', firstname: 'Ana', lead_source_system: 'platform' } },
  { email: 'bo@example.com', properties: { email: 'bo@example.com', lead_source_system: 'platform' } },
  { email: 'cy@example.com', properties: { email: 'cy@example.com', lead_source_system: 'platform' } },
];

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a failure');
}

describe('HubSpotClient.upsertByEmail', () => {
  it('posts one batch upsert keyed by email with the bearer token', async () => {
    // Prepare
    const { hubspot, requests } = client(() =>
      jsonResponse(200, { status: 'COMPLETE', results: inputs.map((i, n) => upserted(String(n + 1), i.email, true)), startedAt: 'x', completedAt: 'y' }),
    );

    // Act
    await hubspot.upsertByEmail(inputs, CALL);

    // Assess
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('https://hubspot.test/crm/objects/2026-09/contacts/batch/upsert');
    expect(request!.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers.get('content-type')).toMatch(/^application\/json/);
    // crm-contacts-v3.json: BatchInputSimplePublicObjectBatchInputUpsert.
    expect(request!.body).toEqual({
      inputs: inputs.map((i) => ({ idProperty: 'email', id: i.email, properties: i.properties })),
    });
  });

  it('reports HubSpot\'s own answer time, not the wait for rate budget before the call', async () => {
    // Prepare: a budget with no room for 300 ms, a sleep that really waits, and HubSpot answering in ~30 ms.
    const budget = new RollingWindowBudget();
    const headers = (remaining: number) => new Headers({ 'x-hubspot-ratelimit-max': '1', 'x-hubspot-ratelimit-remaining': String(remaining), 'x-hubspot-ratelimit-interval-milliseconds': '300' });
    budget.observe(headers(0), false);
    const fake = fakeFetch(async () => {
      await new Promise((r) => setTimeout(r, 30));
      return jsonResponse(200, { status: 'COMPLETE', results: inputs.map((i, n) => upserted(String(n + 1), i.email, true)), startedAt: 'x', completedAt: 'y' });
    });
    const hubspot = new HubSpotClient({ baseUrl: BASE, accessToken: async () => TOKEN, fetch: fake.fetch, budget });
    const started = performance.now();

    // Act
    const result = await hubspot.upsertByEmail(inputs, { maxWaitMs: 2_000, timeoutMs: 5_000 });

    // Assess
    const total = performance.now() - started;
    expect(result.requestMs).toBeGreaterThanOrEqual(25);
    // The call waited for budget first; that wait is not HubSpot's latency.
    expect(total - result.requestMs!).toBeGreaterThanOrEqual(150);
  });

  it('reads a 200: each email gets its contact id and whether it was created, whatever the order of results', async () => {
    // Prepare
    const { hubspot } = client(() =>
      jsonResponse(200, {
        status: 'COMPLETE',
        results: [upserted('303', 'cy@example.com', false), upserted('101', 'ana@example.com', true), upserted('202', 'bo@example.com', true)],
      }),
    );

    // Act
    const result = await hubspot.upsertByEmail(inputs, CALL);

    // Assess
    expect(Object.fromEntries(result.written)).toEqual({
      'ana@example.com': { id: '101', created: true },
      'bo@example.com': { id: '202', created: true },
      'cy@example.com': { id: '303', created: false },
    });
    expect(result.rejected.size).toBe(0);
  });

  it('reads a 207: refused inputs are attributed by the error\'s context.ids, with HubSpot\'s message', async () => {
    // Prepare
    const { hubspot } = client(() =>
      jsonResponse(207, {
        status: 'COMPLETE',
        results: [upserted('101', 'ana@example.com', true), upserted('303', 'cy@example.com', true)],
        numErrors: 1,
        errors: [
          {
            status: 'error',
            category: 'VALIDATION_ERROR',
            message: 'Property values were not valid',
            context: { ids: ['Bo@Example.com'] },
            errors: [{ message: 'Phone number is not valid', in: 'phone' }],
          },
        ],
      }),
    );

    // Act
    const result = await hubspot.upsertByEmail(inputs, CALL);

    // Assess
    expect([...result.written.keys()].sort()).toEqual(['ana@example.com', 'cy@example.com']);
    expect([...result.rejected.keys()]).toEqual(['bo@example.com']);
    expect(result.rejected.get('bo@example.com')).toContain('Property values were not valid');
    expect(result.rejected.get('bo@example.com')).toContain('Phone number is not valid');
  });

  it('reads a per-input conflict (another write holds the contact) as conflicted, to be retried, not as a refusal (issue 14 §1)', async () => {
    // Prepare
    const { hubspot } = client(() =>
      jsonResponse(207, {
        status: 'COMPLETE',
        results: [upserted('101', 'ana@example.com', true), upserted('303', 'cy@example.com', true)],
        numErrors: 1,
        errors: [{ status: 'error', category: 'CONFLICT', message: 'A contact with this email is being created', context: { ids: ['bo@example.com'] } }],
      }),
    );

    // Act
    const result = await hubspot.upsertByEmail(inputs, CALL);

    // Assess
    expect(result.rejected.size).toBe(0);
    expect([...(result.conflicted?.keys() ?? [])]).toEqual(['bo@example.com']);
    expect(result.conflicted?.get('bo@example.com')).toContain('being created');
  });

  it('turns a 429 into RateLimitedError attempted:true with Retry-After, and then holds further calls back', async () => {
    // Prepare
    let now = 50_000;
    const budget = new RollingWindowBudget(100, 10_000, () => now);
    const { hubspot, requests } = client(
      () =>
        jsonResponse(
          429,
          { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' },
          { 'retry-after': '3' },
        ),
      budget,
    );

    // Act
    const first = await failureOf(hubspot.upsertByEmail(inputs, CALL));
    now += 1_000;
    const second = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(first).toBeInstanceOf(RateLimitedError);
    expect(first).toMatchObject({ attempted: true, retryAfterMs: 3_000 });
    expect(first.message).toContain('secondly limit');
    expect(second).toBeInstanceOf(RateLimitedError);
    expect(second).toMatchObject({ attempted: false });
    expect((second as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(requests).toHaveLength(1);
  });

  it.each([500, 502, 503, 504])('turns a %i into RetryableError', async (status) => {
    // Prepare
    const { hubspot } = client(() => jsonResponse(status, { status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' }));

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).not.toBeInstanceOf(RateLimitedError);
    expect(error.message).toContain(String(status));
  });

  it('turns a 5xx HTML page from a proxy into RetryableError', async () => {
    // Prepare
    const { hubspot } = client(() => new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }));

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
  });

  it('turns a timeout into RetryableError, aborting the request', async () => {
    // Prepare
    let aborted = false;
    const { hubspot } = client(
      (_request, init) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(init.signal?.reason);
          });
        }),
    );

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, { maxWaitMs: 0, timeoutMs: 20 }));

    // Assess
    expect(aborted).toBe(true);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toMatch(/timed out/i);
  });

  it('turns a connection reset into RetryableError naming the cause', async () => {
    // Prepare
    const { hubspot } = client(() => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    });

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('ECONNRESET');
  });

  it('turns a response cut off mid-body into RetryableError', async () => {
    // Prepare
    const { hubspot } = client(() => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"status":"COMP'));
          controller.error(new Error('socket hang up'));
        },
      });
      return new Response(body, { status: 200 });
    });

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
  });

  it.each([401, 403])('turns a %i into RetryableError about the credentials (an operator fixes it; the data is fine)', async (status) => {
    // Prepare
    const { hubspot } = client(() =>
      jsonResponse(status, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' }),
    );

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/credentials/i);
  });

  it.each([
    ['a 409', 409, { status: 'error', message: 'Contact is being updated by another request', category: 'CONFLICT' }],
    ['a 423 LOCKED', 423, { status: 'error', message: 'The record is locked', category: 'LOCKED' }],
    ['a 400 of category CONFLICT', 400, { status: 'error', message: 'Concurrent modification', category: 'CONFLICT' }],
  ])('turns %s (it names no input and is about concurrent work) into a retryable ConflictError with the status', async (_what, status, body) => {
    // Prepare
    const { hubspot } = client(() => jsonResponse(status, body));

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status });
    expect(error.message).toContain(body.message);
  });

  it('lets setup read a 409 as "already exists", whether a ConflictError or a PermanentError', () => {
    expect(isAlreadyThere(new ConflictError('HubSpot 409: exists', 'hubspot_conflict', 409))).toBe(true);
    expect(isAlreadyThere(new PermanentError('HubSpot 409: exists', 409))).toBe(true);
    expect(isAlreadyThere(new ConflictError('HubSpot 423: locked', 'hubspot_conflict', 423))).toBe(false);
    expect(isAlreadyThere(new PermanentError('HubSpot 400: bad', 400))).toBe(false);
  });

  it('turns a 400 into PermanentError with HubSpot\'s message and the status', async () => {
    // Prepare
    const { hubspot } = client(() =>
      jsonResponse(400, {
        status: 'error',
        message: 'Duplicate IDs found in batch input: [ana@example.com]. IDs must be unique',
        category: 'VALIDATION_ERROR',
      }),
    );

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toContain('Duplicate IDs found in batch input');
  });

  it.each([
    ['an HTML page', () => new Response('<html>maintenance</html>', { status: 200 })],
    ['results missing', () => jsonResponse(200, { status: 'COMPLETE' })],
    ['a result without its id', () => jsonResponse(200, { status: 'COMPLETE', results: [{ new: true, properties: {} }] })],
  ])('turns a 200 with an unexpected shape (%s) into RetryableError with a clear message', async (_what, respond) => {
    // Prepare
    const { hubspot } = client(respond);

    // Act
    const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toMatch(/unexpected shape/i);
  });

  it('refuses more than 100 inputs without calling HubSpot', async () => {
    // Prepare
    const { hubspot, requests } = client(() => jsonResponse(200, { status: 'COMPLETE', results: [] }));
    const many = Array.from({ length: 101 }, (_, i) => ({ email: `p${i}@example.com`, properties: {} }));

    // Act
    const error = await failureOf(hubspot.upsertByEmail(many, CALL));

    // Assess
    expect(error.message).toMatch(/100/);
    expect(requests).toEqual([]);
  });

  describe('the access token never appears in an error message', () => {
    const echo = (status: number) => () =>
      new Response(`Request rejected. Authorization: Bearer ${TOKEN}`, { status, headers: { 'content-type': 'text/plain' } });

    it.each([
      ['400 echoing the request', echo(400)],
      ['401 echoing the request', echo(401)],
      ['502 echoing the request', echo(502)],
      ['429 echoing the request', echo(429)],
      ['JSON error echoing the token', () => jsonResponse(400, { status: 'error', message: `Invalid token ${TOKEN}` })],
      [
        'connection failure naming the token',
        () => {
          throw new TypeError('fetch failed', { cause: new Error(`proxy refused Bearer ${TOKEN}`) });
        },
      ],
    ])('%s', async (_what, respond: Responder) => {
      // Prepare
      const { hubspot } = client(respond);

      // Act
      const error = await failureOf(hubspot.upsertByEmail(inputs, CALL));

      // Assess
      expect(error.message).not.toContain(TOKEN);
    });
  });
});
