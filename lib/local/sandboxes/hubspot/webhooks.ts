/**
 * Webhook deliveries from the HubSpot sandbox, shaped and signed like HubSpot's Webhooks API
 * (`shared/specs/hubspot/SIGNATURES.md`, `webhooks-v3.json`):
 * - contact changes made through the sandbox's API become events (`contact.creation`,
 *   `contact.propertyChange` per announced property whose value changed, `contact.deletion`,
 *   `contact.merge`, `contact.restore`, `contact.privacyDeletion`);
 * - events are batched (at most `maxEventsPerDelivery` per request, after `batchWindowMs`) and
 *   POSTed as a raw JSON array with both the v3 and the v1 signature headers;
 * - a failed delivery (non-2xx, 5 s timeout, connection error) is retried with exponential,
 *   jittered, capped delays, except on 400, 401, 403, 404 and 405; `attemptNumber` counts the
 *   attempts, the events keep their eventId and occurredAt.
 * Nothing is recorded or sent while no target URL is set.
 *
 * The dispatcher keeps to its own options (target, subscriptions, announced properties): settings
 * and subscriptions managed through the sandbox's Webhooks API (`webhook-settings.ts`) are kept
 * apart and change nothing here, so a test's deliveries never depend on what the code under test
 * configured.
 *
 * Batching is HubSpot's own; the sending of each batch (concurrency, timeouts, retries, the
 * delivery log) is the sandboxes' shared `../common/delivery.ts`.
 */
import { z } from 'zod';
import { signV1, signV3 } from '../../../../functions/connectors/hubspot/signature.js';
import { HUBSPOT_WEBHOOK_EVENTS } from '../../../topology.js';
import { checkTargetUrl as checkDeliveryTarget, DeliveryQueue, type DeliveryChaosCounts } from '../common/delivery.js';
import { APP_ID, PORTAL_ID } from './errors.js';
import type { ContactChange } from './store.js';
import type { HubSpotWebhookOptions, WebhookDelivery, WebhookEvent, WebhookSubscriptionType } from './types.js';

/** An app subscribed to what the inbound flow handles. */
export const DEFAULT_SUBSCRIPTIONS: readonly WebhookSubscriptionType[] = HUBSPOT_WEBHOOK_EVENTS;
export const DEFAULT_ANNOUNCED_PROPERTIES: readonly string[] = ['email', 'firstname', 'lastname', 'phone', 'message', 'lead_source_system'];
export const DEFAULT_BATCH_WINDOW_MS = 100;
/** HubSpot sends at most 100 events in one request. */
export const DEFAULT_MAX_EVENTS_PER_DELIVERY = 100;
export const DEFAULT_RETRY = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 10 * 60_000 } as const;
/** HubSpot gives a receiver 5 seconds to answer. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 5_000;
export const MAX_CONCURRENT_DELIVERIES = 5;
/** HubSpot does not retry deliveries answered with these. */
export const NOT_RETRIED = new Set([400, 401, 403, 404, 405]);
const MAX_LOG_ENTRIES = 10_000;
const USER_AGENT = 'HubSpot Connect 2.0 (http://dev.hubspot.com/)';

/** One stable subscription id per subscription type, as an app's subscriptions would have. */
const SUBSCRIPTION_IDS: Readonly<Record<WebhookSubscriptionType, number>> = {
  'contact.creation': 2_700_001,
  'contact.propertyChange': 2_700_002,
  'contact.deletion': 2_700_003,
  'contact.merge': 2_700_004,
  'contact.associationChange': 2_700_005,
  'contact.restore': 2_700_006,
  'contact.privacyDeletion': 2_700_007,
};

type BaseEvent = Omit<WebhookEvent, 'attemptNumber'>;

/** Body of `POST /__sandbox/webhooks`. */
export const WebhookTargetInput = z.object({ targetUrl: z.string().min(1).nullable() });

export function checkTargetUrl(targetUrl: string): string {
  return checkDeliveryTarget(targetUrl, 'webhook');
}

/** Batches of events a POST; attempts (and each event's attemptNumber) count from 0. */
export class WebhookDispatcher {
  private readonly clientSecret: string;
  private readonly appId: number;
  private readonly portalId: number;
  private readonly subscriptions: ReadonlySet<string>;
  private readonly announced: ReadonlySet<string>;
  private readonly batchWindowMs: number;
  private readonly maxEvents: number;
  private readonly sourceId: string;
  private readonly deliveryQueue: DeliveryQueue<BaseEvent[], WebhookDelivery>;

  private nextEventId = 1;
  /** Events waiting for their batch to fill or its window to end. */
  private queue: BaseEvent[] = [];
  private batchTimer: NodeJS.Timeout | undefined;

  constructor(options: HubSpotWebhookOptions | undefined) {
    this.clientSecret = options?.clientSecret ?? '';
    const targetUrl = options?.targetUrl ? checkTargetUrl(options.targetUrl) : null;
    if (targetUrl && !this.clientSecret) throw new TypeError('webhooks need a clientSecret to sign deliveries');
    this.appId = options?.appId ?? APP_ID;
    this.portalId = options?.portalId ?? PORTAL_ID;
    this.subscriptions = new Set(options?.subscriptions ?? DEFAULT_SUBSCRIPTIONS);
    this.announced = new Set(options?.propertyNames ?? DEFAULT_ANNOUNCED_PROPERTIES);
    this.batchWindowMs = Math.max(0, options?.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS);
    this.maxEvents = Math.max(1, Math.floor(options?.maxEventsPerDelivery ?? DEFAULT_MAX_EVENTS_PER_DELIVERY));
    this.sourceId = String(this.appId);
    const defaults = { retry: DEFAULT_RETRY, timeoutMs: DEFAULT_DELIVERY_TIMEOUT_MS, maxConcurrent: MAX_CONCURRENT_DELIVERIES, maxLogEntries: MAX_LOG_ENTRIES };
    this.deliveryQueue = new DeliveryQueue(targetUrl, options, defaults, {
      request: (events, attempt, url) => this.request(events, attempt, url),
      retried: (status) => !NOT_RETRIED.has(status),
      entry: (events, attempt, { at, status, durationMs, error }) => ({
        at,
        attempt,
        status,
        events: events.length,
        durationMs,
        ...(error !== undefined ? { error } : {}),
      }),
    });
  }

  get target(): string | null {
    return this.deliveryQueue.target;
  }

  /** Turns deliveries on (or moves them to another URL) or, with null, off: queued events and pending retries are dropped. */
  setTarget(targetUrl: string | null): void {
    if (targetUrl === null) {
      this.dropQueued();
      this.deliveryQueue.setTarget(null);
      return;
    }
    if (!this.clientSecret) {
      throw new TypeError('webhooks are not configured: start the sandbox with webhooks: { clientSecret } to sign deliveries');
    }
    this.deliveryQueue.setTarget(checkTargetUrl(targetUrl));
  }

  deliveries(): WebhookDelivery[] {
    return this.deliveryQueue.deliveries();
  }

  chaosStats(): DeliveryChaosCounts {
    return this.deliveryQueue.chaosStats();
  }

  /** Drops queued events and pending retries and clears the log (sandbox reset); keeps the target. */
  reset(): void {
    this.dropQueued();
    this.deliveryQueue.reset();
  }

  /** Turns a contact change made through the API into events, if a target is set. */
  record(change: ContactChange): void {
    if (this.deliveryQueue.closed || this.deliveryQueue.target === null) return;
    const objectId = change.record.num;
    const at = change.at;
    switch (change.kind) {
      case 'create':
        this.push('contact.creation', objectId, at, { changeFlag: 'NEW' });
        this.announce(objectId, at, change.values);
        break;
      case 'update':
        this.announce(objectId, at, change.changed);
        break;
      case 'archive':
        this.push('contact.deletion', objectId, at, { changeFlag: 'DELETED' });
        break;
      case 'merge':
        // The merge itself, then the values the primary gained, as any other property change.
        this.push('contact.merge', objectId, at, {
          primaryObjectId: objectId,
          mergedObjectIds: [change.merged.num],
          newObjectId: objectId,
          numberOfPropertiesMoved: change.moved.size,
        });
        this.announce(objectId, at, change.moved);
        break;
      case 'restore':
        // HubSpot adds no fields of its own to restore events.
        this.push('contact.restore', objectId, at, {});
        break;
      case 'privacyDeletion':
        this.push('contact.privacyDeletion', objectId, at, {});
        break;
    }
  }

  /** One contact.propertyChange per announced property among `values`. */
  private announce(objectId: number, at: number, values: ReadonlyMap<string, string>): void {
    for (const [name, value] of values) {
      if (this.announced.has(name)) this.push('contact.propertyChange', objectId, at, { propertyName: name, propertyValue: value });
    }
  }

  /** Sends what is queued now and waits until nothing is queued or in flight (pending retries are not waited for). */
  flush(): Promise<void> {
    this.cut(true);
    return this.deliveryQueue.flush();
  }

  close(): Promise<void> {
    this.dropQueued();
    return this.deliveryQueue.close();
  }

  /** Drops the events not yet cut into a delivery (the delivery queue drops its own). */
  private dropQueued(): void {
    this.queue = [];
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
  }

  private push(type: WebhookSubscriptionType, objectId: number, occurredAt: number, extra: Partial<BaseEvent>): void {
    if (!this.subscriptions.has(type)) return;
    // Key order as in HubSpot's deliveries.
    const event: BaseEvent = {
      eventId: this.nextEventId++,
      subscriptionId: SUBSCRIPTION_IDS[type],
      portalId: this.portalId,
      appId: this.appId,
      occurredAt,
      subscriptionType: type,
      objectId,
      ...(extra.propertyName !== undefined ? { propertyName: extra.propertyName, propertyValue: extra.propertyValue ?? '' } : {}),
      changeSource: 'API',
      sourceId: this.sourceId,
      ...(extra.changeFlag !== undefined ? { changeFlag: extra.changeFlag } : {}),
      ...(extra.primaryObjectId !== undefined
        ? {
            primaryObjectId: extra.primaryObjectId,
            mergedObjectIds: extra.mergedObjectIds ?? [],
            newObjectId: extra.newObjectId ?? extra.primaryObjectId,
            numberOfPropertiesMoved: extra.numberOfPropertiesMoved ?? 0,
          }
        : {}),
    };
    this.queue.push(event);
    if (this.queue.length >= this.maxEvents) this.cut(false);
    if (this.queue.length > 0 && !this.batchTimer) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = undefined;
        this.cut(true);
      }, this.batchWindowMs);
    }
  }

  /** Moves queued events into deliveries of at most maxEvents, sent as they are cut; a partial last batch only when `all`. */
  private cut(all: boolean): void {
    while (this.queue.length >= this.maxEvents || (all && this.queue.length > 0)) {
      this.deliveryQueue.enqueue(this.queue.splice(0, this.maxEvents));
    }
    if (this.queue.length === 0 && this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
  }

  /** One attempt's body and headers: the events carry its number, and it is signed when sent. */
  private request(events: BaseEvent[], attempt: number, targetUrl: string): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify(events.map((e) => withAttempt(e, attempt)));
    const timestamp = String(Date.now());
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      'X-HubSpot-Signature-v3': signV3(this.clientSecret, 'POST', targetUrl, body, timestamp),
      'X-HubSpot-Request-Timestamp': timestamp,
      'X-HubSpot-Signature': signV1(this.clientSecret, body),
      'X-HubSpot-Signature-Version': 'v1',
    };
    return { body, headers };
  }
}

function withAttempt(event: BaseEvent, attemptNumber: number): WebhookEvent {
  const { objectId, ...head } = event;
  // attemptNumber sits before objectId, as in HubSpot's deliveries.
  const { eventId, subscriptionId, portalId, appId, occurredAt, subscriptionType, ...tail } = head;
  return { eventId, subscriptionId, portalId, appId, occurredAt, subscriptionType, attemptNumber, objectId, ...tail };
}
