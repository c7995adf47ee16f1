/**
 * The TurboTenant sync over the product's HubSpot client and CRM adapter against the HubSpot
 * sandbox (issue 14): one input HubSpot refuses fails only its event, with HubSpot's message, and
 * the others sync; a conflict (409) is retried, never settled as an error.
 */
import { describe, expect, it } from 'vitest';
import { associationsPath, objectsPath } from '../../functions/connectors/hubspot/api-paths.js';
import { HubSpotCrmAdapter } from '../../functions/connectors/hubspot/crm.js';
import { contactProperties, dealProperties, ensureProperties } from '../../functions/connectors/hubspot/setup.js';
import { ConflictError } from '../../functions/core/errors.js';
import { syncTurboTenantEvents, type TurboTenantEvent, type TurboTenantSyncDeps } from '../../functions/core/turbotenant-sync.js';
import { FakeTurboTenant, MemoryMappings } from '../unit/support/turbotenant-fakes.js';
import { useHubSpotSandbox } from './support/hubspot-sandbox.js';

const TOKEN = 'pat-na1-turbotenant-refusals';
const CALL = { maxWaitMs: 0, timeoutMs: 5_000 };
const hub = useHubSpotSandbox(TOKEN);

async function setup() {
  await ensureProperties(hub.client, 'contacts', contactProperties('viviaturbo.live'));
  await ensureProperties(hub.client, 'deals', dealProperties());
  const source = new FakeTurboTenant();
  const hubspot = new HubSpotCrmAdapter(hub.client, CALL);
  const mappings = new MemoryMappings();
  const deps: TurboTenantSyncDeps = { source, hubspot, mappings, deal: { pipeline: 'default', stage: 'appointmentscheduled' }, onboardingStage: 'verified', now: () => new Date('2025-10-12T22:00:00.000Z') };
  return { source, mappings, deps };
}

let n = 0;
const event = (type: TurboTenantEvent['type'], p: number, extra: Partial<TurboTenantEvent> = {}): TurboTenantEvent => ({
  eventId: `evt_${(n += 1)}`,
  type,
  occurredAt: '2025-10-12T21:30:00Z',
  landlordId: `LL_${p}`,
  propertyId: `PROP_${p}`,
  metadata: {},
  ...extra,
});

describe('TurboTenant sync against the HubSpot sandbox', () => {
  it('fails only the lead whose association HubSpot refuses; the property and the other lead sync', async () => {
    // Prepare: the refused lead's contact exists, and HubSpot refuses associating it.
    const { source, deps } = await setup();
    source.add(1);
    const refusedContact = await hub.client.upsertByEmail([{ email: 'refused@example.com', properties: { firstname: 'Ref' } }], CALL);
    const refusedId = refusedContact.written.get('refused@example.com')!.id;
    hub.sandbox.addFault({ kind: 'inputError', path: associationsPath('contacts', 'deals', ''), emailPattern: `^${refusedId}$`, message: 'Contact cannot be associated' });
    const events = [
      event('property_created', 1),
      event('lead_created', 1, { lead: { id: 'L1', email: 'refused@example.com' } }),
      event('lead_created', 1, { lead: { id: 'L2', email: 'fine@example.com' } }),
    ];
    // Act
    const report = await syncTurboTenantEvents(events, deps);
    // Assess
    expect(events.map((e) => report.results.get(e.eventId)?.status)).toEqual(['success', 'error', 'success']);
    expect(report.results.get(events[1]!.eventId)).toMatchObject({ message: expect.stringContaining('Contact cannot be associated') });
    const dealId = (report.results.get(events[0]!.eventId) as { hubspotDealId: string }).hubspotDealId;
    const associated = await hub.api('GET', `/crm/v4/objects/deals/${dealId}/associations/contacts`);
    expect(associated.body.results).toHaveLength(2);
  });

  it('retries the batch, settling nothing as an error, when HubSpot answers 409 CONFLICT', async () => {
    // Prepare
    const { source, mappings, deps } = await setup();
    source.add(2);
    hub.sandbox.addFault({ kind: 'status', status: 409, path: objectsPath('contacts', 'batch/upsert'), message: 'Contact is being written by another request', times: 1 });
    const events = [event('property_created', 2)];
    // Act
    const first = await syncTurboTenantEvents(events, deps);
    const again = await syncTurboTenantEvents(events, deps);
    // Assess
    expect(first.results.size).toBe(0);
    expect(first.retry.get(events[0]!.eventId)).toBeInstanceOf(ConflictError);
    expect(again.results.get(events[0]!.eventId)).toMatchObject({ status: 'success' });
    expect(mappings.items.has('PROP_2')).toBe(true);
  });
});
