/**
 * Lambda execution environments on this machine (issue 13 §1). Each environment is a worker
 * thread with its own module instance of the function's handler, hence its own memory (a rate
 * budget, caches, clients built at init), and runs one invocation at a time. A function gets as
 * many environments as invocations run at once, up to its cap; idle ones are reused, and each new
 * one pays its own init (a cold start). At the function's timeout the environment is stopped
 * (worker.terminate(): nothing the handler scheduled runs after that) and the invocation fails;
 * an environment that crashes (exits, throws outside the handler, runs out of memory) fails its
 * invocation likewise. Either way the next invocation gets a new environment.
 *
 * Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle":
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { build } from 'esbuild';
import { LambdaTimeoutError, logStreamName } from './lambda-context.js';

/** What a worker is started with (its workerData). */
export interface EnvironmentSetup {
  readonly file: string;
  readonly functionName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly region: string;
  readonly logStreamName: string;
  /** Stack traces through the file's source maps (a build of the sources, not a deployed bundle). */
  readonly sourceMaps: boolean;
}

export interface InvokeMessage {
  readonly id: number;
  readonly event: unknown;
  readonly awsRequestId: string;
  /** Epoch ms; the handler's context counts down to it. */
  readonly deadline: number;
}

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';

export type EnvironmentMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: WireError }
  | { readonly type: 'console'; readonly level: ConsoleLevel; readonly text: string }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };

/** The environment died under an invocation: it exited, threw outside the handler, or ran out of memory. */
export class LambdaRuntimeExitError extends Error {
  constructor(functionName: string, reason: string) {
    super(`${functionName}: Runtime exited: ${reason}`);
    this.name = 'LambdaRuntimeExitError';
  }
}

/** Chaos (issue 13 §1): the environment was killed on purpose in the middle of an invocation. */
export class EnvironmentKilledError extends LambdaRuntimeExitError {
  constructor(functionName: string, afterMs: number) {
    super(functionName, `killed ${Math.round(afterMs)} ms into the invocation (chaos)`);
    this.name = 'EnvironmentKilledError';
  }
}

/** The stack stopped with this invocation still waiting or running. */
export class EnvironmentsStoppedError extends Error {
  constructor(functionName: string) {
    super(`${functionName}: the local stack stopped`);
    this.name = 'EnvironmentsStoppedError';
  }
}

export interface ExecutionEnvironmentsOptions {
  readonly functionName: string;
  /** The handler module: a TypeScript entry (loaded through tsx) or a bundle. */
  readonly file: string;
  /** Stack traces through the file's source maps (default off, as in Lambda without --enable-source-maps). */
  readonly sourceMaps?: boolean;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The most environments at once; further invocations wait for one to be free. */
  readonly maxEnvironments: number;
  /** The environment variables every environment starts with (a snapshot; later changes are not seen). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly region?: string;
  /**
   * Caps each environment's V8 heap at the function's memory, so a handler that hoards memory
   * crashes as it would in Lambda. Off by default: a heap capped that tight (Lambda's memory is
   * the whole process's, not the heap's) collects garbage so often that a busy function's
   * latency grows tenfold (the load test: POST /leads p50 8 s against 0.3 s).
   */
  readonly limitMemory?: boolean;
  /**
   * Chaos: asked as each invocation starts, with how long this function's invocations take lately;
   * a number kills the environment that many ms into the invocation, if it still runs then.
   */
  readonly kill?: (info: { typicalDurationMs: number }) => number | undefined;
}

export interface ExecutionEnvironmentStats {
  environmentsStarted: number;
  /** Invocations that were the first of their environment (its init ran for them). */
  coldStarts: number;
  invocations: number;
  timeouts: number;
  /** Environments that exited, threw outside a handler, failed their init or ran out of memory, or were killed. */
  crashes: number;
  /** Of those, the ones chaos killed in the middle of an invocation (`kill`). */
  killed: number;
  /** Each started environment's init (cold start) in ms: from starting its thread to its handler module loaded. */
  initMs: number[];
  /** Environments alive now, and those running an invocation now. */
  environments: number;
  busy: number;
}

export interface ExecutionEnvironments {
  /** Runs one invocation in a free environment (a new one if none is idle and the cap allows). */
  invoke(event: unknown, context: Pick<Context, 'awsRequestId'>): Promise<unknown>;
  stats(): ExecutionEnvironmentStats;
  /**
   * Starts environments until `count` (at most the cap) are alive, and waits for their init: what
   * provisioned concurrency, or earlier traffic, leaves warm. Their init counts as a cold start
   * that no invocation waits for.
   */
  provision(count: number): Promise<void>;
  /** Stops every environment; invocations still running or waiting fail. */
  stop(): Promise<void>;
}

/**
 * Environments initialising at once in this process, whatever their function: a burst of cold
 * starts on a small machine otherwise shares its cores until every one is slow. Invocations take
 * the first environment free, so the first one ready serves a burst while the others start.
 */
const INIT_SLOTS = Math.max(2, availableParallelism());
let freeInitSlots = INIT_SLOTS;
const initSlotQueue: Array<() => void> = [];

/** Waits for an init slot; the function returned gives it back. */
function initSlot(): Promise<() => void> {
  return new Promise((resolve) => {
    const grant = () => {
      let returned = false;
      resolve(() => {
        if (returned) return;
        returned = true;
        const next = initSlotQueue.shift();
        if (next) next();
        else freeInitSlots += 1;
      });
    };
    if (freeInitSlots > 0) {
      freeInitSlots -= 1;
      grant();
    } else initSlotQueue.push(grant);
  });
}

/**
 * Lambda gives the init phase 10 s; an init that runs longer is retried inside the first
 * invocation, under the function's timeout ("Init phase" in the lifecycle guide above).
 */
const INIT_TIMEOUT_SECONDS = 10;
const WORKER_ENTRY = resolve(import.meta.dirname, 'execution-environment-worker.ts');
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface WorkerEntry {
  readonly url: string | URL;
  readonly execArgv: readonly string[];
}

let plainWorkerEntry: Promise<WorkerEntry> | undefined;

/**
 * A TypeScript handler loads, with the worker entry, through tsx's ESM loader. A bundle is plain
 * ESM, as Lambda loads it: the worker entry, compiled once to JavaScript, imports it with no
 * loader in between (through tsx, a bundle's init takes several times as long).
 */
function workerEntryFor(file: string): Promise<WorkerEntry> {
  if (file.endsWith('.ts')) return Promise.resolve({ url: WORKER_ENTRY, execArgv: ['--import', TSX_LOADER] });
  plainWorkerEntry ??= build({ entryPoints: [WORKER_ENTRY], bundle: true, platform: 'node', format: 'esm', target: 'node22', write: false, logLevel: 'silent' }).then(
    (out) => ({ url: new URL(`data:text/javascript,${encodeURIComponent(out.outputFiles[0]!.text)}`), execArgv: [] }),
  );
  return plainWorkerEntry;
}

interface Running {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timers: readonly NodeJS.Timeout[];
}

interface Environment {
  readonly worker: Worker;
  /** Settles when the init phase ends. */
  readonly ready: Promise<void>;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  /** It has run an invocation (the first one paid its cold start). */
  used: boolean;
  running?: Running;
  failInit: (error: Error) => void;
}

interface Waiter {
  readonly resolve: (env: Environment) => void;
  readonly reject: (error: Error) => void;
}

function fromWire(error: WireError): Error {
  const out = new Error(error.message);
  out.name = error.name;
  if (error.stack) out.stack = error.stack;
  return out;
}

/** Lines a worker writes to its own stdout/stderr, printed through this process's console. */
function forwardLines(stream: NodeJS.ReadableStream, level: ConsoleLevel): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => console[level](line));
}

export function startExecutionEnvironments(options: ExecutionEnvironmentsOptions): ExecutionEnvironments {
  const { functionName, timeoutSeconds } = options;
  const region = options.region ?? options.env.AWS_REGION ?? 'us-east-1';
  const maxEnvironments = Math.max(1, options.maxEnvironments);
  const initLimitSeconds = INIT_TIMEOUT_SECONDS + timeoutSeconds;
  const environments = new Set<Environment>();
  const waiters: Waiter[] = [];
  const stats = { environmentsStarted: 0, coldStarts: 0, invocations: 0, timeouts: 0, crashes: 0, killed: 0, initMs: [] as number[] };
  /** Environments decided on and waiting for an init slot. */
  let queuedStarts = 0;
  let stopped = false;
  let invocationIds = 0;
  let typicalDurationMs = 100;

  const inState = (state: Environment['state']) => [...environments].filter((env) => env.state === state);

  /** Hands idle environments to waiting invocations, and starts environments for those left waiting. */
  const pump = () => {
    if (stopped) return;
    for (;;) {
      const idle = inState('idle').at(-1);
      const waiter = idle && waiters.shift();
      if (!idle || !waiter) break;
      idle.state = 'busy';
      waiter.resolve(idle);
    }
    let missing = waiters.length - queuedStarts - inState('starting').length;
    while (missing > 0 && environments.size + queuedStarts < maxEnvironments) {
      missing -= 1;
      queuedStarts += 1;
      void startWhenSlotFree();
    }
  };

  /** Retires an environment: it is stopped, and what it was running fails with `error`. */
  const retire = (env: Environment, error: Error, kind: 'timeout' | 'crash' | 'stop') => {
    if (env.state === 'dead') return;
    env.state = 'dead';
    environments.delete(env);
    if (kind === 'crash') stats.crashes += 1;
    if (kind === 'timeout') stats.timeouts += 1;
    env.failInit(error);
    const running = env.running;
    env.running = undefined;
    if (running) {
      for (const timer of running.timers) clearTimeout(timer);
      running.reject(error);
    }
    void env.worker.terminate();
    pump();
  };

  const startEnvironment = (entry: WorkerEntry): Environment => {
    const setup: EnvironmentSetup = {
      file: options.file,
      functionName,
      timeoutSeconds,
      memoryMb: options.memoryMb,
      region,
      logStreamName: logStreamName(Date.now()),
      sourceMaps: options.sourceMaps ?? false,
    };
    const worker = new Worker(entry.url, {
      workerData: setup,
      execArgv: [...entry.execArgv],
      // Its own copy: a second stack in this process, or a test changing process.env, does not reach it.
      env: { ...options.env },
      stdout: true,
      stderr: true,
      ...(options.limitMemory ? { resourceLimits: { maxOldGenerationSizeMb: options.memoryMb } } : {}),
    });
    const starting = performance.now();
    let initialised!: () => void;
    let failInit!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      initialised = resolve;
      failInit = reject;
    });
    ready.catch(() => undefined); // awaited by startWhenSlotFree
    const env: Environment = { worker, ready, state: 'starting', used: false, failInit };
    stats.environmentsStarted += 1;
    environments.add(env);

    forwardLines(worker.stdout, 'log');
    forwardLines(worker.stderr, 'error');
    worker.on('message', (message: EnvironmentMessage) => {
      switch (message.type) {
        case 'console':
          console[message.level](message.text);
          return;
        case 'ready':
          stats.initMs.push(performance.now() - starting);
          initialised();
          return;
        case 'init-error':
          retire(env, fromWire(message.error), 'crash');
          return;
        case 'result':
        case 'error': {
          const running = env.running;
          if (!running || running.id !== message.id) return;
          env.running = undefined;
          for (const timer of running.timers) clearTimeout(timer);
          if (message.type === 'result') running.resolve(message.value);
          else running.reject(fromWire(message.error));
          return;
        }
      }
    });
    worker.on('error', (error) => retire(env, new LambdaRuntimeExitError(functionName, `${error.name}: ${error.message}`), 'crash'));
    worker.on('exit', (code) => retire(env, new LambdaRuntimeExitError(functionName, `exit status ${code}`), 'crash'));
    return env;
  };

  const startWhenSlotFree = async () => {
    const entry = await workerEntryFor(options.file).catch((error: unknown) => error as Error);
    const giveBack = await initSlot();
    queuedStarts -= 1;
    // An environment freed meanwhile may have served the invocation this one was for.
    if (stopped || waiters.length <= inState('starting').length) {
      giveBack();
      pump();
      return;
    }
    if (entry instanceof Error) {
      giveBack();
      waiters.shift()?.reject(entry);
      pump();
      return;
    }
    try {
      await boot(entry);
    } catch (error) {
      // A failed init fails an invocation, as Lambda fails the one whose init failed.
      waiters.shift()?.reject(error instanceof Error ? error : new Error(String(error)));
    } finally {
      giveBack();
      pump();
    }
  };

  /** Starts an environment and waits for its init (within Lambda's init limit); it is left idle. */
  const boot = async (entry: WorkerEntry): Promise<void> => {
    const env = startEnvironment(entry);
    const timer = setTimeout(() => retire(env, new LambdaTimeoutError(initLimitSeconds), 'timeout'), initLimitSeconds * 1000);
    try {
      await env.ready;
      if (env.state === 'starting') {
        env.state = 'idle';
        env.worker.unref();
      }
    } finally {
      clearTimeout(timer);
    }
  };

  /** Provisioned concurrency: environments started ahead of any invocation, their init already done. */
  const provision = async (count: number): Promise<void> => {
    const missing = Math.min(count, maxEnvironments) - environments.size - queuedStarts;
    if (missing <= 0 || stopped) return;
    const entry = await workerEntryFor(options.file);
    queuedStarts += missing;
    await Promise.all(
      Array.from({ length: missing }, async () => {
        const giveBack = await initSlot();
        queuedStarts -= 1;
        try {
          if (!stopped) await boot(entry);
        } finally {
          giveBack();
          pump();
        }
      }),
    );
  };

  const release = (env: Environment) => {
    if (env.state === 'busy') {
      env.state = 'idle';
      env.worker.unref();
    }
    pump();
  };

  /** Runs the invocation in `env`, stopping the environment at the function's timeout. */
  const run = (env: Environment, event: unknown, awsRequestId: string): Promise<unknown> =>
    new Promise<unknown>((resolve, reject) => {
      const id = (invocationIds += 1);
      const timers = [setTimeout(() => retire(env, new LambdaTimeoutError(timeoutSeconds), 'timeout'), timeoutSeconds * 1000)];
      const killAfterMs = options.kill?.({ typicalDurationMs });
      if (killAfterMs !== undefined) {
        const killed = () => {
          if (env.running?.id !== id) return;
          stats.killed += 1;
          retire(env, new EnvironmentKilledError(functionName, killAfterMs), 'crash');
        };
        timers.push(setTimeout(killed, killAfterMs));
      }
      env.running = { id, resolve, reject, timers };
      try {
        const message: InvokeMessage = { id, event, awsRequestId, deadline: Date.now() + timeoutSeconds * 1000 };
        env.worker.postMessage(message);
      } catch (error) {
        // The event cannot be cloned: the environment never saw it.
        env.running = undefined;
        for (const timer of timers) clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });

  return {
    async invoke(event, context) {
      if (stopped) throw new EnvironmentsStoppedError(functionName);
      const env = await new Promise<Environment>((resolve, reject) => {
        waiters.push({ resolve, reject });
        pump();
      });
      env.worker.ref();
      stats.invocations += 1;
      if (!env.used) stats.coldStarts += 1;
      env.used = true;
      const startedAt = Date.now();
      try {
        const result = await run(env, event, context.awsRequestId);
        typicalDurationMs = 0.8 * typicalDurationMs + 0.2 * (Date.now() - startedAt);
        return result;
      } finally {
        release(env);
      }
    },
    provision,
    stats() {
      return { ...stats, initMs: [...stats.initMs], environments: environments.size, busy: inState('busy').length };
    },
    async stop() {
      stopped = true;
      for (const waiter of waiters.splice(0)) waiter.reject(new EnvironmentsStoppedError(functionName));
      const all = [...environments];
      for (const env of all) retire(env, new EnvironmentsStoppedError(functionName), 'stop');
      await Promise.all(all.map((env) => env.worker.terminate()));
    },
  };
}
