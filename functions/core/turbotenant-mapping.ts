/**
 * TurboTenant → HubSpot mapping (seed 000 "Data Mapping" and "Metadata Block"), as data: one row
 * per HubSpot property with the source it is read from, so the table in the seed and the code can
 * be compared line by line, and a test walks it row by row. Used by the TurboTenant consumer
 * (core/turbotenant-sync.ts) and its reconcile (core/turbotenant-reconcile.ts).
 */
import { createHash } from 'node:crypto';
import { ORIGIN_PROPERTY, propertiesHash } from './contact-mapping.js';

/** The `lead_source_system` value of contacts this flow creates (CONTRACT.md). */
export const TURBOTENANT_SOURCE = 'turbotenant';

export interface TurboTenantLandlord {
  readonly id: string;
  readonly email: string;
  readonly phone?: string | null;
  readonly first_name?: string | null;
  readonly last_name?: string | null;
  readonly stripe_customer_id?: string | null;
  readonly updated_at: string;
}

export interface TurboTenantProperty {
  readonly id: string;
  readonly landlord_id: string;
  readonly title: string;
  readonly type?: string | null;
  readonly rent?: number | null;
  readonly address: { readonly street?: string | null; readonly city?: string | null; readonly state?: string | null; readonly zip?: string | null };
  readonly updated_at: string;
}

export interface TurboTenantMetadata {
  readonly utm_source?: string;
  readonly utm_medium?: string;
  readonly utm_campaign?: string;
  readonly platform_source?: string;
  readonly managed_by?: string;
  readonly created_by?: string;
}

export interface TurboTenantLead {
  readonly id: string;
  readonly email: string;
  readonly first_name?: string;
  readonly last_name?: string;
  readonly phone?: string;
  readonly message?: string;
}

/** What a mapping row reads from. */
export interface TurboTenantSource {
  readonly landlord: TurboTenantLandlord;
  readonly property: TurboTenantProperty;
  readonly metadata: TurboTenantMetadata;
  /** The event's time (seed: `event.timestamp`). */
  readonly occurredAt: string;
}

type Value = string | number | null | undefined;

/** Seed 000 "Data Mapping", row by row: HubSpot property ← source. */
export const LANDLORD_CONTACT_MAPPING: ReadonlyArray<{ readonly property: string; readonly source: string; readonly read: (s: TurboTenantSource) => Value }> = [
  { property: 'email', source: 'landlord.email', read: (s) => s.landlord.email.trim().toLowerCase() },
  { property: 'phone', source: 'landlord.phone', read: (s) => s.landlord.phone },
  { property: 'firstname', source: 'landlord.first_name', read: (s) => s.landlord.first_name },
  { property: 'lastname', source: 'landlord.last_name', read: (s) => s.landlord.last_name },
  { property: 'property_title', source: 'property.title', read: (s) => s.property.title },
  { property: 'property_type', source: 'property.type', read: (s) => s.property.type },
  { property: 'monthly_rent', source: 'property.rent', read: (s) => s.property.rent },
  { property: 'address', source: 'property.address.street', read: (s) => s.property.address.street },
  { property: 'city', source: 'property.address.city', read: (s) => s.property.address.city },
  { property: 'state', source: 'property.address.state', read: (s) => s.property.address.state },
  { property: 'zip', source: 'property.address.zip', read: (s) => s.property.address.zip },
  { property: 'lead_source', source: 'metadata.utm_source', read: (s) => s.metadata.utm_source },
  { property: 'utm_medium', source: 'metadata.utm_medium', read: (s) => s.metadata.utm_medium },
  { property: 'utm_campaign', source: 'metadata.utm_campaign', read: (s) => s.metadata.utm_campaign },
  { property: 'created_date', source: 'event.timestamp', read: (s) => s.occurredAt.slice(0, 10) },
  { property: 'platform_source', source: 'metadata.platform_source', read: (s) => s.metadata.platform_source },
  // Seed "Best Practices": attribution to the property manager.
  { property: 'managed_by', source: 'metadata.managed_by', read: (s) => s.metadata.managed_by },
  { property: 'created_by', source: 'metadata.created_by', read: (s) => s.metadata.created_by },
];

/** HubSpot property values are strings; absent or empty sources are not sent (never blank a value). */
function toProperties(rows: ReadonlyArray<readonly [string, Value]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [property, value] of rows) {
    if (value === null || value === undefined) continue;
    const text = typeof value === 'number' ? String(value) : value.trim();
    if (text !== '') out[property] = text;
  }
  return out;
}

/** The landlord's contact: every row of the seed's table, and the origin marker. */
export function landlordContactProperties(source: TurboTenantSource): Record<string, string> {
  return toProperties([...LANDLORD_CONTACT_MAPPING.map((row) => [row.property, row.read(source)] as const), [ORIGIN_PROPERTY, TURBOTENANT_SOURCE]]);
}

export interface DealSettings {
  readonly pipeline: string;
  readonly stage: string;
}

/** The property's deal: name from the title, amount from the rent, pipeline and stage configured. */
export function propertyDealProperties(property: TurboTenantProperty, settings: DealSettings): Record<string, string> {
  return toProperties([
    ['dealname', property.title],
    ['amount', property.rent],
    ['pipeline', settings.pipeline],
    ['dealstage', settings.stage],
    ['turbotenant_property_id', property.id],
  ]);
}

/** A prospective tenant's contact (`lead_created`): their own fields only, marked as TurboTenant's. */
export function leadContactProperties(lead: TurboTenantLead, metadata: TurboTenantMetadata): Record<string, string> {
  return toProperties([
    ['email', lead.email.trim().toLowerCase()],
    ['firstname', lead.first_name],
    ['lastname', lead.last_name],
    ['phone', lead.phone],
    ['message', lead.message],
    ['lead_source', metadata.utm_source],
    ['utm_medium', metadata.utm_medium],
    ['utm_campaign', metadata.utm_campaign],
    ['platform_source', metadata.platform_source],
    [ORIGIN_PROPERTY, TURBOTENANT_SOURCE],
  ]);
}

/**
 * Seed 000 "Metadata Block", kept in the mapping and sent to Stripe. An allow-list: only these keys
 * ever leave, so tenant personal data can never reach shared metadata (seed "Best Practices").
 */
export const METADATA_KEYS = [
  'hubspot_contact_id',
  'turbotenant_listing_id',
  'platform_source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'onboarding_stage',
] as const;
export type MetadataBlock = Partial<Record<(typeof METADATA_KEYS)[number], string>>;

export function metadataBlock(input: {
  readonly hubspotContactId: string;
  readonly property: TurboTenantProperty;
  readonly metadata: TurboTenantMetadata;
  readonly onboardingStage: string;
}): MetadataBlock {
  const candidate: Record<string, string | undefined> = {
    hubspot_contact_id: input.hubspotContactId,
    turbotenant_listing_id: input.property.id,
    platform_source: input.metadata.platform_source,
    utm_source: input.metadata.utm_source,
    utm_medium: input.metadata.utm_medium,
    utm_campaign: input.metadata.utm_campaign,
    onboarding_stage: input.onboardingStage,
  };
  const block: MetadataBlock = {};
  for (const key of METADATA_KEYS) {
    const value = candidate[key];
    if (value !== undefined && value !== '') block[key] = value;
  }
  return block;
}

/** Change detection: the hash of everything a property's sync writes (contact and deal). */
export function turboTenantSyncHash(contact: Readonly<Record<string, string>>, deal: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(propertiesHash(contact)).update(propertiesHash(deal)).digest('base64url');
}
