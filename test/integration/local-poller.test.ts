import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LambdaTimeoutError } from '../../lib/local/lambda-context.js';
import { MalformedBatchResponseError, startPoller, type Poller, type PollerOptions } from '../../lib/local/poller.js';
import { createQueues, localSqsClient, startSqsLocal, type SqsLocal } from '../../lib/local/sqs.js';
import { topologyFor, type ConsumerSpec } from '../../lib/topology.js';

const topology = topologyFor('local');

let server: SqsLocal;
let sqs: SQSClient;
const pollers: Poller[] = [];
let queueCounter = 0;

beforeAll(async () => {
  server = await startSqsLocal();
  sqs = localSqsClient(server.endpoint);
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  sqs?.destroy();
  await server?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

interface TestQueue {
  url: string;
  arn: string;
  dlqUrl: string;
}

async function arnOf(url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

/** A queue with a DLQ and a short visibility timeout, so failures come back within the test. */
async function makeQueue(options: { visibilityTimeout?: number; maxReceiveCount?: number } = {}): Promise<TestQueue> {
  queueCounter += 1;
  const name = `poller-test-${queueCounter}`;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = await arnOf(dlq.QueueUrl!);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeout ?? 1),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount ?? 10 }),
      },
    }),
  );
  return { url: queue.QueueUrl!, arn: await arnOf(queue.QueueUrl!), dlqUrl: dlq.QueueUrl! };
}

async function send(queue: TestQueue, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
      }),
    );
  }
}

async function depth(url: string): Promise<{ visible: number; inFlight: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

async function isEmpty(url: string): Promise<boolean> {
  const d = await depth(url);
  return d.visible === 0 && d.inFlight === 0;
}

function consumer(overrides: Partial<ConsumerSpec> = {}): ConsumerSpec {
  return { queue: 'lead-sync', function: 'lead-outbound', batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 1, ...overrides };
}

function poll(queue: TestQueue, options: Partial<PollerOptions> & Pick<PollerOptions, 'invoke'>): Poller {
  const poller = startPoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    consumer: consumer(),
    functionTimeoutSeconds: 5,
    onError: () => {},
    ...options,
  });
  pollers.push(poller);
  return poller;
}

async function backoff(record: SQSRecord, queue: TestQueue, seconds: number): Promise<void> {
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
}

describe('queues from the topology', () => {
  it('creates each queue after its DLQ, with the redrive policy, visibility timeout and retention of the topology', async () => {
    const created = await createQueues(sqs, topology, 'topo-');
    const spec = topology.queues[0]!;
    const q = created[spec.id];
    expect(q.url).toMatch(/\/topo-lead-sync$/);
    expect(q.dlqUrl).toMatch(/\/topo-lead-sync-dlq$/);
    const main = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['All'] }));
    expect(main.Attributes).toMatchObject({
      QueueArn: q.arn,
      VisibilityTimeout: '180',
      MessageRetentionPeriod: String(spec.retentionDays * 86400),
    });
    expect(JSON.parse(main.Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: q.dlqArn, maxReceiveCount: spec.maxReceiveCount });
    const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.dlqUrl, AttributeNames: ['All'] }));
    expect(dlq.Attributes).toMatchObject({ QueueArn: q.dlqArn, MessageRetentionPeriod: String(spec.dlq.retentionDays * 86400) });
  });
});

describe('the SQS event source mapping', () => {
  it('hands the function SQS events shaped like Lambda’s', async () => {
    const queue = await makeQueue();
    const events: SQSEvent[] = [];
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"leadId":"l-1"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'lead' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
        },
      }),
    );
    poll(queue, {
      invoke: async (event, context) => {
        events.push(event);
        expect(context.functionName).toBe('lead-outbound');
        expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4000);
        expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5000);
      },
    });
    await until(() => events.length === 1);
    const [record] = events[0]!.Records;
    expect(record).toMatchObject({
      body: '{"leadId":"l-1"}',
      md5OfBody: createHash('md5').update('{"leadId":"l-1"}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) },
      messageAttributes: {
        kind: { stringValue: 'lead', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: Buffer.from('hi').toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(record!.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(record!.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 10_000);
    expect(Number(record!.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(record!.attributes.SentTimestamp));
    await until(() => isEmpty(queue.url));
  });

  it('never puts more than batchSize records in one event', async () => {
    const queue = await makeQueue();
    await send(queue, Array.from({ length: 25 }, (_, i) => `m${i}`));
    const sizes: number[] = [];
    const seen = new Set<string>();
    poll(queue, {
      consumer: consumer({ batchSize: 10, maxBatchingWindowSeconds: 1 }),
      invoke: async (event) => {
        sizes.push(event.Records.length);
        for (const r of event.Records) seen.add(r.body);
      },
    });
    await until(() => seen.size === 25);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.filter((s) => s === 10).length).toBeGreaterThanOrEqual(2);
    await until(() => isEmpty(queue.url));
  });

  it('waits up to the batching window for a batch to fill, and sends a full batch at once', async () => {
    const queue = await makeQueue({ visibilityTimeout: 30 });
    const invoked: Array<{ at: number; size: number }> = [];
    poll(queue, {
      consumer: consumer({ batchSize: 50, maxBatchingWindowSeconds: 1, maxConcurrency: 5 }),
      invoke: async (event) => {
        invoked.push({ at: Date.now(), size: event.Records.length });
      },
    });
    const firstSent = Date.now();
    await send(queue, ['a', 'b', 'c']);
    await sleep(300);
    await send(queue, ['d', 'e']);
    await until(() => invoked.length >= 1, 4000);
    expect(invoked[0]!.size).toBe(5);
    expect(invoked[0]!.at - firstSent).toBeGreaterThanOrEqual(900);
    expect(invoked[0]!.at - firstSent).toBeLessThan(2500);

    const fullSent = Date.now();
    await send(queue, Array.from({ length: 50 }, (_, i) => `full-${i}`));
    await until(() => invoked.length >= 2, 4000);
    expect(invoked[1]!.size).toBe(50);
    expect(invoked[1]!.at - fullSent).toBeLessThan(700);
  });

  it('deletes only the records not reported in batchItemFailures; the failed ones come back', async () => {
    const queue = await makeQueue({ visibilityTimeout: 30 });
    await send(queue, ['ok-1', 'fail-1', 'ok-2', 'fail-2', 'ok-3']);
    const deliveries: Array<{ body: string; count: string }> = [];
    poll(queue, {
      consumer: consumer({ batchSize: 10, maxBatchingWindowSeconds: 1 }),
      invoke: async (event): Promise<SQSBatchResponse> => {
        const failures: SQSBatchResponse['batchItemFailures'] = [];
        for (const record of event.Records) {
          deliveries.push({ body: record.body, count: record.attributes.ApproximateReceiveCount });
          if (record.body.startsWith('fail') && record.attributes.ApproximateReceiveCount === '1') {
            await backoff(record, queue, 0);
            failures.push({ itemIdentifier: record.messageId });
          }
        }
        return { batchItemFailures: failures };
      },
    });
    await until(() => deliveries.length === 7);
    const second = deliveries.slice(5);
    expect(second.map((d) => d.body).sort()).toEqual(['fail-1', 'fail-2']);
    // ChangeMessageVisibility is not a receive: the count says how often the message was delivered.
    expect(second.map((d) => d.count)).toEqual(['2', '2']);
    await until(() => isEmpty(queue.url));
    await sleep(300);
    expect(deliveries).toHaveLength(7);
  });

  it.each([
    ['the handler throws', async (): Promise<SQSBatchResponse> => Promise.reject(new Error('boom')), Error],
    ['an itemIdentifier is not in the batch', async (): Promise<SQSBatchResponse> => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] }), MalformedBatchResponseError],
    ['an itemIdentifier is empty', async (): Promise<SQSBatchResponse> => ({ batchItemFailures: [{ itemIdentifier: '' }] }), MalformedBatchResponseError],
  ])('keeps the whole batch when %s', async (_, failOnce, errorType) => {
    const queue = await makeQueue({ visibilityTimeout: 1 });
    await send(queue, ['x', 'y', 'z']);
    const attempts: string[][] = [];
    const errors: unknown[] = [];
    poll(queue, {
      consumer: consumer({ batchSize: 10, maxBatchingWindowSeconds: 0 }),
      onError: (error) => errors.push(error),
      invoke: async (event) => {
        attempts.push(event.Records.map((r) => `${r.body}:${r.attributes.ApproximateReceiveCount}`).sort());
        if (attempts.length === 1) return failOnce();
      },
    });
    await until(() => attempts.length === 2, 5000);
    expect(attempts).toEqual([
      ['x:1', 'y:1', 'z:1'],
      ['x:2', 'y:2', 'z:2'],
    ]);
    expect(errors[0]).toBeInstanceOf(errorType);
    await until(() => isEmpty(queue.url));
  });

  it('moves a message that keeps failing to the DLQ after maxReceiveCount receives', async () => {
    const queue = await makeQueue({ visibilityTimeout: 30, maxReceiveCount: 3 });
    await send(queue, ['poison']);
    let deliveries = 0;
    poll(queue, {
      invoke: async (event) => {
        deliveries += event.Records.length;
        for (const record of event.Records) await backoff(record, queue, 0);
        throw new Error('cannot process');
      },
    });
    let dead: string | undefined;
    await until(async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 1 }));
      dead = out.Messages?.[0]?.Body;
      return dead !== undefined;
    });
    expect(dead).toBe('poison');
    expect(deliveries).toBe(3);
    expect(await isEmpty(queue.url)).toBe(true);
  });

  it('runs at most maxConcurrency invocations at once', async () => {
    const queue = await makeQueue({ visibilityTimeout: 30 });
    await send(queue, Array.from({ length: 24 }, (_, i) => `c${i}`));
    let running = 0;
    let peak = 0;
    let done = 0;
    const poller = poll(queue, {
      consumer: consumer({ batchSize: 2, maxBatchingWindowSeconds: 0, maxConcurrency: 3 }),
      invoke: async (event) => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(100);
        running -= 1;
        done += event.Records.length;
      },
    });
    await until(() => done === 24);
    expect(peak).toBe(3);
    expect(poller.stats().maxInFlight).toBe(3);
    await until(() => isEmpty(queue.url));
  });

  it('treats a handler still running at the function timeout as failed', async () => {
    const queue = await makeQueue({ visibilityTimeout: 1 });
    await send(queue, ['slow']);
    const errors: unknown[] = [];
    const remaining: number[] = [];
    let calls = 0;
    poll(queue, {
      functionTimeoutSeconds: 0.3,
      onError: (error) => errors.push(error),
      invoke: async (_event, context) => {
        calls += 1;
        remaining.push(context.getRemainingTimeInMillis());
        if (calls === 1) await sleep(800);
      },
    });
    await until(() => calls === 2, 5000);
    expect(errors[0]).toBeInstanceOf(LambdaTimeoutError);
    expect(remaining[0]).toBeLessThanOrEqual(300);
    await until(() => isEmpty(queue.url));
  });

  it('receives nothing while paused and picks the queue up on resume', async () => {
    const queue = await makeQueue();
    let seen = 0;
    const poller = poll(queue, {
      paused: true,
      consumer: consumer({ batchSize: 10, maxBatchingWindowSeconds: 0 }),
      invoke: async (event) => {
        seen += event.Records.length;
      },
    });
    await send(queue, Array.from({ length: 30 }, (_, i) => `p${i}`));
    await sleep(300);
    expect(seen).toBe(0);
    expect(await depth(queue.url)).toEqual({ visible: 30, inFlight: 0 });

    poller.resume();
    await until(() => seen === 30);
    await until(() => poller.idle());

    poller.pause();
    const before = seen;
    await send(queue, ['later']);
    await sleep(1500);
    expect(seen).toBe(before);
    expect((await depth(queue.url)).visible).toBe(1);
    poller.resume();
    await until(() => seen === before + 1);
  });

  it('stop() waits for the batch in flight and leaves nothing half done', async () => {
    const queue = await makeQueue({ visibilityTimeout: 30 });
    await send(queue, ['in-flight']);
    let started = false;
    let finished = false;
    const poller = poll(queue, {
      invoke: async () => {
        started = true;
        await sleep(400);
        finished = true;
      },
    });
    await until(() => started);
    await poller.stop();
    expect(finished).toBe(true);
    expect(poller.idle()).toBe(true);
    expect(await isEmpty(queue.url)).toBe(true);
  });
});
