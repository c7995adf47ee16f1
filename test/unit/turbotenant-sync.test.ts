/**
 * TurboTenant events → HubSpot contacts and deals (the core, not yet wired): one deal per
 * property, updated in place; leads associated with the property's deal; calls batched across
 * events; unchanged properties cost nothing; missing records fail with a clear message; Stripe on/off.
 */
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../functions/core/errors.js';
import type { MetadataBlock } from '../../functions/core/turbotenant-mapping.js';
import { syncTurboTenantEvents, type TurboTenantEvent, type TurboTenantSyncDeps } from '../../functions/core/turbotenant-sync.js';
import { FakeCrm, FakeTurboTenant, MemoryMappings } from './support/turbotenant-fakes.js';

const NOW = new Date('2025-10-12T22:00:00.000Z');
let eventNo = 0;
function event(type: TurboTenantEvent['type'], n: number, extra: Partial<TurboTenantEvent> = {}): TurboTenantEvent {
  return {
    eventId: `evt_${(eventNo += 1)}`,
    type,
    occurredAt: `2025-10-12T21:${String(10 + (eventNo % 40)).padStart(2, '0')}:00Z`,
    landlordId: `LL_${n}`,
    propertyId: `PROP_${n}`,
    metadata: { utm_source: 'connectlinx', platform_source: 'viviaturbo.live' },
    ...extra,
  };
}

function setup(options: { stripe?: boolean } = {}) {
  const source = new FakeTurboTenant();
  const hubspot = new FakeCrm();
  const mappings = new MemoryMappings();
  const stripeCalls: { customerId: string; metadata: MetadataBlock; key: string }[] = [];
  const deps: TurboTenantSyncDeps = {
    source,
    hubspot,
    mappings,
    deal: { pipeline: 'default', stage: 'appointmentscheduled' },
    onboardingStage: 'verified',
    now: () => NOW,
    ...(options.stripe ? { stripe: { setCustomerMetadata: async (customerId, metadata, key) => void stripeCalls.push({ customerId, metadata, key }) } } : {}),
  };
  return { source, hubspot, mappings, deps, stripeCalls };
}

describe('syncTurboTenantEvents', () => {
  it('makes the landlord a contact and the property a deal, associated, and confirms with both ids', async () => {
    // Prepare
    const { source, hubspot, mappings, deps } = setup();
    source.add(1);
    const created = event('property_created', 1);
    // Act
    const report = await syncTurboTenantEvents([created], deps);
    // Assess
    const contact = hubspot.contacts.get('owner1@example.com')!;
    expect(contact.properties).toMatchObject({ firstname: 'Owner1', property_title: 'Home 1', monthly_rent: '1001', lead_source_system: 'turbotenant' });
    const [dealId, deal] = [...hubspot.deals.entries()][0]!;
    expect(deal).toMatchObject({ dealname: 'Home 1', amount: '1001', pipeline: 'default', dealstage: 'appointmentscheduled' });
    expect(hubspot.associations).toEqual([{ contactId: contact.id, dealId }]);
    expect(report.results.get(created.eventId)).toEqual({ status: 'success', hubspotContactId: contact.id, hubspotDealId: dealId, propertyId: 'PROP_1', syncedAt: NOW.toISOString() });
    expect(mappings.items.get('PROP_1')).toMatchObject({ dealId, contactId: contact.id, metadata: { turbotenant_listing_id: 'PROP_1', hubspot_contact_id: contact.id } });
  });

  it('updates the same deal on property_updated, and costs no call when nothing changed', async () => {
    // Prepare
    const { source, hubspot, deps } = setup();
    source.add(1);
    await syncTurboTenantEvents([event('property_created', 1)], deps);
    source.properties.set('PROP_1', { ...source.properties.get('PROP_1')!, rent: 1500 });
    // Act
    await syncTurboTenantEvents([event('property_updated', 1)], deps);
    const callsBefore = hubspot.calls;
    const again = await syncTurboTenantEvents([event('property_updated', 1)], deps);
    // Assess
    expect(hubspot.deals.size).toBe(1);
    expect([...hubspot.deals.values()][0]).toMatchObject({ amount: '1500' });
    expect(hubspot.calls).toBe(callsBefore);
    expect(again.unchanged).toBe(1);
  });

  it('does not create a second deal when the mapping was lost (the deal is keyed by the property id)', async () => {
    const { source, hubspot, mappings, deps } = setup();
    source.add(3);
    await syncTurboTenantEvents([event('property_created', 3)], deps);
    mappings.items.clear();
    const report = await syncTurboTenantEvents([event('property_created', 3)], deps);
    expect(hubspot.deals.size).toBe(1);
    expect(report.results.get(`evt_${eventNo}`)).toMatchObject({ status: 'success', hubspotDealId: [...hubspot.deals.keys()][0] });
  });

  it('creates the deal for a property_updated that arrives without a prior create', async () => {
    const { source, hubspot, deps } = setup();
    source.add(2);
    const report = await syncTurboTenantEvents([event('property_updated', 2)], deps);
    expect(hubspot.deals.size).toBe(1);
    expect(report.results.get(`evt_${eventNo}`)).toMatchObject({ status: 'success', propertyId: 'PROP_2' });
  });

  it('applies out-of-order events as the property is now, with the metadata of the latest event', async () => {
    const { source, hubspot, deps } = setup();
    source.add(4);
    source.properties.set('PROP_4', { ...source.properties.get('PROP_4')!, rent: 2000 });
    const newer = event('property_updated', 4, { occurredAt: '2025-10-13T09:00:00Z', metadata: { utm_campaign: 'fall' } });
    const older = event('property_created', 4, { occurredAt: '2025-10-12T21:00:00Z', metadata: { utm_campaign: 'summer' } });
    const report = await syncTurboTenantEvents([newer, older], deps);
    expect(report.results.get(newer.eventId)).toMatchObject({ status: 'success' });
    expect(report.results.get(older.eventId)).toMatchObject({ status: 'success' });
    expect(hubspot.deals.size).toBe(1);
    expect([...hubspot.deals.values()][0]).toMatchObject({ amount: '2000' });
    expect(hubspot.contacts.get('owner4@example.com')!.properties).toMatchObject({ utm_campaign: 'fall', created_date: '2025-10-12' });
  });

  it('upserts a lead\'s contact and associates it with the property\'s deal', async () => {
    const { source, hubspot, deps } = setup();
    source.add(1);
    await syncTurboTenantEvents([event('property_created', 1)], deps);
    await syncTurboTenantEvents([event('lead_created', 1, { lead: { id: 'LD_1', email: 'Tom@Example.com', first_name: 'Tom' } })], deps);
    const tom = hubspot.contacts.get('tom@example.com')!;
    const [dealId] = [...hubspot.deals.keys()];
    expect(tom.properties).toMatchObject({ firstname: 'Tom', lead_source_system: 'turbotenant' });
    expect(tom.properties).not.toHaveProperty('property_title');
    expect(hubspot.associations).toContainEqual({ contactId: tom.id, dealId });
  });

  it('batches 50 property events into 3 HubSpot calls (contacts, deals, associations)', async () => {
    const { source, hubspot, deps } = setup();
    const events = Array.from({ length: 50 }, (_, i) => (source.add(i + 10), event('property_created', i + 10)));
    const report = await syncTurboTenantEvents(events, deps);
    expect([...report.results.values()].every((r) => r.status === 'success')).toBe(true);
    expect(hubspot.calls).toBe(3);
    expect(hubspot.deals.size).toBe(50);
  });

  it('fails the event with a clear message when the property is missing, and the others still sync', async () => {
    const { source, deps } = setup();
    source.add(1);
    const missing = event('property_created', 9);
    source.landlords.set('LL_9', { id: 'LL_9', email: 'nine@example.com', updated_at: 'x' });
    const fine = event('property_created', 1);
    const report = await syncTurboTenantEvents([missing, fine], deps);
    expect(report.results.get(missing.eventId)).toEqual({ status: 'error', message: 'Missing property ID PROP_9' });
    expect(report.results.get(fine.eventId)).toMatchObject({ status: 'success' });
  });

  it('leaves events to be retried on a transient failure, with no confirmation yet', async () => {
    const { source, deps } = setup();
    source.add(1);
    source.transient = new RetryableError('TurboTenant 503');
    const e = event('property_created', 1);
    const report = await syncTurboTenantEvents([e], deps);
    expect(report.results.has(e.eventId)).toBe(false);
    expect(report.retry.get(e.eventId)?.message).toBe('TurboTenant 503');
  });

  it('fails only the property whose landlord HubSpot refuses', async () => {
    const { source, hubspot, deps } = setup();
    source.add(1);
    source.add(2);
    hubspot.refuse.add('owner2@example.com');
    const [one, two] = [event('property_created', 1), event('property_created', 2)];
    const report = await syncTurboTenantEvents([one, two], deps);
    expect(report.results.get(one.eventId)).toMatchObject({ status: 'success' });
    expect(report.results.get(two.eventId)).toEqual({ status: 'error', message: "HubSpot refused the landlord's contact LL_2: Property values were not valid" });
    expect(hubspot.deals.size).toBe(1);
  });

  it('fails only the property whose deal HubSpot refuses, and writes no mapping for it', async () => {
    const { source, hubspot, mappings, deps } = setup();
    source.add(5);
    source.add(6);
    hubspot.refuseDeals.add('PROP_6');
    const [five, six] = [event('property_created', 5), event('property_created', 6)];
    const report = await syncTurboTenantEvents([five, six], deps);
    expect(report.results.get(five.eventId)).toMatchObject({ status: 'success' });
    expect(report.results.get(six.eventId)).toEqual({ status: 'error', message: 'HubSpot refused the deal of property PROP_6: Property values were not valid' });
    expect(mappings.items.has('PROP_6')).toBe(false);
    expect(hubspot.associations.every((a) => a.dealId !== undefined)).toBe(true);
  });

  it('sets the Stripe customer metadata (allow-listed block, idempotency key) only when Stripe is configured', async () => {
    const on = setup({ stripe: true });
    on.source.add(1);
    await syncTurboTenantEvents([event('property_created', 1, { metadata: { utm_source: 'connectlinx', tenant_email: 'x@y.z' } as never })], on.deps);
    expect(on.stripeCalls).toHaveLength(1);
    expect(on.stripeCalls[0]).toMatchObject({ customerId: 'cus_1', metadata: { turbotenant_listing_id: 'PROP_1', utm_source: 'connectlinx', onboarding_stage: 'verified' } });
    expect(JSON.stringify(on.stripeCalls[0]!.metadata)).not.toContain('x@y.z');
    expect(on.stripeCalls[0]!.key).toMatch(/^crm-sync-PROP_1-/);

    const off = setup();
    off.source.add(1);
    await syncTurboTenantEvents([event('property_created', 1)], off.deps);
    expect(off.stripeCalls).toHaveLength(0);
  });
});
