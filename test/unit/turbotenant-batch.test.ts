/**
 * A batch of the turbotenant-events queue: the same event id has no second effect, transient
 * failures come back with backoff, and at the last attempt the caller sees an error while the
 * event waits in the DLQ.
 */
import { describe, expect, it } from 'vitest';
import { RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import { processTurboTenantBatch, type EventConfirmations, type TurboTenantBatchDeps, type TurboTenantMessage } from '../../functions/core/turbotenant-batch.js';
import type { EventResult, TurboTenantEvent } from '../../functions/core/turbotenant-sync.js';
import { RecordingLog, RecordingRetries } from './support/fakes.js';
import { FakeCrm, FakeTurboTenant, MemoryMappings } from './support/turbotenant-fakes.js';

class MemoryConfirmations implements EventConfirmations {
  readonly results = new Map<string, EventResult>();
  async settled(ids: readonly string[]) {
    return new Set(ids.filter((id) => this.results.has(id) && !(this.results.get(id)!.status === 'error' && (this.results.get(id) as { parked?: boolean }).parked)));
  }
  async record(results: ReadonlyMap<string, EventResult>) {
    for (const [id, r] of results) this.results.set(id, r);
  }
}

function setup() {
  const source = new FakeTurboTenant();
  const hubspot = new FakeCrm();
  const confirmations = new MemoryConfirmations();
  const retries = new RecordingRetries();
  const deps: TurboTenantBatchDeps = {
    source,
    hubspot,
    mappings: new MemoryMappings(),
    confirmations,
    retries,
    maxReceiveCount: 3,
    random: () => 0.5,
    log: new RecordingLog(),
    deal: { pipeline: 'default', stage: 'appointmentscheduled' },
    onboardingStage: 'verified',
    now: () => new Date('2025-10-12T22:00:00.000Z'),
  };
  return { source, hubspot, confirmations, retries, deps };
}

let n = 0;
const message = (event: TurboTenantEvent, receiveCount = 1): TurboTenantMessage => ({ messageId: `m${(n += 1)}`, receiptHandle: `rh${n}`, receiveCount, event, body: JSON.stringify({ event_id: event.eventId }) });
const created = (id: string, p: number): TurboTenantEvent => ({ eventId: id, type: 'property_created', occurredAt: '2025-10-12T21:53:00Z', landlordId: `LL_${p}`, propertyId: `PROP_${p}`, metadata: {} });

describe('processTurboTenantBatch', () => {
  it('syncs an event once however often it is delivered', async () => {
    const { source, hubspot, confirmations, deps } = setup();
    source.add(1);
    const e = created('evt_1', 1);
    const first = await processTurboTenantBatch([message(e), message(e)], deps);
    const calls = hubspot.calls;
    const again = await processTurboTenantBatch([message(e)], deps);
    expect(first).toMatchObject({ synced: 1, duplicates: 1 });
    expect(again).toMatchObject({ synced: 0, duplicates: 1 });
    expect(hubspot.calls).toBe(calls);
    expect(confirmations.results.get('evt_1')).toMatchObject({ status: 'success', propertyId: 'PROP_1' });
  });

  it('sends a transient failure back with backoff and no confirmation, then parks it as an error at the last attempt', async () => {
    const { source, confirmations, retries, deps } = setup();
    source.add(1);
    source.transient = new RetryableError('TurboTenant 503', 20_000);
    const e = created('evt_2', 1);
    const first = await processTurboTenantBatch([message(e, 1)], deps);
    expect(first.failedMessageIds.size).toBe(1);
    expect(retries.items[0]?.delaySeconds).toBeGreaterThanOrEqual(20);
    expect(confirmations.results.has('evt_2')).toBe(false);

    const lastMessage = message(e, 3);
    const last = await processTurboTenantBatch([lastMessage], deps);
    expect(last.failedMessageIds.size).toBe(1);
    // Shown again at once so it reaches the DLQ now, not after the visibility timeout (found by the chaos run).
    expect(retries.items.at(-1)).toEqual({ receiptHandle: lastMessage.receiptHandle, delaySeconds: 0 });
    expect(confirmations.results.get('evt_2')).toEqual({ status: 'error', message: 'Retries exhausted after 3 attempts: TurboTenant 503', parked: true });

    // A redrive after TurboTenant recovered settles it.
    source.transient = undefined;
    await processTurboTenantBatch([message(e, 1)], deps);
    expect(confirmations.results.get('evt_2')).toMatchObject({ status: 'success' });
  });

  it('holds an event back by a rate limit without spending its attempts: no error confirmed, a fresh copy at the last receive (issue 13 §3)', async () => {
    const { source, confirmations, retries, deps } = setup();
    source.add(1);
    source.transient = new RateLimitedError('HubSpot rate limit budget spent', 30_000, false);
    const e = created('evt_rl', 1);
    const lastMessage = message(e, 3);

    const last = await processTurboTenantBatch([lastMessage], deps);

    expect(last.failedMessageIds.size).toBe(0);
    expect(confirmations.results.has('evt_rl')).toBe(false);
    expect(retries.items).toEqual([]);
    expect(retries.resent).toEqual([{ body: lastMessage.body, delaySeconds: expect.any(Number) }]);
    expect(retries.resent[0]!.delaySeconds).toBeGreaterThanOrEqual(30);
  });

  it('confirms a missing property as an error at once (no retry)', async () => {
    const { source, confirmations, retries, deps } = setup();
    source.add(1);
    const e = { ...created('evt_3', 1), propertyId: 'PROP_404' };
    const report = await processTurboTenantBatch([message(e)], deps);
    expect(report.failedMessageIds.size).toBe(0);
    expect(retries.items).toEqual([]);
    expect(confirmations.results.get('evt_3')).toEqual({ status: 'error', message: 'Missing property ID PROP_404' });
  });
});
