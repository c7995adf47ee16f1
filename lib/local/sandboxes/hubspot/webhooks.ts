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
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { signV1, signV3 } from '../../../../functions/connectors/hubspot/signature.js';
import { HUBSPOT_WEBHOOK_EVENTS } from '../../../topology.js';
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

interface Delivery {
  events: BaseEvent[];
  attempt: number;
  generation: number;
}

/** Body of `POST /__sandbox/webhooks`. */
export const WebhookTargetInput = z.object({ targetUrl: z.string().min(1).nullable() });

export function checkTargetUrl(targetUrl: string): string {
  let url: URL;
  try {
    url = new URL(targetUrl);
  } catch {
    throw new TypeError(`webhook targetUrl must be an absolute http(s) URL, got '${targetUrl}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`webhook targetUrl must be http(s), got '${targetUrl}'`);
  return targetUrl;
}

export class WebhookDispatcher {
  private targetUrl: string | null;
  private readonly clientSecret: string;
  private readonly appId: number;
  private readonly portalId: number;
  private readonly subscriptions: ReadonlySet<string>;
  private readonly announced: ReadonlySet<string>;
  private readonly batchWindowMs: number;
  private readonly maxEvents: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sourceId: string;

  private nextEventId = 1;
  /** Bumped when the target is turned off or the sandbox is reset: older deliveries are not retried. */
  private generation = 0;
  private queue: BaseEvent[] = [];
  private ready: Delivery[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Map<Promise<void>, AbortController>();
  private log: WebhookDelivery[] = [];
  private closed = false;

  constructor(options: HubSpotWebhookOptions | undefined) {
    this.clientSecret = options?.clientSecret ?? '';
    this.targetUrl = options?.targetUrl ? checkTargetUrl(options.targetUrl) : null;
    if (this.targetUrl && !this.clientSecret) throw new TypeError('webhooks need a clientSecret to sign deliveries');
    this.appId = options?.appId ?? APP_ID;
    this.portalId = options?.portalId ?? PORTAL_ID;
    this.subscriptions = new Set(options?.subscriptions ?? DEFAULT_SUBSCRIPTIONS);
    this.announced = new Set(options?.propertyNames ?? DEFAULT_ANNOUNCED_PROPERTIES);
    this.batchWindowMs = Math.max(0, options?.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS);
    this.maxEvents = Math.max(1, Math.floor(options?.maxEventsPerDelivery ?? DEFAULT_MAX_EVENTS_PER_DELIVERY));
    this.maxAttempts = Math.max(1, Math.floor(options?.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts));
    this.baseDelayMs = Math.max(0, options?.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs);
    this.maxDelayMs = Math.max(this.baseDelayMs, options?.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs);
    this.timeoutMs = Math.max(1, options?.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS);
    this.sourceId = String(this.appId);
  }

  get target(): string | null {
    return this.targetUrl;
  }

  /** Turns deliveries on (or moves them to another URL) or, with null, off: queued events and pending retries are dropped. */
  setTarget(targetUrl: string | null): void {
    if (targetUrl === null) {
      this.targetUrl = null;
      this.discardPending();
      return;
    }
    if (!this.clientSecret) {
      throw new TypeError('webhooks are not configured: start the sandbox with webhooks: { clientSecret } to sign deliveries');
    }
    this.targetUrl = checkTargetUrl(targetUrl);
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  /** Drops queued events and pending retries and clears the log (sandbox reset); keeps the target. */
  reset(): void {
    this.discardPending();
    this.log = [];
  }

  /** Turns a contact change made through the API into events, if a target is set. */
  record(change: ContactChange): void {
    if (this.closed || this.targetUrl === null) return;
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
  async flush(): Promise<void> {
    this.cut(true);
    while (!this.closed && (this.ready.length > 0 || this.inFlight.size > 0)) {
      this.pump();
      if (this.inFlight.size === 0) break;
      await Promise.race(this.inFlight.keys());
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.discardPending();
    for (const controller of this.inFlight.values()) controller.abort(new Error('sandbox closed'));
    await Promise.allSettled([...this.inFlight.keys()]);
  }

  private discardPending(): void {
    this.generation++;
    this.queue = [];
    this.ready = [];
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
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
    if (this.queue.length >= this.maxEvents) {
      this.cut(false);
      this.pump();
    }
    if (this.queue.length > 0 && !this.batchTimer) {
      this.batchTimer = setTimeout(() => {
        this.batchTimer = undefined;
        this.cut(true);
        this.pump();
      }, this.batchWindowMs);
    }
  }

  /** Moves queued events into deliveries of at most maxEvents; a partial last batch only when `all`. */
  private cut(all: boolean): void {
    while (this.queue.length >= this.maxEvents || (all && this.queue.length > 0)) {
      this.ready.push({ events: this.queue.splice(0, this.maxEvents), attempt: 0, generation: this.generation });
    }
    if (this.queue.length === 0 && this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
  }

  private pump(): void {
    while (!this.closed && this.targetUrl !== null && this.inFlight.size < MAX_CONCURRENT_DELIVERIES && this.ready.length > 0) {
      const delivery = this.ready.shift()!;
      const controller = new AbortController();
      const running: Promise<void> = this.send(delivery, this.targetUrl, controller)
        .catch(() => undefined)
        .finally(() => {
          this.inFlight.delete(running);
          this.pump();
        });
      this.inFlight.set(running, controller);
    }
  }

  private async send(delivery: Delivery, targetUrl: string, controller: AbortController): Promise<void> {
    const body = JSON.stringify(delivery.events.map((e) => withAttempt(e, delivery.attempt)));
    const timestamp = String(Date.now());
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      'X-HubSpot-Signature-v3': signV3(this.clientSecret, 'POST', targetUrl, body, timestamp),
      'X-HubSpot-Request-Timestamp': timestamp,
      'X-HubSpot-Signature': signV1(this.clientSecret, body),
      'X-HubSpot-Signature-Version': 'v1',
    };
    const at = Date.now();
    const started = performance.now();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    let status = 0;
    let error: string | undefined;
    try {
      const res = await fetch(targetUrl, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      const cause = reason instanceof Error && reason.cause instanceof Error ? `: ${reason.cause.message}` : '';
      error = `${reason instanceof Error ? reason.message : String(reason)}${cause}`;
    } finally {
      clearTimeout(timer);
    }
    this.note({
      at,
      attempt: delivery.attempt,
      status,
      events: delivery.events.length,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(error !== undefined ? { error } : {}),
    });
    const delivered = status >= 200 && status < 300;
    if (delivered || NOT_RETRIED.has(status)) return;
    if (this.closed || delivery.generation !== this.generation || delivery.attempt + 1 >= this.maxAttempts) return;
    const next: Delivery = { ...delivery, attempt: delivery.attempt + 1 };
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      if (this.closed || next.generation !== this.generation) return;
      this.ready.push(next);
      this.pump();
    }, this.retryDelay(delivery.attempt));
    this.retryTimers.add(t);
  }

  /** Exponential from baseDelayMs, capped at maxDelayMs, with jitter over the upper half. */
  private retryDelay(failedAttempt: number): number {
    const capped = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failedAttempt, 30));
    return Math.round(capped / 2 + (Math.random() * capped) / 2);
  }

  private note(entry: WebhookDelivery): void {
    this.log.push(entry);
    if (this.log.length > MAX_LOG_ENTRIES + MAX_LOG_ENTRIES / 10) this.log.splice(0, this.log.length - MAX_LOG_ENTRIES);
  }
}

function withAttempt(event: BaseEvent, attemptNumber: number): WebhookEvent {
  const { objectId, ...head } = event;
  // attemptNumber sits before objectId, as in HubSpot's deliveries.
  const { eventId, subscriptionId, portalId, appId, occurredAt, subscriptionType, ...tail } = head;
  return { eventId, subscriptionId, portalId, appId, occurredAt, subscriptionType, attemptNumber, objectId, ...tail };
}
