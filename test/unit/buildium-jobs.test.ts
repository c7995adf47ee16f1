/**
 * Buildium sync jobs (core/buildium-jobs.ts) driven message by message through a recording queue,
 * as the buildium-sync consumer would: phases in order, a job that completes with every record
 * counted once and moves the cursor, duplicates and an interrupted page that change nothing in
 * HubSpot or in the counts, chained paging when Buildium gives no totals; opening a job; which
 * records a Buildium webhook names.
 */
import { describe, expect, it } from 'vitest';
import { handleSyncMessage, openJob, type JobDeps } from '../../functions/core/buildium-jobs.js';
import { BUILDIUM_CURSOR, type JobMode, type SyncMessage } from '../../functions/core/buildium-messages.js';
import { LISTING_OBJECT } from '../../functions/core/buildium-properties.js';
import { BuildiumWebhookEventSchema, webhookRefs } from '../../functions/core/buildium-webhooks.js';
import { DeadlineError } from '../../functions/core/errors.js';
import {
  FakeBuildiumReader,
  FakeHubSpotObjects,
  InMemoryBuildiumMappings,
  InMemoryCursors,
  InMemoryJobLedger,
  leaseMessage,
  RecordingSyncQueue,
  rentalMessage,
  tenantMessage,
  unitMessage,
} from './support/buildium-fakes.js';
import { RecordingLog } from './support/fakes.js';

const NOW = new Date('2025-10-12T10:00:00.000Z');
const UNIT_TYPE = 'p62515_unit';
const JOB = 'job-7f3a';

/** 2 rentals, 3 tenants (one with an emergency contact), 4 units, 2 leases: 11 records. */
function portfolio() {
  const units = [unitMessage(20001, 1001), unitMessage(20002, 1001), unitMessage(20003, 1002, { UnitBedrooms: 'ThreeBed', UnitBathrooms: 'TwoPointFiveBath' }), unitMessage(20004, 1002)];
  return {
    rentals: [rentalMessage(1001), rentalMessage(1002)],
    tenants: [
      tenantMessage(100001, { EmergencyContact: { Name: 'Lucia Garcia', RelationshipDescription: 'Mother', Phone: '(512) 555-0104', Email: 'lucia.garcia@family.example.com' } }),
      tenantMessage(100002),
      tenantMessage(100003),
    ],
    units,
    leases: [leaseMessage(500001, units[0]!, [100001, 100002]), leaseMessage(500002, units[2]!, [100003], { LeaseStatus: 'Past' })],
  };
}

function setup(records: ConstructorParameters<typeof FakeBuildiumReader>[0] = portfolio()) {
  const reader = new FakeBuildiumReader(records);
  const ledger = new InMemoryJobLedger(() => NOW);
  const queue = new RecordingSyncQueue();
  const cursors = new InMemoryCursors();
  const hubspot = new FakeHubSpotObjects();
  const mappings = new InMemoryBuildiumMappings();
  const log = new RecordingLog();
  const deps: JobDeps = {
    reader,
    jobs: ledger,
    queue,
    cursor: { set: (value) => cursors.set(BUILDIUM_CURSOR, value) },
    records: async () => ({ hubspot, mappings, unitObjectType: UNIT_TYPE, config: { overrides: [], conflictStrategy: 'buildium_wins', mergeFields: {} } }),
    log,
  };
  const open = (mode: JobMode = 'full', pageSize = 2) =>
    openJob(mode, { jobs: ledger, cursor: { get: () => cursors.get(BUILDIUM_CURSOR) }, queue, newId: () => JOB, now: () => NOW, pageSize, overlapSeconds: 120 });

  /**
   * Delivers queued messages until none is left, as SQS would: a message that throws comes back
   * later; with `duplicates`, every message is delivered a second time, after the others queued.
   */
  async function drain(options: { duplicates?: boolean } = {}) {
    const failures: Array<{ message: SyncMessage; error: unknown }> = [];
    const copies = new WeakSet<SyncMessage>();
    let deliveries = 0;
    for (let message = queue.take(); message; message = queue.take()) {
      if (++deliveries > 5000) throw new Error('the queue never drained');
      try {
        await handleSyncMessage(message, deps);
      } catch (error) {
        failures.push({ message, error });
        queue.messages.push(message);
        continue;
      }
      if (options.duplicates && !copies.has(message)) {
        const copy = structuredClone(message);
        copies.add(copy);
        queue.messages.push(copy);
      }
    }
    return { failures, deliveries };
  }

  return { reader, ledger, queue, cursors, hubspot, mappings, log, deps, open, drain };
}

describe('a Buildium sync job, message by message', () => {
  it('queues a phase\'s pages once when several pages each send its start, and again only when the starting step itself is redelivered', async () => {
    // Prepare: run until the step that starts the leases is queued.
    const { queue, deps, open } = setup();
    await open('full', 2);
    let step: SyncMessage | undefined;
    for (let message = queue.take(); message; message = queue.take()) {
      if (message.kind === 'advance' && message.phase === 2) {
        step = message;
        break;
      }
      await handleSyncMessage(message, deps, `delivery-${Math.random()}`);
    }
    const leasePages = () => queue.messages.filter((m) => m.kind === 'page' && m.list === 'leases').length;
    // Act: the step as sent by the last page, then a copy another page sent (another message id).
    await handleSyncMessage(step!, deps, 'sent-by-page-A');
    const once = leasePages();
    await handleSyncMessage(structuredClone(step!), deps, 'sent-by-page-B');
    const afterCopy = leasePages();
    // The first one redelivered (it might have died before queueing): its pages again.
    await handleSyncMessage(step!, deps, 'sent-by-page-A');
    // Assess
    expect(once).toBe(1);
    expect(afterCopy).toBe(1);
    expect(leasePages()).toBe(2);
  });

  it('does not complete a job when two deliveries of one phase step race (the later one must not skip to the end)', async () => {
    // Prepare: run until the step that starts the leases phase is queued.
    const { ledger, queue, deps, open } = setup();
    await open('full', 2);
    for (let message = queue.take(); message; message = queue.take()) {
      if (message.kind === 'advance' && message.phase === 2) {
        // Act: SQS delivers it twice at once.
        await Promise.all([handleSyncMessage(message, deps), handleSyncMessage(structuredClone(message), deps)]);
        break;
      }
      await handleSyncMessage(message, deps);
    }
    // Assess: the lease pages are queued and the job waits for them.
    expect((await ledger.get(JOB))?.status).toBe('running');
    expect(queue.messages.filter((m) => m.kind === 'page' && m.list === 'leases').length).toBeGreaterThan(0);
    for (let message = queue.take(); message; message = queue.take()) await handleSyncMessage(message, deps);
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', counts: { processed: 11 } });
  });

  it('runs the phases in order and completes with every record counted once, moving the cursor to its start', async () => {
    // Prepare
    const { reader, ledger, cursors, hubspot, open, drain } = setup();
    const doneWhenRead: Array<{ list: string; done: string[] }> = [];
    reader.onPage = (list) => reader.reads[reader.reads.length - 1]!.limit > 1 && doneWhenRead.push({ list, done: ledger.pagesDone.map((m) => m.split('|')[1]!) });
    // Act
    await open('full', 2);
    await drain();
    // Assess
    const done = (phase: string) => ledger.pagesDone.map((m) => m.split('|')[1]!).filter((k) => k.startsWith(phase));
    const phase0 = done('0#');
    const phase1 = done('1#');
    expect(phase0).toEqual(['0#rentals#0', '0#rentals#1']);
    expect(phase1).toEqual(expect.arrayContaining(['1#tenants#0', '1#tenants#1', '1#units#0', '1#units#1']));
    // Units and tenants start once every listing exists; leases once every unit and tenant does.
    for (const read of doneWhenRead.filter((r) => r.list === 'units' || r.list === 'tenants')) expect(read.done).toEqual(expect.arrayContaining(phase0));
    for (const read of doneWhenRead.filter((r) => r.list === 'leases')) expect(read.done).toEqual(expect.arrayContaining([...phase0, ...phase1]));
    // Pages of 2, each from the previous page's last record: 2 rentals in 2 reads, 3 tenants in 3, 4 units in 4, 2 leases in 2.
    expect(doneWhenRead.map((r) => r.list).sort()).toEqual(['leases', 'leases', 'rentals', 'rentals', 'tenants', 'tenants', 'tenants', 'units', 'units', 'units', 'units']);
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', completedAt: NOW.toISOString(), counts: { processed: 11, created: 11, updated: 0, skipped: 0, failed: 0 } });
    expect(cursors.values.get(BUILDIUM_CURSOR)).toBe(NOW.toISOString());
    expect(hubspot.all(LISTING_OBJECT)).toHaveLength(2);
    expect(hubspot.all('contacts')).toHaveLength(4);
    expect(hubspot.all(UNIT_TYPE)).toHaveLength(4);
    expect(hubspot.associated(UNIT_TYPE, LISTING_OBJECT)).toHaveLength(4);
    expect(hubspot.associated('contacts', UNIT_TYPE, 'active_tenant')).toHaveLength(2);
    expect(hubspot.associated('contacts', UNIT_TYPE, 'inactive_tenant')).toHaveLength(1);
    expect(await ledger.errors(JOB)).toEqual([]);
  });

  it('leaves the counts and HubSpot as they were when every message is delivered twice', async () => {
    // Prepare
    const once = setup();
    await once.open('full', 2);
    await once.drain();
    const twice = setup();
    await twice.open('full', 2);
    // Act
    const { deliveries } = await twice.drain({ duplicates: true });
    // Assess
    expect(deliveries).toBeGreaterThan(2 * 8);
    expect(await twice.ledger.get(JOB)).toEqual(await once.ledger.get(JOB));
    expect(twice.hubspot.callsOf().map((c) => [c.method, c.objectType, c.inputs.length])).toEqual(once.hubspot.callsOf().map((c) => [c.method, c.objectType, c.inputs.length]));
    expect(twice.hubspot.all('contacts')).toHaveLength(4);
    expect(twice.cursors.values.get(BUILDIUM_CURSOR)).toBe(NOW.toISOString());
    expect(await twice.ledger.errors(JOB)).toEqual([]);
  });

  it('pages every listing by Id, each page read starting at the last record of the page before it', async () => {
    // Prepare
    const { reader, ledger, open, drain } = setup();
    reader.totals = false;
    // Act
    await open('full', 2);
    await drain();
    // Assess
    const offsets = (list: string) => reader.reads.filter((r) => r.list === list).map((r) => r.offset);
    expect(offsets('rentals')).toEqual([0, 1]);
    expect(offsets('tenants')).toEqual([0, 1, 2]);
    expect(offsets('units')).toEqual([0, 1, 2, 3]);
    expect(offsets('leases')).toEqual([0, 1]);
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', counts: { processed: 11, created: 11, failed: 0 } });
  });

  it('retries a page interrupted by HubSpot and completes without duplicate HubSpot objects', async () => {
    // Prepare
    const { hubspot, ledger, open, drain } = setup();
    hubspot.interrupt('upsert', 2);
    // Act
    await open('full', 2);
    const { failures } = await drain();
    // Assess
    expect(failures).toMatchObject([{ message: { kind: 'page', list: 'tenants', offset: 0 } }]);
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', counts: { processed: 11, created: 11, failed: 0 } });
    const emails = hubspot.all('contacts').map((c) => c.properties.email);
    expect(emails).toHaveLength(4);
    expect(new Set(emails).size).toBe(4);
    expect(hubspot.all(LISTING_OBJECT)).toHaveLength(2);
    expect(hubspot.all(UNIT_TYPE)).toHaveLength(4);
  });

  it('syncs the records a webhook names with what they depend on, and counts a redelivery once', async () => {
    // Prepare
    const { ledger, hubspot, mappings, queue, deps } = setup();
    await ledger.open('webhooks-2025-10-12', 'incremental');
    const message: SyncMessage = { kind: 'records', jobId: 'webhooks-2025-10-12', key: 'evt-1', refs: [{ list: 'leases', id: 500001 }] };
    // Act
    await handleSyncMessage(message, deps);
    await handleSyncMessage(message, deps);
    // Assess
    const unit = mappings.get('unit', 20001)!.hubspotId;
    const contacts = [100001, 100002].map((t) => mappings.get('tenant', t)!.hubspotId);
    expect(hubspot.associated('contacts', UNIT_TYPE, 'active_tenant')).toEqual(contacts.map((c) => `${c}|${unit}`).sort());
    expect(hubspot.associated(UNIT_TYPE, LISTING_OBJECT)).toEqual([`${unit}|${mappings.get('property', 1001)!.hubspotId}`]);
    // lease, its unit, the unit's rental, its two tenants
    expect(await ledger.get('webhooks-2025-10-12')).toMatchObject({ counts: { processed: 5, created: 5 } });
    expect(queue.messages).toEqual([]);
  });
});

describe('openJob', () => {
  it('opens an incremental job from the cursor minus the overlap to now, and reads Buildium in that window', async () => {
    // Prepare
    const { cursors, ledger, queue, reader, open, drain } = setup();
    await cursors.set(BUILDIUM_CURSOR, '2025-10-12T09:00:00.000Z');
    // Act
    const jobId = await open('incremental');
    // Assess
    expect(queue.messages).toEqual([{ kind: 'advance', jobId, phase: 0 }]);
    expect(await ledger.state(jobId)).toMatchObject({ mode: 'incremental', status: 'pending', windowFrom: '2025-10-12T08:58:00.000Z', windowTo: NOW.toISOString() });
    await drain();
    expect(new Set(reader.reads.map((r) => JSON.stringify(r.window)))).toEqual(new Set([JSON.stringify({ from: '2025-10-12T08:58:00.000Z', to: NOW.toISOString() })]));
  });

  it('opens a full job over everything, whatever the cursor says', async () => {
    // Prepare
    const { cursors, ledger, queue, open } = setup();
    await cursors.set(BUILDIUM_CURSOR, '2025-10-12T09:00:00.000Z');
    // Act
    const jobId = await open('full');
    // Assess
    const state = await ledger.state(jobId);
    expect(state).toMatchObject({ mode: 'full', windowTo: NOW.toISOString() });
    expect(state).not.toHaveProperty('windowFrom');
    expect(queue.messages).toEqual([{ kind: 'advance', jobId, phase: 0 }]);
  });
});

describe('Buildium webhook events', () => {
  const at = { EventDateTime: '2025-10-12T09:59:12.4310000Z', AccountId: 123456 };

  it.each([
    ['LeaseTenant.Updated', { TenantId: 100042 }, [{ list: 'tenants', id: 100042 }]],
    ['RentalUnit.Created', { UnitId: 20077 }, [{ list: 'units', id: 20077 }]],
    ['Rental.Updated', { PropertyId: 1023 }, [{ list: 'rentals', id: 1023 }]],
    ['Lease.Updated', { LeaseId: 500311 }, [{ list: 'leases', id: 500311 }]],
    ['Lease.Deleted', { LeaseId: 500311 }, []],
  ])('%s %o names %o', (EventName, ids, refs) => {
    expect(webhookRefs(BuildiumWebhookEventSchema.parse({ EventName, ...at, ...ids }))).toEqual(refs);
  });

  it('refuses an event that names no record, on EventName', () => {
    const result = BuildiumWebhookEventSchema.safeParse({ EventName: 'Rental.Updated', ...at });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toMatchObject([{ path: ['EventName'], message: expect.stringMatching(/PropertyId, UnitId, LeaseId or TenantId/) }]);
  });
});

describe('what becomes of a job whose records fail, or whose data moves under it (issue 14 §1)', () => {
  it('completes a job with a record HubSpot refuses (failed: 1, cursor moved, the error listed), and the next job retries that record and resolves its error', async () => {
    // Prepare: HubSpot refuses one tenant's email.
    const { reader, ledger, cursors, hubspot, mappings, queue, deps, open, drain } = setup();
    const refusedEmail = tenantMessage(100002).Email!;
    hubspot.refuse.set(refusedEmail, `VALIDATION_ERROR: Email address ${refusedEmail} is invalid`);
    // Act: the first job.
    await open('full', 2);
    await drain();
    // Assess: completed with the one failure, its cursor moved, the refusal listed with HubSpot's message.
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', counts: { processed: 11, failed: 1 } });
    expect(cursors.values.get(BUILDIUM_CURSOR)).toBe(NOW.toISOString());
    const tenantErrors = async (job: string) => (await ledger.errors(job)).filter((e) => e.entity === 'tenant');
    expect(await tenantErrors(JOB)).toEqual([expect.objectContaining({ sourceId: '100002', errorType: 'api_error', reason: expect.stringContaining('is invalid'), resolved: false })]);

    // Act: HubSpot takes it now; the next (incremental) job reads nothing new from Buildium.
    hubspot.refuse.clear();
    reader.count = async () => 0;
    const next = 'job-8b21';
    await openJob('incremental', { jobs: ledger, cursor: { get: () => cursors.get(BUILDIUM_CURSOR) }, queue, newId: () => next, now: () => NOW, pageSize: 2, overlapSeconds: 120 });
    await drain();
    // Assess: the next job retried the refused tenant; the first job's error is resolved.
    expect(mappings.get('tenant', 100002)?.hubspotId).toBeDefined();
    expect(hubspot.find('contacts', 'email', refusedEmail)).toBeDefined();
    expect(await ledger.get(next)).toMatchObject({ status: 'completed', counts: { failed: 0 } });
    expect(await tenantErrors(JOB)).toEqual([expect.objectContaining({ sourceId: '100002', resolved: true })]);
    expect(await ledger.errors(next)).toEqual([]);
    expect(await deps.jobs.heldForRetry()).toEqual([]);
  });

  it('neither skips nor repeats a record when records are deleted and created between two pages', async () => {
    // Prepare: 6 tenants, pages of 2; once the first page is read, one of its tenants is deleted
    // in Buildium and a new one is created.
    const tenants = [100001, 100002, 100003, 100004, 100005, 100006].map((id) => tenantMessage(id));
    const { reader, ledger, hubspot, open, drain } = setup({ tenants });
    let tenantReads = 0;
    reader.onPage = (list) => {
      // Page reads only (not the one-record reads that find where pages end).
      if (list !== 'tenants' || reader.reads[reader.reads.length - 1]!.limit === 1 || ++tenantReads !== 2) return;
      reader.lists.tenants = reader.lists.tenants.filter((t) => t.Id !== 100001);
      reader.lists.tenants.push(tenantMessage(100007));
    };
    // Act
    await open('full', 2);
    await drain();
    // Assess: every tenant written once: the deleted one (read before), the others, the new one.
    const upserted = hubspot.callsOf('upsert').filter((c) => c.objectType === 'contacts').flatMap((c) => c.inputs.map((i) => (i as { key: string }).key));
    const expected = [100001, 100002, 100003, 100004, 100005, 100006, 100007].map((id) => tenantMessage(id).Email!);
    expect(upserted.sort()).toEqual(expected.sort());
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', counts: { failed: 0 } });
  });

  it('hands a page back, unwritten and uncounted, rather than start HubSpot work that could outlast the invocation', async () => {
    // Prepare: run phase 0, then deliver a tenants page with 10 s left.
    const { ledger, queue, deps, open } = setup();
    await open('full', 2);
    let page: SyncMessage | undefined;
    for (let message = queue.take(); message; message = queue.take()) {
      if (message.kind === 'page' && message.list === 'tenants') {
        page = message;
        break;
      }
      await handleSyncMessage(message, deps);
    }
    const short: typeof deps = { ...deps, records: async () => ({ ...(await deps.records()), remainingMs: () => 10_000 }) };
    // Act
    const outcome = handleSyncMessage(page!, short);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(DeadlineError);
    expect(ledger.pagesDone.some((m) => m.includes('tenants'))).toBe(false);
    expect((await ledger.get(JOB))?.status).toBe('running');
    // With time, the same page completes the job.
    await handleSyncMessage(page!, deps);
    for (let message = queue.take(); message; message = queue.take()) await handleSyncMessage(message, deps);
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', counts: { processed: 11, failed: 0 } });
  });
});

describe('paging edges (Buildium pages of up to 1,000)', () => {
  it.each([0, 1, 1000, 1001])('syncs %i tenants in pages of 1,000, each page reading from the last record of the one before', async (n) => {
    // Prepare
    const { reader, ledger, hubspot, open, drain } = setup({ tenants: Array.from({ length: n }, (_, i) => tenantMessage(200001 + i)) });
    // Act
    await open('full', 1000);
    await drain();
    // Assess
    // Page reads (the one-record reads find where pages end).
    const tenantReads = reader.reads.filter((r) => r.list === 'tenants' && r.limit === 1000);
    expect(tenantReads.map((r) => r.offset)).toEqual(n === 0 ? [] : n < 1000 ? [0] : n === 1000 ? [0, 999] : [0, 999]);
    expect(await ledger.get(JOB)).toMatchObject({ status: 'completed', counts: { processed: n, created: n } });
    expect(hubspot.all('contacts')).toHaveLength(n);
  });
});
