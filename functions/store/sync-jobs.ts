/**
 * Sync jobs and sync errors (seed 002 §4.1 `sync_jobs`, `sync_errors`, `sync_audit`; CONTRACT.md
 * `GET /sync/jobs/{jobId}`) in the sync-state table, and the job ledger the Buildium sync's
 * messages move a job along with (core/buildium-jobs.ts).
 *
 * A page is done once: one transaction writes its marker (only if absent), adds its counts and
 * takes it off the phase's pending pages, so pages finishing in any order, or twice, never lose or
 * double a count. The status only moves forward (pending → running → completed | failed), except
 * that a failed job completes when its parked pages are redriven and finish. A sync error is one
 * item per (job, entity, source id) with a retry count and a resolved flag. Jobs, markers and
 * errors expire after 90 days, audit entries after 30. A chained page records where the next one
 * starts (`link#…`, with the next page counted pending in the same transaction). Records HubSpot
 * refused are held for retry under `buildium-retry`, one item per record naming the job that
 * failed it, until a sync writes them.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobLedger, JobState, ListKind, PageCounts, Plan, RetryItem } from '../core/buildium-jobs.js';
import { batchGetAll, batchWriteAll } from './batch.js';
import type { AuditChange, ReviewItem, SyncErrorRecord } from '../core/buildium-records.js';
import { z } from 'zod';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobMode = 'incremental' | 'full';
export const COUNT_NAMES = ['processed', 'created', 'updated', 'skipped', 'failed'] as const;
export type JobCounts = Record<(typeof COUNT_NAMES)[number], number>;

const TTL_SECONDS = 90 * 24 * 3600;
const AUDIT_TTL_SECONDS = 30 * 24 * 3600;
/** Data-quality counts a job keeps beside the contract's five (seed 002 §5.3). */
export const QUALITY_NAMES = ['invalid', 'duplicateEmails'] as const;
const jobKey = (jobId: string) => ({ pk: `sync-job#${jobId}`, sk: 'job' });
const RETRY_PK = 'buildium-retry';
const retryKey = (item: RetryItem) => ({ pk: RETRY_PK, sk: `${item.entity}#${item.sourceId}` });

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
  plan: z.record(z.string(), z.number()).default({}),
  windowFrom: z.string().optional(),
  windowTo: z.string().optional(),
  pageSize: z.number().default(1000),
  startedBy: z.string().optional(),
});

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

export interface OpenOptions {
  /** Incremental window start (the cursor minus the overlap); absent: everything. */
  readonly windowFrom?: string;
  /** The job's start: the window's end, and the cursor's next value when the job succeeds. */
  readonly windowTo?: string;
  readonly pageSize?: number;
}

export class DynamoSyncJobs implements JobLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private expiresAt(): number {
    return Math.floor(this.now().getTime() / 1000) + TTL_SECONDS;
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
            ...zeroCounts(),
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

  /** The job as the Buildium sync's messages see it. */
  private async item(jobId: string): Promise<z.infer<typeof JobItem> | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    return Item ? JobItem.parse(Item) : undefined;
  }

  async state(jobId: string): Promise<(JobState & { quality: Record<(typeof QUALITY_NAMES)[number], number> }) | undefined> {
    const item = await this.item(jobId);
    if (!item) return undefined;
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

  async pageDone(jobId: string, pageKey: string): Promise<boolean> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk: `sync-job#${jobId}`, sk: `page#${pageKey}` }, ConsistentRead: true }));
    return Item !== undefined;
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

  async completePage(jobId: string, pageKey: string, counts: PageCounts, options: { morePages?: number; pending?: boolean } = {}): Promise<boolean> {
    const names = [...COUNT_NAMES, ...QUALITY_NAMES];
    const delta = options.pending === false ? 0 : (options.morePages ?? 0) - 1;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: `sync-job#${jobId}`, sk: `page#${pageKey}`, doneAt: this.now().toISOString(), expiresAt: this.expiresAt() },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: jobKey(jobId),
                UpdateExpression: `ADD ${names.map((n) => `#${n} :${n}`).join(', ')}, pagesPending :delta`,
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
                ExpressionAttributeValues: { ...Object.fromEntries(names.map((n) => [`:${n}`, counts[n]])), ':delta': delta },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  async chainPage(jobId: string, pageKey: string, next: { afterId: number; offset: number }): Promise<{ afterId: number; offset: number }> {
    const key = { pk: `sync-job#${jobId}`, sk: `link#${pageKey}` };
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
      if (!(error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed')) throw error;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return z.object({ afterId: z.number(), offset: z.number() }).parse(Item);
    }
  }

  async holdForRetry(jobId: string, items: readonly RetryItem[]): Promise<void> {
    const at = this.now().toISOString();
    const unique = [...new Map(items.map((i) => [retryKey(i).sk, i])).values()];
    await batchWriteAll(
      this.db,
      this.tableName,
      unique.map((i) => ({ PutRequest: { Item: { ...retryKey(i), entity: i.entity, sourceId: i.sourceId, jobId, at, expiresAt: this.expiresAt() } } })),
    );
  }

  async heldForRetry(): Promise<Array<RetryItem & { jobId: string }>> {
    const items = await this.queryAll(RETRY_PK, '');
    return items.sort((a, b) => String(a.at).localeCompare(String(b.at))).map((i) => ({ entity: String(i.entity), sourceId: String(i.sourceId), jobId: String(i.jobId) }));
  }

  async release(items: readonly RetryItem[]): Promise<void> {
    if (items.length === 0) return;
    const held = await batchGetAll(this.db, this.tableName, items.map(retryKey));
    for (let i = 0; i < held.length; i += 25) {
      await Promise.all(held.slice(i, i + 25).map((h) => this.resolveError(String(h.jobId), String(h.entity), String(h.sourceId))));
    }
    await batchWriteAll(this.db, this.tableName, held.map((h) => ({ DeleteRequest: { Key: { pk: h.pk, sk: h.sk } } })));
  }

  async recordErrors(jobId: string, errors: readonly SyncErrorRecord[]): Promise<void> {
    // Bounded: a page of 1,000 bad records is 1,000 small writes, a few at a time.
    for (let i = 0; i < errors.length; i += 25) {
      await Promise.all(errors.slice(i, i + 25).map((e) => this.recordError(jobId, e.entity, e.sourceId, e.reason, e.errorType)));
    }
  }

  /** One audit entry per page: which records were created, updated or associated, and which fields were written. */
  async audit(jobId: string, pageKey: string, changes: readonly AuditChange[]): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `sync-job#${jobId}`,
          sk: `audit#${pageKey}`,
          at: this.now().toISOString(),
          changes: changes.map((c) => ({ e: c.entity, id: c.sourceId, a: c.action, h: c.hubspotId, f: c.fields })),
          expiresAt: Math.floor(this.now().getTime() / 1000) + AUDIT_TTL_SECONDS,
        },
      }),
    );
  }

  async auditEntries(jobId: string): Promise<AuditChange[]> {
    const items = await this.queryAll(`sync-job#${jobId}`, 'audit#');
    return items.flatMap((item) =>
      (item.changes as Array<{ e: AuditChange['entity']; id: string; a: AuditChange['action']; h: string; f: string[] }>).map((c) => ({
        entity: c.e,
        sourceId: c.id,
        action: c.a,
        hubspotId: c.h,
        fields: c.f,
      })),
    );
  }

  /** Manual review (conflict strategy `manual_review`): one open item per record, listed and resolvable. */
  async review(jobId: string, items: readonly ReviewItem[]): Promise<void> {
    const at = this.now().toISOString();
    await Promise.all(
      items.map((item) =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: 'buildium-review', sk: `${item.entity}#${item.sourceId}`, ...item, jobId, status: 'open', at, expiresAt: this.expiresAt() },
          }),
        ),
      ),
    );
  }

  async reviews(): Promise<Array<ReviewItem & { jobId: string; status: string; at: string; resolution?: string }>> {
    return (await this.queryAll('buildium-review', '')).map((i) => ({
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
  async resolveReview(entity: string, sourceId: string, resolution: 'buildium' | 'hubspot'): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: 'buildium-review', sk: `${entity}#${sourceId}` },
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

  /** Records (or counts again) a record's failure in a job; a repeat raises its retry count. */
  async recordError(jobId: string, entity: string, sourceId: string, reason: string, errorType: SyncErrorRecord['errorType'] = 'api_error'): Promise<void> {
    const at = this.now().toISOString();
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `sync-job#${jobId}`, sk: `error#${entity}#${sourceId}` },
        UpdateExpression:
          'SET jobId = :j, entity = :e, sourceId = :id, reason = :r, errorType = :t, lastSeenAt = :at, resolved = :no, firstSeenAt = if_not_exists(firstSeenAt, :at), expiresAt = :exp ADD retries :one',
        ExpressionAttributeValues: { ':j': jobId, ':e': entity, ':id': sourceId, ':r': reason, ':t': errorType, ':at': at, ':no': false, ':one': 1, ':exp': this.expiresAt() },
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
    return (await this.queryAll(`sync-job#${jobId}`, 'error#')).map((item) => ErrorItem.parse(item));
  }

  /** Every item of a partition whose sort key starts with `prefix`, page after page (1 MB each). */
  private async queryAll(pk: string, prefix: string): Promise<Record<string, any>[]> {
    const items: Record<string, any>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(prefix ? { ':prefix': prefix } : {}) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function zeroCounts(): JobCounts {
  return { processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 };
}
