/**
 * `npm run bench` part `budget` (issue 13 §3, §4): every HubSpot-calling function at its
 * production concurrency (the prod topology's consumers: each environment its own budget object
 * and its own DynamoDB client, as each Lambda environment has), all calling one portal as fast as
 * they can, against HubSpot's rolling window (the sandbox's limiter) for BENCH_BUDGET_SECONDS.
 *
 * Printed for the shared budget (DynamoDB Local) and, as the baseline, for a budget per
 * environment: the 429s our own calls caused, the share of the portal's limit spent, DynamoDB
 * requests per HubSpot call, and the real-time share of the calls while bulk work saturates.
 */
import { RollingWindowBudget, type CallPriority, type HubSpotRateBudget } from '../../functions/connectors/hubspot/rate-budget.js';
import { SharedRateBudget } from '../../functions/connectors/hubspot/shared-budget.js';
import { RateLimitedError } from '../../functions/core/errors.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoRateBudgetStore } from '../../functions/store/rate-budget.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal } from '../../lib/local/dynamodb.js';
import { RateLimiter } from '../../lib/local/sandboxes/hubspot/rate-limit.js';
import { topologyFor, type FunctionId } from '../../lib/topology.js';

type Row = (figure: string, value: string, baseline?: string, target?: string) => void;
type Fmt = (n: number, digits?: number) => string;

const SECONDS = Number(process.env.BENCH_BUDGET_SECONDS ?? 40);
/** A Professional portal's private-app limit (HubSpot's changelog "Increasing our API limits"). */
const LIMIT = { max: 190, intervalMs: 10_000 };
/** What a HubSpot batch call takes to answer. */
const CALL_MS = 150;
/** Bulk work: the Buildium sync; the rest is real-time. */
const PRIORITY: Partial<Record<FunctionId, CallPriority>> = { 'buildium-sync': 'bulk' };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Outcome {
  made: number;
  refused: number;
  realtime: number;
  bulk: number;
  storeRequests: number;
}

/** Every environment the prod stack may run of each HubSpot-calling consumer. */
function productionEnvironments(): { fn: FunctionId; priority: CallPriority }[] {
  const topology = topologyFor('prod');
  return topology.consumers
    .filter((consumer) => topology.functions.find((fn) => fn.id === consumer.function)?.secrets.includes('hubspot'))
    .flatMap((consumer) => Array.from({ length: consumer.maxConcurrency }, () => ({ fn: consumer.function, priority: PRIORITY[consumer.function] ?? 'realtime' })));
}

async function run(budgets: { budget: HubSpotRateBudget; priority: CallPriority }[], limiter: RateLimiter): Promise<Omit<Outcome, 'storeRequests'>> {
  const outcome = { made: 0, refused: 0, realtime: 0, bulk: 0 };
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    budgets.map(async ({ budget, priority }) => {
      while (Date.now() < end) {
        let slot;
        try {
          slot = await budget.acquire(2_000);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          // Back to SQS; the message returns later.
          await sleep(Math.min(error.retryAfterMs ?? 1_000, Math.max(0, end - Date.now())));
          continue;
        }
        if (slot.waitMs > 0) await sleep(slot.waitMs);
        if (Date.now() >= end) break;
        if (!budget.stillValid(slot)) continue;
        const decision = limiter.take({ daily: true });
        await sleep(CALL_MS);
        budget.settle(slot);
        await budget.learn({ headers: new Headers(decision.headers), status: decision.allowed ? 200 : 429, ...(decision.policy ? { policyName: decision.policy } : {}) });
        if (decision.allowed) {
          outcome.made += 1;
          outcome[priority] += 1;
        } else {
          outcome.refused += 1;
        }
      }
    }),
  );
  return outcome;
}

export async function budgetBench(row: Row, fmt: Fmt, progress: (message: string) => void): Promise<void> {
  const environments = productionEnvironments();
  const counts = environments.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.fn]: (acc[e.fn] ?? 0) + 1 }), {});
  const dynamo = await startDynamoDbLocal({ dataDir: null });
  try {
    const client = localDynamoDbClient(dynamo.endpoint);
    const table = (await createTables(client, topologyFor('local').tables))['sync-state']!;

    progress(`budget: ${environments.length} environments (${Object.entries(counts).map(([fn, n]) => `${fn} ${n}`).join(', ')}) share one portal for ${SECONDS} s`);
    const stores: DynamoRateBudgetStore[] = [];
    const shared = await run(
      environments.map(({ priority }) => {
        const store = new DynamoRateBudgetStore(createDocumentClient(localDynamoDbClient(dynamo.endpoint)), table);
        stores.push(store);
        return { priority, budget: new SharedRateBudget({ store, key: async () => 'bench-portal', priority }) };
      }),
      new RateLimiter(LIMIT),
    );
    const storeRequests = stores.reduce((n, s) => n + s.requests, 0);

    progress('budget: the same with a budget per environment');
    const separate = await run(
      environments.map(({ priority }) => ({ priority, budget: new RollingWindowBudget() })),
      new RateLimiter(LIMIT),
    );

    const ceiling = (LIMIT.max * SECONDS * 1000) / LIMIT.intervalMs;
    const label = `${environments.length} environments, ${LIMIT.max}/${LIMIT.intervalMs / 1000} s, ${SECONDS} s`;
    row(`budget (${label}): 429s caused by our own calls`, String(shared.refused), `${separate.refused} (budget per environment)`, '0');
    row('budget: share of the portal\'s limit spent', fmt(shared.made / ceiling, 3), `${fmt(separate.made / ceiling, 3)} (budget per environment)`, '>= 0.9');
    row('budget: DynamoDB requests per HubSpot call (saturated, all contending)', fmt(storeRequests / Math.max(1, shared.made), 2), '0 (budget per environment)', '');
    row(`budget: real-time share of calls (${environments.filter((e) => e.priority === 'realtime').length} of ${environments.length} environments real-time, all saturating)`, fmt(shared.realtime / Math.max(1, shared.made), 2), fmt(separate.realtime / Math.max(1, separate.made), 2), '>= 0.25');
  } finally {
    await dynamo.close();
  }
}
