/**
 * One batch of the turbotenant-events queue: events already settled are dropped (the same
 * `event_id` again has no second effect), the rest synced together (calls batched across events),
 * their confirmations recorded; transient failures go back to the queue with backoff, and at the
 * last attempt are confirmed as errors (they also wait in the DLQ for a redrive).
 */
import type { EventResult, TurboTenantEvent, TurboTenantSyncDeps } from './turbotenant-sync.js';
import { syncTurboTenantEvents } from './turbotenant-sync.js';
import type { Log, MessageRetries } from './ports.js';
import { redeliver, redeliveryFor, type Redelivery } from './retry-policy.js';

export interface TurboTenantMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly receiveCount: number;
  /** The message as queued (a fresh copy of it is sent when a rate limit holds it near its last receive). */
  readonly body?: string;
  readonly event: TurboTenantEvent;
}

export interface EventConfirmations {
  settled(eventIds: readonly string[]): Promise<Set<string>>;
  record(results: ReadonlyMap<string, EventResult>): Promise<void>;
}

export interface TurboTenantBatchDeps extends TurboTenantSyncDeps {
  readonly confirmations: EventConfirmations;
  readonly retries: MessageRetries;
  readonly maxReceiveCount: number;
  readonly random: () => number;
  readonly log: Log;
}

export interface TurboTenantBatchReport {
  readonly failedMessageIds: Set<string>;
  readonly synced: number;
  readonly errors: number;
  readonly duplicates: number;
  readonly unchanged: number;
}

export async function processTurboTenantBatch(messages: readonly TurboTenantMessage[], deps: TurboTenantBatchDeps): Promise<TurboTenantBatchReport> {
  const failedMessageIds = new Set<string>();
  const settled = await deps.confirmations.settled(messages.map((m) => m.event.eventId));
  const fresh = new Map<string, TurboTenantMessage[]>();
  let duplicates = 0;
  for (const message of messages) {
    if (settled.has(message.event.eventId)) {
      duplicates += 1;
      continue;
    }
    const same = fresh.get(message.event.eventId);
    if (same) duplicates += 1;
    fresh.set(message.event.eventId, [...(same ?? []), message]);
  }
  if (fresh.size === 0) return { failedMessageIds, synced: 0, errors: 0, duplicates, unchanged: 0 };

  const report = await syncTurboTenantEvents(
    [...fresh.values()].map((carriers) => carriers[0]!.event),
    deps,
  );
  const results = new Map(report.results);
  const plans: { message: TurboTenantMessage; redelivery: Redelivery }[] = [];
  for (const [eventId, error] of report.retry) {
    for (const message of fresh.get(eventId) ?? []) {
      const redelivery = redeliveryFor(error, message.receiveCount, deps.maxReceiveCount, deps.random);
      if (redelivery.kind === 'park') {
        // Confirmed as an error now (the caller can see it); the message waits in the DLQ for a redrive.
        results.set(eventId, { status: 'error', message: `Retries exhausted after ${message.receiveCount} attempts: ${error.message}`, parked: true });
      }
      plans.push({ message, redelivery });
    }
  }
  await deps.confirmations.record(results);
  for (const messageId of await redeliver(plans, deps.retries, deps.log)) failedMessageIds.add(messageId);
  const values = [...results.values()];
  return {
    failedMessageIds,
    synced: values.filter((r) => r.status === 'success').length,
    errors: values.filter((r) => r.status === 'error').length,
    duplicates,
    unchanged: report.unchanged,
  };
}
