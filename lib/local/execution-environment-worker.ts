/**
 * One Lambda execution environment (execution-environments.ts starts it as a worker thread): its
 * own module instance of the function's handler, loaded once (the init phase), then one
 * invocation at a time, as the Lambda Runtime API hands them out.
 */
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { EnvironmentMessage, EnvironmentSetup, InvokeMessage, WireError } from './execution-environments.js';
import { createLambdaContext } from './lambda-context.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const CONSOLE_LEVELS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

function toWire(error: unknown): WireError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: format(error) };
}

const port = parentPort;
if (!port) throw new Error('execution-environment-worker.ts runs as a worker thread only');
const setup = workerData as EnvironmentSetup;
const post = (message: EnvironmentMessage) => port.postMessage(message);

// The parent prints each line through its own console, at the same level: a Lambda's log lines
// reach CloudWatch as it writes them, and locally they reach whoever watches the stack's console.
for (const level of CONSOLE_LEVELS) {
  console[level] = (...args: unknown[]) => post({ type: 'console', level, text: format(...args) });
}

if (setup.sourceMaps) process.setSourceMapsEnabled(true);

let handler: Handler;
try {
  const module = (await import(pathToFileURL(setup.file).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${setup.functionName}: ${setup.file} does not export a handler`);
  handler = module.handler as Handler;
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-error', error: toWire(error) });
  throw error;
}

port.on('message', (message: InvokeMessage) => {
  const context = createLambdaContext({
    functionName: setup.functionName,
    timeoutSeconds: setup.timeoutSeconds,
    memoryMb: setup.memoryMb,
    region: setup.region,
    awsRequestId: message.awsRequestId,
    deadline: message.deadline,
    logStreamName: setup.logStreamName,
  });
  void (async () => {
    try {
      post({ type: 'result', id: message.id, value: await handler(message.event, context) });
    } catch (error) {
      post({ type: 'error', id: message.id, error: toWire(error) });
    }
  })();
});
