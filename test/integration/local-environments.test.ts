import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EnvironmentKilledError,
  LambdaRuntimeExitError,
  startExecutionEnvironments,
  type ExecutionEnvironments,
  type ExecutionEnvironmentsOptions,
} from '../../lib/local/execution-environments.js';
import { LambdaTimeoutError } from '../../lib/local/lambda-context.js';
import { startPoller } from '../../lib/local/poller.js';
import { localSqsClient, startSqsLocal } from '../../lib/local/sqs.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/environments');

interface CounterResult {
  invocations: number;
  environment: number;
  startedAt: number;
  endedAt: number;
  remainingMs: number;
  functionName: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  variable?: string;
}

const pools: ExecutionEnvironments[] = [];
let dir: string;

function environments(fixture: string, options: Partial<ExecutionEnvironmentsOptions> = {}): ExecutionEnvironments {
  const pool = startExecutionEnvironments({
    functionName: fixture,
    file: join(FIXTURES, `${fixture}.ts`),
    timeoutSeconds: 5,
    memoryMb: 128,
    maxEnvironments: 10,
    env: { ...process.env },
    ...options,
  });
  pools.push(pool);
  return pool;
}

let requests = 0;
const context = () => ({ awsRequestId: `request-${(requests += 1)}` });
const counter = (pool: ExecutionEnvironments, event: { sleepMs?: number; log?: string } = {}) =>
  pool.invoke(event, context()) as Promise<CounterResult>;

/** The most intervals that overlap at one moment. */
function mostAtOnce(intervals: ReadonlyArray<{ startedAt: number; endedAt: number }>): number {
  const edges = intervals.flatMap((i) => [
    { at: i.startedAt, delta: 1 },
    { at: i.endedAt, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.delta));
  return most;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-environments-'));
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
  vi.restoreAllMocks();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('execution environments', () => {
  it('runs concurrent invocations in separate environments, each with its own module memory', async () => {
    // Prepare
    const pool = environments('counter');

    // Act
    const [a, b] = await Promise.all([counter(pool, { sleepMs: 1_500 }), counter(pool, { sleepMs: 1_500 })]);

    // Assess
    expect(a!.environment).not.toBe(b!.environment);
    expect([a!.invocations, b!.invocations]).toEqual([1, 1]);
    expect(pool.stats()).toMatchObject({ environmentsStarted: 2, coldStarts: 2, invocations: 2 });
  });

  it('reuses an idle environment for the next invocation: one cold start', async () => {
    const pool = environments('counter');

    const first = await counter(pool);
    const second = await counter(pool);
    const third = await counter(pool);

    expect(new Set([first.environment, second.environment, third.environment]).size).toBe(1);
    expect(third.invocations).toBe(3);
    expect(pool.stats()).toMatchObject({ environmentsStarted: 1, coldStarts: 1, invocations: 3 });
  });

  it('starts provisioned environments ahead of invocations: the invocations that follow wait for no init', async () => {
    // Prepare
    const pool = environments('counter', { maxEnvironments: 3 });

    // Act: four asked for, three allowed; then three invocations at once.
    await pool.provision(4);
    const provisioned = pool.stats();
    const results = await Promise.all(Array.from({ length: 3 }, () => counter(pool, { sleepMs: 300 })));

    // Assess
    expect(provisioned).toMatchObject({ environmentsStarted: 3, environments: 3, busy: 0, invocations: 0 });
    expect(provisioned.initMs).toHaveLength(3);
    expect(new Set(results.map((r) => r.environment)).size).toBe(3);
    expect(pool.stats()).toMatchObject({ environmentsStarted: 3, invocations: 3 });
  });

  it('never runs more invocations at once than its cap', async () => {
    const pool = environments('counter', { maxEnvironments: 2 });

    const results = await Promise.all(Array.from({ length: 5 }, () => counter(pool, { sleepMs: 300 })));

    expect(mostAtOnce(results)).toBe(2);
    expect(new Set(results.map((r) => r.environment)).size).toBe(2);
    expect(pool.stats()).toMatchObject({ environmentsStarted: 2, invocations: 5 });
  });

  it('runs a bundle (plain ESM) as well as a TypeScript entry', async () => {
    const bundle = join(dir, 'bundle.mjs');
    await writeFile(bundle, 'let calls = 0;\nexport const handler = async (event) => ({ calls: (calls += 1), echo: event.echo });\n');
    const pool = environments('bundle', { file: bundle });

    expect(await pool.invoke({ echo: 'a' }, context())).toEqual({ calls: 1, echo: 'a' });
    expect(await pool.invoke({ echo: 'b' }, context())).toEqual({ calls: 2, echo: 'b' });
  });

  it('passes a Lambda context that counts down to the invocation deadline', async () => {
    const pool = environments('counter', { functionName: 'lead-events', timeoutSeconds: 3, memoryMb: 256 });
    await counter(pool); // the init is not part of the invocation's time

    const result = await counter(pool, { sleepMs: 500 });

    expect(result).toMatchObject({ functionName: 'lead-events', memoryLimitInMB: '256', awsRequestId: `request-${requests}` });
    expect(result.remainingMs).toBeLessThanOrEqual(2_500);
    expect(result.remainingMs).toBeGreaterThan(1_500);
  });

  it('starts environments with the variables it was given, not the ones of this process', async () => {
    const a = environments('counter', { env: { ...process.env, FIXTURE_VARIABLE: 'stack a' } });
    const b = environments('counter', { env: { ...process.env, FIXTURE_VARIABLE: 'stack b' } });
    process.env.FIXTURE_VARIABLE = 'changed later';
    try {
      expect((await counter(a)).variable).toBe('stack a');
      expect((await counter(b)).variable).toBe('stack b');
    } finally {
      delete process.env.FIXTURE_VARIABLE;
    }
  });

  it("prints the handler's console lines through this process's console, at their level", async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const pool = environments('counter');

    await counter(pool, { log: 'a line from the environment' });

    expect(info).toHaveBeenCalledWith('a line from the environment');
  });

  it('stops an invocation at the timeout: what it scheduled after the deadline never runs', async () => {
    const file = join(dir, 'late-write.txt');
    await writeFile(file, '');
    const pool = environments('late-writer', { timeoutSeconds: 0.5 });

    const invocation = pool.invoke({ file, delayMs: 1_000 }, context());

    await expect(invocation).rejects.toBeInstanceOf(LambdaTimeoutError);
    await sleep(1_000);
    expect(await readFile(file, 'utf8')).toBe('');
    expect(pool.stats()).toMatchObject({ timeouts: 1, environments: 0 });
  });

  it('gives the invocation after a timeout a new environment', async () => {
    const pool = environments('counter', { timeoutSeconds: 0.5 });
    const before = await counter(pool);

    await expect(counter(pool, { sleepMs: 2_000 })).rejects.toBeInstanceOf(LambdaTimeoutError);
    const after = await counter(pool);

    expect(after.environment).not.toBe(before.environment);
    expect(after.invocations).toBe(1);
    expect(pool.stats()).toMatchObject({ environmentsStarted: 2, coldStarts: 2, timeouts: 1 });
  });

  it.each([
    ['exits', 'exit'],
    ['throws outside the handler', 'uncaught'],
    ['runs out of memory', 'memory'],
  ] as const)('fails the invocation of an environment that %s, and starts a fresh one after', async (_, crash) => {
    const pool = environments('crasher', { memoryMb: 64, limitMemory: true });
    const before = (await pool.invoke({}, context())) as { environment: number };

    await expect(pool.invoke({ crash }, context())).rejects.toBeInstanceOf(LambdaRuntimeExitError);
    const after = (await pool.invoke({}, context())) as { environment: number; invocations: number };

    expect(after.environment).not.toBe(before.environment);
    expect(after.invocations).toBe(1);
    expect(pool.stats()).toMatchObject({ environmentsStarted: 2, crashes: 1, timeouts: 0 });
  });

  it("fails an invocation whose handler throws with the handler's error, and keeps the environment", async () => {
    const pool = environments('failing');

    await expect(pool.invoke({}, context())).rejects.toMatchObject({ name: 'RangeError', message: 'invocation 1 failed' });
    await expect(pool.invoke({}, context())).rejects.toMatchObject({ message: 'invocation 2 failed' });

    expect(pool.stats()).toMatchObject({ environmentsStarted: 1, crashes: 0 });
  });

  it('fails invocations still running when it stops', async () => {
    const pool = environments('counter');
    const running = expect(counter(pool, { sleepMs: 5_000 })).rejects.toThrow(/stopped/);
    await sleep(300);

    await pool.stop();

    await running;
  });

  it('kills an environment mid-invocation when chaos asks: nothing it does after that point happens', async () => {
    const file = join(dir, 'killed-write.txt');
    await writeFile(file, '');
    const kill = vi.fn(() => 200 as number | undefined);
    const pool = environments('late-writer', { kill });
    await pool.invoke({ file, delayMs: 0 }, context()); // warm: the kill point counts from the invocation's start

    const invocation = pool.invoke({ file, delayMs: 600 }, context());

    await expect(invocation).rejects.toBeInstanceOf(EnvironmentKilledError);
    await sleep(800);
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1); // the warm-up's write only
    expect(kill).toHaveBeenCalledTimes(2);
    expect(pool.stats()).toMatchObject({ crashes: 1, environments: 0 });
  });
});

describe('a batch whose environment was killed on purpose', () => {
  it('comes back after the chaos redelivery delay, not the visibility timeout', async () => {
    // Prepare
    const server = await startSqsLocal();
    const sqs = localSqsClient(server.endpoint);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'killed-batches', Attributes: { VisibilityTimeout: '30' } }));
    const invocations: number[] = [];
    const poller = startPoller({
      sqs,
      queueUrl: QueueUrl!,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:killed-batches',
      consumer: { queue: 'lead-sync', function: 'lead-outbound', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: 1 },
      functionTimeoutSeconds: 5,
      invokeEnforcesTimeout: true,
      crashRedeliverySeconds: 1,
      playedCrash: (error) => error instanceof EnvironmentKilledError,
      onError: () => undefined,
      invoke: async (_event: SQSEvent) => {
        invocations.push(Date.now());
        if (invocations.length === 1) throw new EnvironmentKilledError('lead-outbound', 10);
      },
    });
    try {
      // Act
      await sqs.send(new SendMessageCommand({ QueueUrl: QueueUrl!, MessageBody: '{}' }));
      const until = Date.now() + 10_000;
      while (invocations.length < 2 && Date.now() < until) await sleep(50);

      // Assess
      expect(invocations).toHaveLength(2);
      expect(invocations[1]! - invocations[0]!).toBeLessThan(5_000);
      expect(poller.stats()).toMatchObject({ crashes: 1, failedBatches: 1 });
    } finally {
      await poller.stop();
      sqs.destroy();
      await server.close();
    }
  });
});
