/**
 * Events from the TurboTenant sandbox, shaped and signed as our contract says (CONTRACT.md,
 * "TurboTenant events"): one POST per change, body `{event_id, event_type, occurred_at,
 * landlord_id, property_id, lead?, metadata}`, with `X-TurboTenant-Timestamp` (unix seconds, taken
 * when each attempt is sent, so a retry is not refused as stale) and
 * `X-TurboTenant-Signature: v1=<hex HMAC>`.
 *
 * A failed delivery (5xx, 408, 429, a timeout, a connection error) is retried with exponential,
 * jittered, capped delays, keeping its event_id and occurred_at: the receiver's idempotency is
 * what makes a retry safe. Any other 4xx is the receiver refusing the event itself (a bad
 * signature, an invalid body); sending it again cannot help, so it is not retried. Retries and
 * concurrency mean events may arrive out of order, as a real sender's can.
 * Nothing is recorded or sent while no target URL is set. The sending itself (concurrency,
 * timeouts, retries, the delivery log) is the sandboxes' shared `../common/delivery.ts`.
 */
import { randomUUID } from 'node:crypto';
import { turboTenantSignatureHeaders } from '../../../../functions/connectors/turbotenant/signature.js';
import { checkTargetUrl as checkDeliveryTarget, DeliveryQueue, type DeliveryChaosCounts } from '../common/delivery.js';
import { DEFAULT_EVENT_METADATA } from './seed.js';
import type { StoreChange } from './store.js';
import type { EventDelivery, TurboTenantEventBody, TurboTenantEventOptions } from './types.js';

export const DEFAULT_EVENT_RETRY = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 } as const;
export const DEFAULT_EVENT_TIMEOUT_MS = 5_000;
export const MAX_CONCURRENT_EVENTS = 5;
/** Answers that say "later", though they are 4xx. */
const RETRIED_CLIENT_ERRORS = new Set([408, 429]);
const MAX_LOG_ENTRIES = 10_000;
const USER_AGENT = 'TurboTenant-Events/1.0 (sandbox)';

export function checkTargetUrl(targetUrl: string): string {
  return checkDeliveryTarget(targetUrl, 'event');
}

export function isRetried(status: number): boolean {
  return status === 0 || status >= 500 || RETRIED_CLIENT_ERRORS.has(status);
}

/** The event a store change announces. */
export function eventOf(change: StoreChange): TurboTenantEventBody {
  const base = {
    event_id: `evt_${randomUUID().replaceAll('-', '')}`,
    event_type: change.kind,
    occurred_at: new Date(change.at).toISOString(),
  };
  const metadata = { ...(change.metadata ?? DEFAULT_EVENT_METADATA) };
  if (change.kind === 'lead_created') {
    const { lead } = change;
    return {
      ...base,
      landlord_id: lead.landlord_id,
      property_id: lead.property_id,
      lead: {
        id: lead.id,
        email: lead.email,
        ...(lead.first_name !== undefined ? { first_name: lead.first_name } : {}),
        ...(lead.last_name !== undefined ? { last_name: lead.last_name } : {}),
        ...(lead.phone !== undefined ? { phone: lead.phone } : {}),
        ...(lead.message !== undefined ? { message: lead.message } : {}),
      },
      metadata,
    };
  }
  return { ...base, landlord_id: change.property.landlord_id, property_id: change.property.id, metadata };
}

/** One event a POST; the log counts attempts from 1. */
export class EventDispatcher {
  private readonly secret: string;
  private readonly queue: DeliveryQueue<TurboTenantEventBody, EventDelivery>;

  constructor(options: TurboTenantEventOptions | undefined) {
    this.secret = options?.webhookSecret ?? '';
    const targetUrl = options?.targetUrl ? checkTargetUrl(options.targetUrl) : null;
    if (targetUrl && !this.secret) throw new TypeError('events need a webhookSecret to sign them');
    const defaults = { retry: DEFAULT_EVENT_RETRY, timeoutMs: DEFAULT_EVENT_TIMEOUT_MS, maxConcurrent: MAX_CONCURRENT_EVENTS, maxLogEntries: MAX_LOG_ENTRIES };
    this.queue = new DeliveryQueue(targetUrl, options, defaults, {
      request: (event) => {
        const body = JSON.stringify(event);
        return { body, headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, ...turboTenantSignatureHeaders(this.secret, body) } };
      },
      retried: isRetried,
      entry: (event, attempt, { at, status, durationMs, error }) => ({
        at,
        eventId: event.event_id,
        eventType: event.event_type,
        attempt: attempt + 1,
        status,
        durationMs,
        ...(error !== undefined ? { error } : {}),
      }),
    });
  }

  get target(): string | null {
    return this.queue.target;
  }

  /** Turns events on (or moves them to another URL) or, with null, off: queued events and pending retries are dropped. */
  setTarget(targetUrl: string | null): void {
    if (targetUrl === null) {
      this.queue.setTarget(null);
      return;
    }
    if (!this.secret) throw new TypeError('events are not configured: start the sandbox with events: { webhookSecret } to sign them');
    this.queue.setTarget(checkTargetUrl(targetUrl));
  }

  deliveries(): EventDelivery[] {
    return this.queue.deliveries();
  }

  chaosStats(): DeliveryChaosCounts {
    return this.queue.chaosStats();
  }

  /** Drops queued events and pending retries and clears the log (sandbox reset); keeps the target. */
  reset(): void {
    this.queue.reset();
  }

  /** Queues the event of a store change, if a target is set. */
  record(change: StoreChange): void {
    if (this.queue.closed || this.queue.target === null) return;
    this.queue.enqueue(eventOf(change));
  }

  /** Waits until nothing is queued or in flight (pending retries are not waited for). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
