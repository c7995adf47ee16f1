/**
 * Redriving a DLQ while a redrive of it is still moving messages (issue 15 §7): SQS allows one
 * message move task per queue at a time and refuses a second. An operator who asks twice (or the
 * CLI and the console at once) must get an answer, not a 500: the running task moves them anyway.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, localSqsClient, startSqsLocal, type QueueAddresses, type SqsLocal } from '../../lib/local/sqs.js';
import { topologyFor } from '../../lib/topology.js';
import { SqsQueue } from '../../functions/runtime/sqs-queue.js';

let server: SqsLocal;
let sqs: SQSClient;
let addresses: QueueAddresses;

beforeAll(async () => {
  server = await startSqsLocal();
  sqs = localSqsClient(server.endpoint);
  addresses = (await createQueues(sqs, topologyFor('local'), 'redrive-'))['buildium-sync'];
});

afterAll(async () => {
  await server?.close();
});

describe('DLQ redrive', () => {
  it('answers a second redrive while the first still moves messages, and every message reaches the queue once', async () => {
    // Prepare: 30 messages wait in the DLQ.
    for (let i = 0; i < 3; i++) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: addresses.dlqUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `m${j}`, MessageBody: JSON.stringify({ n: i * 10 + j }) })) }));
    }
    const queue = new SqsQueue(sqs, { queueUrl: addresses.url, queueArn: addresses.arn, dlqUrl: addresses.dlqUrl, dlqArn: addresses.dlqArn });

    // Act: two redrives at once, as two operators would.
    const answers = await Promise.all([queue.redrive(), queue.redrive()]);

    // Assess
    expect(answers).toEqual([30, 30]);
    await expect.poll(async () => (await queue.depths()).queue.visible, { timeout: 15_000, interval: 200 }).toBe(30);
    expect((await queue.depths()).deadLetter.visible).toBe(0);
  });
});
