/**
 * Buildium's records as zod schemas, following the official OpenAPI document
 * (`shared/specs/buildium/buildium-openapi.json`): `TenantMessage` (`/v1/leases/tenants`),
 * `RentalMessage` (`/v1/rentals`), `RentalUnitMessage` (`/v1/rentals/units`) and `LeaseMessage`
 * (`/v1/leases`), with the fields a CRM sync reads. Field names keep Buildium's PascalCase so a
 * mapping row reads the same as the document.
 *
 * How strict, and why:
 * - Unknown keys are dropped, not refused: Buildium adds fields without a version bump, and a new
 *   field must not stop a sync.
 * - The types of the fields we keep are checked, and the enums are the document's: a value of
 *   another type or outside the enum fails the page with the field named (`3.UnitBedrooms: ...`),
 *   rather than reach HubSpot as something the mapping never planned for.
 * - `nullable: true` in the document → null or absent is accepted (and kept as null: Buildium uses
 *   null for "no value", which the mapping may need to clear a HubSpot property). Fields the
 *   document marks non-nullable may be absent, but not null. Ids the sync keys on are required.
 * - Contents are not judged here (an email that is not one, a blank name): that is the mapping's
 *   validation (issue 5 §2), which records one sync error for the record instead of failing the
 *   page it came in.
 * - Issue messages never quote the input: tenant records carry a date of birth and a tax id.
 */
import { z } from 'zod';

const missingOr = (expected: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'required' : `must be ${expected}`);

/** `type: integer, format: int32`, as every Buildium id is. */
function int32() {
  return z
    .number({ error: missingOr('an integer') })
    .int({ error: 'must be an integer' })
    .min(-2_147_483_648, { error: 'must be a 32-bit integer' })
    .max(2_147_483_647, { error: 'must be a 32-bit integer' });
}

/** A record id: a positive int32, always present. */
const id = () => int32().positive({ error: 'must be a positive integer' });

const nullableString = () => z.string({ error: 'must be a string or null' }).nullish();
const nullableNumber = () => z.number({ error: 'must be a number or null' }).nullish();
const nullableInt = () => z.number({ error: 'must be an integer or null' }).int({ error: 'must be an integer or null' }).nullish();
const nullableBoolean = () => z.boolean({ error: 'must be a boolean or null' }).nullish();
const optionalBoolean = () => z.boolean({ error: 'must be a boolean' }).optional();

/** `format: date`: `YYYY-MM-DD`, a calendar date with no time zone (a birthday, a lease's first day). */
const nullableDate = () => z.iso.date({ error: 'must be a date (YYYY-MM-DD) or null' }).nullish();

/** `format: date-time` (RFC 3339): with a zone, `Z` or an offset. */
const dateTime = () => z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time with a time zone, e.g. 2024-05-01T12:00:00Z' });

function enumOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => (issue.input === undefined ? 'required' : `must be one of ${values.join(', ')}`) });
}
function nullableEnumOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}, or null` }).nullish();
}

const object = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.object(shape, { error: (issue) => (issue.input === undefined ? 'required' : 'must be an object') });
const nullableObject = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.object(shape, { error: 'must be an object or null' }).nullish();
const nullableArray = <T extends z.ZodType>(item: T) => z.array(item, { error: 'must be an array or null' }).nullish();

// ---- Enums, as the document lists them ----

/** `PhoneNumberMessage.Type`. */
export const BUILDIUM_PHONE_TYPES = ['NotSet', 'Home', 'Office', 'Cell', 'Personal', 'Fax', 'Other'] as const;
/** `TenantMessage.SMSOptInStatus`. */
export const BUILDIUM_SMS_OPT_IN_STATUSES = ['NotSet', 'RequestSent', 'OptedIn', 'OptedOut', 'Converted'] as const;
/** `TenantMessage.MailingPreference`. */
export const BUILDIUM_MAILING_PREFERENCES = ['PrimaryAddress', 'AlternateAddress'] as const;
/** `RentalMessage.RentalType`. */
export const BUILDIUM_RENTAL_TYPES = ['None', 'Residential', 'Commercial'] as const;
/** `RentalMessage.RentalSubType`. */
export const BUILDIUM_RENTAL_SUB_TYPES = [
  'CondoTownhome',
  'MultiFamily',
  'SingleFamily',
  'Industrial',
  'Office',
  'Retail',
  'ShoppingCenter',
  'Storage',
  'ParkingSpace',
] as const;
/** `RentalUnitMessage.UnitBedrooms`. */
export const BUILDIUM_UNIT_BEDROOMS = [
  'NotSet',
  'Studio',
  'OneBed',
  'TwoBed',
  'ThreeBed',
  'FourBed',
  'FiveBed',
  'SixBed',
  'SevenBed',
  'EightBed',
  'NineBedPlus',
] as const;
/** `RentalUnitMessage.UnitBathrooms`, in the document's order (ThreePointFive and FourPointFive come last there). */
export const BUILDIUM_UNIT_BATHROOMS = [
  'NotSet',
  'OneBath',
  'OnePointFiveBath',
  'TwoBath',
  'TwoPointFiveBath',
  'ThreeBath',
  'FourBath',
  'FiveBath',
  'FivePlusBath',
  'ThreePointFiveBath',
  'FourPointFiveBath',
] as const;
/** `LeaseMessage.LeaseType`. */
export const BUILDIUM_LEASE_TYPES = ['None', 'Fixed', 'FixedWithRollover', 'AtWill'] as const;
/** `LeaseMessage.LeaseStatus` (a lease term's status). */
export const BUILDIUM_LEASE_STATUSES = ['Active', 'Past', 'Future'] as const;
/** `LeaseMessage.TermType`. */
export const BUILDIUM_LEASE_TERM_TYPES = ['MonthToMonth', 'Standard', 'Owner'] as const;
/** `LeaseMessage.RenewalOfferStatus`. */
export const BUILDIUM_RENEWAL_OFFER_STATUSES = [
  'NotSet',
  'NotStarted',
  'Generated',
  'Declined',
  'Renewed',
  'Draft',
  'Unsigned',
  'PartiallySigned',
  'Countersign',
  'Activated',
  'Sent',
  'Accepted',
] as const;
/** `LeaseTenantMessage.Status`: a tenant's place on a lease. */
export const BUILDIUM_LEASE_TENANT_STATUSES = ['MovedOut', 'Current', 'Future'] as const;

export type BuildiumPhoneType = (typeof BUILDIUM_PHONE_TYPES)[number];
export type BuildiumUnitBedrooms = (typeof BUILDIUM_UNIT_BEDROOMS)[number];
export type BuildiumUnitBathrooms = (typeof BUILDIUM_UNIT_BATHROOMS)[number];
export type BuildiumLeaseStatus = (typeof BUILDIUM_LEASE_STATUSES)[number];
export type BuildiumLeaseTenantStatus = (typeof BUILDIUM_LEASE_TENANT_STATUSES)[number];

// ---- Shared parts ----

/** `PhoneNumberMessage`. */
export const BuildiumPhoneNumberSchema = object({
  Number: nullableString(),
  Type: enumOf(BUILDIUM_PHONE_TYPES),
});
export type BuildiumPhoneNumber = z.output<typeof BuildiumPhoneNumberSchema>;

/**
 * `AddressMessage`. `Country` is an enum of some 260 names in the document (`UnitedStates`,
 * `Canada`, ...); it is kept as a string: it is copied to HubSpot as text, and a country Buildium
 * adds must not fail a page of tenants.
 */
export const BuildiumAddressSchema = object({
  AddressLine1: nullableString(),
  AddressLine2: nullableString(),
  AddressLine3: nullableString(),
  City: nullableString(),
  State: nullableString(),
  // A string: US ZIP codes keep their leading zeros (02116).
  PostalCode: nullableString(),
  Country: z.string({ error: 'must be a string' }).optional(),
});
export type BuildiumAddress = z.output<typeof BuildiumAddressSchema>;

/** `EmergencyContactMessage`: becomes a contact associated with the tenant's (issue 5 §2). */
export const BuildiumEmergencyContactSchema = object({
  Name: nullableString(),
  RelationshipDescription: nullableString(),
  Phone: nullableString(),
  Email: nullableString(),
});
export type BuildiumEmergencyContact = z.output<typeof BuildiumEmergencyContactSchema>;

/**
 * A lease as listed inside a tenant (`TenantMessage.Leases`, a `LeaseMessage` in the document).
 * Only the keys that place the tenant: the full lease comes from `/v1/leases`, and parsing it
 * here would nest tenants inside leases inside tenants.
 */
export const BuildiumTenantLeaseSchema = object({
  Id: id(),
  PropertyId: id(),
  UnitId: id(),
  UnitNumber: nullableString(),
  LeaseFromDate: nullableDate(),
  LeaseToDate: nullableDate(),
  LeaseStatus: enumOf(BUILDIUM_LEASE_STATUSES).optional(),
});
export type BuildiumTenantLease = z.output<typeof BuildiumTenantLeaseSchema>;

// ---- The four records ----

/**
 * `TenantMessage` (`GET /v1/leases/tenants`, `GET /v1/leases/tenants/{tenantId}`). The document
 * gives tenants no LastUpdatedDateTime; `lastupdatedfrom`/`lastupdatedto` still filter them.
 * `DateOfBirth` and `TaxId` are sensitive: parsed so the mapping can decide, never logged.
 */
export const BuildiumTenantSchema = object({
  Id: id(),
  FirstName: nullableString(),
  LastName: nullableString(),
  Email: nullableString(),
  AlternateEmail: nullableString(),
  PhoneNumbers: nullableArray(BuildiumPhoneNumberSchema),
  CreatedDateTime: dateTime().nullish(),
  EmergencyContact: nullableObject(BuildiumEmergencyContactSchema.shape),
  DateOfBirth: nullableDate(),
  SMSOptInStatus: nullableEnumOf(BUILDIUM_SMS_OPT_IN_STATUSES),
  Address: nullableObject(BuildiumAddressSchema.shape),
  AlternateAddress: nullableObject(BuildiumAddressSchema.shape),
  MailingPreference: nullableEnumOf(BUILDIUM_MAILING_PREFERENCES),
  Leases: nullableArray(BuildiumTenantLeaseSchema),
  Comment: nullableString(),
  TaxId: nullableString(),
});
export type BuildiumTenant = z.output<typeof BuildiumTenantSchema>;

/** `PropertyManagerMessage`, the rental's manager. */
export const BuildiumPropertyManagerSchema = object({
  Id: id(),
  FirstName: nullableString(),
  LastName: nullableString(),
  CompanyName: nullableString(),
  IsCompany: optionalBoolean(),
  Email: nullableString(),
  PhoneNumbers: nullableArray(BuildiumPhoneNumberSchema),
});

/** `RentalMessage` (`GET /v1/rentals`, `GET /v1/rentals/{propertyId}`): a HubSpot listing. */
export const BuildiumRentalSchema = object({
  Id: id(),
  Name: nullableString(),
  StructureDescription: nullableString(),
  NumberUnits: int32().nonnegative({ error: 'must not be negative' }).optional(),
  IsActive: optionalBoolean(),
  Address: nullableObject(BuildiumAddressSchema.shape),
  YearBuilt: nullableInt(),
  RentalType: enumOf(BUILDIUM_RENTAL_TYPES).optional(),
  RentalSubType: enumOf(BUILDIUM_RENTAL_SUB_TYPES).optional(),
  RentalManager: nullableObject(BuildiumPropertyManagerSchema.shape),
});
export type BuildiumRental = z.output<typeof BuildiumRentalSchema>;

/**
 * `RentalUnitMessage` (`GET /v1/rentals/units`, `GET /v1/rentals/units/{unitId}`). The document
 * dates no unit change: the occupied and listed flags change without a LastUpdatedDateTime, which
 * is why a periodic full reconcile exists (issue 5 §3).
 */
export const BuildiumUnitSchema = object({
  Id: id(),
  PropertyId: id(),
  BuildingName: nullableString(),
  UnitNumber: nullableString(),
  Description: nullableString(),
  /** Monthly market rent, in the account's currency. */
  MarketRent: nullableNumber(),
  Address: nullableObject(BuildiumAddressSchema.shape),
  UnitBedrooms: nullableEnumOf(BUILDIUM_UNIT_BEDROOMS),
  UnitBathrooms: nullableEnumOf(BUILDIUM_UNIT_BATHROOMS),
  /** Square feet. */
  UnitSize: nullableInt(),
  IsUnitListed: nullableBoolean(),
  IsUnitOccupied: nullableBoolean(),
});
export type BuildiumUnit = z.output<typeof BuildiumUnitSchema>;

/** `LeaseTenantMessage`: every tenant ever on the lease, with their status on it. */
export const BuildiumLeaseTenantSchema = object({
  Id: id(),
  Status: enumOf(BUILDIUM_LEASE_TENANT_STATUSES),
  MoveInDate: nullableDate(),
});
export type BuildiumLeaseTenant = z.output<typeof BuildiumLeaseTenantSchema>;

/** `LeaseAccountDetailMessage`. */
export const BuildiumLeaseAccountDetailsSchema = object({
  SecurityDeposit: nullableNumber(),
  Rent: nullableNumber(),
});

/** `LeaseMoveOutDataMessage`. */
export const BuildiumLeaseMoveOutSchema = object({
  TenantId: id(),
  MoveOutDate: z.iso.date({ error: 'must be a date (YYYY-MM-DD)' }).optional(),
  NoticeGivenDate: nullableDate(),
});

/**
 * `LeaseMessage` (`GET /v1/leases`, `GET /v1/leases/{leaseId}`): associations between the tenants'
 * contacts and the unit, active or not by `LeaseStatus`, which is why that one is required.
 */
export const BuildiumLeaseSchema = object({
  Id: id(),
  PropertyId: id(),
  UnitId: id(),
  UnitNumber: nullableString(),
  LeaseFromDate: nullableDate(),
  LeaseToDate: nullableDate(),
  LeaseType: enumOf(BUILDIUM_LEASE_TYPES).optional(),
  LeaseStatus: enumOf(BUILDIUM_LEASE_STATUSES),
  IsEvictionPending: optionalBoolean(),
  TermType: enumOf(BUILDIUM_LEASE_TERM_TYPES).optional(),
  RenewalOfferStatus: nullableEnumOf(BUILDIUM_RENEWAL_OFFER_STATUSES),
  CurrentTenants: nullableArray(BuildiumTenantSchema),
  CurrentNumberOfOccupants: int32().nonnegative({ error: 'must not be negative' }).optional(),
  AccountDetails: nullableObject(BuildiumLeaseAccountDetailsSchema.shape),
  AutomaticallyMoveOutTenants: optionalBoolean(),
  CreatedDateTime: dateTime().optional(),
  LastUpdatedDateTime: dateTime().nullish(),
  MoveOutData: nullableArray(BuildiumLeaseMoveOutSchema),
  PaymentDueDay: int32().optional(),
  Tenants: nullableArray(BuildiumLeaseTenantSchema),
});
export type BuildiumLease = z.output<typeof BuildiumLeaseSchema>;

/**
 * `ApiErrorResponse`, the body of every 4xx in the document: `UserMessage`, `ErrorCode`, and
 * `Errors` as `{Key, Value}` pairs (a 422 names the parameter there).
 */
export const BuildiumErrorBodySchema = z.object({
  UserMessage: z.string().nullish(),
  ErrorCode: z.string().nullish(),
  Errors: z
    .array(z.object({ Key: z.string().nullish(), Value: z.string().nullish() }))
    .nullish(),
});

/** `limit` "can range between 1 and 1000" (document, every list endpoint). */
export const BUILDIUM_MAX_PAGE_SIZE = 1000;

/** "3.PhoneNumbers.0.Type: must be one of ..." for the first issue of a failed parse. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
