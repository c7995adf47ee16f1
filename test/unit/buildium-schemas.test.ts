/**
 * The Buildium record schemas (official OpenAPI document): a record of each type, built from the
 * document's fields, parses; the enums are the document's; a value of the wrong type is refused
 * naming the field, without quoting the value (tenants carry dates of birth and tax ids).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BUILDIUM_LEASE_STATUSES,
  BUILDIUM_LEASE_TENANT_STATUSES,
  BUILDIUM_LEASE_TERM_TYPES,
  BUILDIUM_LEASE_TYPES,
  BUILDIUM_MAILING_PREFERENCES,
  BUILDIUM_PHONE_TYPES,
  BUILDIUM_RENEWAL_OFFER_STATUSES,
  BUILDIUM_RENTAL_SUB_TYPES,
  BUILDIUM_RENTAL_TYPES,
  BUILDIUM_SMS_OPT_IN_STATUSES,
  BUILDIUM_UNIT_BATHROOMS,
  BUILDIUM_UNIT_BEDROOMS,
  BuildiumLeaseSchema,
  BuildiumRentalSchema,
  BuildiumTenantSchema,
  BuildiumUnitSchema,
  firstIssue,
} from '../../functions/connectors/buildium/schemas.js';
import type { z } from 'zod';

const ADDRESS = {
  AddressLine1: '12 Beacon St',
  AddressLine2: 'Apt 4',
  AddressLine3: null,
  City: 'Boston',
  State: 'MA',
  PostalCode: '02116',
  Country: 'UnitedStates',
};

const TENANT = {
  Id: 123,
  FirstName: 'Jordan',
  LastName: 'Lee',
  Email: 'jordan.lee@example.com',
  AlternateEmail: 'jl@example.org',
  PhoneNumbers: [
    { Number: '(617) 555-0101', Type: 'Cell' },
    { Number: '(617) 555-0102', Type: 'Home' },
  ],
  CreatedDateTime: '2023-04-05T14:15:22Z',
  EmergencyContact: { Name: 'Sam Lee', RelationshipDescription: 'Sibling', Phone: '(617) 555-0199', Email: 'sam@example.com' },
  DateOfBirth: '1990-02-03',
  SMSOptInStatus: 'OptedIn',
  Address: ADDRESS,
  AlternateAddress: null,
  MailingPreference: 'PrimaryAddress',
  Leases: [{ Id: 55, PropertyId: 7, UnitId: 70, UnitNumber: '4', LeaseFromDate: '2024-01-01', LeaseToDate: '2024-12-31', LeaseStatus: 'Active', LeaseType: 'Fixed' }],
  Comment: 'Prefers email',
  TaxId: '123-45-6789',
  SomeFieldBuildiumAddsLater: { nested: true },
};

const RENTAL = {
  Id: 7,
  Name: 'Beacon Court',
  StructureDescription: 'Brick walk-up',
  NumberUnits: 12,
  IsActive: true,
  OperatingBankAccountId: 3,
  Reserve: 500.0,
  Address: ADDRESS,
  YearBuilt: 1920,
  RentalType: 'Residential',
  RentalSubType: 'MultiFamily',
  RentalManager: { Id: 9, FirstName: 'Pat', LastName: 'Kim', CompanyName: null, IsCompany: false, ProfilePhotoUrl: null, Email: 'pat@pm.example', PhoneNumbers: [{ Number: '555', Type: 'Office' }] },
};

const UNIT = {
  Id: 70,
  PropertyId: 7,
  BuildingName: null,
  UnitNumber: '4',
  Description: 'Sunny corner unit',
  MarketRent: 2450.5,
  Address: ADDRESS,
  UnitBedrooms: 'OneBed',
  UnitBathrooms: 'OnePointFiveBath',
  UnitSize: 720,
  IsUnitListed: false,
  IsUnitOccupied: true,
};

const LEASE = {
  Id: 55,
  PropertyId: 7,
  UnitId: 70,
  UnitNumber: '4',
  LeaseFromDate: '2024-01-01',
  LeaseToDate: '2024-12-31',
  LeaseType: 'Fixed',
  LeaseStatus: 'Active',
  IsEvictionPending: false,
  TermType: 'Standard',
  RenewalOfferStatus: null,
  CurrentTenants: [TENANT],
  CurrentNumberOfOccupants: 1,
  AccountDetails: { SecurityDeposit: 2450, Rent: 2450 },
  Cosigners: [],
  AutomaticallyMoveOutTenants: true,
  CreatedDateTime: '2023-12-01T10:00:00Z',
  LastUpdatedDateTime: '2024-06-01T08:30:00Z',
  MoveOutData: [{ TenantId: 123, MoveOutDate: '2024-12-31', NoticeGivenDate: null }],
  PaymentDueDay: 1,
  Tenants: [
    { Id: 123, Status: 'Current', MoveInDate: '2024-01-01' },
    { Id: 124, Status: 'MovedOut', MoveInDate: null },
  ],
};

/** "PhoneNumbers.0.Type: must be one of ..." of a refused record. */
function refusal<T>(schema: z.ZodType<T>, value: unknown): string {
  const result = schema.safeParse(value);
  expect(result.success, 'expected the record to be refused').toBe(false);
  return firstIssue(result.error!);
}

describe('records built from the document parse', () => {
  it('a tenant keeps the fields the CRM mapping reads, and drops unknown ones', () => {
    const tenant = BuildiumTenantSchema.parse(TENANT);
    expect(tenant).toMatchObject({
      Id: 123,
      Email: 'jordan.lee@example.com',
      AlternateEmail: 'jl@example.org',
      PhoneNumbers: [
        { Number: '(617) 555-0101', Type: 'Cell' },
        { Number: '(617) 555-0102', Type: 'Home' },
      ],
      DateOfBirth: '1990-02-03',
      CreatedDateTime: '2023-04-05T14:15:22Z',
      Comment: 'Prefers email',
      TaxId: '123-45-6789',
      EmergencyContact: { Name: 'Sam Lee', Phone: '(617) 555-0199' },
      Address: { City: 'Boston', PostalCode: '02116' },
      Leases: [{ Id: 55, UnitId: 70, LeaseStatus: 'Active' }],
    });
    expect(tenant).not.toHaveProperty('SomeFieldBuildiumAddsLater');
  });

  it('a tenant with only an Id (every other field null or absent) parses: Buildium leaves most fields empty', () => {
    const sparse = { Id: 1, FirstName: null, Email: null, PhoneNumbers: null, EmergencyContact: null, DateOfBirth: null, Address: null, Comment: null, TaxId: null };
    expect(BuildiumTenantSchema.parse(sparse)).toMatchObject({ Id: 1, Email: null, PhoneNumbers: null });
  });

  it('a rental property, a unit and a lease parse', () => {
    expect(BuildiumRentalSchema.parse(RENTAL)).toMatchObject({ Id: 7, Name: 'Beacon Court', RentalType: 'Residential', RentalSubType: 'MultiFamily', Address: { State: 'MA' } });
    expect(BuildiumUnitSchema.parse(UNIT)).toMatchObject({
      Id: 70,
      PropertyId: 7,
      UnitNumber: '4',
      MarketRent: 2450.5,
      UnitBedrooms: 'OneBed',
      UnitBathrooms: 'OnePointFiveBath',
      IsUnitListed: false,
      IsUnitOccupied: true,
    });
    const lease = BuildiumLeaseSchema.parse(LEASE);
    expect(lease).toMatchObject({
      Id: 55,
      UnitId: 70,
      PropertyId: 7,
      LeaseStatus: 'Active',
      LeaseFromDate: '2024-01-01',
      LeaseToDate: '2024-12-31',
      LastUpdatedDateTime: '2024-06-01T08:30:00Z',
      Tenants: [{ Id: 123, Status: 'Current' }, { Id: 124, Status: 'MovedOut' }],
    });
    expect(lease.CurrentTenants?.[0]).toMatchObject({ Id: 123, Email: 'jordan.lee@example.com' });
  });
});

describe('enums', () => {
  it.each(BUILDIUM_UNIT_BEDROOMS.map((v) => [v]))('UnitBedrooms %s is accepted', (value) => {
    expect(BuildiumUnitSchema.parse({ ...UNIT, UnitBedrooms: value }).UnitBedrooms).toBe(value);
  });

  it.each(BUILDIUM_UNIT_BATHROOMS.map((v) => [v]))('UnitBathrooms %s is accepted', (value) => {
    expect(BuildiumUnitSchema.parse({ ...UNIT, UnitBathrooms: value }).UnitBathrooms).toBe(value);
  });

  it.each(BUILDIUM_LEASE_STATUSES.map((v) => [v]))('LeaseStatus %s is accepted', (value) => {
    expect(BuildiumLeaseSchema.parse({ ...LEASE, LeaseStatus: value }).LeaseStatus).toBe(value);
  });

  it('a value outside an enum is refused, listing what is allowed', () => {
    expect(refusal(BuildiumUnitSchema, { ...UNIT, UnitBedrooms: '1' })).toBe(`UnitBedrooms: must be one of ${BUILDIUM_UNIT_BEDROOMS.join(', ')}, or null`);
    expect(refusal(BuildiumUnitSchema, { ...UNIT, UnitBathrooms: 'OneAndAHalf' })).toMatch(/^UnitBathrooms: must be one of NotSet, OneBath, /);
    expect(refusal(BuildiumLeaseSchema, { ...LEASE, LeaseStatus: 'Expired' })).toBe('LeaseStatus: must be one of Active, Past, Future');
    expect(refusal(BuildiumTenantSchema, { ...TENANT, PhoneNumbers: [{ Number: '1', Type: 'Mobile' }] })).toMatch(/^PhoneNumbers\.0\.Type: must be one of NotSet, Home, Office, Cell/);
  });

  // The document is the source of truth; where it is not checked out next to the repo, the copy of
  // its record shapes in test/fixtures (itself checked against the document when it is there).
  const officialPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/specs/buildium/buildium-openapi.json');
  const specPath = existsSync(officialPath) ? officialPath : resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/buildium-schemas.json');
  it('every enum equals the OpenAPI document’s, value for value', () => {
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } };
    const enumOf = (schema: string, field: string) => spec.components.schemas[schema]!.properties[field]!.enum;
    expect(BUILDIUM_PHONE_TYPES).toEqual(enumOf('PhoneNumberMessage', 'Type'));
    expect(BUILDIUM_SMS_OPT_IN_STATUSES).toEqual(enumOf('TenantMessage', 'SMSOptInStatus'));
    expect(BUILDIUM_MAILING_PREFERENCES).toEqual(enumOf('TenantMessage', 'MailingPreference'));
    expect(BUILDIUM_RENTAL_TYPES).toEqual(enumOf('RentalMessage', 'RentalType'));
    expect(BUILDIUM_RENTAL_SUB_TYPES).toEqual(enumOf('RentalMessage', 'RentalSubType'));
    expect(BUILDIUM_UNIT_BEDROOMS).toEqual(enumOf('RentalUnitMessage', 'UnitBedrooms'));
    expect(BUILDIUM_UNIT_BATHROOMS).toEqual(enumOf('RentalUnitMessage', 'UnitBathrooms'));
    expect(BUILDIUM_LEASE_TYPES).toEqual(enumOf('LeaseMessage', 'LeaseType'));
    expect(BUILDIUM_LEASE_STATUSES).toEqual(enumOf('LeaseMessage', 'LeaseStatus'));
    expect(BUILDIUM_LEASE_TERM_TYPES).toEqual(enumOf('LeaseMessage', 'TermType'));
    expect(BUILDIUM_RENEWAL_OFFER_STATUSES).toEqual(enumOf('LeaseMessage', 'RenewalOfferStatus'));
    expect(BUILDIUM_LEASE_TENANT_STATUSES).toEqual(enumOf('LeaseTenantMessage', 'Status'));
  });
});

describe('a wrong type names the field', () => {
  it.each([
    ['tenant Id as a string', BuildiumTenantSchema, { ...TENANT, Id: '123' }, 'Id: must be an integer'],
    ['tenant without an Id', BuildiumTenantSchema, { ...TENANT, Id: undefined }, 'Id: required'],
    ['tenant Email as a number', BuildiumTenantSchema, { ...TENANT, Email: 42 }, 'Email: must be a string or null'],
    ['tenant PhoneNumbers as a string', BuildiumTenantSchema, { ...TENANT, PhoneNumbers: '(617) 555-0101' }, 'PhoneNumbers: must be an array or null'],
    ['tenant CreatedDateTime without a zone', BuildiumTenantSchema, { ...TENANT, CreatedDateTime: 'yesterday' }, 'CreatedDateTime: must be an RFC 3339 date-time with a time zone, e.g. 2024-05-01T12:00:00Z'],
    ['emergency contact Phone as a number', BuildiumTenantSchema, { ...TENANT, EmergencyContact: { ...TENANT.EmergencyContact, Phone: 6175550199 } }, 'EmergencyContact.Phone: must be a string or null'],
    ['address PostalCode as a number (leading zero lost)', BuildiumRentalSchema, { ...RENTAL, Address: { ...ADDRESS, PostalCode: 2116 } }, 'Address.PostalCode: must be a string or null'],
    ['unit MarketRent as a string', BuildiumUnitSchema, { ...UNIT, MarketRent: '2450' }, 'MarketRent: must be a number or null'],
    ['unit IsUnitOccupied as "yes"', BuildiumUnitSchema, { ...UNIT, IsUnitOccupied: 'yes' }, 'IsUnitOccupied: must be a boolean or null'],
    ['unit without PropertyId', BuildiumUnitSchema, { ...UNIT, PropertyId: undefined }, 'PropertyId: required'],
    ['lease LeaseFromDate in US format', BuildiumLeaseSchema, { ...LEASE, LeaseFromDate: '01/01/2024' }, 'LeaseFromDate: must be a date (YYYY-MM-DD) or null'],
    ['lease without LeaseStatus', BuildiumLeaseSchema, { ...LEASE, LeaseStatus: undefined }, 'LeaseStatus: required'],
    ['lease tenant Id missing', BuildiumLeaseSchema, { ...LEASE, Tenants: [{ Status: 'Current' }] }, 'Tenants.0.Id: required'],
    ['a current tenant’s Email inside a lease', BuildiumLeaseSchema, { ...LEASE, CurrentTenants: [{ ...TENANT, Email: false }] }, 'CurrentTenants.0.Email: must be a string or null'],
  ] as const)('%s', (_label, schema, value, message) => {
    expect(refusal(schema as z.ZodType<unknown>, value)).toBe(message);
  });

  it('a refused sensitive field never quotes its value', () => {
    const message = refusal(BuildiumTenantSchema, { ...TENANT, DateOfBirth: '03/02/1990', TaxId: 123456789 });
    expect(message).toMatch(/^DateOfBirth: /);
    expect(message).not.toContain('1990');
    const all = BuildiumTenantSchema.safeParse({ ...TENANT, DateOfBirth: '03/02/1990', TaxId: 123456789 });
    expect(JSON.stringify(all.error!.issues.map((i) => i.message))).not.toMatch(/1990|123456789/);
  });
});
