import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { hubspotApi } from './support/hubspot-api.js';

const TOKEN = 'pat-na1-sandbox-objects-token';
const ROOMY = { max: 100_000, intervalMs: 10_000 };
const LISTINGS = '/crm/v3/objects/0-420';
const SCHEMAS = '/crm-object-schemas/v3/schemas';

const client = (base: () => string) => hubspotApi(base, TOKEN);

let sandbox: HubSpotSandbox;
const api = client(() => sandbox.url);
let counter = 0;

/** The unit custom object a Buildium sync defines: associated with contacts and listings. */
const UNIT_SCHEMA = {
  name: 'unit',
  labels: { singular: 'Unit', plural: 'Units' },
  primaryDisplayProperty: 'unit_name',
  requiredProperties: ['buildium_unit_id'],
  searchableProperties: ['unit_name'],
  secondaryDisplayProperties: ['rent'],
  properties: [
    { name: 'buildium_unit_id', label: 'Buildium unit ID', type: 'string', fieldType: 'text', hasUniqueValue: true },
    { name: 'unit_name', label: 'Unit name', type: 'string', fieldType: 'text' },
    { name: 'rent', label: 'Rent', type: 'number', fieldType: 'number' },
  ],
  associatedObjects: ['CONTACT', '0-420'],
};

let unit: { objectTypeId: string; fullyQualifiedName: string; id: string };

async function newContact(): Promise<string> {
  const res = await api('POST', '/crm/v3/objects/contacts', { properties: { email: `tenant${++counter}@example.com` } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function newUnit(properties: Record<string, string> = {}): Promise<string> {
  const res = await api('POST', `/crm/v3/objects/${unit.fullyQualifiedName}`, { properties: { buildium_unit_id: `U-${++counter}`, unit_name: `Unit ${counter}`, ...properties } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function newListing(properties: Record<string, string> = {}): Promise<string> {
  const res = await api('POST', LISTINGS, { properties: { hs_name: `Listing ${++counter}`, ...properties } });
  expect(res.status).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, port: 0, rateLimit: ROOMY, random: seededRandom(7) });
  const listingKey = await api('POST', '/crm/v3/properties/0-420', {
    name: 'buildium_property_id',
    label: 'Buildium property ID',
    type: 'string',
    fieldType: 'text',
    groupName: 'listing_information',
    hasUniqueValue: true,
  });
  expect(listingKey.status).toBe(201);
  const created = await api('POST', SCHEMAS, UNIT_SCHEMA);
  expect(created.status).toBe(201);
  unit = created.body;
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(() => {
  sandbox.clearFaults();
  sandbox.setRateLimit(ROOMY);
});

describe('listings (0-420)', () => {
  it('batch upsert by a unique property creates a listing, then updates the same one', async () => {
    const upsert = (properties: Record<string, string>) =>
      api('POST', `${LISTINGS}/batch/upsert`, { inputs: [{ idProperty: 'buildium_property_id', id: 'BP-100', properties }] });

    const first = await upsert({ hs_name: '12 Elm St', hs_city: 'Austin', hs_price: '1850', hs_bedrooms: '2', hs_listing_type: 'apartments' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('COMPLETE');
    const [created] = first.body.results;
    expect(created).toMatchObject({ new: true, properties: { buildium_property_id: 'BP-100', hs_name: '12 Elm St', hs_price: '1850', hs_object_id: created.id } });
    expect(created.properties.hs_createdate).toBe(created.createdAt);

    const second = await upsert({ hs_price: '1900' });
    expect(second.status).toBe(200);
    expect(second.body.results).toEqual([expect.objectContaining({ id: created.id, new: false })]);
    expect(second.body.results[0].properties).toMatchObject({ hs_price: '1900', hs_name: '12 Elm St' });

    const records = sandbox.objects('0-420').filter((l) => l.properties.buildium_property_id === 'BP-100');
    expect(records).toHaveLength(1);
    expect(records[0]!.properties).toMatchObject({ hs_price: '1900', hs_city: 'Austin' });
    expect(sandbox.objects('listings')).toEqual(sandbox.objects('0-420'));

    const byKey = await api('GET', `${LISTINGS}/BP-100?idProperty=buildium_property_id&properties=hs_price,hs_bedrooms`);
    expect(byKey.status).toBe(200);
    expect(byKey.body.properties).toEqual({ hs_price: '1900', hs_bedrooms: '2', hs_createdate: created.createdAt, hs_lastmodifieddate: expect.any(String), hs_object_id: created.id });
  });

  it('refuses an upsert by a property without unique values, duplicate ids in one batch and more than 100 inputs', async () => {
    const byName = await api('POST', `${LISTINGS}/batch/upsert`, { inputs: [{ idProperty: 'hs_name', id: 'Loft', properties: {} }] });
    expect(byName.status).toBe(400);
    expect(byName.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(byName.body.message).toContain('non-unique 0-420 property hs_name');

    const twice = await api('POST', `${LISTINGS}/batch/upsert`, {
      inputs: [
        { idProperty: 'buildium_property_id', id: 'BP-7', properties: { hs_name: 'A' } },
        { idProperty: 'buildium_property_id', id: 'BP-7', properties: { hs_name: 'B' } },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toContain('Duplicate IDs');

    const tooMany = await api('POST', `${LISTINGS}/batch/upsert`, {
      inputs: Array.from({ length: 101 }, (_, i) => ({ idProperty: 'buildium_property_id', id: `BP-X${i}`, properties: {} })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toContain('at most 100');
    expect(sandbox.objects('0-420').some((l) => l.properties.buildium_property_id === 'BP-7' || l.properties.buildium_property_id?.startsWith('BP-X'))).toBe(false);
  });

  it('names an unknown property in a 400 and answers 207 for ids it does not have', async () => {
    const bad = await api('POST', LISTINGS, { properties: { hs_name: 'Nope', bedrooms_count: '3' } });
    expect(bad.status).toBe(400);
    expect(bad.body.category).toBe('VALIDATION_ERROR');
    expect(bad.body.message).toContain('bedrooms_count');
    expect(bad.body.errors[0]).toMatchObject({ in: 'bedrooms_count', code: 'PROPERTY_DOESNT_EXIST' });

    const id = await newListing();
    const res = await api('POST', `${LISTINGS}/batch/update`, {
      inputs: [
        { id, properties: { hs_bathrooms: '1.5' } },
        { id: '999', properties: { hs_bathrooms: '2' } },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.results).toEqual([expect.objectContaining({ id, properties: expect.objectContaining({ hs_bathrooms: '1.5' }) })]);
    expect(res.body.errors).toEqual([expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999'] } })]);
  });

  it('refuses a create or update that would give two listings the same unique value', async () => {
    const taken = await api('POST', `${LISTINGS}/batch/create`, { inputs: [{ properties: { hs_name: 'First', buildium_property_id: 'BP-U1' } }] });
    expect(taken.status).toBe(201);
    const again = await api('POST', `${LISTINGS}/batch/create`, { inputs: [{ properties: { hs_name: 'Second', buildium_property_id: 'BP-U1' } }] });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ category: 'CONFLICT' });
    expect(again.body.message).toContain(`Existing ID: ${taken.body.results[0].id}`);

    const inOneBatch = await api('POST', `${LISTINGS}/batch/create`, {
      inputs: [
        { objectWriteTraceId: 'a', properties: { hs_name: 'A', buildium_property_id: 'BP-U2' } },
        { objectWriteTraceId: 'b', properties: { hs_name: 'B', buildium_property_id: 'BP-U2' } },
      ],
    });
    expect(inOneBatch.status).toBe(207);
    expect(inOneBatch.body.results.map((r: any) => r.objectWriteTraceId)).toEqual(['a']);
    expect(inOneBatch.body.errors[0]).toMatchObject({ category: 'CONFLICT', context: { objectWriteTraceId: ['b'] } });

    const other = await newListing();
    const patch = await api('PATCH', `${LISTINGS}/${other}`, { properties: { buildium_property_id: 'BP-U1' } });
    expect(patch.status).toBe(409);
    expect(sandbox.objects('0-420').filter((l) => l.properties.buildium_property_id === 'BP-U1')).toHaveLength(1);
  });

  it('pages through listings with after and reads them by id (batch read too, by a unique property)', async () => {
    const ids = [await newListing({ buildium_property_id: 'BP-P1' }), await newListing({ buildium_property_id: 'BP-P2' })];
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await api('GET', `${LISTINGS}?limit=2${after ? `&after=${after}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.results.map((r: any) => r.id));
      after = page.body.paging?.next.after;
    } while (after);
    expect(seen).toEqual(sandbox.objects('0-420').filter((l) => !l.archived).map((l) => l.id));
    expect(seen).toEqual(expect.arrayContaining(ids));

    const read = await api('POST', `${LISTINGS}/batch/read`, { idProperty: 'buildium_property_id', inputs: [{ id: 'BP-P2' }, { id: 'BP-none' }], properties: ['hs_name'], propertiesWithHistory: [] });
    expect(read.status).toBe(207);
    expect(read.body.results).toEqual([expect.objectContaining({ id: ids[1] })]);
    expect(read.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['BP-none'] } });
  });

  it('has the listing properties and takes new ones (409 for a name that exists)', async () => {
    const list = await api('GET', '/crm/v3/properties/0-420');
    expect(list.status).toBe(200);
    const names = list.body.results.map((p: any) => p.name);
    for (const name of ['hs_name', 'hs_address_1', 'hs_city', 'hs_state_province', 'hs_zip', 'hs_price', 'hs_bedrooms', 'hs_bathrooms', 'hs_square_footage', 'hs_year_built', 'hs_listing_type', 'hs_object_id', 'hs_createdate', 'hs_lastmodifieddate']) {
      expect(names).toContain(name);
    }
    const property = { name: 'pets_allowed', label: 'Pets allowed', type: 'bool', fieldType: 'booleancheckbox', groupName: 'listing_information' };
    expect((await api('POST', '/crm/v3/properties/0-420', property)).status).toBe(201);
    expect((await api('POST', '/crm/v3/properties/0-420', property)).status).toBe(409);
    const patched = await api('PATCH', '/crm/v3/properties/0-420/pets_allowed', { label: 'Pets OK' });
    expect(patched.body).toMatchObject({ name: 'pets_allowed', label: 'Pets OK' });
    expect((await api('GET', '/crm/v3/properties/deals/pets_allowed')).status).toBe(404);
  });
});

describe('custom object schemas', () => {
  it('creates a schema: 201 with its objectTypeId, fully qualified name, properties and association definitions', () => {
    expect(unit.objectTypeId).toMatch(/^2-\d+$/);
    expect(unit.objectTypeId).toBe(`2-${unit.id}`);
    expect(unit.fullyQualifiedName).toMatch(/^p\d+_unit$/);
    const body = unit as any;
    expect(body).toMatchObject({ name: 'unit', labels: { singular: 'Unit', plural: 'Units' }, primaryDisplayProperty: 'unit_name', requiredProperties: ['buildium_unit_id'] });
    expect(body.properties.map((p: any) => p.name)).toEqual(expect.arrayContaining(['buildium_unit_id', 'unit_name', 'rent', 'hs_object_id', 'hs_createdate', 'hs_lastmodifieddate']));
    expect(body.properties.find((p: any) => p.name === 'unit_name')).toMatchObject({ groupName: 'unit_information', type: 'string' });
    expect(body.associations.map((a: any) => [a.fromObjectTypeId, a.toObjectTypeId])).toEqual([
      [unit.objectTypeId, '0-1'],
      [unit.objectTypeId, '0-420'],
    ]);
    expect(typeof body.createdAt).toBe('string');
    expect(sandbox.schemas().map((s) => s.fullyQualifiedName)).toEqual([unit.fullyQualifiedName]);
  });

  it('answers 409 for a second schema of the same name and 400 for an invalid one', async () => {
    const again = await api('POST', SCHEMAS, UNIT_SCHEMA);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS' });
    expect(typeof again.body.correlationId).toBe('string');

    const badRequired = await api('POST', SCHEMAS, { ...UNIT_SCHEMA, name: 'building', requiredProperties: ['nope'] });
    expect(badRequired.status).toBe(400);
    expect(badRequired.body.message).toContain('nope');
    const noLabels = await api('POST', SCHEMAS, { name: 'building', properties: [], requiredProperties: [], associatedObjects: [] });
    expect(noLabels.status).toBe(400);
    const unknownType = await api('POST', SCHEMAS, { ...UNIT_SCHEMA, name: 'building', associatedObjects: ['SPACESHIP'] });
    expect(unknownType.status).toBe(400);
    expect((await api('GET', SCHEMAS)).body.results).toHaveLength(1);
  });

  it('reads the schema by objectTypeId, fully qualified name, id or name, and lists it', async () => {
    for (const ref of [unit.objectTypeId, unit.fullyQualifiedName, unit.id, 'unit']) {
      const res = await api('GET', `${SCHEMAS}/${ref}`);
      expect(res.status).toBe(200);
      expect(res.body.objectTypeId).toBe(unit.objectTypeId);
    }
    expect((await api('GET', `${SCHEMAS}/p1_nothing`)).status).toBe(404);
    const list = await api('GET', `${SCHEMAS}?includePropertyDefinitions=false`);
    expect(list.body.results).toEqual([expect.objectContaining({ fullyQualifiedName: unit.fullyQualifiedName, properties: [] })]);
  });

  it('adds an association definition to deals (409 for one that exists)', async () => {
    const res = await api('POST', `${SCHEMAS}/${unit.fullyQualifiedName}/associations`, { fromObjectTypeId: unit.objectTypeId, toObjectTypeId: 'deal', name: 'unit_to_deal' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ fromObjectTypeId: unit.objectTypeId, toObjectTypeId: '0-3', name: 'unit_to_deal', id: expect.stringMatching(/^\d+$/) });
    const again = await api('POST', `${SCHEMAS}/${unit.objectTypeId}/associations`, { fromObjectTypeId: unit.objectTypeId, toObjectTypeId: '0-3' });
    expect(again.status).toBe(409);
    const labels = await api('GET', `/crm/associations/v4/${unit.objectTypeId}/deals/labels`);
    expect(labels.body.results).toEqual([{ category: 'USER_DEFINED', typeId: Number(res.body.id) }]);
  });
});

describe('custom objects', () => {
  it('serves the same records by fully qualified name and objectTypeId', async () => {
    const created = await api('POST', `/crm/v3/objects/${unit.fullyQualifiedName}/batch/create`, {
      inputs: [{ properties: { buildium_unit_id: 'U-A1', unit_name: 'Apt 1', rent: '1200' } }],
    });
    expect(created.status).toBe(201);
    const id = created.body.results[0].id;
    const byTypeId = await api('GET', `/crm/v3/objects/${unit.objectTypeId}/${id}?properties=unit_name,rent`);
    expect(byTypeId.status).toBe(200);
    expect(byTypeId.body.properties).toMatchObject({ unit_name: 'Apt 1', rent: '1200', hs_object_id: id });

    const patched = await api('PATCH', `/crm/v3/objects/${unit.objectTypeId}/U-A1?idProperty=buildium_unit_id`, { properties: { rent: '1250' } });
    expect(patched.status).toBe(200);
    expect(sandbox.objects(unit.fullyQualifiedName).find((u) => u.id === id)?.properties.rent).toBe('1250');
    expect(sandbox.objects(unit.objectTypeId)).toEqual(sandbox.objects(unit.fullyQualifiedName));

    const upsert = await api('POST', `/crm/v3/objects/${unit.objectTypeId}/batch/upsert`, {
      inputs: [
        { idProperty: 'buildium_unit_id', id: 'U-A1', properties: { rent: '1300' } },
        { idProperty: 'buildium_unit_id', id: 'U-A2', properties: { unit_name: 'Apt 2' } },
      ],
    });
    expect(upsert.status).toBe(200);
    expect(upsert.body.results.map((r: any) => [r.properties.buildium_unit_id, r.new])).toEqual([
      ['U-A1', false],
      ['U-A2', true],
    ]);
  });

  it('requires the schema\'s required properties on create, and takes new properties', async () => {
    const missing = await api('POST', `/crm/v3/objects/${unit.fullyQualifiedName}`, { properties: { unit_name: 'No key' } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('buildium_unit_id');

    const property = { name: 'floor', label: 'Floor', type: 'number', fieldType: 'number', groupName: 'unit_information' };
    expect((await api('POST', `/crm/v3/properties/${unit.fullyQualifiedName}`, property)).status).toBe(201);
    expect((await api('POST', `/crm/v3/properties/${unit.objectTypeId}`, property)).status).toBe(409);
    expect((await api('GET', `/crm/v3/properties/${unit.objectTypeId}/floor`)).body).toMatchObject({ name: 'floor', type: 'number' });
    const withFloor = await newUnit({ floor: '3' });
    expect(sandbox.objects(unit.objectTypeId).find((u) => u.id === withFloor)?.properties.floor).toBe('3');
  });

  it('answers 404 for an object type the portal does not have', async () => {
    for (const path of ['/crm/v3/objects/2-999999/batch/upsert', '/crm/v3/objects/p24681357_nothing/batch/read', '/crm/v3/objects/companies/batch/create']) {
      const res = await api('POST', path, { inputs: [] });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    }
    expect((await api('GET', '/crm/v3/properties/2-999999')).status).toBe(404);
    expect((await api('GET', '/crm/v3/objects/listings')).status).toBe(404);
  });
});

describe('association labels', () => {
  it('lists the unlabeled types, creates a label with its inverse, and refuses the same name again', async () => {
    const before = await api('GET', `/crm/associations/v4/contacts/${unit.fullyQualifiedName}/labels`);
    expect(before.status).toBe(200);
    expect(before.body.results).toEqual([{ category: 'USER_DEFINED', typeId: expect.any(Number) }]);

    const created = await api('POST', `/crm/associations/v4/contact/${unit.objectTypeId}/labels`, { name: 'active_tenant', label: 'Active tenant', inverseLabel: 'Unit of active tenant' });
    expect(created.status).toBe(200);
    expect(created.body.results).toEqual([
      { category: 'USER_DEFINED', typeId: expect.any(Number), label: 'Active tenant' },
      { category: 'USER_DEFINED', typeId: expect.any(Number), label: 'Unit of active tenant' },
    ]);

    const after = await api('GET', `/crm/associations/v4/0-1/${unit.fullyQualifiedName}/labels`);
    expect(after.body.results).toEqual([before.body.results[0], created.body.results[0]]);
    const inverse = await api('GET', `/crm/associations/v4/${unit.objectTypeId}/contacts/labels`);
    expect(inverse.body.results.map((r: any) => r.label)).toEqual([undefined, 'Unit of active tenant']);

    const again = await api('POST', `/crm/associations/v4/contacts/${unit.objectTypeId}/labels`, { name: 'active_tenant', label: 'Another' });
    expect(again.status).toBe(409);
    expect((await api('POST', `/crm/associations/v4/contacts/${unit.objectTypeId}/labels`, { name: '1-bad', label: 'Bad' })).status).toBe(400);
    expect((await api('GET', '/crm/associations/v4/contacts/0-420/labels')).body.results).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: expect.any(Number) }]);
  });

  it('labels contacts with contacts: one type both ways without an inverse label', async () => {
    const created = await api('POST', '/crm/associations/v4/contacts/contacts/labels', { name: 'emergency_contact', label: 'Emergency contact' });
    expect(created.status).toBe(200);
    expect(created.body.results).toEqual([{ category: 'USER_DEFINED', typeId: expect.any(Number), label: 'Emergency contact' }]);
    const typeId = created.body.results[0].typeId;
    expect((await api('GET', '/crm/associations/v4/contacts/contacts/labels')).body.results).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 449 }, created.body.results[0]]);

    const [tenant, emergency] = [await newContact(), await newContact()];
    const res = await api('POST', '/crm/v4/associations/contacts/contacts/batch/create', {
      inputs: [{ from: { id: tenant }, to: { id: emergency }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }] }],
    });
    expect(res.status).toBe(201);
    for (const [from, to] of [
      [tenant, emergency],
      [emergency, tenant],
    ]) {
      const listed = await api('GET', `/crm/v4/objects/contacts/${from}/associations/contacts`);
      expect(listed.body.results).toEqual([{ toObjectId: to, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 449 }, { category: 'USER_DEFINED', typeId, label: 'Emergency contact' }] }]);
    }
  });

  it('renames and deletes a label', async () => {
    const created = await api('POST', '/crm/associations/v4/0-420/contacts/labels', { name: 'landlord', label: 'Landlord' });
    const typeId = created.body.results[0].typeId;
    expect((await api('PUT', '/crm/associations/v4/0-420/contacts/labels', { associationTypeId: typeId, label: 'Owner' })).status).toBe(204);
    const listed = await api('GET', '/crm/associations/v4/0-420/contacts/labels');
    expect(listed.body.results).toContainEqual({ category: 'USER_DEFINED', typeId, label: 'Owner' });

    const [listing, contact] = [await newListing(), await newContact()];
    await api('POST', '/crm/v4/associations/0-420/contacts/batch/create', { inputs: [{ from: { id: listing }, to: { id: contact }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }] }] });
    expect((await api('DELETE', `/crm/associations/v4/0-420/contacts/labels/${typeId}`)).status).toBe(204);
    expect((await api('GET', '/crm/associations/v4/0-420/contacts/labels')).body.results.some((r: any) => r.typeId === typeId)).toBe(false);
    const left = await api('GET', `/crm/v4/objects/0-420/${listing}/associations/contacts`);
    expect(left.body.results).toEqual([{ toObjectId: contact, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: expect.any(Number) }] }]);
    expect((await api('DELETE', `/crm/associations/v4/0-420/contacts/labels/${typeId}`)).status).toBe(404);
  });
});

describe('associations between any object types', () => {
  async function activeTenantTypeId(): Promise<number> {
    const labels = await api('GET', `/crm/associations/v4/contacts/${unit.objectTypeId}/labels`);
    return labels.body.results.find((r: any) => r.label === 'Active tenant').typeId;
  }

  it('creates a labeled association both ways, lists it with its labels, and archives only the label', async () => {
    const typeId = await activeTenantTypeId();
    const [contact, unitId] = [await newContact(), await newUnit()];
    const created = await api('POST', `/crm/v4/associations/contacts/${unit.fullyQualifiedName}/batch/create`, {
      inputs: [{ from: { id: contact }, to: { id: unitId }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }] }],
    });
    expect(created.status).toBe(201);
    expect(created.body.results).toEqual([{ fromObjectTypeId: '0-1', fromObjectId: contact, toObjectTypeId: unit.objectTypeId, toObjectId: unitId, labels: ['Active tenant'] }]);

    const fromContact = await api('GET', `/crm/v4/objects/contacts/${contact}/associations/${unit.objectTypeId}`);
    expect(fromContact.body.results).toEqual([
      {
        toObjectId: unitId,
        associationTypes: [
          { category: 'USER_DEFINED', typeId: expect.any(Number) },
          { category: 'USER_DEFINED', typeId, label: 'Active tenant' },
        ],
      },
    ]);
    const fromUnit = await api('GET', `/crm/v4/objects/${unit.fullyQualifiedName}/${unitId}/associations/contact`);
    expect(fromUnit.body.results[0].associationTypes.map((t: any) => t.label)).toEqual([undefined, 'Unit of active tenant']);
    expect(sandbox.associationsBetween('contacts', unit.fullyQualifiedName).filter((a) => a.fromObjectId === contact)).toEqual([
      expect.objectContaining({ toObjectId: unitId, category: 'USER_DEFINED' }),
      expect.objectContaining({ toObjectId: unitId, associationTypeId: typeId, label: 'Active tenant' }),
    ]);

    const archived = await api('POST', `/crm/v4/associations/contacts/${unit.objectTypeId}/batch/labels/archive`, {
      inputs: [{ from: { id: contact }, to: { id: unitId }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }] }],
    });
    expect(archived.status).toBe(204);
    const still = await api('GET', `/crm/v4/objects/contacts/${contact}/associations/${unit.objectTypeId}`);
    expect(still.body.results).toEqual([{ toObjectId: unitId, associationTypes: [{ category: 'USER_DEFINED', typeId: expect.any(Number) }] }]);
    expect(sandbox.associationsBetween(unit.objectTypeId, 'contacts').filter((a) => a.fromObjectId === unitId)).toHaveLength(1);

    const gone = await api('POST', `/crm/v4/associations/contacts/${unit.objectTypeId}/batch/archive`, { inputs: [{ from: { id: contact }, to: [{ id: unitId }] }] });
    expect(gone.status).toBe(204);
    expect((await api('GET', `/crm/v4/objects/contacts/${contact}/associations/${unit.objectTypeId}`)).body.results).toEqual([]);
  });

  it('answers 207 for a type id that is not one of the pair, or a record that does not exist', async () => {
    const typeId = await activeTenantTypeId();
    const [contact, unitId] = [await newContact(), await newUnit()];
    const res = await api('POST', `/crm/v4/associations/contacts/${unit.objectTypeId}/batch/create`, {
      inputs: [
        { from: { id: contact }, to: { id: unitId }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: 424242 }] },
        { from: { id: contact }, to: { id: '31337' }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }] },
        { from: { id: contact }, to: { id: unitId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }] },
      ],
    });
    expect(res.status).toBe(207);
    expect(res.body.results).toEqual([]);
    expect(res.body.errors.map((e: any) => e.category)).toEqual(['VALIDATION_ERROR', 'OBJECT_NOT_FOUND', 'VALIDATION_ERROR']);
    expect(res.body.errors[1].context).toEqual({ fromObjectId: [contact], toObjectId: ['31337'] });
    expect(sandbox.associationsBetween('contacts', unit.objectTypeId).some((a) => a.fromObjectId === contact)).toBe(false);

    const unrelated = await api('POST', `/crm/v4/associations/deals/0-420/batch/create`, { inputs: [] });
    expect(unrelated.status).toBe(201);
    const noDefinition = await api('POST', `/crm/v4/associations/${unit.objectTypeId}/${unit.objectTypeId}/batch/create`, { inputs: [] });
    expect(noDefinition.status).toBe(400);
  });

  it('associates listings with contacts by default, visible from both sides and through v3 reads', async () => {
    const [listing, contact] = [await newListing(), await newContact()];
    const res = await api('POST', '/crm/v4/associations/0-420/contacts/batch/associate/default', { inputs: [{ from: { id: listing }, to: { id: contact } }] });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.from.id, r.to.id, r.associationSpec.associationCategory])).toEqual([
      [listing, contact, 'HUBSPOT_DEFINED'],
      [contact, listing, 'HUBSPOT_DEFINED'],
    ]);
    const fromContact = await api('GET', `/crm/v4/objects/contacts/${contact}/associations/0-420`);
    expect(fromContact.body.results.map((r: any) => r.toObjectId)).toEqual([listing]);
    const v3 = await api('GET', `${LISTINGS}/${listing}?associations=contacts`);
    expect(v3.body.associations.contacts.results).toEqual([{ id: contact, type: 'listing_to_contact' }]);

    const unit1 = await newUnit();
    const toUnit = await api('PUT', `/crm/v4/objects/0-420/${listing}/associations/default/${unit.fullyQualifiedName}/${unit1}`);
    expect(toUnit.status).toBe(200);
    expect(sandbox.associationsBetween(unit.objectTypeId, '0-420')).toContainEqual(expect.objectContaining({ fromObjectId: unit1, toObjectId: listing, category: 'USER_DEFINED' }));

    expect((await api('DELETE', `${LISTINGS}/${listing}`)).status).toBe(204);
    expect(sandbox.associationsBetween('contacts', '0-420').some((a) => a.toObjectId === listing)).toBe(false);
  });
});

describe('rate limit, faults, the request log and reset apply to the new endpoints', () => {
  it('answers 429 once the window is spent, whatever the endpoint', async () => {
    const limited = await startHubSpotSandbox({ accessToken: TOKEN, rateLimit: { max: 3, intervalMs: 10_000 }, seed: false });
    try {
      const call = client(() => limited.url);
      expect((await call('POST', SCHEMAS, UNIT_SCHEMA)).status).toBe(201);
      expect((await call('POST', `${LISTINGS}/batch/read`, { inputs: [], properties: [], propertiesWithHistory: [] })).status).toBe(200);
      expect((await call('GET', '/crm/associations/v4/contacts/0-420/labels')).status).toBe(200);
      const refused = await call('POST', `${LISTINGS}/batch/upsert`, { inputs: [] });
      expect(refused.status).toBe(429);
      expect(refused.body.errorType).toBe('RATE_LIMIT');
      expect((await call('GET', `${SCHEMAS}/unit`)).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('injects faults and logs batch sizes', async () => {
    sandbox.addFault({ kind: 'status', status: 503, path: '/crm/v3/objects/0-420', times: 1 });
    expect((await api('POST', `${LISTINGS}/batch/upsert`, { inputs: [] })).status).toBe(503);
    sandbox.addFault({ kind: 'inputError', path: '/crm/v3/objects/0-420/batch/upsert', emailPattern: '^BP-F2$', message: 'Injected: refused listing' });
    const partial = await api('POST', `${LISTINGS}/batch/upsert`, {
      inputs: ['BP-F1', 'BP-F2'].map((id) => ({ idProperty: 'buildium_property_id', id, properties: { hs_name: id } })),
    });
    expect(partial.status).toBe(207);
    expect(partial.body.errors[0]).toMatchObject({ message: 'Injected: refused listing', context: { ids: ['BP-F2'] } });

    sandbox.clearRequests();
    await api('POST', `/crm/v3/objects/${unit.objectTypeId}/batch/read`, { inputs: [{ id: '1' }, { id: '2' }], properties: [], propertiesWithHistory: [] });
    expect(sandbox.requests().map((r) => [r.method, r.path, r.status, r.inputs])).toEqual([['POST', `/crm/v3/objects/${unit.objectTypeId}/batch/read`, 207, 2]]);
  });

  it('reset drops listings, custom object types, labels and their associations', async () => {
    const own = await startHubSpotSandbox({ accessToken: TOKEN, rateLimit: ROOMY });
    try {
      const call = client(() => own.url);
      const schema = (await call('POST', SCHEMAS, UNIT_SCHEMA)).body;
      await call('POST', `/crm/associations/v4/contacts/${schema.objectTypeId}/labels`, { name: 'active_tenant', label: 'Active tenant' });
      const listing = (await call('POST', LISTINGS, { properties: { hs_name: 'Temp' } })).body.id;
      await call('PUT', `/crm/v4/objects/0-420/${listing}/associations/default/contacts/1001`);
      expect(own.objects('0-420')).toHaveLength(1);
      expect(own.schemas()).toHaveLength(1);
      expect(own.associationsBetween('0-420', 'contacts')).toHaveLength(1);

      own.reset();
      expect(own.objects('0-420')).toEqual([]);
      expect(own.schemas()).toEqual([]);
      expect(own.associations()).toEqual([]);
      expect(() => own.objects(schema.objectTypeId)).toThrow(TypeError);
      expect((await call('GET', `/crm/v3/objects/${schema.fullyQualifiedName}`)).status).toBe(404);
      expect((await call('GET', '/__sandbox/schemas', undefined, null)).body).toEqual([]);
      const again = await call('POST', SCHEMAS, UNIT_SCHEMA);
      expect(again.status).toBe(201);
      expect(again.body.objectTypeId).toBe(schema.objectTypeId);
      expect((await call('GET', `/crm/associations/v4/contacts/${schema.objectTypeId}/labels`)).body.results).toHaveLength(1);
    } finally {
      await own.close();
    }
  });
});
