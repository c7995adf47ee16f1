/**
 * What the webhook route does with a verified, well-formed delivery (issue 3 §1): events of
 * portals this deployment serves and of types it handles are queued, grouped by portal in
 * messages under the SQS size limit; the rest are counted as skipped, not refused, so HubSpot does
 * not retry them in a storm. Only when every message is queued may the route answer 200.
 */
import type { MessageSender, Log, WebhookStats } from './ports.js';

export interface IntakeEvent {
  readonly portalId: number;
  readonly subscriptionType: string;
}

export interface IntakeDeps {
  readonly isKnownPortal: (portalId: string) => Promise<boolean>;
  /** Subscription types the consumer acts on. */
  readonly handledTypes: ReadonlySet<string>;
  readonly queue: MessageSender;
  readonly stats: WebhookStats;
  readonly now: () => Date;
  readonly log: Log;
  /** Largest message body; an SQS message holds 256 KB. */
  readonly maxMessageBytes?: number;
}

export interface IntakeResult {
  readonly received: number;
  readonly queued: number;
  readonly skipped: Readonly<Record<string, number>>;
}

/** Some events could not be queued: the route answers 5xx so HubSpot sends the delivery again. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
}

const DEFAULT_MAX_MESSAGE_BYTES = 200 * 1024;

export async function acceptWebhookEvents<E extends IntakeEvent>(events: readonly E[], deps: IntakeDeps): Promise<IntakeResult> {
  const skipped: Record<string, number> = {};
  const byPortal = new Map<string, E[]>();
  const known = new Map<string, boolean>();
  for (const event of events) {
    const portal = String(event.portalId);
    if (!known.has(portal)) known.set(portal, await deps.isKnownPortal(portal));
    if (!known.get(portal)) {
      skipped.unknown_portal = (skipped.unknown_portal ?? 0) + 1;
      continue;
    }
    if (!deps.handledTypes.has(event.subscriptionType)) {
      skipped.unsupported_event = (skipped.unsupported_event ?? 0) + 1;
      continue;
    }
    byPortal.set(portal, [...(byPortal.get(portal) ?? []), event]);
  }
  if (skipped.unknown_portal) {
    deps.log.warn('Webhook events for a portal this deployment does not serve were skipped', {
      portals: [...known.entries()].filter(([, ok]) => !ok).map(([portal]) => portal),
      events: skipped.unknown_portal,
    });
  }

  const bodies = [...byPortal.entries()].flatMap(([portalId, portalEvents]) =>
    messageBodies(Number(portalId), portalEvents, deps.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
  );
  const queued = bodies.reduce((n, b) => n + b.events, 0);
  if (bodies.length > 0) {
    const { failed } = await deps.queue.sendBodies(bodies.map((b) => b.body));
    if (failed.length > 0) throw new QueueUnavailableError(`${failed.length} of ${bodies.length} event messages could not be queued`);
  }

  const result: IntakeResult = { received: events.length, queued, skipped };
  try {
    await deps.stats.received({ received: events.length, skipped }, deps.now().toISOString());
  } catch (error) {
    // The events are safely queued; failing the request now would only make HubSpot send them again.
    deps.log.error('Webhook statistics not updated', { error, ...result });
  }
  return result;
}

/** The events of one portal as messages of at most maxBytes (a single oversized event travels alone). */
function messageBodies(portalId: number, events: readonly IntakeEvent[], maxBytes: number): { body: string; events: number }[] {
  const out: { body: string; events: number }[] = [];
  let current: string[] = [];
  let bytes = 0;
  const envelope = Buffer.byteLength(JSON.stringify({ portalId, events: [] }));
  const flush = () => {
    if (current.length === 0) return;
    out.push({ body: `{"portalId":${portalId},"events":[${current.join(',')}]}`, events: current.length });
    current = [];
    bytes = 0;
  };
  for (const event of events) {
    const json = JSON.stringify(event);
    const size = Buffer.byteLength(json) + 1;
    if (current.length > 0 && envelope + bytes + size > maxBytes) flush();
    current.push(json);
    bytes += size;
  }
  flush();
  return out;
}
