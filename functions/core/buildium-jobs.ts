/**
 * Buildium sync jobs (issue 5 §3): how a job moves from "opened" to "completed" through the
 * buildium-sync queue, one small message at a time, so no Lambda ever holds a whole portfolio.
 *
 * Phases, because HubSpot associations need both ends to exist:
 *   0. rental properties (→ listings): few records, so the next phase starts within seconds;
 *   1. tenants (→ contacts, emergency contacts) and units (→ Unit objects, associated with their
 *      listings), side by side, so one's database work overlaps the other's HubSpot calls;
 *   2. leases (→ labeled associations between tenants' contacts and units).
 *
 * - `advance(p)`: counts each listing of phase p (Buildium's X-Total-Count, one small read each),
 *   records the plan on the job (conditional: only from phase p-1 with nothing pending), then
 *   queues one `page` message per page. A redelivered `advance` finds the plan and queues the
 *   same pages again, which is harmless: pages are done once.
 * - `page`: reads its records by Id: those after the last Id of the page before it, up to its own
 *   last Id, both read when the phase is planned (sorted by Id, in the job's lastupdated window;
 *   see readAfter), so pages run side by side and neither skip nor repeat a record when records
 *   change between pages; a listing's last page chains the next while it comes back full. It
 *   syncs its records, then in one DynamoDB transaction marks the page
 *   done, adds its counts and takes one from the phase's pending pages. A page already done is not
 *   counted twice. The page that brings the count to zero queues `advance(p+1)`, or completes the
 *   job.
 * - A record HubSpot refuses fails alone (connectors/hubspot/objects.ts isolates it): it is a sync
 *   error of the job, which completes with `failed: N` and moves its cursor. The record is held
 *   for retry (sync-state `buildium-retry`), and the next job retries it in its last phase; it
 *   stays listed as an error until a sync writes it. A job that cannot finish (a page out of
 *   retries) fails with its reason.
 * - Completing moves the cursor to the job's start (forward only), so the next incremental
 *   window starts there (minus an overlap; records seen twice are skipped by their hash).
 * - `records`: named records (a Buildium webhook, a resolved review), read by id with what they
 *   depend on (a lease's unit and tenants, a unit's property) and synced at once.
 */
import { z } from 'zod';
import type { Log } from './ports.js';
import {
  type ConflictStrategy,
  syncLeases,
  syncRentals,
  syncTenants,
  syncUnits,
  type AuditChange,
  type LeaseRecord,
  type PageReport,
  type RecordDeps,
  type RentalRecord,
  type ReviewItem,
  type SyncErrorRecord,
  type TenantRecord,
  type UnitRecord,
} from './buildium-records.js';

/** The incremental cursor's name in the sync-state table. */
export const BUILDIUM_CURSOR = 'buildium';

export type ListKind = 'rentals' | 'tenants' | 'units' | 'leases';
/** A phase's pages as started: one chain per listing with records (1, or 0), and the retry messages. */
export type Plan = Partial<Record<ListKind | 'retries', number>>;
export const PHASES: readonly (readonly ListKind[])[] = [['rentals'], ['tenants', 'units'], ['leases']];
export const LIST_KINDS: readonly ListKind[] = ['rentals', 'tenants', 'units', 'leases'];

export type SyncMessage =
  | { readonly kind: 'advance'; readonly jobId: string; readonly phase: number }
  | {
      readonly kind: 'page';
      readonly jobId: string;
      readonly phase: number;
      readonly list: ListKind;
      readonly offset: number;
      readonly limit: number;
      /** Pages of jobs opened before paging by id (offset only): a full page queues the next one. */
      readonly chain?: boolean;
      /**
       * The last Id the previous page saw (0: the first page). The page takes the records after it,
       * whatever moved in between; `offset` is only where they are expected to start.
       */
      readonly afterId?: number;
      /** The last Id that is this page's (the next page's afterId); absent on a listing's last page, which chains on while full. */
      readonly upTo?: number;
      /** The page's place in its listing (its key: a redelivered plan with other boundaries does each place once). */
      readonly index?: number;
    }
  | {
      readonly kind: 'records';
      readonly jobId: string;
      /** Names the message's work (a webhook body's hash), so a redelivery is counted once. */
      readonly key: string;
      readonly refs: readonly { list: ListKind; id: number }[];
      readonly force?: boolean;
      /** A resolved manual review: this strategy for these records. */
      readonly strategy?: ConflictStrategy;
      /** Records an earlier job failed, retried in this job's last phase (one of its pending pages). */
      readonly retry?: { readonly phase: number; readonly items: readonly RetryItem[] };
    };

/** A record an earlier sync failed (a HubSpot refusal), kept until a sync writes it. */
export interface RetryItem {
  readonly entity: string;
  readonly sourceId: string;
}

/** Records per retry message (a tenant's retry may name its emergency contact too). */
const RETRY_CHUNK = 100;

const ListKindSchema = z.enum(['rentals', 'tenants', 'units', 'leases']);
/** The queue's messages, checked on the way out of SQS. */
export const SyncMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('advance'), jobId: z.string().min(1), phase: z.number().int().min(0) }),
  z.object({
    kind: z.literal('page'),
    jobId: z.string().min(1),
    phase: z.number().int().min(0),
    list: ListKindSchema,
    offset: z.number().int().min(0),
    limit: z.number().int().min(1).max(1000),
    chain: z.boolean().optional(),
    afterId: z.number().int().min(0).optional(),
    upTo: z.number().int().min(0).optional(),
    index: z.number().int().min(0).optional(),
  }),
  z.object({
    kind: z.literal('records'),
    jobId: z.string().min(1),
    key: z.string().min(1),
    refs: z.array(z.object({ list: ListKindSchema, id: z.number().int().positive() })).max(100),
    force: z.boolean().optional(),
    strategy: z.enum(['buildium_wins', 'hubspot_wins', 'manual_review', 'merge_fields']).optional(),
    retry: z.object({ phase: z.number().int().min(0), items: z.array(z.object({ entity: z.string().min(1), sourceId: z.string().min(1) })).max(RETRY_CHUNK) }).optional(),
  })
  // Only a retry may name nothing (its records were written meanwhile); it still counts as its page.
  .refine((m) => m.refs.length > 0 || m.retry !== undefined, { message: 'names no record', path: ['refs'] }),
]);

export type JobMode = 'incremental' | 'full';
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface JobState {
  readonly jobId: string;
  readonly mode: JobMode;
  readonly status: JobStatus;
  /** -1 before the first phase starts. */
  readonly phase: number;
  readonly pagesPending: number;
  /** Pages planned per listing for the current phase. */
  readonly plan: Readonly<Plan>;
  /** The delivery (SQS message id) of the step that started the current phase. */
  readonly startedBy?: string;
  readonly windowFrom?: string;
  readonly windowTo: string;
  readonly pageSize: number;
}

export interface Window {
  readonly from?: string;
  readonly to?: string;
}

export interface BuildiumReader {
  /** Records in the listing (X-Total-Count), null when Buildium does not say. */
  count(list: ListKind, window: Window): Promise<number | null>;
  page(list: ListKind, offset: number, limit: number, window: Window): Promise<readonly unknown[]>;
  /** One record by id; undefined when Buildium has none (deleted, or never there). */
  byId(list: ListKind, id: number): Promise<unknown>;
}

export interface PageCounts {
  readonly processed: number;
  readonly created: number;
  readonly updated: number;
  readonly skipped: number;
  readonly failed: number;
  readonly invalid: number;
  readonly duplicateEmails: number;
}

export interface JobLedger {
  state(jobId: string): Promise<JobState | undefined>;
  /** Sets phase p with its plan (and who started it) if the job is at phase p-1 with nothing pending; false otherwise. */
  startPhase(jobId: string, phase: number, plan: Plan, pages: number, startedBy?: string): Promise<boolean>;
  /** Whether a page was done already (its marker exists). */
  pageDone(jobId: string, pageKey: string): Promise<boolean>;
  /** Marks a page done, adds its counts and takes one pending page (plus `morePages`); false when it was done already. */
  completePage(jobId: string, pageKey: string, counts: PageCounts, options?: { morePages?: number; pending?: boolean }): Promise<boolean>;
  setStatus(jobId: string, status: 'running' | 'completed' | 'failed', reason?: string): Promise<void>;
  recordErrors(jobId: string, errors: readonly SyncErrorRecord[]): Promise<void>;
  /**
   * Records that the next page of a chain starts after `next.afterId` and counts it pending, once
   * per page (the first delivery's answer wins); answers the recorded next page.
   */
  chainPage(jobId: string, pageKey: string, next: { afterId: number; offset: number }): Promise<{ afterId: number; offset: number }>;
  /** Holds records for the next job to retry (their errors name them), until released. */
  holdForRetry(jobId: string, items: readonly RetryItem[]): Promise<void>;
  /** The records held for retry, with the job that failed them, oldest first. */
  heldForRetry(): Promise<Array<RetryItem & { readonly jobId: string }>>;
  /** Records a sync wrote: no longer held, and their errors in the job that held them resolved. */
  release(items: readonly RetryItem[]): Promise<void>;
  audit(jobId: string, pageKey: string, changes: readonly AuditChange[]): Promise<void>;
  review(jobId: string, items: readonly ReviewItem[]): Promise<void>;
}

export interface JobDeps {
  readonly reader: BuildiumReader;
  readonly jobs: JobLedger;
  readonly queue: { send(messages: readonly SyncMessage[]): Promise<void> };
  readonly cursor: { set(value: string): Promise<void> };
  /** Built per message (the configuration is read fresh, so overrides apply without a deploy). */
  readonly records: () => Promise<RecordDeps>;
  readonly log: Log;
}

export interface MessageOutcome {
  readonly hubspotCalls?: number;
  readonly report?: PageCounts;
}

const SYNC: Record<ListKind, (records: readonly unknown[], deps: RecordDeps) => Promise<PageReport>> = {
  rentals: (r, d) => syncRentals(r as RentalRecord[], d),
  tenants: (r, d) => syncTenants(r as TenantRecord[], d),
  units: (r, d) => syncUnits(r as UnitRecord[], d),
  leases: (r, d) => syncLeases(r as LeaseRecord[], d),
};

export function windowOf(job: JobState): Window {
  return { ...(job.windowFrom ? { from: job.windowFrom } : {}), to: job.windowTo };
}

/**
 * `deliveryId` is the SQS message id, the same on every redelivery of one message: the step that
 * started a phase queues its pages again when it is redelivered (it may have died before queueing
 * them), while the other pages' copies of that step do not (they would queue every page twice).
 */
export async function handleSyncMessage(message: SyncMessage, deps: JobDeps, deliveryId?: string): Promise<MessageOutcome> {
  switch (message.kind) {
    case 'advance':
      await advance(message.jobId, message.phase, deps, deliveryId);
      return {};
    case 'page':
      return runPage(message, deps);
    case 'records':
      return runRecords(message, deps);
  }
}

async function advance(jobId: string, phase: number, deps: JobDeps, deliveryId?: string): Promise<void> {
  let p = phase;
  for (;;) {
    const job = await deps.jobs.state(jobId);
    if (!job) {
      deps.log.warn('Buildium sync job not found; message dropped', { jobId });
      return;
    }
    if (job.status === 'completed' || job.phase > p) return;
    if (p >= PHASES.length) return finish(job, deps);
    if (job.phase === p) {
      if (job.pagesPending === 0) {
        // Started with nothing to read, and whoever started it stopped there: on to the next.
        p += 1;
        continue;
      }
      // The starting step redelivered: queue the recorded plan again (pages done are skipped).
      if (deliveryId === undefined || job.startedBy === deliveryId) await queuePages(job, p, job.plan, deps);
      return;
    }
    if (job.phase !== p - 1 || job.pagesPending > 0) return;
    if (p === 0) await deps.jobs.setStatus(jobId, 'running');
    const window = windowOf(job);
    const plan: Plan = {};
    for (const list of PHASES[p]!) {
      const total = await deps.reader.count(list, window);
      // Unknown size: one page that chains the next while pages come back full.
      plan[list] = total === null ? 1 : Math.ceil(total / job.pageSize);
    }
    // The last phase also retries what earlier jobs failed, once what it depends on is synced.
    const retries = p === PHASES.length - 1 ? await retriesFor(jobId, deps) : [];
    const pages = Object.values(plan).reduce((sum, n) => sum + n, 0) + retries.length;
    if (retries.length > 0) plan.retries = retries.length;
    // Another delivery of this advance started the phase first: look again (same phase).
    if (!(await deps.jobs.startPhase(jobId, p, plan, pages, deliveryId))) continue;
    deps.log.info('Buildium sync phase started', { jobId, phase: p, lists: PHASES[p], plan, retries: retries.length });
    if (pages > 0) {
      await queuePages({ ...job, phase: p, plan }, p, plan, deps, retries);
      return;
    }
    // Nothing to read in this phase: on to the next one in this same invocation.
    p += 1;
  }
}

/**
 * What earlier jobs failed (this job's own failures wait for the next one), in messages of at most
 * RETRY_CHUNK, in a stable order (a redelivered step queues the same keys).
 */
async function retriesFor(jobId: string, deps: JobDeps): Promise<RetryItem[][]> {
  const items = (await deps.jobs.heldForRetry()).filter((it) => it.jobId !== jobId).map(({ entity, sourceId }) => ({ entity, sourceId }));
  const sorted = [...items].sort((a, b) => `${a.entity}#${a.sourceId}`.localeCompare(`${b.entity}#${b.sourceId}`));
  const chunks: RetryItem[][] = [];
  for (let i = 0; i < sorted.length; i += RETRY_CHUNK) chunks.push(sorted.slice(i, i + RETRY_CHUNK));
  return chunks;
}

async function queuePages(job: JobState, phase: number, plan: Plan, deps: JobDeps, retries?: RetryItem[][]): Promise<void> {
  const messages: SyncMessage[] = [];
  for (const list of PHASES[phase] ?? []) {
    const pages = plan[list] ?? 0;
    if (pages === 0) continue;
    // Each page's first and last Id, from the last record of the page before it (one small read
    // each), so pages run side by side and own their records by Id, whatever moves meanwhile.
    const stride = job.pageSize;
    const ends = await Promise.all(Array.from({ length: pages - 1 }, async (_, k) => ((await deps.reader.page(list, (k + 1) * stride - 1, 1, windowOf(job))) as Array<{ Id: number }>)[0]?.Id));
    let afterId = 0;
    for (let k = 0; k < pages; k++) {
      const upTo = k < pages - 1 ? Math.max(afterId, ends[k] ?? afterId) : undefined;
      messages.push({ kind: 'page', jobId: job.jobId, phase, list, offset: k * stride, limit: job.pageSize, afterId, index: k, ...(upTo !== undefined ? { upTo } : {}) });
      if (upTo !== undefined) afterId = upTo;
    }
  }
  // As many retry messages as the plan counted pending: a redelivered starting step reads the held
  // records again, and sends an empty message for a chunk a sync released meanwhile.
  const planned = plan.retries ?? 0;
  const chunks = planned === 0 ? [] : (retries ?? (await retriesFor(job.jobId, deps)));
  for (let i = 0; i < planned; i++) {
    const items = chunks[i] ?? [];
    const refs = [...new Map(items.map((it) => [`${LIST_OF_ENTITY[it.entity]}#${it.sourceId}`, { list: LIST_OF_ENTITY[it.entity]!, id: Number(it.sourceId) }])).values()];
    messages.push({ kind: 'records', jobId: job.jobId, key: `retry#${i}`, refs, retry: { phase, items } });
  }
  await deps.queue.send(messages);
}

/**
 * A page after the first reads from the record before its own (readAfter), so its first read ends
 * just before its last record: the reads that follow, up to its end, are this small.
 */
const FOLLOW_UP_READ = 10;

/**
 * The records of a page after the last id the previous page saw. Buildium pages by offset only
 * (no "after id" filter; document, "Bulk Request Options"), so records created, deleted or moved
 * out of the window between two pages shift the offsets: the page reads from one before where its
 * records should start and checks that the previous page's last record is still at or before it.
 * If it is not (records before it went away), it steps back until it is. Records at or before the
 * last id seen (records came in before it) are dropped. So nothing is skipped or read twice.
 */
async function readAfter(
  list: ListKind,
  message: { offset: number; limit: number; afterId: number },
  window: Window,
  reader: BuildiumReader,
): Promise<{ records: Array<{ Id: number }>; full: boolean; next: { afterId: number; offset: number } }> {
  const { afterId, limit } = message;
  let start = afterId === 0 ? 0 : Math.max(0, message.offset - 1);
  let back = limit;
  for (;;) {
    const read = (await reader.page(list, start, limit, window)) as Array<{ Id: number }>;
    const first = read[0];
    if (start === 0 || (first !== undefined && first.Id <= afterId)) {
      const records = read.filter((r) => r.Id > afterId);
      const last = read[read.length - 1];
      return { records, full: read.length === limit, next: { afterId: Math.max(afterId, last?.Id ?? 0), offset: start + read.length } };
    }
    start = Math.max(0, start - back);
    back *= 2;
  }
}

async function runPage(message: Extract<SyncMessage, { kind: 'page' }>, deps: JobDeps): Promise<MessageOutcome> {
  const job = await deps.jobs.state(message.jobId);
  if (!job) {
    deps.log.warn('Buildium sync job not found; page dropped', { jobId: message.jobId });
    return {};
  }
  const byId = message.afterId !== undefined;
  const pageKey = message.index !== undefined ? `${message.phase}#${message.list}#${message.index}` : `${message.phase}#${message.list}#${message.offset}`;
  if (await deps.jobs.pageDone(job.jobId, pageKey)) {
    // A copy of a page already done (SQS delivers at least once): no second read or count.
    await afterPage(job.jobId, message.phase, deps);
    return {};
  }
  let records: Array<{ Id: number }> = [];
  let more = 0;
  if (byId) {
    const upTo = message.upTo ?? Number.MAX_SAFE_INTEGER;
    let at = { afterId: message.afterId!, offset: message.offset };
    for (let reads = 0; ; reads += 1) {
      const limit = reads === 0 || message.upTo === undefined ? message.limit : Math.min(message.limit, FOLLOW_UP_READ);
      const read = await readAfter(message.list, { ...at, limit }, windowOf(job), deps.reader);
      records.push(...read.records.filter((r) => r.Id <= upTo));
      // Records came into the window before this page's end: read on to it.
      if (message.upTo !== undefined && read.full && read.next.afterId < upTo) {
        at = read.next;
        continue;
      }
      if (message.upTo === undefined && read.full) {
        // The listing's last page is full: the next one is counted pending, then queued, before
        // this page syncs (a redelivery keeps the first answer), so the phase cannot end between.
        const next = await deps.jobs.chainPage(job.jobId, pageKey, read.next);
        await deps.queue.send([{ ...message, afterId: next.afterId, offset: next.offset, index: (message.index ?? 0) + 1 }]);
        records = records.filter((r) => r.Id <= next.afterId);
      }
      break;
    }
  } else {
    records = (await deps.reader.page(message.list, message.offset, message.limit, windowOf(job))) as Array<{ Id: number }>;
    // Chained paging (jobs opened before paging by id): queue the next page before this one
    // counts as done, so a crash in between redelivers this page (done once) and queues the next again.
    if (message.chain === true && records.length === message.limit) {
      more = 1;
      await deps.queue.send([{ ...message, offset: message.offset + message.limit }]);
    }
  }
  const recordDeps = await deps.records();
  const report = await SYNC[message.list](records, recordDeps);
  await saveReport(job.jobId, pageKey, report, deps);
  const first = await deps.jobs.completePage(job.jobId, pageKey, report, { morePages: more });
  if (!first) deps.log.info('Buildium page was already done; not counted again', { jobId: job.jobId, pageKey });
  await afterPage(job.jobId, message.phase, deps);
  return { report };
}

async function saveReport(jobId: string, key: string, report: PageReport, deps: JobDeps): Promise<void> {
  // HubSpot refused them: held for the next job, as this job's cursor moves past them.
  const refused = report.errors.filter((e) => e.errorType === 'api_error' && LIST_OF_ENTITY[e.entity] !== undefined && /^\d+$/.test(e.sourceId));
  await Promise.all([
    report.errors.length > 0 ? deps.jobs.recordErrors(jobId, report.errors) : undefined,
    refused.length > 0 ? deps.jobs.holdForRetry(jobId, refused.map(({ entity, sourceId }) => ({ entity, sourceId }))) : undefined,
    report.audit.length > 0 ? deps.jobs.audit(jobId, key, report.audit) : undefined,
    report.reviews.length > 0 ? deps.jobs.review(jobId, report.reviews) : undefined,
  ]);
}

async function afterPage(jobId: string, phase: number, deps: JobDeps): Promise<void> {
  const job = await deps.jobs.state(jobId);
  if (!job || job.phase !== phase || job.pagesPending > 0) return;
  if (phase + 1 >= PHASES.length) await finish(job, deps);
  else await deps.queue.send([{ kind: 'advance', jobId, phase: phase + 1 }]);
}

async function finish(job: JobState, deps: JobDeps): Promise<void> {
  // Only a job whose last phase has nothing pending is done.
  const now = await deps.jobs.state(job.jobId);
  if (!now || now.phase !== PHASES.length - 1 || now.pagesPending > 0) return;
  await deps.jobs.setStatus(job.jobId, 'completed');
  const after = await deps.jobs.state(job.jobId);
  if (after?.status !== 'completed') return;
  await deps.cursor.set(job.windowTo);
  deps.log.info('Buildium sync job completed', { jobId: job.jobId, mode: job.mode, cursor: job.windowTo });
}

/** Named records: each read by id with what it depends on, then synced in phase order. */
async function runRecords(message: Extract<SyncMessage, { kind: 'records' }>, deps: JobDeps): Promise<MessageOutcome> {
  const wanted = new Map<ListKind, Map<number, unknown>>(LIST_KINDS.map((l) => [l, new Map()]));
  const missing: SyncErrorRecord[] = [];
  const read = async (list: ListKind, id: number): Promise<unknown> => {
    const have = wanted.get(list)!;
    if (have.has(id)) return have.get(id);
    const record = await deps.reader.byId(list, id);
    // Deleted in Buildium (or never there): HubSpot's record stays, as the seed does not delete.
    if (record === undefined) missing.push({ entity: list, sourceId: String(id), errorType: 'mapping_error', reason: `Buildium has no ${list.slice(0, -1)} ${id}` });
    have.set(id, record);
    return record;
  };
  for (const ref of message.refs) {
    const record = await read(ref.list, ref.id);
    if (!record) continue;
    if (ref.list === 'leases') {
      const lease = record as LeaseRecord;
      await read('units', lease.UnitId);
      for (const t of lease.Tenants ?? []) await read('tenants', t.Id);
    }
  }
  for (const unit of wanted.get('units')!.values()) if (unit) await read('rentals', (unit as UnitRecord).PropertyId);

  const recordDeps = await deps.records();
  const total: PageReport[] = [];
  for (const list of PHASES.flat()) {
    const records = [...wanted.get(list)!.values()].filter((r) => r !== undefined);
    if (records.length === 0) continue;
    const config = message.strategy ? { ...recordDeps.config, conflictStrategy: message.strategy } : recordDeps.config;
    total.push(await SYNC[list](records, { ...recordDeps, config, ...(message.force ? { force: true } : {}) }));
  }
  const report = merge(total, missing);
  const pageKey = `records#${message.key}`;
  if (message.retry && (await deps.jobs.pageDone(message.jobId, pageKey))) {
    await afterPage(message.jobId, message.retry.phase, deps);
    return {};
  }
  await saveReport(message.jobId, pageKey, report, deps);
  if (message.retry) {
    // Written this time (no error names them): no longer held, their old errors resolved.
    const failed = new Set(report.errors.map((e) => `${e.entity}#${e.sourceId}`));
    await deps.jobs.release(message.retry.items.filter((it) => !failed.has(`${it.entity}#${it.sourceId}`)));
  }
  await deps.jobs.completePage(message.jobId, pageKey, report, { pending: message.retry !== undefined });
  if (message.retry) await afterPage(message.jobId, message.retry.phase, deps);
  return { report };
}

function merge(reports: readonly PageReport[], errors: readonly SyncErrorRecord[]): PageReport {
  const sum = (k: keyof PageCounts) => reports.reduce((n, r) => n + r[k], 0);
  return {
    processed: sum('processed') + errors.length,
    created: sum('created'),
    updated: sum('updated'),
    skipped: sum('skipped') + errors.length,
    failed: sum('failed'),
    invalid: sum('invalid'),
    duplicateEmails: sum('duplicateEmails'),
    errors: [...reports.flatMap((r) => r.errors), ...errors],
    audit: reports.flatMap((r) => r.audit),
    reviews: reports.flatMap((r) => r.reviews),
  };
}

export interface OpenJobDeps {
  readonly jobs: {
    open(jobId: string, mode: JobMode, options: { windowFrom?: string; windowTo: string; pageSize: number }): Promise<boolean>;
    setStatus(jobId: string, status: 'failed'): Promise<void>;
  };
  readonly cursor: { get(): Promise<string | undefined> };
  readonly queue: { send(messages: readonly SyncMessage[]): Promise<void> };
  readonly newId: () => string;
  readonly now: () => Date;
  readonly pageSize: number;
  /** How far an incremental window reaches back before the cursor (clock skew, late writes). */
  readonly overlapSeconds: number;
}

/**
 * Opens a job and queues its first step. Incremental: from the cursor (minus the overlap) to now;
 * without a cursor, everything. Full: everything, whatever the cursor says.
 */
export async function openJob(mode: JobMode, deps: OpenJobDeps): Promise<string> {
  const jobId = deps.newId();
  const now = deps.now();
  const cursor = mode === 'incremental' ? await deps.cursor.get() : undefined;
  const windowFrom = cursor ? new Date(Date.parse(cursor) - deps.overlapSeconds * 1000).toISOString() : undefined;
  await deps.jobs.open(jobId, mode, { windowTo: now.toISOString(), pageSize: deps.pageSize, ...(windowFrom ? { windowFrom } : {}) });
  try {
    await deps.queue.send([{ kind: 'advance', jobId, phase: 0 }]);
  } catch (error) {
    // Never started: say so, rather than leave a job pending for ever.
    await deps.jobs.setStatus(jobId, 'failed');
    throw error;
  }
  return jobId;
}

/** Buildium webhook events (document, "Webhooks"): which records an event names. */
export const BuildiumWebhookEventSchema = z
  .looseObject({
    EventName: z.string().min(1).max(200),
    EventDateTime: z.string().max(100).optional(),
    AccountId: z.number().int().optional(),
    PropertyId: z.number().int().positive().optional(),
    UnitId: z.number().int().positive().optional(),
    LeaseId: z.number().int().positive().optional(),
    TenantId: z.number().int().positive().optional(),
  })
  .refine((e) => e.PropertyId !== undefined || e.UnitId !== undefined || e.LeaseId !== undefined || e.TenantId !== undefined, {
    message: 'names no PropertyId, UnitId, LeaseId or TenantId',
    path: ['EventName'],
  });
export type BuildiumWebhookEvent = z.infer<typeof BuildiumWebhookEventSchema>;

/** The records a webhook event names; none for deletions (HubSpot keeps its records, as the seed never deletes). */
export function webhookRefs(event: BuildiumWebhookEvent): { list: ListKind; id: number }[] {
  if (/\.Deleted$/i.test(event.EventName)) return [];
  const refs: { list: ListKind; id: number }[] = [];
  if (event.TenantId) refs.push({ list: 'tenants', id: event.TenantId });
  if (event.LeaseId) refs.push({ list: 'leases', id: event.LeaseId });
  if (event.UnitId) refs.push({ list: 'units', id: event.UnitId });
  if (event.PropertyId && !event.UnitId) refs.push({ list: 'rentals', id: event.PropertyId });
  return refs;
}

/** Which listing a mapping type's records come from. */
export const LIST_OF_ENTITY: Readonly<Record<string, ListKind>> = {
  property: 'rentals',
  unit: 'units',
  tenant: 'tenants',
  'emergency-contact': 'tenants',
  lease: 'leases',
};
