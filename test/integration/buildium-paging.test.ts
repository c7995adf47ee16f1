/**
 * Paging a Buildium listing through the Buildium sandbox while its records change (issue 14 §1):
 * a tenant deleted and another created between two pages of one job; every tenant is synced once,
 * none skipped, none twice. (Buildium pages by offset only; core/buildium-paging.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildiumReader } from '../../functions/buildium-sync/handler.js';
import { BuildiumClient } from '../../functions/connectors/buildium/client.js';
import { handleSyncMessage, openJob, type JobDeps } from '../../functions/core/buildium-jobs.js';
import { BUILDIUM_CURSOR } from '../../functions/core/buildium-messages.js';
import { startBuildiumSandbox, type BuildiumSandbox } from '../../lib/local/sandboxes/buildium/index.js';
import { FakeHubSpotObjects, InMemoryBuildiumMappings, InMemoryCursors, InMemoryJobLedger, RecordingSyncQueue } from '../unit/support/buildium-fakes.js';
import { RecordingLog } from '../unit/support/fakes.js';

const CLIENT_ID = 'bld_client_paging_4c1d';
const SECRET = 'bld_secret_paging_77ab0';
const JOB = 'job-paging';

let sandbox: BuildiumSandbox;
beforeAll(async () => {
  sandbox = await startBuildiumSandbox({ clientId: CLIENT_ID, clientSecret: SECRET, rateLimit: false, seed: { properties: 2, unitsPerProperty: 2, tenants: 30, leases: 0 } });
});
afterAll(() => sandbox?.close());

describe('a Buildium job paging tenants while they change', () => {
  it('syncs every tenant once when one is deleted and one created between two pages', async () => {
    // Prepare: pages of 10; once the first tenants page is read, the first tenant is deleted and a tenant created.
    const client = new BuildiumClient({ baseUrl: sandbox.url, clientId: async () => CLIENT_ID, clientSecret: async () => SECRET });
    const reader = buildiumReader(client);
    const initial = (await client.page('tenants', { offset: 0, pageSize: 1000 })).records.map((t) => t.Id);
    let tenantPages = 0;
    let created: number | undefined;
    const changing: typeof reader = {
      ...reader,
      async page(list, offset, limit, window) {
        const records = await reader.page(list, offset, limit, window);
        // After the first page read (not the one-record reads that find where pages end).
        if (list === 'tenants' && limit > 1 && ++tenantPages === 1) {
          sandbox.deleteTenant(initial[0]!);
          created = sandbox.addTenant({}).Id;
        }
        return records;
      },
    };
    const ledger = new InMemoryJobLedger(() => new Date());
    const queue = new RecordingSyncQueue();
    const cursors = new InMemoryCursors();
    const hubspot = new FakeHubSpotObjects();
    const deps: JobDeps = {
      reader: changing,
      jobs: ledger,
      queue,
      cursor: { set: (value) => cursors.set(BUILDIUM_CURSOR, value) },
      records: async () => ({ hubspot, mappings: new InMemoryBuildiumMappings(), unitObjectType: 'p1_unit', config: { overrides: [], conflictStrategy: 'buildium_wins', mergeFields: {} } }),
      log: new RecordingLog(),
    };
    // Act
    await openJob('full', { jobs: ledger, cursor: { get: () => cursors.get(BUILDIUM_CURSOR) }, queue, newId: () => JOB, now: () => new Date(), pageSize: 10, overlapSeconds: 120 });
    for (let message = queue.take(); message; message = queue.take()) await handleSyncMessage(message, deps);
    // Assess: the 30 tenants (the deleted one was read before it went) and the new one, each once.
    expect(created).toBeDefined();
    const upserts = hubspot.callsOf('upsert').filter((c) => c.objectType === 'contacts').flatMap((c) => c.inputs.map((i) => (i as { key: string }).key));
    expect(new Set(upserts).size).toBe(upserts.length);
    const job = await ledger.get(JOB);
    expect(job).toMatchObject({ status: 'completed' });
    // 2 rentals + 4 units + 31 tenants.
    expect(job!.counts.processed).toBe(2 + 4 + 31);
  });
});
