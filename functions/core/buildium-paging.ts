/**
 * Reading a page of a Buildium listing by Id. Buildium pages by offset only (no "after id" filter;
 * document, "Bulk Request Options"), so records created, deleted or moved out of the window between
 * two pages shift the offsets. A page owns the records after the last Id of the page before it, up
 * to its own last Id (both read when the phase is planned), so pages run side by side and neither
 * skip nor repeat a record.
 */
import type { LastUpdatedWindow, ListKind, PageMessage } from './buildium-messages.js';

export interface BuildiumReader {
  /** Records in the listing (X-Total-Count), null when Buildium does not say. */
  count(list: ListKind, window: LastUpdatedWindow): Promise<number | null>;
  page(list: ListKind, offset: number, limit: number, window: LastUpdatedWindow): Promise<readonly unknown[]>;
  /** One record by id; undefined when Buildium has none (deleted, or never there). */
  byId(list: ListKind, id: number): Promise<unknown>;
}

/**
 * A page after the first reads from the record before its own (readAfter), so its first read ends
 * just before its last record: the reads that follow, up to its end, are this small.
 */
const FOLLOW_UP_READ = 10;

/** Each page's last Id but the last page's (one small read each), for pages of `stride` records. */
export async function pageEnds(list: ListKind, pages: number, stride: number, window: LastUpdatedWindow, reader: BuildiumReader): Promise<Array<number | undefined>> {
  return Promise.all(Array.from({ length: pages - 1 }, async (_, k) => ((await reader.page(list, (k + 1) * stride - 1, 1, window)) as Array<{ Id: number }>)[0]?.Id));
}

/**
 * The records of a page after the last id the previous page saw: the page reads from one before
 * where its records should start and checks that the previous page's last record is still at or
 * before it. If it is not (records before it went away), it steps back until it is. Records at or
 * before the last id seen (records came in before it) are dropped.
 */
async function readAfter(
  list: ListKind,
  message: { offset: number; limit: number; afterId: number },
  window: LastUpdatedWindow,
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

/**
 * A page's records. A listing's last page that comes back full chains the next page: `chain` is
 * called (it counts the next page pending and queues it, before this page syncs, so the phase cannot
 * end between) and answers where the next page starts. Pages of jobs opened before paging by id
 * read by offset and queue the next page when full (`more`: 1).
 */
export async function readPageRecords(
  message: PageMessage,
  window: LastUpdatedWindow,
  reader: BuildiumReader,
  chain: (next: { afterId: number; offset: number }) => Promise<{ afterId: number; offset: number }>,
  queueNextOffset: () => Promise<void>,
): Promise<{ records: Array<{ Id: number }>; more: number }> {
  if (message.afterId === undefined) {
    const records = (await reader.page(message.list, message.offset, message.limit, window)) as Array<{ Id: number }>;
    // Chained paging: the next page is queued before this one counts as done, so a crash in
    // between redelivers this page (done once) and queues the next again.
    if (message.chain === true && records.length === message.limit) {
      await queueNextOffset();
      return { records, more: 1 };
    }
    return { records, more: 0 };
  }
  let records: Array<{ Id: number }> = [];
  const upTo = message.upTo ?? Number.MAX_SAFE_INTEGER;
  let at = { afterId: message.afterId, offset: message.offset };
  for (let reads = 0; ; reads += 1) {
    const limit = reads === 0 || message.upTo === undefined ? message.limit : Math.min(message.limit, FOLLOW_UP_READ);
    const read = await readAfter(message.list, { ...at, limit }, window, reader);
    records.push(...read.records.filter((r) => r.Id <= upTo));
    // Records came into the window before this page's end: read on to it.
    if (message.upTo !== undefined && read.full && read.next.afterId < upTo) {
      at = read.next;
      continue;
    }
    if (message.upTo === undefined && read.full) {
      const next = await chain(read.next);
      records = records.filter((r) => r.Id <= next.afterId);
    }
    return { records, more: 0 };
  }
}
