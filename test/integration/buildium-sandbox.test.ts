/**
 * The Buildium sandbox over plain HTTP, checked against the official OpenAPI document: auth, the
 * four record shapes (every field the document names, enums within the document's), paging at its
 * edges, the lastupdated windows (and what Buildium does not date), 404s, the rate limit and faults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBuildiumSandbox, type BuildiumSandbox } from '../../lib/local/sandboxes/buildium/index.js';

const CLIENT_ID = 'bld_client_sandbox_7f3a';
const SECRET = 'bld_secret_sandbox_91c2e';
const AUTH = { 'x-buildium-client-id': CLIENT_ID, 'x-buildium-client-secret': SECRET };

interface SchemaProp {
  enum?: string[];
  items?: { enum?: string[] };
}
type Spec = { components: { schemas: Record<string, { properties: Record<string, SchemaProp> }> } };
// The record shapes of Buildium's official document (property names and enums), kept beside the
// tests so they run from any checkout; when the document itself is next to the repo, a test below
// checks the copy still matches it.
const spec = JSON.parse(readFileSync(new URL('../fixtures/buildium-schemas.json', import.meta.url), 'utf8')) as Spec;
const OFFICIAL = new URL('../../../shared/specs/buildium/buildium-openapi.json', import.meta.url);
const schema = (name: string) => spec.components.schemas[name]!.properties;
const keysOf = (name: string) => Object.keys(schema(name)).sort();

type Json = Record<string, unknown>;

async function get(base: string, path: string, headers: Record<string, string> = AUTH): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(base + path, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
}

/** Every page of a list, limit 1000, as a client would read it. */
async function readAll(base: string, path: string, extra = ''): Promise<{ ids: number[]; totals: number[]; pages: number }> {
  const ids: number[] = [];
  const totals: number[] = [];
  let pages = 0;
  for (let offset = 0; ; offset += 1000) {
    const res = await get(base, `${path}?limit=1000&offset=${offset}${extra}`);
    expect(res.status).toBe(200);
    pages++;
    totals.push(Number(res.headers.get('x-total-count')));
    const items = res.body as Json[];
    ids.push(...items.map((i) => i.Id as number));
    if (items.length < 1000) break;
  }
  return { ids, totals, pages };
}

/** Enum fields of a message whose value, when set, must be one of the document's. */
function expectEnums(message: Json, schemaName: string): void {
  for (const [key, prop] of Object.entries(schema(schemaName))) {
    if (prop.enum && message[key] !== null) expect(prop.enum, `${schemaName}.${key}`).toContain(message[key]);
  }
}

const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('Buildium sandbox: the demo portfolio', () => {
  let sb: BuildiumSandbox;
  beforeAll(async () => {
    sb = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, rateLimit: false });
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.reset());

  it('answers 401 in Buildium error shape without, or with wrong, credentials', async () => {
    const variants: Array<Record<string, string>> = [{}, { 'x-buildium-client-id': CLIENT_ID }, { ...AUTH, 'x-buildium-client-secret': 'nope' }, { ...AUTH, 'x-buildium-client-id': 'other' }];
    for (const headers of variants) {
      const res = await get(sb.url, '/v1/rentals', headers);
      expect(res.status).toBe(401);
      expect(Object.keys(res.body as Json).sort()).toEqual(keysOf('ApiErrorResponse'));
      expect((res.body as Json).UserMessage).toMatch(/couldn't be authorized/);
    }
    expect((await get(sb.url, '/v1/rentals')).status).toBe(200);
  });

  it('seeds 50 properties, 500 units, 800 tenants and 600 leases, counted in X-Total-Count', async () => {
    const totals = await Promise.all(['/v1/rentals', '/v1/rentals/units', '/v1/leases/tenants', '/v1/leases'].map((p) => get(sb.url, `${p}?limit=1`)));
    expect(totals.map((t) => Number(t.headers.get('x-total-count')))).toEqual([50, 500, 800, 600]);
    expect(totals.map((t) => (t.body as unknown[]).length)).toEqual([1, 1, 1, 1]);
    // The default page is 50.
    expect(((await get(sb.url, '/v1/leases/tenants')).body as unknown[]).length).toBe(50);
  });

  it('returns every field the document names, with its enums, for each record type', async () => {
    const cases: Array<[string, string]> = [['/v1/leases/tenants', 'TenantMessage'], ['/v1/rentals', 'RentalMessage'], ['/v1/rentals/units', 'RentalUnitMessage'], ['/v1/leases', 'LeaseMessage']];
    for (const [path, name] of cases) {
      const list = (await get(sb.url, `${path}?limit=1000`)).body as Json[];
      expect(list.length).toBeGreaterThan(0);
      for (const item of list) {
        expect(Object.keys(item).sort(), name).toEqual(keysOf(name));
        expectEnums(item, name);
      }
      const one = await get(sb.url, `${path}/${list[3]!.Id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(list[3]);
    }
    const tenant = sb.tenants()[0]!;
    expect(Object.keys(tenant.Address!).sort()).toEqual(keysOf('AddressMessage'));
    expect(Object.keys(tenant.PhoneNumbers![0]!).sort()).toEqual(keysOf('PhoneNumberMessage'));
    const lease = sb.leases().find((l) => l.LeaseStatus === 'Active')!;
    expect(Object.keys(lease.CurrentTenants![0]!).sort()).toEqual(keysOf('TenantMessage'));
    expect(Object.keys(lease.Tenants![0]!).sort()).toEqual(keysOf('LeaseTenantMessage'));
    expect(Object.keys(lease.AccountDetails!).sort()).toEqual(keysOf('LeaseAccountDetailMessage'));
    expect(Object.keys(sb.rentals()[0]!.RentalManager!).sort()).toEqual(keysOf('PropertyManagerMessage'));
  });

  it('seeds the data-quality cases and links tenants, units and leases consistently', () => {
    const tenants = sb.tenants();
    const emails = tenants.map((t) => t.Email?.toLowerCase()).filter((e): e is string => !!e);
    expect(tenants.filter((t) => t.Email === null).length).toBeGreaterThan(10);
    expect(new Set(emails).size).toBeLessThan(emails.length);
    expect(tenants.filter((t) => t.AlternateEmail).length).toBeGreaterThan(100);
    expect(tenants.filter((t) => t.EmergencyContact).length).toBeGreaterThan(100);
    expect(tenants.filter((t) => t.DateOfBirth).length).toBeGreaterThan(100);
    expect(tenants.filter((t) => t.TaxId).length).toBeGreaterThan(50);
    expect(tenants.every((t) => /^\d{5}$/.test(t.Address!.PostalCode!) && t.Address!.Country === 'UnitedStates')).toBe(true);
    expect(tenants.every((t) => (t.Leases ?? []).length > 0)).toBe(true);

    const leases = sb.leases();
    expect(new Set(leases.map((l) => l.LeaseStatus))).toEqual(new Set(['Active', 'Past', 'Future']));
    const tenantIds = new Set(tenants.map((t) => t.Id));
    expect(leases.every((l) => l.Tenants!.length > 0 && l.Tenants!.every((t) => tenantIds.has(t.Id)))).toBe(true);
    const active = new Set(leases.filter((l) => l.LeaseStatus === 'Active').map((l) => l.UnitId));
    const units = sb.units();
    expect(units.every((u) => u.IsUnitOccupied === active.has(u.Id))).toBe(true);
    expect(new Set(units.map((u) => u.UnitBedrooms)).size).toBeGreaterThan(3);

    // Same input, same portfolio.
    const again = sb.tenants();
    sb.reset();
    expect(sb.tenants().map((t) => [t.Id, t.Email, t.FirstName])).toEqual(again.map((t) => [t.Id, t.Email, t.FirstName]));
  });

  it('limit above 1000 is 1000, offset pages without overlap, and bad values are a 400', async () => {
    const big = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, rateLimit: false, seed: { properties: 0, unitsPerProperty: 0, tenants: 1500, leases: 0 } });
    try {
      expect(((await get(big.url, '/v1/leases/tenants?limit=1001')).body as unknown[]).length).toBe(1000);
      const a = (await get(big.url, '/v1/leases/tenants?limit=10&offset=0')).body as Json[];
      const b = (await get(big.url, '/v1/leases/tenants?limit=10&offset=10')).body as Json[];
      expect(a.map((t) => t.Id)).not.toEqual(expect.arrayContaining([b[0]!.Id]));
      expect(b[0]!.Id).toBeGreaterThan(a[9]!.Id as number);
      for (const q of ['limit=0', 'limit=-1', 'limit=abc', 'offset=-5', 'lastupdatedfrom=yesterday']) {
        const res = await get(big.url, `/v1/leases/tenants?${q}`);
        expect(res.status, q).toBe(400);
        expect(((res.body as Json).Errors as unknown[]).length).toBeGreaterThan(0);
      }
      expect((await get(big.url, '/v1/leases/tenants?Limit=5')).status).toBe(404);
      const desc = (await get(big.url, '/v1/leases/tenants?limit=3&orderby=Id%20desc')).body as Json[];
      expect(desc.map((t) => t.Id)).toEqual([101500, 101499, 101498]);
    } finally {
      await big.close();
    }
  });

  it.each([0, 1, 1000, 1001])('reads all of %i tenants with limit 1000, once each', async (n) => {
    const s = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, rateLimit: false, seed: { properties: 0, unitsPerProperty: 0, tenants: n, leases: 0 } });
    try {
      const { ids, totals, pages } = await readAll(s.url, '/v1/leases/tenants');
      expect(ids.length).toBe(n);
      expect(new Set(ids).size).toBe(n);
      expect(totals.every((t) => t === n)).toBe(true);
      expect(pages).toBe(n === 1000 ? 2 : Math.ceil((n + 1) / 1000));
    } finally {
      await s.close();
    }
  });

  it('a window from now lists only what changed since, for each record type', async () => {
    const before = Date.now();
    const from = encodeURIComponent(seconds(before));
    for (const p of ['/v1/leases/tenants', '/v1/rentals', '/v1/rentals/units', '/v1/leases']) {
      expect((await get(sb.url, `${p}?lastupdatedfrom=${from}`)).headers.get('x-total-count'), p).toBe('0');
    }
    const tenant = sb.tenants()[5]!;
    const rental = sb.rentals()[2]!;
    const unit = sb.units()[7]!;
    const lease = sb.leases()[9]!;
    sb.updateTenant(tenant.Id, { Email: 'moved.on@example.com' });
    sb.updateRental(rental.Id, { Name: 'Renamed Commons' });
    sb.updateUnit(unit.Id, { MarketRent: (unit.MarketRent ?? 0) + 100 });
    sb.updateLease(lease.Id, { AccountDetails: { Rent: 1999, SecurityDeposit: 1999 } });

    const cases: Array<[string, number]> = [['/v1/leases/tenants', tenant.Id], ['/v1/rentals', rental.Id], ['/v1/rentals/units', unit.Id], ['/v1/leases', lease.Id]];
    for (const [p, id] of cases) {
      const res = await get(sb.url, `${p}?lastupdatedfrom=${from}`);
      expect((res.body as Json[]).map((r) => r.Id), p).toEqual([id]);
      expect(res.headers.get('x-total-count')).toBe('1');
      // A window that ends before the change does not list it.
      const earlier = await get(sb.url, `${p}?lastupdatedto=${encodeURIComponent(seconds(before - 1000))}&limit=1000`);
      expect((earlier.body as Json[]).some((r) => r.Id === id), p).toBe(false);
    }
    const updated = (await get(sb.url, `/v1/leases/${lease.Id}`)).body as Json;
    expect(Date.parse(updated.LastUpdatedDateTime as string)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(((await get(sb.url, `/v1/leases/tenants/${tenant.Id}`)).body as Json).Email).toBe('moved.on@example.com');
  });

  it("a unit's listed/occupied flags change without moving its last-updated time", async () => {
    const from = encodeURIComponent(seconds(Date.now()));
    const unit = sb.units().find((u) => !u.IsUnitOccupied)!;
    const stamp = sb.lastUpdated('unit', unit.Id);
    sb.updateUnit(unit.Id, { IsUnitOccupied: true, IsUnitListed: false });
    expect(((await get(sb.url, `/v1/rentals/units/${unit.Id}`)).body as Json).IsUnitOccupied).toBe(true);
    expect((await get(sb.url, `/v1/rentals/units?lastupdatedfrom=${from}`)).headers.get('x-total-count')).toBe('0');
    expect(sb.lastUpdated('unit', unit.Id)).toBe(stamp);

    // A lease ending empties its unit: the lease is dated, the unit is not.
    const lease = sb.leases().find((l) => l.LeaseStatus === 'Active' && sb.leases().filter((o) => o.UnitId === l.UnitId && o.LeaseStatus === 'Active').length === 1)!;
    sb.updateLease(lease.Id, { LeaseStatus: 'Past' });
    expect(((await get(sb.url, `/v1/rentals/units/${lease.UnitId}`)).body as Json).IsUnitOccupied).toBe(false);
    expect((await get(sb.url, `/v1/rentals/units?lastupdatedfrom=${from}`)).headers.get('x-total-count')).toBe('0');
    expect(((await get(sb.url, `/v1/leases?lastupdatedfrom=${from}`)).body as Json[]).map((l) => l.Id)).toEqual([lease.Id]);
  });

  it('an update that changes nothing does not date the record', async () => {
    const from = encodeURIComponent(seconds(Date.now()));
    const t = sb.tenants()[0]!;
    sb.updateTenant(t.Id, { FirstName: t.FirstName });
    expect((await get(sb.url, `/v1/leases/tenants?lastupdatedfrom=${from}`)).headers.get('x-total-count')).toBe('0');
    expect(() => sb.updateTenant(1, { FirstName: 'x' })).toThrow(/no tenant/);
  });

  it('answers 404 for unknown ids and paths, 400 for a non-numeric id', async () => {
    for (const p of ['/v1/leases/tenants/999', '/v1/rentals/999', '/v1/rentals/units/999', '/v1/leases/999', '/v1/Rentals', '/v1/owners']) {
      const res = await get(sb.url, p);
      expect(res.status, p).toBe(404);
      expect((res.body as Json).ErrorCode).toBe('NotFound');
    }
    expect((await get(sb.url, '/v1/rentals/abc')).status).toBe(400);
  });

  it('filters by propertyids and lease status', async () => {
    const rental = sb.rentals()[4]!;
    const units = (await get(sb.url, `/v1/rentals/units?propertyids=${rental.Id}`)).body as Json[];
    expect(units.length).toBe(rental.NumberUnits);
    expect(units.every((u) => u.PropertyId === rental.Id)).toBe(true);
    const past = await get(sb.url, '/v1/leases?leasestatuses=Past&limit=1000');
    expect((past.body as Json[]).every((l) => l.LeaseStatus === 'Past')).toBe(true);
    expect(Number(past.headers.get('x-total-count'))).toBe(sb.leases().filter((l) => l.LeaseStatus === 'Past').length);
  });
});

describe('Buildium sandbox: rate limit and faults', () => {
  let sb: BuildiumSandbox;
  beforeAll(async () => {
    sb = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, seed: { properties: 2, unitsPerProperty: 2, tenants: 5, leases: 3 } });
  });
  afterAll(() => sb.close());
  afterEach(() => sb.reset());

  it('answers 429 past 10 requests in a rolling second, and serves again after it', async () => {
    const statuses = (await Promise.all(Array.from({ length: 15 }, () => get(sb.url, '/v1/rentals')))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(5);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await get(sb.url, '/v1/rentals')).status).toBe(200);
  });

  it('takes a custom limit', async () => {
    const s = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, seed: false, rateLimit: { perSecond: 3 } });
    try {
      const statuses = (await Promise.all(Array.from({ length: 5 }, () => get(s.url, '/v1/leases')))).map((r) => r.status);
      expect(statuses.sort()).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await s.close();
    }
  });

  it('status, slow, reset and rateLimit faults, then normal answers', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    sb.addFault({ kind: 'status', status: 503, path: '/v1/leases', times: 1 });
    const failed = await get(sb.url, '/v1/leases');
    expect(failed.status).toBe(503);
    expect((failed.body as Json).ErrorCode).toBe('ServiceUnavailable');
    expect((await get(sb.url, '/v1/leases')).status).toBe(200);

    sb.addFault({ kind: 'slow', delayMs: 300, times: 1 });
    const t0 = Date.now();
    expect((await get(sb.url, '/v1/rentals')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);

    sb.addFault({ kind: 'reset', times: 1 });
    await expect(fetch(`${sb.url}/v1/rentals`, { headers: AUTH })).rejects.toThrow();

    sb.addFault({ kind: 'rateLimit', retryAfterSeconds: 2, times: 1 });
    const limited = await get(sb.url, '/v1/rentals');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await get(sb.url, '/v1/rentals')).status).toBe(200);

    expect(sb.requests().map((r) => r.status)).toEqual([503, 200, 200, 0, 429, 200]);
  });

  it('faults are injected over the control route too, and the wrong credentials still win', async () => {
    const res = await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'status', status: 500 }) });
    expect(res.status).toBe(201);
    expect((await get(sb.url, '/v1/rentals', {})).status).toBe(401);
    expect((await get(sb.url, '/v1/rentals')).status).toBe(500);
    const bad = await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'explode' }) });
    expect(bad.status).toBe(400);
  });
});

describe('the fixture of Buildium record shapes', () => {
  it.skipIf(!existsSync(OFFICIAL))('matches the official document (names and enums of every schema the tests use)', () => {
    const official = JSON.parse(readFileSync(OFFICIAL, 'utf8')) as Spec;
    for (const [name, { properties }] of Object.entries(spec.components.schemas)) {
      const actual = official.components.schemas[name]!.properties;
      expect(Object.keys(properties).sort(), name).toEqual(Object.keys(actual).sort());
      for (const [key, prop] of Object.entries(properties)) {
        expect(prop.enum ?? prop.items?.enum, `${name}.${key}`).toEqual(actual[key]!.enum ?? actual[key]!.items?.enum);
      }
    }
  });
});
