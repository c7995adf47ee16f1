/**
 * HubSpot's date-based paths (functions/connectors/hubspot/api-paths.ts): every connector call
 * goes to a 2026-09 path, none to the v3/v4 ones HubSpot retires (v4 associations on 2027-03-30,
 * v1–v3 in September 2027), as the sandbox's request log shows; and the sandbox answers the dated
 * paths as the 2026-09 documents do where they differ from the legacy ones
 * (lib/local/sandboxes/hubspot/versions.ts), with the account details API beside them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotCrmAdapter } from '../../functions/connectors/hubspot/crm.js';
import { associateContactsWithDeals, batchCreateDeals, batchUpdateDeals, readDeals } from '../../functions/connectors/hubspot/deals.js';
import { HubSpotObjectsAdapter } from '../../functions/connectors/hubspot/objects.js';
import { ensureBuildiumObjects } from '../../functions/connectors/hubspot/setup-buildium.js';
import { contactProperties, dealProperties, ensureProperties } from '../../functions/connectors/hubspot/setup.js';
import { PORTAL_ID } from '../../lib/local/sandboxes/hubspot/errors.js';
import { seededRandom, startHubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { useHubSpotSandbox } from './support/hubspot-sandbox.js';

const TOKEN = 'pat-na1-dated-paths';
const CALL = { maxWaitMs: 0, timeoutMs: 5_000 };
const LEGACY_PATH = /\/crm\/v[34]\/|\/crm-object-schemas\/v3\/|\/associations\/v4\//;

const hub = useHubSpotSandbox(TOKEN, { random: seededRandom(11) });
const { api } = hub;

describe('the HubSpot connectors', () => {
  it('call only 2026-09 paths, every one of which the sandbox serves', async () => {
    // Act: setup twice (creates, then 409 → read → add an option), then every sync call.
    await ensureProperties(hub.client, 'contacts', contactProperties('platform'));
    await ensureProperties(hub.client, 'contacts', contactProperties('beworking'));
    await ensureProperties(hub.client, 'deals', dealProperties());
    const { unitObjectType } = await ensureBuildiumObjects(hub.client);
    await ensureBuildiumObjects(hub.client);
    const unit = unitObjectType!;

    const contacts = await hub.client.upsertByEmail(
      [
        { email: 'ana@example.com', properties: { email: 'ana@example.com', firstname: 'Ana' } },
        { email: 'bo@example.com', properties: { email: 'bo@example.com' } },
      ],
      CALL,
    );
    const [ana, bo] = [contacts.written.get('ana@example.com')!.id, contacts.written.get('bo@example.com')!.id];
    await hub.client.readContacts([ana, bo], ['email'], CALL);

    const crm = new HubSpotCrmAdapter(hub.client, CALL);
    await crm.upsertContacts([{ email: 'cy@example.com', properties: { email: 'cy@example.com' } }]);
    const { deals } = await crm.upsertDeals([{ propertyId: 'PROP_1', properties: { dealname: 'Property 1' } }]);
    await crm.associateContactsWithDeals([{ contactId: ana, dealId: deals.get('PROP_1')!.id }]);

    const created = await batchCreateDeals(hub.client, [{ properties: { dealname: 'Created' }, contactIds: [bo] }], CALL);
    const dealId = created.results[0]!.ok ? created.results[0]!.id : '';
    await batchUpdateDeals(hub.client, [{ id: dealId, properties: { dealname: 'Renamed' } }], CALL);
    await readDeals(hub.client, [dealId], ['dealname'], CALL);
    await readDeals(hub.client, ['PROP_1'], ['dealname'], { ...CALL, idProperty: 'turbotenant_property_id' });
    await associateContactsWithDeals(hub.client, [{ contactId: bo, dealId }], CALL);

    const objects = new HubSpotObjectsAdapter(hub.client, CALL);
    const listing = (await objects.upsert('0-420', 'buildium_property_id', [{ key: 'BP-1', properties: { name: 'Oak Court' } }])).written.get('BP-1')!.id;
    await objects.update('0-420', [{ id: listing, properties: { name: 'Oak Court East' } }]);
    await objects.read('0-420', [listing], ['name']);
    const unitId = (await objects.upsert(unit, 'buildium_unit_id', [{ key: 'BU-1', properties: { unit_number: '1A' } }])).written.get('BU-1')!.id;
    await objects.associateDefault('0-420', unit, [{ fromId: listing, toId: unitId }]);
    await objects.associateLabeled('contacts', unit, 'active_tenant', [{ fromId: ana, toId: unitId }]);
    await objects.removeLabel('contacts', unit, 'active_tenant', [{ fromId: ana, toId: unitId }]);

    // Assess
    const requests = hub.sandbox.requests();
    expect(requests.filter((r) => LEGACY_PATH.test(r.path)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(requests.filter((r) => r.status === 404 || r.status === 405).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(new Set(requests.map((r) => `${r.method} ${r.path}`))).toEqual(
      new Set([
        ...['contacts', 'deals', '0-420', unit].map((type) => `POST /crm/properties/2026-09/${type}`),
        'GET /crm/properties/2026-09/contacts/lead_source_system',
        'PATCH /crm/properties/2026-09/contacts/lead_source_system',
        ...contactProperties('platform').slice(1).map((p) => `GET /crm/properties/2026-09/contacts/${p.name}`),
        ...['buildium_tenant_id', 'buildium_comment', 'hs_additional_emails', 'date_of_birth', 'tax_id'].map((name) => `GET /crm/properties/2026-09/contacts/${name}`),
        ...['buildium_property_id', 'name', 'address', 'total_units', 'year_built', 'property_type', 'amenities', 'base_rent_amount', 'description'].map(
          (name) => `GET /crm/properties/2026-09/0-420/${name}`,
        ),
        ...['buildium_unit_id', 'listing_id', 'unit_number', 'bedrooms', 'bathrooms', 'square_feet', 'market_rent', 'unit_description', 'occupancy_status', 'listing_status'].map(
          (name) => `GET /crm/properties/2026-09/${unit}/${name}`,
        ),
        'GET /crm-object-schemas/2026-09/schemas',
        'POST /crm-object-schemas/2026-09/schemas',
        `GET /crm/associations/2026-09/contacts/${unit}/labels`,
        `POST /crm/associations/2026-09/contacts/${unit}/labels`,
        'GET /crm/associations/2026-09/contacts/contacts/labels',
        'POST /crm/associations/2026-09/contacts/contacts/labels',
        'POST /crm/objects/2026-09/contacts/batch/upsert',
        'POST /crm/objects/2026-09/contacts/batch/read',
        'POST /crm/objects/2026-09/deals/batch/upsert',
        'POST /crm/objects/2026-09/deals/batch/create',
        'POST /crm/objects/2026-09/deals/batch/update',
        'POST /crm/objects/2026-09/deals/batch/read',
        'POST /crm/associations/2026-09/contacts/deals/batch/associate/default',
        'POST /crm/objects/2026-09/0-420/batch/upsert',
        'POST /crm/objects/2026-09/0-420/batch/update',
        'POST /crm/objects/2026-09/0-420/batch/read',
        `POST /crm/objects/2026-09/${unit}/batch/upsert`,
        `POST /crm/associations/2026-09/0-420/${unit}/batch/associate/default`,
        `POST /crm/associations/2026-09/contacts/${unit}/batch/create`,
        `POST /crm/associations/2026-09/contacts/${unit}/batch/labels/archive`,
      ]),
    );
    // What the calls did, so a path the sandbox answered wrongly cannot pass unnoticed.
    expect(hub.sandbox.associationsBetween('contacts', unit)).toEqual([expect.objectContaining({ fromObjectId: ana, toObjectId: unitId })]);
    expect(hub.sandbox.deals().map((d) => d.properties.dealname).sort()).toEqual(['Property 1', 'Renamed']);
  });
});

describe('the sandbox on the 2026-09 paths', () => {
  const invalidUpsert = { inputs: [{ idProperty: 'email', id: 'ok@example.com', properties: {} }, { idProperty: 'email', id: 'not-an-email', properties: {} }] };

  it('answers a batch with a failed input with its success status and the errors, where v3 answers 207', async () => {
    // Act
    const dated = await api('POST', '/crm/objects/2026-09/contacts/batch/upsert', invalidUpsert);
    const legacy = await api('POST', '/crm/v3/objects/contacts/batch/upsert', invalidUpsert);

    // Assess
    expect(dated.status).toBe(200);
    expect(legacy.status).toBe(207);
    for (const answer of [dated, legacy]) {
      expect(answer.body).toMatchObject({ status: 'COMPLETE', numErrors: 1, errors: [{ category: 'VALIDATION_ERROR', context: { ids: ['not-an-email'] } }] });
      expect(answer.body.results.map((r: any) => r.properties.email)).toEqual(['ok@example.com']);
    }
  });

  it('answers association archives with a BatchResponseVoid, a batch create with 200, and a labeled PUT without Location', async () => {
    // Prepare
    const ids = (await api('POST', '/crm/objects/2026-09/contacts/batch/create', { inputs: ['a', 'b', 'c'].map((n) => ({ properties: { email: `${n}@example.com` } })) })).body.results.map(
      (r: any) => r.id,
    );
    const label = (await api('POST', '/crm/associations/2026-09/contacts/contacts/labels', { name: 'emergency_contact', label: 'Emergency contact' })).body.results[0];
    const type = { associationCategory: 'USER_DEFINED', associationTypeId: label.typeId };
    const pair = (to: string) => ({ from: { id: ids[0] }, to: { id: to }, types: [type] });

    // Act
    const created = await api('POST', '/crm/associations/2026-09/contacts/contacts/batch/create', { inputs: [pair(ids[1])] });
    const createdV4 = await api('POST', '/crm/v4/associations/contacts/contacts/batch/create', { inputs: [pair(ids[2])] });
    const put = await api('PUT', `/crm/objects/2026-09/contacts/${ids[1]}/associations/contacts/${ids[2]}`, [type]);
    const putV4 = await api('PUT', `/crm/v4/objects/contacts/${ids[2]}/associations/contacts/${ids[0]}`, [type]);
    const unlabeled = await api('POST', '/crm/associations/2026-09/contacts/contacts/batch/labels/archive', { inputs: [pair(ids[1])] });
    const unlabeledV4 = await api('POST', '/crm/v4/associations/contacts/contacts/batch/labels/archive', { inputs: [pair(ids[2])] });
    const archived = await api('POST', '/crm/associations/2026-09/contacts/contacts/batch/archive', { inputs: [{ from: { id: ids[1] }, to: [{ id: ids[2] }] }] });
    const archivedV4 = await api('POST', '/crm/v4/associations/contacts/contacts/batch/archive', { inputs: [{ from: { id: ids[0] }, to: [{ id: ids[1] }] }] });

    // Assess
    expect([created.status, createdV4.status]).toEqual([200, 201]);
    expect(created.body.results).toEqual([expect.objectContaining({ fromObjectId: ids[0], toObjectId: ids[1], labels: ['Emergency contact'] })]);
    expect([put.status, putV4.status]).toEqual([201, 201]);
    expect(put.headers.get('location')).toBeNull();
    expect(putV4.headers.get('location')).toContain(`/crm/v4/objects/contacts/${ids[2]}/associations/contacts/${ids[0]}`);
    for (const answer of [unlabeled, archived]) expect(answer).toMatchObject({ status: 200, body: { status: 'COMPLETE', results: [] } });
    expect([unlabeledV4.status, archivedV4.status, unlabeledV4.body, archivedV4.body]).toEqual([204, 204, undefined, undefined]);
    // Label archives kept the pairs' unlabeled associations; the archives removed 1–2 and 0–1 altogether.
    const left = hub.sandbox.associationsBetween('contacts', 'contacts').map((a) => `${a.fromObjectId}>${a.toObjectId}${a.label ? ` ${a.label}` : ''}`);
    expect(left.sort()).toEqual([`${ids[0]}>${ids[2]}`, `${ids[2]}>${ids[0]}`].sort());
  });

  it('lists a record\'s associations on v4 only, as the 2026-09 documents have no such endpoint', async () => {
    const id = (await api('POST', '/crm/objects/2026-09/contacts', { properties: { email: 'lone@example.com' } })).body.id;
    expect((await api('GET', `/crm/v4/objects/contacts/${id}/associations/deals`)).status).toBe(200);
    expect((await api('GET', `/crm/objects/2026-09/contacts/${id}/associations/deals`)).status).toBe(404);
  });

  it('needs allowsSensitiveProperties, searchableProperties and secondaryDisplayProperties in a 2026-09 schema create', async () => {
    // Prepare
    const egg = {
      name: 'unit',
      labels: { singular: 'Unit', plural: 'Units' },
      requiredProperties: ['unit_number'],
      properties: [{ name: 'unit_number', label: 'Unit number', type: 'string', fieldType: 'text' }],
      associatedObjects: ['CONTACT'],
    };

    // Act
    const short = await api('POST', '/crm-object-schemas/2026-09/schemas', egg);
    const full = await api('POST', '/crm-object-schemas/2026-09/schemas', { ...egg, allowsSensitiveProperties: false, searchableProperties: ['unit_number'], secondaryDisplayProperties: [] });

    // Assess
    expect(short.status).toBe(400);
    expect(short.body.errors.map((e: any) => e.in).sort()).toEqual(['allowsSensitiveProperties', 'searchableProperties', 'secondaryDisplayProperties']);
    expect(full.status).toBe(201);
    expect(full.body).toMatchObject({ name: 'unit', allowsSensitiveProperties: false, searchableProperties: ['unit_number'], archived: false });
    // v3 keeps them optional.
    expect((await api('POST', '/crm-object-schemas/v3/schemas', { ...egg, name: 'room' })).status).toBe(201);
  });
});

describe('the account details API', () => {
  it('answers the portal behind the token, its time zone and its account type, which the control API sets', async () => {
    // Act
    const details = await api('GET', '/account-info/2026-03/details');
    const noToken = await api('GET', '/account-info/2026-03/details', undefined, null);
    const set = await api('PUT', '/__sandbox/account', { accountType: 'DEVELOPER_TEST' }, null);
    const afterSet = await api('GET', '/account-info/2026-03/details');
    const refused = await api('PUT', '/__sandbox/account', { accountType: 'ENTERPRISE' }, null);
    hub.sandbox.setAccountType('SANDBOX');
    const viaHandle = await api('GET', '/account-info/2026-03/details');
    hub.sandbox.reset();
    const afterReset = await api('GET', '/account-info/2026-03/details');

    // Assess
    expect(details.status).toBe(200);
    expect(details.body).toEqual({
      portalId: PORTAL_ID,
      accountType: 'STANDARD',
      timeZone: 'US/Eastern',
      companyCurrency: 'USD',
      additionalCurrencies: [],
      utcOffset: expect.stringMatching(/^-0[45]:00$/),
      utcOffsetMilliseconds: expect.any(Number),
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    });
    expect(details.body.utcOffsetMilliseconds).toBe(Number(details.body.utcOffset.slice(0, 3)) * 3_600_000);
    expect(noToken.status).toBe(401);
    expect([set.status, set.body.accountType, afterSet.body.accountType]).toEqual([200, 'DEVELOPER_TEST', 'DEVELOPER_TEST']);
    expect(refused.status).toBe(400);
    expect(viaHandle.body.accountType).toBe('SANDBOX');
    expect(afterReset.body.accountType).toBe('STANDARD');
  });

  it('takes its account type from the sandbox options', async () => {
    const developer = await startHubSpotSandbox({ accessToken: TOKEN, seed: false, accountType: 'APP_DEVELOPER' });
    try {
      const answer = await fetch(`${developer.url}/account-info/2026-03/details`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(await answer.json()).toMatchObject({ portalId: PORTAL_ID, accountType: 'APP_DEVELOPER' });
    } finally {
      await developer.close();
    }
  });
});
