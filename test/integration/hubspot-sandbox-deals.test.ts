import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hubspotApi } from './support/hubspot-api.js';
import { DEAL_PIPELINES, seededRandom, startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';

const TOKEN = 'pat-na1-sandbox-deals-token';
const ROOMY = { max: 100_000, intervalMs: 10_000 };
const DEALS = '/crm/v3/objects/deals';
const STAGES = DEAL_PIPELINES[0]!.stages.map((s) => s.id);

const client = (base: () => string) => hubspotApi(base, TOKEN);

let sandbox: HubSpotSandbox;
const api = client(() => sandbox.url);
let counter = 0;

async function newContact(): Promise<string> {
  const res = await api('POST', '/crm/v3/objects/contacts', { properties: { email: `landlord${++counter}@example.com` } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function newDeal(properties: Record<string, string> = {}): Promise<string> {
  const res = await api('POST', DEALS, { properties: { dealname: `Unit ${++counter}`, dealstage: 'appointmentscheduled', ...properties } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function associatedIds(fromType: string, id: string, toType: string): Promise<string[]> {
  const res = await api('GET', `/crm/v4/objects/${fromType}/${id}/associations/${toType}`);
  expect(res.status).toBe(200);
  return res.body.results.map((r: any) => r.toObjectId);
}

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, port: 0, rateLimit: ROOMY, random: seededRandom(42) });
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(() => {
  sandbox.clearFaults();
  sandbox.setRateLimit(ROOMY);
});

describe('deals', () => {
  it('creates a deal in the default pipeline and reads it back with the default deal properties', async () => {
    const created = await api('POST', DEALS, { properties: { dealname: '12 Elm St', amount: '1850', dealstage: 'appointmentscheduled', closedate: '2026-12-01' } });
    expect(created.status).toBe(201);
    const { id } = created.body;
    expect(created.body.properties).toMatchObject({
      dealname: '12 Elm St',
      amount: '1850',
      dealstage: 'appointmentscheduled',
      pipeline: 'default',
      closedate: '2026-12-01T00:00:00.000Z',
      hs_object_id: id,
    });
    expect(created.body.properties.createdate).toBe(created.body.createdAt);
    expect(sandbox.deals().find((d) => d.id === id)?.properties.dealname).toBe('12 Elm St');

    const read = await api('GET', `${DEALS}/${id}`);
    expect(read.status).toBe(200);
    expect(Object.keys(read.body.properties).sort()).toEqual(['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline']);

    const byTypeId = await api('GET', `/crm/v3/objects/0-3/${id}?properties=amount`);
    expect(byTypeId.body.properties).toMatchObject({ amount: '1850', hs_object_id: id });

    const missing = await api('GET', `${DEALS}/987654321`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('updates with PATCH and archives with DELETE', async () => {
    const id = await newDeal({ amount: '1000' });
    const before = await api('GET', `${DEALS}/${id}`);
    const patched = await api('PATCH', `${DEALS}/${id}`, { properties: { dealstage: 'contractsent', amount: '1200' } });
    expect(patched.status).toBe(200);
    expect(patched.body.properties).toMatchObject({ dealstage: 'contractsent', amount: '1200', pipeline: 'default' });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.body.updatedAt));

    expect((await api('PATCH', `${DEALS}/${id}`, { properties: {} })).status).toBe(400);
    expect((await api('PATCH', `${DEALS}/987654321`, { properties: { amount: '1' } })).status).toBe(404);

    expect((await api('DELETE', `${DEALS}/${id}`)).status).toBe(204);
    expect((await api('GET', `${DEALS}/${id}`)).status).toBe(404);
    const archived = await api('GET', `${DEALS}/${id}?archived=true`);
    expect(archived.body.archived).toBe(true);
    expect(archived.body.archivedAt).toBeTruthy();
  });

  it('refuses a stage that is not in the pipeline, an unknown pipeline and bad values with 400', async () => {
    const unknownStage = await api('POST', DEALS, { properties: { dealname: 'Bad stage', dealstage: 'signed_lease' } });
    expect(unknownStage.status).toBe(400);
    expect(unknownStage.body.category).toBe('VALIDATION_ERROR');
    expect(unknownStage.body.message).toContain('Property values were not valid');
    expect(unknownStage.body.message).toContain('signed_lease was not one of the allowed options');
    expect(unknownStage.body.errors[0]).toMatchObject({ in: 'dealstage', code: 'INVALID_OPTION' });

    const unknownPipeline = await api('POST', DEALS, { properties: { dealname: 'Bad pipeline', pipeline: 'rentals', dealstage: 'appointmentscheduled' } });
    expect(unknownPipeline.status).toBe(400);
    expect(unknownPipeline.body.errors[0]).toMatchObject({ in: 'pipeline', code: 'INVALID_OPTION' });

    const badAmount = await api('POST', DEALS, { properties: { dealname: 'Bad amount', amount: 'twelve hundred' } });
    expect(badAmount.status).toBe(400);
    expect(badAmount.body.errors[0]).toMatchObject({ in: 'amount', code: 'INVALID_NUMBER' });

    const unknownProperty = await api('POST', DEALS, { properties: { dealname: 'x', bedrooms: '2' } });
    expect(unknownProperty.status).toBe(400);
    expect(unknownProperty.body.errors[0]).toMatchObject({ in: 'bedrooms', code: 'PROPERTY_DOESNT_EXIST' });

    const id = await newDeal();
    const badPatch = await api('PATCH', `${DEALS}/${id}`, { properties: { dealstage: 'moved_in' } });
    expect(badPatch.status).toBe(400);
    expect((await api('GET', `${DEALS}/${id}`)).body.properties.dealstage).toBe('appointmentscheduled');
    expect(sandbox.deals().some((d) => ['Bad stage', 'Bad pipeline', 'Bad amount'].includes(d.properties.dealname ?? ''))).toBe(false);
  });

  it('has HubSpot-defined deal properties and takes custom ones created under /crm/v3/properties/deals', async () => {
    const stage = await api('GET', '/crm/v3/properties/deals/dealstage');
    expect(stage.status).toBe(200);
    expect(stage.body.options.map((o: any) => o.value)).toEqual(STAGES);
    expect(STAGES).toEqual(['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost']);

    const created = await api('POST', '/crm/v3/properties/deals', {
      name: 'turbotenant_property_id',
      label: 'TurboTenant property ID',
      type: 'string',
      fieldType: 'text',
      groupName: 'dealinformation',
      hasUniqueValue: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'turbotenant_property_id', hasUniqueValue: true, groupName: 'dealinformation' });
    expect((await api('POST', '/crm/v3/properties/deals', created.body)).status).toBe(409);
    // Deal properties are the deals' own: contacts do not have it.
    expect((await api('GET', '/crm/v3/properties/contacts/turbotenant_property_id')).status).toBe(404);

    const id = await newDeal({ turbotenant_property_id: 'prop-777' });
    const byUnique = await api('GET', `${DEALS}/prop-777?idProperty=turbotenant_property_id&properties=dealname`);
    expect(byUnique.status).toBe(200);
    expect(byUnique.body.id).toBe(id);
    expect((await api('GET', `${DEALS}/Unit?idProperty=dealname`)).status).toBe(400);
  });
});

describe('deal batches', () => {
  it('batch create with objectWriteTraceIds answers 207: the valid deals are created, the invalid input is an error naming its trace id', async () => {
    const before = sandbox.deals().length;
    const res = await api('POST', `${DEALS}/batch/create`, {
      inputs: [
        { objectWriteTraceId: 'a', properties: { dealname: 'Batch A', dealstage: 'qualifiedtobuy' }, associations: [] },
        { objectWriteTraceId: 'b', properties: { dealname: 'Batch B', dealstage: 'not_a_stage' }, associations: [] },
        { objectWriteTraceId: 'c', properties: { dealname: 'Batch C', amount: '900' }, associations: [] },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ status: 'COMPLETE', numErrors: 1 });
    expect(res.body.startedAt).toBeTruthy();
    expect(res.body.completedAt).toBeTruthy();
    const byTrace = Object.fromEntries(res.body.results.map((r: any) => [r.objectWriteTraceId, r.properties.dealname]));
    expect(byTrace).toEqual({ a: 'Batch A', c: 'Batch C' });
    expect(res.body.errors[0]).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['b'] } });
    expect(res.body.errors[0].message).toContain('not_a_stage');
    expect(sandbox.deals().length).toBe(before + 2);
  });

  it('batch create without objectWriteTraceIds fails whole with 400 when one input is invalid, creating nothing', async () => {
    const before = sandbox.deals().length;
    const res = await api('POST', `${DEALS}/batch/create`, {
      inputs: [{ properties: { dealname: 'Fine' } }, { properties: { dealname: 'Broken', dealstage: 'nope' } }],
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('nope was not one of the allowed options');
    expect(sandbox.deals().length).toBe(before);

    const ok = await api('POST', `${DEALS}/batch/create`, { inputs: [{ properties: { dealname: 'Fine alone' } }] });
    expect(ok.status).toBe(201);
    expect(ok.body.results[0].objectWriteTraceId).toBeUndefined();
  });

  it('batch create takes 100 inputs, refuses 101, and returns results in no particular order', async () => {
    const inputs = Array.from({ length: 100 }, (_, i) => ({ objectWriteTraceId: `t${i}`, properties: { dealname: `Bulk ${i}` } }));
    const res = await api('POST', `${DEALS}/batch/create`, { inputs });
    expect(res.status).toBe(201);
    expect(res.body.results).toHaveLength(100);
    for (const r of res.body.results) expect(r.properties.dealname).toBe(`Bulk ${r.objectWriteTraceId.slice(1)}`);
    const order = res.body.results.map((r: any) => r.objectWriteTraceId);
    expect(order).not.toEqual(inputs.map((i) => i.objectWriteTraceId));

    const tooMany = await api('POST', `${DEALS}/batch/create`, { inputs: [...inputs, { properties: { dealname: 'one more' } }] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 100');

    const dupTrace = await api('POST', `${DEALS}/batch/create`, { inputs: [inputs[0], inputs[0]] });
    expect(dupTrace.status).toBe(400);
  });

  it('batch update answers 207 naming missing ids and invalid inputs, and applies the rest', async () => {
    const [a, b] = [await newDeal(), await newDeal()];
    const res = await api('POST', `${DEALS}/batch/update`, {
      inputs: [
        { id: a, properties: { dealstage: 'closedwon' } },
        { id: b, properties: { dealstage: 'lease_signed' } },
        { id: '999999', properties: { amount: '1' } },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.results.map((r: any) => [r.id, r.properties.dealstage])).toEqual([[a, 'closedwon']]);
    const notFound = res.body.errors.find((e: any) => e.category === 'OBJECT_NOT_FOUND');
    expect(notFound.context.ids).toEqual(['999999']);
    const invalid = res.body.errors.find((e: any) => e.category === 'VALIDATION_ERROR');
    expect(invalid.context.ids).toEqual([b]);
    expect(sandbox.deals().find((d) => d.id === b)?.properties.dealstage).toBe('appointmentscheduled');

    expect((await api('POST', `${DEALS}/batch/update`, { inputs: [{ id: a, properties: {} }, { id: a, properties: {} }] })).status).toBe(400);
  });

  it('batch upsert by a unique property creates a deal once and updates it after', async () => {
    await api('POST', '/crm/v3/properties/deals', { name: 'listing_key', label: 'Listing key', type: 'string', fieldType: 'text', groupName: 'dealinformation', hasUniqueValue: true });
    const upsert = (inputs: Array<{ id: string; properties: Record<string, string> }>) =>
      api('POST', `${DEALS}/batch/upsert`, { inputs: inputs.map((i) => ({ idProperty: 'listing_key', ...i })) });

    const first = await upsert([{ id: 'L-1', properties: { dealname: 'Loft', amount: '1500' } }]);
    expect(first.status).toBe(200);
    expect(first.body.results[0]).toMatchObject({ new: true, properties: { listing_key: 'L-1', dealname: 'Loft', pipeline: 'default' } });
    const again = await upsert([
      { id: 'L-1', properties: { amount: '1650' } },
      { id: 'L-2', properties: { dealname: 'Bad', dealstage: 'nope' } },
    ]);
    expect(again.status).toBe(207);
    expect(again.body.results).toEqual([expect.objectContaining({ id: first.body.results[0].id, new: false })]);
    expect(again.body.errors[0]).toMatchObject({ category: 'VALIDATION_ERROR', context: { ids: ['L-2'] } });
    expect(sandbox.deals().filter((d) => d.properties.listing_key === 'L-1').map((d) => d.properties.amount)).toEqual(['1650']);

    const byName = await api('POST', `${DEALS}/batch/upsert`, { inputs: [{ idProperty: 'dealname', id: 'Loft', properties: {} }] });
    expect(byName.status).toBe(400);
  });

  it('batch read returns the properties asked for and a 207 naming missing ids', async () => {
    const id = await newDeal({ amount: '2100' });
    const res = await api('POST', `${DEALS}/batch/read`, { inputs: [{ id }, { id: '424242' }], properties: ['amount'], propertiesWithHistory: [] });
    expect(res.status).toBe(207);
    expect(res.body.results[0]).toMatchObject({ id, properties: { amount: '2100', hs_object_id: id } });
    expect(res.body.results[0].properties.dealname).toBeUndefined();
    expect(res.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['424242'] } });

    const all = await api('POST', `${DEALS}/batch/read`, { inputs: [{ id }], properties: [], propertiesWithHistory: [] });
    expect(all.status).toBe(200);
    expect(all.body.results[0].properties.amount).toBe('2100');

    const tooMany = await api('POST', `${DEALS}/batch/read`, { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i) })), properties: [] });
    expect(tooMany.status).toBe(400);
  });
});

describe('associations', () => {
  it('associates a contact with a deal (PUT default) and both sides see it, with the default type ids 4 and 3', async () => {
    const contact = await newContact();
    const deal = await newDeal();
    const res = await api('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/deals/${deal}`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('COMPLETE');
    expect(res.body.results).toEqual([
      { from: { id: contact }, to: { id: deal }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 } },
      { from: { id: deal }, to: { id: contact }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 } },
    ]);

    const fromContact = await api('GET', `/crm/v4/objects/contacts/${contact}/associations/deals`);
    expect(fromContact.body.results).toEqual([{ toObjectId: deal, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 4 }] }]);
    const fromDeal = await api('GET', `/crm/v4/objects/deal/${deal}/associations/0-1`);
    expect(fromDeal.body.results).toEqual([{ toObjectId: contact, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3 }] }]);

    const v3 = await api('GET', `${DEALS}/${deal}?associations=contacts`);
    expect(v3.body.associations).toEqual({ contacts: { results: [{ id: contact, type: 'deal_to_contact' }] } });

    expect(sandbox.associations().filter((a) => a.fromObjectId === contact || a.fromObjectId === deal)).toEqual([
      { fromObjectType: 'contacts', fromObjectId: contact, toObjectType: 'deals', toObjectId: deal, category: 'HUBSPOT_DEFINED', associationTypeId: 4 },
      { fromObjectType: 'deals', fromObjectId: deal, toObjectType: 'contacts', toObjectId: contact, category: 'HUBSPOT_DEFINED', associationTypeId: 3 },
    ]);

    // Associating again changes nothing.
    expect((await api('PUT', `/crm/v4/objects/deals/${deal}/associations/default/contacts/${contact}`)).status).toBe(200);
    expect(await associatedIds('contacts', contact, 'deals')).toEqual([deal]);

    const missing = await api('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/deals/31337`);
    expect(missing.status).toBe(404);
  });

  it('batch associates by default and answers 207 for a pair whose deal does not exist', async () => {
    const contact = await newContact();
    const [d1, d2] = [await newDeal(), await newDeal()];
    const res = await api('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', {
      inputs: [
        { from: { id: contact }, to: { id: d1 } },
        { from: { id: contact }, to: { id: '31337' } },
        { from: { id: contact }, to: { id: d2 } },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.results.filter((r: any) => r.associationSpec.associationTypeId === 4).map((r: any) => r.to.id)).toEqual([d1, d2]);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { fromObjectId: [contact], toObjectId: ['31337'] } });
    expect(await associatedIds('contacts', contact, 'deals')).toEqual([d1, d2]);
    expect(await associatedIds('deals', d2, 'contacts')).toEqual([contact]);

    const tooMany = await api('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', {
      inputs: Array.from({ length: 2001 }, () => ({ from: { id: contact }, to: { id: d1 } })),
    });
    expect(tooMany.status).toBe(400);
  });

  it('batch reads associations, with a 207 error for a record that has none', async () => {
    const [withDeals, without] = [await newContact(), await newContact()];
    const [d1, d2] = [await newDeal(), await newDeal()];
    await api('POST', '/crm/v4/associations/deals/contacts/batch/associate/default', {
      inputs: [
        { from: { id: d1 }, to: { id: withDeals } },
        { from: { id: d2 }, to: { id: withDeals } },
      ],
    });
    const res = await api('POST', '/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: withDeals }, { id: without }] });
    expect(res.status).toBe(207);
    expect(res.body.results).toEqual([
      {
        from: { id: withDeals },
        to: [
          { toObjectId: d1, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 4 }] },
          { toObjectId: d2, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 4 }] },
        ],
      },
    ]);
    expect(res.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { fromObjectId: [without] } });

    const page = await api('GET', `/crm/v4/objects/contacts/${withDeals}/associations/deals?limit=1`);
    expect(page.body.results.map((r: any) => r.toObjectId)).toEqual([d1]);
    const next = await api('GET', `/crm/v4/objects/contacts/${withDeals}/associations/deals?limit=1&after=${page.body.paging.next.after}`);
    expect(next.body.results.map((r: any) => r.toObjectId)).toEqual([d2]);
    expect(next.body.paging).toBeUndefined();
  });

  it('a deal created with an association to a contact is associated both ways; an unknown contact is a 400', async () => {
    const contact = await newContact();
    const created = await api('POST', DEALS, {
      properties: { dealname: 'With landlord' },
      associations: [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] }],
    });
    expect(created.status).toBe(201);
    expect(await associatedIds('contacts', contact, 'deals')).toEqual([created.body.id]);

    const bad = await api('POST', DEALS, {
      properties: { dealname: 'Orphan' },
      associations: [{ to: { id: '31337' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('No contact with ID 31337');
    expect(sandbox.deals().some((d) => d.properties.dealname === 'Orphan')).toBe(false);
  });

  it('deleting a deal or a contact removes its associations; a merge hands them to the primary', async () => {
    const [c1, c2, c3] = [await newContact(), await newContact(), await newContact()];
    const [d1, d2] = [await newDeal(), await newDeal()];
    await api('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', {
      inputs: [
        { from: { id: c1 }, to: { id: d1 } },
        { from: { id: c1 }, to: { id: d2 } },
        { from: { id: c2 }, to: { id: d2 } },
      ],
    });

    expect((await api('DELETE', `${DEALS}/${d1}`)).status).toBe(204);
    expect(await associatedIds('contacts', c1, 'deals')).toEqual([d2]);
    expect(sandbox.associations().some((a) => a.fromObjectId === d1 || a.toObjectId === d1)).toBe(false);

    expect((await api('DELETE', `/crm/v3/objects/contacts/${c2}`)).status).toBe(204);
    expect(await associatedIds('deals', d2, 'contacts')).toEqual([c1]);

    const merged = await api('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: c3, objectIdToMerge: c1 });
    expect(merged.status).toBe(200);
    expect(await associatedIds('contacts', c3, 'deals')).toEqual([d2]);
    expect(await associatedIds('deals', d2, 'contacts')).toEqual([c3]);
  });

  it('refuses object types it does not know', async () => {
    const res = await api('GET', '/crm/v4/objects/companies/1/associations/deals');
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('Unable to infer object type from: companies');
  });
});

describe('auth, rate limit, faults and the request log apply to deals and associations', () => {
  it('answers 401 without the bearer token', async () => {
    expect((await api('POST', `${DEALS}/batch/create`, { inputs: [] }, null)).status).toBe(401);
    expect((await api('GET', '/crm/v4/objects/contacts/1001/associations/deals', undefined, 'wrong')).status).toBe(401);
  });

  it('answers 429 once the window is spent', async () => {
    const limited = await startHubSpotSandbox({ accessToken: TOKEN, rateLimit: { max: 2, intervalMs: 10_000 } });
    try {
      const call = client(() => limited.url);
      const deal = await call('POST', DEALS, { properties: { dealname: 'Limited' } });
      expect(deal.status).toBe(201);
      const ok = await call('GET', `${DEALS}/${deal.body.id}`);
      expect(ok.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
      const refused = await call('POST', '/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: '1001' }] });
      expect(refused.status).toBe(429);
      expect(refused.body.policyName).toBe('TEN_SECONDLY_ROLLING');
    } finally {
      await limited.close();
    }
  });

  it("'status' and 'inputError' faults hit deal and association routes", async () => {
    sandbox.addFault({ kind: 'status', status: 503, path: `${DEALS}/batch/create`, times: 1 });
    const failed = await api('POST', `${DEALS}/batch/create`, { inputs: [{ properties: { dealname: 'x' } }] });
    expect(failed.status).toBe(503);
    expect((await api('POST', `${DEALS}/batch/create`, { inputs: [{ properties: { dealname: 'x' } }] })).status).toBe(201);

    sandbox.addFault({ kind: 'inputError', emailPattern: '^Cursed', path: DEALS, message: 'Injected: this deal cannot be written' });
    const partial = await api('POST', `${DEALS}/batch/create`, {
      inputs: [
        { objectWriteTraceId: '0', properties: { dealname: 'Cursed manor' } },
        { objectWriteTraceId: '1', properties: { dealname: 'Sunny flat' } },
      ],
    });
    expect(partial.status).toBe(207);
    expect(partial.body.results.map((r: any) => r.properties.dealname)).toEqual(['Sunny flat']);
    expect(partial.body.errors[0]).toMatchObject({ message: 'Injected: this deal cannot be written', context: { objectWriteTraceId: ['0'] } });

    sandbox.addFault({ kind: 'status', status: 500, path: '/crm/v4/associations', times: 1 });
    expect((await api('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', { inputs: [] })).status).toBe(500);
  });

  it('records deal and association calls with their batch sizes', async () => {
    sandbox.clearRequests();
    await api('POST', `${DEALS}/batch/create`, { inputs: [{ properties: { dealname: 'Logged 1' } }, { properties: { dealname: 'Logged 2' } }] });
    await api('POST', '/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: '1001' }] });
    expect(sandbox.requests().map((r) => [r.method, r.path, r.status, r.inputs])).toEqual([
      ['POST', `${DEALS}/batch/create`, 201, 2],
      ['POST', '/crm/v4/associations/contacts/deals/batch/read', 207, 1],
    ]);
  });
});

describe('reset', () => {
  it('drops deals, associations and custom deal properties', async () => {
    const own = await startHubSpotSandbox({ accessToken: TOKEN, rateLimit: ROOMY });
    try {
      const call = client(() => own.url);
      await call('POST', '/crm/v3/properties/deals', { name: 'bedrooms', label: 'Bedrooms', type: 'number', fieldType: 'number', groupName: 'dealinformation' });
      const deal = await call('POST', DEALS, { properties: { dealname: 'Temp', bedrooms: '2' } });
      await call('PUT', `/crm/v4/objects/deals/${deal.body.id}/associations/default/contacts/1001`);
      expect(own.deals()).toHaveLength(1);
      expect(own.associations()).toHaveLength(2);

      own.reset();
      expect(own.deals()).toEqual([]);
      expect(own.associations()).toEqual([]);
      expect((await call('GET', '/crm/v3/properties/deals/bedrooms')).status).toBe(404);
      expect((await call('GET', '/__sandbox/deals', undefined, null)).body).toEqual([]);
    } finally {
      await own.close();
    }
  });
});
