/**
 * The TurboTenant event and API schemas (CONTRACT.md): valid events of each type pass, and each
 * missing or wrong field is refused naming its path, which is what TurboTenant's engineers see in
 * our 400.
 */
import { describe, expect, it } from 'vitest';
import {
  TurboTenantEventSchema,
  TurboTenantLandlordSchema,
  TurboTenantPropertyPageSchema,
  TurboTenantPropertySchema,
} from '../../functions/connectors/turbotenant/schemas.js';

const METADATA = {
  utm_source: 'connectlinx',
  utm_medium: 'form',
  utm_campaign: 'landlord_property_onboarding',
  platform_source: 'viviaturbo.live',
  managed_by: 'pm_acme_property_group',
};

const PROPERTY_CREATED = {
  event_id: 'evt_01',
  event_type: 'property_created',
  occurred_at: '2025-10-12T21:53:00Z',
  landlord_id: 'LL_1001',
  property_id: 'PROP_1001',
  metadata: METADATA,
};

const LEAD = { id: 'LD_1', email: 'jordan.lee@example.com', first_name: 'Jordan', last_name: 'Lee', phone: '(512) 555-0199', message: 'Is the unit still available?' };
const LEAD_CREATED = { ...PROPERTY_CREATED, event_id: 'evt_02', event_type: 'lead_created', lead: LEAD };

/** The paths of a failed parse, in order. */
function pathsOf(value: unknown): string[] {
  const result = TurboTenantEventSchema.safeParse(value);
  expect(result.success, 'expected the event to be refused').toBe(false);
  return result.error!.issues.map((i) => i.path.join('.'));
}

function without<T extends object>(value: T, key: keyof T): Partial<T> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

describe('TurboTenantEventSchema: valid events', () => {
  it('accepts property_created as the contract shows it', () => {
    // Act
    const event = TurboTenantEventSchema.parse(PROPERTY_CREATED);

    // Assess
    expect(event).toEqual(PROPERTY_CREATED);
  });

  it('accepts property_updated, with an offset and fractional seconds, and an empty metadata block', () => {
    const event = TurboTenantEventSchema.parse({ ...PROPERTY_CREATED, event_type: 'property_updated', occurred_at: '2025-10-12T16:53:00.250-05:00', metadata: {} });
    expect(event).toMatchObject({ event_type: 'property_updated', metadata: {} });
  });

  it('accepts lead_created with its lead, and lower-cases and trims the lead email', () => {
    const event = TurboTenantEventSchema.parse({ ...LEAD_CREATED, lead: { ...LEAD, email: '  Jordan.Lee@Example.COM ' } });
    expect(event.event_type).toBe('lead_created');
    if (event.event_type !== 'lead_created') throw new Error('unreachable');
    expect(event.lead).toEqual({ ...LEAD, email: 'jordan.lee@example.com' });
  });

  it('accepts a lead with only an id and an email', () => {
    const event = TurboTenantEventSchema.parse({ ...LEAD_CREATED, lead: { id: 'LD_2', email: 'sam@example.org' } });
    expect(event).toMatchObject({ lead: { id: 'LD_2', email: 'sam@example.org' } });
  });

  it('keeps created_by and managed_by for attribution, and drops metadata keys outside the allow-list', () => {
    // Prepare: a tenant's personal data sent in metadata by mistake
    const metadata = { ...METADATA, created_by: 'LL_1001', tenant_ssn: '123-45-6789', tenant_dob: '1990-01-01' };

    // Act
    const event = TurboTenantEventSchema.parse({ ...PROPERTY_CREATED, metadata });

    // Assess
    expect(event.metadata).toEqual({ ...METADATA, created_by: 'LL_1001' });
    expect(JSON.stringify(event)).not.toContain('123-45-6789');
  });
});

describe('TurboTenantEventSchema: refused events name the field', () => {
  it.each([
    ['event_id missing', without(PROPERTY_CREATED, 'event_id'), 'event_id'],
    ['event_id empty', { ...PROPERTY_CREATED, event_id: '' }, 'event_id'],
    ['event_id blank', { ...PROPERTY_CREATED, event_id: '   ' }, 'event_id'],
    ['event_id a number', { ...PROPERTY_CREATED, event_id: 1 }, 'event_id'],
    ['event_id too long', { ...PROPERTY_CREATED, event_id: 'e'.repeat(129) }, 'event_id'],
    ['event_type missing', without(PROPERTY_CREATED, 'event_type'), 'event_type'],
    ['event_type unknown', { ...PROPERTY_CREATED, event_type: 'property_deleted' }, 'event_type'],
    ['event_type in another case', { ...PROPERTY_CREATED, event_type: 'Property_Created' }, 'event_type'],
    ['occurred_at missing', without(PROPERTY_CREATED, 'occurred_at'), 'occurred_at'],
    ['occurred_at without a zone', { ...PROPERTY_CREATED, occurred_at: '2025-10-12T21:53:00' }, 'occurred_at'],
    ['occurred_at not a date', { ...PROPERTY_CREATED, occurred_at: 'yesterday' }, 'occurred_at'],
    ['occurred_at as epoch seconds', { ...PROPERTY_CREATED, occurred_at: 1760305980 }, 'occurred_at'],
    ['landlord_id missing', without(PROPERTY_CREATED, 'landlord_id'), 'landlord_id'],
    ['landlord_id empty', { ...PROPERTY_CREATED, landlord_id: '' }, 'landlord_id'],
    ['property_id missing', without(PROPERTY_CREATED, 'property_id'), 'property_id'],
    ['property_id null', { ...PROPERTY_CREATED, property_id: null }, 'property_id'],
    ['metadata missing', without(PROPERTY_CREATED, 'metadata'), 'metadata'],
    ['metadata a string', { ...PROPERTY_CREATED, metadata: 'connectlinx' }, 'metadata'],
    ['metadata.utm_source a number', { ...PROPERTY_CREATED, metadata: { ...METADATA, utm_source: 7 } }, 'metadata.utm_source'],
    ['metadata.managed_by an object', { ...PROPERTY_CREATED, metadata: { ...METADATA, managed_by: { id: 'pm_1' } } }, 'metadata.managed_by'],
    ['metadata.created_by null', { ...PROPERTY_CREATED, metadata: { ...METADATA, created_by: null } }, 'metadata.created_by'],
    ['lead on lead_created missing', without(LEAD_CREATED, 'lead'), 'lead'],
    ['lead on lead_created null', { ...LEAD_CREATED, lead: null }, 'lead'],
    ['lead.email missing', { ...LEAD_CREATED, lead: without(LEAD, 'email') }, 'lead.email'],
    ['lead.email invalid', { ...LEAD_CREATED, lead: { ...LEAD, email: 'jordan.lee(at)example.com' } }, 'lead.email'],
    ['lead.id missing', { ...LEAD_CREATED, lead: without(LEAD, 'id') }, 'lead.id'],
    ['lead.phone a number', { ...LEAD_CREATED, lead: { ...LEAD, phone: 5125550199 } }, 'lead.phone'],
    ['lead on property_created', { ...PROPERTY_CREATED, lead: LEAD }, 'lead'],
    ['lead on property_updated', { ...PROPERTY_CREATED, event_type: 'property_updated', lead: LEAD }, 'lead'],
  ])('%s → %s', (_name, event, path) => {
    expect(pathsOf(event)).toContain(path);
  });

  it('says why: required, the allowed event types, the date format, lead only with lead_created', () => {
    const messages = (value: unknown) => TurboTenantEventSchema.safeParse(value).error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages(without(PROPERTY_CREATED, 'event_id'))).toEqual(['event_id: required']);
    expect(messages({ ...PROPERTY_CREATED, event_type: 'property_deleted' })).toEqual(['event_type: must be one of property_created, property_updated, lead_created']);
    expect(messages({ ...PROPERTY_CREATED, occurred_at: '2025-10-12' })[0]).toMatch(/^occurred_at: must be an ISO 8601 date-time with a time zone/);
    expect(messages(without(LEAD_CREATED, 'lead'))).toEqual(['lead: required when event_type is lead_created']);
    expect(messages({ ...PROPERTY_CREATED, lead: LEAD })).toEqual(['lead: only sent with lead_created, not with property_created']);
  });

  it('names every field at fault at once, not only the first', () => {
    expect(pathsOf({ event_type: 'property_created', metadata: {} })).toEqual(['event_id', 'occurred_at', 'landlord_id', 'property_id']);
  });

  it.each([['an array', [PROPERTY_CREATED]], ['a string', 'evt_01'], ['null', null]])('refuses a body that is %s', (_name, body) => {
    expect(pathsOf(body)).toEqual(['']);
  });
});

describe('API schemas', () => {
  const LANDLORD = { id: 'LL_1001', email: 'daniel.whitaker@example.com', phone: '(512) 555-0110', first_name: 'Daniel', last_name: 'Whitaker', updated_at: '2025-10-12T21:53:00.000Z' };
  const PROPERTY = {
    id: 'PROP_1001',
    landlord_id: 'LL_1001',
    title: '1BR Apartment on Elm St',
    type: 'apartment',
    rent: 1450,
    address: { street: '141 Elm St, Apt 1A', city: 'Austin', state: 'TX', zip: '78704' },
    updated_at: '2025-10-12T21:53:00.000Z',
  };

  it('reads a landlord with and without a Stripe customer (a null is read as none)', () => {
    expect(TurboTenantLandlordSchema.parse({ ...LANDLORD, stripe_customer_id: 'cus_PzW3kQ8vT2mLxa' }).stripe_customer_id).toBe('cus_PzW3kQ8vT2mLxa');
    expect(TurboTenantLandlordSchema.parse(LANDLORD).stripe_customer_id).toBeUndefined();
    expect(TurboTenantLandlordSchema.parse({ ...LANDLORD, stripe_customer_id: null }).stripe_customer_id).toBeUndefined();
  });

  it('lower-cases the landlord email, the HubSpot contact key', () => {
    expect(TurboTenantLandlordSchema.parse({ ...LANDLORD, email: 'Rosa.Martinez@Example.com' }).email).toBe('rosa.martinez@example.com');
  });

  it.each([
    ['email invalid', { ...LANDLORD, email: 'daniel' }, 'email'],
    ['first_name missing', without(LANDLORD, 'first_name'), 'first_name'],
    ['updated_at missing', without(LANDLORD, 'updated_at'), 'updated_at'],
  ])('refuses a landlord with %s', (_name, value, path) => {
    expect(TurboTenantLandlordSchema.safeParse(value).error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('reads a property, keeping a ZIP code leading zero', () => {
    const property = TurboTenantPropertySchema.parse({ ...PROPERTY, address: { ...PROPERTY.address, city: 'Boston', state: 'MA', zip: '02116' } });
    expect(property.address.zip).toBe('02116');
    expect(property.rent).toBe(1450);
  });

  it.each([
    ['rent as a string', { ...PROPERTY, rent: '1450' }, 'rent'],
    ['a negative rent', { ...PROPERTY, rent: -1 }, 'rent'],
    ['zip as a number', { ...PROPERTY, address: { ...PROPERTY.address, zip: 78704 } }, 'address.zip'],
    ['no address', without(PROPERTY, 'address'), 'address'],
    ['no landlord_id', without(PROPERTY, 'landlord_id'), 'landlord_id'],
  ])('refuses a property with %s', (_name, value, path) => {
    expect(TurboTenantPropertySchema.safeParse(value).error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('reads a page, the last one with next_page null, and refuses a page without next_page', () => {
    expect(TurboTenantPropertyPageSchema.parse({ data: [PROPERTY], next_page: 2 }).next_page).toBe(2);
    expect(TurboTenantPropertyPageSchema.parse({ data: [], next_page: null }).data).toEqual([]);
    expect(TurboTenantPropertyPageSchema.safeParse({ data: [PROPERTY] }).error?.issues[0]?.path).toEqual(['next_page']);
    expect(TurboTenantPropertyPageSchema.safeParse({ data: [PROPERTY], next_page: 0 }).error?.issues[0]?.path).toEqual(['next_page']);
    expect(TurboTenantPropertyPageSchema.safeParse({ data: [{ ...PROPERTY, rent: null }], next_page: null }).error?.issues[0]?.path).toEqual(['data', 0, 'rent']);
  });
});
