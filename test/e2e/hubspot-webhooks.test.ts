/**
 * HubSpot → platform through the local stack, as a HubSpot user and a caller see it: the HubSpot
 * sandbox sends signed webhook deliveries of contact changes to `POST /webhooks/hubspot`, the
 * hubspot-inbound consumer applies them to leads, and `GET /integrations/hubspot/webhook-status`
 * shows what the consumer counted: every event accepted, once, with its outcome. Everything goes
 * through the stack's HTTP API and the sandbox (its REST API and its test controls); nothing
 * internal is called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { eventKey, HubSpotEventSchema } from '../../functions/connectors/hubspot/webhook-events.js';
import { PORTAL_ID } from '../../lib/local/sandboxes/hubspot/errors.js';
import type { HubSpotSandbox, RecordedRequest } from '../../lib/local/sandboxes/hubspot/index.js';
import { SANDBOX_HUBSPOT_CLIENT_SECRET, SANDBOX_HUBSPOT_TOKEN, startLocalStack, type LocalStack } from '../../lib/local/stack.js';

let stack: LocalStack;
let sandbox: HubSpotSandbox;
let webhookUrl: string;
let run = 0;
const unique = (name: string) => `${name}.${Date.now().toString(36)}.${(run += 1)}@example.com`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The events of the deliveries this file posted itself and the stack accepted (each counted once however often sent). */
const postedEvents = new Set<string>();

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, dataDir: null, schedules: false, logLevel: 'SILENT' });
  sandbox = stack.hubspot.sandbox!;
  webhookUrl = `${stack.apiUrl}/webhooks/hubspot`;
  // Whatever the startup did (setup, seeded contacts) is settled before the first test counts.
  await settle();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

// ---- the platform's API ----

type Json = Record<string, any>;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const getLead = async (leadId: string) => (await api('GET', `/leads/${leadId}`)).body;
const leadsByEmail = async (email: string) => (await api('GET', `/leads?email=${encodeURIComponent(email)}`)).body.leads as Json[];

interface Status {
  enabled: boolean;
  totalReceived: number;
  totalProcessed: number;
  totalSkipped: number;
  skippedByReason: Record<string, number>;
  totalFailed: number;
  lastReceivedAt: string | null;
  events: string[];
  webhookUrl: string;
}

async function webhookStatus(): Promise<Status> {
  const { status, body } = await api('GET', '/integrations/hubspot/webhook-status');
  expect(status).toBe(200);
  return body as Status;
}

/** Polls until `check` returns a value (not undefined), within a deadline. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check().catch((error: unknown) => {
      last = error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(intervalMs);
  }
}

const settled = (s: Status) => s.totalProcessed + s.totalSkipped + s.totalFailed;

/**
 * The distinct events the stack accepted (answered 200 for): the sandbox's deliveries (a delivery
 * it retried after an error counts once, when answered 200) and the ones this file posted.
 */
function acceptedEvents(): number {
  const fromSandbox = sandbox.webhookDeliveries().filter((d) => d.status === 200).reduce((n, d) => n + d.events, 0);
  return fromSandbox + postedEvents.size;
}

/** Messages in the HubSpot events queue, waiting or being processed, as `GET /internal/status` shows them. */
async function eventsQueued(): Promise<number> {
  const { status, body } = await api('GET', '/internal/status');
  expect(status).toBe(200);
  const depth = body.queues['hubspot-events'].queue as { visible: number; inFlight: number; delayed: number };
  return depth.visible + depth.inFlight + depth.delayed;
}

/**
 * The sandbox's pending deliveries are sent, then the consumer has counted every event the stack
 * accepted (the status route counts an event when it is settled or fails for good, not when the
 * webhook route takes it), and the counts hold still. Should they never get there (a bug another
 * test reports), it settles for counts that held still for 3 s with nothing left in the events
 * queue, so one failure does not stall every later test, while a consumer that is still starting
 * (a cold start) or working is waited for.
 */
async function settle(timeoutMs = 60_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  let stableSince = Date.now();
  for (;;) {
    await sandbox.flushWebhooks();
    const accepted = acceptedEvents();
    const status = await webhookStatus();
    const key = JSON.stringify([accepted, status.totalReceived, status.totalProcessed, status.skippedByReason, status.totalFailed]);
    if (key !== previous) {
      previous = key;
      stableSince = Date.now();
    } else {
      const counted = status.totalReceived === accepted;
      if (counted && Date.now() - stableSince >= 300) return status;
      if (Date.now() - stableSince >= 3_000 && (await eventsQueued()) === 0) return status;
    }
    if (Date.now() > deadline) throw new Error(`webhook events still uncounted after ${timeoutMs} ms: [accepted, received, ...] ${key}`);
    await sleep(150);
  }
}

// ---- HubSpot (the sandbox) ----

async function hubspot(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.hubspot.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SANDBOX_HUBSPOT_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

/** A person creates a contact in HubSpot (no origin marker). */
async function personCreatesContact(properties: Record<string, string>): Promise<string> {
  const created = await hubspot('POST', '/crm/v3/objects/contacts', { properties });
  expect(created.status).toBe(201);
  return String(created.body.id);
}

async function personEditsContact(id: string, properties: Record<string, string>): Promise<void> {
  const updated = await hubspot('PATCH', `/crm/v3/objects/contacts/${id}`, { properties });
  expect(updated.status).toBe(200);
}

/** Writes to HubSpot contacts (creates, updates, upserts); reads, searches and merges are not. */
function isContactWrite(r: RecordedRequest): boolean {
  const path = r.path.split('?')[0]!.replace(/\/+$/, '');
  if (r.method === 'PATCH') return /^\/crm\/(?:v3\/objects|objects\/2026-09)\/contacts\/[^/]+$/.test(path);
  if (r.method !== 'POST') return false;
  return /^\/crm\/(?:v3\/objects|objects\/2026-09)\/contacts(?:\/batch\/(upsert|update|create))?$/.test(path);
}
const contactWrites = () => sandbox.requests().filter(isContactWrite).length;

/** A lead for the contact's email shows up (the person's contact became a lead). */
async function leadFor(email: string, check: (lead: Json) => boolean = () => true): Promise<Json> {
  return until(`a lead for ${email}`, async () => {
    const leads = await leadsByEmail(email);
    return leads.length === 1 && check(leads[0]!) ? leads[0] : undefined;
  });
}

// ---- deliveries built by hand (as HubSpot would send them) ----

let nextEventId = 9_000_000;

function contactEvent(subscriptionType: string, objectId: string | number, occurredAt: number, extra: Json = {}): Json {
  return {
    eventId: (nextEventId += 1),
    subscriptionId: subscriptionType === 'contact.creation' ? 2_700_001 : 2_700_002,
    portalId: PORTAL_ID,
    appId: 1,
    occurredAt,
    subscriptionType,
    attemptNumber: 0,
    objectId: Number(objectId),
    changeSource: 'CRM_UI',
    ...extra,
  };
}

async function postDelivery(
  body: string | Buffer,
  options: { timestamp?: number; signature?: string; contentType?: string | null; signed?: boolean } = {},
): Promise<{ status: number; text: string }> {
  const timestamp = String(options.timestamp ?? Date.now());
  const headers: Record<string, string> = {};
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  if (options.signed ?? true) {
    headers['x-hubspot-request-timestamp'] = timestamp;
    headers['x-hubspot-signature-v3'] = options.signature ?? signV3(SANDBOX_HUBSPOT_CLIENT_SECRET, 'POST', webhookUrl, body, timestamp);
  }
  const response = await fetch(webhookUrl, { method: 'POST', headers, body });
  if (response.status === 200) {
    for (const event of JSON.parse(body.toString()) as unknown[]) postedEvents.add(eventKey(HubSpotEventSchema.parse(event)));
  }
  return { status: response.status, text: await response.text() };
}

/** Runs `act` with the sandbox's deliveries off, so its changes announce nothing by themselves. */
async function withoutWebhooks<T>(act: () => Promise<T>): Promise<T> {
  await sandbox.flushWebhooks();
  sandbox.setWebhookTarget(null);
  try {
    return await act();
  } finally {
    sandbox.setWebhookTarget(webhookUrl);
  }
}

// ---- the tests ----

// A test settles several times, each up to settle()'s deadline.
describe('HubSpot webhooks → leads (local stack, sandbox deliveries)', { timeout: 120_000 }, () => {
  it('a platform lead written to HubSpot comes back as an echo: one contact write, one lead, events skipped as echo', async () => {
    // Prepare
    const before = await settle();
    const writesBefore = contactWrites();
    const deliveriesBefore = sandbox.webhookDeliveries().length;
    const email = unique('echo');
    // Act
    const accepted = await api('POST', '/leads', { email, firstName: 'Eco', lastName: 'Back', phone: '+34600000001' });
    expect(accepted.status).toBe(202);
    const lead = await until('the lead SYNCED', async () => {
      const l = await getLead(accepted.body.leadId);
      return l.hubspot?.syncStatus === 'SYNCED' ? l : undefined;
    });
    // The sandbox announces the platform's own write; the stack takes the delivery and settles it.
    await until('the sandbox to deliver the contact change', async () => {
      await sandbox.flushWebhooks();
      return sandbox.webhookDeliveries().length > deliveriesBefore ? true : undefined;
    });
    const after = await settle();
    await sleep(1_500); // any write-back would be queued by now (lead-sync batching window is 1-2 s)
    const final = await settle();
    // Assess
    const deliveries = sandbox.webhookDeliveries().slice(deliveriesBefore);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    const delivered = deliveries.reduce((n, d) => n + d.events, 0);
    expect(delivered).toBeGreaterThanOrEqual(2); // contact.creation + the property changes
    expect(contactWrites() - writesBefore).toBe(1);
    expect(await leadsByEmail(email)).toHaveLength(1);
    expect(after.totalReceived - before.totalReceived).toBe(delivered);
    expect((after.skippedByReason.echo ?? 0) - (before.skippedByReason.echo ?? 0)).toBe(delivered);
    expect(after.totalProcessed).toBe(before.totalProcessed);
    expect(final).toMatchObject({ totalReceived: after.totalReceived, totalProcessed: after.totalProcessed });
    const reread = await getLead(lead.leadId);
    expect(reread.hubspot).toMatchObject({ id: lead.hubspot.id, syncStatus: 'SYNCED', attempts: 1 });
    expect(reread.crmMetadata).toMatchObject({ sourceSystem: 'platform', lastSyncDirection: 'to_crm', syncVersion: lead.crmMetadata.syncVersion });
  });

  it('a contact a person creates in HubSpot becomes a lead within seconds', async () => {
    // Prepare
    await settle();
    const email = unique('person.created');
    const startedAt = Date.now();
    // Act
    const contactId = await personCreatesContact({ email, firstname: 'Paula', lastname: 'Persona', phone: '+34600000002' });
    // Assess
    const lead = await leadFor(email);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(lead).toMatchObject({ email, firstName: 'Paula', lastName: 'Persona', phone: '+34600000002' });
    expect(lead.hubspot).toMatchObject({ id: contactId, syncStatus: 'SYNCED' });
    expect(lead.crmMetadata).toMatchObject({ sourceSystem: 'hubspot', lastSyncDirection: 'from_crm' });
    // The platform writes nothing back for a lead HubSpot gave it.
    const writes = contactWrites();
    await sleep(1_500);
    await settle();
    expect(contactWrites()).toBe(writes);
    expect(sandbox.contacts().filter((c) => c.properties.email === email)).toHaveLength(1);
  });

  it("a person's edit in HubSpot of a platform lead's contact reaches the lead and is not written back", async () => {
    // Prepare: a platform lead, synced, its echo settled.
    const email = unique('edited');
    const accepted = await api('POST', '/leads', { email, firstName: 'Before', lastName: 'Edit' });
    const synced = await until('the lead SYNCED', async () => {
      const l = await getLead(accepted.body.leadId);
      return l.hubspot?.syncStatus === 'SYNCED' ? l : undefined;
    });
    await settle();
    const writes = contactWrites();
    // Act
    await personEditsContact(synced.hubspot.id, { firstname: 'After' });
    // Assess
    const edited = await until('the edit on the lead', async () => {
      const l = await getLead(accepted.body.leadId);
      return l.firstName === 'After' ? l : undefined;
    });
    expect(edited).toMatchObject({ email, firstName: 'After', lastName: 'Edit' });
    expect(edited.hubspot).toMatchObject({ id: synced.hubspot.id, syncStatus: 'SYNCED' });
    expect(edited.crmMetadata).toMatchObject({ sourceSystem: 'platform', lastSyncDirection: 'from_crm' });
    await sleep(1_500);
    await settle();
    expect(contactWrites()).toBe(writes + 1); // the person's PATCH, nothing from the platform
    expect(sandbox.contacts().find((c) => c.id === synced.hubspot.id)?.properties.firstname).toBe('After');
    expect((await getLead(accepted.body.leadId)).firstName).toBe('After');
  });

  it('a delivery HubSpot sends twice makes one lead and its events are counted once', async () => {
    // Prepare: a person's contact whose creation the sandbox did not announce.
    const email = unique('twice');
    const contactId = await withoutWebhooks(() => personCreatesContact({ email, firstname: 'Twice' }));
    const before = await settle();
    const at = Date.now();
    const body = JSON.stringify([
      contactEvent('contact.creation', contactId, at, { changeFlag: 'NEW' }),
      contactEvent('contact.propertyChange', contactId, at, { propertyName: 'email', propertyValue: email }),
    ]);
    // Act
    const first = await postDelivery(body);
    const second = await postDelivery(body);
    // Assess
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const lead = await leadFor(email);
    expect(lead.hubspot.id).toBe(contactId);
    const after = await settle();
    await sleep(1_500); // the second copy, had it been counted, would be by now
    const final = await settle();
    expect(await leadsByEmail(email)).toHaveLength(1);
    expect(after.totalReceived - before.totalReceived).toBe(2);
    expect(after.totalProcessed - before.totalProcessed).toBe(2);
    expect(final).toMatchObject({ totalReceived: after.totalReceived, totalProcessed: after.totalProcessed });
    expect(after.totalSkipped - before.totalSkipped).toBe(0);
    expect(after.totalFailed - before.totalFailed).toBe(0);
  });

  it('events of a portal the stack does not serve, or of types it does not handle, are accepted and counted skipped, with no HubSpot call', async () => {
    // Prepare
    const before = await settle();
    const hubspotCallsBefore = sandbox.requests().length;
    const at = Date.now();
    const body = JSON.stringify([
      contactEvent('contact.creation', 555_000_001, at, { portalId: PORTAL_ID + 1, changeFlag: 'NEW' }),
      contactEvent('deal.creation', 555_000_002, at, { objectTypeId: '0-3' }),
      contactEvent('contact.associationChange', 555_000_003, at, { associationType: 'CONTACT_TO_COMPANY' }),
    ]);
    // Act
    const response = await postDelivery(body);
    // Assess: HubSpot gets its 200 (nothing to retry), and the consumer counts each event skipped.
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ received: 3 });
    const after = await settle();
    const skippedDelta = (reason: string) => (after.skippedByReason[reason] ?? 0) - (before.skippedByReason[reason] ?? 0);
    expect(after.totalReceived - before.totalReceived).toBe(3);
    expect(skippedDelta('unknown_portal')).toBe(1);
    expect(skippedDelta('unsupported_event')).toBe(2);
    expect(after.totalSkipped - before.totalSkipped).toBe(3);
    expect(after.totalProcessed).toBe(before.totalProcessed);
    expect(after.totalFailed).toBe(before.totalFailed);
    expect(sandbox.requests().length).toBe(hubspotCallsBefore);
    expect(Date.parse(after.lastReceivedAt!)).toBeGreaterThanOrEqual(at - 1_000);
  });

  it('property changes delivered out of order leave the lead with the newest value', async () => {
    // Prepare: a person's contact that became a lead, then edited twice while deliveries were off.
    const email = unique('order');
    const contactId = await personCreatesContact({ email, firstname: 'Original' });
    await leadFor(email);
    await settle();
    const [older, newer] = await withoutWebhooks(async () => {
      await personEditsContact(contactId, { firstname: 'Older' });
      const t1 = Date.now();
      await sleep(20);
      await personEditsContact(contactId, { firstname: 'Newest' });
      return [t1, Date.now()];
    });
    // Act: the newer change arrives first and is applied; the older one arrives after it.
    const late = await postDelivery(JSON.stringify([contactEvent('contact.propertyChange', contactId, newer, { propertyName: 'firstname', propertyValue: 'Newest' })]));
    expect(late.status).toBe(200);
    const applied = await leadFor(email, (l) => l.firstName === 'Newest');
    const before = await settle();
    const early = await postDelivery(JSON.stringify([contactEvent('contact.propertyChange', contactId, older, { propertyName: 'firstname', propertyValue: 'Older' })]));
    expect(early.status).toBe(200);
    // Assess
    const after = await settle();
    expect(after.totalReceived - before.totalReceived).toBe(1);
    expect(after.totalProcessed).toBe(before.totalProcessed); // the stale event changed nothing
    const [lead] = await leadsByEmail(email);
    expect(lead).toMatchObject({ firstName: 'Newest', updatedAt: applied.updatedAt, hubspot: { id: contactId, syncStatus: 'SYNCED' } });
    expect(sandbox.contacts().find((c) => c.id === contactId)?.properties.firstname).toBe('Newest');
  });

  it('a deleted contact unlinks its lead, which a restore relinks', async () => {
    // Prepare
    const email = unique('deleted');
    const contactId = await personCreatesContact({ email, firstname: 'Dora' });
    const lead = await leadFor(email);
    await settle();
    // Act: the person deletes the contact.
    expect((await hubspot('DELETE', `/crm/v3/objects/contacts/${contactId}`)).status).toBe(204);
    // Assess
    const unlinked = await until('the lead UNLINKED', async () => {
      const l = await getLead(lead.leadId);
      return l.hubspot.syncStatus === 'UNLINKED' ? l : undefined;
    });
    expect(unlinked).toMatchObject({ leadId: lead.leadId, email, firstName: 'Dora', hubspot: { id: null } });
    await settle();
    // Act: the person restores it from the recycle bin.
    expect((await hubspot('POST', `/__sandbox/contacts/${contactId}/restore`)).status).toBe(200);
    // Assess
    const relinked = await until('the lead SYNCED again', async () => {
      const l = await getLead(lead.leadId);
      return l.hubspot.syncStatus === 'SYNCED' ? l : undefined;
    });
    expect(relinked).toMatchObject({ email, firstName: 'Dora', hubspot: { id: contactId } });
    await settle();
    expect(await leadsByEmail(email)).toHaveLength(1);
    expect(sandbox.contacts().filter((c) => c.properties.email === email && !c.archived)).toHaveLength(1);
  });

  it("a merge points the merged contact's lead at the surviving contact", async () => {
    // Prepare: two people's contacts, each a lead.
    const emailA = unique('merge.primary');
    const emailB = unique('merge.merged');
    const primary = await personCreatesContact({ email: emailA, firstname: 'Prima' });
    const merged = await personCreatesContact({ email: emailB, firstname: 'Secunda', phone: '+34600000009' });
    const leadA = await leadFor(emailA);
    const leadB = await leadFor(emailB);
    await settle();
    // Act
    const merge = await hubspot('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: primary, objectIdToMerge: merged });
    expect(merge.status).toBe(200);
    // Assess
    const repointed = await until('the merged lead on the survivor', async () => {
      const l = await getLead(leadB.leadId);
      return l.hubspot.id === primary ? l : undefined;
    });
    expect(repointed.hubspot.syncStatus).toBe('SYNCED');
    await settle();
    expect((await getLead(leadA.leadId)).hubspot).toMatchObject({ id: primary, syncStatus: 'SYNCED' });
    expect((await getLead(leadB.leadId)).hubspot).toMatchObject({ id: primary, syncStatus: 'SYNCED' });
    // No lead was made for the survivor, and none still points at the contact that is gone.
    const total = [...(await leadsByEmail(emailA)), ...(await leadsByEmail(emailB))];
    expect(new Set(total.map((l) => l.leadId))).toEqual(new Set([leadA.leadId, leadB.leadId]));
    expect(total.every((l) => l.hubspot.id === primary)).toBe(true);
  });

  it("a GDPR deletion in HubSpot erases the person's data from the lead and keeps the lead", async () => {
    // Prepare
    const email = unique('gdpr');
    const contactId = await personCreatesContact({ email, firstname: 'Greta', lastname: 'Private', phone: '+34600000003' });
    const lead = await leadFor(email);
    await settle();
    // Act
    expect((await hubspot('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: contactId })).status).toBe(204);
    // Assess
    const erased = await until('the lead erased', async () => {
      const l = await getLead(lead.leadId);
      return l.erasedAt ? l : undefined;
    });
    expect(erased).toMatchObject({
      leadId: lead.leadId,
      email: null,
      firstName: null,
      lastName: null,
      phone: null,
      erasedAt: expect.any(String),
      hubspot: { id: null, syncStatus: 'UNLINKED' },
    });
    await settle();
    expect(await leadsByEmail(email)).toEqual([]);
    expect((await api('GET', `/leads/${lead.leadId}`)).status).toBe(200);
  });
});

describe('POST /webhooks/hubspot refuses bad input with a 4xx and queues nothing', () => {
  const validEvents = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => contactEvent('contact.creation', 990_000_000 + i, Date.now())));

  type Sent = { status: number; text: string };
  const cases: Array<{ name: string; send: () => Promise<Sent>; status: number }> = [
    { name: 'no signature', send: () => postDelivery(validEvents(1), { signed: false }), status: 401 },
    { name: 'forged signature (wrong secret)', send: () => forged(validEvents(1), 'not-the-secret'), status: 401 },
    { name: 'signature of another body', send: () => forged(validEvents(1), SANDBOX_HUBSPOT_CLIENT_SECRET, '[]'), status: 401 },
    { name: 'stale timestamp (10 minutes old)', send: () => postDelivery(validEvents(1), { timestamp: Date.now() - 10 * 60_000 }), status: 401 },
    { name: 'empty body', send: () => postDelivery(''), status: 400 },
    { name: 'not JSON', send: () => postDelivery('this is not json'), status: 400 },
    { name: 'an object, not an array', send: () => postDelivery(JSON.stringify(JSON.parse(validEvents(1))[0])), status: 400 },
    { name: 'an empty array', send: () => postDelivery('[]'), status: 400 },
    { name: '101 events', send: () => postDelivery(validEvents(101)), status: 400 },
    { name: 'wrong content type', send: () => postDelivery(validEvents(1), { contentType: 'text/plain' }), status: 415 },
    { name: '1.5 MB body', send: () => postDelivery(`[${' '.repeat(1.5 * 1024 * 1024)}]`), status: 413 },
  ];

  /** Signed with a timestamp in range, but with the wrong secret or over another body. */
  function forged(body: string, secret: string, signedBody: string = body): Promise<Sent> {
    const timestamp = Date.now();
    return postDelivery(body, { timestamp, signature: signV3(secret, 'POST', webhookUrl, signedBody, String(timestamp)) });
  }

  let atStart: Status;

  it.each(cases)('$name → $status', async ({ send, status: expected }) => {
    const before = await settle();
    atStart ??= before;
    const deliveries = sandbox.webhookDeliveries().length;
    const response = await send();
    expect(response.status).toBe(expected);
    expect(response.status).toBeLessThan(500);
    if (response.text) expect((JSON.parse(response.text) as Json).error?.code).toEqual(expect.any(String));
    const after = await webhookStatus();
    expect(after.totalReceived).toBe(before.totalReceived);
    expect(after.lastReceivedAt).toBe(before.lastReceivedAt);
    expect(sandbox.webhookDeliveries().length).toBe(deliveries);
  });

  it('none of them is counted, once the consumer had time to count anything queued', async () => {
    await sleep(2_500); // over two batching windows of the consumer
    const after = await settle();
    expect(after).toMatchObject({ totalReceived: atStart.totalReceived, totalSkipped: atStart.totalSkipped, lastReceivedAt: atStart.lastReceivedAt });
    expect(after.totalReceived).toBe(acceptedEvents());
  });
});

describe('GET /integrations/hubspot/webhook-status', () => {
  it('shows the webhook enabled, its URL, its events and when the last delivery came', async () => {
    const status = await settle();
    expect(status).toEqual({
      enabled: true,
      // Asked of the sandbox's account details: the stack names no portal.
      portalId: String(PORTAL_ID),
      totalReceived: expect.any(Number),
      totalProcessed: expect.any(Number),
      totalSkipped: expect.any(Number),
      skippedByReason: expect.any(Object),
      totalFailed: expect.any(Number),
      lastReceivedAt: expect.any(String),
      events: expect.arrayContaining(['contact.creation', 'contact.propertyChange', 'contact.deletion']),
      webhookUrl: `${stack.apiUrl}/webhooks/hubspot`,
      // The portal's daily API quota as the flows last saw it (issue 13 §3).
      dailyQuota: { limit: expect.any(Number), remaining: expect.any(Number), observedAt: expect.any(String) },
    });
    expect(status.totalReceived).toBeGreaterThan(0);
    expect(status.totalProcessed).toBeGreaterThan(0);
    expect(status.totalSkipped).toBe(Object.values(status.skippedByReason).reduce((a, b) => a + b, 0));
    expect(status.totalFailed).toBe(0);
    // Every event the stack accepted counted received once, each with one outcome.
    expect(status.totalReceived).toBe(acceptedEvents());
    expect(settled(status)).toBe(status.totalReceived);
    expect(Date.now() - Date.parse(status.lastReceivedAt!)).toBeLessThan(5 * 60_000);
  });
});
