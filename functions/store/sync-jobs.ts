/**
 * Sync jobs and sync errors (seed 002 §4.1 `sync_jobs`, `sync_errors`; CONTRACT.md
 * `GET /sync/jobs/{jobId}`) in the sync-state table.
 *
 * A job's counts are added atomically by each page's consumer (DynamoDB ADD), so pages finishing
 * in any order, or twice, never lose a count; its status only moves forward
 * (pending → running → completed | failed). A sync error is one item per (job, entity, source id)
 * with a retry count and a resolved flag. Both expire after 90 days.
 *
 * Not wired yet: issue 5's scheduler and consumers write them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobMode = 'incremental' | 'full';
export const COUNT_NAMES = ['processed', 'created', 'updated', 'skipped', 'failed'] as const;
export type JobCounts = Record<(typeof COUNT_NAMES)[number], number>;

const TTL_SECONDS = 90 * 24 * 3600;
const jobKey = (jobId: string) => ({ pk: `sync-job#${jobId}`, sk: 'job' });

const JobItem = z.object({
  jobId: z.string(),
  mode: z.enum(['incremental', 'full']),
  status: z.enum(JOB_STATUSES),
  startedAt: z.string(),
  completedAt: z.string().optional(),
  processed: z.number().default(0),
  created: z.number().default(0),
  updated: z.number().default(0),
  skipped: z.number().default(0),
  failed: z.number().default(0),
});

/** The job as `GET /sync/jobs/{jobId}` shows it (CONTRACT.md). */
export interface JobView {
  readonly jobId: string;
  readonly mode: JobMode;
  readonly status: JobStatus;
  readonly startedAt: string;
  readonly completedAt: string | null;
  readonly counts: JobCounts;
}

const ErrorItem = z.object({
  jobId: z.string(),
  entity: z.string(),
  sourceId: z.string(),
  reason: z.string(),
  retries: z.number(),
  resolved: z.boolean(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
});
export type SyncError = z.infer<typeof ErrorItem>;

export class DynamoSyncJobs {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private expiresAt(): number {
    return Math.floor(this.now().getTime() / 1000) + TTL_SECONDS;
  }

  /** Opens a job (pending); false when the id is taken. */
  async open(jobId: string, mode: JobMode): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...jobKey(jobId), jobId, mode, status: 'pending', startedAt: this.now().toISOString(), expiresAt: this.expiresAt(), ...zeroCounts() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Moves the status forward only (a late "running" never undoes "completed"). */
  async setStatus(jobId: string, status: Exclude<JobStatus, 'pending'>): Promise<void> {
    const allowedFrom: Record<Exclude<JobStatus, 'pending'>, JobStatus[]> = {
      running: ['pending'],
      completed: ['pending', 'running'],
      failed: ['pending', 'running'],
    };
    const from = allowedFrom[status];
    const finished = status !== 'running';
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: `SET #s = :s${finished ? ', completedAt = :at' : ''}`,
          ConditionExpression: `attribute_exists(pk) AND #s IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':s': status,
            ...(finished ? { ':at': this.now().toISOString() } : {}),
            ...Object.fromEntries(from.map((f, i) => [`:f${i}`, f])),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Adds a page's counts to the job, atomically. */
  async addCounts(jobId: string, counts: Partial<JobCounts>): Promise<void> {
    const names = COUNT_NAMES.filter((n) => (counts[n] ?? 0) !== 0);
    if (names.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: jobKey(jobId),
        UpdateExpression: `ADD ${names.map((n) => `#${n} :${n}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n) => [`:${n}`, counts[n]])),
      }),
    );
  }

  async get(jobId: string): Promise<JobView | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    if (!Item) return undefined;
    const item = JobItem.parse(Item);
    return {
      jobId: item.jobId,
      mode: item.mode,
      status: item.status,
      startedAt: item.startedAt,
      completedAt: item.completedAt ?? null,
      counts: { processed: item.processed, created: item.created, updated: item.updated, skipped: item.skipped, failed: item.failed },
    };
  }

  /** Records (or counts again) a record's failure in a job; a repeat raises its retry count. */
  async recordError(jobId: string, entity: string, sourceId: string, reason: string): Promise<void> {
    const at = this.now().toISOString();
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `sync-job#${jobId}`, sk: `error#${entity}#${sourceId}` },
        UpdateExpression:
          'SET jobId = :j, entity = :e, sourceId = :id, reason = :r, lastSeenAt = :at, resolved = :no, firstSeenAt = if_not_exists(firstSeenAt, :at), expiresAt = :exp ADD retries :one',
        ExpressionAttributeValues: { ':j': jobId, ':e': entity, ':id': sourceId, ':r': reason, ':at': at, ':no': false, ':one': 1, ':exp': this.expiresAt() },
      }),
    );
  }

  async resolveError(jobId: string, entity: string, sourceId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `sync-job#${jobId}`, sk: `error#${entity}#${sourceId}` },
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
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :error)',
        ExpressionAttributeValues: { ':pk': `sync-job#${jobId}`, ':error': 'error#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((item) => ErrorItem.parse(item));
  }
}

function zeroCounts(): JobCounts {
  return { processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 };
}
