/**
 * Sync jobs and errors on DynamoDB Local (seed 002 §4.1, CONTRACT.md `GET /sync/jobs/{jobId}`):
 * counts added by pages in any order add up, the status only moves forward, an error repeated
 * raises its retry count and can be resolved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoSyncJobs } from '../../functions/store/sync-jobs.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

// A clock near the real one: records carry a TTL, and DynamoDB Local deletes expired ones.
const NOW = new Date();
let dynamo: DynamoDbLocal;
let jobs: DynamoSyncJobs;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  const client = localDynamoDbClient(dynamo.endpoint);
  const tables = await createTables(client, topologyFor('local').tables);
  jobs = new DynamoSyncJobs(createDocumentClient(client), tables['sync-state']!, () => NOW);
});

afterAll(async () => {
  await dynamo?.close();
});

describe('DynamoSyncJobs', () => {
  it('opens a job once, adds the counts of concurrent pages, and shows it in the contract\'s shape', async () => {
    expect(await jobs.open('job-1', 'incremental')).toBe(true);
    expect(await jobs.open('job-1', 'full')).toBe(false);
    await jobs.setStatus('job-1', 'running');
    const counts = { processed: 50, created: 10, updated: 5, skipped: 34, failed: 1, invalid: 0, duplicateEmails: 0 };
    await Promise.all(Array.from({ length: 20 }, (_, i) => jobs.finishPage('job-1', `records#${i}`, { counts, errors: [], hold: [], audit: [], reviews: [] }, { planned: false })));
    await jobs.setStatus('job-1', 'completed');
    expect(await jobs.get('job-1')).toEqual({
      jobId: 'job-1',
      mode: 'incremental',
      status: 'completed',
      startedAt: NOW.toISOString(),
      completedAt: NOW.toISOString(),
      counts: { processed: 1000, created: 200, updated: 100, skipped: 680, failed: 20 },
    });
    expect(await jobs.get('job-404')).toBeUndefined();
  });

  it('never moves a finished job back (a late "running" leaves "failed" or "completed")', async () => {
    await jobs.open('job-2', 'full');
    await jobs.setStatus('job-2', 'failed');
    await jobs.setStatus('job-2', 'running');
    expect((await jobs.get('job-2'))?.status).toBe('failed');
    // Its parked pages redriven and done: the failed job completes after all, and stays so.
    await jobs.setStatus('job-2', 'completed');
    await jobs.setStatus('job-2', 'running');
    await jobs.setStatus('job-2', 'failed');
    expect((await jobs.get('job-2'))?.status).toBe('completed');
  });

  it('keeps one error per record with its retry count, and a resolved flag', async () => {
    await jobs.open('job-3', 'incremental');
    await jobs.recordError('job-3', 'tenant', '5501', 'Valid email required');
    await jobs.recordError('job-3', 'tenant', '5501', 'Valid email required');
    await jobs.recordError('job-3', 'unit', '901', 'HubSpot 400: bedrooms must be a number');
    await jobs.resolveError('job-3', 'unit', '901');
    const errors = await jobs.errors('job-3');
    expect(errors.map((e) => [e.entity, e.sourceId, e.retries, e.resolved])).toEqual([
      ['tenant', '5501', 2, false],
      ['unit', '901', 1, true],
    ]);
    expect((await jobs.get('job-3'))?.counts.failed).toBe(0);
  });
  it('counts a chained page pending once however often it is linked, and answers the first link', async () => {
    await jobs.open('job-chain', 'full');
    await jobs.startPhase('job-chain', 0, { rentals: 1 }, 1);
    const first = await jobs.chainPage('job-chain', '0#rentals#after#0', { afterId: 1010, offset: 10 });
    // A redelivery that read other records meanwhile keeps the first answer.
    const again = await jobs.chainPage('job-chain', '0#rentals#after#0', { afterId: 1012, offset: 12 });
    expect(first).toEqual({ afterId: 1010, offset: 10 });
    expect(again).toEqual({ afterId: 1010, offset: 10 });
    expect((await jobs.state('job-chain'))?.pagesPending).toBe(2);
  });

  it('holds refused records for the next job and, once written, releases them and resolves their errors', async () => {
    await jobs.open('job-held', 'full');
    await jobs.recordErrors('job-held', [{ entity: 'tenant', sourceId: '100002', errorType: 'api_error', reason: 'HubSpot 400: invalid email' }]);
    await jobs.holdForRetry('job-held', [{ entity: 'tenant', sourceId: '100002' }, { entity: 'unit', sourceId: '20001' }]);
    expect(await jobs.heldForRetry()).toEqual(expect.arrayContaining([{ entity: 'tenant', sourceId: '100002', jobId: 'job-held' }, { entity: 'unit', sourceId: '20001', jobId: 'job-held' }]));
    await jobs.release([{ entity: 'tenant', sourceId: '100002' }]);
    expect(await jobs.heldForRetry()).toEqual([{ entity: 'unit', sourceId: '20001', jobId: 'job-held' }]);
    expect(await jobs.errors('job-held')).toEqual([expect.objectContaining({ sourceId: '100002', resolved: true })]);
  });
});
