import { setTimeout as delay } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import type { ConsumerSpec } from '../topology.js';
import { createLambdaContext, LambdaTimeoutError, withTimeout } from './lambda-context.js';

export type SqsInvoke = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export type PollerErrorPhase = 'receive' | 'invoke' | 'response' | 'delete';

export interface PollerErrorInfo {
  phase: PollerErrorPhase;
  functionName: string;
  queueArn: string;
  /** Message ids of the batch concerned (empty for receive errors). */
  messageIds: string[];
}

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  consumer: ConsumerSpec;
  functionTimeoutSeconds: number;
  invoke: SqsInvoke;
  /**
   * `invoke` stops the function at its timeout itself (an execution environment, whose init is not
   * part of it) and rejects with LambdaTimeoutError; the poller then sets no timer of its own.
   */
  invokeEnforcesTimeout?: boolean;
  onError?: (error: unknown, info: PollerErrorInfo) => void;
  /** Start without receiving; `resume()` releases it. */
  paused?: boolean;
  /** Defaults to the consumer's function id. */
  functionName?: string;
  memoryMb?: number;
  /** The event source mapping's ReportBatchItemFailures; on unless set to false. */
  reportBatchItemFailures?: boolean;
  /** Long-poll wait (whole seconds) while no batch is being gathered. */
  idleWaitSeconds?: number;
  /**
   * Chaos (issue 6): asked after each invocation that returned, i.e. after its writes, and before
   * its messages are deleted; true plays a crash of the execution environment there. Nothing is
   * acknowledged and the whole batch comes back, as it would after the visibility timeout, here
   * after `crashRedeliverySeconds`.
   */
  crash?: (info: { functionName: string; messageIds: string[] }) => boolean;
  /** Default 1. */
  crashRedeliverySeconds?: number;
  /**
   * Chaos: true for an invocation failure that is a crash played on purpose (an execution
   * environment killed mid-invocation); its batch comes back after `crashRedeliverySeconds` too,
   * rather than after the queue's visibility timeout.
   */
  playedCrash?: (error: unknown) => boolean;
}

export interface PollerStats {
  /** Invocations started. */
  batches: number;
  /** Records handed to invocations. */
  records: number;
  /** Records deleted after a successful invocation. */
  deleted: number;
  /** Records left in the queue: reported failures and every record of a failed invocation. */
  failedRecords: number;
  /** Invocations that threw, timed out or returned a malformed batch response. */
  failedBatches: number;
  /** Invocations crashed on purpose: after they returned (`crash`), or killed while running (`playedCrash`). */
  crashes: number;
  timeouts: number;
  receiveErrors: number;
  deleteErrors: number;
  /** Invocations running now, and the most that ever ran at once. */
  inFlight: number;
  maxInFlight: number;
  /** Batches received and not yet invoked to completion (filling, waiting for a slot, or running). */
  activeBatches: number;
}

export interface Poller {
  pause(): void;
  resume(): void;
  /** Stops receiving, lets batches in flight finish, and resolves when everything has settled. */
  stop(): Promise<void>;
  /** True when no batch holds messages (nothing gathered, invoked or being deleted). */
  idle(): boolean;
  stats(): PollerStats;
}

/** ReceiveMessage returns at most 10 messages per call (SQS API Reference, MaxNumberOfMessages). */
const MAX_PER_RECEIVE = 10;
/** Receives issued at once while gathering one batch. */
const MAX_PARALLEL_RECEIVES = 10;
const RECEIVE_ERROR_BACKOFF_MS = 1000;
/** Batches gathered ahead while every invocation slot is busy, so a freed slot does not wait for SQS. */
const PREFETCH_BATCHES = 1;

export class MalformedBatchResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedBatchResponseError';
  }
}

function toMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
}

function toRecord(message: Message, queueArn: string, awsRegion: string): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? String(Date.now()),
    SenderId: system.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const [name, value] of Object.entries(system)) {
    if (value !== undefined && !(name in attributes)) (attributes as unknown as Record<string, string>)[name] = value;
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion,
  };
}

/**
 * The ids to keep in the queue, following Lambda's rules for ReportBatchItemFailures
 * (Lambda Developer Guide, "Implementing partial batch responses"): a null/empty response or an
 * empty/null batchItemFailures is a full success; an itemIdentifier that is missing, empty or not
 * in the batch, or a response that is not an object, fails the whole batch.
 */
export function failedMessageIds(result: unknown, batchIds: ReadonlySet<string>): Set<string> {
  const failed = new Set<string>();
  if (result === undefined || result === null) return failed;
  if (typeof result !== 'object' || Array.isArray(result)) {
    throw new MalformedBatchResponseError(`the batch response is a ${Array.isArray(result) ? 'array' : typeof result}, not an object`);
  }
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return failed;
  if (!Array.isArray(failures)) throw new MalformedBatchResponseError('batchItemFailures is not an array');
  for (const failure of failures as unknown[]) {
    const id = failure && typeof failure === 'object' ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') {
      throw new MalformedBatchResponseError(`batchItemFailures holds an entry without an itemIdentifier: ${JSON.stringify(failure)}`);
    }
    if (!batchIds.has(id)) throw new MalformedBatchResponseError(`itemIdentifier ${id} is not a message of this batch`);
    failed.add(id);
  }
  return failed;
}

/** Plays Lambda's SQS event source mapping for one consumer of the topology. */
export function startPoller(options: PollerOptions): Poller {
  const { sqs, queueUrl, queueArn, consumer } = options;
  const functionName = options.functionName ?? consumer.function;
  const awsRegion = queueArn.split(':')[3] || process.env.AWS_REGION || 'us-east-1';
  const reportBatchItemFailures = options.reportBatchItemFailures ?? true;
  const idleWaitSeconds = Math.min(20, Math.max(0, Math.round(options.idleWaitSeconds ?? 1)));
  const windowMs = consumer.maxBatchingWindowSeconds * 1000;
  const maxConcurrency = Math.max(1, consumer.maxConcurrency);

  const report =
    options.onError ??
    ((error: unknown, info: PollerErrorInfo) => {
      console.error(`[poller ${functionName}] ${info.phase} failed:`, error);
    });
  const onError = (error: unknown, info: PollerErrorInfo) => {
    try {
      report(error, info);
    } catch {
      // a failing error reporter must not stop the poller
    }
  };

  const stats: PollerStats = {
    batches: 0,
    records: 0,
    deleted: 0,
    failedRecords: 0,
    failedBatches: 0,
    crashes: 0,
    timeouts: 0,
    receiveErrors: 0,
    deleteErrors: 0,
    inFlight: 0,
    maxInFlight: 0,
    activeBatches: 0,
  };

  let paused = options.paused ?? false;
  /** Batches not finished yet: gathering, invoking or deleting. */
  let busy = 0;
  /**
   * Batches still filling whose last receive did not come back full. While there is one, no new
   * batch starts: a trickle of messages fills one batch instead of spreading over many small ones,
   * and a backlog still fills several batches at once.
   */
  let blockingGathers = 0;
  /** The last receive while filling came back full: there is a backlog. */
  let backlog = false;
  const slotWaiters: Array<() => void> = [];
  let stopped = false;
  const stopController = new AbortController();
  const batches = new Set<Promise<void>>();

  let wakeDispatcher: (() => void) | undefined;
  const notify = () => {
    const wake = wakeDispatcher;
    wakeDispatcher = undefined;
    wake?.();
  };
  const waitForNotify = () => new Promise<void>((resolve) => (wakeDispatcher = resolve));

  const pauseFor = async (ms: number) => {
    try {
      await delay(ms, undefined, { signal: stopController.signal });
    } catch {
      // stopped
    }
  };

  const receive = async (max: number, waitSeconds: number, abortSignal?: AbortSignal): Promise<Message[]> => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        // local-aws-sqs 2.0.2 reads only the older name of this parameter.
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal },
    );
    return out.Messages ?? [];
  };

  const gather = async (batch: Message[], firstAt: number): Promise<void> => {
    let blocking = !backlog;
    if (blocking) blockingGathers += 1;
    const setBlocking = (value: boolean) => {
      if (value === blocking) return;
      blocking = value;
      blockingGathers += value ? 1 : -1;
      if (!value) notify();
    };
    try {
      await fill(batch, firstAt, setBlocking);
    } finally {
      setBlocking(false);
    }
  };

  const fill = async (batch: Message[], firstAt: number, setBlocking: (value: boolean) => void): Promise<void> => {
    let saturated = true;
    let rounds = 0;
    while (batch.length < consumer.batchSize && !stopped && !paused) {
      const elapsed = Date.now() - firstAt;
      if (rounds > 0 && elapsed >= windowMs) break;
      const remaining = consumer.batchSize - batch.length;
      const calls = saturated ? Math.min(MAX_PARALLEL_RECEIVES, Math.ceil(remaining / MAX_PER_RECEIVE)) : 1;
      const sizes = Array.from({ length: calls }, (_, i) => Math.min(MAX_PER_RECEIVE, remaining - i * MAX_PER_RECEIVE));
      const wait = !saturated && windowMs - elapsed >= 1000 ? 1 : 0;
      const started = Date.now();
      const results = await Promise.allSettled(sizes.map((size) => receive(size, wait)));
      rounds += 1;
      saturated = true;
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') {
          batch.push(...result.value);
          if (result.value.length < (sizes[i] ?? 0)) saturated = false;
        } else {
          saturated = false;
          stats.receiveErrors += 1;
          onError(result.reason, { phase: 'receive', functionName, queueArn, messageIds: [] });
        }
      });
      backlog = saturated;
      setBlocking(!saturated);
      // A real SQS short poll answers at once; do not spin while the window is open.
      if (!saturated && Date.now() - started < 20) await pauseFor(Math.min(50, Math.max(0, windowMs - (Date.now() - firstAt))));
    }
  };

  /** Makes messages visible again after `visibilitySeconds` (10 a call, the API's most). */
  const release = async (messages: ReadonlyArray<{ ReceiptHandle?: string; MessageId?: string }>, visibilitySeconds = 0): Promise<void> => {
    for (let i = 0; i < messages.length; i += MAX_PER_RECEIVE) {
      const chunk = messages.slice(i, i + MAX_PER_RECEIVE);
      try {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: visibilitySeconds })),
          }),
        );
      } catch (error) {
        onError(error, { phase: 'receive', functionName, queueArn, messageIds: chunk.map((m) => m.MessageId ?? '') });
      }
    }
  };

  const deleteMessages = async (records: SQSRecord[]): Promise<void> => {
    const chunks: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += MAX_PER_RECEIVE) chunks.push(records.slice(i, i + MAX_PER_RECEIVE));
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const out = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((record, i) => ({ Id: String(i), ReceiptHandle: record.receiptHandle })),
            }),
          );
          const failed = out.Failed ?? [];
          stats.deleted += chunk.length - failed.length;
          if (failed.length > 0) {
            stats.deleteErrors += failed.length;
            onError(new Error(`DeleteMessageBatch failed for ${failed.length} message(s): ${JSON.stringify(failed)}`), {
              phase: 'delete',
              functionName,
              queueArn,
              messageIds: failed.map((f) => chunk[Number(f.Id)]?.messageId ?? ''),
            });
          }
        } catch (error) {
          stats.deleteErrors += chunk.length;
          onError(error, { phase: 'delete', functionName, queueArn, messageIds: chunk.map((r) => r.messageId) });
        }
      }),
    );
  };

  /** A crash played on purpose: the batch comes back as after the visibility timeout, only sooner. */
  const releaseAfterCrash = (records: SQSRecord[]) =>
    release(
      records.map((r) => ({ ReceiptHandle: r.receiptHandle, MessageId: r.messageId })),
      Math.max(0, Math.round(options.crashRedeliverySeconds ?? 1)),
    );

  /** Invokes the function with one batch and returns the records to delete. */
  const invokeBatch = async (messages: Message[]): Promise<SQSRecord[]> => {
    while (stats.inFlight >= maxConcurrency) await new Promise<void>((resolve) => slotWaiters.push(resolve));
    const records = messages.map((m) => toRecord(m, queueArn, awsRegion));
    const ids = new Set(records.map((r) => r.messageId));
    const messageIds = records.map((r) => r.messageId);
    const context = createLambdaContext({
      functionName,
      timeoutSeconds: options.functionTimeoutSeconds,
      memoryMb: options.memoryMb,
      region: awsRegion,
    });
    stats.batches += 1;
    stats.records += records.length;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let result: SQSBatchResponse | void;
    try {
      const invoke = () => options.invoke({ Records: records }, context);
      result = await (options.invokeEnforcesTimeout ? invoke() : withTimeout(invoke, context.deadline, options.functionTimeoutSeconds));
    } catch (error) {
      stats.failedBatches += 1;
      stats.failedRecords += records.length;
      if (error instanceof LambdaTimeoutError) stats.timeouts += 1;
      onError(error, { phase: 'invoke', functionName, queueArn, messageIds });
      if (options.playedCrash?.(error)) {
        stats.crashes += 1;
        await releaseAfterCrash(records);
      }
      return [];
    } finally {
      stats.inFlight -= 1;
      slotWaiters.shift()?.();
    }

    let failed: Set<string>;
    try {
      failed = reportBatchItemFailures ? failedMessageIds(result, ids) : new Set();
    } catch (error) {
      stats.failedBatches += 1;
      stats.failedRecords += records.length;
      onError(error, { phase: 'response', functionName, queueArn, messageIds });
      return [];
    }
    if (options.crash?.({ functionName, messageIds })) {
      stats.crashes += 1;
      stats.failedRecords += records.length;
      await releaseAfterCrash(records);
      return [];
    }
    stats.failedRecords += failed.size;
    return records.filter((r) => !failed.has(r.messageId));
  };

  const startBatch = (first: Message[], firstAt: number) => {
    stats.activeBatches += 1;
    busy += 1;
    const task = (async () => {
      let done: SQSRecord[] = [];
      try {
        const batch = [...first];
        await gather(batch, firstAt);
        done = await invokeBatch(batch);
      } finally {
        // Concurrency counts invocations; the deletes that follow do not hold a batch back.
        stats.activeBatches -= 1;
        notify();
      }
      try {
        await deleteMessages(done);
      } finally {
        busy -= 1;
      }
    })();
    batches.add(task);
    const forget = () => batches.delete(task);
    task.then(forget, forget);
  };

  const dispatch = async () => {
    while (!stopped) {
      if (paused || blockingGathers > 0 || stats.activeBatches >= maxConcurrency + PREFETCH_BATCHES) {
        await waitForNotify();
        continue;
      }
      let first: Message[];
      try {
        // stop() cuts this long poll short rather than wait for it to run out.
        first = await receive(1, idleWaitSeconds, stopController.signal);
      } catch (error) {
        if (stopped) break;
        stats.receiveErrors += 1;
        onError(error, { phase: 'receive', functionName, queueArn, messageIds: [] });
        await pauseFor(RECEIVE_ERROR_BACKOFF_MS);
        continue;
      }
      if (first.length === 0) continue;
      if (paused || stopped) {
        // pause() came while this poll was waiting: hand the messages back rather than invoke.
        await release(first);
        continue;
      }
      startBatch(first, Date.now());
    }
  };

  const dispatcher = dispatch();
  let stopping: Promise<void> | undefined;

  return {
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      notify();
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        stopController.abort();
        notify();
        await dispatcher;
        while (batches.size > 0) await Promise.allSettled([...batches]);
      })();
      return stopping;
    },
    idle() {
      return busy === 0;
    },
    stats() {
      return { ...stats };
    },
  };
}
