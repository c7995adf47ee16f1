/**
 * Seed 002's mapping tables, row by row; room enums as numbers; sensitive fields off unless an
 * override turns them on; overrides validated; seed §5.1 validation (§5.3 duplicate emails are
 * the tenant sync's: test/unit/buildium-records.test.ts).
 */
import { BUILDIUM_UNIT_BATHROOMS, BUILDIUM_UNIT_BEDROOMS } from '../../functions/connectors/buildium/schemas.js';
import { describe, expect, it } from 'vitest';
import {
  effectiveMapping,
  FieldMappingOverridesSchema,
  mapRecord,
  PROPERTY_LISTING_MAPPING,
  roomCount,
  TENANT_CONTACT_MAPPING,
  UNIT_OBJECT_MAPPING,
  validateContact,
} from '../../functions/core/buildium-mapping.js';

const tenant = {
  Id: 5501,
  FirstName: 'Lena',
  LastName: 'Ortiz',
  Email: 'Lena.Ortiz@Example.com',
  AlternateEmail: 'lena.alt@example.com',
  PhoneNumbers: [{ Number: '(512) 555-0142', Type: 'Cell' }],
  DateOfBirth: '1988-04-02T00:00:00',
  Address: { AddressLine1: '12 Elm St', City: 'Austin', State: 'TX', PostalCode: '78701' },
  TaxId: '123-45-6789',
  CreatedDateTime: '2024-01-15T10:00:00Z',
  Comment: 'Prefers email',
};

describe('tenant → contact (seed 002)', () => {
  const rows: Array<[string, string, string | undefined]> = [
    ['Id', 'buildium_tenant_id', '5501'],
    ['FirstName', 'firstname', 'Lena'],
    ['LastName', 'lastname', 'Ortiz'],
    ['Email', 'email', 'lena.ortiz@example.com'],
    ['AlternateEmail', 'hs_additional_emails', 'lena.alt@example.com'],
    ['PhoneNumbers[0].Number', 'phone', '(512) 555-0142'],
    ['Address.AddressLine1', 'address', '12 Elm St'],
    ['Address.City', 'city', 'Austin'],
    ['Address.State', 'state', 'TX'],
    ['Address.PostalCode', 'zip', '78701'],
    ['CreatedDateTime', 'createdate', '2024-01-15T10:00:00Z'],
    ['Comment', 'buildium_comment', 'Prefers email'],
  ];
  it.each(rows)('%s → %s', (source, property, value) => {
    expect(TENANT_CONTACT_MAPPING.find((r) => r.source === source)?.property).toBe(property);
    expect(mapRecord(tenant, effectiveMapping('tenant'))[property]).toBe(value);
  });

  it('leaves date of birth and tax id out unless an override turns them on', () => {
    const properties = mapRecord(tenant, effectiveMapping('tenant'));
    expect(properties).not.toHaveProperty('date_of_birth');
    expect(properties).not.toHaveProperty('tax_id');
    expect(JSON.stringify(properties)).not.toMatch(/123-45-6789|1988-04-02/);
    const on = FieldMappingOverridesSchema.parse([{ entity: 'tenant', source: 'DateOfBirth', property: 'date_of_birth' }]);
    expect(mapRecord(tenant, effectiveMapping('tenant', on)).date_of_birth).toBe('1988-04-02');
  });
});

describe('property → listing and unit → custom object (seed 002)', () => {
  it('maps a rental property, the address as one line', () => {
    const rental = { Id: 77, Name: 'Oak Court', Address: { AddressLine1: '1 Oak Ct', City: 'Austin', State: 'TX', PostalCode: '78702' }, NumberUnits: 12, YearBuilt: 1998, StructureDescription: 'Garden', Features: ['Pool', 'Gym'] };
    expect(PROPERTY_LISTING_MAPPING.map((r) => r.property)).toEqual(['buildium_property_id', 'name', 'address', 'total_units', 'year_built', 'property_type', 'amenities', 'base_rent_amount', 'description']);
    expect(mapRecord(rental, effectiveMapping('property'))).toEqual({
      buildium_property_id: '77',
      name: 'Oak Court',
      address: '1 Oak Ct, Austin, TX, 78702',
      total_units: '12',
      year_built: '1998',
      property_type: 'Garden',
      amenities: 'Pool;Gym',
    });
  });

  it('maps a unit with its room enums as numbers and its flags as statuses', () => {
    const unit = { Id: 901, PropertyId: 77, UnitNumber: '2B', UnitBedrooms: 'TwoBed', UnitBathrooms: 'OnePointFiveBath', UnitSize: 850, MarketRent: 1650, IsUnitOccupied: true, IsUnitListed: false };
    expect(UNIT_OBJECT_MAPPING).toHaveLength(10);
    expect(mapRecord(unit, effectiveMapping('unit'))).toEqual({
      buildium_unit_id: '901',
      listing_id: '77',
      unit_number: '2B',
      bedrooms: '2',
      bathrooms: '1.5',
      square_feet: '850',
      market_rent: '1650',
      occupancy_status: 'occupied',
      listing_status: 'unlisted',
    });
  });

  it.each([
    ['Studio', 0],
    ['OneBed', 1],
    ['FourBed', 4],
    ['TwoBath', 2],
    ['ThreePointFiveBath', 3.5],
    ['FivePlusBath', 5],
    ['NineBedPlus', 9],
    ['NotSet', undefined],
    ['TwelveBed', undefined],
  ])('reads %s as %s', (value, count) => {
    expect(roomCount(value)).toBe(count);
  });
});

describe('overrides, validation, data quality', () => {
  it('refuses an invalid override naming the field', () => {
    const result = FieldMappingOverridesSchema.safeParse([{ entity: 'tenant', source: 'Email', property: 'Bad Name' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([0, 'property']);
  });

  it('can send a source elsewhere or turn a row off, without a deploy', () => {
    const overrides = FieldMappingOverridesSchema.parse([
      { entity: 'tenant', source: 'Comment', property: 'tenant_comment' },
      { entity: 'tenant', source: 'AlternateEmail', property: 'hs_additional_emails', active: false },
    ]);
    const properties = mapRecord(tenant, effectiveMapping('tenant', overrides));
    expect(properties.tenant_comment).toBe('Prefers email');
    expect(properties).not.toHaveProperty('buildium_comment');
    expect(properties).not.toHaveProperty('hs_additional_emails');
  });

  it('finds what seed §5.1 refuses', () => {
    expect(validateContact({ email: 'not-an-email', firstname: 'A' })).toEqual([
      { field: 'email', message: 'Valid email required' },
      { field: 'lastname', message: 'Last name required' },
    ]);
    expect(validateContact(mapRecord(tenant, effectiveMapping('tenant')))).toEqual([]);
  });
});

describe("every room value of Buildium's document", () => {
  const expected: Record<string, number | undefined> = {
    NotSet: undefined,
    Studio: 0,
    OneBed: 1,
    TwoBed: 2,
    ThreeBed: 3,
    FourBed: 4,
    FiveBed: 5,
    SixBed: 6,
    SevenBed: 7,
    EightBed: 8,
    NineBedPlus: 9,
    OneBath: 1,
    OnePointFiveBath: 1.5,
    TwoBath: 2,
    TwoPointFiveBath: 2.5,
    ThreeBath: 3,
    ThreePointFiveBath: 3.5,
    FourBath: 4,
    FourPointFiveBath: 4.5,
    FiveBath: 5,
    FivePlusBath: 5,
  };

  it.each([...BUILDIUM_UNIT_BEDROOMS, ...BUILDIUM_UNIT_BATHROOMS])('%s becomes the number HubSpot gets (or nothing for NotSet)', (value) => {
    expect(value in expected, `${value} has no expected number in this test`).toBe(true);
    expect(roomCount(value)).toBe(expected[value]);
    const sent = mapRecord({ Id: 1, UnitBedrooms: value }, effectiveMapping('unit'));
    expect(sent.bedrooms).toBe(expected[value]?.toString());
  });
});
