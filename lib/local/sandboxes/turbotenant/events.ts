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
 * Nothing is recorded or sent while no target URL is set.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { turboTenantSignatureHeaders } from '../../../../functions/connectors/turbotenant/signature.js';
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

interface Pending {
  event: TurboTenantEventBody;
  /** 1 for the first try. */
  attempt: number;
  generation: number;
}

export function checkTargetUrl(targetUrl: string): string {
  let url: URL;
  try {
    url = new URL(targetUrl);
  } catch {
    throw new TypeError(`event targetUrl must be an absolute http(s) URL, got '${targetUrl}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`event targetUrl must be http(s), got '${targetUrl}'`);
  return targetUrl;
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

export class EventDispatcher {
  private targetUrl: string | null;
  private readonly secret: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  /** Bumped when the target is turned off or the sandbox is reset: older events are not retried. */
  private generation = 0;
  private ready: Pending[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Map<Promise<void>, AbortController>();
  private log: EventDelivery[] = [];
  private closed = false;

  constructor(options: TurboTenantEventOptions | undefined) {
    this.secret = options?.webhookSecret ?? '';
    this.targetUrl = options?.targetUrl ? checkTargetUrl(options.targetUrl) : null;
    if (this.targetUrl && !this.secret) throw new TypeError('events need a webhookSecret to sign them');
    this.maxAttempts = Math.max(1, Math.floor(options?.retry?.maxAttempts ?? DEFAULT_EVENT_RETRY.maxAttempts));
    this.baseDelayMs = Math.max(0, options?.retry?.baseDelayMs ?? DEFAULT_EVENT_RETRY.baseDelayMs);
    this.maxDelayMs = Math.max(this.baseDelayMs, options?.retry?.maxDelayMs ?? DEFAULT_EVENT_RETRY.maxDelayMs);
    this.timeoutMs = Math.max(1, options?.timeoutMs ?? DEFAULT_EVENT_TIMEOUT_MS);
  }

  get target(): string | null {
    return this.targetUrl;
  }

  /** Turns events on (or moves them to another URL) or, with null, off: queued events and pending retries are dropped. */
  setTarget(targetUrl: string | null): void {
    if (targetUrl === null) {
      this.targetUrl = null;
      this.discardPending();
      return;
    }
    if (!this.secret) throw new TypeError('events are not configured: start the sandbox with events: { webhookSecret } to sign them');
    this.targetUrl = checkTargetUrl(targetUrl);
  }

  deliveries(): EventDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  /** Drops queued events and pending retries and clears the log (sandbox reset); keeps the target. */
  reset(): void {
    this.discardPending();
    this.log = [];
  }

  /** Queues the event of a store change, if a target is set. */
  record(change: StoreChange): void {
    if (this.closed || this.targetUrl === null) return;
    this.ready.push({ event: eventOf(change), attempt: 1, generation: this.generation });
    this.pump();
  }

  /** Waits until nothing is queued or in flight (pending retries are not waited for). */
  async flush(): Promise<void> {
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
    this.ready = [];
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  private pump(): void {
    while (!this.closed && this.targetUrl !== null && this.inFlight.size < MAX_CONCURRENT_EVENTS && this.ready.length > 0) {
      const pending = this.ready.shift()!;
      const controller = new AbortController();
      const running: Promise<void> = this.send(pending, this.targetUrl, controller)
        .catch(() => undefined)
        .finally(() => {
          this.inFlight.delete(running);
          this.pump();
        });
      this.inFlight.set(running, controller);
    }
  }

  private async send(pending: Pending, targetUrl: string, controller: AbortController): Promise<void> {
    const body = JSON.stringify(pending.event);
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      ...turboTenantSignatureHeaders(this.secret, body),
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
      eventId: pending.event.event_id,
      eventType: pending.event.event_type,
      attempt: pending.attempt,
      status,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(error !== undefined ? { error } : {}),
    });
    if ((status >= 200 && status < 300) || !isRetried(status)) return;
    if (this.closed || pending.generation !== this.generation || pending.attempt >= this.maxAttempts) return;
    const next: Pending = { ...pending, attempt: pending.attempt + 1 };
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      if (this.closed || next.generation !== this.generation) return;
      this.ready.push(next);
      this.pump();
    }, this.retryDelay(pending.attempt));
    this.retryTimers.add(t);
  }

  /** Exponential from baseDelayMs, capped at maxDelayMs, with jitter over the upper half. */
  private retryDelay(failedAttempt: number): number {
    const capped = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failedAttempt - 1, 30));
    return Math.round(capped / 2 + (Math.random() * capped) / 2);
  }

  private note(entry: EventDelivery): void {
    this.log.push(entry);
    if (this.log.length > MAX_LOG_ENTRIES + MAX_LOG_ENTRIES / 10) this.log.splice(0, this.log.length - MAX_LOG_ENTRIES);
  }
}
