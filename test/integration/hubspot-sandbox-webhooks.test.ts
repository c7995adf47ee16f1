import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyHubSpotSignature } from '../../functions/connectors/hubspot/signature.js';
import { startHubSpotSandbox, type HubSpotSandbox, type WebhookEvent } from '../../lib/local/sandboxes/hubspot/index.js';
import { sleep, startReceiver as startSharedReceiver, waitFor, type Receiver as SharedReceiver } from './support/receiver.js';

const TOKEN = 'pat-na1-sandbox-webhook-token';
const SECRET = 'sandbox-client-secret-0000-1111';
const ROOMY = { max: 100_000, intervalMs: 10_000 };

type Receiver = SharedReceiver<{ events: WebhookEvent[] }>;

/** HubSpot answers 200 with text; the body is the delivery's events. */
const startReceiver = () =>
  startSharedReceiver({
    path: '/webhooks/hubspot?source=sandbox',
    ok: { status: 200, contentType: 'text/plain', body: 'ok' },
    read: (rawBody) => ({ events: JSON.parse(rawBody.toString('utf8')) as WebhookEvent[] }),
  });

let sandbox: HubSpotSandbox;
let receiver: Receiver;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const allEvents = () => receiver.requests.flatMap((r) => r.events);

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startHubSpotSandbox({
    accessToken: TOKEN,
    seed: false,
    rateLimit: ROOMY,
    webhooks: { clientSecret: SECRET, batchWindowMs: 20, retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 40 } },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

beforeEach(async () => {
  await sandbox.flushWebhooks();
  sandbox.setWebhookTarget(null);
  sandbox.reset();
  receiver.requests = [];
  receiver.answers = [];
});

describe('hubspot sandbox webhooks', () => {
  it('sends nothing while no target is set', async () => {
    sandbox.setWebhookTarget(null);
    expect((await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'quiet@example.com', firstname: 'Quiet' } })).status).toBe(201);
    await sandbox.flushWebhooks();
    await sleep(60);
    expect(receiver.requests).toHaveLength(0);
    expect(sandbox.webhookDeliveries()).toEqual([]);
  });

  it('announces a created contact in one signed delivery: creation (NEW) plus propertyChange events', async () => {
    sandbox.setWebhookTarget(receiver.url);
    const created = await api('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'Lena.Fischer@Example.com', firstname: 'Lena', lastname: 'Fischer', company: 'Not announced' },
    });
    expect(created.status).toBe(201);
    await sandbox.flushWebhooks();

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-hubspot-signature-version']).toBe('v1');

    const header = (name: string) => request!.headers[name.toLowerCase()] as string | undefined;
    const signed = { method: 'POST', uri: receiver.url, rawBody: request!.rawBody, header };
    expect(verifyHubSpotSignature(signed, { clientSecret: SECRET, now: Date.now() })).toEqual({ valid: true, version: 'v3' });
    expect(verifyHubSpotSignature(signed, { clientSecret: 'another-secret', now: Date.now() }).valid).toBe(false);
    const legacyOnly = (name: string) => (/-v3$|timestamp$/i.test(name) ? undefined : header(name));
    expect(verifyHubSpotSignature({ ...signed, header: legacyOnly }, { clientSecret: SECRET, now: Date.now(), acceptLegacy: true })).toEqual({ valid: true, version: 'v1' });

    const objectId = Number(created.body.id);
    const events = request!.events;
    const creation = events.filter((e) => e.subscriptionType === 'contact.creation');
    expect(creation).toHaveLength(1);
    expect(creation[0]).toMatchObject({ objectId, changeFlag: 'NEW', changeSource: 'API', attemptNumber: 0, portalId: expect.any(Number), appId: expect.any(Number) });
    expect(typeof creation[0]!.sourceId).toBe('string');
    const changes = events.filter((e) => e.subscriptionType === 'contact.propertyChange');
    expect(Object.fromEntries(changes.map((e) => [e.propertyName, e.propertyValue]))).toEqual({ email: 'lena.fischer@example.com', firstname: 'Lena', lastname: 'Fischer' });
    expect(changes.every((e) => e.objectId === objectId && e.changeSource === 'API')).toBe(true);
    const ids = events.map((e) => e.eventId);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(changes.map((e) => e.subscriptionId)).size).toBe(1);
    expect(changes[0]!.subscriptionId).not.toBe(creation[0]!.subscriptionId);

    expect(sandbox.webhookDeliveries()).toEqual([expect.objectContaining({ attempt: 0, status: 200, events: events.length })]);
  });

  it('splits a 150-contact upsert into deliveries of at most 100 events', async () => {
    sandbox.setWebhookTarget(receiver.url);
    const inputs = Array.from({ length: 150 }, (_, i) => ({ id: `bulk${i}@example.com`, idProperty: 'email', properties: { firstname: `Bulk${i}` } }));
    expect((await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: inputs.slice(0, 100) })).status).toBe(200);
    expect((await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: inputs.slice(100) })).status).toBe(200);
    await sandbox.flushWebhooks();

    const events = allEvents();
    expect(events).toHaveLength(150 * 3);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(5);
    for (const r of receiver.requests) expect(r.events.length).toBeLessThanOrEqual(100);
    expect(events.filter((e) => e.subscriptionType === 'contact.creation')).toHaveLength(150);
    expect(events.filter((e) => e.propertyName === 'firstname')).toHaveLength(150);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('announces only values that actually change', async () => {
    const created = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'same@example.com', firstname: 'Sam', lastname: 'Same' } });
    sandbox.setWebhookTarget(receiver.url);
    const id = created.body.id as string;

    expect((await api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { email: 'SAME@example.com', firstname: 'Sam', lastname: 'Same' } })).status).toBe(200);
    expect((await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: 'same@example.com', idProperty: 'email', properties: { firstname: 'Sam' } }] })).status).toBe(200);
    await sandbox.flushWebhooks();
    expect(receiver.requests).toHaveLength(0);

    expect((await api('PATCH', `/crm/v3/objects/contacts/${id}`, { properties: { firstname: 'Samantha', lastname: 'Same', company: 'Acme' } })).status).toBe(200);
    await sandbox.flushWebhooks();
    expect(allEvents()).toEqual([
      expect.objectContaining({ subscriptionType: 'contact.propertyChange', objectId: Number(id), propertyName: 'firstname', propertyValue: 'Samantha', attemptNumber: 0 }),
    ]);
  });

  it('announces an archive as contact.deletion', async () => {
    const created = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'gone@example.com' } });
    sandbox.setWebhookTarget(receiver.url);
    expect((await api('DELETE', `/crm/v3/objects/contacts/${created.body.id}`)).status).toBe(204);
    await sandbox.flushWebhooks();
    expect(allEvents()).toEqual([expect.objectContaining({ subscriptionType: 'contact.deletion', objectId: Number(created.body.id), changeSource: 'API' })]);
  });

  it('retries a failed delivery with the same events and a growing attemptNumber', async () => {
    sandbox.setWebhookTarget(receiver.url);
    receiver.answers = [500, 500];
    await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'retry@example.com' } });
    await sandbox.flushWebhooks();
    await waitFor(() => receiver.requests.length >= 3);
    await sleep(60);

    expect(receiver.requests).toHaveLength(3);
    const [first, second, third] = receiver.requests.map((r) => r.events);
    expect(first!.map((e) => e.attemptNumber)).toEqual([0, 0]);
    expect(second!.map((e) => e.attemptNumber)).toEqual([1, 1]);
    expect(third!.map((e) => e.attemptNumber)).toEqual([2, 2]);
    const key = (events: WebhookEvent[]) => events.map((e) => `${e.eventId}:${e.occurredAt}:${e.subscriptionId}`);
    expect(key(second!)).toEqual(key(first!));
    expect(key(third!)).toEqual(key(first!));
    // Every attempt is freshly signed.
    for (const r of receiver.requests) {
      const header = (name: string) => r.headers[name.toLowerCase()] as string | undefined;
      expect(verifyHubSpotSignature({ method: 'POST', uri: receiver.url, rawBody: r.rawBody, header }, { clientSecret: SECRET, now: Date.now() }).valid).toBe(true);
    }
    expect(sandbox.webhookDeliveries().map((d) => [d.attempt, d.status])).toEqual([
      [0, 500],
      [1, 500],
      [2, 200],
    ]);
  });

  it('does not retry a delivery answered with 401', async () => {
    sandbox.setWebhookTarget(receiver.url);
    receiver.answers = [401];
    await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'denied@example.com' } });
    await sandbox.flushWebhooks();
    await sleep(150);
    expect(receiver.requests).toHaveLength(1);
    expect(sandbox.webhookDeliveries()).toEqual([expect.objectContaining({ attempt: 0, status: 401 })]);
  });

  it('sets the target and reads the delivery log over the control API', async () => {
    const bad = await fetch(`${sandbox.url}/__sandbox/webhooks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ targetUrl: 'not a url' }) });
    expect(bad.status).toBe(400);

    const on = await fetch(`${sandbox.url}/__sandbox/webhooks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ targetUrl: receiver.url }) });
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ targetUrl: receiver.url });
    await api('POST', '/crm/v3/objects/contacts', { properties: { firstname: 'Http' } });
    await sandbox.flushWebhooks();
    expect(receiver.requests).toHaveLength(1);
    const log = await (await fetch(`${sandbox.url}/__sandbox/webhooks`)).json();
    expect(log).toEqual([expect.objectContaining({ attempt: 0, status: 200, events: 2 })]);

    const off = await fetch(`${sandbox.url}/__sandbox/webhooks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ targetUrl: null }) });
    expect(await off.json()).toEqual({ targetUrl: null });
    await api('POST', '/crm/v3/objects/contacts', { properties: { firstname: 'Silent' } });
    await sandbox.flushWebhooks();
    await sleep(40);
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('hubspot sandbox webhook failures', () => {
  it('retries connection errors up to maxAttempts attempts in all', async () => {
    const gone = await startReceiver();
    await gone.close();
    const sb = await startHubSpotSandbox({
      accessToken: TOKEN,
      seed: false,
      webhooks: { clientSecret: SECRET, targetUrl: gone.url, batchWindowMs: 0, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } },
    });
    try {
      const res = await fetch(`${sb.url}/crm/v3/objects/contacts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ properties: { email: 'nobody@example.com' } }),
      });
      expect(res.status).toBe(201);
      await waitFor(() => sb.webhookDeliveries().length >= 3);
      await sleep(80);
      const log = sb.webhookDeliveries();
      expect(log.map((d) => [d.attempt, d.status])).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
      ]);
      expect(log[0]!.error).toBeTruthy();
    } finally {
      await sb.close();
    }
  });

  it('counts a receiver that does not answer in time as failed and retries it', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const sb = await startHubSpotSandbox({
      accessToken: TOKEN,
      seed: false,
      webhooks: {
        clientSecret: SECRET,
        targetUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`,
        batchWindowMs: 0,
        timeoutMs: 50,
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      },
    });
    try {
      await fetch(`${sb.url}/crm/v3/objects/contacts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ properties: { email: 'slow@example.com' } }),
      });
      await waitFor(() => sb.webhookDeliveries().length >= 2);
      await sleep(60);
      expect(sb.webhookDeliveries().map((d) => [d.attempt, d.status])).toEqual([
        [0, 0],
        [1, 0],
      ]);
      expect(sb.webhookDeliveries()[0]!.error).toMatch(/50 ms/);
    } finally {
      await sb.close();
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('close() cancels pending retries promptly', async () => {
    const slowRetry = await startReceiver();
    slowRetry.answers = [503, 503, 503];
    const sb = await startHubSpotSandbox({
      accessToken: TOKEN,
      seed: false,
      webhooks: { clientSecret: SECRET, targetUrl: slowRetry.url, batchWindowMs: 0, retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } },
    });
    try {
      await fetch(`${sb.url}/crm/v3/objects/contacts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ properties: { email: 'later@example.com' } }),
      });
      await sb.flushWebhooks();
      expect(sb.webhookDeliveries()).toEqual([expect.objectContaining({ attempt: 0, status: 503 })]);
      const started = Date.now();
      await sb.close();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(slowRetry.requests).toHaveLength(1);
    } finally {
      await sb.close();
      await slowRetry.close();
    }
  });
});
