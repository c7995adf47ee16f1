/**
 * The TurboTenant client against the TurboTenant sandbox, both sides of our contract (CONTRACT.md):
 * bearer auth, 404s as clear permanent failures, `updated_since` paging at its edges, faults as the
 * error classes the consumer acts on, and the sandbox's signed events as our verifier sees them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundInSourceError, TurboTenantClient, type PropertyPage } from '../../functions/connectors/turbotenant/client.js';
import { TurboTenantEventSchema } from '../../functions/connectors/turbotenant/schemas.js';
import { verifyTurboTenantSignature } from '../../functions/connectors/turbotenant/signature.js';
import { PermanentError, RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import {
  DEFAULT_EVENT_METADATA,
  startTurboTenantSandbox,
  type Property,
  type TurboTenantEventBody,
  type TurboTenantSandbox,
} from '../../lib/local/sandboxes/turbotenant/index.js';
import { sleep, startReceiver as startSharedReceiver, waitFor, type Receiver as SharedReceiver } from './support/receiver.js';

const API_KEY = 'tt_live_sandbox_key_8c1f2e';
const SECRET = 'tt_whsec_sandbox_4b7d9a';

type Receiver = SharedReceiver<{ event: TurboTenantEventBody }>;

/** Our route answers 202 with JSON; the body is one event. */
const startReceiver = () =>
  startSharedReceiver({
    path: '/events/turbotenant',
    ok: { status: 202, contentType: 'application/json', body: '{}' },
    read: (rawBody) => ({ event: JSON.parse(rawBody.toString('utf8')) as TurboTenantEventBody }),
  });

let sandbox: TurboTenantSandbox;
let receiver: Receiver;
let client: TurboTenantClient;

function clientWith(options: { apiKey?: string; fetch?: typeof fetch; timeoutMs?: number } = {}): TurboTenantClient {
  return new TurboTenantClient({
    baseUrl: sandbox.url,
    apiKey: async () => options.apiKey ?? API_KEY,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-error: ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

async function allPages(since: string, perPage: number, c: TurboTenantClient = client): Promise<PropertyPage[]> {
  const pages: PropertyPage[] = [];
  for await (const page of c.listPropertiesUpdatedSince(since, { perPage })) pages.push(page);
  return pages;
}

/** A cursor just after every change the sandbox holds now. */
function cursorAfterEverything(): string {
  const latest = Math.max(...sandbox.properties().map((p) => Date.parse(p.updated_at)));
  return new Date(latest + 1).toISOString();
}

function newProperty(n: number, landlordId = 'LL_1002'): Omit<Property, 'id' | 'updated_at'> {
  return {
    landlord_id: landlordId,
    title: `Studio ${n} on Congress Ave`,
    type: 'apartment',
    rent: 1100 + n,
    address: { street: `${200 + n} Congress Ave, Apt ${n}`, city: 'Austin', state: 'TX', zip: '78701' },
  };
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startTurboTenantSandbox({
    apiKey: API_KEY,
    events: { webhookSecret: SECRET, retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40 }, timeoutMs: 300 },
  });
  client = clientWith();
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(() => {
  sandbox.setEventTarget(null);
  sandbox.reset();
  receiver.requests = [];
  receiver.answers = [];
});

describe('seeded demo data', () => {
  it('has 20 landlords (some with a Stripe customer) and 50 properties with US addresses, all readable through the client', async () => {
    // Act
    const landlords = sandbox.landlords();
    const properties = sandbox.properties();
    const first = await client.getProperty('PROP_1001');

    // Assess
    expect(landlords).toHaveLength(20);
    expect(properties).toHaveLength(50);
    expect(landlords.filter((l) => l.stripe_customer_id).length).toBeGreaterThan(0);
    expect(landlords.filter((l) => !l.stripe_customer_id).length).toBeGreaterThan(0);
    for (const p of properties) {
      expect(p.address.state).toMatch(/^[A-Z]{2}$/);
      expect(p.address.zip).toMatch(/^\d{5}$/);
      expect(landlords.some((l) => l.id === p.landlord_id)).toBe(true);
    }
    expect(first).toEqual(properties.find((p) => p.id === 'PROP_1001'));
  });
});

describe('auth', () => {
  it('reads a landlord with the bearer key', async () => {
    const landlord = await client.getLandlord('LL_1001');
    expect(landlord).toMatchObject({ id: 'LL_1001', email: 'daniel.whitaker@example.com', first_name: 'Daniel', stripe_customer_id: expect.stringMatching(/^cus_/) });
  });

  it('answers 401 JSON without a key or with a wrong one', async () => {
    const none = await fetch(`${sandbox.url}/api/landlords/LL_1001`);
    const wrong = await fetch(`${sandbox.url}/api/landlords/LL_1001`, { headers: { Authorization: 'Bearer not-the-key' } });
    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: 'Missing or invalid API key' } });
  });

  it('a refused key is retryable (an operator fixes it; nothing is dropped) and the key is not in the message', async () => {
    // Prepare
    const badKey = 'tt_live_revoked_key_0000';

    // Act
    const error = await caught(clientWith({ apiKey: badKey }).getProperty('PROP_1001'));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('refused the API key (401)');
    expect(error.message).not.toContain(badKey);
  });
});

describe('404', () => {
  it('an unknown property is a NotFoundInSourceError saying which id is missing', async () => {
    const error = await caught(client.getProperty('PROP_404'));
    expect(error).toBeInstanceOf(NotFoundInSourceError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.name).toBe('NotFoundInSourceError');
    expect(error.message).toMatch(/^Missing property ID PROP_404\b/);
    expect(error).toMatchObject({ entity: 'property', id: 'PROP_404', status: 404 });
  });

  it('an unknown landlord likewise, and the sandbox answered 404 JSON', async () => {
    const error = await caught(client.getLandlord('LL_9999'));
    expect(error).toBeInstanceOf(NotFoundInSourceError);
    expect(error.message).toMatch(/^Missing landlord ID LL_9999\b/);
    const raw = await fetch(`${sandbox.url}/api/landlords/LL_9999`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({ error: { code: 'not_found', message: 'Landlord LL_9999 not found' } });
  });

  it('an id with URL characters is escaped, not read as another path', async () => {
    const error = await caught(client.getProperty('../landlords/LL_1001'));
    expect(error).toBeInstanceOf(NotFoundInSourceError);
    expect(sandbox.requests().at(-1)?.path).toBe('/api/properties/..%2Flandlords%2FLL_1001');
  });
});

describe('listPropertiesUpdatedSince', () => {
  it.each([
    [0, [0]],
    [1, [1]],
    [100, [100]],
    [101, [100, 1]],
  ])('%i properties changed after the cursor come in pages of %j (per_page 100)', async (count, sizes) => {
    // Prepare
    const since = cursorAfterEverything();
    const created = Array.from({ length: count }, (_, i) => sandbox.upsertProperty(newProperty(i)).id);
    sandbox.clearRequests();

    // Act
    const pages = await allPages(since, 100);

    // Assess
    expect(pages.map((p) => p.properties.length)).toEqual(sizes);
    expect(pages.map((p) => p.page)).toEqual(sizes.map((_, i) => i + 1));
    expect(pages.at(-1)?.nextPage).toBeNull();
    expect(pages.flatMap((p) => p.properties.map((x) => x.id))).toEqual(created);
    expect(sandbox.requests().map((r) => new URLSearchParams(r.query).get('page'))).toEqual(sizes.map((_, i) => String(i + 1)));
  });

  it('lists a seeded property again once it changes, with a later updated_at; a change to nothing is not a change', async () => {
    // Prepare
    const since = cursorAfterEverything();
    const before = sandbox.properties().find((p) => p.id === 'PROP_1003')!;

    // Act
    const unchanged = sandbox.upsertProperty({ id: 'PROP_1003', rent: before.rent });
    const afterNoop = await allPages(since, 100);
    const changed = sandbox.upsertProperty({ id: 'PROP_1003', rent: before.rent + 75, address: { zip: '98122' } });
    const afterChange = await allPages(since, 100);

    // Assess
    expect(unchanged.updated_at).toBe(before.updated_at);
    expect(afterNoop.flatMap((p) => p.properties)).toEqual([]);
    expect(Date.parse(changed.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    expect(afterChange.flatMap((p) => p.properties)).toEqual([{ ...before, rent: before.rent + 75, address: { ...before.address, zip: '98122' }, updated_at: changed.updated_at }]);
  });

  it('lists every seeded property from an old cursor, oldest change first, 25 a page by default', async () => {
    const pages = await allPages('2000-01-01T00:00:00Z', 20);
    const ids = pages.flatMap((p) => p.properties.map((x) => x.id));
    expect(pages.map((p) => p.properties.length)).toEqual([20, 20, 10]);
    expect(new Set(ids).size).toBe(50);
    const stamps = pages.flatMap((p) => p.properties.map((x) => Date.parse(x.updated_at)));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);

    const raw = await fetch(`${sandbox.url}/api/properties`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    const body = (await raw.json()) as { data: unknown[]; next_page: number | null };
    expect([body.data.length, body.next_page]).toEqual([25, 2]);
  });

  it('the sandbox answers 400 naming each bad parameter, and the client refuses per_page over 100 before asking', async () => {
    // Act
    const raw = await fetch(`${sandbox.url}/api/properties?updated_since=last-week&page=0&per_page=101`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    const body = (await raw.json()) as { error: { details: Array<{ path: string }> } };
    sandbox.clearRequests();
    const clientError = await caught(allPages('2025-10-12T00:00:00Z', 101));

    // Assess
    expect(raw.status).toBe(400);
    expect(body.error.details.map((d) => d.path)).toEqual(['updated_since', 'page', 'per_page']);
    expect(clientError).toBeInstanceOf(RangeError);
    expect(sandbox.requests()).toEqual([]);
  });

  it('a failure on page 2 throws after page 1 was handed over, as retryable', async () => {
    // Prepare
    const seen: string[][] = [];
    let failure: unknown;

    // Act
    try {
      for await (const page of client.listPropertiesUpdatedSince('2000-01-01T00:00:00Z', { perPage: 30 })) {
        seen.push(page.properties.map((p) => p.id));
        sandbox.addFault({ kind: 'status', status: 502, path: '/api/properties', times: 1 });
      }
    } catch (error) {
      failure = error;
    }

    // Assess
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(30);
    expect(failure).toBeInstanceOf(RetryableError);
    expect((failure as Error).message).toContain('answered 502');
  });
});

describe('faults become the error classes the consumer acts on', () => {
  it('500 → RetryableError', async () => {
    sandbox.addFault({ kind: 'status', status: 500, times: 1 });
    const error = await caught(client.getProperty('PROP_1001'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).not.toBeInstanceOf(RateLimitedError);
    expect(error.message).toBe('TurboTenant GET /api/properties/PROP_1001 answered 500: Internal server error');
    // times: 1, so the next call goes through
    await expect(client.getProperty('PROP_1001')).resolves.toMatchObject({ id: 'PROP_1001' });
  });

  it('503 with Retry-After → RetryableError that waits as asked', async () => {
    sandbox.addFault({ kind: 'status', status: 503, retryAfterSeconds: 7, path: '/api/landlords', times: 1 });
    const error = await caught(client.getLandlord('LL_1001'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ retryAfterMs: 7_000 });
  });

  it('rateLimit → RateLimitedError with Retry-After', async () => {
    sandbox.addFault({ kind: 'rateLimit', retryAfterSeconds: 3, times: 1 });
    const error = await caught(client.getLandlord('LL_1001'));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: 3_000, attempted: true });
    expect(sandbox.requests().at(-1)?.status).toBe(429);
  });

  it('a reset connection → RetryableError', async () => {
    sandbox.addFault({ kind: 'reset', times: 1 });
    const error = await caught(client.getProperty('PROP_1001'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toMatch(/connection failed/);
  });

  it('slower than the timeout → RetryableError naming the timeout', async () => {
    sandbox.addFault({ kind: 'slow', delayMs: 1_000, times: 1 });
    const started = Date.now();
    const error = await caught(clientWith({ timeoutMs: 100 }).getProperty('PROP_1001'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('TurboTenant GET /api/properties/PROP_1001 timed out after 100 ms');
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('another 4xx → PermanentError with its status', async () => {
    sandbox.addFault({ kind: 'status', status: 422, message: 'Property is archived', times: 1 });
    const error = await caught(client.getProperty('PROP_1001'));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 422, message: 'TurboTenant GET /api/properties/PROP_1001 answered 422: Property is archived' });
  });

  it('an answer of another shape → PermanentError naming the field', async () => {
    // Prepare: TurboTenant starts sending rent as a string
    const reshaping: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const body = (await res.json()) as Record<string, unknown>;
      return new Response(JSON.stringify({ ...body, rent: String(body.rent) }), { status: res.status, headers: res.headers });
    };

    // Act
    const error = await caught(clientWith({ fetch: reshaping }).getProperty('PROP_1001'));

    // Assess
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('TurboTenant property PROP_1001 has an unexpected shape: rent: must be a number');
  });

  it('never puts the API key in an error message, even when the answer echoes it', async () => {
    const echoing: typeof fetch = async (_input, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      return new Response(JSON.stringify({ error: { message: `proxy refused ${auth}` } }), { status: 502 });
    };
    const error = await caught(clientWith({ fetch: echoing }).getLandlord('LL_1001'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).toContain('proxy refused Bearer [redacted]');
  });

  it('faults set through the control route apply and are listed', async () => {
    const set = await control('POST', '/__sandbox/faults', { kind: 'status', status: 503, method: 'GET', path: '/api/properties/PROP_1002', times: 2 });
    expect(set.status).toBe(201);
    await expect(client.getProperty('PROP_1001')).resolves.toMatchObject({ id: 'PROP_1001' });
    expect(await caught(client.getProperty('PROP_1002'))).toBeInstanceOf(RetryableError);
    expect((await control('GET', '/__sandbox/faults')).body).toEqual([expect.objectContaining({ path: '/api/properties/PROP_1002', remaining: 1 })]);
    expect((await control('POST', '/__sandbox/faults', { kind: 'flood' })).status).toBe(400);
  });
});

describe('control routes', () => {
  it('create a landlord, a property and a lead; the API serves them', async () => {
    // Act
    const landlord = await control('POST', '/__sandbox/landlords', { email: 'morgan.reyes@example.com', phone: '(737) 555-0188', first_name: 'Morgan', last_name: 'Reyes' });
    const property = await control('POST', '/__sandbox/properties', { ...newProperty(1, landlord.body.id), title: 'Garden Cottage' });
    const lead = await control('POST', '/__sandbox/leads', { property_id: property.body.id, email: 'casey@example.org', first_name: 'Casey' });

    // Assess
    expect([landlord.status, property.status, lead.status]).toEqual([201, 201, 201]);
    expect(await client.getLandlord(landlord.body.id)).toMatchObject({ email: 'morgan.reyes@example.com' });
    expect(await client.getProperty(property.body.id)).toMatchObject({ title: 'Garden Cottage', landlord_id: landlord.body.id });
    expect(lead.body).toMatchObject({ property_id: property.body.id, landlord_id: landlord.body.id, email: 'casey@example.org' });
  });

  it('refuse incomplete or dangling records, naming the fields', async () => {
    const partial = await control('POST', '/__sandbox/properties', { landlord_id: 'LL_1001', title: 'No address' });
    const dangling = await control('POST', '/__sandbox/properties', newProperty(1, 'LL_0000'));
    const orphanLead = await control('POST', '/__sandbox/leads', { property_id: 'PROP_0000', email: 'casey@example.org' });
    const badEmail = await control('POST', '/__sandbox/landlords', { id: 'LL_1001', email: 'not-an-email' });
    expect(partial).toMatchObject({ status: 400, body: { error: { details: [{ path: 'type' }, { path: 'rent' }, { path: 'address' }] } } });
    expect(dangling).toMatchObject({ status: 400, body: { error: { details: [{ path: 'landlord_id' }] } } });
    expect(orphanLead.status).toBe(404);
    expect(badEmail).toMatchObject({ status: 400, body: { error: { details: [{ path: 'email' }] } } });
  });

  it('reset brings back the seed and clears faults and the request log', async () => {
    sandbox.upsertProperty(newProperty(1));
    sandbox.addFault({ kind: 'status', status: 500 });
    await caught(client.getProperty('PROP_1001'));
    expect((await control('POST', '/__sandbox/reset')).status).toBe(204);
    expect(sandbox.properties()).toHaveLength(50);
    expect(sandbox.requests()).toEqual([]);
    await expect(client.getProperty('PROP_1001')).resolves.toMatchObject({ id: 'PROP_1001' });
  });
});

describe('signed events', () => {
  const verify = (r: Receiver['requests'][number]) =>
    verifyTurboTenantSignature({
      header: (name) => {
        const value = r.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(',') : value;
      },
      rawBody: r.rawBody,
      secret: SECRET,
      now: Date.now(),
    });

  it('property created, updated and a lead arrive signed and valid by our own schema', async () => {
    // Prepare
    sandbox.setEventTarget(receiver.url);

    // Act
    const created = sandbox.upsertProperty(newProperty(7, 'LL_1004'));
    await sandbox.flushEvents();
    const updated = sandbox.upsertProperty({ id: created.id, rent: 1250, metadata: { ...DEFAULT_EVENT_METADATA, managed_by: 'pm_lonestar' } });
    await sandbox.flushEvents();
    const lead = sandbox.createLead({ property_id: created.id, email: 'Jordan.Lee@Example.com', first_name: 'Jordan', last_name: 'Lee', message: 'Pets allowed?' });
    await sandbox.flushEvents();

    // Assess
    expect(receiver.requests.map(verify)).toEqual([{ valid: true }, { valid: true }, { valid: true }]);
    expect(receiver.requests.map((r) => r.headers['x-turbotenant-signature'])).toEqual(receiver.requests.map(() => expect.stringMatching(/^v1=[0-9a-f]{64}$/)));
    const events = receiver.requests.map((r) => TurboTenantEventSchema.parse(JSON.parse(r.rawBody.toString('utf8'))));
    expect(events.map((e) => e.event_type)).toEqual(['property_created', 'property_updated', 'lead_created']);
    expect(events[0]).toMatchObject({ landlord_id: 'LL_1004', property_id: created.id, occurred_at: created.updated_at, metadata: DEFAULT_EVENT_METADATA });
    expect(events[1]).toMatchObject({ occurred_at: updated.updated_at, metadata: { managed_by: 'pm_lonestar' } });
    expect(events[2]).toMatchObject({ lead: { id: lead.id, email: 'jordan.lee@example.com', first_name: 'Jordan', message: 'Pets allowed?' }, property_id: created.id, landlord_id: 'LL_1004' });
    expect(new Set(events.map((e) => e.event_id)).size).toBe(3);
    expect(Object.keys(receiver.requests[0]!.event)).toEqual(['event_id', 'event_type', 'occurred_at', 'landlord_id', 'property_id', 'metadata']);
  });

  it('a change through a control route is announced too; landlord changes and no-op updates are not', async () => {
    sandbox.setEventTarget(receiver.url);
    await control('POST', '/__sandbox/properties', { id: 'PROP_1010', title: 'Renovated 4BR House on Walnut St' });
    sandbox.upsertProperty({ id: 'PROP_1010', title: 'Renovated 4BR House on Walnut St' });
    sandbox.upsertLandlord({ id: 'LL_1010', phone: '(718) 555-0177' });
    await sandbox.flushEvents();
    expect(receiver.requests.map((r) => [r.event.event_type, r.event.property_id, r.event.landlord_id])).toEqual([['property_updated', 'PROP_1010', 'LL_1010']]);
  });

  it('nothing is sent without a target, or after it is turned off', async () => {
    sandbox.upsertProperty(newProperty(1));
    sandbox.setEventTarget(receiver.url);
    sandbox.setEventTarget(null);
    sandbox.upsertProperty(newProperty(2));
    await sandbox.flushEvents();
    expect(receiver.requests).toEqual([]);
    expect(sandbox.eventDeliveries()).toEqual([]);
  });

  it('retries a 500 with the same event_id, freshly signed, until accepted', async () => {
    // Prepare
    receiver.answers = [500, 503];
    sandbox.setEventTarget(receiver.url);

    // Act
    sandbox.upsertProperty(newProperty(3));
    await waitFor(() => receiver.requests.length === 3);
    await sandbox.flushEvents();

    // Assess
    expect(new Set(receiver.requests.map((r) => r.event.event_id)).size).toBe(1);
    expect(receiver.requests.map((r) => r.rawBody.toString('utf8'))).toEqual(Array(3).fill(receiver.requests[0]!.rawBody.toString('utf8')));
    expect(receiver.requests.map(verify)).toEqual(Array(3).fill({ valid: true }));
    expect(sandbox.eventDeliveries().map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 202],
    ]);
  });

  it('retries a receiver that does not answer in time', async () => {
    receiver.answers = ['hang'];
    sandbox.setEventTarget(receiver.url);
    sandbox.upsertProperty(newProperty(4));
    await waitFor(() => sandbox.eventDeliveries().some((d) => d.status === 202));
    expect(sandbox.eventDeliveries().map((d) => [d.attempt, d.status])).toEqual([
      [1, 0],
      [2, 202],
    ]);
    expect(sandbox.eventDeliveries()[0]!.error).toBe('no answer within 300 ms');
  });

  it('does not retry a 400 or a 401: the receiver refused the event itself', async () => {
    receiver.answers = [400, 401];
    sandbox.setEventTarget(receiver.url);
    sandbox.upsertProperty(newProperty(5));
    sandbox.upsertProperty(newProperty(6));
    await sandbox.flushEvents();
    await sleep(200); // several times the longest retry delay (40 ms)
    expect(receiver.requests).toHaveLength(2);
    expect(sandbox.eventDeliveries().map((d) => [d.attempt, d.status])).toEqual([
      [1, 400],
      [1, 401],
    ]);
  });

  it('gives up after maxAttempts on a receiver that keeps failing', async () => {
    receiver.answers = [500, 500, 500, 500, 500, 500];
    sandbox.setEventTarget(receiver.url);
    sandbox.upsertProperty(newProperty(8));
    await waitFor(() => receiver.requests.length === 4);
    await sleep(200);
    expect(receiver.requests).toHaveLength(4);
    expect(sandbox.eventDeliveries().map((d) => d.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('a sandbox without a webhook secret refuses to turn events on', async () => {
    const bare = await startTurboTenantSandbox({ apiKey: API_KEY, seed: false });
    try {
      expect(() => bare.setEventTarget(receiver.url)).toThrow(/webhookSecret/);
      expect(bare.properties()).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});
