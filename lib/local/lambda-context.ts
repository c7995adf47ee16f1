import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export const LOCAL_ACCOUNT_ID = '123456789012';

export interface LambdaContextOptions {
  functionName: string;
  timeoutSeconds: number;
  memoryMb?: number;
  region?: string;
  accountId?: string;
  awsRequestId?: string;
  /** When the invocation started (epoch ms); the remaining time counts down from here. */
  startedAt?: number;
  /** Epoch ms at which the invocation times out; default `startedAt + timeoutSeconds`. */
  deadline?: number;
  /** An execution environment writes to one log stream; default a new one. */
  logStreamName?: string;
}

export interface LocalLambdaContext extends Context {
  /** Epoch milliseconds at which the invocation times out. */
  readonly deadline: number;
}

export function logStreamName(now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** A Context as the Node.js Lambda runtime passes it to a handler. */
export function createLambdaContext(options: LambdaContextOptions): LocalLambdaContext {
  const startedAt = options.startedAt ?? Date.now();
  const deadline = options.deadline ?? startedAt + options.timeoutSeconds * 1000;
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is not supported by the local stack; return a value or a promise instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 128),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: options.logStreamName ?? logStreamName(startedAt),
    deadline,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

export class LambdaTimeoutError extends Error {
  constructor(readonly timeoutSeconds: number) {
    super(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

/**
 * Runs `work` until `deadline` (epoch ms). Like Lambda, a handler still running at the deadline
 * counts as failed. A handler run in this process keeps running (nothing can stop it) and only its
 * result is ignored; one run in an execution environment (execution-environments.ts) is stopped.
 */
export async function withTimeout<T>(work: () => Promise<T>, deadline: number, timeoutSeconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(timeoutSeconds)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([Promise.resolve().then(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
