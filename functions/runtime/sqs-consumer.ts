/**
 * The one shape of an SQS consumer (issue 14 §1). Each record is parsed with its queue's message
 * schema (queue-messages.ts); the flow's core operation runs within the invocation's deadline; the
 * answer is Powertools' partial batch response, `{ batchItemFailures }`, which SQS honours because
 * the event source mapping reports batch item failures (lib/constructs/function-with-log-group.ts;
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 *
 * A record that does not parse is never dropped: it is reported as failed on every receive, so at
 * the queue's maxReceiveCount SQS moves it to the DLQ, where a person can read it. Its log line
 * names the message and what is wrong with it, never a value (a body may carry an email).
 *
 * Two ways to run the core:
 * - `consumeBatch`: the whole batch in one core call (one HubSpot batch upsert for 100 leads). The
 *   core settles each message's redelivery itself with retry-policy.ts and answers the ids still
 *   to report as failed.
 * - `consumeEach`: one core call a record. A record is not started this close to the deadline;
 *   a failed one is backed off, deferred (not an attempt) or, at its last receive, parked, as
 *   retry-policy.ts decides.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { DeadlineError, MisconfiguredError } from '../core/errors.js';
import type { Log, MessageRetries } from '../core/ports.js';
import { maskEmailsIn } from '../core/privacy.js';
import { redeliver, redeliveryFor, type Redelivery } from '../core/retry-policy.js';

/** A record that parsed with its queue's schema. */
export interface QueuedMessage<T> {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  /** The body as queued, for a fresh copy of the message. */
  readonly body: string;
  readonly payload: T;
}

export interface Invocation {
  /** Time left before the function's deadline (context.getRemainingTimeInMillis). */
  readonly remainingMs: () => number;
  /** Records in the batch, parsed or not. */
  readonly records: number;
}

interface QueueConsumer<T> {
  readonly schema: z.ZodType<T>;
  /** What one message is, for log lines ("lead reference", "Buildium sync message"). */
  readonly name: string;
  readonly log: Pick<Log, 'warn' | 'error'>;
}

export interface BatchConsumer<T> extends QueueConsumer<T> {
  /** The core operation; it has carried out the redelivery of the messages it failed, and names them. */
  readonly consume: (messages: readonly QueuedMessage<T>[], invocation: Invocation) => Promise<{ readonly failedMessageIds: ReadonlySet<string> }>;
}

export interface EachConsumer<T> extends QueueConsumer<T> {
  readonly consume: (message: QueuedMessage<T>, invocation: Invocation) => Promise<void>;
  /** A record is not started with less than this left: it is deferred instead (not an attempt). */
  readonly reserveMs: number;
  readonly retries: MessageRetries;
  /** The queue's redrive maxReceiveCount: the delivery with this count is the last one. */
  readonly maxReceiveCount: number;
  readonly random?: () => number;
  /** Keys that tell an operator which work a failed message was (no personal data). */
  readonly logKeys?: (payload: T) => Record<string, unknown>;
  /** Told of each failed record once its redelivery is carried out: to count it, or settle its work when parked. */
  readonly onFailure?: (failure: RecordFailure<T>) => Promise<void>;
}

export interface RecordFailure<T> {
  readonly message: QueuedMessage<T>;
  readonly error: unknown;
  readonly redelivery: Redelivery;
  /** False when a fresh copy was sent instead (a deferral near its last receive): the record is done with. */
  readonly failing: boolean;
}

export class UnparsableMessage extends Error {
  override readonly name = 'UnparsableMessage';
}

/** Runs the core on the batch's parsed messages at once; answers the partial batch response. */
export async function consumeBatch<T>(event: SQSEvent, context: Context, consumer: BatchConsumer<T>): Promise<SQSBatchResponse> {
  const { messages, unparsable } = parseBatch(event, consumer);
  const { failedMessageIds } = await consumer.consume([...messages.values()], invocationOf(event, context));
  return respond(event, context, async (record) => {
    if (unparsable.has(record.messageId)) throw new UnparsableMessage(`message ${record.messageId} is not a ${consumer.name}`);
    if (failedMessageIds.has(record.messageId)) throw new Error(`message ${record.messageId} goes back to the queue`);
  });
}

/** Runs the core on each parsed message; answers the partial batch response. */
export async function consumeEach<T>(event: SQSEvent, context: Context, consumer: EachConsumer<T>): Promise<SQSBatchResponse> {
  const { messages } = parseBatch(event, consumer);
  const invocation = invocationOf(event, context);
  return respond(event, context, async (record) => {
    const message = messages.get(record.messageId);
    if (!message) throw new UnparsableMessage(`message ${record.messageId} is not a ${consumer.name}`);
    try {
      // Not started this close to the deadline: a timeout would leave its work half done and
      // spend a receive without a word.
      if (invocation.remainingMs() < consumer.reserveMs) throw new DeadlineError('too little time left in the invocation to start it');
      await consumer.consume(message, invocation);
    } catch (error) {
      await handBack(message, error, consumer);
    }
  });
}

/** Backs off, defers or parks a failed message; throws (the record is reported failed) unless a fresh copy replaced it. */
async function handBack<T>(message: QueuedMessage<T>, error: unknown, consumer: EachConsumer<T>): Promise<void> {
  // A setting an operator must fix (an unset secret, no HubSpot portal) cannot be retried away:
  // parked at once, it waits in the DLQ for a redrive.
  const redelivery: Redelivery =
    error instanceof MisconfiguredError ? { kind: 'park' } : redeliveryFor(error, message.receiveCount, consumer.maxReceiveCount, consumer.random ?? Math.random);
  const keys = {
    messageId: message.messageId,
    receiveCount: message.receiveCount,
    ...consumer.logKeys?.(message.payload),
    reason: maskEmailsIn(error instanceof Error ? error.message : String(error)),
  };
  if (redelivery.kind === 'park') consumer.log.error(`${consumer.name} failed for good; parked in the DLQ`, keys);
  else consumer.log.warn(redelivery.kind === 'defer' ? `${consumer.name} held back by a rate limit or the deadline (not an attempt)` : `${consumer.name} will be retried`, { ...keys, delaySeconds: redelivery.delaySeconds });
  const failing = (await redeliver([{ message, redelivery }], consumer.retries, consumer.log)).size > 0;
  await consumer.onFailure?.({ message, error, redelivery, failing });
  if (failing) throw error;
}

function parseBatch<T>(event: SQSEvent, consumer: QueueConsumer<T>): { messages: Map<string, QueuedMessage<T>>; unparsable: Set<string> } {
  const messages = new Map<string, QueuedMessage<T>>();
  const problems: { messageId: string; problem: string }[] = [];
  for (const record of event.Records) {
    const parsed = parseBody(record.body, consumer.schema);
    if ('problem' in parsed) problems.push({ messageId: record.messageId, problem: parsed.problem });
    else messages.set(record.messageId, { messageId: record.messageId, receiptHandle: record.receiptHandle, receiveCount: receiveCount(record), body: record.body, payload: parsed.payload });
  }
  // Not ours to drop: it fails every time and so ends in the DLQ, where a person can read it.
  if (problems.length > 0) consumer.log.error(`Messages that are not a ${consumer.name}`, { messages: problems });
  return { messages, unparsable: new Set(problems.map((p) => p.messageId)) };
}

/** A body checked against its schema; what is wrong names fields and zod's issue codes, never a value. */
export function parseBody<T>(body: string, schema: z.ZodType<T>): { payload: T } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { payload: parsed.data };
  return { problem: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.code}`).join('; ') };
}

/** How many times SQS has delivered the record (1 on the first delivery). */
function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}

function invocationOf(event: SQSEvent, context: Context): Invocation {
  return { remainingMs: () => context.getRemainingTimeInMillis(), records: event.Records.length };
}

function respond(event: SQSEvent, context: Context, handle: (record: SQSRecord) => Promise<void>): Promise<SQSBatchResponse> {
  return processPartialResponse(
    event,
    handle,
    new BatchProcessor(EventType.SQS),
    // A batch that failed entirely is still a normal outcome (for example HubSpot throttling):
    // answer with every record listed instead of raising a function error.
    { context, throwOnFullBatchFailure: false },
  );
}
