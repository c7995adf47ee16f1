/**
 * Sync errors (seed 002 §4.1 `sync_errors`): one item per (job, entity, source id) with a retry
 * count and a resolved flag, listed by `GET /sync/jobs/{jobId}/errors`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { SyncErrorRecord } from '../core/buildium-ports.js';
import { expiresAfter, jobPk, queryPartition, TTL_SECONDS } from './sync-state-items.js';

const ErrorItem = z.object({
  jobId: z.string(),
  entity: z.string(),
  sourceId: z.string(),
  reason: z.string(),
  errorType: z.string().default('api_error'),
  retries: z.number(),
  resolved: z.boolean(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});
export type SyncError = z.infer<typeof ErrorItem>;

/** Errors a page writes at once: a page of 1,000 bad records is 1,000 small writes, a few at a time. */
const IN_FLIGHT = 25;

export class DynamoSyncErrors {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  async recordErrors(jobId: string, errors: readonly SyncErrorRecord[]): Promise<void> {
    for (let i = 0; i < errors.length; i += IN_FLIGHT) {
      await Promise.all(errors.slice(i, i + IN_FLIGHT).map((e) => this.recordError(jobId, e.entity, e.sourceId, e.reason, e.errorType)));
    }
  }

  /** Records (or counts again) a record's failure in a job; a repeat raises its retry count. */
  async recordError(jobId: string, entity: string, sourceId: string, reason: string, errorType: SyncErrorRecord['errorType'] = 'api_error'): Promise<void> {
    const at = this.now().toISOString();
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: jobPk(jobId), sk: `error#${entity}#${sourceId}` },
        UpdateExpression:
          'SET jobId = :j, entity = :e, sourceId = :id, reason = :r, errorType = :t, lastSeenAt = :at, resolved = :no, firstSeenAt = if_not_exists(firstSeenAt, :at), expiresAt = :exp ADD retries :one',
        ExpressionAttributeValues: { ':j': jobId, ':e': entity, ':id': sourceId, ':r': reason, ':t': errorType, ':at': at, ':no': false, ':one': 1, ':exp': expiresAfter(this.now(), TTL_SECONDS) },
      }),
    );
  }

  async resolveError(jobId: string, entity: string, sourceId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: jobPk(jobId), sk: `error#${entity}#${sourceId}` },
          UpdateExpression: 'SET resolved = :yes',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':yes': true },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async errors(jobId: string): Promise<SyncError[]> {
    return (await queryPartition(this.db, this.tableName, jobPk(jobId), 'error#')).map((item) => ErrorItem.parse(item));
  }
}
