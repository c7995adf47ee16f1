import { describe, expect, it } from 'vitest';
import { RollingWindowBudget, type Reservation } from '../../functions/connectors/hubspot/rate-budget.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), at: (ms: number) => (now = start + ms), start };
}

function waitOf(reservation: Reservation): number {
  if (!reservation.ok) throw new Error(`expected a slot, got retryInMs=${reservation.retryInMs}`);
  return reservation.waitMs;
}

const limitHeaders = (max: number, intervalMs: number, remaining: number) =>
  new Headers({
    'x-hubspot-ratelimit-max': String(max),
    'x-hubspot-ratelimit-interval-milliseconds': String(intervalMs),
    'x-hubspot-ratelimit-remaining': String(remaining),
  });

describe('RollingWindowBudget', () => {
  it('with 3 calls per 1000 ms, the 4th waits until the first leaves the window', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(3, 1000, clock.now);
    clock.at(0);
    const first = waitOf(budget.reserve(5000));
    clock.at(100);
    const second = waitOf(budget.reserve(5000));
    clock.at(200);
    const third = waitOf(budget.reserve(5000));

    // Act
    clock.at(300);
    const fourth = waitOf(budget.reserve(5000));

    // Assess
    expect([first, second, third]).toEqual([0, 0, 0]);
    const fourthAt = 300 + fourth;
    expect(fourthAt).toBeGreaterThanOrEqual(1000);
    expect(fourthAt).toBeLessThanOrEqual(1001);
  });

  it('rolls: the 5th waits for the second call, not a whole new window', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(3, 1000, clock.now);
    for (const t of [0, 100, 200]) {
      clock.at(t);
      waitOf(budget.reserve(5000));
    }
    clock.at(300);
    waitOf(budget.reserve(5000)); // runs at ~1000

    // Act
    const fifth = waitOf(budget.reserve(5000));

    // Assess
    const fifthAt = 300 + fifth;
    expect(fifthAt).toBeGreaterThanOrEqual(1100);
    expect(fifthAt).toBeLessThanOrEqual(1101);
  });

  it('gives a slot at once again when the window has passed', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(3, 1000, clock.now);
    for (let i = 0; i < 3; i += 1) waitOf(budget.reserve(0));

    // Act
    clock.advance(1001);
    const later = budget.reserve(0);

    // Assess
    expect(later).toMatchObject({ ok: true, waitMs: 0 });
  });

  it('refuses a slot further away than maxWaitMs, says when it frees, and promises it to the caller', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(2, 1000, clock.now);
    waitOf(budget.reserve(0));
    waitOf(budget.reserve(0));
    clock.advance(200);

    // Act
    const refused = budget.reserve(500);
    clock.advance(900);
    const afterWindow = [budget.reserve(0), budget.reserve(0)];

    // Assess
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryInMs).toBeGreaterThanOrEqual(800);
    expect(refused.ok === false && refused.retryInMs).toBeLessThanOrEqual(801);
    // The promised slot is the caller's own, taken when it comes back: the limit is not spent twice.
    expect(afterWindow).toMatchObject([
      { ok: true, waitMs: 0 },
      { ok: true, waitMs: 0 },
    ]);
  });

  it('learns the limit and interval from HubSpot\'s rate-limit headers', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(undefined, undefined, clock.now); // no limit known yet
    waitOf(budget.reserve(0));
    budget.observe(limitHeaders(2, 500, 1), false);
    clock.advance(10);
    waitOf(budget.reserve(0));
    clock.advance(10);

    // Act
    const third = waitOf(budget.reserve(5000));

    // Assess
    const thirdAt = 20 + third;
    expect(thirdAt).toBeGreaterThanOrEqual(500);
    expect(thirdAt).toBeLessThanOrEqual(501);
  });

  it('after a 429 blocks every call for Retry-After', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(100, 10_000, clock.now);
    waitOf(budget.reserve(0));
    budget.observe(new Headers(), true, 2_000);

    // Act
    const now = budget.reserve(0);
    clock.advance(1_500);
    const soon = budget.reserve(1_000);
    clock.advance(600);
    const after = budget.reserve(0);

    // Assess
    expect(now).toEqual({ ok: false, retryInMs: 2_000 });
    expect(soon).toMatchObject({ ok: true, waitMs: 500 });
    expect(after).toMatchObject({ ok: true, waitMs: 0 });
  });

  it('after a 429 without Retry-After waits until this process\'s oldest call leaves the window', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(100, 1000, clock.now);
    waitOf(budget.reserve(0));
    clock.advance(300);
    budget.observe(new Headers(), true);

    // Act
    const refused = budget.reserve(0);

    // Assess
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryInMs).toBeGreaterThanOrEqual(700);
    expect(refused.ok === false && refused.retryInMs).toBeLessThanOrEqual(701);
  });

  it('holds back when HubSpot says no requests remain, even below our own count', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(undefined, undefined, clock.now);
    waitOf(budget.reserve(0));
    budget.observe(limitHeaders(10, 1000, 0), false);

    // Act
    const next = budget.reserve(0);

    // Assess
    expect(next.ok).toBe(false);
  });

  it('counts a call when its answer arrived, so a slow call frees its slot later (HubSpot counts on arrival)', () => {
    // Prepare: 2 per 1000 ms; the first call is reserved at t=0 but answered at t=400.
    const clock = fakeClock();
    const budget = new RollingWindowBudget(2, 1000, clock.now);
    const first = budget.reserve(0);
    budget.reserve(0);
    clock.advance(400);
    if (first.ok) budget.settle(first.at);

    // Act: at t=1000 the window would have freed the t=0 reservation, but not the t=400 answer.
    clock.advance(600);
    const next = budget.reserve(1_000);

    // Assess: a slot is free (the t=0 call left), and the settled call still holds the next one back.
    expect(next).toMatchObject({ ok: true, waitMs: 0 });
    expect(budget.waitMs()).toBeGreaterThanOrEqual(400);
  });

  it('waitMs tells how long until a slot without reserving one', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(1, 1000, clock.now);
    budget.reserve(0);

    // Act
    const first = budget.waitMs();
    const second = budget.waitMs();

    // Assess
    expect(first).toBe(1001);
    expect(second).toBe(first);
  });

  it('promises the next free slot to a batch that leaves, and gives it to the first caller back in time', () => {
    // Prepare: 1 call per 1000 ms, spent at t=0.
    const clock = fakeClock();
    const budget = new RollingWindowBudget(1, 1000, clock.now);
    budget.reserve(0);

    // Act
    const firstPromise = budget.promise();
    const secondPromise = budget.promise();
    clock.advance(900);
    const claimed = budget.reserve(200);

    // Assess: promises take successive slots; the one at ~1001 ms is taken 101 ms ahead.
    expect(firstPromise).toBe(1001);
    expect(secondPromise).toBe(2002);
    expect(claimed).toMatchObject({ ok: true, waitMs: 101 });
    // The second promise still holds its slot against newcomers.
    expect(budget.reserve(500).ok).toBe(false);
  });

  it('frees a promised slot nobody came back for', () => {
    // Prepare
    const clock = fakeClock();
    const budget = new RollingWindowBudget(1, 1000, clock.now);
    budget.reserve(0);
    budget.promise();

    // Act: long after the promised slot (and its grace) has passed.
    clock.advance(10_000);

    // Assess
    expect(budget.waitMs()).toBe(0);
    expect(budget.reserve(0)).toMatchObject({ ok: true, waitMs: 0 });
  });
});
