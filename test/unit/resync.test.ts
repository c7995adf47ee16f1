import { describe, expect, it } from 'vitest';
import type { Lead } from '../../functions/core/lead.js';
import { reconcileLeads, resyncFailed, type ResyncDeps } from '../../functions/core/resync.js';
import { FakeDeadLetters, InMemoryLeadStore, RecordingLog, RecordingQueue, storedLead } from './support/fakes.js';

const NOW = new Date('2025-10-12T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function lead(id: string, hubspot: Partial<Lead['hubspot']>, changedMinutesAgo = 120): Lead {
  return storedLead(id, { email: `${id}@example.com` }, { hubspot, statusChangedAt: minutesAgo(changedMinutesAgo) });
}

function setup(leads: readonly Lead[], dlqWaiting = 0) {
  const store = new InMemoryLeadStore(leads);
  const queue = new RecordingQueue();
  const deadLetters = new FakeDeadLetters(dlqWaiting);
  const deps: ResyncDeps = { leads: store, queue, deadLetters, now: () => NOW, log: new RecordingLog() };
  return { store, queue, deadLetters, deps };
}

describe('resyncFailed', () => {
  it('requeues every FAILED lead, redrives the DLQ and returns both counts', async () => {
    // Prepare
    const { store, queue, deadLetters, deps } = setup(
      [
        lead('rejected', { syncStatus: 'FAILED', failureKind: 'rejected', error: 'bad phone' }),
        lead('exhausted', { syncStatus: 'FAILED', failureKind: 'exhausted' }),
        lead('pending', { syncStatus: 'PENDING' }),
        lead('synced', { syncStatus: 'SYNCED', id: '9' }),
      ],
      3,
    );

    // Act
    const report = await resyncFailed(deps);

    // Assess
    expect(report).toEqual({ requeued: 2, redriven: 3 });
    expect(queue.queuedIds.sort()).toEqual(['exhausted', 'rejected']);
    expect(store.leads.get('rejected')!.hubspot.syncStatus).toBe('PENDING');
    expect(store.leads.get('exhausted')!.hubspot.syncStatus).toBe('PENDING');
    expect(store.leads.get('synced')!.hubspot.syncStatus).toBe('SYNCED');
    expect(deadLetters.redrives).toBe(1);
  });

  it('pages through every FAILED lead, each queued once', async () => {
    // Prepare
    const failed = Array.from({ length: 7 }, (_, i) => lead(`f${i}`, { syncStatus: 'FAILED', failureKind: 'rejected' }, 100 + i));
    const { store, queue, deps } = setup(failed);
    store.pageSize = 2;

    // Act
    const report = await resyncFailed(deps);

    // Assess
    expect(report.requeued).toBe(7);
    expect(queue.queuedIds.sort()).toEqual(failed.map((l) => l.leadId).sort());
    expect(queue.sent.length).toBeGreaterThan(1);
  });

  it('does not count leads the queue refused', async () => {
    // Prepare
    const { queue, deps } = setup([lead('a', { syncStatus: 'FAILED' }), lead('b', { syncStatus: 'FAILED' })]);
    queue.refuse.add('b');

    // Act
    const report = await resyncFailed(deps);

    // Assess
    expect(report.requeued).toBe(1);
  });
});

describe('reconcileLeads', () => {
  it('requeues only exhausted FAILED leads and PENDING/RETRYING leads older than the threshold', async () => {
    // Prepare
    const { store, queue, deps } = setup([
      lead('rejected', { syncStatus: 'FAILED', failureKind: 'rejected' }),
      lead('exhausted', { syncStatus: 'FAILED', failureKind: 'exhausted' }),
      lead('pending-old', { syncStatus: 'PENDING' }, 30),
      lead('pending-new', { syncStatus: 'PENDING' }, 5),
      lead('retrying-old', { syncStatus: 'RETRYING', error: '502' }, 45),
      lead('retrying-new', { syncStatus: 'RETRYING', error: '502' }, 2),
      lead('synced', { syncStatus: 'SYNCED', id: '9' }, 500),
    ]);

    // Act
    const report = await reconcileLeads(deps, 15);

    // Assess
    expect(queue.queuedIds.sort()).toEqual(['exhausted', 'pending-old', 'retrying-old']);
    expect(report).toEqual({ requeued: 3, redriven: 0 });
    expect(store.leads.get('rejected')!.hubspot.syncStatus).toBe('FAILED');
    expect(store.leads.get('exhausted')!.hubspot.syncStatus).toBe('PENDING');
    expect(store.leads.get('retrying-old')!.hubspot.syncStatus).toBe('PENDING');
  });

  it('pages through the stuck leads with the store\'s cursor', async () => {
    // Prepare
    const stuck = Array.from({ length: 5 }, (_, i) => lead(`p${i}`, { syncStatus: 'PENDING' }, 60 + i));
    const { store, queue, deps } = setup(stuck);
    store.pageSize = 2;

    // Act
    const report = await reconcileLeads(deps, 15);

    // Assess
    expect(report.requeued).toBe(5);
    expect(queue.queuedIds.sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('does not touch the DLQ', async () => {
    // Prepare
    const { deadLetters, deps } = setup([], 4);

    // Act
    await reconcileLeads(deps, 15);

    // Assess
    expect(deadLetters.redrives).toBe(0);
  });
});
