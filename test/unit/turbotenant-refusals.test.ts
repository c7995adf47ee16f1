/**
 * Nothing accepted is lost in the TurboTenant flow (issue 14): a batch HubSpot refuses as a whole
 * fails only the event whose input it refused, with HubSpot's message; a conflict is retried; the
 * reconcile's cursor never passes a retryable failure; Stripe metadata is retried after a transient
 * failure; and a consumer near its deadline hands events back instead of leaving them pending.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, RetryableError } from '../../functions/core/errors.js';
import type { MetadataBlock } from '../../functions/core/turbotenant-mapping.js';
import { processTurboTenantBatch, type EventConfirmations, type TurboTenantMessage } from '../../functions/core/turbotenant-batch.js';
import { RECONCILE_CURSOR, reconcileTurboTenant, type Cursors } from '../../functions/core/turbotenant-reconcile.js';
import { syncTurboTenantEvents, type EventResult, type TurboTenantEvent, type TurboTenantSyncDeps } from '../../functions/core/turbotenant-sync.js';
import { RecordingLog, RecordingRetries } from './support/fakes.js';
import { FakeCrm, FakeTurboTenant, MemoryMappings } from './support/turbotenant-fakes.js';

const NOW = new Date('2025-10-12T22:00:00.000Z');
let eventNo = 0;
function event(type: TurboTenantEvent['type'], n: number, extra: Partial<TurboTenantEvent> = {}): TurboTenantEvent {
  return { eventId: `evt_${(eventNo += 1)}`, type, occurredAt: '2025-10-12T21:30:00Z', landlordId: `LL_${n}`, propertyId: `PROP_${n}`, metadata: {}, ...extra };
}
const leadEvent = (n: number, email: string) => event('lead_created', n, { lead: { id: `L_${email}`, email, first_name: 'Lee' } });

function setup() {
  const source = new FakeTurboTenant();
  const hubspot = new FakeCrm();
  const mappings = new MemoryMappings();
  const deps: TurboTenantSyncDeps = { source, hubspot, mappings, deal: { pipeline: 'default', stage: 'appointmentscheduled' }, onboardingStage: 'verified', now: () => NOW };
  return { source, hubspot, mappings, deps };
}

const statuses = (results: ReadonlyMap<string, EventResult>, events: readonly TurboTenantEvent[]) => events.map((e) => results.get(e.eventId)?.status);

describe('a batch HubSpot refuses as a whole (TurboTenant sync)', () => {
  it('fails only the property whose landlord email HubSpot refuses, with HubSpot\'s message; the others sync', async () => {
    // Prepare: three properties; HubSpot answers 400 for any contact batch holding owner2's email.
    const { source, hubspot, mappings, deps } = setup();
    for (const n of [1, 2, 3]) source.add(n);
    hubspot.refuseBatchOf.add('owner2@example.com');
    const events = [1, 2, 3].map((n) => event('property_created', n));
    // Act
    const report = await syncTurboTenantEvents(events, deps);
    // Assess
    expect(statuses(report.results, events)).toEqual(['success', 'error', 'success']);
    expect(report.results.get(events[1]!.eventId)).toEqual({
      status: 'error',
      message: "HubSpot refused the landlord's contact LL_2: HubSpot 400: VALIDATION_ERROR: Property values were not valid: INVALID_EMAIL owner2@example.com",
    });
    expect(hubspot.deals.size).toBe(2);
    expect([...mappings.items.keys()].sort()).toEqual(['PROP_1', 'PROP_3']);
    expect(report.retry.size).toBe(0);
  });

  it('fails only the lead_created event whose lead HubSpot refuses; the property and the other lead sync', async () => {
    // Prepare
    const { source, hubspot, deps } = setup();
    source.add(1);
    hubspot.refuseBatchOf.add('bad@example');
    const events = [event('property_created', 1), leadEvent(1, 'bad@example'), leadEvent(1, 'good@example.com')];
    // Act
    const report = await syncTurboTenantEvents(events, deps);
    // Assess
    expect(statuses(report.results, events)).toEqual(['success', 'error', 'success']);
    expect(report.results.get(events[1]!.eventId)).toMatchObject({ status: 'error', message: expect.stringContaining('INVALID_EMAIL bad@example') });
    const good = hubspot.contacts.get('good@example.com')!;
    expect(hubspot.associations).toContainEqual({ contactId: good.id, dealId: [...hubspot.deals.keys()][0] });
  });

  it('fails only the lead whose association HubSpot refuses; the others are associated', async () => {
    // Prepare
    const { source, hubspot, deps } = setup();
    source.add(1);
    source.add(2);
    hubspot.refuseAssociationBatchOf.add('refused@example.com');
    const events = [event('property_created', 1), event('property_created', 2), leadEvent(1, 'refused@example.com'), leadEvent(2, 'fine@example.com')];
    // Act
    const report = await syncTurboTenantEvents(events, deps);
    // Assess
    expect(statuses(report.results, events)).toEqual(['success', 'success', 'error', 'success']);
    expect(report.results.get(events[2]!.eventId)).toMatchObject({ status: 'error', message: expect.stringContaining('cannot be associated') });
    expect(hubspot.associations.map((a) => a.contactId)).toContain(hubspot.contacts.get('fine@example.com')!.id);
  });

  it('fails only the property whose deal HubSpot refuses as a whole batch', async () => {
    // Prepare
    const { source, hubspot, mappings, deps } = setup();
    for (const n of [1, 2, 3, 4]) source.add(n);
    hubspot.refuseDealBatchOf.add('PROP_3');
    const events = [1, 2, 3, 4].map((n) => event('property_created', n));
    // Act
    const report = await syncTurboTenantEvents(events, deps);
    // Assess
    expect(statuses(report.results, events)).toEqual(['success', 'success', 'error', 'success']);
    expect(mappings.items.has('PROP_3')).toBe(false);
  });

  it('retries every event, failing none, when HubSpot answers a conflict (409) for the batch', async () => {
    // Prepare
    const { source, hubspot, deps } = setup();
    source.add(1);
    hubspot.failNext.push(new ConflictError('HubSpot 409: CONFLICT: contact is being written', 'hubspot_conflict', 409));
    const events = [event('property_created', 1), leadEvent(1, 'lead@example.com')];
    // Act
    const report = await syncTurboTenantEvents(events, deps);
    // Assess
    expect(report.results.size).toBe(0);
    expect([...report.retry.keys()].sort()).toEqual(events.map((e) => e.eventId).sort());
  });
});

class MemoryCursors implements Cursors {
  readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name);
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
  }
}

describe('the reconcile and refusals', () => {
  it('records the property HubSpot refuses with its reason, syncs the others and moves the cursor', async () => {
    // Prepare
    const { source, hubspot, deps } = setup();
    for (const n of [1, 2, 3]) source.add(n);
    hubspot.refuseBatchOf.add('owner3@example.com');
    const cursors = new MemoryCursors();
    // Act
    const report = await reconcileTurboTenant({ ...deps, feed: source, cursors });
    // Assess
    expect(report).toMatchObject({ properties: 3, synced: 2, failed: 1, retried: 0, cursor: NOW.toISOString() });
    expect(report.refused).toEqual([{ propertyId: 'PROP_3', reason: expect.stringContaining('INVALID_EMAIL owner3@example.com') }]);
    expect(hubspot.deals.size).toBe(2);
    expect(cursors.values.get(RECONCILE_CURSOR)).toBe(NOW.toISOString());
  });

  it('does not move the cursor past a property that failed for a retryable reason (a 409)', async () => {
    // Prepare
    const { source, hubspot, deps } = setup();
    source.add(1);
    const cursors = new MemoryCursors();
    await cursors.set(RECONCILE_CURSOR, '2025-10-12T19:00:00.000Z');
    hubspot.failNext.push(new ConflictError('HubSpot 409: CONFLICT', 'hubspot_conflict', 409));
    // Act
    const report = await reconcileTurboTenant({ ...deps, feed: source, cursors });
    // Assess
    expect(report).toMatchObject({ failed: 0, retried: 1 });
    expect(report.cursor).toBeUndefined();
    expect(cursors.values.get(RECONCILE_CURSOR)).toBe('2025-10-12T19:00:00.000Z');
    // The next pass syncs it.
    const again = await reconcileTurboTenant({ ...deps, feed: source, cursors });
    expect(again).toMatchObject({ synced: 1, retried: 0, cursor: NOW.toISOString() });
  });
});

describe('Stripe metadata after a transient failure', () => {
  it('is sent again by the retry, not skipped as unchanged', async () => {
    // Prepare: Stripe fails once with a 503.
    const { source, deps } = setup();
    source.add(1); // LL_1 has stripe customer cus_1
    const sent: { customerId: string; metadata: MetadataBlock }[] = [];
    let failures = 1;
    const stripe = {
      async setCustomerMetadata(customerId: string, metadata: MetadataBlock) {
        if (failures-- > 0) throw new RetryableError('Stripe 503: api_error');
        sent.push({ customerId, metadata });
      },
    };
    const first = event('property_created', 1);
    const firstReport = await syncTurboTenantEvents([first], { ...deps, stripe });
    // Act: SQS redelivers the event.
    const retried = await syncTurboTenantEvents([first], { ...deps, stripe });
    // Assess
    expect(firstReport.retry.get(first.eventId)?.message).toBe('Stripe 503: api_error');
    expect(sent).toEqual([{ customerId: 'cus_1', metadata: expect.objectContaining({ turbotenant_listing_id: 'PROP_1' }) }]);
    expect(retried.results.get(first.eventId)).toMatchObject({ status: 'success' });
  });
});

class MemoryConfirmations implements EventConfirmations {
  readonly results = new Map<string, EventResult>();
  async settled(ids: readonly string[]) {
    return new Set(ids.filter((id) => this.results.has(id)));
  }
  async record(results: ReadonlyMap<string, EventResult>) {
    for (const [id, r] of results) this.results.set(id, r);
  }
}

describe('the TurboTenant consumer and its deadline', () => {
  function batchSetup(remainingMs: () => number) {
    const { source, hubspot, mappings, deps } = setup();
    const confirmations = new MemoryConfirmations();
    const retries = new RecordingRetries();
    return {
      source,
      hubspot,
      mappings,
      confirmations,
      retries,
      deps: { ...deps, confirmations, retries, maxReceiveCount: 3, random: () => 0.5, log: new RecordingLog(), remainingTimeMs: remainingMs },
    };
  }
  let m = 0;
  const message = (e: TurboTenantEvent, receiveCount = 1): TurboTenantMessage => ({ messageId: `m${(m += 1)}`, receiptHandle: `rh${m}`, receiveCount, event: e, body: JSON.stringify({ event: e }) });

  it('starts no HubSpot call it cannot finish: the events go back to the queue, unconfirmed, without spending an attempt', async () => {
    // Prepare: 2 seconds left.
    const { source, hubspot, confirmations, retries, deps } = batchSetup(() => 2_000);
    source.add(1);
    const e = event('property_created', 1);
    const msg = message(e, 3);
    // Act
    const report = await processTurboTenantBatch([msg], deps);
    // Assess: no call, no error confirmed; at its last receive a fresh copy is sent, so it never reaches the DLQ.
    expect(hubspot.calls).toBe(0);
    expect(confirmations.results.has(e.eventId)).toBe(false);
    expect(report.errors).toBe(0);
    expect(retries.resent).toHaveLength(1);
  });

  it('hands back the events whose calls the deadline cut short, and confirms the rest', async () => {
    // Prepare: each HubSpot call takes 4 seconds of a 12-second budget.
    let remaining = 12_000;
    const { source, hubspot, confirmations, retries, deps } = batchSetup(() => remaining);
    hubspot.onCall = () => (remaining -= 4_000);
    source.add(1);
    const e = event('property_created', 1);
    const msg = message(e, 1);
    // Act
    const report = await processTurboTenantBatch([msg], deps);
    // Assess: the contact call ran; no deal call was started once too little time was left.
    expect(hubspot.calls).toBeLessThan(3);
    expect(confirmations.results.has(e.eventId)).toBe(false);
    expect(report.failedMessageIds).toEqual(new Set([msg.messageId]));
    expect(retries.delayOf(msg.receiptHandle)).toBeLessThanOrEqual(5);
  });
});
