/**
 * Sending a sandbox's signed deliveries (HubSpot's webhooks, TurboTenant's events) to a target URL
 * as the real senders do: a few at a time, each attempt with a timeout, a failed one retried after
 * exponential, jittered, capped delays, every attempt in a delivery log.
 *
 * What a delivery is, how it is signed and which answers are worth retrying are the sandbox's
 * (`hubspot/webhooks.ts`, `turbotenant/events.ts`): the body and headers are built afresh for every
 * attempt, because signatures and timestamps must be those of the attempt, not the first try.
 * The sandbox also decides what is recorded while no target is set (nothing, in both).
 */
import { performance } from 'node:perf_hooks';
import { BoundedLog, elapsedMs } from './http-server.js';

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * What the real senders do now and then, on purpose (issue 6 chaos): deliver the same thing twice
 * (HubSpot and TurboTenant promise at-least-once), and hold a delivery back so later ones overtake
 * it (neither promises order). Off unless given.
 */
export interface DeliveryChaos {
  /** The chance that a delivery is sent a second time, as a separate delivery (default 0). */
  duplicate?: number;
  /** The chance that a delivery is held back before its first attempt (default 0). */
  delay?: number;
  /** How long a held-back delivery waits (default 1000 ms). */
  delayMs?: number;
  /** Draws the chances (seed it for a repeatable run; default Math.random). */
  random?: () => number;
}

/** What the chaos did: deliveries sent twice, deliveries held back. */
export interface DeliveryChaosCounts {
  duplicated: number;
  delayed: number;
}

/** The options a sandbox takes for its deliveries (HubSpotWebhookOptions, TurboTenantEventOptions). */
export interface DeliveryOptions {
  retry?: RetryOptions;
  timeoutMs?: number;
  chaos?: DeliveryChaos;
}

export interface DeliveryDefaults {
  retry: Required<RetryOptions>;
  timeoutMs: number;
  maxConcurrent: number;
  maxLogEntries: number;
}

/** How one attempt went: status 0 with an error when there was no answer (timeout, connection refused). */
export interface AttemptResult {
  at: number;
  status: number;
  durationMs: number;
  error?: string;
}

/** What a sandbox says about its deliveries of `T`, logged as `E`. `attempt` is 0 for the first try. */
export interface DeliveryKind<T, E> {
  request(item: T, attempt: number, targetUrl: string): { body: string; headers: Record<string, string> };
  /** Whether an answer other than 2xx (0: none) is worth another attempt. */
  retried(status: number): boolean;
  entry(item: T, attempt: number, result: AttemptResult): E;
}

interface Pending<T> {
  item: T;
  attempt: number;
  generation: number;
}

export function checkTargetUrl(targetUrl: string, what: string): string {
  let url: URL;
  try {
    url = new URL(targetUrl);
  } catch {
    throw new TypeError(`${what} targetUrl must be an absolute http(s) URL, got '${targetUrl}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${what} targetUrl must be http(s), got '${targetUrl}'`);
  return targetUrl;
}

export class DeliveryQueue<T, E extends object> {
  private targetUrl: string | null;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  /** Bumped when the target is turned off or the sandbox is reset: older deliveries are not retried. */
  private generation = 0;
  private ready: Array<Pending<T>> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Map<Promise<void>, AbortController>();
  private readonly log: BoundedLog<E>;
  private isClosed = false;
  private readonly chaos: Required<DeliveryChaos>;
  private readonly chaosCounts: DeliveryChaosCounts = { duplicated: 0, delayed: 0 };

  /** `targetUrl` as the sandbox checked it; options are clamped to sane values (at least one attempt). */
  constructor(
    targetUrl: string | null,
    options: DeliveryOptions | undefined,
    defaults: DeliveryDefaults,
    private readonly kind: DeliveryKind<T, E>,
  ) {
    this.targetUrl = targetUrl;
    this.maxAttempts = Math.max(1, Math.floor(options?.retry?.maxAttempts ?? defaults.retry.maxAttempts));
    this.baseDelayMs = Math.max(0, options?.retry?.baseDelayMs ?? defaults.retry.baseDelayMs);
    this.maxDelayMs = Math.max(this.baseDelayMs, options?.retry?.maxDelayMs ?? defaults.retry.maxDelayMs);
    this.timeoutMs = Math.max(1, options?.timeoutMs ?? defaults.timeoutMs);
    this.maxConcurrent = defaults.maxConcurrent;
    this.log = new BoundedLog(defaults.maxLogEntries);
    const chaos = options?.chaos;
    this.chaos = {
      duplicate: Math.min(1, Math.max(0, chaos?.duplicate ?? 0)),
      delay: Math.min(1, Math.max(0, chaos?.delay ?? 0)),
      delayMs: Math.max(0, chaos?.delayMs ?? 1000),
      random: chaos?.random ?? Math.random,
    };
  }

  /** How often the chaos options struck since the start (a reset keeps the counts). */
  chaosStats(): DeliveryChaosCounts {
    return { ...this.chaosCounts };
  }

  get target(): string | null {
    return this.targetUrl;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** A URL the sandbox checked, or null to turn deliveries off: queued ones and pending retries are dropped. */
  setTarget(targetUrl: string | null): void {
    this.targetUrl = targetUrl;
    if (targetUrl === null) this.discardPending();
  }

  deliveries(): E[] {
    return this.log.copy();
  }

  /** Drops queued deliveries and pending retries and clears the log (sandbox reset); keeps the target. */
  reset(): void {
    this.discardPending();
    this.log.clear();
  }

  /**
   * Queues a first attempt and starts it if fewer than maxConcurrent are in flight; with chaos,
   * it may be held back a while, and may be sent twice.
   */
  enqueue(item: T): void {
    const copies = this.roll(this.chaos.duplicate) ? 2 : 1;
    if (copies === 2) this.chaosCounts.duplicated++;
    for (let i = 0; i < copies; i++) {
      const pending: Pending<T> = { item, attempt: 0, generation: this.generation };
      if (this.roll(this.chaos.delay)) {
        this.chaosCounts.delayed++;
        this.later(pending, this.chaos.delayMs);
      } else {
        this.ready.push(pending);
      }
    }
    this.pump();
  }

  private roll(chance: number): boolean {
    return chance > 0 && this.chaos.random() < chance;
  }

  /** Puts a pending attempt in line after `ms`, unless the queue was closed, reset or turned off meanwhile. */
  private later(pending: Pending<T>, ms: number): void {
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      if (this.isClosed || pending.generation !== this.generation) return;
      this.ready.push(pending);
      this.pump();
    }, ms);
    this.retryTimers.add(t);
  }

  /** Waits until nothing is queued or in flight (pending retries are not waited for). */
  async flush(): Promise<void> {
    while (!this.isClosed && (this.ready.length > 0 || this.inFlight.size > 0)) {
      this.pump();
      if (this.inFlight.size === 0) break;
      await Promise.race(this.inFlight.keys());
    }
  }

  /** Drops what is pending and aborts what is in flight, so a closed sandbox sends nothing more. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
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
    while (!this.isClosed && this.targetUrl !== null && this.inFlight.size < this.maxConcurrent && this.ready.length > 0) {
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

  private async send(pending: Pending<T>, targetUrl: string, controller: AbortController): Promise<void> {
    const { body, headers } = this.kind.request(pending.item, pending.attempt, targetUrl);
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
    this.log.push(this.kind.entry(pending.item, pending.attempt, { at, status, durationMs: elapsedMs(started), ...(error !== undefined ? { error } : {}) }));
    if ((status >= 200 && status < 300) || !this.kind.retried(status)) return;
    if (this.isClosed || pending.generation !== this.generation || pending.attempt + 1 >= this.maxAttempts) return;
    this.later({ ...pending, attempt: pending.attempt + 1 }, this.retryDelay(pending.attempt));
  }

  /** Exponential from baseDelayMs, capped at maxDelayMs, with jitter over the upper half. */
  private retryDelay(failedAttempt: number): number {
    const capped = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failedAttempt, 30));
    return Math.round(capped / 2 + (Math.random() * capped) / 2);
  }
}
