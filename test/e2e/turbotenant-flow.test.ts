/**
 * TurboTenant → HubSpot (and Stripe) through the local stack, as TurboTenant, a HubSpot user and
 * a caller see it (issue 4, seed 000): the TurboTenant sandbox's signed events of its changes, and
 * events this file signs itself, go to `POST /events/turbotenant`; `GET /events/turbotenant/{id}`
 * shows the seed's confirmation; the HubSpot and Stripe sandboxes show what was written. Only the
 * stack's HTTP API and the sandboxes' handles are used; nothing internal is called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import type { HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import type { StripeSandbox } from '../../lib/local/sandboxes/stripe/index.js';
import type { Property, TurboTenantSandbox } from '../../lib/local/sandboxes/turbotenant/index.js';
import { SANDBOX_TURBOTENANT_WEBHOOK_SECRET, startLocalStack, type LocalStack } from '../../lib/local/stack.js';

let stack: LocalStack;
let turbotenant: TurboTenantSandbox;
let hubspot: HubSpotSandbox;
let stripe: StripeSandbox;
let run = 0;
const runId = Date.now().toString(36);
const uniqueId = (prefix: string) => `${prefix}_${runId}_${(run += 1)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seed 000's metadata block, which the sandbox sends with its events. */
const SEED_METADATA = {
  utm_source: 'connectlinx',
  utm_medium: 'form',
  utm_campaign: 'landlord_property_onboarding',
  platform_source: 'viviaturbo.live',
};

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'SILENT',
    stripe: { sandbox: true },
    // The TurboTenant flow alone: HubSpot's webhook echoes of the contacts written here would add
    // requests to the counts asserted below.
    hubspot: { webhooks: false },
  });
  turbotenant = stack.turbotenant.sandbox!;
  hubspot = stack.hubspot.sandbox!;
  stripe = stack.stripe.sandbox;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

// ---- the stack's API ----

type Json = Record<string, any>;

async function api(method: string, path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.apiUrl}${path}`, { method });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

interface PostOptions {
  /** Default: the stack's secret. */
  readonly secret?: string;
  /** The signing clock (default now). */
  readonly nowMs?: number;
  /** false: no signature headers at all. */
  readonly signed?: boolean;
  readonly contentType?: string;
  /** Sign this instead of the body sent (a tampered body). */
  readonly signedBody?: string;
}

/** POSTs an event as TurboTenant would: the raw body, signed with HMAC-SHA256 over `timestamp.body`. */
async function postEvent(body: unknown, options: PostOptions = {}): Promise<{ status: number; body: Json }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature =
    options.signed === false
      ? {}
      : turboTenantSignatureHeaders(options.secret ?? SANDBOX_TURBOTENANT_WEBHOOK_SECRET, options.signedBody ?? raw, options.nowMs ?? Date.now());
  const response = await fetch(`${stack.apiUrl}/events/turbotenant`, {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json', ...signature },
    body: raw,
  });
  const text = await response.text();
  let parsed: Json = {};
  try {
    parsed = text ? (JSON.parse(text) as Json) : {};
  } catch {
    parsed = { unparsable: text };
  }
  return { status: response.status, body: parsed };
}

/** An event of the contract's shape; `overrides` replace top-level fields. */
function eventBody(overrides: Json & { property_id: string; landlord_id: string }): Json {
  return {
    event_id: uniqueId('evt_e2e'),
    event_type: 'property_updated',
    occurred_at: new Date().toISOString(),
    metadata: { ...SEED_METADATA },
    ...overrides,
  };
}

const confirmation = (eventId: string) => api('GET', `/events/turbotenant/${encodeURIComponent(eventId)}`);

/** Polls until `check` returns a value (not undefined), within a deadline. */
async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch((error: unknown) => {
        last = error;
        return undefined;
      });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(intervalMs);
  }
}

/** The event's confirmation once it is no longer pending. */
async function settledConfirmation(eventId: string, timeoutMs = 20_000): Promise<Json> {
  return until(
    `the confirmation of ${eventId}`,
    async () => {
      const { status, body } = await confirmation(eventId);
      return status === 200 && body.status !== 'pending' ? body : undefined;
    },
    timeoutMs,
  );
}

// ---- the sandboxes ----

/** Changes the TurboTenant sandbox and returns the events it delivered for the change (each answered 202). */
async function viaTurboTenant<T>(change: () => T): Promise<{ result: T; eventIds: string[] }> {
  const before = turbotenant.eventDeliveries().length;
  const result = change();
  await turbotenant.flushEvents();
  const deliveries = turbotenant.eventDeliveries().slice(before);
  expect(deliveries.every((d) => d.status === 202)).toBe(true);
  return { result, eventIds: deliveries.map((d) => d.eventId) };
}

/** A new property of `landlordId`, created in TurboTenant; its event synced. */
async function createSyncedProperty(landlordId: string, rent = 1875): Promise<{ property: Property; eventId: string; confirmation: Json }> {
  const before = turbotenant.eventDeliveries().length;
  const property = turbotenant.upsertProperty({
    landlord_id: landlordId,
    title: `2BR Loft on Congress Ave ${uniqueId('t')}`,
    type: 'apartment',
    rent,
    address: { street: '1201 Congress Ave, Apt 4B', city: 'Austin', state: 'TX', zip: '78701' },
  });
  await turbotenant.flushEvents();
  const deliveries = turbotenant.eventDeliveries().slice(before);
  expect(deliveries.map((d) => [d.eventType, d.status])).toEqual([['property_created', 202]]);
  const eventId = deliveries[0]!.eventId;
  const settled = await settledConfirmation(eventId);
  expect(settled).toMatchObject({ status: 'success', property_id: property.id });
  return { property, eventId, confirmation: settled };
}

const landlord = (id: string) => turbotenant.landlords().find((l) => l.id === id)!;
const contactsByEmail = (email: string) => hubspot.contacts().filter((c) => !c.archived && c.properties.email === email.trim().toLowerCase());
const dealsOf = (propertyId: string) => hubspot.deals().filter((d) => !d.archived && d.properties.turbotenant_property_id === propertyId);
const contactDealLinks = (contactId: string, dealId: string) =>
  hubspot.associations().filter((a) => a.fromObjectType === 'contacts' && a.fromObjectId === contactId && a.toObjectType === 'deals' && a.toObjectId === dealId);

/** HubSpot calls to the objects this flow writes (contacts, deals, associations). */
const CRM_PATH = /^\/crm\/(v\d+\/(objects\/(contacts|deals)|associations)|objects\/2026-09\/(contacts|deals)|associations\/2026-09)(\/|$)/;
const crmRequests = () => hubspot.requests().filter((r) => CRM_PATH.test(r.path));

// ---- the flow ----

describe('TurboTenant property → HubSpot landlord contact and deal', () => {
  it('a property created in TurboTenant becomes a success confirmation, the landlord contact with every mapped field, and one deal associated with it', async () => {
    // Prepare: Rosa's email has capitals in TurboTenant, as people type them.
    const owner = landlord('LL_1002');
    // Act
    const { property, eventId, confirmation: done } = await createSyncedProperty(owner.id, 1875);
    // Assess: the seed's confirmation.
    expect(done).toEqual({
      status: 'success',
      hubspot_contact_id: expect.any(String),
      hubspot_deal_id: expect.any(String),
      property_id: property.id,
      synced_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    // The landlord's contact, once, with every row of seed 000's table.
    const contacts = contactsByEmail(owner.email);
    expect(contacts).toHaveLength(1);
    const contact = contacts[0]!;
    expect(contact.id).toBe(done.hubspot_contact_id);
    const occurredAt = turbotenant.eventDeliveries().find((d) => d.eventId === eventId)!.at;
    expect(contact.properties).toMatchObject({
      email: owner.email.toLowerCase(),
      phone: owner.phone,
      firstname: owner.first_name,
      lastname: owner.last_name,
      property_title: property.title,
      property_type: 'apartment',
      monthly_rent: '1875',
      address: '1201 Congress Ave, Apt 4B',
      city: 'Austin',
      state: 'TX',
      zip: '78701',
      lead_source: 'connectlinx',
      utm_medium: 'form',
      utm_campaign: 'landlord_property_onboarding',
      platform_source: 'viviaturbo.live',
      lead_source_system: 'turbotenant',
    });
    // created_date is the event's day (a HubSpot date property: YYYY-MM-DD or midnight UTC in ms).
    const createdDate = contact.properties.created_date ?? '';
    const day = new Date(occurredAt).toISOString().slice(0, 10);
    expect([day, String(Date.parse(`${day}T00:00:00Z`))]).toContain(createdDate);
    // One deal: name from the title, amount from the rent, associated with the landlord.
    const deals = dealsOf(property.id);
    expect(deals).toHaveLength(1);
    expect(deals[0]!.id).toBe(done.hubspot_deal_id);
    expect(deals[0]!.properties).toMatchObject({ dealname: property.title });
    expect(Number(deals[0]!.properties.amount)).toBe(1875);
    expect(contactDealLinks(contact.id, deals[0]!.id)).toHaveLength(1);
    // The mapping table knows property → deal.
    const mapping = await api('GET', `/mappings/turbotenant/property/${property.id}`);
    expect(mapping.status).toBe(200);
    expect(mapping.body).toEqual({
      system: 'turbotenant',
      type: 'property',
      sourceId: property.id,
      hubspotType: 'deals',
      hubspotId: done.hubspot_deal_id,
      syncHash: expect.any(String),
      lastSyncedAt: expect.any(String),
    });
  });

  it('property_updated (a new rent) updates the same deal and the contact; an older event arriving late changes nothing', async () => {
    // Prepare
    const owner = landlord('LL_1003');
    const { property, confirmation: created } = await createSyncedProperty(owner.id, 1600);
    // Act
    const { eventIds } = await viaTurboTenant(() => turbotenant.upsertProperty({ id: property.id, rent: 1725 }));
    // Assess
    expect(eventIds).toHaveLength(1);
    const updated = await settledConfirmation(eventIds[0]!);
    expect(updated).toMatchObject({ status: 'success', property_id: property.id, hubspot_deal_id: created.hubspot_deal_id, hubspot_contact_id: created.hubspot_contact_id });
    const deals = dealsOf(property.id);
    expect(deals).toHaveLength(1);
    expect(deals[0]!.id).toBe(created.hubspot_deal_id);
    expect(Number(deals[0]!.properties.amount)).toBe(1725);
    expect(contactsByEmail(owner.email)[0]!.properties.monthly_rent).toBe('1725');

    // Out of order: an update stamped before the create arrives last. The sync reads TurboTenant's
    // current property, so HubSpot keeps the new rent.
    const late = eventBody({ landlord_id: owner.id, property_id: property.id, occurred_at: new Date(Date.now() - 3_600_000).toISOString() });
    expect((await postEvent(late)).status).toBe(202);
    expect(await settledConfirmation(late.event_id)).toMatchObject({ status: 'success', hubspot_deal_id: created.hubspot_deal_id });
    expect(dealsOf(property.id)).toHaveLength(1);
    expect(Number(dealsOf(property.id)[0]!.properties.amount)).toBe(1725);
  });

  it('the same event posted twice is accepted twice (202) and has one effect: one deal, one association, one confirmation', async () => {
    // Prepare: a seeded property (no deal yet), its event signed here.
    const owner = landlord('LL_1005');
    const event = eventBody({ event_type: 'property_created', landlord_id: owner.id, property_id: 'PROP_1005' });
    // Act: TurboTenant retries before the first delivery was processed.
    const [first, second] = await Promise.all([postEvent(event), postEvent(event)]);
    // Assess
    expect(first).toEqual({ status: 202, body: { status: 'accepted', event_id: event.event_id } });
    expect(second).toEqual({ status: 202, body: { status: 'accepted', event_id: event.event_id } });
    const done = await settledConfirmation(event.event_id);
    expect(done).toMatchObject({ status: 'success', property_id: 'PROP_1005' });
    expect(dealsOf('PROP_1005')).toHaveLength(1);
    expect(contactsByEmail(owner.email)).toHaveLength(1);
    expect(contactDealLinks(done.hubspot_contact_id, done.hubspot_deal_id)).toHaveLength(1);

    // Once settled, a third delivery of it is accepted and does nothing at all; the confirmation
    // stays the one the first settlement wrote.
    await sleep(3_000);
    expect((await confirmation(event.event_id)).body).toEqual(done);
    const callsBefore = crmRequests().length;
    const third = await postEvent(event);
    expect(third).toEqual({ status: 202, body: { status: 'accepted', event_id: event.event_id } });
    await sleep(3_000);
    expect((await confirmation(event.event_id)).body).toEqual(done);
    expect(crmRequests().length).toBe(callsBefore);
    expect(dealsOf('PROP_1005')).toHaveLength(1);
  });

  it('property_updated for a property HubSpot never saw creates its deal', async () => {
    // Prepare: a seeded property; its property_created was never sent.
    const owner = landlord('LL_1008');
    const property = turbotenant.properties().find((p) => p.id === 'PROP_1008')!;
    expect(dealsOf(property.id)).toHaveLength(0);
    const event = eventBody({ event_type: 'property_updated', landlord_id: owner.id, property_id: property.id });
    // Act
    expect((await postEvent(event)).status).toBe(202);
    // Assess
    const done = await settledConfirmation(event.event_id);
    expect(done).toMatchObject({ status: 'success', property_id: property.id });
    const deals = dealsOf(property.id);
    expect(deals).toHaveLength(1);
    expect(deals[0]!.id).toBe(done.hubspot_deal_id);
    expect(deals[0]!.properties.dealname).toBe(property.title);
    expect(Number(deals[0]!.properties.amount)).toBe(property.rent);
    expect(contactDealLinks(done.hubspot_contact_id, done.hubspot_deal_id)).toHaveLength(1);
  });

  it("lead_created adds the lead's contact, associated with the property's deal, and leaves the landlord's contact as it was", async () => {
    // Prepare
    const owner = landlord('LL_1006');
    const { property, confirmation: created } = await createSyncedProperty(owner.id, 2050);
    const landlordBefore = contactsByEmail(owner.email)[0]!;
    const leadEmail = `Jordan.Tenant.${uniqueId('lead')}@Example.com`;
    // Act
    const { eventIds } = await viaTurboTenant(() =>
      turbotenant.createLead({ property_id: property.id, email: leadEmail, first_name: 'Jordan', last_name: 'Reyes', phone: '(512) 555-0199', message: 'Is parking included?' }),
    );
    // Assess
    expect(eventIds).toHaveLength(1);
    const done = await settledConfirmation(eventIds[0]!);
    expect(done).toMatchObject({ status: 'success', property_id: property.id, hubspot_deal_id: created.hubspot_deal_id });
    const leads = contactsByEmail(leadEmail);
    expect(leads).toHaveLength(1);
    const lead = leads[0]!;
    expect(lead.properties).toMatchObject({
      email: leadEmail.toLowerCase(),
      firstname: 'Jordan',
      lastname: 'Reyes',
      phone: '(512) 555-0199',
      lead_source_system: 'turbotenant',
    });
    // The lead is a tenant: none of the landlord's property fields are put on them.
    expect(lead.properties.property_title ?? null).toBeNull();
    expect(lead.properties.monthly_rent ?? null).toBeNull();
    expect(contactDealLinks(lead.id, created.hubspot_deal_id)).toHaveLength(1);
    expect(dealsOf(property.id)).toHaveLength(1);
    // The landlord: still one contact, unchanged, still linked to the deal.
    const landlordAfter = contactsByEmail(owner.email);
    expect(landlordAfter).toHaveLength(1);
    expect(landlordAfter[0]).toEqual(landlordBefore);
    expect(contactDealLinks(landlordBefore.id, created.hubspot_deal_id)).toHaveLength(1);
  });

  it.each([
    ['a property TurboTenant does not have', 'LL_1011', 'PROP_404', /PROP_404/],
    ['a landlord TurboTenant does not have', 'LL_404', 'PROP_1012', /LL_404/],
  ])('an event for %s fails with a confirmation naming it, and writes nothing to HubSpot', async (_what, landlordId, propertyId, named) => {
    // Prepare
    const callsBefore = crmRequests().length;
    const contactsBefore = hubspot.contacts().length;
    const event = eventBody({ event_type: 'property_created', landlord_id: landlordId, property_id: propertyId });
    // Act
    expect((await postEvent(event)).status).toBe(202);
    // Assess
    const done = await settledConfirmation(event.event_id);
    expect(done).toEqual({ status: 'error', message: expect.stringMatching(named) });
    expect(crmRequests().length).toBe(callsBefore);
    expect(hubspot.contacts().length).toBe(contactsBefore);
    expect(dealsOf(propertyId)).toHaveLength(0);
    expect((await api('GET', `/mappings/turbotenant/property/${propertyId}`)).status).toBe(404);
  });
});

describe('Stripe customer metadata (seed step 5)', () => {
  it("sets the seed's metadata block on the landlord's Stripe customer, and nothing else the event carried", async () => {
    // Prepare: Aisha pays through Stripe; her customer has a key of its own.
    const owner = landlord('LL_1004');
    expect(owner.stripe_customer_id).toBeTruthy();
    const customerId = owner.stripe_customer_id!;
    const before = stripe.customers().find((c) => c.id === customerId)!;
    const tenantEmail = `tenant.${uniqueId('x')}@example.com`;
    const event = eventBody({
      event_type: 'property_updated',
      landlord_id: owner.id,
      property_id: 'PROP_1004',
      metadata: {
        ...SEED_METADATA,
        utm_campaign: 'spring_relisting',
        managed_by: 'Westside Property Management',
        // Tenant data sent by mistake: must never reach shared metadata.
        tenant_email: tenantEmail,
        tenant_name: 'Jordan Reyes',
      },
    });
    // Act
    expect((await postEvent(event)).status).toBe(202);
    const done = await settledConfirmation(event.event_id);
    expect(done).toMatchObject({ status: 'success', property_id: 'PROP_1004' });
    // Assess
    const customer = await until('the Stripe customer metadata', () => {
      const c = stripe.customers().find((x) => x.id === customerId)!;
      return c.metadata.turbotenant_listing_id ? c : undefined;
    });
    const added = Object.keys(customer.metadata).filter((k) => !(k in before.metadata));
    expect(added.sort()).toEqual(
      ['hubspot_contact_id', 'onboarding_stage', 'platform_source', 'turbotenant_listing_id', 'utm_campaign', 'utm_medium', 'utm_source'].sort(),
    );
    expect(customer.metadata).toEqual({
      ...before.metadata,
      hubspot_contact_id: done.hubspot_contact_id,
      turbotenant_listing_id: 'PROP_1004',
      platform_source: 'viviaturbo.live',
      utm_source: 'connectlinx',
      utm_medium: 'form',
      utm_campaign: 'spring_relisting',
      onboarding_stage: 'verified',
    });
    const sent = stripe.requests().flatMap((r) => Object.entries(r.params ?? {}));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter(([key]) => /tenant_(email|name)|managed_by/.test(key))).toEqual([]);
    expect(sent.filter(([, value]) => value.includes(tenantEmail) || value.includes('Jordan Reyes') || value.includes('Westside'))).toEqual([]);

    // A lead on her property: the tenant's email reaches HubSpot, never Stripe.
    const leadEmail = `applicant.${uniqueId('y')}@example.com`;
    const { eventIds } = await viaTurboTenant(() => turbotenant.createLead({ property_id: 'PROP_1004', email: leadEmail, first_name: 'Sam' }));
    expect(await settledConfirmation(eventIds[0]!)).toMatchObject({ status: 'success' });
    expect(contactsByEmail(leadEmail)).toHaveLength(1);
    expect(JSON.stringify(stripe.customers())).not.toContain(leadEmail);
    expect(JSON.stringify(stripe.requests())).not.toContain(leadEmail);
  });
});

describe('POST /events/turbotenant refuses what it must', () => {
  it.each([
    ['signed with the wrong secret', { secret: 'not-the-shared-secret' }],
    ['signed more than 5 minutes ago', { nowMs: Date.now() - 6 * 60_000 }],
    ['not signed at all', { signed: false }],
    ['signed over another body', { signedBody: '{"event_id":"something-else"}' }],
  ] satisfies Array<[string, PostOptions]>)('an event %s → 401, and nothing is recorded', async (_what, options) => {
    const event = eventBody({ event_type: 'property_created', landlord_id: 'LL_1014', property_id: 'PROP_1014' });
    const response = await postEvent(event, options);
    expect(response.status).toBe(401);
    expect(response.body.error?.code).toBe('unauthorized');
    await sleep(300);
    expect((await confirmation(event.event_id)).status).toBe(404);
    expect(dealsOf('PROP_1014')).toHaveLength(0);
  });

  const valid = () => eventBody({ event_type: 'property_created', landlord_id: 'LL_1015', property_id: 'PROP_1015' });
  const without = (key: string) => {
    const body = valid();
    delete body[key];
    return body;
  };
  const cases: Array<[string, () => unknown, string | null]> = [
    ['invalid JSON', () => '{"event_id": "evt_1", ', null],
    ['a JSON array', () => [valid()], null],
    ['no event_id', () => without('event_id'), 'event_id'],
    ['no property_id', () => without('property_id'), 'property_id'],
    ['no landlord_id', () => without('landlord_id'), 'landlord_id'],
    ['no metadata', () => without('metadata'), 'metadata'],
    ['occurred_at without a time zone', () => ({ ...valid(), occurred_at: '2025-10-12T21:53:00' }), 'occurred_at'],
    ['an unknown event_type', () => ({ ...valid(), event_type: 'property_deleted' }), 'event_type'],
    ['lead_created without its lead', () => ({ ...valid(), event_type: 'lead_created' }), 'lead'],
    ['a lead with an invalid email', () => ({ ...valid(), event_type: 'lead_created', lead: { id: 'LD_9', email: 'not-an-email' } }), 'lead.email'],
  ];

  it.each(cases)('%s → 400 naming the field, never a 5xx, nothing recorded', async (_what, body, field) => {
    const sent = body();
    const response = await postEvent(sent);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: typeof sent === 'string' ? 'malformed_json' : 'validation_error', message: expect.any(String) });
    if (field) {
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(response.body.error.message).toContain(field);
    }
    const eventId = (sent as Json)?.event_id;
    if (typeof eventId === 'string') expect((await confirmation(eventId)).status).toBe(404);
  });

  it('a body that is not JSON by its content type → 415, not a 5xx', async () => {
    const event = valid();
    const response = await postEvent(event, { contentType: 'text/plain' });
    expect(response.status).toBe(415);
    expect((await confirmation(event.event_id)).status).toBe(404);
  });
});

describe('the 15-minute reconcile', () => {
  it('heals a dropped event, and a second pass over unchanged properties makes no HubSpot call', async () => {
    // Prepare: a synced property; then TurboTenant's event of a rent change is lost.
    const owner = landlord('LL_1009');
    const { property, confirmation: created } = await createSyncedProperty(owner.id, 1400);
    const target = `${stack.apiUrl}/events/turbotenant`;
    turbotenant.setEventTarget(null);
    try {
      const { eventIds } = await viaTurboTenant(() => turbotenant.upsertProperty({ id: property.id, rent: 1525 }));
      expect(eventIds).toEqual([]);
      expect(Number(dealsOf(property.id)[0]!.properties.amount)).toBe(1400);
      // Act: the schedule fires.
      const first = (await stack.fireSchedule('turbotenant-reconcile')) as Json;
      // Assess: the deal has the new rent, still one deal, the same one.
      expect(first).toMatchObject({ failed: 0, retried: 0 });
      expect(first.synced).toBeGreaterThanOrEqual(1);
      const deals = dealsOf(property.id);
      expect(deals).toHaveLength(1);
      expect(deals[0]!.id).toBe(created.hubspot_deal_id);
      expect(Number(deals[0]!.properties.amount)).toBe(1525);
      const mapping = await api('GET', `/mappings/turbotenant/property/${property.id}`);
      expect(mapping.body.hubspotId).toBe(created.hubspot_deal_id);

      // A second pass: nothing changed since, so no HubSpot call at all.
      const callsBefore = crmRequests().length;
      const second = (await stack.fireSchedule('turbotenant-reconcile')) as Json;
      expect(crmRequests().length).toBe(callsBefore);
      expect(second).toMatchObject({ synced: 0, failed: 0, retried: 0 });
      expect(second.unchanged).toBeGreaterThanOrEqual(1);
      expect(Number(dealsOf(property.id)[0]!.properties.amount)).toBe(1525);
    } finally {
      turbotenant.setEventTarget(target);
    }
  });
});
