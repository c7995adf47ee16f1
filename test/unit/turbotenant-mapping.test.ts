/**
 * Seed 000's mapping table, row by row, the metadata block's allow-list, and the deal.
 */
import { describe, expect, it } from 'vitest';
import {
  LANDLORD_CONTACT_MAPPING,
  landlordContactProperties,
  leadContactProperties,
  metadataBlock,
  METADATA_KEYS,
  propertyDealProperties,
  turboTenantSyncHash,
  type TurboTenantSource,
} from '../../functions/core/turbotenant-mapping.js';

const source: TurboTenantSource = {
  landlord: { id: 'LL_1001', email: ' Maria.Lopez@Example.com ', phone: '+15125550101', first_name: 'Maria', last_name: 'Lopez', stripe_customer_id: 'cus_1', updated_at: '2025-10-12T21:00:00Z' },
  property: {
    id: 'PROP_1001',
    landlord_id: 'LL_1001',
    title: 'Sunny 2BR near Zilker Park',
    type: 'apartment',
    rent: 1850,
    address: { street: '1200 Barton Springs Rd', city: 'Austin', state: 'TX', zip: '78704' },
    updated_at: '2025-10-12T21:50:00Z',
  },
  metadata: { utm_source: 'connectlinx', utm_medium: 'form', utm_campaign: 'landlord_property_onboarding', platform_source: 'viviaturbo.live', managed_by: 'pm-42' },
  occurredAt: '2025-10-12T21:53:00Z',
};

describe('landlord contact (seed 000 "Data Mapping")', () => {
  // The seed's table: HubSpot property ← source, and the value this source gives.
  const rows: Array<[string, string, string]> = [
    ['email', 'landlord.email', 'maria.lopez@example.com'],
    ['phone', 'landlord.phone', '+15125550101'],
    ['firstname', 'landlord.first_name', 'Maria'],
    ['lastname', 'landlord.last_name', 'Lopez'],
    ['property_title', 'property.title', 'Sunny 2BR near Zilker Park'],
    ['property_type', 'property.type', 'apartment'],
    ['monthly_rent', 'property.rent', '1850'],
    ['address', 'property.address.street', '1200 Barton Springs Rd'],
    ['city', 'property.address.city', 'Austin'],
    ['state', 'property.address.state', 'TX'],
    ['zip', 'property.address.zip', '78704'],
    ['lead_source', 'metadata.utm_source', 'connectlinx'],
    ['utm_medium', 'metadata.utm_medium', 'form'],
    ['utm_campaign', 'metadata.utm_campaign', 'landlord_property_onboarding'],
    ['created_date', 'event.timestamp', '2025-10-12'],
    ['platform_source', 'metadata.platform_source', 'viviaturbo.live'],
  ];

  it.each(rows)('%s ← %s', (property, from, value) => {
    const row = LANDLORD_CONTACT_MAPPING.find((r) => r.property === property);
    expect(row?.source).toBe(from);
    expect(landlordContactProperties(source)[property]).toBe(value);
  });

  it('marks the contact as TurboTenant\'s and attributes it to the property manager', () => {
    const properties = landlordContactProperties(source);
    expect(properties.lead_source_system).toBe('turbotenant');
    expect(properties.managed_by).toBe('pm-42');
    expect(properties).not.toHaveProperty('created_by');
  });

  it('sends no property for an absent or empty source, so a value in HubSpot is never blanked', () => {
    const sparse = { ...source, landlord: { ...source.landlord, phone: null, last_name: '' }, metadata: {} };
    const properties = landlordContactProperties(sparse);
    for (const property of ['phone', 'lastname', 'lead_source', 'utm_medium', 'utm_campaign', 'platform_source']) expect(properties).not.toHaveProperty(property);
    expect(properties.email).toBe('maria.lopez@example.com');
  });
});

describe('property deal', () => {
  it('is named after the title, with the rent as amount, in the configured pipeline and stage', () => {
    expect(propertyDealProperties(source.property, { pipeline: 'default', stage: 'appointmentscheduled' })).toEqual({
      dealname: 'Sunny 2BR near Zilker Park',
      amount: '1850',
      pipeline: 'default',
      dealstage: 'appointmentscheduled',
      turbotenant_property_id: 'PROP_1001',
    });
  });
});

describe('lead contact (lead_created)', () => {
  it('carries the prospective tenant\'s own fields and the campaign, never the landlord\'s or the property\'s', () => {
    const properties = leadContactProperties({ id: 'LD_1', email: 'Tom@Example.com', first_name: 'Tom', phone: '+15125550199', message: 'Is it available?' }, source.metadata);
    expect(properties).toEqual({
      email: 'tom@example.com',
      firstname: 'Tom',
      phone: '+15125550199',
      message: 'Is it available?',
      lead_source: 'connectlinx',
      utm_medium: 'form',
      utm_campaign: 'landlord_property_onboarding',
      platform_source: 'viviaturbo.live',
      lead_source_system: 'turbotenant',
    });
  });
});

describe('metadata block (seed 000)', () => {
  it('holds exactly the seed\'s keys', () => {
    const block = metadataBlock({ hubspotContactId: '501', property: source.property, metadata: source.metadata, onboardingStage: 'verified' });
    expect(block).toEqual({
      hubspot_contact_id: '501',
      turbotenant_listing_id: 'PROP_1001',
      platform_source: 'viviaturbo.live',
      utm_source: 'connectlinx',
      utm_medium: 'form',
      utm_campaign: 'landlord_property_onboarding',
      onboarding_stage: 'verified',
    });
  });

  it('lets no other key through, whatever the event carries (tenant personal data stays out)', () => {
    const metadata = { ...source.metadata, tenant_email: 'tom@example.com', tenant_ssn: '123-45-6789', date_of_birth: '1990-01-01' } as typeof source.metadata;
    const block = metadataBlock({ hubspotContactId: '501', property: source.property, metadata, onboardingStage: 'verified' });
    expect(Object.keys(block).every((k) => (METADATA_KEYS as readonly string[]).includes(k))).toBe(true);
    expect(JSON.stringify(block)).not.toMatch(/tom@example|123-45|1990-01-01/);
  });
});

describe('change detection', () => {
  it('hashes equal for the same writes in any key order, and differently when one value changes', () => {
    const contact = landlordContactProperties(source);
    const deal = propertyDealProperties(source.property, { pipeline: 'default', stage: 'appointmentscheduled' });
    const reordered = Object.fromEntries(Object.entries(contact).reverse());
    expect(turboTenantSyncHash(reordered, deal)).toBe(turboTenantSyncHash(contact, deal));
    expect(turboTenantSyncHash(contact, { ...deal, amount: '1900' })).not.toBe(turboTenantSyncHash(contact, deal));
  });
});
