/**
 * The 15-minute redundancy sync (seed 000): a pass over unchanged properties costs no HubSpot call,
 * a change whose event was lost is synced by the next pass, and the cursor only moves when the
 * whole pass succeeded.
 */
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../functions/core/errors.js';
import { RECONCILE_CURSOR, reconcileTurboTenant, type Cursors, type ReconcileDeps } from '../../functions/core/turbotenant-reconcile.js';
import { syncTurboTenantEvents } from '../../functions/core/turbotenant-sync.js';
import { FakeCrm, FakeTurboTenant, MemoryMappings } from './support/turbotenant-fakes.js';

class MemoryCursors implements Cursors {
  readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name);
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
  }
}

function setup(now = '2025-10-12T22:00:00.000Z') {
  const source = new FakeTurboTenant();
  const hubspot = new FakeCrm();
  const mappings = new MemoryMappings();
  const cursors = new MemoryCursors();
  let clock = new Date(now);
  const deps: ReconcileDeps = {
    source,
    feed: source,
    hubspot,
    mappings,
    cursors,
    deal: { pipeline: 'default', stage: 'appointmentscheduled' },
    onboardingStage: 'verified',
    now: () => clock,
  };
  return { source, hubspot, mappings, cursors, deps, tick: (iso: string) => (clock = new Date(iso)) };
}

describe('reconcileTurboTenant', () => {
  it('syncs what events already synced at no HubSpot cost, and moves the cursor to the pass\'s start', async () => {
    // Prepare: two properties synced by their events.
    const { source, hubspot, cursors, deps } = setup();
    source.add(1);
    source.add(2);
    await syncTurboTenantEvents(
      [1, 2].map((n) => ({ eventId: `e${n}`, type: 'property_created' as const, occurredAt: '2025-10-12T20:00:00Z', landlordId: `LL_${n}`, propertyId: `PROP_${n}`, metadata: { utm_source: 'connectlinx' } })),
      deps,
    );
    const calls = hubspot.calls;
    // Act
    const report = await reconcileTurboTenant(deps);
    // Assess
    expect(report).toMatchObject({ properties: 2, unchanged: 2, synced: 0, failed: 0, cursor: '2025-10-12T22:00:00.000Z' });
    expect(hubspot.calls).toBe(calls);
    expect(cursors.values.get(RECONCILE_CURSOR)).toBe('2025-10-12T22:00:00.000Z');
  });

  it('heals a change whose event was lost, within one period, keeping the contact\'s first created date', async () => {
    // Prepare
    const { source, hubspot, deps, tick } = setup();
    source.add(1);
    await syncTurboTenantEvents([{ eventId: 'e1', type: 'property_created', occurredAt: '2025-10-01T20:00:00Z', landlordId: 'LL_1', propertyId: 'PROP_1', metadata: {} }], deps);
    await reconcileTurboTenant(deps);
    // The rent changes in TurboTenant; its event never arrives.
    source.properties.set('PROP_1', { ...source.properties.get('PROP_1')!, rent: 2400, updated_at: '2025-10-12T22:05:00.000Z' });
    tick('2025-10-12T22:15:00.000Z');
    // Act
    const report = await reconcileTurboTenant(deps);
    // Assess
    expect(report).toMatchObject({ properties: 1, synced: 1 });
    expect([...hubspot.deals.values()][0]).toMatchObject({ amount: '2400' });
    expect(hubspot.contacts.get('owner1@example.com')!.properties.created_date).toBe('2025-10-01');
    expect(hubspot.deals.size).toBe(1);
  });

  it('keeps the cursor when TurboTenant fails mid-pass, so the next pass reads the same window', async () => {
    const { source, cursors, deps } = setup();
    source.add(1);
    await cursors.set(RECONCILE_CURSOR, '2025-10-12T21:45:00.000Z');
    source.transient = new RetryableError('TurboTenant 503');
    await expect(reconcileTurboTenant(deps)).rejects.toThrow('TurboTenant 503');
    expect(cursors.values.get(RECONCILE_CURSOR)).toBe('2025-10-12T21:45:00.000Z');
  });

  it('reads from a minute before the cursor (changes written while the last pass ran)', async () => {
    const { cursors, deps } = setup();
    await cursors.set(RECONCILE_CURSOR, '2025-10-12T21:45:00.000Z');
    const report = await reconcileTurboTenant(deps);
    expect(report.since).toBe('2025-10-12T21:44:00.000Z');
  });
});
