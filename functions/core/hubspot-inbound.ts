/**
 * One batch of the hubspot-events queue (issue 3 §2): events already settled are dropped (SQS
 * duplicates, HubSpot re-sends), the rest applied per portal with one contact read per 100
 * contacts, then settled: recorded as done and counted, exactly once.
 *
 * A failure of a portal's events (HubSpot 429/5xx, a store error) sends that portal's messages back
 * to the queue with backoff; applying an event twice is harmless (the contact's current state is
 * applied, guarded by its modification time), so a crash between applying and settling costs
 * nothing but a repeat. After the last attempt the messages go to the DLQ and count as failed.
 */
import { RetryableError } from './errors.js';
import { applyContactEvents, type ConflictRule, type ContactEvent, type EventOutcome, type InboundReport } from './inbound-contacts.js';
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
  const failing: { events: ContactEvent[]; error: unknown }[] = [];
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
    } catch (error) {
      failing.push({ events, error });
    }
  }

  const receivedAt = latest(messages.map((m) => m.receivedAt));
  if (outcomes.size > 0) {
    try {
      await deps.ledger.settle(outcomes, receivedAt);
    } catch (error) {
      // Applied but not recorded: the messages come back and the events are applied again, harmlessly.
      failing.push({ events: [...outcomes.keys()].map((key) => ({ key }) as ContactEvent), error });
      outcomes.clear();
    }
  }
  for (const outcome of outcomes.values()) {
    if (outcome.status === 'processed') report.processed += 1;
    else report.skipped[outcome.reason] = (report.skipped[outcome.reason] ?? 0) + 1;
  }

  for (const { events, error } of failing) await fail(events, error, carriers, report, deps, receivedAt);
  return report;
}

function latest(times: readonly (string | undefined)[]): string | undefined {
  return times.reduce<string | undefined>((a, b) => (b !== undefined && (a === undefined || b > a) ? b : a), undefined);
}

async function fail(
  events: readonly ContactEvent[],
  error: unknown,
  carriers: ReadonlyMap<string, InboundMessage[]>,
  report: { failedMessageIds: Set<string>; failed: number },
  deps: HubSpotInboundDeps,
  receivedAt: string | undefined,
): Promise<void> {
  const messages = new Map<string, InboundMessage>();
  for (const event of events) for (const message of carriers.get(event.key) ?? []) messages.set(message.messageId, message);
  const retryable = error instanceof RetryableError;
  deps.log.warn('HubSpot events will be retried', {
    events: events.length,
    messages: messages.size,
    retryable,
    error: error instanceof Error ? error.message : String(error),
  });
  // Counted once each: the failing events a message at its last attempt carries (not the ones it
  // carries that were settled before).
  const failing = new Set(events.map((e) => e.key));
  const parked = new Set<string>();
  const plans = [...messages.values()].map((message) => {
    const redelivery = redeliveryFor(error, message.receiveCount, deps.maxReceiveCount, deps.random);
    if (redelivery.kind === 'park') for (const event of message.events) if (failing.has(event.key)) parked.add(event.key);
    return { message, redelivery };
  });
  if (parked.size > 0) {
    // These go to the DLQ now; a redrive (resync flow) brings them back.
    report.failed += parked.size;
    deps.log.error('HubSpot events failed their last attempt and go to the DLQ', { events: parked.size });
    await deps.ledger.failed([...parked], receivedAt).catch((e: unknown) => deps.log.error('Webhook statistics not updated', { error: e }));
  }
  for (const messageId of await redeliver(plans, deps.retries, deps.log)) report.failedMessageIds.add(messageId);
}
