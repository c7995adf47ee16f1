/**
 * One page of a Buildium job, one way through: read the job once (is the page done already?),
 * read its records and sync them, then write once: its errors, held records, audit entry and
 * reviews, then its marker and counts, which answer the job as it stands after the page. From that
 * answer, the page that brings its phase's pending pages to zero queues the next phase or
 * completes the job (core/buildium-jobs.ts).
 *
 * Named records (a Buildium webhook, a resolved review, a retry of what an earlier job failed)
 * take the same way: each is read by id with what it depends on (a lease's unit and tenants, a
 * unit's property), then synced in phase order.
 */
import type { JobDeps, MessageOutcome, PageWrite } from './buildium-jobs.js';
import { afterPage } from './buildium-jobs.js';
import { jobWindow, LIST_KINDS, PHASES, type ListKind, type PageMessage, type RecordsMessage } from './buildium-messages.js';
import { mergeReports } from './buildium-page-report.js';
import { readPageRecords } from './buildium-paging.js';
import type { LeaseRecord, PageReport, SyncErrorRecord, UnitRecord } from './buildium-ports.js';
import { SYNC_BY_LIST } from './buildium-records.js';
import { refusedRecords, writtenRetries } from './buildium-retries.js';

function pageWrite(report: PageReport): PageWrite {
  return { counts: report, errors: report.errors, hold: refusedRecords(report), audit: report.audit, reviews: report.reviews };
}

export async function runPage(message: PageMessage, deps: JobDeps): Promise<MessageOutcome> {
  const pageKey = message.index !== undefined ? `${message.phase}#${message.list}#${message.index}` : `${message.phase}#${message.list}#${message.offset}`;
  const start = await deps.jobs.pageStart(message.jobId, pageKey);
  if (!start) {
    deps.log.warn('Buildium sync job not found; page dropped', { jobId: message.jobId });
    return {};
  }
  if (start.done) {
    // A copy of a page already done (SQS delivers at least once): no second read or count.
    await afterPage(start.job, message.phase, deps);
    return {};
  }
  const { records, more } = await readPageRecords(
    message,
    jobWindow(start.job),
    deps.reader,
    async (next) => {
      // The listing's last page is full: the next one is counted pending, then queued (a redelivery keeps the first answer).
      const recorded = await deps.jobs.chainPage(message.jobId, pageKey, next);
      await deps.queue.send([{ ...message, afterId: recorded.afterId, offset: recorded.offset, index: (message.index ?? 0) + 1 }]);
      return recorded;
    },
    () => deps.queue.send([{ ...message, offset: message.offset + message.limit }]),
  );
  const report = await SYNC_BY_LIST[message.list](records, await deps.records());
  const { counted, job } = await deps.jobs.finishPage(message.jobId, pageKey, pageWrite(report), { planned: true, morePages: more });
  if (!counted) deps.log.info('Buildium page was already done; not counted again', { jobId: message.jobId, pageKey });
  if (job) await afterPage(job, message.phase, deps);
  return { report };
}

export async function runRecords(message: RecordsMessage, deps: JobDeps): Promise<MessageOutcome> {
  const pageKey = `records#${message.key}`;
  const planned = message.retry !== undefined;
  const start = await deps.jobs.pageStart(message.jobId, pageKey);
  if (!start) {
    deps.log.warn('Buildium sync job not found; records dropped', { jobId: message.jobId });
    return {};
  }
  if (start.done) {
    if (message.retry) await afterPage(start.job, message.retry.phase, deps);
    return {};
  }
  const { wanted, missing } = await readNamedRecords(message, deps);
  const recordDeps = await deps.records();
  const reports: PageReport[] = [];
  for (const list of PHASES.flat()) {
    const records = [...wanted.get(list)!.values()].filter((r) => r !== undefined);
    if (records.length === 0) continue;
    const config = message.strategy ? { ...recordDeps.config, conflictStrategy: message.strategy } : recordDeps.config;
    reports.push(await SYNC_BY_LIST[list](records, { ...recordDeps, config, ...(message.force ? { force: true } : {}) }));
  }
  const report = mergeReports(reports, missing);
  const write = { ...pageWrite(report), ...(message.retry ? { release: writtenRetries(message.retry.items, report) } : {}) };
  const { job } = await deps.jobs.finishPage(message.jobId, pageKey, write, { planned });
  if (message.retry && job) await afterPage(job, message.retry.phase, deps);
  return { report };
}

/** The named records, each read by id with what it depends on; those Buildium does not have are errors. */
async function readNamedRecords(message: RecordsMessage, deps: JobDeps): Promise<{ wanted: Map<ListKind, Map<number, unknown>>; missing: SyncErrorRecord[] }> {
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
  return { wanted, missing };
}
