/**
 * The shared HubSpot rate budget on DynamoDB Local (issue 13 §3): conditional token writes hold
 * under real concurrency, the budget's state reads back, and environments racing over one
 * portal's tokens in real time never overshoot HubSpot's window (the sandbox's limiter).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedRateBudget } from '../../functions/connectors/hubspot/shared-budget.js';
import { RateLimitedError } from '../../functions/core/errors.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoRateBudgetStore } from '../../functions/store/rate-budget.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { RateLimiter } from '../../lib/local/sandboxes/hubspot/rate-limit.js';
import { topologyFor } from '../../lib/topology.js';

let dynamo: DynamoDbLocal;
let newStore: () => DynamoRateBudgetStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  const client = localDynamoDbClient(dynamo.endpoint);
  const tables = await createTables(client, topologyFor('local').tables);
  // Each environment has its own client and store, as each Lambda environment does.
  newStore = () => new DynamoRateBudgetStore(createDocumentClient(localDynamoDbClient(dynamo.endpoint)), tables['sync-state']!);
});

afterAll(async () => {
  await dynamo?.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('DynamoRateBudgetStore', () => {
  it('gives a token to one of many racing writers and tells the others when it was taken', async () => {
    const stores = Array.from({ length: 8 }, newStore);
    const at = Date.now();

    const answers = await Promise.all(stores.map((store, i) => store.takeToken('race', 3, at + i, at - 10_000)));

    expect(answers.filter((a) => a.taken)).toHaveLength(1);
    const winner = answers.findIndex((a) => a.taken);
    for (const answer of answers.filter((a) => !a.taken)) expect(answer).toEqual({ taken: false, usedAt: at + winner });
  });

  it('reads back the tokens, the limits and the day\'s quota of a portal, and no other portal\'s', async () => {
    const store = newStore();
    await store.takeToken('p1', 0, 1_000, 0);
    await store.takeToken('p1', 7, 2_000, 0);
    await store.takeToken('p2', 1, 3_000, 0);
    await store.saveLimits('p1', { max: 190, intervalMs: 10_000 });
    await store.saveDaily('p1', { limit: 650_000, remaining: 12, observedAt: 5_000 });
    // An older observation saved late does not replace it.
    await store.saveDaily('p1', { limit: 650_000, remaining: 500, observedAt: 4_000 });

    const state = await store.load('p1');

    expect([...state.tokens]).toEqual([
      [0, 1_000],
      [7, 2_000],
    ]);
    expect(state.limits).toEqual({ max: 190, intervalMs: 10_000 });
    expect(state.daily).toEqual({ limit: 650_000, remaining: 12, observedAt: 5_000 });
  });
});

describe('environments sharing one portal budget in real time', () => {
  it('never overshoot HubSpot\'s window, and hold their calls once the day is spent', async () => {
    // Prepare: a small window, so the test spans several of them.
    // At least the ten calls an environment allows itself before HubSpot has told it the limit (UNKNOWN_LIMITS).
    const limit = { max: 12, intervalMs: 1_000 };
    const limiter = new RateLimiter({ ...limit, daily: 60 });
    const stores = Array.from({ length: 4 }, newStore);
    const budgets = stores.map((store) => new SharedRateBudget({ store, key: async () => 'realtime-portal', priority: 'realtime', timeZone: async () => 'America/New_York' }));
    let made = 0;
    let refusedByWindow = 0;
    let refusedByDay = 0;
    let heldForDay = 0;

    // Act: each environment calls until the day (60 calls) is spent.
    await Promise.all(
      budgets.map(async (budget) => {
        for (;;) {
          let slot;
          try {
            slot = await budget.acquire(5_000);
          } catch (error) {
            if (error instanceof RateLimitedError && error.message.includes('daily API limit')) {
              heldForDay += 1;
              return;
            }
            throw error;
          }
          if (slot.waitMs > 0) await sleep(slot.waitMs);
          if (!budget.stillValid(slot)) continue;
          const decision = limiter.take({ daily: true });
          await budget.learn({ headers: new Headers(decision.headers), status: decision.allowed ? 200 : 429, ...(decision.policy ? { policyName: decision.policy } : {}) });
          if (decision.allowed) made += 1;
          else if (decision.policy === 'DAILY') refusedByDay += 1;
          else refusedByWindow += 1;
        }
      }),
    );

    // Assess
    expect(refusedByWindow).toBe(0);
    expect(made).toBe(60);
    // HubSpot said so once per environment at most (a call already on its way when the day ran out).
    expect(refusedByDay).toBeLessThanOrEqual(budgets.length);
    expect(heldForDay).toBe(budgets.length);
    const daily = (await newStore().load('realtime-portal')).daily;
    expect(daily?.remaining).toBe(0);
    expect(daily?.exhaustedUntil).toBeGreaterThan(Date.now());
  }, 30_000);
});
