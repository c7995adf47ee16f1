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
 *   queues one `page` message per page, each with its first and last Id (core/buildium-paging.ts).
 *   A redelivered `advance` finds the plan and queues the same pages again, which is harmless:
 *   pages are done once.
 * - `page` (core/buildium-page.ts): read once, sync, write once; the page that brings the count to
 *   zero queues `advance(p+1)`, or completes the job.
 * - A record HubSpot refuses fails alone (core/buildium-retries.ts); a job that cannot finish (a
 *   page out of retries) fails with its reason.
 * - Completing moves the cursor to the job's start (forward only), so the next incremental
 *   window starts there (minus an overlap; records seen twice are skipped by their hash).
 */
import type { Log } from './ports.js';
import { jobWindow, PHASES, type JobMode, type JobState, type Plan, type RetryItem, type SyncMessage } from './buildium-messages.js';
import { runPage, runRecords } from './buildium-page.js';
import { pageEnds, type BuildiumReader } from './buildium-paging.js';
import type { AuditChange, PageCounts, RecordDeps, ReviewItem, SyncErrorRecord } from './buildium-ports.js';
import { retryChunks, retryRefs } from './buildium-retries.js';

// Kept for functions/buildium-sync/handler.ts, which imports them from here; they live in the modules named.
export { BUILDIUM_CURSOR, SyncMessageSchema, type ListKind, type SyncMessage } from './buildium-messages.js';
export type { BuildiumReader } from './buildium-paging.js';

/** What a page leaves behind, written at once when it finishes. */
export interface PageWrite {
  readonly counts: PageCounts;
  readonly errors: readonly SyncErrorRecord[];
  /** Records HubSpot refused: held for the next job. */
  readonly hold: readonly RetryItem[];
  readonly audit: readonly AuditChange[];
  readonly reviews: readonly ReviewItem[];
  /** Records a retry wrote: no longer held, their errors in the job that held them resolved. */
  readonly release?: readonly RetryItem[];
}

export interface JobLedger {
  state(jobId: string): Promise<JobState | undefined>;
  /** Sets phase p with its plan (and who started it) if the job is at phase p-1 with nothing pending; false otherwise. */
  startPhase(jobId: string, phase: number, plan: Plan, pages: number, startedBy?: string): Promise<boolean>;
  /** A page's one read: the job, and whether the page was done already; undefined when there is no such job. */
  pageStart(jobId: string, pageKey: string): Promise<{ job: JobState; done: boolean } | undefined>;
  /**
   * A page's one write: its errors, held records, audit entry and reviews, then (once per page)
   * its marker and counts. A planned page takes one from the phase's pending pages (plus
   * `morePages`) and answers the job after it; other named records only add their counts.
   */
  finishPage(jobId: string, pageKey: string, write: PageWrite, options: { planned: boolean; morePages?: number }): Promise<{ counted: boolean; job?: JobState }>;
  setStatus(jobId: string, status: 'running' | 'completed' | 'failed', reason?: string): Promise<void>;
  /**
   * Records that the next page of a chain starts after `next.afterId` and counts it pending, once
   * per page (the first delivery's answer wins); answers the recorded next page.
   */
  chainPage(jobId: string, pageKey: string, next: { afterId: number; offset: number }): Promise<{ afterId: number; offset: number }>;
  /** The records held for retry, with the job that failed them, oldest first. */
  heldForRetry(): Promise<Array<RetryItem & { readonly jobId: string }>>;
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
    const window = jobWindow(job);
    const plan: Plan = {};
    for (const list of PHASES[p]!) {
      const total = await deps.reader.count(list, window);
      // Unknown size: one page that chains the next while pages come back full.
      plan[list] = total === null ? 1 : Math.ceil(total / job.pageSize);
    }
    // The last phase also retries what earlier jobs failed, once what it depends on is synced.
    const retries = p === PHASES.length - 1 ? retryChunks(await deps.jobs.heldForRetry(), jobId) : [];
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

async function queuePages(job: JobState, phase: number, plan: Plan, deps: JobDeps, retries?: RetryItem[][]): Promise<void> {
  const messages: SyncMessage[] = [];
  for (const list of PHASES[phase] ?? []) {
    const pages = plan[list] ?? 0;
    if (pages === 0) continue;
    const stride = job.pageSize;
    const ends = await pageEnds(list, pages, stride, jobWindow(job), deps.reader);
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
  const chunks = planned === 0 ? [] : (retries ?? retryChunks(await deps.jobs.heldForRetry(), job.jobId));
  for (let i = 0; i < planned; i++) {
    const items = chunks[i] ?? [];
    messages.push({ kind: 'records', jobId: job.jobId, key: `retry#${i}`, refs: retryRefs(items), retry: { phase, items } });
  }
  await deps.queue.send(messages);
}

/** After a page of `phase`, from the job as the page's write answered it: the next phase, or the end. */
export async function afterPage(job: JobState, phase: number, deps: JobDeps): Promise<void> {
  if (job.phase !== phase || job.pagesPending > 0) return;
  if (phase + 1 >= PHASES.length) await finish(job, deps);
  else await deps.queue.send([{ kind: 'advance', jobId: job.jobId, phase: phase + 1 }]);
}

async function finish(job: JobState, deps: JobDeps): Promise<void> {
  // Only a job whose last phase has nothing pending is done.
  if (job.phase !== PHASES.length - 1 || job.pagesPending > 0) return;
  // Completed from any status (a failed job whose parked pages were redriven did complete), so
  // after this the job is completed, whoever completed it: the cursor moves (forward only).
  await deps.jobs.setStatus(job.jobId, 'completed');
  await deps.cursor.set(job.windowTo);
  deps.log.info('Buildium sync job completed', { jobId: job.jobId, mode: job.mode, cursor: job.windowTo });
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
