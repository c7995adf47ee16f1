/**
 * The HubSpot rate budget shared by every environment (issue 13 §3), on a virtual clock against
 * the sandbox's limiter (HubSpot's rolling window and daily quota): several environments, each
 * with its own memory and its own budget object, share one store as Lambda environments share
 * the sync-state table.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RollingWindowBudget, type CallPriority, type HubSpotRateBudget } from '../../functions/connectors/hubspot/rate-budget.js';
import { nextMidnight, SharedRateBudget, UNKNOWN_LIMITS } from '../../functions/connectors/hubspot/shared-budget.js';
import { RateLimitedError } from '../../functions/core/errors.js';
import type { DailyQuota, RateBudgetState, RateBudgetStore, RateLimits } from '../../functions/core/ports.js';
import { RateLimiter } from '../../lib/local/sandboxes/hubspot/rate-limit.js';

/** The sync-state table's budget partition, in memory: each write is atomic, as DynamoDB's conditional writes are. */
class MemoryBudgetStore implements RateBudgetStore {
  readonly tokens = new Map<string, Map<number, number>>();
  readonly limits = new Map<string, RateLimits>();
  readonly daily = new Map<string, DailyQuota>();
  readonly timeZones = new Map<string, string>();
  requests = 0;
  refusals = 0;
  /** How long a conditional write takes to be answered (DynamoDB's round trip); it is decided on arrival. */
  writeMs = 0;

  async load(portalId: string): Promise<RateBudgetState> {
    this.requests += 1;
    const limits = this.limits.get(portalId);
    const daily = this.daily.get(portalId);
    const timeZone = this.timeZones.get(portalId);
    return { tokens: new Map(this.tokens.get(portalId)), ...(limits ? { limits } : {}), ...(daily ? { daily } : {}), ...(timeZone ? { timeZone } : {}) };
  }

  async takeToken(portalId: string, token: number, at: number, freeAtOrBefore: number) {
    this.requests += 1;
    if (this.writeMs > 0) await sleep(this.writeMs);
    const tokens = this.tokens.get(portalId) ?? new Map<number, number>();
    this.tokens.set(portalId, tokens);
    const usedAt = tokens.get(token);
    if (usedAt !== undefined && usedAt > freeAtOrBefore) {
      this.refusals += 1;
      return { taken: false as const, usedAt };
    }
    tokens.set(token, at);
    return { taken: true as const };
  }

  async saveLimits(portalId: string, limits: RateLimits): Promise<void> {
    this.requests += 1;
    this.limits.set(portalId, limits);
  }

  async saveDaily(portalId: string, daily: DailyQuota): Promise<void> {
    this.requests += 1;
    this.daily.set(portalId, daily);
  }

  async saveTimeZone(portalId: string, timeZone: string): Promise<void> {
    this.requests += 1;
    this.timeZones.set(portalId, timeZone);
  }
}

const PORTAL = '24681357';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sharedBudget(store: RateBudgetStore, priority: CallPriority = 'realtime', timeZone?: string): SharedRateBudget {
  return new SharedRateBudget({ store, key: async () => PORTAL, priority, ...(timeZone ? { timeZone: async () => timeZone } : {}) });
}

interface Tally {
  made: number;
  refused: number;
  deferred: number;
  callTimes: number[];
}

/** One environment making `calls` HubSpot calls one after another, as a consumer does, each waiting at most `maxWaitMs` for a slot. */
async function environment(budget: HubSpotRateBudget, limiter: RateLimiter, calls: number, tally: Tally, maxWaitMs = 60_000): Promise<void> {
  for (let i = 0; i < calls; ) {
    let slot;
    try {
      slot = await budget.acquire(maxWaitMs);
    } catch (error) {
      if (!(error instanceof RateLimitedError) || error.attempted) throw error;
      tally.deferred += 1;
      await sleep(error.retryAfterMs ?? 1_000);
      continue;
    }
    if (slot.waitMs > 0) await sleep(slot.waitMs);
    // A request takes a moment to reach HubSpot.
    await sleep(20);
    const decision = limiter.take({ daily: true });
    tally.callTimes.push(Date.now());
    budget.settle(slot, Date.now() + 100);
    await budget.learn({ headers: new Headers(decision.headers), status: decision.allowed ? 200 : 429, ...(decision.policy ? { policyName: decision.policy } : {}) });
    if (decision.allowed) {
      tally.made += 1;
      i += 1;
    } else {
      tally.refused += 1;
      await sleep(1_000);
    }
  }
}

const newTally = (): Tally => ({ made: 0, refused: 0, deferred: 0, callTimes: [] });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-12-07T15:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('one HubSpot rate budget for every environment', () => {
  const LIMIT = { max: 20, intervalMs: 10_000 };

  it('five environments spend the portal\'s window fully and are never refused', async () => {
    // Prepare
    const limiter = new RateLimiter(LIMIT);
    const store = new MemoryBudgetStore();
    const tallies = Array.from({ length: 5 }, newTally);
    const started = Date.now();

    // Act
    const done = Promise.all(tallies.map((tally) => environment(sharedBudget(store), limiter, 20, tally)));
    await vi.runAllTimersAsync();
    await done;

    // Assess: 100 calls, none refused; about as fast as the window allows.
    const all = tallies.flatMap((t) => t.callTimes);
    expect(tallies.reduce((n, t) => n + t.refused, 0)).toBe(0);
    expect(tallies.reduce((n, t) => n + t.made, 0)).toBe(100);
    const boundMs = (Math.ceil(100 / LIMIT.max) - 1) * LIMIT.intervalMs;
    const tookMs = Math.max(...all) - started;
    expect(boundMs / tookMs).toBeGreaterThan(0.8);
    // Five environments contending for every token of a saturated window: a pick made on a stale
    // view is refused and the budget read again (issue 13 §3's cost; `npm run bench` prints it).
    expect(store.requests / 100).toBeLessThan(3);
  });

  it('one environment alone spends one store write per call', async () => {
    const limiter = new RateLimiter(LIMIT);
    const store = new MemoryBudgetStore();
    const tally = newTally();

    const done = environment(sharedBudget(store), limiter, 100, tally);
    await vi.runAllTimersAsync();
    await done;

    expect(tally.refused).toBe(0);
    // The first read, a limits save, then a write per call.
    expect(store.requests).toBeLessThanOrEqual(100 + 3);
  });

  it('per-environment budgets, by contrast, overshoot the portal\'s window (why the flows share one)', async () => {
    const limiter = new RateLimiter(LIMIT);
    const tallies = Array.from({ length: 5 }, newTally);

    const done = Promise.all(tallies.map((tally) => environment(new RollingWindowBudget(), limiter, 20, tally)));
    await vi.runAllTimersAsync();
    await done;

    expect(tallies.reduce((n, t) => n + t.refused, 0)).toBeGreaterThan(0);
  });

  it('an environment that has seen no answer yet spends no more than the lowest limit', async () => {
    const store = new MemoryBudgetStore();
    const budget = sharedBudget(store);

    const slots = [];
    for (let i = 0; i < UNKNOWN_LIMITS.max; i += 1) slots.push(await budget.acquire(0));

    await expect(budget.acquire(0)).rejects.toMatchObject({ name: 'RateLimitedError', attempted: false });
    expect(slots.every((slot) => slot.waitMs === 0)).toBe(true);
  });

  it('learns the limit from one environment\'s answers and gives it to the next environment to start', async () => {
    const store = new MemoryBudgetStore();
    const first = sharedBudget(store);
    await first.acquire(0);
    await first.learn({ headers: new Headers({ 'X-HubSpot-RateLimit-Max': '190', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' }), status: 200 });

    const next = sharedBudget(store);
    for (let i = 0; i < 189; i += 1) await next.acquire(0);

    await expect(next.acquire(0)).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('bulk work leaves a quarter of every window to real-time work', async () => {
    // Prepare: a Buildium full sync has spent all it may.
    const limiter = new RateLimiter(LIMIT);
    const store = new MemoryBudgetStore();
    await store.saveLimits(PORTAL, LIMIT);
    const bulk = sharedBudget(store, 'bulk');
    let bulkCalls = 0;
    for (;;) {
      try {
        await bulk.acquire(0);
        limiter.take({ daily: true });
        bulkCalls += 1;
      } catch (error) {
        if (error instanceof RateLimitedError) break;
        throw error;
      }
    }

    // Act: a lead arrives.
    const realtime = sharedBudget(store, 'realtime');
    const slot = await realtime.acquire(0);

    // Assess
    expect(bulkCalls).toBe(15);
    expect(slot.waitMs).toBe(0);
    expect(limiter.take({ daily: true }).allowed).toBe(true);
  });

  it('real-time work may take the whole window', async () => {
    const store = new MemoryBudgetStore();
    await store.saveLimits(PORTAL, LIMIT);
    const realtime = sharedBudget(store, 'realtime');

    for (let i = 0; i < LIMIT.max; i += 1) await realtime.acquire(0);

    await expect(realtime.acquire(0)).rejects.toBeInstanceOf(RateLimitedError);
  });
});

describe('one environment making several calls at once', () => {
  it('takes a different token for each call instead of racing itself for one', async () => {
    // Prepare: the limits are known; every pick would go to the same token (random() = 0).
    const store = new MemoryBudgetStore();
    store.limits.set(PORTAL, { max: 20, intervalMs: 10_000 });
    store.writeMs = 5;
    const budget = new SharedRateBudget({ store, key: async () => PORTAL, priority: 'realtime', random: () => 0 });

    // Act: an invocation's five chunks ask for their call slots at once.
    const acquiring = Promise.all(Array.from({ length: 5 }, () => budget.acquire(0)));
    await vi.advanceTimersByTimeAsync(100);
    const slots = await acquiring;

    // Assess: five calls now, five tokens, and no write refused.
    expect(slots.map((slot) => slot.waitMs)).toEqual([0, 0, 0, 0, 0]);
    expect(store.tokens.get(PORTAL)?.size).toBe(5);
    expect(store.refusals).toBe(0);
  });
});

describe('the daily quota', () => {
  it('once HubSpot says the day is spent, every environment holds its calls until midnight in the portal\'s time zone', async () => {
    // Prepare: 10:00 in New York; one call answered (the portal's time zone is learnt then), then the day's quota is spent.
    vi.setSystemTime(new Date('2026-12-07T15:00:00Z'));
    const limiter = new RateLimiter({ max: 100, intervalMs: 10_000, daily: 1_000 }, { timeZone: 'America/New_York' });
    const store = new MemoryBudgetStore();
    const first = sharedBudget(store, 'realtime', 'America/New_York');
    await first.acquire(0);
    await first.learn({ headers: new Headers(limiter.take({ daily: true }).headers), status: 200 });
    limiter.setDailyUsed(1_000);

    // Act: the next call is refused with policy DAILY.
    await first.acquire(0);
    const decision = limiter.take({ daily: true });
    await first.learn({ headers: new Headers(decision.headers), status: 429, policyName: decision.policy! });

    // Assess: this environment and one started later (which never asks the time zone) both hold their calls, without calling.
    const later = sharedBudget(store, 'bulk');
    for (const budget of [first, later]) {
      const refusal = await budget.acquire(0).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(RateLimitedError);
      expect((refusal as RateLimitedError).attempted).toBe(false);
      expect((refusal as RateLimitedError).message).toContain('resets at 2026-12-08T05:00:00.000Z');
    }
    expect(first.dailyQuota()).toEqual({ key: PORTAL, limit: 1_000, remaining: 0, exhaustedUntil: Date.parse('2026-12-08T05:00:00Z') });

    // At midnight in New York the day is back.
    vi.setSystemTime(new Date('2026-12-08T05:00:01Z'));
    await expect(later.acquire(0)).resolves.toMatchObject({ waitMs: 0 });
    expect(limiter.take({ daily: true }).allowed).toBe(true);
  });

  it('without the portal\'s time zone, a spent day is probed again a quarter of an hour later', async () => {
    const store = new MemoryBudgetStore();
    const budget = sharedBudget(store);
    await budget.acquire(0);

    await budget.learn({ headers: new Headers({ 'X-HubSpot-RateLimit-Daily': '1000', 'X-HubSpot-RateLimit-Daily-Remaining': '0' }), status: 200 });

    expect(budget.dailyQuota()?.exhaustedUntil).toBe(Date.now() + 15 * 60_000);
  });

  it('keeps the remaining quota in the store for status and alarms', async () => {
    const store = new MemoryBudgetStore();
    const budget = sharedBudget(store);
    await budget.acquire(0);

    await budget.learn({ headers: new Headers({ 'X-HubSpot-RateLimit-Daily': '650000', 'X-HubSpot-RateLimit-Daily-Remaining': '649000' }), status: 200 });

    expect(store.daily.get(PORTAL)).toEqual({ limit: 650_000, remaining: 649_000, observedAt: Date.now() });
  });
});

describe('nextMidnight', () => {
  it.each([
    ['a winter day in New York', '2026-12-07T15:00:00Z', 'America/New_York', '2026-12-08T05:00:00.000Z'],
    ['the day New York moves its clocks forward', '2026-03-08T16:00:00Z', 'America/New_York', '2026-03-09T04:00:00.000Z'],
    ['the day before it', '2026-03-07T17:00:00Z', 'America/New_York', '2026-03-08T05:00:00.000Z'],
    ['the day New York moves its clocks back', '2026-11-01T16:00:00Z', 'America/New_York', '2026-11-02T05:00:00.000Z'],
    ['Kolkata (half-hour offset)', '2026-12-07T15:00:00Z', 'Asia/Kolkata', '2026-12-07T18:30:00.000Z'],
    ['an unknown zone reads as UTC', '2026-12-07T15:00:00Z', 'Nowhere/Atlantis', '2026-12-08T00:00:00.000Z'],
  ])('%s', (_name, now, zone, expected) => {
    expect(new Date(nextMidnight(Date.parse(now), zone)).toISOString()).toBe(expected);
  });
});
