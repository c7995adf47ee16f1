/**
 * The Buildium sandbox's webhooks, as a webhook consumer sees them on a loopback receiver: one
 * signed POST per change (EventName and identifier of the document's grid, compact JSON body,
 * `buildium-webhook-timestamp` / `-signature` that the connector's verifier accepts), retries of
 * unsuccessful deliveries, the control routes that change and delete records, and nothing at all
 * while webhooks are off.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyBuildiumSignature } from '../../functions/connectors/buildium/signature.js';
import {
  DEFAULT_ACCOUNT_ID,
  FIRST_IDS,
  startBuildiumSandbox,
  type BuildiumSandbox,
  type BuildiumWebhookEvent,
} from '../../lib/local/sandboxes/buildium/index.js';
import { sleep, startReceiver as startSharedReceiver, waitFor, type ReceivedRequest, type Receiver as SharedReceiver } from './support/receiver.js';

const CLIENT_ID = 'bld_client_sandbox_7f3a';
const CLIENT_SECRET = 'bld_secret_sandbox_91c2e';
const AUTH = { 'x-buildium-client-id': CLIENT_ID, 'x-buildium-client-secret': CLIENT_SECRET };
const WEBHOOK_SECRET = 'bld_whsec_sandbox_5e8a01';
const ACCOUNT_ID = 424242;
const SEED = { properties: 2, unitsPerProperty: 2, tenants: 3, leases: 2 };
/** The document's EventDateTime: UTC, `YYYY-MM-DDTHH:MM:SS.SSSSSSSZ`. */
const EVENT_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

type Receiver = SharedReceiver<{ event: BuildiumWebhookEvent }>;

/** Our route (`POST /webhooks/buildium`) answers 200 once the event is queued. */
const startReceiver = (): Promise<Receiver> =>
  startSharedReceiver({
    path: '/webhooks/buildium',
    ok: { status: 200, contentType: 'application/json', body: '{}' },
    read: (rawBody) => ({ event: JSON.parse(rawBody.toString('utf8')) as BuildiumWebhookEvent }),
  });

const header = (req: ReceivedRequest) => (name: string) => {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

function verify(req: ReceivedRequest, secret = WEBHOOK_SECRET) {
  return verifyBuildiumSignature({ header: header(req), rawBody: req.rawBody, secret, now: Date.now() });
}

async function api(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path, { headers: AUTH });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function control(base: string, method: string, path: string, body?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path, { method, ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const events = (r: Receiver) => r.requests.map((q) => q.event);

describe('Buildium sandbox webhooks', () => {
  let receiver: Receiver;
  let sb: BuildiumSandbox;

  beforeAll(async () => {
    receiver = await startReceiver();
    sb = await startBuildiumSandbox({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      rateLimit: false,
      seed: SEED,
      webhooks: { url: receiver.url, secret: WEBHOOK_SECRET, accountId: ACCOUNT_ID, retryDelaysMs: [20, 40, 60], timeoutMs: 300 },
    });
  });
  afterAll(async () => {
    await sb?.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    sb.reset();
    await sb.flushWebhooks();
    receiver.requests.length = 0;
    receiver.answers.length = 0;
  });

  it('sends nothing for the seed', async () => {
    await sb.flushWebhooks();
    await sleep(50);
    expect(receiver.requests).toHaveLength(0);
    expect(sb.webhookDeliveries()).toEqual([]);
  });

  it('a tenant update sends one signed LeaseTenant.Updated, compact JSON, without blocking the change', async () => {
    const tenant = sb.tenants()[0]!;
    const before = Date.now();
    const updated = sb.updateTenant(tenant.Id, { Email: 'new.address@example.com' });
    expect(updated.Email).toBe('new.address@example.com');
    // The change returned before anything was sent: the delivery runs in the background.
    expect(receiver.requests).toHaveLength(0);
    expect(sb.webhookDeliveries()).toMatchObject([{ status: 'pending', attempts: 0 }]);

    await sb.flushWebhooks();
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(verify(req)).toEqual({ valid: true });
    expect(verify(req, 'another-secret')).toMatchObject({ valid: false });

    const raw = req.rawBody.toString('utf8');
    expect(raw).not.toMatch(/\s/);
    expect(raw).toBe(JSON.stringify(JSON.parse(raw)));
    expect(Object.keys(req.event)).toEqual(['EventName', 'EventDateTime', 'AccountId', 'TenantId']);
    expect(req.event).toMatchObject({ EventName: 'LeaseTenant.Updated', AccountId: ACCOUNT_ID, TenantId: tenant.Id });

    expect(req.event.EventDateTime).toMatch(EVENT_DATE_TIME);
    const occurred = Date.parse(req.event.EventDateTime);
    expect(occurred).toBeGreaterThanOrEqual(before - 1);
    expect(occurred).toBeLessThanOrEqual(Date.now());
    const sentAt = Number(header(req)('buildium-webhook-timestamp'));
    expect(String(sentAt)).toMatch(/^\d{10}$/);
    expect(Math.abs(sentAt * 1000 - Date.now())).toBeLessThan(5_000);

    const [delivery] = sb.webhookDeliveries();
    expect(delivery).toMatchObject({ event: req.event, status: 'delivered', attempts: 1, lastStatus: 200 });
    expect(Date.parse(delivery!.deliveredAt!)).toBeGreaterThanOrEqual(occurred);
  });

  it("each record type sends its EventName and identifier; changes that date nothing send nothing", async () => {
    const rental = sb.rentals()[0]!;
    const unit = sb.units()[0]!;
    const lease = sb.leases()[0]!;
    sb.updateRental(rental.Id, { Name: 'Renamed Rental' });
    sb.updateUnit(unit.Id, { MarketRent: (unit.MarketRent ?? 0) + 50 });
    sb.updateLease(lease.Id, { PaymentDueDay: 5 });
    // Not dated, so not sent: no real change, and a unit's transient flags.
    sb.updateRental(rental.Id, { Name: 'Renamed Rental' });
    sb.updateUnit(unit.Id, { IsUnitListed: !unit.IsUnitListed });
    await sb.flushWebhooks();

    const sent = events(receiver).map(({ EventDateTime: _, ...rest }) => rest);
    expect(sent).toHaveLength(3);
    expect(sent).toEqual(
      expect.arrayContaining([
        { EventName: 'Rental.Updated', AccountId: ACCOUNT_ID, PropertyId: rental.Id },
        { EventName: 'RentalUnit.Updated', AccountId: ACCOUNT_ID, UnitId: unit.Id },
        { EventName: 'Lease.Updated', AccountId: ACCOUNT_ID, LeaseId: lease.Id },
      ]),
    );
    for (const req of receiver.requests) expect(verify(req)).toEqual({ valid: true });
    expect(sb.webhookDeliveries().map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('PATCH /__sandbox/{type}/{id} dates the record and delivers; 404 unknown, 400 not an object', async () => {
    const tenant = sb.tenants()[1]!;
    const before = sb.lastUpdated('tenant', tenant.Id)!;
    const res = await control(sb.url, 'PATCH', `/__sandbox/tenants/${tenant.Id}`, JSON.stringify({ FirstName: 'Renamed' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Id: tenant.Id, FirstName: 'Renamed' });
    expect(sb.lastUpdated('tenant', tenant.Id)! > before).toBe(true);
    expect((await api(sb.url, `/v1/leases/tenants/${tenant.Id}`)).body).toMatchObject({ FirstName: 'Renamed' });
    // The API's window from the change finds it, as a consumer fetching after the event would.
    const window = await api(sb.url, `/v1/leases/tenants?lastupdatedfrom=${sb.lastUpdated('tenant', tenant.Id)}`);
    expect((window.body as Array<{ Id: number }>).map((t) => t.Id)).toEqual([tenant.Id]);

    await sb.flushWebhooks();
    expect(events(receiver)).toMatchObject([{ EventName: 'LeaseTenant.Updated', TenantId: tenant.Id }]);

    const lease = sb.leases()[0]!;
    const leaseRes = await control(sb.url, 'PATCH', `/__sandbox/leases/${lease.Id}`, JSON.stringify({ LeaseStatus: 'Past' }));
    expect(leaseRes.status).toBe(200);
    expect(leaseRes.body).toMatchObject({ Id: lease.Id, LeaseStatus: 'Past' });
    expect(Date.parse((leaseRes.body as { LastUpdatedDateTime: string }).LastUpdatedDateTime)).toBeGreaterThan(Date.parse(lease.LastUpdatedDateTime!));
    expect((await control(sb.url, 'PATCH', `/__sandbox/rentals/${sb.rentals()[0]!.Id}`, '{"YearBuilt":1999}')).status).toBe(200);
    expect((await control(sb.url, 'PATCH', `/__sandbox/units/${sb.units()[0]!.Id}`, '{"UnitSize":999}')).status).toBe(200);
    await sb.flushWebhooks();
    expect(events(receiver).map((e) => e.EventName)).toEqual(expect.arrayContaining(['LeaseTenant.Updated', 'Lease.Updated', 'Rental.Updated', 'RentalUnit.Updated']));
    expect(receiver.requests).toHaveLength(4);

    expect((await control(sb.url, 'PATCH', '/__sandbox/tenants/999', '{"FirstName":"x"}')).status).toBe(404);
    expect((await control(sb.url, 'PATCH', '/__sandbox/leases/1', '{"PaymentDueDay":2}')).status).toBe(404);
    for (const body of ['[1,2]', 'null', '"text"', '42', 'not json']) {
      expect((await control(sb.url, 'PATCH', `/__sandbox/tenants/${tenant.Id}`, body)).status, body).toBe(400);
    }
    expect((await control(sb.url, 'PATCH', `/__sandbox/tenants/${tenant.Id}`)).status).toBe(400);
    const unknownField = await control(sb.url, 'PATCH', `/__sandbox/tenants/${tenant.Id}`, '{"Nickname":"x"}');
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body)).toMatch(/Nickname/);
    expect((await control(sb.url, 'PATCH', `/__sandbox/tenants/${tenant.Id}`, '{"Id":5}')).status).toBe(400);
    expect((await control(sb.url, 'PATCH', `/__sandbox/tenants/${tenant.Id}`, '{"PhoneNumbers":"555"}')).status).toBe(400);
    await sb.flushWebhooks();
    expect(receiver.requests).toHaveLength(4);
  });

  it('a receiver answering 500 twice then 200 gets three attempts of the same event, each signed when sent', async () => {
    receiver.answers.push(500, 500);
    const rental = sb.rentals()[1]!;
    sb.updateRental(rental.Id, { Reserve: rental.Reserve + 100 });
    await sb.flushWebhooks();

    expect(receiver.requests).toHaveLength(3);
    const bodies = receiver.requests.map((r) => r.rawBody.toString('utf8'));
    expect(new Set(bodies).size).toBe(1);
    for (const req of receiver.requests) expect(verify(req)).toEqual({ valid: true });
    expect(receiver.requests[0]!.event).toMatchObject({ EventName: 'Rental.Updated', PropertyId: rental.Id });
    expect(sb.webhookDeliveries()).toMatchObject([{ status: 'delivered', attempts: 3, lastStatus: 200 }]);
  });

  it('gives up after the last retry, and takes no answer within timeoutMs as unsuccessful', async () => {
    receiver.answers.push(503, 'hang', 404, 500, 500);
    const unit = sb.units()[1]!;
    sb.updateUnit(unit.Id, { Description: 'Fresh paint' });
    await sb.flushWebhooks();
    // One attempt and three retries (retryDelaysMs has three), then nothing more.
    expect(receiver.requests).toHaveLength(4);
    const [delivery] = sb.webhookDeliveries();
    expect(delivery).toMatchObject({ status: 'failed', attempts: 4, lastStatus: 500 });
    expect(delivery!.deliveredAt).toBeUndefined();
    await sleep(150);
    expect(receiver.requests).toHaveLength(4);
  });

  it('creations send *.Created with the new ids, readable from the API', async () => {
    const rental = sb.addRental({ Name: 'New Building' });
    const unit = sb.addUnit(rental.Id, { UnitNumber: '101', MarketRent: 1500 });
    const tenant = sb.addTenant({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com' });
    const lease = sb.addLease(unit.Id, [tenant.Id], { LeaseToDate: '2030-01-31' });
    expect(rental.Id).toBe(FIRST_IDS.rental + SEED.properties);
    expect(lease).toMatchObject({ PropertyId: rental.Id, UnitId: unit.Id, UnitNumber: '101', LeaseStatus: 'Active', CurrentNumberOfOccupants: 1 });
    expect((await api(sb.url, `/v1/rentals/units/${unit.Id}`)).body).toMatchObject({ IsUnitOccupied: true, PropertyId: rental.Id });
    expect((await api(sb.url, `/v1/leases/tenants/${tenant.Id}`)).body).toMatchObject({ Email: 'ada@example.com', Leases: [{ Id: lease.Id }] });
    expect((await api(sb.url, `/v1/rentals/${rental.Id}`)).body).toMatchObject({ NumberUnits: 1 });

    await sb.flushWebhooks();
    const sent = events(receiver).map(({ EventDateTime: _, AccountId: __, ...rest }) => rest);
    expect(sent).toEqual(
      expect.arrayContaining([
        { EventName: 'Rental.Created', PropertyId: rental.Id },
        { EventName: 'RentalUnit.Created', UnitId: unit.Id },
        { EventName: 'LeaseTenant.Created', TenantId: tenant.Id },
        { EventName: 'Lease.Created', LeaseId: lease.Id },
      ]),
    );
    expect(sent).toHaveLength(4);
    expect(() => sb.addUnit(1, {})).toThrow(/no rental property 1/);
    expect(() => sb.addTenant({ Nickname: 'x' } as never)).toThrow(/no field Nickname/);
  });

  it('a delete makes the record 404 by id and absent from lists, and sends *.Deleted', async () => {
    const [lease] = sb.leases();
    const tenantId = lease!.Tenants![0]!.Id;
    sb.deleteTenant(tenantId);
    expect((await api(sb.url, `/v1/leases/tenants/${tenantId}`)).status).toBe(404);
    expect(((await api(sb.url, '/v1/leases/tenants')).body as Array<{ Id: number }>).map((t) => t.Id)).not.toContain(tenantId);
    const leaseAfter = (await api(sb.url, `/v1/leases/${lease!.Id}`)).body as { Tenants: Array<{ Id: number }>; CurrentTenants: Array<{ Id: number }> };
    expect(leaseAfter.Tenants.map((t) => t.Id)).not.toContain(tenantId);
    expect(leaseAfter.CurrentTenants.map((t) => t.Id)).not.toContain(tenantId);
    expect(sb.lastUpdated('tenant', tenantId)).toBeUndefined();
    expect(() => sb.updateTenant(tenantId, { FirstName: 'x' })).toThrow();

    // Over the control route: a unit with a lease is refused, the lease goes, then the unit.
    const unitId = lease!.UnitId;
    expect((await control(sb.url, 'DELETE', `/__sandbox/units/${unitId}`)).status).toBe(409);
    expect((await control(sb.url, 'DELETE', `/__sandbox/leases/${lease!.Id}`)).status).toBe(204);
    expect((await api(sb.url, `/v1/leases/${lease!.Id}`)).status).toBe(404);
    expect((await control(sb.url, 'DELETE', `/__sandbox/leases/${lease!.Id}`)).status).toBe(404);
    expect((await control(sb.url, 'DELETE', `/__sandbox/units/${unitId}`)).status).toBe(204);
    expect((await api(sb.url, `/v1/rentals/units/${unitId}`)).status).toBe(404);
    expect((await control(sb.url, 'PATCH', `/__sandbox/units/${unitId}`, '{"UnitSize":1}')).status).toBe(404);

    await sb.flushWebhooks();
    const sent = events(receiver).map(({ EventDateTime: _, AccountId: __, ...rest }) => rest);
    expect(sent).toEqual(
      expect.arrayContaining([
        { EventName: 'LeaseTenant.Deleted', TenantId: tenantId },
        { EventName: 'Lease.Deleted', LeaseId: lease!.Id },
        { EventName: 'RentalUnit.Deleted', UnitId: unitId },
      ]),
    );
    expect(sent).toHaveLength(3);
    for (const req of receiver.requests) expect(verify(req)).toEqual({ valid: true });

    // A new record never takes a deleted one's id.
    expect(sb.addTenant().Id).toBe(FIRST_IDS.tenant + SEED.tenants);
  });

  it('reset drops queued deliveries, pending retries and the delivery log, and brings the deleted records back', async () => {
    receiver.answers.push(500, 500, 500);
    const tenant = sb.tenants()[2]!;
    sb.updateTenant(tenant.Id, { Comment: 'first' });
    await waitFor(() => receiver.requests.length >= 1);
    sb.deleteLease(sb.leases()[1]!.Id);
    sb.reset();
    await sb.flushWebhooks();
    expect(sb.webhookDeliveries()).toEqual([]);
    expect(sb.leases()).toHaveLength(SEED.leases);
    const seen = receiver.requests.length;
    await sleep(200);
    expect(receiver.requests.length).toBe(seen);
    expect(receiver.requests.every((r) => r.event.EventName === 'LeaseTenant.Updated' || r.event.EventName === 'Lease.Deleted')).toBe(true);
  });

  it('GET /__sandbox/webhooks lists the deliveries', async () => {
    sb.updateTenant(sb.tenants()[0]!.Id, { Comment: 'listed' });
    await sb.flushWebhooks();
    const res = await control(sb.url, 'GET', '/__sandbox/webhooks');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: receiver.url, deliveries: [{ status: 'delivered', attempts: 1, event: { EventName: 'LeaseTenant.Updated' } }] });
  });
});

describe('Buildium sandbox with webhooks off', () => {
  it('sends and records nothing, while the control routes still change records', async () => {
    const receiver = await startReceiver();
    const sb = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, rateLimit: false, seed: SEED });
    try {
      const tenant = sb.tenants()[0]!;
      sb.updateTenant(tenant.Id, { FirstName: 'Quiet' });
      sb.deleteLease(sb.leases()[0]!.Id);
      sb.addRental({ Name: 'Quiet Rental' });
      expect((await control(sb.url, 'PATCH', `/__sandbox/units/${sb.units()[0]!.Id}`, '{"UnitSize":1234}')).status).toBe(200);
      await sb.flushWebhooks();
      await sleep(100);
      expect(receiver.requests).toHaveLength(0);
      expect(sb.webhookDeliveries()).toEqual([]);
      expect((await control(sb.url, 'GET', '/__sandbox/webhooks')).body).toEqual({ url: null, deliveries: [] });
    } finally {
      await sb.close();
      await receiver.close();
    }
  });

  it('refuses webhook options it cannot honour', async () => {
    const base = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, seed: false as const };
    await expect(startBuildiumSandbox({ ...base, webhooks: { url: 'ftp://example.com/x', secret: 's' } })).rejects.toThrow(/http/);
    await expect(startBuildiumSandbox({ ...base, webhooks: { url: 'http://127.0.0.1:9/x', secret: '' } })).rejects.toThrow(/secret/);
    await expect(startBuildiumSandbox({ ...base, webhooks: { url: 'http://127.0.0.1:9/x', secret: 's', retryDelaysMs: [-1] } })).rejects.toThrow(/retryDelaysMs/);
  });

  it("defaults to Buildium's account id sample and closes with nothing left to send", async () => {
    const receiver = await startReceiver();
    receiver.answers.push(500);
    const sb = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, rateLimit: false, seed: SEED, webhooks: { url: receiver.url, secret: WEBHOOK_SECRET } });
    try {
      sb.updateLease(sb.leases()[0]!.Id, { PaymentDueDay: 3 });
      await waitFor(() => receiver.requests.length === 1);
      expect(receiver.requests[0]!.event).toMatchObject({ EventName: 'Lease.Updated', AccountId: DEFAULT_ACCOUNT_ID });
      // The retry waits Buildium's minute; close drops it.
      await waitFor(() => sb.webhookDeliveries()[0]?.attempts === 1);
      expect(sb.webhookDeliveries()[0]).toMatchObject({ status: 'pending', lastStatus: 500 });
    } finally {
      await sb.close();
      await receiver.close();
    }
    await sb.flushWebhooks();
  });
});
