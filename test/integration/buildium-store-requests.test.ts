/**
 * What one Buildium page costs the store (issue 14 §2, §3): a page of 100 new tenants, synced
 * through the job core with the real stores on DynamoDB Local, every DynamoDB request counted by a
 * middleware on the client. The page reads the job once and writes its end once; its mappings are
 * one BatchGetItem, its email claims one transaction, its mapping writes BatchWriteItems of 25.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleSyncMessage, openJob, type JobDeps } from '../../functions/core/buildium-jobs.js';
import type { SyncMessage } from '../../functions/core/buildium-messages.js';
import { DynamoBuildiumMappings } from '../../functions/store/buildium-mappings.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoSyncJobs } from '../../functions/store/sync-jobs.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';
import { FakeBuildiumReader, FakeHubSpotObjects, RecordingSyncQueue, tenantMessage } from '../unit/support/buildium-fakes.js';
import { RecordingLog } from '../unit/support/fakes.js';

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let tables: Record<string, string>;
/** Requests by `Command table`, while counting. */
const requests = new Map<string, number>();
let counting = false;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  client = localDynamoDbClient(dynamo.endpoint);
  tables = await createTables(client, topologyFor('local').tables);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (counting) {
        const input = args.input as { TableName?: string; RequestItems?: Record<string, unknown>; TransactItems?: Array<Record<string, { TableName: string }>> };
        const table = input.TableName ?? Object.keys(input.RequestItems ?? {})[0] ?? Object.values(input.TransactItems?.[0] ?? {})[0]?.TableName ?? '?';
        const key = `${context.commandName} ${table}`;
        requests.set(key, (requests.get(key) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
}, 60_000);

afterAll(async () => {
  await dynamo?.close();
});

describe('a page of 100 new Buildium tenants', () => {
  it('reads the job once and makes at most 9 DynamoDB requests in all', async () => {
    // Prepare: a job whose phase 1 is one page of 100 tenants (no rentals, units or leases).
    const db = createDocumentClient(client);
    const jobs = new DynamoSyncJobs(db, tables['sync-state']!);
    const queue = new RecordingSyncQueue();
    const deps: JobDeps = {
      reader: new FakeBuildiumReader({ tenants: Array.from({ length: 100 }, (_, i) => tenantMessage(300_001 + i)) }),
      jobs,
      queue,
      cursor: { set: async () => undefined },
      records: async () => ({ hubspot: new FakeHubSpotObjects(), mappings: new DynamoBuildiumMappings(db, tables.mappings!), unitObjectType: 'p1_unit', config: { overrides: [], conflictStrategy: 'buildium_wins', mergeFields: {} } }),
      log: new RecordingLog(),
    };
    const jobId = await openJob('full', { jobs, cursor: { get: async () => undefined }, queue, newId: randomUUID, now: () => new Date(), pageSize: 1000, overlapSeconds: 120 });
    await handleSyncMessage(queue.take()!, deps);
    const page = queue.take() as Extract<SyncMessage, { kind: 'page' }>;
    expect(page).toMatchObject({ kind: 'page', list: 'tenants' });

    // Act
    counting = true;
    const outcome = await handleSyncMessage(page, deps);
    counting = false;

    // Assess: the page synced, its phase ended, and what it cost.
    expect(outcome.report).toMatchObject({ processed: 100, created: 100, failed: 0 });
    expect(queue.take()).toEqual({ kind: 'advance', jobId, phase: 2 });
    const state = tables['sync-state']!;
    const mappings = tables.mappings!;
    const jobReads = (requests.get(`BatchGetItemCommand ${state}`) ?? 0) + (requests.get(`GetItemCommand ${state}`) ?? 0) + (requests.get(`QueryCommand ${state}`) ?? 0);
    expect(jobReads).toBe(1);
    expect(requests.get(`BatchGetItemCommand ${mappings}`)).toBe(1);
    expect(requests.get(`TransactWriteItemsCommand ${mappings}`)).toBe(1);
    expect(requests.get(`BatchWriteItemCommand ${mappings}`)).toBe(4);
    const total = [...requests.values()].reduce((a, b) => a + b, 0);
    expect(total, JSON.stringify(Object.fromEntries(requests))).toBeLessThanOrEqual(9);
    expect((await jobs.get(jobId))?.counts).toMatchObject({ processed: 100, created: 100 });
  });
});
