/**
 * HubSpot's API limit is a rolling window (private apps: a number of requests per 10 seconds;
 * https://developers.hubspot.com/docs/api/usage-details). Every response says where the window
 * stands (`X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds`). This budget keeps
 * the calls this process made or is about to make, learns the limit from those headers, and hands
 * out the earliest slot that will not be refused, so the limit is spent fully without 429s.
 *
 * A batch that must wait longer than it may sleep goes back to SQS holding a promised slot: it
 * comes back when that slot opens and takes it, so each waiting message is handed back about
 * once, not once per window.
 *
 * It is per process: in Lambda, concurrent environments each keep their own view, so the flows use
 * the budget shared through DynamoDB (shared-budget.ts) and this one serves single-process uses
 * (a CLI command, a portal lookup, tests).
 */
import { RateLimitedError } from '../../core/errors.js';
import { MAX_RETRY_AFTER_MS } from '../http.js';

/** Real-time work (webhooks, leads, TurboTenant events) goes before bulk work (Buildium syncs, imports, reconciles). */
export type CallPriority = 'realtime' | 'bulk';

/** A call slot: the time it was reserved for and how long to wait for it. */
export interface CallSlot {
  readonly at: number;
  readonly waitMs: number;
}

/** What a HubSpot answer says about the limits. */
export interface BudgetAnswer {
  readonly headers: Headers;
  readonly status: number;
  readonly retryAfterMs?: number;
  /** The 429 body's `policyName`: `DAILY`, `TEN_SECONDLY_ROLLING`, … */
  readonly policyName?: string;
}

/** What HubSpotClient needs of a rate budget. */
export interface HubSpotRateBudget {
  /** A slot at most `maxWaitMs` away; throws RateLimitedError (`attempted: false`) when there is none. */
  acquire(maxWaitMs: number): Promise<CallSlot>;
  /** False when the slot's time passed too long ago to call on it (a wait that overslept): take another. */
  stillValid(slot: CallSlot, now?: number): boolean;
  /** The call of `slot` was answered at `answeredAt`. */
  settle(slot: CallSlot, answeredAt?: number): void;
  learn(answer: BudgetAnswer): Promise<void>;
  /** How long until a call could be made (0: now), without reserving it. */
  waitMs(): number;
  /** For a batch that goes back to the queue: the ms until it should come back for a slot. */
  promise(): number;
  /** How long a 429 without Retry-After should keep calls back. */
  windowFreesInMs(): number;
  /** The day's quota as last seen, when the budget tracks it. */
  dailyQuota?(): { key: string; limit?: number; remaining?: number; exhaustedUntil?: number } | undefined;
}

/** A slot to call in `waitMs`, or (not ok) a slot promised in `retryInMs` to come back for. */
export type Reservation = { ok: true; waitMs: number; at: number } | { ok: false; retryInMs: number };

/** How late a batch may come back for its promised slot (SQS receive, batching window). */
const PROMISE_GRACE_MS = 5_000;

export class RollingWindowBudget implements HubSpotRateBudget {
  /** Times (epoch ms) of calls made, reserved or promised, ascending. */
  private readonly calls: number[] = [];
  /** The promised slots not yet taken, ascending (each is also in `calls`). */
  private readonly promised: number[] = [];
  private blockedUntil = 0;

  constructor(
    private max: number = Number.POSITIVE_INFINITY,
    private intervalMs: number = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long until a call could be made (0: now), without reserving it. */
  waitMs(): number {
    const now = this.now();
    this.dropExpiredPromises(now);
    const promised = this.promised[0];
    const free = this.earliestSlot(now);
    return Math.max(0, Math.min(free, promised ?? free) - now);
  }

  /** Promises the earliest slot, however far, to a batch that goes away and comes back for it; returns the ms until it. */
  promise(): number {
    const now = this.now();
    this.dropExpiredPromises(now);
    const at = this.earliestSlot(now);
    this.insert(at);
    this.promise_(at);
    return at - now;
  }

  private promise_(at: number): void {
    let i = this.promised.length;
    while (i > 0 && (this.promised[i - 1] as number) > at) i -= 1;
    this.promised.splice(i, 0, at);
  }

  /**
   * Reserves the earliest call slot if it is at most `maxWaitMs` away; otherwise promises that
   * slot to the caller, who goes away and comes back for it. A caller back for a promised slot
   * takes the earliest promise: it is released and the slot computed afresh, because calls
   * answered since the promise may have moved the window.
   */
  reserve(maxWaitMs: number): Reservation {
    const now = this.now();
    this.dropExpiredPromises(now);
    const promised = this.promised[0];
    if (promised !== undefined && promised - now <= maxWaitMs) {
      this.promised.shift();
      this.remove(promised);
    }
    const at = this.earliestSlot(now);
    const waitMs = at - now;
    this.insert(at);
    if (waitMs > maxWaitMs) {
      this.promise_(at);
      return { ok: false, retryInMs: Math.min(waitMs, MAX_RETRY_AFTER_MS) };
    }
    return { ok: true, waitMs, at };
  }

  /**
   * Moves a reserved call to when its answer arrived. HubSpot counts a call when the request
   * reaches it, which is after the reserved time and before the answer: counting it at the
   * answer keeps this view of the window never ahead of HubSpot's.
   */
  settle(slot: CallSlot | number, answeredAt: number = this.now()): void {
    const reservedAt = typeof slot === 'number' ? slot : slot.at;
    if (this.remove(reservedAt)) this.insert(Math.max(reservedAt, answeredAt));
  }

  /**
   * The earliest time ≥ now at which the window of `intervalMs` ending there holds fewer than
   * `max` calls, counting calls made, reserved and promised.
   * A slot opens either now or just after some call leaves the window.
   */
  private earliestSlot(now: number): number {
    while (this.calls.length > 0 && (this.calls[0] as number) <= now - this.intervalMs) this.calls.shift();
    const start = Math.max(now, this.blockedUntil);
    if (this.calls.length < this.max) return start;
    const candidates = [start, ...this.calls.map((t) => t + this.intervalMs + 1).filter((t) => t > start)];
    for (const at of candidates) {
      if (this.fits(at)) return at;
    }
    return (this.calls[this.calls.length - 1] as number) + this.intervalMs + 1;
  }

  /**
   * Room in the window ending at `at`. Later windows are not checked: a promise there was computed
   * before the calls it follows were answered, so it may already sit a little early; its holder
   * recomputes when it comes back, and checking against it would push newcomers a whole window out.
   */
  private fits(at: number): boolean {
    return this.countIn(at - this.intervalMs, at) < this.max;
  }

  /** Calls in (from, to]. */
  private countIn(from: number, to: number): number {
    let count = 0;
    for (const t of this.calls) if (t > from && t <= to) count += 1;
    return count;
  }

  /** A promise nobody came for within the grace period frees its slot. */
  private dropExpiredPromises(now: number): void {
    while (this.promised.length > 0 && (this.promised[0] as number) < now - PROMISE_GRACE_MS) {
      this.remove(this.promised.shift() as number);
    }
  }

  private remove(at: number): boolean {
    const index = this.calls.indexOf(at);
    if (index === -1) return false;
    this.calls.splice(index, 1);
    return true;
  }

  private insert(at: number): void {
    let i = this.calls.length;
    while (i > 0 && (this.calls[i - 1] as number) > at) i -= 1;
    this.calls.splice(i, 0, at);
  }

  async acquire(maxWaitMs: number): Promise<CallSlot> {
    const slot = this.reserve(maxWaitMs);
    if (!slot.ok) throw new RateLimitedError(`HubSpot rate limit budget spent; slot promised in ${slot.retryInMs} ms`, slot.retryInMs, false);
    return { at: slot.at, waitMs: slot.waitMs };
  }

  stillValid(): boolean {
    // This process's own view: a late call is counted at its answer (settle), so any slot stays valid.
    return true;
  }

  async learn(answer: BudgetAnswer): Promise<void> {
    this.observe(answer.headers, answer.status === 429, answer.retryAfterMs);
  }

  /** Learns the limit from a response's rate-limit headers; `rateLimited` when HubSpot answered 429. */
  observe(headers: Headers, rateLimited: boolean, retryAfterMs?: number): void {
    const max = Number(headers.get('x-hubspot-ratelimit-max'));
    const interval = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
    const remaining = headers.get('x-hubspot-ratelimit-remaining');
    if (Number.isFinite(max) && max > 0) this.max = max;
    // Capped like a Retry-After: a junk header must not block the budget (and every retry) for ever.
    if (Number.isFinite(interval) && interval > 0) this.intervalMs = Math.min(interval, MAX_RETRY_AFTER_MS);
    const now = this.now();
    if (rateLimited) {
      this.blockedUntil = Math.max(this.blockedUntil, now + (retryAfterMs ?? this.windowFreesInMs(now)));
    } else if (remaining !== null && Number(remaining) <= 0) {
      // Someone else may be spending the same budget: wait for our oldest call to age out.
      this.blockedUntil = Math.max(this.blockedUntil, now + this.windowFreesInMs(now));
    }
  }

  /** How long until this process's oldest call in the window leaves it (a full interval if none). */
  windowFreesInMs(now: number = this.now()): number {
    const oldest = this.calls.find((t) => t > now - this.intervalMs && t <= now);
    return Math.min(MAX_RETRY_AFTER_MS, oldest === undefined ? this.intervalMs : oldest + this.intervalMs - now + 1);
  }
}
