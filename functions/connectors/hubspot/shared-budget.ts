/**
 * One HubSpot rate budget for a whole deployment, per portal (issue 13 §3). HubSpot counts every
 * request of an app in a portal against one rolling window (`X-HubSpot-RateLimit-Max` calls per
 * `X-HubSpot-RateLimit-Interval-Milliseconds`; https://developers.hubspot.com/docs/api/usage-details)
 * and a daily quota, whichever function or Lambda environment makes it. A budget kept in process
 * memory is per environment, so five environments of one function spend the limit five times.
 *
 * The window is `max` tokens in the store (functions/store/rate-budget.ts). A call takes a token
 * for the time it will be made, with a conditional write that succeeds only if the token's last
 * use is at least an interval (and a margin for the request to reach HubSpot) earlier. Each token
 * is thus used at most once per window, so no window ever holds more than `max` calls, and a
 * burst may spend the whole window at once, as HubSpot allows. One write per call; a token taken
 * meanwhile by another environment answers with its time and the next one is tried.
 *
 * Real-time work goes before bulk work: bulk calls may take only the first `bulkShare` of the
 * tokens, so a Buildium full sync or an import leaves the rest of every window to webhooks and
 * leads, and real-time calls take the reserved tokens first.
 *
 * The daily quota: when HubSpot says it is spent (a 429 with `policyName: DAILY`, or
 * `X-HubSpot-RateLimit-Daily-Remaining: 0`), every environment holds its calls until midnight in
 * the portal's time zone, when HubSpot resets it.
 */
import { createHash } from 'node:crypto';
import { RateLimitedError } from '../../core/errors.js';
import type { DailyQuota, RateBudgetState, RateBudgetStore, RateLimits } from '../../core/ports.js';
import { MAX_RETRY_AFTER_MS } from '../http.js';
import type { BudgetAnswer, CallPriority, CallSlot, HubSpotRateBudget } from './rate-budget.js';

/**
 * Until HubSpot's headers say otherwise: below every tier's limit (100 per 10 s is the lowest,
 * https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines), so an
 * environment that has not yet seen an answer never spends more than the portal has.
 */
export const UNKNOWN_LIMITS: RateLimits = { max: 10, intervalMs: 10_000 };
/**
 * A token is reused only this long after a whole interval: the time from the reserved moment to
 * the request reaching HubSpot (which counts it on arrival) must stay below it. A call that would
 * leave later than half of it takes another token (`stillValid`).
 */
export const ARRIVAL_MARGIN_MS = 500;
/** The share of every window bulk work may take; the rest is kept for real-time work. */
export const DEFAULT_BULK_SHARE = 0.75;
/** The day's remaining quota is saved for status and alarms at most this often per environment. */
const DAILY_SAVE_EVERY_MS = 60_000;
/** With no time zone known, a spent day is probed again this often (midnight anywhere is on a quarter hour of UTC). */
const DAILY_PROBE_MS = 15 * 60_000;
/** Tokens whose free time lies within this of the earliest are equally good: one is picked at random, so environments rarely collide. */
const PICK_SPREAD_MS = 50;
/**
 * Conditional writes refused in a row before the whole budget is read again. A refusal means this
 * environment's view is stale (other environments took tokens since it last read): reading again
 * at once costs one request and makes the next pick right, where guessing again would likely be
 * refused again.
 */
const RELOAD_AFTER_REFUSALS = 1;
/** Refusals in a row before the call is handed back as a deferral (heavy contention). */
const MAX_REFUSALS = 8;

/**
 * Which budget a call spends: the app's access to one portal, as HubSpot counts it. A static token
 * (a private or developer-platform app's, a service key) is exactly one app in one portal, so it
 * names its budget even before the portal is known (the portal lookup spends it too); an OAuth
 * install's tokens rotate, so its budget is named by the portal.
 */
export function tokenBudgetKey(accessToken: string): string {
  // A digest, never the token: the key is stored and shown. Tokens are long and random.
  return `token-${createHash('sha256').update(`crm-sync hubspot budget\0${accessToken}`).digest('hex').slice(0, 32)}`;
}

export function portalBudgetKey(portalId: string): string {
  return `portal-${portalId}`;
}

export interface SharedRateBudgetOptions {
  readonly store: RateBudgetStore;
  /** The budget's name (tokenBudgetKey, portalBudgetKey), resolved once, on the first call. */
  readonly key: () => Promise<string>;
  readonly priority: CallPriority;
  readonly bulkShare?: number;
  /**
   * Asks HubSpot the portal's IANA time zone (account details), for the daily reset. Asked once per
   * deployment, after a first answer, while the day is not spent; then kept in the store.
   */
  readonly timeZone?: () => Promise<string | undefined>;
  readonly onStoreError?: (error: unknown, what: string) => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class SharedRateBudget implements HubSpotRateBudget {
  private portal: string | undefined;
  private loading: Promise<void> | undefined;
  private tokens = new Map<number, number>();
  private limits: RateLimits | undefined;
  private daily: DailyQuota | undefined;
  private blockedUntil = 0;
  private dailySavedAt = 0;
  private timeZone: string | undefined;
  private askingTimeZone: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: SharedRateBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  async acquire(maxWaitMs: number): Promise<CallSlot> {
    const portal = await this.budgetKey();
    await this.load(portal);
    for (let refusals = 0; ; ) {
      const now = this.now();
      this.holdIfDaySpent(now);
      const choice = this.choose(now);
      const waitMs = choice.at - now;
      if (waitMs > maxWaitMs) {
        throw new RateLimitedError(`HubSpot rate limit budget spent; next call slot in ${waitMs} ms`, Math.min(waitMs, MAX_RETRY_AFTER_MS), false);
      }
      const { intervalMs } = this.currentLimits();
      // Claimed here while the write is in flight, so this environment's other calls (an
      // invocation makes several at once) pick other tokens instead of racing it for this one.
      const before = this.tokens.get(choice.token);
      this.tokens.set(choice.token, choice.at);
      let answer: Awaited<ReturnType<RateBudgetStore['takeToken']>>;
      try {
        answer = await this.options.store.takeToken(portal, choice.token, choice.at, choice.at - intervalMs - ARRIVAL_MARGIN_MS);
      } catch (error) {
        if (this.tokens.get(choice.token) === choice.at) {
          if (before === undefined) this.tokens.delete(choice.token);
          else this.tokens.set(choice.token, before);
        }
        throw error;
      }
      if (answer.taken) return { at: choice.at, waitMs: Math.max(0, choice.at - this.now()) };
      this.tokens.set(choice.token, answer.usedAt);
      refusals += 1;
      if (refusals >= MAX_REFUSALS) {
        throw new RateLimitedError(`HubSpot rate limit budget contended; try again shortly`, intervalMs / 10, false);
      }
      if (refusals % RELOAD_AFTER_REFUSALS === 0) await this.load(portal, true);
    }
  }

  stillValid(slot: CallSlot, now: number = this.now()): boolean {
    return now <= slot.at + ARRIVAL_MARGIN_MS / 2;
  }

  settle(): void {
    // The token holds the reserved time; the margin covers the way to HubSpot (stillValid).
  }

  async learn(answer: BudgetAnswer): Promise<void> {
    const portal = this.portal;
    if (portal === undefined) return;
    const now = this.now();
    const headers = answer.headers;
    const max = Number(headers.get('x-hubspot-ratelimit-max'));
    const intervalMs = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
    if (Number.isInteger(max) && max > 0 && Number.isFinite(intervalMs) && intervalMs > 0) {
      const limits = { max, intervalMs: Math.min(intervalMs, MAX_RETRY_AFTER_MS) };
      if (limits.max !== this.limits?.max || limits.intervalMs !== this.limits.intervalMs) {
        this.limits = limits;
        await this.saving('limits', () => this.options.store.saveLimits(portal, limits));
      }
    }
    const dailyLimit = numberHeader(headers, 'x-hubspot-ratelimit-daily');
    const dailyRemaining = numberHeader(headers, 'x-hubspot-ratelimit-daily-remaining');
    const daySpent = (answer.status === 429 && answer.policyName === 'DAILY') || dailyRemaining === 0;
    if (daySpent) {
      const exhaustedUntil = await this.nextDailyReset(now);
      this.daily = { ...(dailyLimit !== undefined ? { limit: dailyLimit } : {}), remaining: 0, observedAt: now, exhaustedUntil };
      await this.saveDaily(portal, now);
    } else if (dailyRemaining !== undefined) {
      this.daily = { ...(dailyLimit !== undefined ? { limit: dailyLimit } : {}), remaining: dailyRemaining, observedAt: now };
      if (now - this.dailySavedAt >= DAILY_SAVE_EVERY_MS) await this.saveDaily(portal, now);
    }
    if (answer.status < 400 && !daySpent) await this.learnTimeZone(portal);
    if (answer.status === 429 && !daySpent) {
      // Our tokens never overshoot; a 429 means something else spent the window (another app
      // sharing the limit, calls outside the budget): hold this environment's calls until it frees.
      this.blockedUntil = Math.max(this.blockedUntil, now + (answer.retryAfterMs ?? this.windowFreesInMs()));
    }
  }

  waitMs(): number {
    if (this.portal === undefined) return 0;
    const now = this.now();
    const daySpentUntil = this.daySpentUntil(now);
    if (daySpentUntil !== undefined) return Math.min(MAX_RETRY_AFTER_MS, daySpentUntil - now);
    return Math.max(0, this.choose(now).at - now);
  }

  /** Nothing is held for a batch that goes away: it comes back when this environment expects room, and takes a token then. */
  promise(): number {
    return this.waitMs();
  }

  windowFreesInMs(): number {
    return this.currentLimits().intervalMs;
  }

  dailyQuota(): { key: string; limit?: number; remaining?: number; exhaustedUntil?: number } | undefined {
    if (this.portal === undefined || this.daily === undefined) return undefined;
    const { limit, remaining, exhaustedUntil } = this.daily;
    return {
      key: this.portal,
      ...(limit !== undefined ? { limit } : {}),
      ...(remaining !== undefined ? { remaining } : {}),
      ...(exhaustedUntil !== undefined && exhaustedUntil > this.now() ? { exhaustedUntil } : {}),
    };
  }

  private async budgetKey(): Promise<string> {
    this.portal ??= await this.options.key();
    return this.portal;
  }

  /** Reads the portal's budget once per environment (and again when writes keep being refused). */
  private load(portal: string, again = false): Promise<void> {
    if (this.loading && !again) return this.loading;
    const loading = this.options.store.load(portal).then((state: RateBudgetState) => {
      for (const [token, usedAt] of state.tokens) {
        if (usedAt > (this.tokens.get(token) ?? Number.NEGATIVE_INFINITY)) this.tokens.set(token, usedAt);
      }
      // Limits this environment learnt from HubSpot itself win over stored ones.
      this.limits ??= state.limits;
      this.timeZone ??= state.timeZone;
      if (state.daily && (this.daily === undefined || state.daily.observedAt > this.daily.observedAt)) this.daily = state.daily;
    });
    // A failed read is not kept: the next call reads again.
    this.loading = loading.catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  private currentLimits(): RateLimits {
    return this.limits ?? UNKNOWN_LIMITS;
  }

  /**
   * The token to take and when: the earliest any usable token is free (and the environment not
   * held back), picked at random among those free about then. Bulk work may use the first
   * `bulkShare` of the tokens; real-time work prefers the others.
   */
  private choose(now: number): { token: number; at: number } {
    const { max, intervalMs } = this.currentLimits();
    const bulkTokens = Math.max(1, Math.floor(max * (this.options.bulkShare ?? DEFAULT_BULK_SHARE)));
    const usable = this.options.priority === 'bulk' ? bulkTokens : max;
    const start = Math.max(now, this.blockedUntil);
    const freeAt = (token: number) => Math.max(start, (this.tokens.get(token) ?? Number.NEGATIVE_INFINITY) + intervalMs + ARRIVAL_MARGIN_MS);
    let earliest = Number.POSITIVE_INFINITY;
    for (let token = 0; token < usable; token += 1) earliest = Math.min(earliest, freeAt(token));
    const near: number[] = [];
    for (let token = 0; token < usable; token += 1) if (freeAt(token) <= earliest + PICK_SPREAD_MS) near.push(token);
    const reserved = this.options.priority === 'realtime' ? near.filter((token) => token >= bulkTokens) : [];
    const pool = reserved.length > 0 ? reserved : near;
    const token = pool[Math.floor(this.random() * pool.length)] as number;
    return { token, at: freeAt(token) };
  }

  private daySpentUntil(now: number): number | undefined {
    const until = this.daily?.exhaustedUntil;
    return until !== undefined && until > now ? until : undefined;
  }

  private holdIfDaySpent(now: number): void {
    const until = this.daySpentUntil(now);
    if (until === undefined) return;
    throw new RateLimitedError(
      `HubSpot daily API limit spent; it resets at ${new Date(until).toISOString()}`,
      Math.min(until - now, MAX_RETRY_AFTER_MS),
      false,
    );
  }

  private async nextDailyReset(now: number): Promise<number> {
    return this.timeZone ? nextMidnight(now, this.timeZone) : now + DAILY_PROBE_MS;
  }

  /**
   * The time zone is asked while calls still succeed: once the day is spent HubSpot refuses the
   * account details too. The question's own call spends the budget like any other (the resolver
   * calls through this budget's client), and an answer within it asks nothing more.
   */
  private async learnTimeZone(portal: string): Promise<void> {
    if (this.timeZone !== undefined || this.askingTimeZone !== undefined || !this.options.timeZone) return;
    this.askingTimeZone = (async () => {
      const timeZone = await this.options.timeZone!().catch(() => undefined);
      if (timeZone === undefined) return;
      this.timeZone = timeZone;
      await this.saving('time zone', () => this.options.store.saveTimeZone(portal, timeZone));
    })();
    await this.askingTimeZone;
  }

  private async saveDaily(portal: string, now: number): Promise<void> {
    const daily = this.daily;
    if (!daily) return;
    this.dailySavedAt = now;
    await this.saving('daily quota', () => this.options.store.saveDaily(portal, daily));
  }

  /**
   * What the budget saves serves status, alarms and other environments' first calls; failing to
   * save it must not fail the HubSpot call that was already answered (and would be repeated).
   */
  private async saving(what: string, save: () => Promise<void>): Promise<void> {
    try {
      await save();
    } catch (error) {
      this.options.onStoreError?.(error, what);
    }
  }
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

/** The next midnight (epoch ms) in an IANA time zone after `now`; UTC when the zone is unknown to this runtime. */
export function nextMidnight(now: number, timeZone: string): number {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  const clock = (at: number) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    return (part('hour') * 3600 + part('minute') * 60 + part('second')) * 1000 + (at % 1000);
  };
  const DAY = 86_400_000;
  let candidate = now + (DAY - clock(now));
  // A day with a clock change is 23 or 25 hours long: correct by what the clock reads there.
  for (let i = 0; i < 3; i += 1) {
    const reads = clock(candidate);
    if (reads === 0) break;
    candidate += reads < DAY / 2 ? -reads : DAY - reads;
  }
  return candidate;
}
