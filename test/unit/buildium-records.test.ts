/**
 * Buildium records → HubSpot (core/buildium-records.ts) as HubSpot and the sync's operator see
 * them: the seed's three mapping tables land in the right properties, sensitive fields stay out
 * unless turned on, unchanged records cost no call, a changed field is a small update, invalid and
 * duplicate tenants are reported and not sent, emergency contacts, units and leases become labeled
 * associations, writes go 100 per call, and the four conflict strategies do what they say.
 */
import { describe, expect, it } from 'vitest';
import { PROPERTY_LISTING_MAPPING, TENANT_CONTACT_MAPPING, UNIT_OBJECT_MAPPING, FieldMappingOverridesSchema } from '../../functions/core/buildium-mapping.js';
import type { SyncConfig } from '../../functions/core/buildium-config.js';
import { syncLeases } from '../../functions/core/buildium-leases.js';
import type { RecordDeps } from '../../functions/core/buildium-ports.js';
import { LISTING_OBJECT, syncRentals, syncUnits } from '../../functions/core/buildium-properties.js';
import { syncTenants } from '../../functions/core/buildium-tenants.js';
import type { LeaseMessage, RentalMessage, RentalUnitMessage, TenantMessage } from '../../lib/local/sandboxes/buildium/types.js';
import { FakeHubSpotObjects, InMemoryBuildiumMappings, leaseMessage, rentalMessage, tenantMessage, unitMessage, type HubSpotCall } from './support/buildium-fakes.js';

const UNIT_TYPE = 'p62515_unit';
const DOB = '1988-04-02';
const TAX_ID = '912-73-4821';

function setup() {
  const hubspot = new FakeHubSpotObjects();
  const mappings = new InMemoryBuildiumMappings();
  const deps = (config: Partial<SyncConfig> = {}): RecordDeps => ({
    hubspot,
    mappings,
    unitObjectType: UNIT_TYPE,
    config: { overrides: [], conflictStrategy: 'buildium_wins', mergeFields: {}, ...config },
  });
  return { hubspot, mappings, deps };
}

/** The properties sent for each input of the calls given (upserts and updates). */
function sentProperties(calls: readonly HubSpotCall[]): Record<string, string>[] {
  return calls.flatMap((c) => (c.inputs as Array<{ properties: Record<string, string> }>).map((i) => i.properties));
}

const maria = (fields: Partial<TenantMessage> = {}) =>
  tenantMessage(100001, {
    FirstName: 'Maria',
    LastName: 'Garcia',
    Email: 'Maria.Garcia@Example.com',
    AlternateEmail: 'maria.g@alt.example.org',
    PhoneNumbers: [
      { Number: '(512) 555-0142', Type: 'Cell' },
      { Number: '(512) 555-0199', Type: 'Home' },
    ],
    DateOfBirth: DOB,
    TaxId: TAX_ID,
    Comment: 'Prefers contact by text after 5pm.',
    ...fields,
  });

const mariaContact = {
  buildium_tenant_id: '100001',
  firstname: 'Maria',
  lastname: 'Garcia',
  email: 'maria.garcia@example.com',
  hs_additional_emails: 'maria.g@alt.example.org',
  phone: '(512) 555-0142',
  address: '4410 Maple Ave',
  city: 'Austin',
  state: 'TX',
  zip: '78704',
  createdate: '2024-03-18T14:02:11Z',
  buildium_comment: 'Prefers contact by text after 5pm.',
  lead_source_system: 'buildium',
};

const emergency = { Name: 'Lucia Garcia', RelationshipDescription: 'Mother', Phone: '(512) 555-0104', Email: 'Lucia.Garcia@family.example.com' };

/** A small portfolio: one rental, two units, two tenants, an Active lease with both on unit 20001. */
function portfolio() {
  const rentals: RentalMessage[] = [rentalMessage(1001)];
  const units: RentalUnitMessage[] = [unitMessage(20001, 1001), unitMessage(20002, 1001, { UnitBedrooms: 'Studio', UnitBathrooms: 'OneBath', IsUnitOccupied: false, IsUnitListed: true })];
  const tenants: TenantMessage[] = [maria({ EmergencyContact: emergency }), tenantMessage(100002)];
  const leases: LeaseMessage[] = [leaseMessage(500001, units[0]!, [100001, 100002])];
  return { rentals, units, tenants, leases };
}

async function syncAll(deps: RecordDeps, p = portfolio()) {
  return {
    rentals: await syncRentals(p.rentals, deps),
    tenants: await syncTenants(p.tenants, deps),
    units: await syncUnits(p.units, deps),
    leases: await syncLeases(p.leases, deps),
  };
}

describe('mapping tables → HubSpot properties', () => {
  it('writes every row of the tenant table to the contact, tagged as from Buildium, and never the date of birth or tax id', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    // Act
    const report = await syncTenants([maria({ EmergencyContact: emergency })], deps());
    // Assess
    expect(report).toMatchObject({ processed: 1, created: 1, failed: 0 });
    const [upsert] = hubspot.callsOf('upsert');
    expect(upsert).toMatchObject({ objectType: 'contacts', inputs: [{ key: 'maria.garcia@example.com', properties: mariaContact }] });
    const defaultRows = TENANT_CONTACT_MAPPING.filter((r) => !r.sensitive).map((r) => r.property);
    expect(Object.keys(sentProperties([upsert!])[0]!).sort()).toEqual([...defaultRows, 'lead_source_system'].sort());
    const everything = JSON.stringify(hubspot.log);
    for (const secret of ['date_of_birth', 'tax_id', DOB, TAX_ID]) expect(everything).not.toContain(secret);
  });

  it('writes the date of birth and tax id once an override turns them on', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    const overrides = FieldMappingOverridesSchema.parse([
      { entity: 'tenant', source: 'DateOfBirth', property: 'date_of_birth' },
      { entity: 'tenant', source: 'TaxId', property: 'tax_id' },
    ]);
    // Act
    await syncTenants([maria()], deps({ overrides }));
    // Assess
    expect(sentProperties(hubspot.callsOf('upsert'))[0]).toEqual({ ...mariaContact, date_of_birth: DOB, tax_id: TAX_ID });
  });

  it('writes every row of the listing table to the listing (0-420), upserted by buildium_property_id', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    // The seed's table also reads Features, MarketRent and Description, which RentalMessage does not have: given here to show the rows are wired.
    const rental = { ...rentalMessage(1001), Features: ['Pool', 'Fitness center'], MarketRent: 1450, Description: 'Garden-style community near South Congress.' };
    // Act
    await syncRentals([rental], deps());
    // Assess
    const listing = {
      buildium_property_id: '1001',
      name: 'Maple Commons 1001',
      address: '1001 Maple Ave, Austin, TX, 78704',
      total_units: '12',
      year_built: '1998',
      property_type: '12-unit garden-style building',
      amenities: 'Pool;Fitness center',
      base_rent_amount: '1450',
      description: 'Garden-style community near South Congress.',
    };
    expect(hubspot.callsOf('upsert')).toMatchObject([{ objectType: LISTING_OBJECT, inputs: [{ key: '1001', properties: listing }] }]);
    expect(Object.keys(listing).sort()).toEqual(PROPERTY_LISTING_MAPPING.map((r) => r.property).sort());
    expect(hubspot.find(LISTING_OBJECT, 'buildium_property_id', '1001')?.properties).toEqual(listing);
  });

  it('writes every row of the unit table to the unit, rooms as numbers and the flags as statuses', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    const { units } = portfolio();
    // Act
    await syncUnits(units, deps());
    // Assess
    const occupied = {
      buildium_unit_id: '20001',
      listing_id: '1001',
      unit_number: '101',
      bedrooms: '2',
      bathrooms: '1.5',
      square_feet: '950',
      market_rent: '1875',
      unit_description: 'Renovated unit with in-unit laundry',
      occupancy_status: 'occupied',
      listing_status: 'unlisted',
    };
    const [upsert] = hubspot.callsOf('upsert');
    expect(upsert).toMatchObject({ objectType: UNIT_TYPE, inputs: [{ key: '20001', properties: occupied }, { key: '20002', properties: { bedrooms: '0', bathrooms: '1', occupancy_status: 'vacant', listing_status: 'listed' } }] });
    expect(Object.keys(occupied).sort()).toEqual(UNIT_OBJECT_MAPPING.map((r) => r.property).sort());
  });
});

describe('change detection', () => {
  it('makes no HubSpot call on a second sync of unchanged records and counts them all skipped', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    await syncAll(deps());
    const before = hubspot.calls;
    // Act
    const again = await syncAll(deps());
    // Assess
    expect(hubspot.calls).toBe(before);
    expect(again.rentals).toMatchObject({ processed: 1, skipped: 1, created: 0, updated: 0, failed: 0 });
    expect(again.tenants).toMatchObject({ processed: 2, skipped: 2, created: 0, updated: 0, failed: 0 });
    expect(again.units).toMatchObject({ processed: 2, skipped: 2, created: 0, updated: 0, failed: 0 });
    expect(again.leases).toMatchObject({ processed: 1, skipped: 1, created: 0, updated: 0, failed: 0 });
    expect(Object.values(again).flatMap((r) => r.errors)).toEqual([]);
  });

  it('sends one changed field of a known tenant as one update carrying only that field', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncTenants([maria({ EmergencyContact: emergency })], deps());
    const contactId = mappings.get('tenant', 100001)!.hubspotId;
    const before = hubspot.calls;
    // Act
    const report = await syncTenants([maria({ EmergencyContact: emergency, PhoneNumbers: [{ Number: '(737) 555-0163', Type: 'Cell' }] })], deps());
    // Assess
    expect(hubspot.log.slice(before)).toEqual([{ method: 'update', objectType: 'contacts', inputs: [{ id: contactId, properties: { phone: '(737) 555-0163' } }] }]);
    expect(report).toMatchObject({ updated: 1, skipped: 0 });
    expect(hubspot.get('contacts', contactId)?.properties).toEqual({ ...mariaContact, phone: '(737) 555-0163' });
  });

  it('sends a field cleared in Buildium as empty, so HubSpot clears it too', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncTenants([maria()], deps());
    const contactId = mappings.get('tenant', 100001)!.hubspotId;
    const before = hubspot.calls;
    // Act
    await syncTenants([maria({ Comment: null })], deps());
    // Assess
    expect(hubspot.log.slice(before)).toEqual([{ method: 'update', objectType: 'contacts', inputs: [{ id: contactId, properties: { buildium_comment: '' } }] }]);
    expect(hubspot.get('contacts', contactId)?.properties).not.toHaveProperty('buildium_comment');
  });

  it('writes a contact deleted in HubSpot again, whole, and points the mapping at the new one', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncTenants([maria()], deps());
    const deleted = mappings.get('tenant', 100001)!.hubspotId;
    hubspot.delete('contacts', deleted);
    // Act
    const report = await syncTenants([maria({ Comment: 'Moved to a two-bedroom.' })], deps());
    // Assess
    expect(hubspot.callsOf().map((c) => c.method)).toEqual(['upsert', 'update', 'upsert']);
    const recreated = hubspot.find('contacts', 'email', 'maria.garcia@example.com')!;
    expect(recreated.id).not.toBe(deleted);
    expect(recreated.properties).toEqual({ ...mariaContact, buildium_comment: 'Moved to a two-bedroom.' });
    expect(mappings.get('tenant', 100001)?.hubspotId).toBe(recreated.id);
    expect(report).toMatchObject({ created: 1, failed: 0, errors: [] });
  });
});

describe('tenant validation and duplicates (seed 002 §5.1, §5.3)', () => {
  it('sends no tenant that fails validation, and counts and reports each with the field', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    const tenants = [
      tenantMessage(100001, { Email: null }),
      tenantMessage(100002, { Email: 'andre.washington@' }),
      tenantMessage(100003, { FirstName: null, LastName: '  ' }),
      tenantMessage(100004),
    ];
    // Act
    const report = await syncTenants(tenants, deps());
    // Assess
    expect(sentProperties(hubspot.callsOf('upsert')).map((p) => p.buildium_tenant_id)).toEqual(['100004']);
    expect(report).toMatchObject({ processed: 4, created: 1, failed: 3, invalid: 3 });
    expect(report.errors).toEqual([
      { entity: 'tenant', sourceId: '100001', errorType: 'validation_error', reason: expect.stringMatching(/^email: /) },
      { entity: 'tenant', sourceId: '100002', errorType: 'validation_error', reason: expect.stringMatching(/^email: /) },
      { entity: 'tenant', sourceId: '100003', errorType: 'validation_error', reason: expect.stringMatching(/firstname: .*lastname: /) },
    ]);
  });

  it('sends the lower Id of two tenants sharing an email, and counts the other failed and a duplicate', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    const tenants = [tenantMessage(100042, { Email: 'WEI.CHEN@EXAMPLE.COM' }), tenantMessage(100041, { Email: 'wei.chen@example.com' })];
    // Act
    const report = await syncTenants(tenants, deps());
    // Assess
    expect(sentProperties(hubspot.callsOf('upsert'))).toMatchObject([{ buildium_tenant_id: '100041', email: 'wei.chen@example.com' }]);
    expect(report).toMatchObject({ processed: 2, created: 1, failed: 1, duplicateEmails: 1, invalid: 0 });
    expect(report.errors).toEqual([{ entity: 'tenant', sourceId: '100042', errorType: 'validation_error', reason: expect.stringMatching(/^email: shared with tenant 100041/) }]);
  });

  // Product bug: the duplicate check only looks within one page. A later page (an incremental
  // window, a webhook) holding only the higher Id upserts by the shared email into the lower Id's
  // contact and overwrites its name, phone and buildium_tenant_id.
  it('keeps the shared contact for the lower Id when the other tenant comes alone in a later page', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    const first = tenantMessage(100041, { FirstName: 'Wei', LastName: 'Chen', Email: 'wei.chen@example.com' });
    const second = (fields: Partial<TenantMessage> = {}) => tenantMessage(100042, { FirstName: 'Mei', LastName: 'Chen', Email: 'WEI.CHEN@EXAMPLE.COM', ...fields });
    await syncTenants([first, second()], deps());
    // Act
    const report = await syncTenants([second({ PhoneNumbers: [{ Number: '(512) 555-0166', Type: 'Cell' }] })], deps());
    // Assess
    expect(hubspot.find('contacts', 'email', 'wei.chen@example.com')?.properties).toMatchObject({ buildium_tenant_id: '100041', firstname: 'Wei' });
    expect(report).toMatchObject({ failed: 1, duplicateEmails: 1 });
  });
});

describe('emergency contacts', () => {
  it('upserts the emergency contact by email and associates it with the tenant as "emergency_contact"; unchanged, no call next time', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    // Act
    await syncTenants([maria({ EmergencyContact: emergency })], deps());
    // Assess
    const tenantContact = mappings.get('tenant', 100001)!.hubspotId;
    const upserts = hubspot.callsOf('upsert');
    expect(upserts).toHaveLength(2);
    expect(upserts[1]).toEqual({
      method: 'upsert',
      objectType: 'contacts',
      inputs: [{ key: 'lucia.garcia@family.example.com', properties: { email: 'lucia.garcia@family.example.com', firstname: 'Lucia', lastname: 'Garcia', phone: '(512) 555-0104', lead_source_system: 'buildium' } }],
    });
    const ec = hubspot.find('contacts', 'email', 'lucia.garcia@family.example.com')!;
    expect(hubspot.associated('contacts', 'contacts', 'emergency_contact')).toEqual([`${tenantContact}|${ec.id}`]);

    const before = hubspot.calls;
    await syncTenants([maria({ EmergencyContact: emergency })], deps());
    expect(hubspot.calls).toBe(before);
  });

  it('associates the emergency contact with the tenant contact written again after a deletion in HubSpot', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncTenants([maria({ EmergencyContact: emergency })], deps());
    hubspot.delete('contacts', mappings.get('tenant', 100001)!.hubspotId);
    // Act
    await syncTenants([maria({ EmergencyContact: emergency, Comment: 'Renewed.' })], deps());
    // Assess
    const recreated = mappings.get('tenant', 100001)!.hubspotId;
    const ec = hubspot.find('contacts', 'email', 'lucia.garcia@family.example.com')!;
    expect(hubspot.associated('contacts', 'contacts', 'emergency_contact')).toContain(`${recreated}|${ec.id}`);
  });

  // Product bug: syncEmergencyContacts only associates when the tenant's contact differs from the
  // mapping's `linkedTo`, not when the emergency contact itself got a new HubSpot id.
  it('associates an emergency contact written again after a deletion in HubSpot with the tenant', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncTenants([maria({ EmergencyContact: emergency })], deps());
    hubspot.delete('contacts', mappings.get('emergency-contact', 100001)!.hubspotId);
    // Act
    await syncTenants([maria({ EmergencyContact: { ...emergency, Phone: '(512) 555-0105' } })], deps());
    // Assess
    const tenantContact = mappings.get('tenant', 100001)!.hubspotId;
    const recreated = hubspot.find('contacts', 'email', 'lucia.garcia@family.example.com')!;
    expect(mappings.get('emergency-contact', 100001)?.hubspotId).toBe(recreated.id);
    expect(hubspot.associated('contacts', 'contacts', 'emergency_contact')).toContain(`${tenantContact}|${recreated.id}`);
  });
});

describe('units and their listings', () => {
  it('associates each unit with its listing once (default association)', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    const { rentals, units } = portfolio();
    await syncRentals(rentals, deps());
    // Act
    await syncUnits(units, deps());
    await syncUnits(units.map((u) => ({ ...u, MarketRent: 1925 })), deps());
    // Assess
    const listing = mappings.get('property', 1001)!.hubspotId;
    const unitIds = units.map((u) => mappings.get('unit', u.Id)!.hubspotId);
    expect(hubspot.associated(UNIT_TYPE, LISTING_OBJECT)).toEqual(unitIds.map((id) => `${id}|${listing}`).sort());
    expect(hubspot.callsOf('associateDefault')).toHaveLength(1);
    expect(hubspot.callsOf('update')).toMatchObject([{ objectType: UNIT_TYPE, inputs: unitIds.map((id) => ({ id, properties: { market_rent: '1925' } })) }]);
  });

  it('links the units when the page is retried after the link call failed outright (their mappings wait for the link)', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    const { rentals, units } = portfolio();
    await syncRentals(rentals, deps());
    hubspot.interrupt('associateDefault', 1);
    // Act: the units are written, then the link call fails (a 500, a timeout): the page throws...
    await expect(syncUnits(units, deps())).rejects.toThrow();
    expect(units.every((u) => mappings.get('unit', u.Id) === undefined)).toBe(true);
    // ...and SQS hands it back.
    await syncUnits(units, deps());
    // Assess: one object per unit, each linked.
    const listing = mappings.get('property', 1001)!.hubspotId;
    expect(hubspot.all(UNIT_TYPE)).toHaveLength(units.length);
    expect(hubspot.associated(UNIT_TYPE, LISTING_OBJECT)).toEqual(units.map((u) => `${mappings.get('unit', u.Id)!.hubspotId}|${listing}`).sort());
  });

  it('writes a unit whose rental is not in HubSpot yet and reports a mapping_error', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    // Act
    const report = await syncUnits([unitMessage(20001, 1001)], deps());
    // Assess
    expect(hubspot.all(UNIT_TYPE)).toHaveLength(1);
    expect(hubspot.callsOf('associateDefault')).toEqual([]);
    expect(report.errors).toEqual([{ entity: 'unit', sourceId: '20001', errorType: 'mapping_error', reason: expect.stringContaining('rental property 1001') }]);
  });

  it('associates that unit with its listing on a later sync, once the listing exists', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncUnits([unitMessage(20001, 1001)], deps());
    await syncRentals([rentalMessage(1001)], deps());
    // Act
    const report = await syncUnits([unitMessage(20001, 1001)], deps());
    // Assess
    const listing = mappings.get('property', 1001)!.hubspotId;
    const unit = mappings.get('unit', 20001)!.hubspotId;
    expect(report.errors).toEqual([]);
    expect(hubspot.associated(UNIT_TYPE, LISTING_OBJECT)).toEqual([`${unit}|${listing}`]);
  });

  it('reports an association HubSpot refused and makes it on the next sync', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncRentals([rentalMessage(1001)], deps());
    const listing = mappings.get('property', 1001)!.hubspotId;
    hubspot.refuse.set(listing, 'VALIDATION_ERROR: association limit reached');
    // Act
    const first = await syncUnits([unitMessage(20001, 1001)], deps());
    hubspot.refuse.clear();
    const second = await syncUnits([unitMessage(20001, 1001)], deps());
    // Assess
    expect(first.errors).toEqual([{ entity: 'unit', sourceId: '20001', errorType: 'api_error', reason: expect.stringContaining('association limit reached') }]);
    expect(second.errors).toEqual([]);
    expect(hubspot.associated(UNIT_TYPE, LISTING_OBJECT)).toEqual([`${mappings.get('unit', 20001)!.hubspotId}|${listing}`]);
    expect(hubspot.all(UNIT_TYPE)).toHaveLength(1);
  });

  // Product bug: syncUnits only associates when the listing differs from the mapping's `linkedTo`,
  // not when the unit itself got a new HubSpot id (written again after a deletion).
  it('associates a unit written again after a deletion in HubSpot with its listing', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    await syncRentals([rentalMessage(1001)], deps());
    await syncUnits([unitMessage(20001, 1001)], deps());
    hubspot.delete(UNIT_TYPE, mappings.get('unit', 20001)!.hubspotId);
    // Act
    await syncUnits([unitMessage(20001, 1001, { MarketRent: 1925 })], deps());
    // Assess
    const listing = mappings.get('property', 1001)!.hubspotId;
    const recreated = mappings.get('unit', 20001)!.hubspotId;
    expect(hubspot.associated(UNIT_TYPE, LISTING_OBJECT)).toContain(`${recreated}|${listing}`);
  });
});

describe('leases → labeled contact ↔ unit associations', () => {
  it('labels each tenant of an Active lease "active_tenant" on the unit', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    // Act
    const { leases } = await syncAll(deps());
    // Assess
    const unit = mappings.get('unit', 20001)!.hubspotId;
    const contacts = [100001, 100002].map((t) => mappings.get('tenant', t)!.hubspotId);
    expect(hubspot.associated('contacts', UNIT_TYPE, 'active_tenant')).toEqual(contacts.map((c) => `${c}|${unit}`).sort());
    expect(hubspot.associated('contacts', UNIT_TYPE, 'inactive_tenant')).toEqual([]);
    expect(leases).toMatchObject({ processed: 1, created: 1, errors: [] });
  });

  it('moves the tenants of a lease that became Past from "active_tenant" to "inactive_tenant"', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    const p = portfolio();
    await syncAll(deps(), p);
    // Act
    const report = await syncLeases([leaseMessage(500001, p.units[0]!, [100001, 100002], { LeaseStatus: 'Past' })], deps());
    // Assess
    const unit = mappings.get('unit', 20001)!.hubspotId;
    const pairs = [100001, 100002].map((t) => `${mappings.get('tenant', t)!.hubspotId}|${unit}`).sort();
    expect(hubspot.associated('contacts', UNIT_TYPE, 'inactive_tenant')).toEqual(pairs);
    expect(hubspot.associated('contacts', UNIT_TYPE, 'active_tenant')).toEqual([]);
    expect(report).toMatchObject({ updated: 1, errors: [] });
  });

  // Product bug: a lease removes its old label from a contact ↔ unit pair without looking at the
  // other leases on that unit that still want it (a renewal: the new lease Active, the old one Past).
  it('keeps "active_tenant" for a tenant whose renewal on the same unit is Active when the old lease turns Past', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    const p = portfolio();
    await syncAll(deps(), p);
    const renewal = leaseMessage(500002, p.units[0]!, [100001], { LeaseStatus: 'Future' });
    await syncLeases([renewal], deps());
    // Act: the renewal starts, then the old lease ends (two Lease.Updated webhooks, in that order).
    await syncLeases([{ ...renewal, LeaseStatus: 'Active' }], deps());
    await syncLeases([leaseMessage(500001, p.units[0]!, [100001, 100002], { LeaseStatus: 'Past' })], deps());
    // Assess
    const pair = `${mappings.get('tenant', 100001)!.hubspotId}|${mappings.get('unit', 20001)!.hubspotId}`;
    expect(hubspot.associated('contacts', UNIT_TYPE, 'inactive_tenant')).toContain(pair);
    expect(hubspot.associated('contacts', UNIT_TYPE, 'active_tenant')).toContain(pair);
  });

  it('reports a lease whose tenant is not in HubSpot yet as a mapping_error and associates it on the next sync', async () => {
    // Prepare
    const { hubspot, mappings, deps } = setup();
    const p = portfolio();
    await syncRentals(p.rentals, deps());
    await syncUnits(p.units, deps());
    await syncTenants([p.tenants[0]!], deps());
    // Act
    const first = await syncLeases(p.leases, deps());
    await syncTenants([p.tenants[1]!], deps());
    const second = await syncLeases(p.leases, deps());
    // Assess
    expect(first.errors).toEqual([{ entity: 'lease', sourceId: '500001', errorType: 'mapping_error', reason: expect.stringContaining('tenant 100002') }]);
    expect(second.errors).toEqual([]);
    const unit = mappings.get('unit', 20001)!.hubspotId;
    expect(hubspot.associated('contacts', UNIT_TYPE, 'active_tenant')).toEqual([100001, 100002].map((t) => `${mappings.get('tenant', t)!.hubspotId}|${unit}`).sort());
  });
});

describe('batches', () => {
  it('upserts 250 new tenants in 3 calls of at most 100', async () => {
    // Prepare
    const { hubspot, deps } = setup();
    const tenants = Array.from({ length: 250 }, (_, i) => tenantMessage(100001 + i));
    // Act
    const report = await syncTenants(tenants, deps());
    // Assess
    expect(hubspot.callsOf('upsert').map((c) => c.inputs.length)).toEqual([100, 100, 50]);
    expect(report).toMatchObject({ processed: 250, created: 250 });
    expect(hubspot.all('contacts')).toHaveLength(250);
  });
});

describe('conflict strategies: phone edited in HubSpot and changed in Buildium', () => {
  const HUBSPOT_PHONE = '(512) 555-0177';
  const BUILDIUM_PHONE = '(737) 555-0163';

  async function conflict(config: Partial<SyncConfig>) {
    const { hubspot, mappings, deps } = setup();
    await syncTenants([maria()], deps());
    const contactId = mappings.get('tenant', 100001)!.hubspotId;
    hubspot.edit('contacts', contactId, { phone: HUBSPOT_PHONE });
    const before = hubspot.calls;
    const changed = maria({ PhoneNumbers: [{ Number: BUILDIUM_PHONE, Type: 'Cell' }], Comment: 'Renewed for 12 months.' });
    const report = await syncTenants([changed], deps(config));
    return { hubspot, contactId, report, calls: hubspot.log.slice(before), next: () => syncTenants([changed], deps(config)) };
  }

  it("buildium_wins sends Buildium's value without reading HubSpot", async () => {
    const { calls, hubspot, contactId } = await conflict({ conflictStrategy: 'buildium_wins' });
    expect(calls).toEqual([{ method: 'update', objectType: 'contacts', inputs: [{ id: contactId, properties: { phone: BUILDIUM_PHONE, buildium_comment: 'Renewed for 12 months.' } }] }]);
    expect(hubspot.get('contacts', contactId)?.properties.phone).toBe(BUILDIUM_PHONE);
  });

  it("hubspot_wins keeps HubSpot's phone, sends the other changed fields, and does not flag it again", async () => {
    const { calls, hubspot, contactId, next } = await conflict({ conflictStrategy: 'hubspot_wins' });
    expect(calls.map((c) => c.method)).toEqual(['read', 'update']);
    expect(calls[1]!.inputs).toEqual([{ id: contactId, properties: { buildium_comment: 'Renewed for 12 months.' } }]);
    expect(hubspot.get('contacts', contactId)?.properties.phone).toBe(HUBSPOT_PHONE);
    const before = hubspot.calls;
    expect(await next()).toMatchObject({ skipped: 1 });
    expect(hubspot.calls).toBe(before);
  });

  it('manual_review sends nothing and opens a review naming phone', async () => {
    const { calls, hubspot, contactId, report } = await conflict({ conflictStrategy: 'manual_review' });
    expect(calls.map((c) => c.method)).toEqual(['read']);
    expect(report.reviews).toEqual([{ entity: 'tenant', sourceId: '100001', hubspotType: 'contacts', hubspotId: contactId, fields: ['phone'] }]);
    expect(report).toMatchObject({ skipped: 1, updated: 0 });
    expect(hubspot.get('contacts', contactId)?.properties).toMatchObject({ phone: HUBSPOT_PHONE, buildium_comment: 'Prefers contact by text after 5pm.' });
  });

  it("merge_fields with phone: 'target' keeps HubSpot's phone and sends the rest", async () => {
    const { calls, hubspot, contactId } = await conflict({ conflictStrategy: 'merge_fields', mergeFields: { phone: 'target' } });
    expect(calls.filter((c) => c.method === 'update').flatMap((c) => c.inputs)).toEqual([{ id: contactId, properties: { buildium_comment: 'Renewed for 12 months.' } }]);
    expect(hubspot.get('contacts', contactId)?.properties.phone).toBe(HUBSPOT_PHONE);
  });

  it("merge_fields with phone: 'source' sends Buildium's phone", async () => {
    const { calls, hubspot, contactId } = await conflict({ conflictStrategy: 'merge_fields', mergeFields: { phone: 'source' } });
    expect(calls.filter((c) => c.method === 'update').flatMap((c) => c.inputs)).toEqual([{ id: contactId, properties: { phone: BUILDIUM_PHONE, buildium_comment: 'Renewed for 12 months.' } }]);
    expect(hubspot.get('contacts', contactId)?.properties.phone).toBe(BUILDIUM_PHONE);
  });
});
