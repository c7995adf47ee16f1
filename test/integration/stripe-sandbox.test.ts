/**
 * The Stripe client against the Stripe sandbox: metadata merged as Stripe merges it, idempotency
 * keys as Stripe keeps them, Stripe's failures turned into the core's error types, and the
 * metadata limits enforced by the sandbox as by the client (two separate implementations).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StripeClient, StripeRequestError, STRIPE_DEFAULT_RETRY_AFTER_MS } from '../../functions/connectors/stripe/client.js';
import { PermanentError, RateLimitedError, RetryableError, ValidationError } from '../../functions/core/errors.js';
import { DEMO_STRIPE_CUSTOMERS, startStripeSandbox, type StripeSandbox } from '../../lib/local/sandboxes/stripe/index.js';
import { demoLandlords } from '../../lib/local/sandboxes/turbotenant/seed.js';

const API_KEY = 'sk_test_51SandboxSecretKeyForTests0000';
const HOUR = 60 * 60 * 1000;

let sandbox: StripeSandbox;
let clock = Date.UTC(2025, 9, 12, 21, 53);
let keyCounter = 0;
const freshKey = () => `test-key-${++keyCounter}`;
const client = (apiKey = API_KEY) => new StripeClient({ baseUrl: sandbox.url, apiKey: async () => apiKey });

/** Raw form POST, for what the client would not send. */
async function post(path: string, form: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

async function createCustomer(metadata: Record<string, string> = {}): Promise<string> {
  const form = new URLSearchParams({ email: 'landlord@example.com', ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata[${k}]`, v])) });
  const created = await post('/v1/customers', form.toString());
  expect(created.status).toBe(200);
  return created.body.id as string;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

const [DANIEL, AISHA] = DEMO_STRIPE_CUSTOMERS.map((c) => c.id) as [string, string];
const metadataOf = (id: string) => sandbox.customers().find((c) => c.id === id)?.metadata;
const keys = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));

beforeAll(async () => {
  sandbox = await startStripeSandbox({ apiKey: API_KEY, now: () => clock });
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
});

describe('seeded customers', () => {
  it('serves a Stripe customer for every TurboTenant demo landlord that names one', async () => {
    const named = demoLandlords().flatMap((l) => (l.stripe_customer_id ? [l.stripe_customer_id] : []));

    const statuses = await Promise.all(named.map(async (id) => (await fetch(`${sandbox.url}/v1/customers/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } })).status));

    expect(named.length).toBeGreaterThan(0);
    expect(statuses).toEqual(named.map(() => 200));
  });

  it('answers GET /v1/customers/{id} with a Stripe customer object', async () => {
    const res = await fetch(`${sandbox.url}/v1/customers/${DANIEL}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const body = (await res.json()) as any;

    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(body).toMatchObject({ id: DANIEL, object: 'customer', email: 'daniel.whitaker@example.com', metadata: { billing_plan: 'landlord_pro' }, livemode: false });
  });

  it('takes the key as Basic auth too, as `curl -u sk_...:` sends it', async () => {
    const res = await fetch(`${sandbox.url}/v1/customers/${AISHA}`, {
      headers: { authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}` },
    });
    expect(res.status).toBe(200);
  });
});

describe('updateCustomerMetadata', () => {
  it('merges into the existing metadata: other keys are kept, an empty value unsets one', async () => {
    // Prepare
    const id = await createCustomer({ plan: 'premium', stale: 'old' });

    // Act
    const result = await client().updateCustomerMetadata(id, { utm_source: 'connectlinx', turbotenant_listing_id: 'PROP_1001', stale: '' }, { idempotencyKey: freshKey() });

    // Assess
    const expected = { plan: 'premium', utm_source: 'connectlinx', turbotenant_listing_id: 'PROP_1001' };
    expect(result).toEqual({ id, metadata: expected });
    expect(metadataOf(id)).toEqual(expected);
    const [request] = sandbox.requests().filter((r) => r.path === `/v1/customers/${id}`);
    expect(request?.params).toEqual({ 'metadata[utm_source]': 'connectlinx', 'metadata[turbotenant_listing_id]': 'PROP_1001', 'metadata[stale]': '' });
  });

  it('stores values with &, =, +, % and accents exactly as given', async () => {
    const id = await createCustomer();
    const metadata = { managed_by: 'José & Núñez = 100% +1', note: 'line one\nline two' };

    await client().updateCustomerMetadata(id, metadata, { idempotencyKey: freshKey() });

    expect(metadataOf(id)).toEqual(metadata);
  });

  it('replays the saved answer to a retry with the same key, without writing again', async () => {
    // Prepare: a write with key A, then another write with key B changes the same field
    const id = await createCustomer();
    const keyA = freshKey();
    const first = await client().updateCustomerMetadata(id, { onboarding_stage: 'pending' }, { idempotencyKey: keyA });
    await client().updateCustomerMetadata(id, { onboarding_stage: 'verified' }, { idempotencyKey: freshKey() });

    // Act: a late redelivery of the first write
    const replay = await client().updateCustomerMetadata(id, { onboarding_stage: 'pending' }, { idempotencyKey: keyA });

    // Assess: the first answer comes back, and the newer value is not overwritten
    expect(replay).toEqual(first);
    expect(metadataOf(id)).toEqual({ onboarding_stage: 'verified' });
    const last = sandbox.requests().at(-1)!;
    expect(last).toMatchObject({ idempotencyKey: keyA, replayed: true, status: 200 });
  });

  it('marks a replay with Idempotent-Replayed: true and the original request id', async () => {
    const id = await createCustomer();
    const key = freshKey();
    const first = await post(`/v1/customers/${id}`, 'metadata[a]=1', { 'idempotency-key': key });
    const again = await post(`/v1/customers/${id}`, 'metadata[a]=1', { 'idempotency-key': key });

    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('original-request')).toBe(first.headers.get('request-id'));
    expect(again.body).toEqual(first.body);
  });

  it('recovers a write whose answer was lost: the retry with the same key gets the saved answer', async () => {
    // Prepare: Stripe executes the update, then the connection drops before the answer arrives
    const id = await createCustomer();
    const key = freshKey();
    sandbox.addFault({ kind: 'reset', path: `/v1/customers/${id}`, afterExecution: true, times: 1 });

    // Act
    const lost = await failure(client().updateCustomerMetadata(id, { hubspot_contact_id: '501' }, { idempotencyKey: key }));
    const retried = await client().updateCustomerMetadata(id, { hubspot_contact_id: '501' }, { idempotencyKey: key });

    // Assess
    expect(lost).toBeInstanceOf(RetryableError);
    expect(lost.message).toContain('connection failed');
    expect(retried.metadata).toEqual({ hubspot_contact_id: '501' });
    expect(sandbox.requests().at(-1)).toMatchObject({ replayed: true });
  });

  it('refuses a key reused with other metadata, and leaves the customer as the first write left it', async () => {
    const id = await createCustomer();
    const key = freshKey();
    await client().updateCustomerMetadata(id, { plan: 'basic' }, { idempotencyKey: key });

    const error = await failure(client().updateCustomerMetadata(id, { plan: 'premium' }, { idempotencyKey: key }));

    expect(error).toBeInstanceOf(StripeRequestError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('idempotency_error');
    expect(error.message).toContain(`other than '${key}'`);
    expect((error as StripeRequestError).stripe.type).toBe('idempotency_error');
    expect(metadataOf(id)).toEqual({ plan: 'basic' });
  });

  it('forgets a key after 24 hours, as Stripe does', async () => {
    const id = await createCustomer();
    const key = freshKey();
    await client().updateCustomerMetadata(id, { plan: 'basic' }, { idempotencyKey: key });

    clock += 24 * HOUR;
    const later = await client().updateCustomerMetadata(id, { plan: 'premium' }, { idempotencyKey: key });

    expect(later.metadata).toEqual({ plan: 'premium' });
  });

  it('answers a retry that overlaps the first request with a retryable 409, then replays once it is done', async () => {
    // Prepare: the first request is still executing when the retry arrives
    const id = await createCustomer();
    const key = freshKey();
    sandbox.addFault({ kind: 'slow', delayMs: 300, path: `/v1/customers/${id}`, times: 1 });

    // Act
    const first = client().updateCustomerMetadata(id, { plan: 'pro' }, { idempotencyKey: key });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const overlapping = await failure(client().updateCustomerMetadata(id, { plan: 'pro' }, { idempotencyKey: key }));
    const done = await first;
    const after = await client().updateCustomerMetadata(id, { plan: 'pro' }, { idempotencyKey: key });

    // Assess
    expect(overlapping).toBeInstanceOf(RetryableError);
    expect(overlapping).not.toBeInstanceOf(RateLimitedError);
    expect(overlapping.message).toContain('idempotency_key_in_use');
    expect(after).toEqual(done);
  });

  it('says which customer Stripe does not know (404 resource_missing), permanently', async () => {
    const error = await failure(client().updateCustomerMetadata('cus_NoSuchLandlord9', { plan: 'basic' }, { idempotencyKey: freshKey() }));

    expect(error).toBeInstanceOf(StripeRequestError);
    expect(error.message).toMatch(/^Stripe customer cus_NoSuchLandlord9 not found \(request req_\w+\)$/);
    expect((error as StripeRequestError).status).toBe(404);
    expect((error as StripeRequestError).stripe.code).toBe('resource_missing');
  });

  it('refuses an id that is not a Stripe customer id without calling Stripe', async () => {
    const error = await failure(client().updateCustomerMetadata('../charges', { plan: 'basic' }, { idempotencyKey: freshKey() }));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('not a Stripe customer id');
    expect(sandbox.requests()).toHaveLength(0);
  });

  it('treats a wrong API key as an operator problem (retryable) and never shows the key', async () => {
    const wrongKey = 'sk_test_51WrongKeyThatWasRotatedAway9876';
    const error = await failure(client(wrongKey).updateCustomerMetadata(DANIEL, { plan: 'basic' }, { idempotencyKey: freshKey() }));

    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('Stripe refused the API key');
    expect(error.message).toContain('Invalid API Key provided: sk_test_');
    expect(error.message).not.toContain(wrongKey);
    expect(error.message).not.toContain(API_KEY);
  });

  it('answers a request without a key with Stripe\'s 401', async () => {
    const res = await fetch(`${sandbox.url}/v1/customers/${DANIEL}`);
    const body = (await res.json()) as any;

    expect(res.status).toBe(401);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('You did not provide an API key') });
  });

  it('turns a 429 into RateLimitedError with Retry-After, or a one-second default', async () => {
    const id = AISHA;
    sandbox.addFault({ kind: 'rateLimit', retryAfterSeconds: 7, times: 1 });
    sandbox.addFault({ kind: 'rateLimit', times: 1 });

    const told = await failure(client().updateCustomerMetadata(id, { a: '1' }, { idempotencyKey: freshKey() }));
    const untold = await failure(client().updateCustomerMetadata(id, { a: '1' }, { idempotencyKey: freshKey() }));

    expect(told).toBeInstanceOf(RateLimitedError);
    expect((told as RateLimitedError).retryAfterMs).toBe(7_000);
    expect((told as RateLimitedError).attempted).toBe(true);
    expect(told.message).toContain('rate_limit');
    expect((untold as RateLimitedError).retryAfterMs).toBe(STRIPE_DEFAULT_RETRY_AFTER_MS);
  });

  it('turns a 500 into RetryableError, and the retry with the same key goes through', async () => {
    const id = await createCustomer();
    const key = freshKey();
    sandbox.addFault({ kind: 'status', status: 500, times: 1 });

    const error = await failure(client().updateCustomerMetadata(id, { plan: 'basic' }, { idempotencyKey: key }));
    const retried = await client().updateCustomerMetadata(id, { plan: 'basic' }, { idempotencyKey: key });

    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('Stripe 500 api_error');
    expect(metadataOf(id)).toEqual({ plan: 'basic' });
    expect(retried.metadata).toEqual({ plan: 'basic' });
  });

  it('gives up on a 5xx when Stripe says not to retry (Stripe-Should-Retry: false)', async () => {
    sandbox.addFault({ kind: 'status', status: 503, shouldRetry: false, times: 1 });

    const error = await failure(client().updateCustomerMetadata(AISHA, { a: '1' }, { idempotencyKey: freshKey() }));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('Stripe-Should-Retry: false');
  });

  it('turns a slow answer into a retryable timeout', async () => {
    sandbox.addFault({ kind: 'slow', delayMs: 500, times: 1 });

    const error = await failure(client().updateCustomerMetadata(AISHA, { a: '1' }, { idempotencyKey: freshKey(), timeoutMs: 100 }));

    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('timed out after 100 ms');
  });
});

describe('metadata limits, in the client and in the sandbox alike', () => {
  const limits: Array<{ name: string; ok: Record<string, string>; over: Record<string, string>; param: string }> = [
    { name: '50 keys', ok: keys(50), over: keys(51), param: 'metadata' },
    { name: '40-character keys', ok: { ['k'.repeat(40)]: 'v' }, over: { ['k'.repeat(41)]: 'v' }, param: `metadata[${'k'.repeat(41)}]` },
    { name: '500-character values', ok: { notes: 'x'.repeat(500) }, over: { notes: 'x'.repeat(501) }, param: 'metadata[notes]' },
  ];

  for (const limit of limits) {
    it(`${limit.name}: both take the limit and refuse one more`, async () => {
      // Prepare
      const viaClient = await createCustomer();
      const viaSandbox = await createCustomer();
      const form = (metadata: Record<string, string>) => new URLSearchParams(Object.entries(metadata).map(([k, v]): [string, string] => [`metadata[${k}]`, v])).toString();
      sandbox.clearRequests();

      // Act
      const accepted = await client().updateCustomerMetadata(viaClient, limit.ok, { idempotencyKey: freshKey() });
      const refusedByClient = await failure(client().updateCustomerMetadata(viaClient, limit.over, { idempotencyKey: freshKey() }));
      const sandboxAccepts = await post(`/v1/customers/${viaSandbox}`, form(limit.ok));
      const sandboxRefuses = await post(`/v1/customers/${viaSandbox}`, form({ ...limit.over, ...(limit.param === 'metadata' ? { extra: 'x' } : {}) }));

      // Assess
      expect(accepted.metadata).toEqual(limit.ok);
      expect(refusedByClient).toBeInstanceOf(ValidationError);
      expect((refusedByClient as ValidationError).details[0]?.path).toBe(limit.param);
      expect(sandboxAccepts.status).toBe(200);
      expect(sandboxRefuses.status).toBe(400);
      expect(sandboxRefuses.body.error).toMatchObject({ type: 'invalid_request_error', param: limit.param });
      expect(metadataOf(viaSandbox)).toEqual(limit.ok);
      expect(sandbox.requests().filter((r) => r.path === `/v1/customers/${viaClient}`)).toHaveLength(1);
    });
  }

  it('square brackets in a key: the client refuses it, the sandbox refuses metadata[a[b]]', async () => {
    const id = await createCustomer();

    const refusedByClient = await failure(client().updateCustomerMetadata(id, { 'a[b': '1' }, { idempotencyKey: freshKey() }));
    const sandboxRefuses = await post(`/v1/customers/${id}`, 'metadata[a[b]]=1');

    expect(refusedByClient).toBeInstanceOf(ValidationError);
    expect(refusedByClient.message).toContain('square bracket');
    expect(sandboxRefuses.status).toBe(400);
    expect(sandboxRefuses.body.error.message).toContain('square brackets');
    expect(metadataOf(id)).toEqual({});
  });

  it('an update that would leave more than 50 keys after the merge: refused by Stripe, reported with its message, nothing changed', async () => {
    // Prepare: 30 keys already there, 30 new ones in a request the client accepts
    const id = await createCustomer(keys(30, 'old'));

    // Act
    const error = await failure(client().updateCustomerMetadata(id, keys(30, 'new'), { idempotencyKey: freshKey() }));

    // Assess
    expect(error).toBeInstanceOf(StripeRequestError);
    expect(error.message).toContain("Metadata can have up to 50 keys, but you've set 60");
    expect(error.message).toContain('(param metadata)');
    expect(metadataOf(id)).toEqual(keys(30, 'old'));
  });

  it('a refused request is not saved under its key: the corrected retry with the same key goes through', async () => {
    const id = await createCustomer();
    const key = freshKey();

    const refused = await post(`/v1/customers/${id}`, `metadata[notes]=${'x'.repeat(501)}`, { 'idempotency-key': key });
    const corrected = await post(`/v1/customers/${id}`, `metadata[notes]=${'x'.repeat(500)}`, { 'idempotency-key': key });

    expect(refused.status).toBe(400);
    expect(corrected.status).toBe(200);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses parameters a customer does not have, as Stripe does', async () => {
    const res = await post('/v1/customers', 'email=a%40b.c&favourite_colour=blue');

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_unknown', param: 'favourite_colour', message: 'Received unknown parameter: favourite_colour' });
  });
});
