/**
 * The Buildium sync's stores on DynamoDB Local: the job ledger its messages move a job along with
 * (phases, pages done once, data-quality counts, errors, audit, manual review), its entity
 * mappings (100 per transaction, conditional on the version read, the leases of a unit, email
 * claims) and its configuration item.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredSyncConfig } from '../../functions/core/buildium-config.js';
import type { AuditChange, MappingWrite, PageCounts, ReviewItem } from '../../functions/core/buildium-ports.js';
import { DynamoBuildiumConfig } from '../../functions/store/buildium-config.js';
import { DynamoBuildiumMappings } from '../../functions/store/buildium-mappings.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoSyncJobs } from '../../functions/store/sync-jobs.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

// A clock near the real one: jobs, page markers, errors and reviews carry a TTL, and DynamoDB
// Local deletes expired items.
const NOW = new Date();
const clock = () => NOW;
/** The Unit custom object's type as the portal names it. */
const UNIT_TYPE = 'p62515_unit';

let dynamo: DynamoDbLocal;
let jobs: DynamoSyncJobs;
let mappings: DynamoBuildiumMappings;
let config: DynamoBuildiumConfig;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  const client = localDynamoDbClient(dynamo.endpoint);
  const tables = await createTables(client, topologyFor('local').tables);
  const db = createDocumentClient(client);
  jobs = new DynamoSyncJobs(db, tables['sync-state']!, clock);
  mappings = new DynamoBuildiumMappings(db, tables.mappings!, clock);
  config = new DynamoBuildiumConfig(db, tables['sync-state']!, clock);
});

afterAll(async () => {
  await dynamo?.close();
});

const page = (counts: Partial<PageCounts> = {}): PageCounts => ({
  processed: 0,
  created: 0,
  updated: 0,
  skipped: 0,
  failed: 0,
  invalid: 0,
  duplicateEmails: 0,
  ...counts,
});

/** A page finished with nothing but its counts (and audit entries); answers whether it was counted. */
async function finish(jobId: string, pageKey: string, counts: PageCounts, options: { morePages?: number; planned?: boolean } = {}, audit: AuditChange[] = []): Promise<boolean> {
  const { counted } = await jobs.finishPage(jobId, pageKey, { counts, errors: [], hold: [], audit, reviews: [] }, { planned: options.planned ?? true, ...(options.morePages ? { morePages: options.morePages } : {}) });
  return counted;
}
const pageDone = async (jobId: string, pageKey: string) => (await jobs.pageStart(jobId, pageKey))?.done;

describe('DynamoSyncJobs as the Buildium job ledger', () => {
  it('opens a job at phase -1 with its window and page size, and starts phase 0 once', async () => {
    const jobId = randomUUID();
    const windowTo = NOW.toISOString();
    const windowFrom = new Date(NOW.getTime() - 3600_000 - 300_000).toISOString();
    expect(await jobs.open(jobId, 'incremental', { windowFrom, windowTo, pageSize: 500 })).toBe(true);
    expect(await jobs.state(jobId)).toEqual({
      jobId,
      mode: 'incremental',
      status: 'pending',
      phase: -1,
      pagesPending: 0,
      plan: {},
      windowFrom,
      windowTo,
      pageSize: 500,
      quality: { invalid: 0, duplicateEmails: 0 },
    });

    expect(await jobs.startPhase(jobId, 0, { rentals: 1, tenants: 2 }, 3)).toBe(true);
    expect(await jobs.startPhase(jobId, 0, { rentals: 1, tenants: 2 }, 3)).toBe(false);
    // Phase 2 cannot start before phase 1 (and phase 0 still has pages pending).
    expect(await jobs.startPhase(jobId, 2, { leases: 1 }, 1)).toBe(false);
    const state = await jobs.state(jobId);
    expect(state).toMatchObject({ phase: 0, pagesPending: 3, plan: { rentals: 1, tenants: 2 } });
    expect(await jobs.state(randomUUID())).toBeUndefined();
  });

  it('counts each page once, whichever order they finish in and however often they are redelivered', async () => {
    const jobId = randomUUID();
    await jobs.open(jobId, 'full', { windowTo: NOW.toISOString(), pageSize: 1000 });
    await jobs.setStatus(jobId, 'running');
    expect(await jobs.startPhase(jobId, 0, { rentals: 1, tenants: 2 }, 3)).toBe(true);

    expect(await finish(jobId, '0#tenants#1000', page({ processed: 400, created: 10, updated: 5, skipped: 380, failed: 5, invalid: 3, duplicateEmails: 2 }))).toBe(true);
    expect((await jobs.state(jobId))?.pagesPending).toBe(2);
    // The same page redelivered: not counted again.
    expect(await finish(jobId, '0#tenants#1000', page({ processed: 400, created: 10, updated: 5, skipped: 380, failed: 5, invalid: 3, duplicateEmails: 2 }))).toBe(false);
    expect((await jobs.state(jobId))?.pagesPending).toBe(2);

    // Two consumers finishing the same page at once: one of them counts it.
    const tenants = page({ processed: 1000, created: 100, updated: 50, skipped: 846, failed: 4, invalid: 4, duplicateEmails: 0 });
    const raced = await Promise.all([finish(jobId, '0#tenants#0', tenants), finish(jobId, '0#tenants#0', tenants)]);
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect((await jobs.state(jobId))?.pagesPending).toBe(1);

    expect(await finish(jobId, '0#rentals#0', page({ processed: 120, created: 2, updated: 1, skipped: 117 }))).toBe(true);
    const state = await jobs.state(jobId);
    expect(state).toMatchObject({ phase: 0, pagesPending: 0, status: 'running', quality: { invalid: 7, duplicateEmails: 2 } });
    expect((await jobs.get(jobId))?.counts).toEqual({ processed: 1520, created: 112, updated: 56, skipped: 1343, failed: 9 });

    // Phase 0 done: phase 1 may start now, once.
    expect(await jobs.startPhase(jobId, 1, { units: 1 }, 1)).toBe(true);
    expect(await jobs.startPhase(jobId, 1, { units: 1 }, 1)).toBe(false);
  });

  it('keeps the pending pages when a page queues its successor, and when records are not a planned page', async () => {
    const jobId = randomUUID();
    await jobs.open(jobId, 'full', { windowTo: NOW.toISOString(), pageSize: 1000 });
    expect(await jobs.startPhase(jobId, 0, { rentals: 1, tenants: 1 }, 2, 'msg-7c1e')).toBe(true);
    expect((await jobs.state(jobId))?.startedBy).toBe('msg-7c1e');
    expect(await pageDone(jobId, '0#tenants#0')).toBe(false);

    // Buildium sent no X-Total-Count and the page was full: it queues the next page in its place.
    expect(await finish(jobId, '0#tenants#0', page({ processed: 1000, updated: 1000 }), { morePages: 1 })).toBe(true);
    expect(await pageDone(jobId, '0#tenants#0')).toBe(true);
    expect((await jobs.state(jobId))?.pagesPending).toBe(2);
    // Records from a webhook or a resolved review: counted, never a pending page.
    expect(await finish(jobId, 'records#3f6c2a9e', page({ processed: 1, updated: 1 }), { planned: false })).toBe(true);
    expect(await finish(jobId, 'records#3f6c2a9e', page({ processed: 1, updated: 1 }), { planned: false })).toBe(false);
    expect((await jobs.state(jobId))?.pagesPending).toBe(2);

    await finish(jobId, '0#tenants#1000', page({ processed: 12, created: 12 }));
    await finish(jobId, '0#rentals#0', page({ processed: 40, skipped: 40 }));
    expect((await jobs.state(jobId))?.pagesPending).toBe(0);
    expect((await jobs.get(jobId))?.counts).toEqual({ processed: 1053, created: 12, updated: 1001, skipped: 40, failed: 0 });
  });

  it('lists errors with their type and retry count, and round-trips audit entries', async () => {
    const jobId = randomUUID();
    await jobs.open(jobId, 'incremental', { windowTo: NOW.toISOString(), pageSize: 1000 });
    await jobs.recordErrors(jobId, [
      { entity: 'tenant', sourceId: '5501', errorType: 'validation_error', reason: 'email: Valid email required' },
      { entity: 'lease', sourceId: '7120', errorType: 'mapping_error', reason: 'not in HubSpot yet: tenant 5501; associated once they are' },
    ]);
    await jobs.recordErrors(jobId, [{ entity: 'tenant', sourceId: '5501', errorType: 'validation_error', reason: 'email: Valid email required' }]);
    const errors = await jobs.errors(jobId);
    expect(errors.map((e) => ({ entity: e.entity, sourceId: e.sourceId, errorType: e.errorType, retries: e.retries, resolved: e.resolved, reason: e.reason }))).toEqual([
      { entity: 'lease', sourceId: '7120', errorType: 'mapping_error', retries: 1, resolved: false, reason: 'not in HubSpot yet: tenant 5501; associated once they are' },
      { entity: 'tenant', sourceId: '5501', errorType: 'validation_error', retries: 2, resolved: false, reason: 'email: Valid email required' },
    ]);
    expect(errors.every((e) => e.jobId === jobId && e.firstSeenAt === NOW.toISOString() && e.lastSeenAt === NOW.toISOString())).toBe(true);

    const tenantsPage: AuditChange[] = [
      { entity: 'tenant', sourceId: '5502', action: 'create', hubspotId: '90210001', fields: ['email', 'firstname', 'lastname'] },
      { entity: 'tenant', sourceId: '5503', action: 'update', hubspotId: '90210002', fields: ['phone'] },
    ];
    const leasesPage: AuditChange[] = [{ entity: 'lease', sourceId: '7121', action: 'associate', hubspotId: '31400901', fields: ['active_tenant'] }];
    await finish(jobId, '0#tenants#0', page(), {}, tenantsPage);
    await finish(jobId, '2#leases#0', page(), {}, leasesPage);
    expect(await jobs.auditEntries(jobId)).toEqual([...tenantsPage, ...leasesPage]);
    expect(await jobs.auditEntries(randomUUID())).toEqual([]);
  });

  it('lists manual reviews and resolves each one once', async () => {
    const jobId = randomUUID();
    const items: ReviewItem[] = [
      { entity: 'tenant', sourceId: '6601', hubspotType: 'contacts', hubspotId: '90210101', fields: ['phone', 'email'] },
      { entity: 'unit', sourceId: '9901', hubspotType: UNIT_TYPE, hubspotId: '31400991', fields: ['bedrooms'] },
    ];
    await jobs.review(jobId, items);
    const open = (await jobs.reviews()).filter((r) => r.jobId === jobId);
    expect(open).toEqual(
      expect.arrayContaining(items.map((item) => ({ ...item, jobId, status: 'open', at: NOW.toISOString() }))),
    );
    expect(open).toHaveLength(2);

    expect(await jobs.resolveReview('tenant', '6601', 'hubspot')).toBe(true);
    expect(await jobs.resolveReview('tenant', '6601', 'buildium')).toBe(false);
    expect(await jobs.resolveReview('tenant', '404404', 'buildium')).toBe(false);
    const after = (await jobs.reviews()).filter((r) => r.jobId === jobId);
    expect(after.find((r) => r.sourceId === '6601')).toMatchObject({ status: 'resolved', resolution: 'hubspot' });
    expect(after.find((r) => r.sourceId === '9901')).toMatchObject({ status: 'open' });
    expect(after.find((r) => r.sourceId === '9901')).not.toHaveProperty('resolution');
  });
});

describe('DynamoBuildiumMappings', () => {
  const tenantWrite = (id: number, expectedVersion = 0, syncHash = `h${id}`): MappingWrite => ({
    sourceId: String(id),
    hubspotType: 'contacts',
    hubspotId: String(90_300_000 + id),
    syncHash,
    extra: { fields: { email: 'a1b2c3d4', firstname: `f${id}` } },
    expectedVersion,
  });

  it('writes 150 new mappings in two transactions and reads them back at version 1', async () => {
    const writes = Array.from({ length: 150 }, (_, i) => tenantWrite(10_000 + i));
    expect(await mappings.putMany('tenant', writes)).toEqual([]);
    const found = await mappings.getMany('tenant', [...writes.map((w) => w.sourceId), '404404']);
    expect(found.size).toBe(150);
    for (const w of writes) {
      expect(found.get(w.sourceId)).toEqual({ sourceId: w.sourceId, hubspotType: 'contacts', hubspotId: w.hubspotId, syncHash: w.syncHash, version: 1, extra: w.extra });
    }
    // Another type with the same source ids is another mapping.
    expect((await mappings.getMany('emergency-contact', ['10000'])).size).toBe(0);
  });

  it('reports only the stale write of a batch and writes the others', async () => {
    const ids = [20_001, 20_002, 20_003, 20_004];
    expect(await mappings.putMany('tenant', ids.map((id) => tenantWrite(id)))).toEqual([]);
    // Someone else updated 20003 since it was read at version 1.
    expect(await mappings.putMany('tenant', [tenantWrite(20_003, 1, 'theirs')])).toEqual([]);

    const stale = await mappings.putMany('tenant', [
      tenantWrite(20_001, 1, 'mine'),
      tenantWrite(20_002, 1, 'mine'),
      tenantWrite(20_003, 1, 'mine'),
      tenantWrite(20_004, 1, 'mine'),
      tenantWrite(20_005, 0, 'mine'),
    ]);
    expect(stale).toEqual(['20003']);
    const found = await mappings.getMany('tenant', [...ids, 20_005].map(String));
    expect([...found.values()].map((m) => [m.sourceId, m.syncHash, m.version]).sort()).toEqual([
      ['20001', 'mine', 2],
      ['20002', 'mine', 2],
      ['20003', 'theirs', 2],
      ['20004', 'mine', 2],
      ['20005', 'mine', 1],
    ]);
  });

  it('finds the leases of a unit, and only leases', async () => {
    const unitId = '31400777';
    const lease = (leaseId: string, unit: string, label: 'active_tenant' | 'inactive_tenant', contactId: string): MappingWrite => ({
      sourceId: leaseId,
      hubspotType: UNIT_TYPE,
      hubspotId: unit,
      syncHash: `lease-${leaseId}`,
      extra: { pairs: [{ contactId, unitId: unit, label }] },
      expectedVersion: 0,
    });
    await mappings.putMany('lease', [
      lease('7301', unitId, 'inactive_tenant', '90210301'),
      lease('7302', unitId, 'active_tenant', '90210302'),
      lease('7303', '31400778', 'active_tenant', '90210303'),
    ]);
    // The unit's own mapping points at the same HubSpot object.
    await mappings.putMany('unit', [{ sourceId: '777', hubspotType: UNIT_TYPE, hubspotId: unitId, syncHash: 'u777', extra: { linkedTo: '31500077' }, expectedVersion: 0 }]);

    const leases = await mappings.byHubSpotObject('lease', UNIT_TYPE, unitId);
    expect(leases.sort((a, b) => a.sourceId.localeCompare(b.sourceId))).toEqual([
      { sourceId: '7301', hubspotType: UNIT_TYPE, hubspotId: unitId, syncHash: 'lease-7301', version: 1, extra: { pairs: [{ contactId: '90210301', unitId, label: 'inactive_tenant' }] } },
      { sourceId: '7302', hubspotType: UNIT_TYPE, hubspotId: unitId, syncHash: 'lease-7302', version: 1, extra: { pairs: [{ contactId: '90210302', unitId, label: 'active_tenant' }] } },
    ]);
    expect((await mappings.byHubSpotObject('unit', UNIT_TYPE, unitId)).map((m) => m.sourceId)).toEqual(['777']);
    expect(await mappings.byHubSpotObject('lease', 'contacts', unitId)).toEqual([]);
  });

  it('gives a tenant email to its first claimant, also when two claim it at once', async () => {
    const email = 'maria.lopez@example.com';
    expect(await mappings.claim('tenant-email', [{ key: email, owner: '5501' }])).toEqual(new Map([[email, '5501']]));
    expect(await mappings.claim('tenant-email', [{ key: email, owner: '5599' }])).toEqual(new Map([[email, '5501']]));
    expect(await mappings.claim('tenant-email', [{ key: email, owner: '5501' }])).toEqual(new Map([[email, '5501']]));

    // A batch mixing a taken email and a free one.
    const free = 'j.okafor@example.com';
    expect(await mappings.claim('tenant-email', [{ key: email, owner: '5600' }, { key: free, owner: '5600' }])).toEqual(
      new Map([[email, '5501'], [free, '5600']]),
    );

    const raced = 'sam.reyes@example.com';
    const [a, b] = await Promise.all([
      mappings.claim('tenant-email', [{ key: raced, owner: '5701' }]),
      mappings.claim('tenant-email', [{ key: raced, owner: '5702' }]),
    ]);
    const winner = a.get(raced);
    expect(['5701', '5702']).toContain(winner);
    expect(b.get(raced)).toBe(winner);
    expect((await mappings.getMany('tenant-email', [raced])).get(raced)?.hubspotId).toBe(winner);
  });
});

describe('DynamoBuildiumConfig', () => {
  it('has no configuration until one is stored, then returns it', async () => {
    expect(await config.get()).toBeUndefined();
    const stored: StoredSyncConfig = {
      overrides: [
        { entity: 'tenant', source: 'PhoneNumbers[0].Number', property: 'mobilephone', active: true },
        { entity: 'unit', source: 'MarketRent', property: 'buildium_market_rent', active: false },
      ],
      conflictStrategy: 'merge_fields',
      mergeFields: { phone: 'target', email: 'source' },
    };
    await config.put(stored);
    expect(await config.get()).toEqual(stored);
  });
});
