/**
 * Records HubSpot refused fail alone: each is a sync error of its job, which completes with
 * `failed: N` and moves its cursor, and is held for retry (sync-state `buildium-retry`); the next
 * job retries it in its last phase. It stays listed as an error until a sync writes it.
 */
import { LIST_OF_ENTITY, RETRY_CHUNK, type RetryItem } from './buildium-messages.js';
import type { PageReport } from './buildium-ports.js';

/** Records this page's report says HubSpot refused: held for the next job, as this job's cursor moves past them. */
export function refusedRecords(report: PageReport): RetryItem[] {
  return report.errors
    .filter((e) => e.errorType === 'api_error' && LIST_OF_ENTITY[e.entity] !== undefined && /^\d+$/.test(e.sourceId))
    .map(({ entity, sourceId }) => ({ entity, sourceId }));
}

/** What a retry wrote this time (no error names it): released, its old error resolved. */
export function writtenRetries(items: readonly RetryItem[], report: PageReport): RetryItem[] {
  const failed = new Set(report.errors.map((e) => `${e.entity}#${e.sourceId}`));
  return items.filter((it) => !failed.has(`${it.entity}#${it.sourceId}`));
}

/**
 * What earlier jobs failed (this job's own failures wait for the next one), in messages of at most
 * RETRY_CHUNK, in a stable order (a redelivered step queues the same keys).
 */
export function retryChunks(held: ReadonlyArray<RetryItem & { jobId: string }>, jobId: string): RetryItem[][] {
  const items = held.filter((it) => it.jobId !== jobId).map(({ entity, sourceId }) => ({ entity, sourceId }));
  const sorted = [...items].sort((a, b) => `${a.entity}#${a.sourceId}`.localeCompare(`${b.entity}#${b.sourceId}`));
  const chunks: RetryItem[][] = [];
  for (let i = 0; i < sorted.length; i += RETRY_CHUNK) chunks.push(sorted.slice(i, i + RETRY_CHUNK));
  return chunks;
}

/** The records a retry message names, by listing, once each. */
export function retryRefs(items: readonly RetryItem[]): { list: NonNullable<(typeof LIST_OF_ENTITY)[string]>; id: number }[] {
  return [...new Map(items.map((it) => [`${LIST_OF_ENTITY[it.entity]}#${it.sourceId}`, { list: LIST_OF_ENTITY[it.entity]!, id: Number(it.sourceId) }])).values()];
}
