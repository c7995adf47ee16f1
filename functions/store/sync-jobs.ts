/**
 * Sync jobs (seed 002 §4.1 `sync_jobs`; CONTRACT.md `GET /sync/jobs/{jobId}`) in the sync-state
 * table: the job ledger the Buildium sync's messages move a job along with (core/buildium-jobs.ts).
 * Beside them, in their own modules: errors (store/sync-errors.ts), records held for retry
 * (store/buildium-retries.ts), manual reviews (store/review-queue.ts) and the audit
 * (store/sync-audit.ts).
 *
 * A page is read once (`pageStart`: the job and the page's marker, one BatchGetItem) and finished
 * with one write of its counts: a planned page's key is added to the job's `pagesDone` set by the
 * same conditional UpdateItem that adds its counts and takes it off the phase's pending pages, and
 * that answers the job as it is after the page. So pages finishing in any order, or twice, never
 * lose or double a count. (Named records of a webhook, counted on a day's job, keep a marker item
 * each: a day's webhooks are too many for one item.) The status only moves forward (pending →
 * running → completed | failed), except that a failed job completes when its parked pages are
 * redriven and finish. A chained page records where the next one starts (`link#…`, with the next
 * page counted pending in the same transaction). Jobs and markers expire after 90 days.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { JobLedger, PageWrite } from '../core/buildium-jobs.js';
import type { JobMode, JobState, JobStatus, Plan, RetryItem } from '../core/buildium-messages.js';
import type { AuditChange, PageCounts, ReviewItem, SyncErrorRecord } from '../core/buildium-ports.js';
import { batchGetAll, batchWriteAll } from './batch.js';
import { DynamoBuildiumRetries } from './buildium-retries.js';
import { DynamoReviewQueue, type StoredReview } from './review-queue.js';
import { DynamoSyncAudit } from './sync-audit.js';
import { DynamoSyncErrors, type SyncError } from './sync-errors.js';
import { expiresAfter, jobPk, TTL_SECONDS } from './sync-state-items.js';

export type { SyncError } from './sync-errors.js';
export type { JobMode, JobStatus } from '../core/buildium-messages.js';

const JOB_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
const COUNT_NAMES = ['processed', 'created', 'updated', 'skipped', 'failed'] as const;
export type JobCounts = Record<(typeof COUNT_NAMES)[number], number>;
/** Data-quality counts a job keeps beside the contract's five (seed 002 §5.3). */
const QUALITY_NAMES = ['invalid', 'duplicateEmails'] as const;

const jobKey = (jobId: string) => ({ pk: jobPk(jobId), sk: 'job' });
const markerKey = (jobId: string, pageKey: string) => ({ pk: jobPk(jobId), sk: `page#${pageKey}` });

const JobItem = z.object({
  jobId: z.string(),
  mode: z.enum(['incremental', 'full']),
  status: z.enum(JOB_STATUSES),
  startedAt: z.string(),
  completedAt: z.string().optional(),
  /** Why a failed job failed (a misconfiguration, a page that ran out of retries). */
  reason: z.string().optional(),
  processed: z.number().default(0),
  created: z.number().default(0),
  updated: z.number().default(0),
  skipped: z.number().default(0),
  failed: z.number().default(0),
  invalid: z.number().default(0),
  duplicateEmails: z.number().default(0),
  phase: z.number().default(-1),
  pagesPending: z.number().default(0),
  /** The planned pages done (their keys). */
  pagesDone: z.set(z.string()).optional(),
  plan: z.record(z.string(), z.number()).default({}),
  windowFrom: z.string().optional(),
  windowTo: z.string().optional(),
  pageSize: z.number().default(1000),
  startedBy: z.string().optional(),
});
type JobItem = z.infer<typeof JobItem>;

/** The job as `GET /sync/jobs/{jobId}` shows it (CONTRACT.md). */
export interface JobView {
  readonly jobId: string;
  readonly mode: JobMode;
  readonly status: JobStatus;
  readonly startedAt: string;
  readonly completedAt: string | null;
  readonly counts: JobCounts;
  /** Present on a failed job: why, in words an operator can act on (never personal data). */
  readonly reason?: string;
}

export interface OpenOptions {
  /** Incremental window start (the cursor minus the overlap); absent: everything. */
  readonly windowFrom?: string;
  /** The job's start: the window's end, and the cursor's next value when the job succeeds. */
  readonly windowTo?: string;
  readonly pageSize?: number;
}

type JobStateWithQuality = JobState & { quality: Record<(typeof QUALITY_NAMES)[number], number> };

function stateOf(item: JobItem): JobStateWithQuality {
  return {
    jobId: item.jobId,
    mode: item.mode,
    status: item.status,
    phase: item.phase,
    pagesPending: item.pagesPending,
    plan: item.plan as Plan,
    windowTo: item.windowTo ?? item.startedAt,
    pageSize: item.pageSize,
    ...(item.startedBy ? { startedBy: item.startedBy } : {}),
    ...(item.windowFrom ? { windowFrom: item.windowFrom } : {}),
    quality: { invalid: item.invalid, duplicateEmails: item.duplicateEmails },
  };
}

const conditionFailed = (error: unknown) => error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';

export class DynamoSyncJobs implements JobLedger {
  private readonly syncErrors: DynamoSyncErrors;
  private readonly retries: DynamoBuildiumRetries;
  private readonly reviewQueue: DynamoReviewQueue;
  private readonly auditLog: DynamoSyncAudit;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.syncErrors = new DynamoSyncErrors(db, tableName, now);
    this.retries = new DynamoBuildiumRetries(db, tableName, now, this.syncErrors);
    this.reviewQueue = new DynamoReviewQueue(db, tableName, now);
    this.auditLog = new DynamoSyncAudit(db, tableName, now);
  }

  private expiresAt(): number {
    return expiresAfter(this.now(), TTL_SECONDS);
  }

  /** Opens a job (pending); false when the id is taken. */
  async open(jobId: string, mode: JobMode, options: OpenOptions = {}): Promise<boolean> {
    const startedAt = this.now().toISOString();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...jobKey(jobId),
            jobId,
            mode,
            status: 'pending',
            startedAt,
            expiresAt: this.expiresAt(),
            processed: 0,
            created: 0,
            updated: 0,
            skipped: 0,
            failed: 0,
            invalid: 0,
            duplicateEmails: 0,
            phase: -1,
            pagesPending: 0,
            plan: {},
            windowTo: options.windowTo ?? startedAt,
            pageSize: options.pageSize ?? 1000,
            ...(options.windowFrom ? { windowFrom: options.windowFrom } : {}),
          },
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
  async setStatus(jobId: string, status: Exclude<JobStatus, 'pending'>, reason?: string): Promise<void> {
    const allowedFrom: Record<Exclude<JobStatus, 'pending'>, JobStatus[]> = {
      running: ['pending'],
      // A failed job whose parked pages were redriven and finished did complete.
      completed: ['pending', 'running', 'failed'],
      failed: ['pending', 'running'],
    };
    const from = allowedFrom[status];
    const finished = status !== 'running';
    const why = status === 'failed' && reason !== undefined;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: `SET #s = :s${finished ? ', completedAt = :at' : ''}${why ? ', reason = :why' : ''}${status === 'completed' ? ' REMOVE reason' : ''}`,
          ConditionExpression: `attribute_exists(pk) AND #s IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':s': status,
            ...(finished ? { ':at': this.now().toISOString() } : {}),
            ...(why ? { ':why': reason.slice(0, 1000) } : {}),
            ...Object.fromEntries(from.map((f, i) => [`:f${i}`, f])),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async item(jobId: string): Promise<JobItem | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    return Item ? JobItem.parse(Item) : undefined;
  }

  /** The job as the Buildium sync's messages see it. */
  async state(jobId: string): Promise<JobStateWithQuality | undefined> {
    const item = await this.item(jobId);
    return item ? stateOf(item) : undefined;
  }

  async pageStart(jobId: string, pageKey: string): Promise<{ job: JobStateWithQuality; done: boolean } | undefined> {
    const items = await batchGetAll(this.db, this.tableName, [jobKey(jobId), markerKey(jobId, pageKey)]);
    const job = items.find((i) => i.sk === 'job');
    if (!job) return undefined;
    const item = JobItem.parse(job);
    // A marker item: named records of a webhook, or a page done before markers moved into the job.
    return { job: stateOf(item), done: (item.pagesDone?.has(pageKey) ?? false) || items.some((i) => i.sk !== 'job') };
  }

  async startPhase(jobId: string, phase: number, plan: Plan, pages: number, startedBy?: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: `SET phase = :p, pagesPending = :n, #plan = :plan${startedBy ? ', startedBy = :by' : ' REMOVE startedBy'}`,
          ConditionExpression: 'attribute_exists(pk) AND phase = :prev AND pagesPending = :zero',
          ExpressionAttributeNames: { '#plan': 'plan' },
          ExpressionAttributeValues: { ':p': phase, ':n': pages, ':plan': plan, ':prev': phase - 1, ':zero': 0, ...(startedBy ? { ':by': startedBy } : {}) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async finishPage(jobId: string, pageKey: string, write: PageWrite, options: { planned: boolean; morePages?: number }): Promise<{ counted: boolean; job?: JobStateWithQuality }> {
    // What the page leaves behind first: a page that dies before its marker is redelivered and writes them again.
    await Promise.all([
      write.errors.length > 0 ? this.syncErrors.recordErrors(jobId, write.errors) : undefined,
      batchWriteAll(this.db, this.tableName, [
        ...this.retries.holdRequests(jobId, write.hold),
        ...(write.audit.length > 0 ? [this.auditLog.entryRequest(jobId, pageKey, write.audit)] : []),
        ...this.reviewQueue.openRequests(jobId, write.reviews),
      ]),
      write.release && write.release.length > 0 ? this.retries.release(write.release) : undefined,
    ]);
    return options.planned ? this.countPlannedPage(jobId, pageKey, write.counts, options.morePages ?? 0) : { counted: await this.countRecords(jobId, pageKey, write.counts) };
  }

  /** One conditional update: the page's key into `pagesDone`, its counts added, one pending page off (plus `morePages`). */
  private async countPlannedPage(jobId: string, pageKey: string, counts: PageCounts, morePages: number): Promise<{ counted: boolean; job: JobStateWithQuality }> {
    const names = [...COUNT_NAMES, ...QUALITY_NAMES];
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(jobId),
          UpdateExpression: `ADD ${names.map((n) => `#${n} :${n}`).join(', ')}, pagesPending :delta, pagesDone :key`,
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(pagesDone, :page)',
          ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
          ExpressionAttributeValues: { ...Object.fromEntries(names.map((n) => [`:${n}`, counts[n]])), ':delta': morePages - 1, ':key': new Set([pageKey]), ':page': pageKey },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { counted: true, job: stateOf(JobItem.parse(Attributes)) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Done already (a redelivery, or two consumers at once), or no such job.
      const item = await this.item(jobId);
      if (!item) throw new Error(`Buildium sync job ${jobId} does not exist`);
      return { counted: false, job: stateOf(item) };
    }
  }

  /** Named records' counts, once per message: a marker item and the counts in one transaction. */
  private async countRecords(jobId: string, pageKey: string, counts: PageCounts): Promise<boolean> {
    const names = [...COUNT_NAMES, ...QUALITY_NAMES];
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...markerKey(jobId, pageKey), doneAt: this.now().toISOString(), expiresAt: this.expiresAt() }, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Update: {
                TableName: this.tableName,
                Key: jobKey(jobId),
                UpdateExpression: `ADD ${names.map((n) => `#${n} :${n}`).join(', ')}`,
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
                ExpressionAttributeValues: Object.fromEntries(names.map((n) => [`:${n}`, counts[n]])),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async chainPage(jobId: string, pageKey: string, next: { afterId: number; offset: number }): Promise<{ afterId: number; offset: number }> {
    const key = { pk: jobPk(jobId), sk: `link#${pageKey}` };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...key, afterId: next.afterId, offset: next.offset, expiresAt: this.expiresAt() }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Update: { TableName: this.tableName, Key: jobKey(jobId), UpdateExpression: 'ADD pagesPending :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':one': 1 } } },
          ],
        }),
      );
      return next;
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return z.object({ afterId: z.number(), offset: z.number() }).parse(Item);
    }
  }

  async get(jobId: string): Promise<JobView | undefined> {
    const item = await this.item(jobId);
    if (!item) return undefined;
    return {
      jobId: item.jobId,
      mode: item.mode,
      status: item.status,
      startedAt: item.startedAt,
      completedAt: item.completedAt ?? null,
      counts: { processed: item.processed, created: item.created, updated: item.updated, skipped: item.skipped, failed: item.failed },
      ...(item.status === 'failed' && item.reason ? { reason: item.reason } : {}),
    };
  }

  // The job's records in their own stores (the scheduler's routes and the consumer's last-try path read them here).

  heldForRetry(): Promise<Array<RetryItem & { jobId: string }>> {
    return this.retries.held();
  }

  holdForRetry(jobId: string, items: readonly RetryItem[]): Promise<void> {
    return this.retries.hold(jobId, items);
  }

  release(items: readonly RetryItem[]): Promise<void> {
    return this.retries.release(items);
  }

  recordErrors(jobId: string, errors: readonly SyncErrorRecord[]): Promise<void> {
    return this.syncErrors.recordErrors(jobId, errors);
  }

  recordError(jobId: string, entity: string, sourceId: string, reason: string, errorType: SyncErrorRecord['errorType'] = 'api_error'): Promise<void> {
    return this.syncErrors.recordError(jobId, entity, sourceId, reason, errorType);
  }

  resolveError(jobId: string, entity: string, sourceId: string): Promise<void> {
    return this.syncErrors.resolveError(jobId, entity, sourceId);
  }

  errors(jobId: string): Promise<SyncError[]> {
    return this.syncErrors.errors(jobId);
  }

  review(jobId: string, items: readonly ReviewItem[]): Promise<void> {
    return this.reviewQueue.open(jobId, items);
  }

  reviews(): Promise<StoredReview[]> {
    return this.reviewQueue.list();
  }

  resolveReview(entity: string, sourceId: string, resolution: 'buildium' | 'hubspot'): Promise<boolean> {
    return this.reviewQueue.resolve(entity, sourceId, resolution);
  }

  auditEntries(jobId: string): Promise<AuditChange[]> {
    return this.auditLog.entries(jobId);
  }
}
