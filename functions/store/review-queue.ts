/**
 * Manual review (conflict strategy `manual_review`, seed 002 §5.2): one open item per record,
 * listed by `GET /sync/buildium/reviews` and resolved for one side.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReviewItem } from '../core/buildium-ports.js';
import { batchWriteAll } from './batch.js';
import { expiresAfter, queryPartition, TTL_SECONDS, type PutRequest } from './sync-state-items.js';

const REVIEW_PK = 'buildium-review';

export type StoredReview = ReviewItem & { jobId: string; status: string; at: string; resolution?: string };

export class DynamoReviewQueue {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  /** The puts that open reviews (written with the rest of a page's items). */
  openRequests(jobId: string, items: readonly ReviewItem[]): PutRequest[] {
    const at = this.now().toISOString();
    return items.map((item) => ({ PutRequest: { Item: { pk: REVIEW_PK, sk: `${item.entity}#${item.sourceId}`, ...item, jobId, status: 'open', at, expiresAt: expiresAfter(this.now(), TTL_SECONDS) } } }));
  }

  async open(jobId: string, items: readonly ReviewItem[]): Promise<void> {
    await batchWriteAll(this.db, this.tableName, this.openRequests(jobId, items));
  }

  async list(): Promise<StoredReview[]> {
    return (await queryPartition(this.db, this.tableName, REVIEW_PK, '')).map((i) => ({
      entity: i.entity,
      sourceId: i.sourceId,
      hubspotType: i.hubspotType,
      hubspotId: i.hubspotId,
      fields: i.fields,
      jobId: i.jobId,
      status: i.status,
      at: i.at,
      ...(i.resolution ? { resolution: i.resolution } : {}),
    }));
  }

  /** Marks an open review resolved; false when there is no open review for the record. */
  async resolve(entity: string, sourceId: string, resolution: 'buildium' | 'hubspot'): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: REVIEW_PK, sk: `${entity}#${sourceId}` },
          UpdateExpression: 'SET #s = :resolved, resolution = :r, resolvedAt = :at',
          ConditionExpression: '#s = :open',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':resolved': 'resolved', ':r': resolution, ':at': this.now().toISOString(), ':open': 'open' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
