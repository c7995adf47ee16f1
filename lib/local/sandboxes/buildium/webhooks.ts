/**
 * Buildium's webhooks, as the official document's "Webhooks" section describes them: one Event
 * object per change, POSTed as compact JSON (`Content-Type: application/json`) with
 * `buildium-webhook-timestamp` (unix seconds when the attempt is sent) and
 * `buildium-webhook-signature` (base64 HMAC-SHA256 of `${timestamp}.${body}`, keyed by the
 * subscription's secret; `signBuildium` of the connector, so the two sides cannot drift apart).
 *
 * An attempt is unsuccessful when it gets anything but a 2xx or no answer within 10 s; Buildium
 * retries it after 1 minute, 10 minutes and 1 hour, then gives up (`retryDelaysMs` makes those
 * milliseconds in tests). Every attempt carries the same body, signed anew with its own timestamp.
 * Deliveries run in the background, a few at a time, and may arrive out of order, as Buildium warns.
 *
 * Not modelled: the subscription's suspension after 20 consecutive failed attempts, per-event
 * subscriptions (every event goes to the one URL).
 */
import { BUILDIUM_SIGNATURE_HEADER, BUILDIUM_TIMESTAMP_HEADER, signBuildium } from '../../../../functions/connectors/buildium/signature.js';
import { checkTargetUrl } from '../common/delivery.js';
import { BoundedLog } from '../common/http-server.js';
import type { StoreChange } from './store.js';
import type { BuildiumEventName, BuildiumRecordType, BuildiumWebhookEvent, BuildiumWebhookOptions, WebhookDelivery } from './types.js';

/** Buildium's retry intervals: 1 minute, 10 minutes, 1 hour. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [60_000, 600_000, 3_600_000];
/** Buildium's limit for an answer. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** The document's sample AccountId. */
export const DEFAULT_ACCOUNT_ID = 123456;
const MAX_CONCURRENT = 5;
const MAX_LOG_ENTRIES = 10_000;

/** The entity name of each record type's EventName and the identifier field its events carry. */
const ENTITY: Record<BuildiumRecordType, { name: string; idField: 'PropertyId' | 'UnitId' | 'LeaseId' | 'TenantId' }> = {
  rental: { name: 'Rental', idField: 'PropertyId' },
  unit: { name: 'RentalUnit', idField: 'UnitId' },
  lease: { name: 'Lease', idField: 'LeaseId' },
  tenant: { name: 'LeaseTenant', idField: 'TenantId' },
};

/** The document's `YYYY-MM-DDTHH:MM:SS.SSSSSSSZ` (UTC, seven fraction digits) of an epoch-ms time. */
export function eventDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export function eventOf(change: StoreChange, accountId: number): BuildiumWebhookEvent {
  const { name, idField } = ENTITY[change.type];
  return {
    EventName: `${name}.${change.op}` as BuildiumEventName,
    EventDateTime: eventDateTime(change.at),
    AccountId: accountId,
    [idField]: change.id,
  };
}

interface Delivery {
  record: WebhookDelivery;
  body: string;
  generation: number;
}

function checkOptions(options: BuildiumWebhookOptions): { retryDelaysMs: number[]; timeoutMs: number; accountId: number } {
  checkTargetUrl(options.url, 'webhooks');
  if (typeof options.secret !== 'string' || options.secret === '') throw new TypeError('webhooks need a secret to sign them');
  const retryDelaysMs = [...(options.retryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS)];
  if (retryDelaysMs.some((d) => !(Number.isFinite(d) && d >= 0))) throw new TypeError('webhooks.retryDelaysMs must be non-negative numbers of milliseconds');
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError('webhooks.timeoutMs must be a positive number of milliseconds');
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  if (!Number.isSafeInteger(accountId)) throw new TypeError('webhooks.accountId must be an integer');
  return { retryDelaysMs, timeoutMs, accountId };
}

/** Sends the events of store changes; does nothing at all when webhooks are off. */
export class WebhookSender {
  private readonly config: (BuildiumWebhookOptions & ReturnType<typeof checkOptions>) | undefined;
  private readonly log = new BoundedLog<WebhookDelivery>(MAX_LOG_ENTRIES);
  private ready: Delivery[] = [];
  private readonly inFlight = new Map<Delivery, AbortController>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  /** Bumped by reset and close: what was sent before is neither retried nor recorded further. */
  private generation = 0;
  private closed = false;

  constructor(options: BuildiumWebhookOptions | false | undefined) {
    this.config = options ? { ...options, ...checkOptions(options) } : undefined;
  }

  /** Queues the event of a store change (webhooks on, sandbox open). */
  record(change: StoreChange): void {
    if (!this.config || this.closed) return;
    const event = eventOf(change, this.config.accountId);
    const record: WebhookDelivery = { event, status: 'pending', attempts: 0 };
    this.log.push(record);
    this.ready.push({ record, body: JSON.stringify(event), generation: this.generation });
    this.pump();
  }

  deliveries(): WebhookDelivery[] {
    return this.log.copy((d) => ({ ...d, event: { ...d.event } }));
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  flush(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued or waiting for a retry, aborts what is in flight and clears the log. */
  reset(): void {
    this.discard(new Error('sandbox reset'));
    this.log.clear();
  }

  /** As reset, for good: a closed sandbox sends nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    this.discard(new Error('sandbox closed'));
  }

  private discard(reason: Error): void {
    this.generation++;
    this.ready = [];
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const controller of this.inFlight.values()) controller.abort(reason);
    this.inFlight.clear();
    this.settle();
  }

  private idle(): boolean {
    return this.ready.length === 0 && this.inFlight.size === 0 && this.retryTimers.size === 0;
  }

  private settle(): void {
    if (!this.idle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private pump(): void {
    while (!this.closed && this.inFlight.size < MAX_CONCURRENT && this.ready.length > 0) {
      const delivery = this.ready.shift()!;
      const controller = new AbortController();
      this.inFlight.set(delivery, controller);
      void this.attempt(delivery, controller).finally(() => {
        if (this.inFlight.get(delivery) === controller) this.inFlight.delete(delivery);
        this.pump();
        this.settle();
      });
    }
  }

  private async attempt(delivery: Delivery, controller: AbortController): Promise<void> {
    const config = this.config!;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Buildium-Webhooks/1.0 (sandbox)',
      [BUILDIUM_TIMESTAMP_HEADER]: timestamp,
      [BUILDIUM_SIGNATURE_HEADER]: signBuildium(config.secret, timestamp, delivery.body),
    };
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${config.timeoutMs} ms`)), config.timeoutMs);
    let status = 0;
    let error: string | undefined;
    try {
      const res = await fetch(config.url, { method: 'POST', headers, body: delivery.body, redirect: 'manual', signal: controller.signal });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      const cause = reason instanceof Error && reason.cause instanceof Error ? `: ${reason.cause.message}` : '';
      error = `${reason instanceof Error ? reason.message : String(reason)}${cause}`;
    } finally {
      clearTimeout(timer);
    }
    if (delivery.generation !== this.generation) return;
    const { record } = delivery;
    record.attempts++;
    record.lastStatus = status;
    if (error !== undefined) record.lastError = error;
    else delete record.lastError;
    if (status >= 200 && status < 300) {
      record.status = 'delivered';
      record.deliveredAt = new Date().toISOString();
      return;
    }
    const wait = config.retryDelaysMs[record.attempts - 1];
    if (wait === undefined) {
      record.status = 'failed';
      return;
    }
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      if (delivery.generation !== this.generation) return;
      this.ready.push(delivery);
      this.pump();
    }, wait);
    this.retryTimers.add(t);
  }
}
