/**
 * `POST /leads`: the lead is stored PENDING first, then queued. If queueing fails after the lead
 * is stored, the lead is still accepted: the reconciliation requeues PENDING leads that waited too
 * long, so nothing accepted is lost.
 */
import { newLead, type LeadInput } from './lead.js';
import type { LeadQueue, LeadStore, Log } from './ports.js';

export interface AcceptLeadDeps {
  readonly leads: LeadStore;
  readonly queue: LeadQueue;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly log: Log;
}

export interface LeadAccepted {
  readonly leadId: string;
  readonly status: 'PENDING';
}

export async function acceptLead(input: LeadInput, deps: AcceptLeadDeps): Promise<LeadAccepted> {
  const lead = newLead(input, deps.newId(), deps.now());
  await deps.leads.create(lead);
  const { failed } = await deps.queue.enqueue([lead.leadId]).catch((error: unknown) => {
    deps.log.error('Lead stored but not queued; the reconciliation will queue it', { leadId: lead.leadId, error });
    return { failed: [lead.leadId] };
  });
  if (failed.length > 0) deps.log.warn('Lead left for the reconciliation to queue', { leadId: lead.leadId });
  return { leadId: lead.leadId, status: 'PENDING' };
}
