/**
 * One batch of the hubspot-events queue (issue 3 §2): events already settled are dropped (SQS
 * duplicates, HubSpot re-sends), the rest applied per portal with one contact read per 100
 * contacts, then settled: recorded as done and counted, exactly once.
 *
 * A failure (HubSpot 429/5xx, a store error, one contact that cannot be applied) fails only the
 * events it concerns: the others settle, and the messages carrying a failed event go back to the
 * queue with backoff, where the settled events are dropped as duplicates. Applying an event twice
 * is harmless (the contact's current state is applied, guarded by its modification time), so a
 * crash between applying and settling costs nothing but a repeat. After the last attempt the
 * messages go to the DLQ and their failed events count as failed, each logged with its reason.
 */
import { RateLimitedError, RetryableError } from './errors.js';
import { applyContactEvents, type ConflictRule, type ContactEvent, type ContactLeadBatches, type EventOutcome, type InboundReport } from './inbound-contacts.js';
import type { HubSpotContactReader, LeadStore, Log, MessageRetries, WebhookLedger } from './ports.js';
import { redeliver, redeliveryFor } from './retry-policy.js';

export interface InboundMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly receiveCount: number;
  /** The message as queued (a fresh copy of it is sent when a rate limit holds it near its last receive). */
  readonly body?: string;
  readonly portalId: string;
  /** When the webhook route accepted the delivery. */
  readonly receivedAt?: string;
  readonly events: readonly ContactEvent[];
}

export interface PortalIntegration {
  readonly contacts: HubSpotContactReader;
  readonly conflictRule: ConflictRule;
}

export interface HubSpotInboundDeps {
  readonly leads: LeadStore;
  /** The lead store's batched lookups and creations (see InboundDeps.batches). */
  readonly batches?: ContactLeadBatches;
  readonly ledger: WebhookLedger;
  readonly portal: (portalId: string) => Promise<PortalIntegration | undefined>;
  readonly retries: MessageRetries;
  readonly platformSource: string;
  readonly maxReceiveCount: number;
  readonly now: () => Date;
  readonly random: () => number;
  readonly log: Log;
  /** Time left in this invocation; see InboundDeps.remainingMs. */
  readonly remainingMs?: () => number;
}

export interface InboundBatchReport {
  readonly failedMessageIds: Set<string>;
  readonly events: number;
  readonly duplicates: number;
  readonly processed: number;
  readonly skipped: Record<string, number>;
  readonly failed: number;
  readonly contactReads: number;
}

export async function processInboundBatch(messages: readonly InboundMessage[], deps: HubSpotInboundDeps): Promise<InboundBatchReport> {
  const failedMessageIds = new Set<string>();
  const report = { failedMessageIds, events: 0, duplicates: 0, processed: 0, skipped: {} as Record<string, number>, failed: 0, contactReads: 0 };

  // Each key once per batch; the messages carrying it share its fate.
  const carriers = new Map<string, InboundMessage[]>();
  const byPortal = new Map<string, ContactEvent[]>();
  for (const message of messages) {
    for (const event of message.events) {
      report.events += 1;
      const seen = carriers.get(event.key);
      if (seen) {
        seen.push(message);
        report.duplicates += 1;
        continue;
      }
      carriers.set(event.key, [message]);
      byPortal.set(message.portalId, [...(byPortal.get(message.portalId) ?? []), event]);
    }
  }
  const settledBefore = await deps.ledger.seen([...carriers.keys()]);
  report.duplicates += settledBefore.size;

  const outcomes = new Map<string, EventOutcome>();
  /** Event key → why it could not be applied now; its carriers come back (or park) for it alone. */
  const failures = new Map<string, unknown>();
  for (const [portalId, all] of byPortal) {
    const events = all.filter((e) => !settledBefore.has(e.key));
    if (events.length === 0) continue;
    try {
      // An invalid portal configuration throws here: the events wait (and park) until it is fixed.
      const integration = await deps.portal(portalId);
      if (!integration) {
        // Not a portal this deployment serves (or no longer): counted, not an error storm.
        for (const event of events) outcomes.set(event.key, { status: 'skipped', reason: 'unknown_portal' });
        continue;
      }
      const applied: InboundReport = await applyContactEvents(events, { ...deps, contacts: integration.contacts, conflictRule: integration.conflictRule, portalId });
      report.contactReads += applied.contactReads;
      for (const [key, outcome] of applied.outcomes) outcomes.set(key, outcome);
      for (const [key, error] of applied.failures) failures.set(key, error);
    } catch (error) {
      for (const event of events) failures.set(event.key, error);
    }
  }

  const receivedAt = latest(messages.map((m) => m.receivedAt));
  if (outcomes.size > 0) {
    try {
      await deps.ledger.settle(outcomes, receivedAt);
    } catch (error) {
      // Applied but not recorded: the messages come back and the events are applied again, harmlessly.
      for (const key of outcomes.keys()) failures.set(key, error);
      outcomes.clear();
    }
  }
  for (const outcome of outcomes.values()) {
    if (outcome.status === 'processed') report.processed += 1;
    else report.skipped[outcome.reason] = (report.skipped[outcome.reason] ?? 0) + 1;
  }

  if (failures.size > 0) await fail(failures, carriers, report, deps, receivedAt);
  return report;
}

function latest(times: readonly (string | undefined)[]): string | undefined {
  return times.reduce<string | undefined>((a, b) => (b !== undefined && (a === undefined || b > a) ? b : a), undefined);
}

/**
 * The messages carrying failed events come back with backoff, or park at their last attempt. Their
 * other events were settled, so a redelivery (or a DLQ redrive) applies the failed ones alone.
 */
async function fail(
  failures: ReadonlyMap<string, unknown>,
  carriers: ReadonlyMap<string, InboundMessage[]>,
  report: { failedMessageIds: Set<string>; failed: number },
  deps: HubSpotInboundDeps,
  receivedAt: string | undefined,
): Promise<void> {
  const messages = new Map<string, InboundMessage>();
  for (const key of failures.keys()) for (const message of carriers.get(key) ?? []) messages.set(message.messageId, message);
  const reasons = new Map<string, number>();
  for (const error of failures.values()) reasons.set(describe(error), (reasons.get(describe(error)) ?? 0) + 1);
  deps.log.warn('HubSpot events will be retried', {
    events: failures.size,
    messages: messages.size,
    retryable: [...failures.values()].every((e) => e instanceof RetryableError),
    reasons: Object.fromEntries(reasons),
  });
  // Counted once each: the failing events a message at its last attempt carries (not the ones it
  // carries that were settled before).
  const parked = new Map<string, unknown>();
  const plans = [...messages.values()].map((message) => {
    const failing = message.events.filter((e) => failures.has(e.key));
    const redelivery = redeliveryFor(decisive(failing.map((e) => failures.get(e.key))), message.receiveCount, deps.maxReceiveCount, deps.random);
    if (redelivery.kind === 'park') for (const event of failing) parked.set(event.key, failures.get(event.key));
    return { message, redelivery };
  });
  if (parked.size > 0) {
    // These go to the DLQ now; a redrive (resync flow) brings them back.
    report.failed += parked.size;
    for (const [key, error] of parked) deps.log.error('HubSpot event failed its last attempt and goes to the DLQ', { eventKey: key, reason: describe(error) });
    await deps.ledger.failed([...parked.keys()], receivedAt).catch((e: unknown) => deps.log.error('Webhook statistics not updated', { error: e }));
  }
  for (const messageId of await redeliver(plans, deps.retries, deps.log)) report.failedMessageIds.add(messageId);
}

/**
 * The error a message's redelivery follows when its events failed for different reasons: one that
 * is an attempt (it counts towards the DLQ) over a rate limit's deferral, which is not.
 */
function decisive(errors: readonly unknown[]): unknown {
  return errors.find((e) => !(e instanceof RateLimitedError)) ?? errors[0];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
