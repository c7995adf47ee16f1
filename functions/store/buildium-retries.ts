/**
 * Records HubSpot refused, held for the next Buildium job to retry (sync-state `buildium-retry`):
 * one item per record naming the job that failed it, until a sync writes it.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RetryItem } from '../core/buildium-messages.js';
import { batchGetAll, batchWriteAll } from './batch.js';
import type { DynamoSyncErrors } from './sync-errors.js';
import { expiresAfter, queryPartition, TTL_SECONDS, type PutRequest } from './sync-state-items.js';

const RETRY_PK = 'buildium-retry';
const retryKey = (item: RetryItem) => ({ pk: RETRY_PK, sk: `${item.entity}#${item.sourceId}` });

export class DynamoBuildiumRetries {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
    private readonly errors: DynamoSyncErrors,
  ) {}

  /** The puts that hold records for the next job (written with the rest of a page's items). */
  holdRequests(jobId: string, items: readonly RetryItem[]): PutRequest[] {
    const at = this.now().toISOString();
    const unique = [...new Map(items.map((i) => [retryKey(i).sk, i])).values()];
    return unique.map((i) => ({ PutRequest: { Item: { ...retryKey(i), entity: i.entity, sourceId: i.sourceId, jobId, at, expiresAt: expiresAfter(this.now(), TTL_SECONDS) } } }));
  }

  async hold(jobId: string, items: readonly RetryItem[]): Promise<void> {
    await batchWriteAll(this.db, this.tableName, this.holdRequests(jobId, items));
  }

  async held(): Promise<Array<RetryItem & { jobId: string }>> {
    const items = await queryPartition(this.db, this.tableName, RETRY_PK, '');
    return items.sort((a, b) => String(a.at).localeCompare(String(b.at))).map((i) => ({ entity: String(i.entity), sourceId: String(i.sourceId), jobId: String(i.jobId) }));
  }

  /** Records a sync wrote: no longer held, and their errors in the job that held them resolved. */
  async release(items: readonly RetryItem[]): Promise<void> {
    if (items.length === 0) return;
    const held = await batchGetAll(this.db, this.tableName, items.map(retryKey));
    for (let i = 0; i < held.length; i += 25) {
      await Promise.all(held.slice(i, i + 25).map((h) => this.errors.resolveError(String(h.jobId), String(h.entity), String(h.sourceId))));
    }
    await batchWriteAll(this.db, this.tableName, held.map((h) => ({ DeleteRequest: { Key: { pk: h.pk, sk: h.sk } } })));
  }
}
