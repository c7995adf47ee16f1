import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hubspotApi } from './support/hubspot-api.js';
import { DEMO_CONTACTS, seededRandom, startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';

const TOKEN = 'pat-na1-sandbox-test-token';
const ROOMY = { max: 100_000, intervalMs: 10_000 };

const client = (base: () => string) => hubspotApi(base, TOKEN);

const upsertInput = (email: string, properties: Record<string, string> = {}) => ({ id: email, idProperty: 'email', properties });

let sandbox: HubSpotSandbox;
const api = client(() => sandbox.url);

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, port: 0, rateLimit: ROOMY });
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(() => {
  sandbox.clearFaults();
  sandbox.setRateLimit(ROOMY);
});

describe('contacts', () => {
  it('starts with the demo contacts and pages through them', async () => {
    const first = await api('GET', '/crm/v3/objects/contacts?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.results).toHaveLength(2);
    expect(first.body.results[0].properties).toMatchObject({ email: DEMO_CONTACTS[0]!.email, firstname: 'Maria', hs_object_id: first.body.results[0].id });
    const after = first.body.paging.next.after;
    expect(typeof after).toBe('string');
    const second = await api('GET', `/crm/v3/objects/contacts?limit=100&after=${after}&properties=email`);
    expect(second.body.results.map((c: any) => c.properties.email)).toEqual(DEMO_CONTACTS.slice(2).map((c) => c.email));
    expect(second.body.paging).toBeUndefined();
  });

  it('creates a contact and reads it back by id and by email', async () => {
    const created = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'Lena.Fischer@Example.com', firstname: 'Lena', phone: '555-0100' } });
    expect(created.status).toBe(201);
    const { id } = created.body;
    expect(created.body.properties).toMatchObject({ email: 'lena.fischer@example.com', firstname: 'Lena', hs_object_id: id });
    expect(created.body.properties.createdate).toBe(created.body.createdAt);
    expect(created.body.properties.lastmodifieddate).toBeTruthy();
    expect(created.body.archived).toBe(false);

    const byId = await api('GET', `/crm/v3/objects/contacts/${id}`);
    expect(byId.status).toBe(200);
    expect(Object.keys(byId.body.properties).sort()).toEqual(['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
    expect(byId.body.properties.lastname).toBeNull();

    const byEmail = await api('GET', `/crm/v3/objects/contacts/${encodeURIComponent('LENA.fischer@example.com')}?idProperty=email&properties=phone,firstname`);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.id).toBe(id);
    expect(byEmail.body.properties).toMatchObject({ phone: '555-0100', firstname: 'Lena', hs_object_id: id });

    const missing = await api('GET', '/crm/v3/objects/contacts/987654321');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('answers 409 with the existing id for a duplicate email, whatever its case', async () => {
    const first = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'dup@example.com' } });
    const again = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'DUP@example.com' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'error', category: 'CONFLICT', message: `Contact already exists. Existing ID: ${first.body.id}` });
    expect(again.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('updates with PATCH (also by email) and archives with DELETE', async () => {
    const created = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'patch.me@example.com', firstname: 'Old' } });
    const patched = await api('PATCH', `/crm/v3/objects/contacts/patch.me@example.com?idProperty=email`, { properties: { firstname: 'New', lifecyclestage: 'customer' } });
    expect(patched.status).toBe(200);
    expect(patched.body.properties).toMatchObject({ firstname: 'New', lifecyclestage: 'customer' });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    const empty = await api('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, { properties: {} });
    expect(empty.status).toBe(400);

    expect((await api('DELETE', `/crm/v3/objects/contacts/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/crm/v3/objects/contacts/${created.body.id}`)).status).toBe(404);
    const archived = await api('GET', `/crm/v3/objects/contacts/${created.body.id}?archived=true`);
    expect(archived.body.archived).toBe(true);
    const reused = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'patch.me@example.com' } });
    expect(reused.status).toBe(201);
  });

  it('rejects unknown properties and invalid emails on single writes', async () => {
    const unknown = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'x1@example.com', favourite_colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.category).toBe('VALIDATION_ERROR');
    expect(unknown.body.message).toContain('Property values were not valid');
    expect(unknown.body.message).toContain('favourite_colour');

    const badEmail = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'not-an-email' } });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.message).toContain('Email address not-an-email is invalid');
  });

  it('answers malformed JSON with a HubSpot 400', async () => {
    const res = await api('POST', '/crm/v3/objects/contacts', '{"properties": {');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(res.body.message).toMatch(/^Invalid input JSON/);
  });
});

describe('batch', () => {
  it('upserts by email: creates new contacts and updates existing ones, case-insensitively', async () => {
    const existing: string = DEMO_CONTACTS[1]!.email;
    const res = await api('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [upsertInput(existing.toUpperCase(), { lastname: 'Okafor-Smith' }), upsertInput('Brand.New@Example.com', { firstname: 'Brand' })],
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('COMPLETE');
    expect(res.body.errors).toBeUndefined();
    const byEmail = Object.fromEntries(res.body.results.map((r: any) => [r.properties.email, r]));
    expect(byEmail[existing]).toMatchObject({ new: false, properties: { lastname: 'Okafor-Smith', firstname: 'James' } });
    expect(byEmail['brand.new@example.com']).toMatchObject({ new: true, properties: { firstname: 'Brand' } });
    expect(res.body.startedAt).toBeTruthy();
    expect(res.body.completedAt).toBeTruthy();

    const again = await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [upsertInput('brand.new@example.com', { lastname: 'New' })] });
    expect(again.body.results[0]).toMatchObject({ new: false, id: byEmail['brand.new@example.com'].id });
    expect(sandbox.contacts().filter((c) => c.properties.email === 'brand.new@example.com')).toHaveLength(1);
  });

  it('answers 207 with per-input errors while the other inputs succeed', async () => {
    sandbox.addFault({ kind: 'inputError', path: '/crm/v3/objects/contacts/batch/upsert', emailPattern: '^flaky@', message: 'Injected failure' });
    const inputs = [
      upsertInput('good.one@example.com', { firstname: 'Good' }),
      upsertInput('unknown.prop@example.com', { shoe_size: '44' }),
      upsertInput('not an email', { firstname: 'Bad' }),
      upsertInput('flaky@example.com', { firstname: 'Flaky' }),
      upsertInput('bad.stage@example.com', { lifecyclestage: 'superfan' }),
    ];
    const res = await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs });
    expect(res.status).toBe(207);
    expect(res.body.numErrors).toBe(4);
    expect(res.body.results.map((r: any) => r.properties.email)).toEqual(['good.one@example.com']);
    const errorFor = (id: string) => res.body.errors.find((e: any) => e.context.ids.includes(id));
    expect(errorFor('unknown.prop@example.com')).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      errors: [{ in: 'shoe_size' }],
      links: {},
    });
    expect(errorFor('unknown.prop@example.com').message).toContain('shoe_size');
    expect(errorFor('not an email').message).toContain('Email address not an email is invalid');
    expect(errorFor('flaky@example.com').message).toBe('Injected failure');
    expect(errorFor('bad.stage@example.com').message).toContain('superfan was not one of the allowed options');
    const accounted = [...res.body.results.map((r: any) => r.properties.email), ...res.body.errors.flatMap((e: any) => e.context.ids)];
    expect(accounted.sort()).toEqual(inputs.map((i) => i.id).sort());
    expect(sandbox.contacts().some((c) => c.properties.email === 'flaky@example.com')).toBe(false);
  });

  it('rejects more than 100 inputs and duplicate ids with 400', async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => upsertInput(`bulk${i}@example.com`));
    const big = await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: tooMany });
    expect(big.status).toBe(400);
    expect(big.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(sandbox.contacts().some((c) => c.properties.email === 'bulk0@example.com')).toBe(false);

    const hundred = await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: tooMany.slice(0, 100) });
    expect(hundred.status).toBe(200);
    expect(hundred.body.results).toHaveLength(100);

    const dupes = await api('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [upsertInput('twice@example.com'), upsertInput('TWICE@example.com')],
    });
    expect(dupes.status).toBe(400);
    expect(dupes.body.category).toBe('VALIDATION_ERROR');
    expect(dupes.body.message).toContain('Duplicate IDs found in batch input');
  });

  it('requires idProperty email on upsert inputs', async () => {
    const res = await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: 'a@example.com', properties: {} }] });
    expect(res.status).toBe(400);
    const byName = await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: 'Ann', idProperty: 'firstname', properties: {} }] });
    expect(byName.status).toBe(400);
    expect(byName.body.message).toContain('non-unique');
  });

  it('reads in batches and reports missing ids in one error', async () => {
    const ids = sandbox.contacts().slice(0, 2).map((c) => c.id);
    const res = await api('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [...ids, '999999'].map((id) => ({ id })), properties: ['email'] });
    expect(res.status).toBe(207);
    expect(res.body.results.map((r: any) => r.id).sort()).toEqual(ids.sort());
    expect(res.body.errors).toEqual([expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999999'] } })]);

    const byEmail = await api('POST', '/crm/v3/objects/contacts/batch/read', { idProperty: 'email', inputs: [{ id: DEMO_CONTACTS[0]!.email }], properties: [] });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.results[0].properties.email).toBe(DEMO_CONTACTS[0]!.email);
  });

  it('creates, updates and archives in batches', async () => {
    const created = await api('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'bc1@example.com' } }, { properties: { email: 'bc2@example.com', nope: 'x' } }],
    });
    expect(created.status).toBe(207);
    expect(created.body.results).toHaveLength(1);
    expect(created.body.errors[0].errors[0].in).toBe('nope');
    const id = created.body.results[0].id;

    const conflict = await api('POST', '/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { email: 'bc1@example.com' } }] });
    expect(conflict.status).toBe(409);

    const updated = await api('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [{ id, properties: { firstname: 'Batch' } }, { id: '424242', properties: { firstname: 'Ghost' } }],
    });
    expect(updated.status).toBe(207);
    expect(updated.body.results[0].properties.firstname).toBe('Batch');
    expect(updated.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['424242'] } });

    const archived = await api('POST', '/crm/v3/objects/contacts/batch/archive', { inputs: [{ id }] });
    expect(archived.status).toBe(204);
    expect(sandbox.contacts().find((c) => c.id === id)?.archived).toBe(true);
  });
});

describe('search', () => {
  it('finds a contact by email EQ, case-insensitively', async () => {
    const res = await api('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: DEMO_CONTACTS[2]!.email.toUpperCase() }] }],
      properties: ['email', 'city'],
      limit: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect(res.body.results[0].properties).toMatchObject({ email: DEMO_CONTACTS[2]!.email, city: 'Seattle' });
  });

  it('supports IN, NEQ, HAS_PROPERTY, ranges, sorting and paging', async () => {
    const inLead = await api('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'lifecyclestage', operator: 'IN', values: ['lead', 'opportunity'] }, { propertyName: 'phone', operator: 'HAS_PROPERTY' }] }],
      sorts: [{ propertyName: 'lastname', direction: 'DESCENDING' }],
      properties: ['lastname'],
    });
    expect(inLead.body.results.map((r: any) => r.properties.lastname)).toEqual(['Gonzalez', 'Becker']);

    const since = new Date(Date.now() - 24 * 3600_000).toISOString();
    const recent = await api('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'createdate', operator: 'GTE', value: String(Date.parse(since)) }, { propertyName: 'state', operator: 'NEQ', value: 'TX' }] }],
      limit: 2,
    });
    expect(recent.body.total).toBeGreaterThan(2);
    expect(recent.body.results).toHaveLength(2);
    expect(recent.body.paging.next.after).toBe('2');

    const tooBig = await api('POST', '/crm/v3/objects/contacts/search', { filterGroups: [], limit: 201 });
    expect(tooBig.status).toBe(400);
    const pastCap = await api('POST', '/crm/v3/objects/contacts/search', { filterGroups: [], after: '10000' });
    expect(pastCap.status).toBe(400);
  });
});

describe('properties', () => {
  it('creates a property once and answers 409 on a repeat', async () => {
    const missing = await api('GET', '/crm/v3/properties/contacts/lead_source_system');
    expect(missing.status).toBe(404);
    const definition = {
      name: 'lead_source_system',
      label: 'Lead source system',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'contactinformation',
      options: [
        { label: 'Rental platform', value: 'rental_platform', hidden: false },
        { label: 'Buildium', value: 'buildium', hidden: false },
      ],
    };
    const created = await api('POST', '/crm/v3/properties/contacts', definition);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'lead_source_system', type: 'enumeration', options: [{ value: 'rental_platform' }, { value: 'buildium' }] });
    const again = await api('POST', '/crm/v3/properties/contacts', definition);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS', message: "Property named 'lead_source_system' already exists." });
    const list = await api('GET', '/crm/v3/properties/contacts');
    expect(list.body.results.map((p: any) => p.name)).toEqual(expect.arrayContaining(['email', 'firstname', 'lifecyclestage', 'hs_object_id', 'lead_source_system']));
  });

  it('validates enumeration values against the options, and PATCH changes them', async () => {
    const bad = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'enum@example.com', lead_source_system: 'turbotenant' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('turbotenant was not one of the allowed options');

    const patched = await api('PATCH', '/crm/v3/properties/contacts/lead_source_system', {
      label: 'Lead source',
      options: [
        { label: 'Rental platform', value: 'rental_platform', hidden: false },
        { label: 'Buildium', value: 'buildium', hidden: false },
        { label: 'TurboTenant', value: 'turbotenant', hidden: false },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.label).toBe('Lead source');
    const ok = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'enum@example.com', lead_source_system: 'turbotenant' } });
    expect(ok.status).toBe(201);
    expect(ok.body.properties.lead_source_system).toBe('turbotenant');
  });
});

describe('auth', () => {
  it('answers 401 without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token']) {
      const res = await api('GET', '/crm/v3/objects/contacts', undefined, token);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
      expect(res.body.message).toMatch(/^Authentication credentials not found/);
    }
  });
});

describe('rate limit', () => {
  let limited: HubSpotSandbox;
  const call = client(() => limited.url);

  beforeAll(async () => {
    limited = await startHubSpotSandbox({ accessToken: TOKEN, rateLimit: { max: 3, intervalMs: 1000 }, seed: false });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('answers the 4th call in the window with 429 and recovers after the window', async () => {
    const started = Date.now();
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('GET', '/crm/v3/objects/contacts');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('3');
      expect(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('1000');
      expect(res.headers.get('x-hubspot-ratelimit-daily')).toBeTruthy();
      expect(res.headers.get('x-hubspot-ratelimit-daily-remaining')).toBeTruthy();
      remaining.push(res.headers.get('x-hubspot-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const limitedRes = await call('GET', '/crm/v3/objects/contacts');
    expect(limitedRes.status).toBe(429);
    expect(limitedRes.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(limitedRes.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(limitedRes.body.groupName).toMatch(/^publicapi:private-app:/);
    expect(limitedRes.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limitedRes.headers.get('retry-after')).toBeNull();

    await new Promise((r) => setTimeout(r, Math.max(0, started + 1050 - Date.now())));
    const after = await call('GET', '/crm/v3/objects/contacts');
    expect(after.status).toBe(200);
  });

  it('can be changed at run time, over HTTP too', async () => {
    const put = await fetch(`${limited.url}/__sandbox/rate-limit`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ max: 50, intervalMs: 2000 }),
    });
    expect(put.status).toBe(200);
    const res = await call('GET', '/crm/v3/objects/contacts');
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('50');
  });
});

describe('faults', () => {
  it("'status' answers the status for `times` requests, then normally", async () => {
    sandbox.addFault({ kind: 'status', status: 503, path: '/crm/v3/objects/contacts', method: 'GET', times: 1 });
    const first = await api('GET', '/crm/v3/objects/contacts?limit=1');
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ status: 'error' });
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBeTruthy();
    const second = await api('GET', '/crm/v3/objects/contacts?limit=1');
    expect(second.status).toBe(200);
  });

  it("'slow' delays the answer", async () => {
    sandbox.addFault({ kind: 'slow', delayMs: 300, times: 1 });
    const t0 = Date.now();
    const res = await api('GET', '/crm/v3/objects/contacts?limit=1');
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const t1 = Date.now();
    await api('GET', '/crm/v3/objects/contacts?limit=1');
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it("'reset' drops the connection without an answer", async () => {
    sandbox.addFault({ kind: 'reset', path: '/crm/v3/objects/contacts/batch/upsert', times: 1 });
    await expect(api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [upsertInput('reset@example.com')] })).rejects.toThrow();
    const retry = await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [upsertInput('reset@example.com')] });
    expect(retry.status).toBe(200);
    expect(retry.body.results[0].new).toBe(true);
  });

  it("'rateLimit' answers HubSpot's 429, with Retry-After when asked", async () => {
    sandbox.addFault({ kind: 'rateLimit', retryAfterSeconds: 2, times: 1 });
    const res = await api('GET', '/crm/v3/objects/contacts?limit=1');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.body.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect((await api('GET', '/crm/v3/objects/contacts?limit=1')).status).toBe(200);
  });

  it('applies probabilities reproducibly with a seeded random', async () => {
    const run = async () => {
      const sb = await startHubSpotSandbox({ accessToken: TOKEN, seed: false, random: seededRandom(42) });
      try {
        sb.addFault({ kind: 'status', status: 500, probability: 0.5 });
        const call = client(() => sb.url);
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) statuses.push((await call('GET', '/crm/v3/objects/contacts')).status);
        return statuses;
      } finally {
        await sb.close();
      }
    };
    const a = await run();
    expect(a).toEqual(await run());
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('is driven over HTTP under /__sandbox without auth', async () => {
    const add = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'status', status: 502, times: 1 }),
    });
    expect(add.status).toBe(201);
    expect((await api('GET', '/crm/v3/objects/contacts?limit=1')).status).toBe(502);
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'status', status: 500 }) });
    expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await api('GET', '/crm/v3/objects/contacts?limit=1')).status).toBe(200);

    const bad = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'explode' }) });
    expect(bad.status).toBe(400);

    const contacts = (await (await fetch(`${sandbox.url}/__sandbox/contacts`)).json()) as Array<{ properties: { email?: string } }>;
    expect(contacts.map((c) => c.properties.email)).toContain(DEMO_CONTACTS[0]!.email);
  });
});

describe('request log', () => {
  it('records CRM requests with status, batch size and duration, but not control routes', async () => {
    sandbox.clearRequests();
    await api('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [upsertInput('log1@example.com'), upsertInput('log2@example.com')] });
    await api('GET', '/crm/v3/objects/contacts/1', undefined, null);
    await fetch(`${sandbox.url}/__sandbox/contacts`);
    const log = sandbox.requests();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ method: 'POST', path: '/crm/v3/objects/contacts/batch/upsert', status: 200, inputs: 2 });
    expect(log[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(log[0]!.at).toBeLessThanOrEqual(log[1]!.at);
    expect(log[1]).toMatchObject({ method: 'GET', path: '/crm/v3/objects/contacts/1', status: 401 });
    expect(log[1]!.inputs).toBeUndefined();

    const overHttp = (await (await fetch(`${sandbox.url}/__sandbox/requests`)).json()) as unknown[];
    expect(overHttp).toHaveLength(2);
    sandbox.clearRequests();
    expect(sandbox.requests()).toEqual([]);
  });
});

describe('reset', () => {
  it('drops contacts, properties, faults and the log, and reseeds', async () => {
    sandbox.addFault({ kind: 'status', status: 500 });
    const res = await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
    expect(res.status).toBe(204);
    expect(sandbox.contacts().map((c) => c.properties.email)).toEqual(DEMO_CONTACTS.map((c) => c.email));
    expect((await api('GET', '/crm/v3/properties/contacts/lead_source_system')).status).toBe(404);
    expect(sandbox.requests()).toHaveLength(1);
    sandbox.reset();
    expect(sandbox.requests()).toHaveLength(0);
  });
});
