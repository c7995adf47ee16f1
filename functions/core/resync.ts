/**
 * The resync flow (seed 004 "Manual Resync Endpoint" and "background reconciliation"):
 * - on request: every FAILED lead goes back to PENDING and is queued again, and the DLQ is
 *   redriven into the queue;
 * - on schedule: FAILED leads whose retries ran out or that a conflict with another write failed
 *   (not those HubSpot refused for their data: the same data would be refused again), and
 *   PENDING/RETRYING leads untouched for longer than a threshold, for example a lead whose enqueue
 *   failed after it was stored.
 */
import type { AttentionStatus, DeadLetters, LeadQueue, LeadStore, Log } from './ports.js';
import type { Lead } from './lead.js';
import { isConflictReason } from './lead-sync.js';

/**
 * A FAILED lead another try can sync: its retries ran out, or HubSpot's "refusal" was a conflict
 * with another write of the same email (recorded as `rejected` before conflicts were retried).
 */
export function retryableFailure(lead: Lead): boolean {
  return lead.hubspot.failureKind === 'exhausted' || (lead.hubspot.failureKind === 'rejected' && isConflictReason(lead.hubspot.error ?? ''));
}

export interface ResyncDeps {
  readonly leads: LeadStore;
  readonly queue: LeadQueue;
  readonly deadLetters: DeadLetters;
  readonly now: () => Date;
  readonly log: Log;
}

export interface ResyncReport {
  readonly requeued: number;
  readonly redriven: number;
}

const PAGE = 500;

/** `POST /internal/leads/resync-failed` and `npm run sync -- resync-failed`. */
export async function resyncFailed(deps: ResyncDeps): Promise<ResyncReport> {
  const requeued = await requeueLeads(deps, 'FAILED', () => true);
  const redriven = await deps.deadLetters.redrive();
  deps.log.info('Resync of failed leads', { requeued, redriven });
  return { requeued, redriven };
}

/** The scheduled reconciliation. */
export async function reconcileLeads(deps: ResyncDeps, stuckAfterMinutes: number): Promise<ResyncReport> {
  const stuckBefore = new Date(deps.now().getTime() - stuckAfterMinutes * 60_000).toISOString();
  let requeued = await requeueLeads(deps, 'FAILED', retryableFailure);
  for (const status of ['PENDING', 'RETRYING'] as const) {
    requeued += await requeueLeads(deps, status, () => true, stuckBefore);
  }
  deps.log.info('Lead reconciliation', { requeued });
  return { requeued, redriven: 0 };
}

async function requeueLeads(
  deps: ResyncDeps,
  status: AttentionStatus,
  eligible: (lead: Lead) => boolean,
  changedBefore?: string,
): Promise<number> {
  let total = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.leads.listByStatus(status, { changedBefore, limit: PAGE, cursor });
    cursor = page.cursor;
    const ids = page.leads.filter(eligible).map((lead) => lead.leadId);
    if (ids.length === 0) continue;
    const existing = await deps.leads.markPending(ids, deps.now().toISOString());
    const { failed } = await deps.queue.enqueue(existing);
    if (failed.length > 0) deps.log.warn('Some leads could not be queued; they stay PENDING for the next pass', { count: failed.length });
    total += existing.length - failed.length;
  } while (cursor);
  return total;
}
