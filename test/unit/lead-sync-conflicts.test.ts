/**
 * Two environments upserting one email at once (issue 14 §1): HubSpot answers the loser with a
 * conflict, for the whole request (409/423, thrown as ConflictError) or for one input of a batch
 * answer (`errors[]` with category CONFLICT). A conflict is about the moment, not the lead's data:
 * the lead is retried (and the email's contact read again by the next upsert), never FAILED as
 * refused, and one whose retries ran out is requeued by the hourly reconciliation.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../functions/core/errors.js';
import { syncLeadBatch, type LeadSyncDeps, type LeadSyncMessage } from '../../functions/core/lead-sync.js';
import { reconcileLeads } from '../../functions/core/resync.js';
import type { Lead } from '../../functions/core/lead.js';
import { FakeDeadLetters, FakeHubSpot, InMemoryLeadStore, RecordingLog, RecordingQueue, RecordingRetries, storedLead } from './support/fakes.js';

const NOW = new Date('2025-10-12T12:00:00.000Z');
const MAX_RECEIVES = 5;

function message(leadId: string, receiveCount = 1): LeadSyncMessage {
  const id = `m-${leadId}-${receiveCount}`;
  return { messageId: id, receiptHandle: `rh-${id}`, leadId, receiveCount };
}

function setup(leads: readonly Lead[]) {
  const store = new InMemoryLeadStore(leads);
  const hubspot = new FakeHubSpot();
  const retries = new RecordingRetries();
  const deps: LeadSyncDeps = {
    leads: store,
    hubspot,
    retries,
    requeue: async () => ({ failed: [] }),
    platformSource: 'platform',
    maxReceiveCount: MAX_RECEIVES,
    now: () => NOW,
    random: () => 0.5,
    remainingTimeMs: () => 25_000,
    log: new RecordingLog(),
  };
  return { store, hubspot, retries, deps };
}

const ana = () => storedLead('lead-ana', { email: 'ana@example.com', firstName: 'Ana' });
const bo = () => storedLead('lead-bo', { email: 'bo@example.com', firstName: 'Bo' });

/** HubSpot's batch answer when another writer holds Bo's email: Ana written, Bo's input in `errors[]`. */
const boConflicts = (hubspot: FakeHubSpot) => (inputs: Parameters<FakeHubSpot['upsertByEmail']>[0]) => {
  const accepted = hubspot.writeAll(inputs.filter((i) => i.email !== 'bo@example.com'));
  return { written: accepted.written, rejected: new Map([['bo@example.com', 'CONFLICT: Contact with email bo@example.com is being updated by another request']]) };
};

describe('syncLeadBatch, conflicts', () => {
  it('retries a lead whose input HubSpot answered with CONFLICT inside the batch answer, and syncs the others', async () => {
    // Prepare
    const { store, hubspot, retries, deps } = setup([ana(), bo()]);
    hubspot.behaviour = boConflicts(hubspot);

    // Act
    const report = await syncLeadBatch([message('lead-ana'), message('lead-bo')], deps);

    // Assess
    expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({ syncStatus: 'RETRYING', error: expect.stringContaining('CONFLICT') });
    expect(store.leads.get('lead-bo')!.hubspot.failureKind).toBeUndefined();
    expect(store.leads.get('lead-ana')!.hubspot.syncStatus).toBe('SYNCED');
    expect(report.failedMessageIds).toEqual(new Set(['m-lead-bo-1']));
    expect(retries.delayOf('rh-m-lead-bo-1')).toBeGreaterThan(0);
    expect(report.counts).toMatchObject({ synced: 1, rejected: 0, retrying: 1 });
  });

  it('retries a lead the client reports as conflicted (ContactUpsertResult.conflicted)', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([ana(), bo()]);
    hubspot.behaviour = (inputs) => {
      const accepted = hubspot.writeAll(inputs.filter((i) => i.email !== 'bo@example.com'));
      return { written: accepted.written, rejected: new Map(), conflicted: new Map([['bo@example.com', 'HubSpot 409: Contact already exists']]) };
    };

    // Act
    const report = await syncLeadBatch([message('lead-ana'), message('lead-bo')], deps);

    // Assess
    expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({ syncStatus: 'RETRYING', error: 'HubSpot 409: Contact already exists' });
    expect(report.failedMessageIds).toEqual(new Set(['m-lead-bo-1']));
  });

  it('retries every lead of a batch HubSpot answered 409 as a whole, failing none as refused', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([ana(), bo()]);
    hubspot.behaviour = () => {
      throw new ConflictError('HubSpot 409: CONFLICT: Contact already exists', 'hubspot_conflict', 409);
    };

    // Act
    const report = await syncLeadBatch([message('lead-ana'), message('lead-bo')], deps);

    // Assess
    expect(store.leads.get('lead-ana')!.hubspot.syncStatus).toBe('RETRYING');
    expect(store.leads.get('lead-bo')!.hubspot.syncStatus).toBe('RETRYING');
    expect(report.counts.rejected).toBe(0);
    expect(report.failedMessageIds.size).toBe(2);
  });

  it('leaves a lead whose conflicts outlast its retries FAILED "exhausted", and the reconciliation requeues it', async () => {
    // Prepare
    const { store, hubspot, deps } = setup([ana(), bo()]);
    hubspot.behaviour = boConflicts(hubspot);
    await syncLeadBatch([message('lead-ana'), message('lead-bo', MAX_RECEIVES)], deps);
    expect(store.leads.get('lead-bo')!.hubspot).toMatchObject({ syncStatus: 'FAILED', failureKind: 'exhausted' });
    const queue = new RecordingQueue();

    // Act
    const report = await reconcileLeads({ leads: store, queue, deadLetters: new FakeDeadLetters(0), now: () => new Date(NOW.getTime() + 3_600_000), log: new RecordingLog() }, 60);

    // Assess
    expect(report.requeued).toBe(1);
    expect(queue.queuedIds).toEqual(['lead-bo']);
  });
});

describe('reconcileLeads, conflicts recorded as refusals before the fix', () => {
  it('requeues a lead FAILED "rejected" by a HubSpot conflict, not one HubSpot refused for its data', async () => {
    // Prepare
    const at = '2025-10-12T10:00:00.000Z';
    const failed = (id: string, error: string) => storedLead(id, { email: `${id}@example.com` }, { hubspot: { syncStatus: 'FAILED', failureKind: 'rejected', error }, statusChangedAt: at });
    const store = new InMemoryLeadStore([
      failed('whole-409', 'HubSpot 409: Contact already exists. Existing ID: 501'),
      failed('input-conflict', 'CONFLICT: Contact with email is being updated by another request'),
      failed('locked', 'HubSpot 423: LOCKED: record is locked'),
      failed('bad-phone', 'VALIDATION_ERROR: Property values were not valid'),
    ]);
    const queue = new RecordingQueue();

    // Act
    const report = await reconcileLeads({ leads: store, queue, deadLetters: new FakeDeadLetters(0), now: () => NOW, log: new RecordingLog() }, 60);

    // Assess
    expect(report.requeued).toBe(3);
    expect(queue.queuedIds.sort()).toEqual(['input-conflict', 'locked', 'whole-409']);
    expect(store.leads.get('bad-phone')!.hubspot.syncStatus).toBe('FAILED');
  });
});
