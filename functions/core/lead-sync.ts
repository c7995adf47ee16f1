/**
 * Platform leads → HubSpot contacts (seed 004), one SQS batch at a time.
 *
 * A batch becomes one HubSpot batch upsert by normalised email. Each lead's HubSpot columns are
 * written from the outcome. Transient failures go back to SQS with a backoff (visibility change),
 * never a long sleep; a per-input rejection fails only that lead; a conflict with another write of
 * the same email (409, CONFLICT, LOCKED) is retried like a transient failure; retries that run out
 * leave the lead FAILED and the message to the DLQ, where the resync flow finds both.
 */
import { chunks } from './concurrency.js';
import { contactProperties, propertiesHash } from './contact-mapping.js';
import { MisconfiguredError, PermanentError, RateLimitedError, RetryableError } from './errors.js';
import { maskEmail, maskEmailsIn } from './privacy.js';
import type { Lead } from './lead.js';
import { HUBSPOT_BATCH_MAX, type ContactInput, type HubSpotContacts, type LeadStore, type LeadSyncResult, type Log, type MessageRetries } from './ports.js';
import { backoffSeconds, MAX_DEFER_SECONDS, resendsInsteadOfWaiting } from './retry-policy.js';


export interface LeadSyncMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly leadId: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
}

export interface LeadSyncDeps {
  readonly leads: LeadStore;
  /** The primary portal's contacts (the one the access token belongs to). */
  readonly hubspot: HubSpotContacts;
  /**
   * Another portal's contacts, for leads that name their portal (issue 12 §5). Absent: every lead
   * goes to the primary portal. A portal it cannot serve throws on use (MisconfiguredError), so
   * its leads wait with the reason.
   */
  readonly hubspotFor?: (portalId: string) => Promise<HubSpotContacts>;
  readonly retries: MessageRetries;
  /** Re-sends a lead as a fresh message (used when only our own rate budget held it back). */
  readonly requeue: (leadIds: readonly string[], delaySeconds: number) => Promise<{ failed: string[] }>;
  readonly platformSource: string;
  /** The queue's redrive maxReceiveCount: the delivery with this count is the last one. */
  readonly maxReceiveCount: number;
  readonly now: () => Date;
  readonly random: () => number;
  readonly remainingTimeMs: () => number;
  readonly log: Log;
}

export interface LeadSyncReport {
  /** Messages to report as batch item failures (they stay in the queue). */
  readonly failedMessageIds: ReadonlySet<string>;
  readonly counts: {
    synced: number;
    created: number;
    rejected: number;
    retrying: number;
    exhausted: number;
    deferred: number;
    unchanged: number;
    missing: number;
  };
  readonly hubspotCalls: number;
  readonly hubspotCallMs: number[];
}

/**
 * Longest we wait in-process for a call slot: up to one of HubSpot's rate windows (10 s), when the
 * invocation can afford it (callLimits). Beyond it the batch goes back to SQS. A batch sent back
 * cannot keep its slot (every environment shares the budget, issue 13 §3), so each round trip
 * through SQS costs its whole-second delays, the batching window and a poll: waiting here for up
 * to a window spends the limit fully.
 */
const MAX_INLINE_WAIT_MS = 11_000;
const HUBSPOT_TIMEOUT_MS = 10_000;
/** Time kept in hand to write outcomes and answer SQS before the function's deadline. */
const SAFETY_MARGIN_MS = 3_000;

/**
 * A HubSpot call's limits within the invocation's time: what is left after the safety margin, the
 * call's timeout, and the wait for a call slot it can afford (the call and the outcome writes come after it).
 */
function callLimits(remainingMs: number): { budgetMs: number; timeoutMs: number; maxWaitMs: number } {
  const budgetMs = remainingMs - SAFETY_MARGIN_MS;
  const timeoutMs = Math.min(HUBSPOT_TIMEOUT_MS, budgetMs / 2);
  return { budgetMs, timeoutMs, maxWaitMs: Math.max(0, Math.min(MAX_INLINE_WAIT_MS, budgetMs - timeoutMs - 1_000)) };
}

type Outcome =
  | { kind: 'written'; id: string; created: boolean }
  | { kind: 'rejected'; message: string }
  | { kind: 'retry'; message: string; retryAfterMs?: number; attempted: boolean };

interface Planned {
  readonly lead: Lead;
  readonly properties: Record<string, string>;
  readonly hash: string;
  readonly messages: LeadSyncMessage[];
}

export async function syncLeadBatch(messages: readonly LeadSyncMessage[], deps: LeadSyncDeps): Promise<LeadSyncReport> {
  const report = {
    failedMessageIds: new Set<string>(),
    counts: { synced: 0, created: 0, rejected: 0, retrying: 0, exhausted: 0, deferred: 0, unchanged: 0, missing: 0 },
    hubspotCalls: 0,
    hubspotCallMs: [] as number[],
  };
  if (messages.length === 0) return report;

  if (!deps.hubspotFor) {
    // Rate budget spent for longer than we may wait: hand the batch back before reading anything.
    if (await deferredForBudget(messages, deps.hubspot, deps, report)) return report;
    await syncPortalBatch(messages, await deps.leads.getMany([...new Set(messages.map((m) => m.leadId))]), deps, report);
    return report;
  }
  // Leads name their portal: each portal's messages go to its own contacts (and rate budget).
  const leads = await deps.leads.getMany([...new Set(messages.map((m) => m.leadId))]);
  const byPortal = new Map<string, LeadSyncMessage[]>();
  for (const message of messages) {
    const portal = leads.get(message.leadId)?.portalId ?? '';
    byPortal.set(portal, [...(byPortal.get(portal) ?? []), message]);
  }
  for (const [portal, some] of byPortal) {
    const hubspot = portal === '' ? deps.hubspot : await deps.hubspotFor(portal);
    if (await deferredForBudget(some, hubspot, deps, report)) continue;
    await syncPortalBatch(some, leads, { ...deps, hubspot }, report);
  }
  return report;
}

/** Rate budget spent for longer than we may wait: the messages go back, with no attempt counted. */
async function deferredForBudget(messages: readonly LeadSyncMessage[], hubspot: HubSpotContacts, deps: LeadSyncDeps, report: MutableReport): Promise<boolean> {
  if (hubspot.budgetWaitMs() <= callLimits(deps.remainingTimeMs()).maxWaitMs) return false;
  const retryItems = await defer(messages, hubspot.holdSlotMs(), deps, report);
  await setVisibility(retryItems, deps);
  return true;
}

type MutableReport = {
  failedMessageIds: Set<string>;
  counts: { -readonly [K in keyof LeadSyncReport['counts']]: number };
  hubspotCalls: number;
  hubspotCallMs: number[];
};

/** One portal's messages: plan, upsert (refusals isolated), record the outcomes. */
async function syncPortalBatch(messages: readonly LeadSyncMessage[], leads: ReadonlyMap<string, Lead>, deps: LeadSyncDeps, report: MutableReport): Promise<void> {
  const planned = new Map<string, Planned>();
  for (const message of messages) {
    const lead = leads.get(message.leadId);
    if (!lead) {
      // The lead is written before its message is sent, so a missing lead was deleted since.
      report.counts.missing += 1;
      deps.log.warn('Lead no longer exists; message dropped', { leadId: message.leadId });
      continue;
    }
    const existing = planned.get(lead.leadId);
    if (existing) {
      existing.messages.push(message);
      continue;
    }
    if (lead.hubspot.syncStatus === 'UNLINKED') {
      // Its contact was deleted (or erased for privacy) in HubSpot: re-creating it would undo a person's decision.
      report.counts.unchanged += 1;
      deps.log.info('Lead is unlinked from HubSpot; not synced', { leadId: lead.leadId });
      continue;
    }
    const properties = contactProperties(lead, deps.platformSource);
    const hash = propertiesHash(properties);
    if (lead.hubspot.syncStatus === 'SYNCED' && lead.hubspot.syncedHash === hash) {
      // A duplicate delivery, or a resync of a lead HubSpot already holds: no call needed.
      report.counts.unchanged += 1;
      continue;
    }
    planned.set(lead.leadId, { lead, properties, hash, messages: [message] });
  }
  if (planned.size === 0) return;

  // One input per email: HubSpot refuses duplicate ids in a batch. The most recently updated
  // lead supplies the values; every lead with that email gets the contact's id.
  const byEmail = new Map<string, Planned[]>();
  for (const item of planned.values()) {
    const group = byEmail.get(item.lead.email) ?? [];
    group.push(item);
    byEmail.set(item.lead.email, group);
  }
  // Each HubSpot call takes at most HUBSPOT_BATCH_MAX emails. A batch of several chunks makes its
  // calls at once, each with its own call slot, and records each chunk's outcomes as it returns:
  // calls in flight, not environments, are what spend the rate limit (issue 13 §4).
  await Promise.all(chunks([...byEmail.keys()], HUBSPOT_BATCH_MAX).map((emails) => syncChunk(emails, byEmail, deps, report)));
}

/** One HubSpot call's worth of emails: upsert (refusals isolated), then record every lead's outcome and backoff. */
async function syncChunk(emails: readonly string[], byEmail: ReadonlyMap<string, Planned[]>, deps: LeadSyncDeps, report: MutableReport): Promise<void> {
  const inputs: ContactInput[] = emails.map((email) => {
    const group = byEmail.get(email)!;
    const latest = group.reduce((a, b) => (b.lead.updatedAt > a.lead.updatedAt ? b : a));
    return { email, properties: latest.properties };
  });

  const outcomes = await upsertIsolatingRejections(inputs, deps, report);

  const at = deps.now().toISOString();
  const results: LeadSyncResult[] = [];
  const retryItems: { receiptHandle: string; delaySeconds: number }[] = [];
  const deferredMessages: LeadSyncMessage[] = [];
  // The client promised a slot when it held the call back; the batch returns for it.
  let deferForMs = 0;
  for (const email of emails) {
    const group = byEmail.get(email)!;
    const outcome = outcomes.get(email) ?? { kind: 'retry', message: 'HubSpot returned no result for this input', attempted: true };
    for (const item of group) {
      const leadId = item.lead.leadId;
      const lastReceive = Math.max(...item.messages.map((m) => m.receiveCount));
      switch (outcome.kind) {
        case 'written':
          results.push({ kind: 'synced', leadId, hubspotId: outcome.id, hash: item.hash, created: outcome.created, at });
          report.counts.synced += 1;
          if (outcome.created) report.counts.created += 1;
          break;
        case 'rejected':
          results.push({ kind: 'failed', leadId, error: outcome.message, failureKind: 'rejected', at });
          report.counts.rejected += 1;
          deps.log.warn('HubSpot rejected the lead', { leadId, email: maskEmail(email), error: maskEmailsIn(outcome.message) });
          break;
        case 'retry': {
          for (const m of item.messages) report.failedMessageIds.add(m.messageId);
          if (!outcome.attempted) {
            // Held back by the rate budget: no attempt was made, so the lead's columns stay as they are.
            deferredMessages.push(...item.messages);
            deferForMs = outcome.retryAfterMs ?? 1_000;
            break;
          }
          if (lastReceive >= deps.maxReceiveCount) {
            const error = `Retries exhausted after ${lastReceive} attempts: ${outcome.message}`;
            results.push({ kind: 'failed', leadId, error, failureKind: 'exhausted', at });
            report.counts.exhausted += 1;
            deps.log.error('Lead sync retries exhausted; message goes to the DLQ', { leadId, error: outcome.message });
            // Shown again at once so SQS moves it to the DLQ on its next receive.
            for (const m of item.messages) retryItems.push({ receiptHandle: m.receiptHandle, delaySeconds: 0 });
          } else {
            results.push({ kind: 'retrying', leadId, error: outcome.message, at });
            report.counts.retrying += 1;
            const delaySeconds = backoffSeconds(lastReceive, deps.random, outcome.retryAfterMs);
            for (const m of item.messages) retryItems.push({ receiptHandle: m.receiptHandle, delaySeconds });
          }
          break;
        }
      }
    }
  }

  if (deferredMessages.length > 0) retryItems.push(...(await defer(deferredMessages, deferForMs, deps, report)));
  await deps.leads.recordSyncResults(results);
  await setVisibility(retryItems, deps);
}

/**
 * Hands messages back without an attempt, to return when the rate budget has room. Waiting for
 * budget must not use up a message's receives and land it in the DLQ: near maxReceiveCount the
 * lead is sent again as a fresh message and the old one let go.
 */
async function defer(
  messages: readonly LeadSyncMessage[],
  retryInMs: number,
  deps: LeadSyncDeps,
  report: { failedMessageIds: Set<string>; counts: { deferred: number } },
): Promise<{ receiptHandle: string; delaySeconds: number }[]> {
  // Visibility is set in whole seconds; rounding down lets the short in-process wait cover the rest.
  const delaySeconds = Math.min(MAX_DEFER_SECONDS, Math.max(1, Math.floor(retryInMs / 1000)));
  report.counts.deferred += messages.length;
  const keep: LeadSyncMessage[] = [];
  const fresh: LeadSyncMessage[] = [];
  for (const message of messages) {
    report.failedMessageIds.add(message.messageId);
    (resendsInsteadOfWaiting(message.receiveCount, deps.maxReceiveCount) ? fresh : keep).push(message);
  }
  if (fresh.length > 0) {
    const { failed } = await deps.requeue([...new Set(fresh.map((m) => m.leadId))], delaySeconds);
    const notSent = new Set(failed);
    for (const message of fresh) {
      // A lead that could not be re-sent keeps its original message instead.
      if (notSent.has(message.leadId)) keep.push(message);
      else report.failedMessageIds.delete(message.messageId);
    }
  }
  return keep.map((m) => ({ receiptHandle: m.receiptHandle, delaySeconds }));
}

async function setVisibility(items: readonly { receiptHandle: string; delaySeconds: number }[], deps: LeadSyncDeps): Promise<void> {
  if (items.length === 0) return;
  await deps.retries.retryAfter(items).catch((error: unknown) => {
    // Not lost: those messages come back when the queue's own visibility timeout ends.
    deps.log.warn('Backoff could not be set on some messages', { error });
  });
}

/**
 * Whether HubSpot's reason for not writing a lead is a conflict with another write (a per-input
 * error of category CONFLICT or LOCKED, or a whole request answered 409/423) rather than a refusal
 * of its data. HubSpot's error categories: https://developers.hubspot.com/docs/api/error-handling.
 * Also how the reconciliation recognises leads FAILED as refused by a conflict before conflicts
 * were retried.
 */
export function isConflictReason(reason: string): boolean {
  return /^(?:HubSpot (?:409|423)\b|(?:CONFLICT|LOCKED)\b)/.test(reason);
}

/**
 * Upserts the inputs; when HubSpot refuses the whole batch (a 400 naming no input), halves it
 * until the refused inputs stand alone, so one bad lead cannot hold back the other 99.
 */
async function upsertIsolatingRejections(
  inputs: readonly ContactInput[],
  deps: LeadSyncDeps,
  report: { hubspotCalls: number; hubspotCallMs: number[] },
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const { budgetMs, timeoutMs, maxWaitMs } = callLimits(deps.remainingTimeMs());
  if (budgetMs < 1_000) {
    for (const input of inputs) outcomes.set(input.email, { kind: 'retry', message: 'Function deadline too close to call HubSpot', attempted: false, retryAfterMs: 1_000 });
    return outcomes;
  }
  const started = Date.now();
  try {
    const result = await deps.hubspot.upsertByEmail(inputs, {
      maxWaitMs,
      timeoutMs,
    });
    report.hubspotCalls += 1;
    // HubSpot's own latency when the client measured it; the in-process budget wait is not HubSpot's.
    report.hubspotCallMs.push(result.requestMs ?? Date.now() - started);
    for (const [email, written] of result.written) outcomes.set(email, { kind: 'written', ...written });
    for (const [email, message] of result.rejected) {
      // Another writer held the email's contact (two environments upserting it at once): the next
      // upsert finds the contact it left and updates it, so this is a retry, not a refusal.
      outcomes.set(email, isConflictReason(message) ? { kind: 'retry', message, attempted: true } : { kind: 'rejected', message });
    }
    for (const [email, message] of result.conflicted ?? []) outcomes.set(email, { kind: 'retry', message, attempted: true });
    return outcomes;
  } catch (error) {
    if (error instanceof RateLimitedError) {
      // A 429 is a deferral, never an attempt (issue 13 §3): HubSpot refused nothing about the
      // lead, so waiting for the limit must not use up its attempts and land it in the DLQ.
      if (error.attempted) report.hubspotCalls += 1;
      for (const input of inputs) {
        outcomes.set(input.email, { kind: 'retry', message: error.message, retryAfterMs: error.retryAfterMs, attempted: false });
      }
      return outcomes;
    }
    if (error instanceof MisconfiguredError) {
      // No call was made (an unset token): each lead keeps the reason and waits, retried with
      // backoff until an operator fixes the setting, then FAILED with it (resync brings it back).
      for (const input of inputs) outcomes.set(input.email, { kind: 'retry', message: error.message, attempted: true });
      return outcomes;
    }
    report.hubspotCalls += 1;
    if (error instanceof RetryableError) {
      for (const input of inputs) outcomes.set(input.email, { kind: 'retry', message: error.message, retryAfterMs: error.retryAfterMs, attempted: true });
      return outcomes;
    }
    if (error instanceof PermanentError) {
      if (inputs.length === 1) {
        outcomes.set(inputs[0]!.email, { kind: 'rejected', message: error.message });
        return outcomes;
      }
      const middle = Math.ceil(inputs.length / 2);
      for (const half of [inputs.slice(0, middle), inputs.slice(middle)]) {
        for (const [email, outcome] of await upsertIsolatingRejections(half, deps, report)) outcomes.set(email, outcome);
      }
      return outcomes;
    }
    throw error;
  }
}
