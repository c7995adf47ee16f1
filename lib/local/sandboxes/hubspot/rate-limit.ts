import type { RateLimit } from './types.js';

export const DEFAULT_RATE_LIMIT: RateLimit = { max: 190, intervalMs: 10_000 };
/** Daily limit of a private app on a Professional account. */
export const DAILY_LIMIT = 650_000;

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

/** HubSpot's "ten secondly rolling" window: counts accepted requests over the last `intervalMs`. */
export class RollingWindowLimiter {
  private limit: RateLimit;
  private stamps: number[] = [];
  private head = 0;
  private day = '';
  private dailyUsed = 0;

  constructor(limit: RateLimit = DEFAULT_RATE_LIMIT) {
    this.limit = checkLimit(limit);
  }

  set(limit: RateLimit): void {
    this.limit = checkLimit(limit);
  }

  get current(): RateLimit {
    return { ...this.limit };
  }

  reset(): void {
    this.stamps = [];
    this.head = 0;
    this.dailyUsed = 0;
  }

  /** Counts the request if the window has room; a refused request is not counted. */
  take(now = Date.now()): RateDecision {
    this.prune(now);
    this.rollDay(now);
    const used = this.stamps.length - this.head;
    if (used >= this.limit.max) return { allowed: false, headers: this.headers(0) };
    this.stamps.push(now);
    this.dailyUsed++;
    return { allowed: true, headers: this.headers(this.limit.max - used - 1) };
  }

  peek(now = Date.now()): Record<string, string> {
    this.prune(now);
    this.rollDay(now);
    return this.headers(Math.max(0, this.limit.max - (this.stamps.length - this.head)));
  }

  private headers(remaining: number): Record<string, string> {
    return {
      'X-HubSpot-RateLimit-Daily': String(DAILY_LIMIT),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, DAILY_LIMIT - this.dailyUsed)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.limit.intervalMs),
      'X-HubSpot-RateLimit-Max': String(this.limit.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
    };
  }

  private prune(now: number): void {
    const cutoff = now - this.limit.intervalMs;
    while (this.head < this.stamps.length && this.stamps[this.head]! <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }

  private rollDay(now: number): void {
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.dailyUsed = 0;
    }
  }
}

function checkLimit(limit: RateLimit): RateLimit {
  if (!Number.isInteger(limit.max) || limit.max < 0) throw new RangeError(`rate limit max must be a non-negative integer, got ${limit.max}`);
  if (!Number.isFinite(limit.intervalMs) || limit.intervalMs <= 0) throw new RangeError(`rate limit intervalMs must be positive, got ${limit.intervalMs}`);
  return { max: limit.max, intervalMs: limit.intervalMs };
}
