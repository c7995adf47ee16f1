import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MisconfiguredError, RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import { consumeBatch, consumeEach, type EachConsumer, type RecordFailure } from '../../functions/runtime/sqs-consumer.js';
import { RecordingRetries } from './support/fakes.js';
import { lambdaContext, sqsEvent, sqsRecord } from './support/lambda.js';

const TaskSchema = z.object({ taskId: z.string().min(1), email: z.email().optional() });
type Task = z.infer<typeof TaskSchema>;

function recordingLog() {
  const lines: { level: 'warn' | 'error'; message: string; attributes: Record<string, unknown>[] }[] = [];
  return {
    lines,
    warn: (message: string, ...attributes: Record<string, unknown>[]) => lines.push({ level: 'warn', message, attributes }),
    error: (message: string, ...attributes: Record<string, unknown>[]) => lines.push({ level: 'error', message, attributes }),
  };
}

function eachConsumer(work: (task: Task) => Promise<void>) {
  const log = recordingLog();
  const retries = new RecordingRetries();
  const done: string[] = [];
  const failures: RecordFailure<Task>[] = [];
  const consumer: EachConsumer<Task> = {
    schema: TaskSchema,
    name: 'task',
    log,
    reserveMs: 5_000,
    retries,
    maxReceiveCount: 5,
    random: () => 0,
    consume: async ({ payload }) => {
      await work(payload);
      done.push(payload.taskId);
    },
    onFailure: async (failure) => {
      failures.push(failure);
    },
  };
  return { consumer, log, retries, done, failures };
}

const task = (taskId: string, email?: string) => JSON.stringify({ taskId, ...(email ? { email } : {}) });
const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier).sort();

describe('consumeEach', () => {
  it('reports a malformed record as a batch item failure, logged without its body, and runs the others', async () => {
    // Prepare
    const { consumer, log, done, retries } = eachConsumer(async () => undefined);
    const event = sqsEvent([
      sqsRecord('ok', task('t-1')),
      sqsRecord('not-json', '{"taskId":'),
      sqsRecord('bad-email', JSON.stringify({ taskId: 't-2', email: 'ana.at.example.com' })),
    ]);

    // Act
    const response = await consumeEach(event, lambdaContext('tasks'), consumer);

    // Assess
    expect(failedIds(response)).toEqual(['bad-email', 'not-json']);
    expect(done).toEqual(['t-1']);
    // Not handed back with a delay: it fails on every receive until SQS moves it to the DLQ.
    expect(retries.items).toEqual([]);
    const logged = JSON.stringify(log.lines);
    expect(logged).toContain('not-json');
    expect(logged).toContain('bad-email');
    expect(logged).not.toContain('ana.at.example.com');
  });

  it('backs off a record whose work failed, honouring the provider\'s Retry-After', async () => {
    // Prepare
    const { consumer, retries, failures } = eachConsumer(async () => {
      throw new RetryableError('HubSpot 503', 40_000);
    });

    // Act
    const response = await consumeEach(sqsEvent([sqsRecord('m1', task('t-1'), 2)]), lambdaContext('tasks'), consumer);

    // Assess
    expect(failedIds(response)).toEqual(['m1']);
    expect(retries.items).toEqual([{ receiptHandle: 'rh-m1', delaySeconds: 40 }]);
    expect(failures.map((f) => f.redelivery)).toEqual([{ kind: 'retry', delaySeconds: 40 }]);
  });

  it('backs off with a growing delay as a record keeps failing', async () => {
    // Prepare
    const { consumer, retries } = eachConsumer(async () => {
      throw new Error('socket hang up');
    });

    // Act
    await consumeEach(sqsEvent([sqsRecord('first', task('t-1'), 1), sqsRecord('third', task('t-2'), 3)]), lambdaContext('tasks'), consumer);

    // Assess
    expect(retries.delayOf('rh-third')!).toBeGreaterThan(retries.delayOf('rh-first')!);
    expect(retries.delayOf('rh-first')!).toBeGreaterThan(0);
  });

  it('parks a record at its last receive: visible at once, so SQS moves it to the DLQ', async () => {
    // Prepare
    const { consumer, retries, failures, log } = eachConsumer(async () => {
      throw new Error('HubSpot 500 for ana@example.com');
    });

    // Act
    const response = await consumeEach(sqsEvent([sqsRecord('m1', task('t-1'), 5)]), lambdaContext('tasks'), consumer);

    // Assess
    expect(failedIds(response)).toEqual(['m1']);
    expect(retries.items).toEqual([{ receiptHandle: 'rh-m1', delaySeconds: 0 }]);
    expect(failures.map((f) => f.redelivery.kind)).toEqual(['park']);
    expect(log.lines.find((l) => l.level === 'error')?.message).toContain('parked in the DLQ');
    expect(JSON.stringify(log.lines)).not.toContain('ana@example.com');
  });

  it('parks a misconfiguration at once, whatever its receive count', async () => {
    // Prepare
    const { consumer, retries } = eachConsumer(async () => {
      throw new MisconfiguredError('HubSpot portal 42 is not served here');
    });

    // Act
    const response = await consumeEach(sqsEvent([sqsRecord('m1', task('t-1'), 1)]), lambdaContext('tasks'), consumer);

    // Assess
    expect(failedIds(response)).toEqual(['m1']);
    expect(retries.items).toEqual([{ receiptHandle: 'rh-m1', delaySeconds: 0 }]);
  });

  it('defers instead of starting work when the deadline is close, and does not count it as an attempt', async () => {
    // Prepare
    const { consumer, retries, done, failures } = eachConsumer(async () => undefined);

    // Act
    const response = await consumeEach(sqsEvent([sqsRecord('m1', task('t-1'), 1)]), lambdaContext('tasks', 2_000), consumer);

    // Assess
    expect(done).toEqual([]);
    expect(failedIds(response)).toEqual(['m1']);
    expect(failures.map((f) => f.redelivery)).toEqual([{ kind: 'defer', delaySeconds: 1, resend: false }]);
    expect(retries.items).toEqual([{ receiptHandle: 'rh-m1', delaySeconds: 1 }]);
  });

  it('sends a fresh copy of a record held back by a rate limit at its last receives, and lets the original go', async () => {
    // Prepare
    const { consumer, retries, failures } = eachConsumer(async () => {
      throw new RateLimitedError('daily limit', 60_000, false);
    });

    // Act
    const response = await consumeEach(sqsEvent([sqsRecord('m1', task('t-1'), 5)]), lambdaContext('tasks'), consumer);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(retries.resent).toEqual([{ body: task('t-1'), delaySeconds: 60 }]);
    expect(failures.map((f) => f.failing)).toEqual([false]);
  });
});

describe('consumeBatch', () => {
  it('gives the core the parsed messages with their receive counts and reports its failures and the malformed records', async () => {
    // Prepare
    const log = recordingLog();
    const seen: { messageId: string; receiveCount: number; taskId: string }[] = [];
    const event = sqsEvent([sqsRecord('ok', task('t-1')), sqsRecord('retry', task('t-2'), 3), sqsRecord('empty-id', JSON.stringify({ taskId: '' }))]);

    // Act
    const response = await consumeBatch(event, lambdaContext('tasks'), {
      schema: TaskSchema,
      name: 'task',
      log,
      consume: async (messages, { remainingMs, records }) => {
        seen.push(...messages.map((m) => ({ messageId: m.messageId, receiveCount: m.receiveCount, taskId: m.payload.taskId })));
        expect(records).toBe(3);
        expect(remainingMs()).toBeGreaterThan(0);
        return { failedMessageIds: new Set(['retry']) };
      },
    });

    // Assess
    expect(seen).toEqual([
      { messageId: 'ok', receiveCount: 1, taskId: 't-1' },
      { messageId: 'retry', receiveCount: 3, taskId: 't-2' },
    ]);
    expect(failedIds(response)).toEqual(['empty-id', 'retry']);
    expect(log.lines).toHaveLength(1);
    expect(JSON.stringify(log.lines[0])).toContain('taskId: too_small');
  });

  it('answers every record, without a function error, when the whole batch failed', async () => {
    // Prepare
    const event = sqsEvent([sqsRecord('m1', task('t-1')), sqsRecord('m2', task('t-2'))]);

    // Act
    const response = await consumeBatch(event, lambdaContext('tasks'), {
      schema: TaskSchema,
      name: 'task',
      log: recordingLog(),
      consume: async (messages) => ({ failedMessageIds: new Set(messages.map((m) => m.messageId)) }),
    });

    // Assess
    expect(failedIds(response)).toEqual(['m1', 'm2']);
  });
});
