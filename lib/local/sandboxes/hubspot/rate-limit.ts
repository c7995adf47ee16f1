/**
 * HubSpot's two request limits on a private app, as "API usage guidelines and limits" states them
 * (https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines):
 * - the ten-secondly rolling window (`max` requests per `intervalMs`);
 * - the daily limit of the account, which "resets at midnight based on the time zone setting of
 *   the HubSpot account" (the one the account details API answers). Once either is spent every
 *   request answers 429, its `policyName` saying which (`TEN_SECONDLY_ROLLING` or `DAILY`).
 * Apps using OAuth have no daily limit, and their answers carry no daily headers
 * (https://community.hubspot.com/t5/Developer-Announcements/Rate-limit-headers-will-now-appear-for-OAuth-authenticated-calls/m-p/399520).
 * A refused request counts against neither limit.
 */
import { ACCOUNT_TIME_ZONE } from './account.js';
import type { RateLimitPolicy } from './errors.js';
import type { RateLimit, RateLimitUsage } from './types.js';

export const DEFAULT_RATE_LIMIT: RateLimit = { max: 190, intervalMs: 10_000 };
/**
 * Daily limit of a private app on a Professional account
 * (https://developers.hubspot.com/changelog/increasing-our-api-limits).
 */
export const DAILY_LIMIT = 650_000;

const DAY_MS = 24 * 3600 * 1000;

export interface RateDecision {
  allowed: boolean;
  /** The limit that refused the request. */
  policy?: RateLimitPolicy;
  headers: Record<string, string>;
}

export interface RateLimiterOptions {
  /** The account's IANA time zone, whose midnight starts a new day (default ACCOUNT_TIME_ZONE). */
  timeZone?: string;
  /** The clock both limits read (ms since the epoch); default Date.now. */
  now?: () => number;
}

/** Whether a request is the private app's, which the daily limit counts, or an OAuth app's, which it does not. */
export interface RequestScope {
  daily: boolean;
}

export class RateLimiter {
  private limit: Required<RateLimit>;
  private stamps: number[] = [];
  private head = 0;
  private day = '';
  private dailyUsed = 0;
  private offsetMs = 0;
  readonly timeZone: string;
  private readonly calendar: Intl.DateTimeFormat;
  private readonly clock: () => number;

  constructor(limit: RateLimit = DEFAULT_RATE_LIMIT, options: RateLimiterOptions = {}) {
    this.limit = checkLimit(limit);
    this.timeZone = options.timeZone ?? ACCOUNT_TIME_ZONE;
    // Throws a RangeError for a time zone Intl does not know.
    this.calendar = new Intl.DateTimeFormat('en-US', { timeZone: this.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    this.clock = options.now ?? Date.now;
  }

  /** Replaces both limits (`daily` omitted: DAILY_LIMIT); the day's count stays. */
  set(limit: RateLimit): void {
    this.limit = checkLimit(limit);
  }

  now(): number {
    return this.clock() + this.offsetMs;
  }

  /** Moves the limiter's clock forward. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock advance must be a non-negative number of ms, got ${ms}`);
    this.offsetMs += ms;
  }

  /** Sets how many requests today (the account's day, by the limiter's clock) has counted. */
  setDailyUsed(used: number): void {
    if (!Number.isInteger(used) || used < 0) throw new RangeError(`daily used must be a non-negative integer, got ${used}`);
    this.rollDay(this.now());
    this.dailyUsed = used;
  }

  usage(): RateLimitUsage {
    const now = this.now();
    this.rollDay(now);
    return {
      ...this.limit,
      dailyUsed: this.dailyUsed,
      day: this.day,
      timeZone: this.timeZone,
      now: new Date(now).toISOString(),
      resetsAt: new Date(this.nextDayStart(now)).toISOString(),
    };
  }

  /** Empties the window and the day's count and puts the clock back; the limits stay. */
  reset(): void {
    this.stamps = [];
    this.head = 0;
    this.dailyUsed = 0;
    this.offsetMs = 0;
  }

  /** Counts the request if both limits have room; a refused request is not counted. */
  take(scope: RequestScope): RateDecision {
    const now = this.now();
    this.prune(now);
    this.rollDay(now);
    const used = this.stamps.length - this.head;
    if (scope.daily && this.dailyUsed >= this.limit.daily) return { allowed: false, policy: 'DAILY', headers: this.headers(this.limit.max - used, scope) };
    if (used >= this.limit.max) return { allowed: false, policy: 'TEN_SECONDLY_ROLLING', headers: this.headers(0, scope) };
    this.stamps.push(now);
    if (scope.daily) this.dailyUsed++;
    return { allowed: true, headers: this.headers(this.limit.max - used - 1, scope) };
  }

  /** The headers of an answer that counts against neither limit (an injected 429). */
  peek(scope: RequestScope): Record<string, string> {
    const now = this.now();
    this.prune(now);
    this.rollDay(now);
    return this.headers(this.limit.max - (this.stamps.length - this.head), scope);
  }

  private headers(remaining: number, scope: RequestScope): Record<string, string> {
    return {
      ...(scope.daily
        ? {
            'X-HubSpot-RateLimit-Daily': String(this.limit.daily),
            'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, this.limit.daily - this.dailyUsed)),
          }
        : {}),
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
    const day = this.calendarDay(now);
    if (day !== this.day) {
      this.day = day;
      this.dailyUsed = 0;
    }
  }

  /** `YYYY-MM-DD` of the instant in the account's time zone. */
  private calendarDay(at: number): string {
    const parts = Object.fromEntries(this.calendar.formatToParts(at).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day}`;
  }

  /** The first millisecond after `now` that falls on another day of the account's calendar. */
  private nextDayStart(now: number): number {
    const today = this.calendarDay(now);
    let [lo, hi] = [now, now + DAY_MS + 3 * 3600 * 1000];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.calendarDay(mid) === today) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

function checkLimit(limit: RateLimit): Required<RateLimit> {
  if (!Number.isInteger(limit.max) || limit.max < 0) throw new RangeError(`rate limit max must be a non-negative integer, got ${limit.max}`);
  if (!Number.isFinite(limit.intervalMs) || limit.intervalMs <= 0) throw new RangeError(`rate limit intervalMs must be positive, got ${limit.intervalMs}`);
  const daily = limit.daily ?? DAILY_LIMIT;
  if (!Number.isInteger(daily) || daily < 0) throw new RangeError(`rate limit daily must be a non-negative integer, got ${limit.daily}`);
  return { max: limit.max, intervalMs: limit.intervalMs, daily };
}
