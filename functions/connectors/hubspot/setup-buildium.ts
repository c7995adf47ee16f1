/**
 * `npm run sync -- setup hubspot`, Buildium part (CONTRACT.md): what the Buildium sync writes to,
 * created idempotently:
 * - contact properties: `buildium_tenant_id` (unique), `buildium_comment`, and the two sensitive
 *   ones (`date_of_birth`, `tax_id`) so an override can turn them on;
 * - Listings (`0-420`) properties of seed 002's table, `buildium_property_id` unique;
 * - the Unit custom object (schemas API 2026-09, crm-schemas-2026-09.json), with seed 002's unit
 *   fields, associated with contacts and listings; missing properties are added to an existing schema;
 * - association labels: contact → unit "Active tenant" / "Inactive tenant", contact → contact
 *   "Emergency contact".
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.js';
import { labelsPath, schemasPath } from './api-paths.js';
import type { HubSpotClient } from './client.js';
import { labelText } from './objects.js';
import { ensureProperties, isAlreadyThere, type PropertyDefinition, type SetupAction } from './setup.js';

const CALL = { maxWaitMs: 10_000, timeoutMs: 10_000 };

const text = (name: string, label: string, groupName: string, extra: Partial<PropertyDefinition> = {}): PropertyDefinition => ({
  name,
  label,
  description: `Buildium: ${label.toLowerCase()} (written by crm-sync).`,
  groupName,
  type: 'string',
  fieldType: 'text',
  ...extra,
});
const number = (name: string, label: string, groupName: string): PropertyDefinition => ({ ...text(name, label, groupName), type: 'number', fieldType: 'number' });

export function buildiumContactProperties(): PropertyDefinition[] {
  return [
    text('buildium_tenant_id', 'Buildium tenant ID', 'contactinformation', { hasUniqueValue: true }),
    text('buildium_comment', 'Buildium comment', 'contactinformation', { fieldType: 'textarea' }),
    // Standard in HubSpot portals (a 409 there); created where it is missing (a fresh sandbox).
    text('hs_additional_emails', 'Additional email addresses', 'contactinformation'),
    { ...text('date_of_birth', 'Date of birth', 'contactinformation'), type: 'date', fieldType: 'date' },
    text('tax_id', 'Tax ID', 'contactinformation'),
  ];
}

export function listingProperties(): PropertyDefinition[] {
  const g = 'listing_information';
  return [
    text('buildium_property_id', 'Buildium property ID', g, { hasUniqueValue: true }),
    text('name', 'Name', g),
    text('address', 'Address', g),
    number('total_units', 'Total units', g),
    number('year_built', 'Year built', g),
    text('property_type', 'Property type', g),
    text('amenities', 'Amenities', g),
    number('base_rent_amount', 'Base rent amount', g),
    text('description', 'Description', g, { fieldType: 'textarea' }),
  ];
}

export function unitProperties(): PropertyDefinition[] {
  const g = 'unit_information';
  return [
    text('buildium_unit_id', 'Buildium unit ID', g, { hasUniqueValue: true }),
    text('listing_id', 'Buildium property ID', g),
    text('unit_number', 'Unit number', g),
    number('bedrooms', 'Bedrooms', g),
    number('bathrooms', 'Bathrooms', g),
    number('square_feet', 'Square feet', g),
    number('market_rent', 'Market rent', g),
    text('unit_description', 'Description', g, { fieldType: 'textarea' }),
    {
      ...text('occupancy_status', 'Occupancy status', g),
      type: 'enumeration',
      fieldType: 'select',
      options: [
        { label: 'Occupied', value: 'occupied' },
        { label: 'Vacant', value: 'vacant' },
      ],
    },
    {
      ...text('listing_status', 'Listing status', g),
      type: 'enumeration',
      fieldType: 'select',
      options: [
        { label: 'Listed', value: 'listed' },
        { label: 'Unlisted', value: 'unlisted' },
      ],
    },
  ];
}

const SchemasSchema = z.object({ results: z.array(z.object({ name: z.string(), objectTypeId: z.string(), fullyQualifiedName: z.string() })) });
const SchemaSchema = z.object({ objectTypeId: z.string(), fullyQualifiedName: z.string() });
const LabelsSchema = z.object({ results: z.array(z.object({ category: z.string(), typeId: z.number(), label: z.string().nullable().optional() })) });

export interface BuildiumSetupResult {
  readonly actions: SetupAction[];
  /** Absent when the Unit object was left out (no custom objects on the account). */
  readonly unitObjectType: string | undefined;
  readonly labels: Array<{ from: string; to: string; label: string; action: 'created' | 'unchanged' }>;
}

export async function ensureBuildiumObjects(client: HubSpotClient, unitName = 'unit', options: { unitObject?: boolean } = {}): Promise<BuildiumSetupResult> {
  const actions: SetupAction[] = [
    ...(await ensureProperties(client, 'contacts', buildiumContactProperties())),
    ...(await ensureProperties(client, '0-420', listingProperties())),
  ];
  const unit = options.unitObject === false ? undefined : await ensureUnitSchema(client, unitName);
  if (unit) {
    actions.push({ property: `schema ${unitName}`, action: unit.created ? 'created' : 'unchanged' });
    if (!unit.created) actions.push(...(await ensureProperties(client, unit.objectTypeId, unitProperties())));
  }
  const labels = [
    ...(unit ? await ensureLabels(client, 'contacts', unit.objectTypeId, ['active_tenant', 'inactive_tenant']) : []),
    ...(await ensureLabels(client, 'contacts', 'contacts', ['emergency_contact'])),
  ];
  return { actions, unitObjectType: unit?.objectTypeId, labels };
}

/**
 * The custom object limits API answers on every tier; custom objects themselves are Enterprise only
 * (https://developers.hubspot.com/docs/api-reference/latest/crm/limits-tracking/guide,
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/schemas/guide), so below
 * Enterprise the account may define none.
 */
const CUSTOM_OBJECT_LIMITS_PATH = '/crm/limits/2026-03/custom-object-types';
const CustomObjectLimits = z.object({ limit: z.number(), usage: z.number() });

export type CustomObjectSupport = { readonly available: true } | { readonly available: false; readonly reason: string };

/** Whether the Unit object can be had: it exists, or the account may define one more custom object. */
export async function customObjectSupport(client: HubSpotClient, unitName = 'unit'): Promise<CustomObjectSupport> {
  let limits: z.infer<typeof CustomObjectLimits> | undefined;
  try {
    limits = CustomObjectLimits.parse((await client.send('GET', CUSTOM_OBJECT_LIMITS_PATH, undefined, CALL)).body);
  } catch (error) {
    // A server without the limits API leaves the answer to the schemas API.
    if (!(error instanceof PermanentError && error.status === 404)) throw error;
  }
  if (limits?.limit === 0) return { available: false, reason: "the account's custom object limit is 0" };
  const schemas = SchemasSchema.parse((await client.send('GET', schemasPath(), undefined, CALL)).body).results;
  if (schemas.some((s) => s.name === unitName)) return { available: true };
  if (limits && limits.usage >= limits.limit) return { available: false, reason: `all ${limits.limit} custom objects the account may define are in use` };
  return { available: true };
}

async function ensureUnitSchema(client: HubSpotClient, name: string): Promise<{ objectTypeId: string; created: boolean }> {
  const existing = SchemasSchema.parse((await client.send('GET', schemasPath(), undefined, CALL)).body).results.find((s) => s.name === name);
  if (existing) return { objectTypeId: existing.objectTypeId, created: false };
  const body = {
    name,
    labels: { singular: 'Unit', plural: 'Units' },
    description: 'A Buildium rental unit (written by crm-sync).',
    primaryDisplayProperty: 'unit_number',
    secondaryDisplayProperties: ['buildium_unit_id'],
    searchableProperties: ['unit_number', 'buildium_unit_id'],
    requiredProperties: ['buildium_unit_id'],
    // Required in a 2026-09 ObjectSchemaEgg (with searchable and secondary display properties).
    allowsSensitiveProperties: false,
    properties: unitProperties().map((p) => ({
      name: p.name,
      label: p.label,
      description: p.description,
      type: p.type,
      fieldType: p.fieldType,
      ...(p.hasUniqueValue ? { hasUniqueValue: true } : {}),
      ...(p.options ? { options: p.options.map((o, displayOrder) => ({ ...o, displayOrder, hidden: false })) } : {}),
    })),
    associatedObjects: ['CONTACT', '0-420'],
  };
  try {
    const created = SchemaSchema.parse((await client.send('POST', schemasPath(), body, CALL)).body);
    return { objectTypeId: created.objectTypeId, created: true };
  } catch (error) {
    // Created by a concurrent setup: read it again.
    if (!isAlreadyThere(error)) throw error;
    const again = SchemasSchema.parse((await client.send('GET', schemasPath(), undefined, CALL)).body).results.find((s) => s.name === name);
    if (!again) throw error;
    return { objectTypeId: again.objectTypeId, created: false };
  }
}

async function ensureLabels(client: HubSpotClient, from: string, to: string, names: readonly ('active_tenant' | 'inactive_tenant' | 'emergency_contact')[]) {
  const path = labelsPath(from, to);
  const have = new Set(LabelsSchema.parse((await client.send('GET', path, undefined, CALL)).body).results.map((r) => r.label ?? ''));
  const out: BuildiumSetupResult['labels'] = [];
  for (const name of names) {
    const label = labelText(name);
    if (have.has(label)) {
      out.push({ from, to, label, action: 'unchanged' });
      continue;
    }
    await client.send('POST', path, { label, name }, CALL);
    out.push({ from, to, label, action: 'created' });
  }
  return out;
}
