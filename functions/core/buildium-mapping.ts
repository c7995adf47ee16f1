/**
 * Buildium → HubSpot mapping (seed 002 §1.2, issue 5 §2), as data: the seed's three tables, row
 * by row, with the source path each HubSpot property is read from, and field-mapping overrides
 * (seed §4.2 `field_mappings`) validated with zod and applied without a deploy.
 *
 * Sensitive fields (date of birth, tax id) are off unless an override turns them on: they are
 * never written by default.
 *
 * core/buildium-properties.ts and core/buildium-tenants.ts apply them to each page of records.
 */
import { z } from 'zod';

/** The records with a field-mapping table (leases map to associations, not properties). */
export type MappedEntity = 'tenant' | 'property' | 'unit';

export interface MappingRow {
  /** Dotted path into the Buildium record, as the seed writes it (`PhoneNumbers[0].Number`). */
  readonly source: string;
  readonly property: string;
  /** Written only when an override turns it on (seed: date of birth, tax id). */
  readonly sensitive?: boolean;
  readonly transform?: 'enumNumber' | 'occupancy' | 'listing' | 'date' | 'address';
}

/** Seed 002 §1.2 "Tenant → Contact Mapping". */
export const TENANT_CONTACT_MAPPING: readonly MappingRow[] = [
  { source: 'Id', property: 'buildium_tenant_id' },
  { source: 'FirstName', property: 'firstname' },
  { source: 'LastName', property: 'lastname' },
  { source: 'Email', property: 'email' },
  { source: 'AlternateEmail', property: 'hs_additional_emails' },
  { source: 'PhoneNumbers[0].Number', property: 'phone' },
  { source: 'DateOfBirth', property: 'date_of_birth', sensitive: true, transform: 'date' },
  { source: 'Address.AddressLine1', property: 'address' },
  { source: 'Address.City', property: 'city' },
  { source: 'Address.State', property: 'state' },
  { source: 'Address.PostalCode', property: 'zip' },
  { source: 'TaxId', property: 'tax_id', sensitive: true },
  { source: 'CreatedDateTime', property: 'createdate' },
  // The seed says `notes_last_contacted`, which HubSpot computes (a read-only date-time of the
  // last engagement): a tenant's comment cannot go there, so it has its own property.
  { source: 'Comment', property: 'buildium_comment' },
];

/** Seed 002 §1.2 "Property → Native Listings Object (0-420) Mapping". */
export const PROPERTY_LISTING_MAPPING: readonly MappingRow[] = [
  { source: 'Id', property: 'buildium_property_id' },
  { source: 'Name', property: 'name' },
  { source: 'Address', property: 'address', transform: 'address' },
  { source: 'NumberUnits', property: 'total_units' },
  { source: 'YearBuilt', property: 'year_built' },
  { source: 'StructureDescription', property: 'property_type' },
  { source: 'Features', property: 'amenities' },
  { source: 'MarketRent', property: 'base_rent_amount' },
  { source: 'Description', property: 'description' },
];

/** Seed 002 §1.2 "Unit → Custom Object Mapping". */
export const UNIT_OBJECT_MAPPING: readonly MappingRow[] = [
  { source: 'Id', property: 'buildium_unit_id' },
  { source: 'PropertyId', property: 'listing_id' },
  { source: 'UnitNumber', property: 'unit_number' },
  { source: 'UnitBedrooms', property: 'bedrooms', transform: 'enumNumber' },
  { source: 'UnitBathrooms', property: 'bathrooms', transform: 'enumNumber' },
  { source: 'UnitSize', property: 'square_feet' },
  { source: 'MarketRent', property: 'market_rent' },
  { source: 'Description', property: 'unit_description' },
  { source: 'IsUnitOccupied', property: 'occupancy_status', transform: 'occupancy' },
  { source: 'IsUnitListed', property: 'listing_status', transform: 'listing' },
];

export const DEFAULT_MAPPINGS: Readonly<Record<MappedEntity, readonly MappingRow[]>> = {
  tenant: TENANT_CONTACT_MAPPING,
  property: PROPERTY_LISTING_MAPPING,
  unit: UNIT_OBJECT_MAPPING,
};


/**
 * Buildium's room enums as numbers for HubSpot (the document's `UnitBedrooms`: Studio, OneBed …
 * NineBedPlus; `UnitBathrooms`: OneBath, OnePointFiveBath … FivePlusBath). `NotSet` (and any value
 * the document does not list) is no number: the property is not sent.
 */
const WORD_NUMBERS: Readonly<Record<string, number>> = { One: 1, Two: 2, Three: 3, Four: 4, Five: 5, Six: 6, Seven: 7, Eight: 8, Nine: 9 };

export function roomCount(value: string): number | undefined {
  if (value === 'Studio') return 0;
  const match = /^(One|Two|Three|Four|Five|Six|Seven|Eight|Nine)(PointFive|Plus)?(Bed|Bath)(Plus|AndAHalf)?$/.exec(value);
  if (!match) return undefined;
  const half = match[2] === 'PointFive' || match[4] === 'AndAHalf';
  return WORD_NUMBERS[match[1]!]! + (half ? 0.5 : 0);
}

/**
 * Overrides of the default tables (seed `field_mappings`): turn a row off, send a source to
 * another property, add a row, or turn a sensitive row on. Validated before use.
 */
export const FieldMappingOverrideSchema = z.strictObject({
  entity: z.enum(['tenant', 'property', 'unit']),
  source: z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\[\d+\])?(\.[A-Za-z][A-Za-z0-9]*(\[\d+\])?)*$/, { message: 'must be a dotted Buildium field path' }),
  property: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, { message: 'must be a HubSpot property name' }),
  active: z.boolean().default(true),
});
export const FieldMappingOverridesSchema = z.array(FieldMappingOverrideSchema).max(200);
export type FieldMappingOverride = z.infer<typeof FieldMappingOverrideSchema>;

/** The rows in force for an entity: the defaults with overrides applied, sensitive rows off unless turned on. */
export function effectiveMapping(entity: MappedEntity, overrides: readonly FieldMappingOverride[] = []): MappingRow[] {
  const rows = new Map<string, MappingRow & { active: boolean }>();
  for (const row of DEFAULT_MAPPINGS[entity]) rows.set(row.source, { ...row, active: !row.sensitive });
  for (const override of overrides.filter((o) => o.entity === entity)) {
    const base = rows.get(override.source);
    rows.set(override.source, { ...base, source: override.source, property: override.property, active: override.active });
  }
  return [...rows.values()].filter((row) => row.active).map(({ active: _active, ...row }) => row);
}

function read(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    const match = /^([A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?$/.exec(part);
    if (!match || value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[match[1]!];
    if (match[2] !== undefined) value = Array.isArray(value) ? value[Number(match[2])] : undefined;
  }
  return value;
}

function render(value: unknown, transform: MappingRow['transform']): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  switch (transform) {
    case 'enumNumber':
      return typeof value === 'string' ? roomCount(value)?.toString() : typeof value === 'number' ? String(value) : undefined;
    case 'occupancy':
      return value === true ? 'occupied' : value === false ? 'vacant' : undefined;
    case 'listing':
      return value === true ? 'listed' : value === false ? 'unlisted' : undefined;
    case 'date':
      return typeof value === 'string' ? value.slice(0, 10) : undefined;
    case 'address': {
      if (typeof value !== 'object') return String(value);
      const a = value as Record<string, unknown>;
      const parts = [a.AddressLine1, a.AddressLine2, a.City, a.State, a.PostalCode].filter((p) => typeof p === 'string' && p.trim() !== '');
      return parts.length > 0 ? parts.join(', ') : undefined;
    }
    default:
      if (Array.isArray(value)) return value.length > 0 ? value.map(String).join(';') : undefined;
      return typeof value === 'object' ? undefined : String(value).trim() || undefined;
  }
}

/** A Buildium record as HubSpot properties, by the rows in force. Absent sources are not sent. */
export function mapRecord(record: unknown, rows: readonly MappingRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) {
    const value = render(read(record, row.source), row.transform);
    if (value !== undefined) out[row.property] = row.property === 'email' || row.property === 'hs_additional_emails' ? value.toLowerCase() : value;
  }
  return out;
}

export interface ValidationIssue {
  readonly field: string;
  readonly message: string;
}

const EmailSchema = z.email();

/**
 * Seed 002 §5.1: a contact needs a valid email and a first and last name. Records that fail are
 * recorded as sync errors with these reasons and not sent.
 */
export function validateContact(properties: Readonly<Record<string, string>>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!properties.email) issues.push({ field: 'email', message: 'Valid email required' });
  else if (!EmailSchema.safeParse(properties.email).success) issues.push({ field: 'email', message: 'Valid email required' });
  if (!properties.firstname) issues.push({ field: 'firstname', message: 'First name required' });
  if (!properties.lastname) issues.push({ field: 'lastname', message: 'Last name required' });
  return issues;
}
