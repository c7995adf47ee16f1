import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubSpotSandbox, type HubSpotSandbox, type WebhookEvent } from '../../lib/local/sandboxes/hubspot/index.js';
import { sleep, startReceiver as startSharedReceiver, type Receiver as SharedReceiver } from './support/receiver.js';

const TOKEN = 'pat-na1-sandbox-lifecycle-token';
const SECRET = 'sandbox-lifecycle-client-secret';
const DEV_KEY = 'dev-api-key-0000-1111-2222';
const APP = 3141592;
const ROOMY = { max: 100_000, intervalMs: 10_000 };
const CONTACTS = '/crm/v3/objects/contacts';

interface ApiResponse {
  status: number;
  body: any;
}

type Receiver = SharedReceiver<{ events: WebhookEvent[] }>;

const startReceiver = () =>
  startSharedReceiver({
    path: '/webhooks/hubspot',
    ok: { status: 200, contentType: 'text/plain', body: 'ok' },
    read: (rawBody) => ({ events: JSON.parse(rawBody.toString('utf8')) as WebhookEvent[] }),
  });

/** Every event received so far, in order. */
const receivedEvents = () => receiver.requests.flatMap((r) => r.events);

let sandbox: HubSpotSandbox;
let receiver: Receiver;

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The CRM API, with the private app's bearer token (or another, or none). */
const api = (method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
  call(sandbox.url, method, path, body, token === null ? {} : { Authorization: `Bearer ${token}` });

/** The Webhooks API, with the developer API key in `hapikey` (or another, or none). */
const dev = (method: string, path: string, body?: unknown, key: string | null = DEV_KEY, base = sandbox.url) =>
  call(base, method, key === null ? path : `${path}${path.includes('?') ? '&' : '?'}hapikey=${encodeURIComponent(key)}`, body);

/** The sandbox's own control routes (no auth). */
const control = (method: string, path: string, body?: unknown) => call(sandbox.url, method, path, body);

async function createContact(properties: Record<string, string>): Promise<{ id: string; num: number; body: any }> {
  const res = await api('POST', CONTACTS, { properties });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, num: Number(res.body.id), body: res.body };
}

/** Delivered events of one type, after sending everything queued. */
async function delivered(type: WebhookEvent['subscriptionType']): Promise<WebhookEvent[]> {
  await sandbox.flushWebhooks();
  return receivedEvents().filter((e) => e.subscriptionType === type);
}

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startHubSpotSandbox({
    accessToken: TOKEN,
    seed: false,
    rateLimit: ROOMY,
    developerApiKey: DEV_KEY,
    webhooks: { clientSecret: SECRET, batchWindowMs: 10, retry: { maxAttempts: 1 } },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(async () => {
  await sandbox.flushWebhooks();
  sandbox.reset();
  sandbox.setRateLimit(ROOMY);
  receiver.requests = [];
  sandbox.setWebhookTarget(receiver.url);
});

describe('POST /crm/v3/objects/contacts/merge', () => {
  it('keeps the primary with its id and values, fills its empty properties from the merged contact, and removes the merged one', async () => {
    const primary = await createContact({ email: 'ann@example.com', firstname: 'Ann' });
    const secondary = await createContact({ email: 'ann.b@example.com', firstname: 'Annie', lastname: 'Baker', phone: '+1 555 0100' });

    const merged = await api('POST', `${CONTACTS}/merge`, { primaryObjectId: primary.id, objectIdToMerge: secondary.id });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      id: primary.id,
      archived: false,
      createdAt: primary.body.createdAt,
      properties: { email: 'ann@example.com', firstname: 'Ann', lastname: 'Baker', phone: '+1 555 0100', hs_object_id: primary.id },
    });
    expect(typeof merged.body.updatedAt).toBe('string');

    const read = await api('GET', `${CONTACTS}/${primary.id}?properties=email,firstname,lastname,phone`);
    expect(read.status).toBe(200);
    expect(read.body.properties).toMatchObject({ email: 'ann@example.com', firstname: 'Ann', lastname: 'Baker', phone: '+1 555 0100' });

    const gone = await api('GET', `${CONTACTS}/${secondary.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    expect((await api('GET', `${CONTACTS}/${secondary.id}?archived=true`)).status).toBe(404);
    expect(sandbox.contacts().map((c) => c.id)).toEqual([primary.id]);
  });

  it('gives the primary the merged email when it has none, so it is found by that email', async () => {
    const primary = await createContact({ firstname: 'NoEmail' });
    const secondary = await createContact({ email: 'found@example.com', lastname: 'Later' });
    const merged = await api('POST', `${CONTACTS}/merge`, { primaryObjectId: primary.id, objectIdToMerge: secondary.id });
    expect(merged.status).toBe(200);
    expect(merged.body.properties).toMatchObject({ email: 'found@example.com', firstname: 'NoEmail', lastname: 'Later' });
    const byEmail = await api('GET', `${CONTACTS}/found@example.com?idProperty=email`);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.id).toBe(primary.id);
  });

  it('announces a contact.merge event about the primary, then the values it gained', async () => {
    const primary = await createContact({ email: 'p@example.com' });
    const secondary = await createContact({ email: 's@example.com', firstname: 'Sam' });
    expect((await api('POST', `${CONTACTS}/merge`, { primaryObjectId: primary.id, objectIdToMerge: secondary.id })).status).toBe(200);

    const merges = await delivered('contact.merge');
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({
      subscriptionType: 'contact.merge',
      objectId: primary.num,
      primaryObjectId: primary.num,
      mergedObjectIds: [secondary.num],
      newObjectId: primary.num,
      numberOfPropertiesMoved: 1,
      changeSource: 'API',
      appId: APP,
    });
    expect(typeof merges[0]!.sourceId).toBe('string');
    const gained = receivedEvents().filter((e) => e.subscriptionType === 'contact.propertyChange' && e.objectId === primary.num && e.eventId > merges[0]!.eventId);
    expect(gained.map((e) => [e.propertyName, e.propertyValue])).toEqual([['firstname', 'Sam']]);
  });

  it('answers 400 for a bad body or a contact merged with itself, 404 for a missing or archived contact, and changes nothing', async () => {
    const a = await createContact({ email: 'a@example.com', firstname: 'A' });
    const b = await createContact({ email: 'b@example.com' });
    await api('DELETE', `${CONTACTS}/${b.id}`);

    const noTarget = await api('POST', `${CONTACTS}/merge`, { primaryObjectId: a.id });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(noTarget.body.message).toContain('objectIdToMerge');

    const self = await api('POST', `${CONTACTS}/merge`, { primaryObjectId: a.id, objectIdToMerge: a.id });
    expect(self.status).toBe(400);
    expect(self.body.category).toBe('VALIDATION_ERROR');

    const missingPrimary = await api('POST', `${CONTACTS}/merge`, { primaryObjectId: '999999', objectIdToMerge: a.id });
    expect(missingPrimary.status).toBe(404);
    expect(missingPrimary.body).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { id: ['999999'] } });

    const archived = await api('POST', `${CONTACTS}/merge`, { primaryObjectId: a.id, objectIdToMerge: b.id });
    expect(archived.status).toBe(404);
    expect(archived.body.context).toEqual({ id: [b.id] });

    expect((await api('GET', `${CONTACTS}/${a.id}`)).status).toBe(200);
    expect((await api('GET', `${CONTACTS}/${b.id}?archived=true`)).status).toBe(200);
    expect(await delivered('contact.merge')).toEqual([]);
  });
});

describe('POST /crm/v3/objects/contacts/gdpr-delete', () => {
  it('deletes a contact by id for good: 204, not readable even as archived, not restorable, announced as contact.privacyDeletion', async () => {
    const doomed = await createContact({ email: 'forget.me@example.com', firstname: 'Forget' });
    const res = await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: doomed.id });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();

    expect((await api('GET', `${CONTACTS}/${doomed.id}`)).status).toBe(404);
    expect((await api('GET', `${CONTACTS}/${doomed.id}?archived=true`)).status).toBe(404);
    expect((await control('POST', `/__sandbox/contacts/${doomed.id}/restore`)).status).toBe(404);
    expect(sandbox.contacts()).toEqual([]);

    const events = await delivered('contact.privacyDeletion');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ objectId: doomed.num, changeSource: 'API', appId: APP, attemptNumber: 0 });
    expect(typeof events[0]!.sourceId).toBe('string');
    expect(await delivered('contact.deletion')).toEqual([]);
  });

  it('finds the contact by email with idProperty=email, archived ones included', async () => {
    const live = await createContact({ email: 'live@example.com' });
    const binned = await createContact({ email: 'binned@example.com' });
    await api('DELETE', `${CONTACTS}/${binned.id}`);

    expect((await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: 'LIVE@Example.com', idProperty: 'email' })).status).toBe(204);
    expect((await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: 'binned@example.com', idProperty: 'email' })).status).toBe(204);

    expect((await api('GET', `${CONTACTS}/${live.id}`)).status).toBe(404);
    expect((await api('GET', `${CONTACTS}/${binned.id}?archived=true`)).status).toBe(404);
    expect((await delivered('contact.privacyDeletion')).map((e) => e.objectId)).toEqual([live.num, binned.num]);
  });

  it('answers 400 without objectId or with a non-unique idProperty, 404 for an unknown id, 204 for an unknown email', async () => {
    const kept = await createContact({ email: 'kept@example.com', firstname: 'Kept' });

    const empty = await api('POST', `${CONTACTS}/gdpr-delete`, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(empty.body.message).toContain('objectId');

    const nonUnique = await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: 'Kept', idProperty: 'firstname' });
    expect(nonUnique.status).toBe(400);
    expect(nonUnique.body.category).toBe('VALIDATION_ERROR');

    const unknown = await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: '424242' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { id: ['424242'] } });

    // HubSpot blocklists an email it does not know and still answers 204.
    expect((await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: 'nobody@example.com', idProperty: 'email' })).status).toBe(204);

    expect((await api('GET', `${CONTACTS}/${kept.id}`)).status).toBe(200);
    expect(await delivered('contact.privacyDeletion')).toEqual([]);
  });
});

describe('POST /__sandbox/contacts/{id}/restore', () => {
  it('brings an archived contact back with the same id and properties and announces contact.restore', async () => {
    const original = await createContact({ email: 'back@example.com', firstname: 'Back', lastname: 'Again' });
    expect((await api('DELETE', `${CONTACTS}/${original.id}`)).status).toBe(204);
    expect((await api('GET', `${CONTACTS}/${original.id}`)).status).toBe(404);

    const restored = await control('POST', `/__sandbox/contacts/${original.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      id: original.id,
      archived: false,
      createdAt: original.body.createdAt,
      properties: { email: 'back@example.com', firstname: 'Back', lastname: 'Again', createdate: original.body.properties.createdate, hs_object_id: original.id },
    });
    expect(restored.body.archivedAt).toBeUndefined();

    const read = await api('GET', `${CONTACTS}/back@example.com?idProperty=email&properties=firstname,lastname`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: original.id, properties: { firstname: 'Back', lastname: 'Again' } });
    expect((await api('GET', `${CONTACTS}?archived=true`)).body.results).toEqual([]);

    expect((await delivered('contact.deletion')).map((e) => e.objectId)).toEqual([original.num]);
    const restores = await delivered('contact.restore');
    expect(restores).toHaveLength(1);
    expect(restores[0]).toMatchObject({ objectId: original.num, changeSource: 'API', appId: APP });
    expect(typeof restores[0]!.sourceId).toBe('string');
  });

  it('lets a new contact take an archived contact\'s email, and then refuses the restore with 409', async () => {
    const old = await createContact({ email: 'taken@example.com', firstname: 'Old' });
    await api('DELETE', `${CONTACTS}/${old.id}`);
    const fresh = await createContact({ email: 'taken@example.com', firstname: 'New' });
    expect(fresh.id).not.toBe(old.id);

    const refused = await control('POST', `/__sandbox/contacts/${old.id}/restore`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ status: 'error', category: 'CONFLICT' });
    expect(refused.body.message).toContain(fresh.id);

    expect((await api('GET', `${CONTACTS}/${old.id}?archived=true`)).body).toMatchObject({ id: old.id, archived: true });
    expect((await api('GET', `${CONTACTS}/taken@example.com?idProperty=email`)).body.id).toBe(fresh.id);
    expect(await delivered('contact.restore')).toEqual([]);
  });

  it('answers 404 for an unknown id, a live contact and a merged-away contact', async () => {
    const live = await createContact({ email: 'alive@example.com' });
    const other = await createContact({ email: 'other@example.com' });
    await api('POST', `${CONTACTS}/merge`, { primaryObjectId: live.id, objectIdToMerge: other.id });

    for (const id of ['777777', live.id, other.id]) {
      const res = await control('POST', `/__sandbox/contacts/${id}/restore`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    }
    expect(await delivered('contact.restore')).toEqual([]);
  });
});

describe('auth, rate limit and faults on merge and gdpr-delete', () => {
  const calls = (a: string, b: string) =>
    [
      ['merge', { primaryObjectId: a, objectIdToMerge: b }],
      ['gdpr-delete', { objectId: b }],
    ] as const;

  it('needs the bearer token', async () => {
    const a = await createContact({ email: 'auth-a@example.com' });
    const b = await createContact({ email: 'auth-b@example.com' });
    for (const [endpoint, body] of calls(a.id, b.id)) {
      for (const token of [null, 'pat-na1-wrong']) {
        const res = await api('POST', `${CONTACTS}/${endpoint}`, body, token);
        expect(res.status).toBe(401);
        expect(res.body.category).toBe('INVALID_AUTHENTICATION');
      }
    }
    expect(sandbox.contacts()).toHaveLength(2);
  });

  it('counts against the rate limit and answers 429 when it is used up', async () => {
    const a = await createContact({ email: 'rl-a@example.com' });
    const b = await createContact({ email: 'rl-b@example.com' });
    sandbox.setRateLimit({ max: 0, intervalMs: 10_000 });
    for (const [endpoint, body] of calls(a.id, b.id)) {
      const res = await api('POST', `${CONTACTS}/${endpoint}`, body);
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    }
    expect(sandbox.contacts()).toHaveLength(2);
  });

  it('takes injected faults on their paths', async () => {
    const a = await createContact({ email: 'f-a@example.com' });
    const b = await createContact({ email: 'f-b@example.com' });
    sandbox.addFault({ path: `${CONTACTS}/merge`, kind: 'status', status: 503, times: 1 });
    sandbox.addFault({ path: `${CONTACTS}/gdpr-delete`, kind: 'rateLimit', retryAfterSeconds: 2, times: 1 });
    sandbox.addFault({ path: `${CONTACTS}/merge`, kind: 'inputError', emailPattern: '^f-b@', message: 'Injected merge failure', times: 1 });

    expect((await api('POST', `${CONTACTS}/merge`, { primaryObjectId: a.id, objectIdToMerge: b.id })).status).toBe(503);
    const injected = await api('POST', `${CONTACTS}/merge`, { primaryObjectId: a.id, objectIdToMerge: b.id });
    expect(injected.status).toBe(400);
    expect(injected.body.message).toBe('Injected merge failure');
    expect((await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: b.id })).status).toBe(429);
    expect(sandbox.contacts()).toHaveLength(2);

    expect((await api('POST', `${CONTACTS}/merge`, { primaryObjectId: a.id, objectIdToMerge: b.id })).status).toBe(200);
    expect((await api('POST', `${CONTACTS}/gdpr-delete`, { objectId: a.id })).status).toBe(204);
    expect(sandbox.contacts()).toEqual([]);
  });
});

describe('Webhooks API v3', () => {
  const settingsPath = `/webhooks/v3/${APP}/settings`;
  const subscriptionsPath = `/webhooks/v3/${APP}/subscriptions`;
  const settings = { targetUrl: 'https://hooks.example.com/hubspot', throttling: { maxConcurrentRequests: 10, period: 'SECONDLY' } };

  it('takes the developer API key in hapikey, not the bearer token', async () => {
    const missing = await dev('GET', subscriptionsPath, undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });

    const wrong = await dev('GET', subscriptionsPath, undefined, 'not-the-key');
    expect(wrong.status).toBe(401);
    expect(wrong.body.category).toBe('INVALID_AUTHENTICATION');
    expect(wrong.body.message).toContain('API key');

    const bearer = await call(sandbox.url, 'PUT', settingsPath, settings, { Authorization: `Bearer ${TOKEN}` });
    expect(bearer.status).toBe(401);
    expect(sandbox.webhookSettings()).toBeNull();

    expect((await dev('GET', subscriptionsPath)).status).toBe(200);
  });

  it('answers 401 to any key when the sandbox has no developerApiKey', async () => {
    const bare = await startHubSpotSandbox({ accessToken: TOKEN, seed: false });
    try {
      for (const key of [DEV_KEY, '', null]) {
        const res = await dev('GET', subscriptionsPath, undefined, key, bare.url);
        expect(res.status).toBe(401);
        expect(res.body.category).toBe('INVALID_AUTHENTICATION');
      }
    } finally {
      await bare.close();
    }
  });

  it('answers 404 for another app', async () => {
    for (const [method, path, body] of [
      ['GET', '/webhooks/v3/1234/settings', undefined],
      ['PUT', '/webhooks/v3/1234/settings', settings],
      ['GET', '/webhooks/v3/1234/subscriptions', undefined],
      ['POST', '/webhooks/v3/1234/subscriptions', { eventType: 'contact.creation' }],
      ['PATCH', '/webhooks/v3/1234/subscriptions/1', { active: true }],
    ] as const) {
      const res = await dev(method, path, body);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    }
    expect(sandbox.webhookSettings()).toBeNull();
    expect(sandbox.webhookSubscriptions()).toEqual([]);
  });

  it('reads, sets idempotently, replaces and deletes the settings', async () => {
    const none = await dev('GET', settingsPath);
    expect(none.status).toBe(404);
    expect(none.body.category).toBe('OBJECT_NOT_FOUND');

    const put = await dev('PUT', settingsPath, settings);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ...settings, createdAt: expect.any(String), updatedAt: put.body.createdAt });
    expect(Number.isNaN(Date.parse(put.body.createdAt))).toBe(false);

    await sleep(5);
    const again = await dev('PUT', settingsPath, settings);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(put.body);
    expect((await dev('GET', settingsPath)).body).toEqual(put.body);
    expect(sandbox.webhookSettings()).toEqual(put.body);

    const changed = await dev('PUT', settingsPath, { targetUrl: 'https://hooks.example.com/v2', throttling: { maxConcurrentRequests: 5 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ targetUrl: 'https://hooks.example.com/v2', throttling: { maxConcurrentRequests: 5 }, createdAt: put.body.createdAt, updatedAt: expect.any(String) });
    expect(Date.parse(changed.body.updatedAt)).toBeGreaterThan(Date.parse(put.body.updatedAt));

    const deleted = await dev('DELETE', settingsPath);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await dev('GET', settingsPath)).status).toBe(404);
    expect(sandbox.webhookSettings()).toBeNull();
  });

  it('rejects settings without throttling or with a bad target URL', async () => {
    for (const body of [
      { targetUrl: 'https://hooks.example.com/hubspot' },
      { targetUrl: 'not a url', throttling: { maxConcurrentRequests: 10 } },
      { targetUrl: 'ftp://hooks.example.com', throttling: { maxConcurrentRequests: 10 } },
      { targetUrl: 'https://hooks.example.com', throttling: { maxConcurrentRequests: 0 } },
    ]) {
      const res = await dev('PUT', settingsPath, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    }
    expect(sandbox.webhookSettings()).toBeNull();
  });

  it('creates, lists, reads, pauses and deletes subscriptions', async () => {
    const creation = await dev('POST', subscriptionsPath, { eventType: 'contact.creation' });
    expect(creation.status).toBe(201);
    expect(creation.body).toEqual({ id: expect.any(String), eventType: 'contact.creation', active: false, createdAt: expect.any(String), updatedAt: creation.body.createdAt });

    const email = await dev('POST', subscriptionsPath, { eventType: 'contact.propertyChange', propertyName: 'email', active: true });
    expect(email.status).toBe(201);
    expect(email.body).toMatchObject({ eventType: 'contact.propertyChange', propertyName: 'email', active: true });
    expect(email.body.id).not.toBe(creation.body.id);

    const list = await dev('GET', subscriptionsPath);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ results: [creation.body, email.body] });
    expect(sandbox.webhookSubscriptions()).toEqual([creation.body, email.body]);

    expect((await dev('GET', `${subscriptionsPath}/${email.body.id}`)).body).toEqual(email.body);

    await sleep(5);
    const activated = await dev('PATCH', `${subscriptionsPath}/${creation.body.id}`, { active: true });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ id: creation.body.id, eventType: 'contact.creation', active: true, createdAt: creation.body.createdAt });
    expect(Date.parse(activated.body.updatedAt)).toBeGreaterThan(Date.parse(creation.body.updatedAt));

    const deleted = await dev('DELETE', `${subscriptionsPath}/${email.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await dev('GET', subscriptionsPath)).body.results.map((s: any) => [s.id, s.active])).toEqual([[creation.body.id, true]]);
    expect((await dev('DELETE', `${subscriptionsPath}/${email.body.id}`)).status).toBe(404);
    expect((await dev('PATCH', `${subscriptionsPath}/${email.body.id}`, { active: false })).status).toBe(404);
  });

  it('refuses a duplicate subscription with 409 and invalid ones with 400', async () => {
    expect((await dev('POST', subscriptionsPath, { eventType: 'contact.propertyChange', propertyName: 'email' })).status).toBe(201);
    expect((await dev('POST', subscriptionsPath, { eventType: 'contact.propertyChange', propertyName: 'firstname' })).status).toBe(201);

    const duplicate = await dev('POST', subscriptionsPath, { eventType: 'contact.propertyChange', propertyName: 'email', active: true });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ status: 'error', category: 'CONFLICT' });

    for (const body of [
      {},
      { eventType: 'contact.exploded' },
      { eventType: 'contact.propertyChange' },
      { eventType: 'contact.creation', propertyName: 'email' },
      { eventType: 'contact.creation', active: 'yes' },
    ]) {
      const res = await dev('POST', subscriptionsPath, body);
      expect(res.status).toBe(400);
      expect(res.body.category).toBe('VALIDATION_ERROR');
    }
    expect(sandbox.webhookSubscriptions().map((s) => s.propertyName)).toEqual(['email', 'firstname']);
  });

  it('keeps subscriptions when the settings are deleted, and forgets both on reset', async () => {
    expect((await dev('PUT', settingsPath, settings)).status).toBe(200);
    const sub = await dev('POST', subscriptionsPath, { eventType: 'contact.deletion', active: true });
    expect((await dev('DELETE', settingsPath)).status).toBe(204);
    expect((await dev('GET', subscriptionsPath)).body.results).toEqual([sub.body]);

    await dev('PUT', settingsPath, settings);
    sandbox.reset();
    expect(sandbox.webhookSettings()).toBeNull();
    expect(sandbox.webhookSubscriptions()).toEqual([]);
    expect((await dev('GET', subscriptionsPath)).body).toEqual({ results: [] });
  });

  it('changes nothing about the sandbox\'s own deliveries, and is outside the private app\'s rate limit but takes faults', async () => {
    await dev('PUT', settingsPath, { targetUrl: 'https://elsewhere.example.com/hook', throttling: { maxConcurrentRequests: 10 } });
    await dev('POST', subscriptionsPath, { eventType: 'contact.deletion', active: true });
    const created = await createContact({ email: 'still@example.com' });
    expect((await delivered('contact.creation')).map((e) => e.objectId)).toEqual([created.num]);

    sandbox.setRateLimit({ max: 0, intervalMs: 10_000 });
    expect((await api('GET', CONTACTS)).status).toBe(429);
    expect((await dev('GET', settingsPath)).status).toBe(200);

    sandbox.addFault({ path: '/webhooks/v3', kind: 'status', status: 502, times: 1 });
    expect((await dev('GET', settingsPath)).status).toBe(502);
    expect((await dev('GET', settingsPath)).status).toBe(200);
  });
});
