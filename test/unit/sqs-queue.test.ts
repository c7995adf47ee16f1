import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LeadMessageSchema, SqsLeadQueue, VisibilityChangeError } from '../../functions/runtime/sqs-queue.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/lead-sync';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/lead-sync-dlq';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:lead-sync';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:lead-sync-dlq';

const sqs = mockClient(SQSClient);

function queue() {
  return new SqsLeadQueue(new SQSClient({ region: 'us-east-1' }), { queueUrl: QUEUE_URL, queueArn: QUEUE_ARN, dlqUrl: DLQ_URL, dlqArn: DLQ_ARN });
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `lead-${i}`);

beforeEach(() => {
  sqs.reset();
});

describe('SqsLeadQueue', () => {
  describe('enqueue', () => {
    it('sends one message per lead in SendMessageBatch calls of at most 10', async () => {
      // Prepare
      sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

      // Act
      const { failed } = await queue().enqueue(ids(25));

      // Assess
      expect(failed).toEqual([]);
      const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
      expect(batches.map((b) => b.Entries!.length).sort((a, b) => b - a)).toEqual([10, 10, 5]);
      for (const batch of batches) {
        expect(batch.QueueUrl).toBe(QUEUE_URL);
        const entryIds = batch.Entries!.map((e) => e.Id);
        expect(new Set(entryIds).size).toBe(entryIds.length);
      }
      const sentLeadIds = batches.flatMap((b) => b.Entries!.map((e) => LeadMessageSchema.parse(JSON.parse(e.MessageBody!)).leadId));
      expect(sentLeadIds.sort()).toEqual(ids(25).sort());
    });

    it('passes a delay to every message', async () => {
      // Prepare
      sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

      // Act
      await queue().enqueue(['lead-1', 'lead-2'], { delaySeconds: 7 });

      // Assess
      const entries = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries!;
      expect(entries.map((e) => e.DelaySeconds)).toEqual([7, 7]);
    });

    it('returns the leads whose entries SQS refused, and every lead of a batch call that failed', async () => {
      // Prepare
      sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string; MessageBody: string }[] }) => {
        const leadIds = input.Entries.map((e) => LeadMessageSchema.parse(JSON.parse(e.MessageBody)).leadId);
        if (leadIds.includes('lead-20')) throw new Error('AWS.SimpleQueueService.NonExistentQueue');
        const refused = input.Entries.filter((e) => JSON.parse(e.MessageBody).leadId === 'lead-13');
        return {
          Successful: [],
          Failed: refused.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
        };
      });

      // Act
      const { failed } = await queue().enqueue(ids(25));

      // Assess
      expect(failed.sort()).toEqual(['lead-13', ...ids(25).slice(20)].sort());
    });
  });

  describe('retryAfter', () => {
    it('changes each message\'s visibility in batches of at most 10, in whole seconds', async () => {
      // Prepare
      sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
      const items = Array.from({ length: 12 }, (_, i) => ({ receiptHandle: `rh-${i}`, delaySeconds: i + 0.6 }));

      // Act
      await queue().retryAfter(items);

      // Assess
      const batches = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input);
      expect(batches.map((b) => b.Entries!.length).sort((a, b) => b - a)).toEqual([10, 2]);
      const entries = batches.flatMap((b) => b.Entries!);
      expect(batches.every((b) => b.QueueUrl === QUEUE_URL)).toBe(true);
      for (const entry of entries) expect(Number.isInteger(entry.VisibilityTimeout)).toBe(true);
      const byHandle = new Map(entries.map((e) => [e.ReceiptHandle, e.VisibilityTimeout]));
      for (const item of items) expect(Math.abs(byHandle.get(item.receiptHandle)! - item.delaySeconds)).toBeLessThanOrEqual(1);
    });

    it('reports a visibility change SQS did not make', async () => {
      // Prepare
      sqs.on(ChangeMessageVisibilityBatchCommand).resolves({
        Successful: [],
        Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }],
      });

      // Act
      const changing = queue().retryAfter([{ receiptHandle: 'rh-old', delaySeconds: 30 }]);

      // Assess
      await expect(changing).rejects.toBeInstanceOf(VisibilityChangeError);
    });
  });

  describe('redrive', () => {
    it('starts SQS\'s DLQ redrive back to the queue when the DLQ holds messages, and says how many', async () => {
      // Prepare
      sqs.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).resolves({ Attributes: { ApproximateNumberOfMessages: '4' } });
      sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });

      // Act
      const moved = await queue().redrive();

      // Assess
      expect(moved).toBe(4);
      const tasks = sqs.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input);
      expect(tasks).toEqual([{ SourceArn: DLQ_ARN, DestinationArn: QUEUE_ARN }]);
    });

    it('starts nothing when the DLQ is empty', async () => {
      // Prepare
      sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });

      // Act
      const moved = await queue().redrive();

      // Assess
      expect(moved).toBe(0);
      expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    });
  });

  it('reports the depths of the queue and its DLQ', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL }).resolves({
      Attributes: { ApproximateNumberOfMessages: '12', ApproximateNumberOfMessagesNotVisible: '3', ApproximateNumberOfMessagesDelayed: '1' },
    });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });

    // Act
    const depths = await queue().depths();

    // Assess
    expect(depths).toEqual({ queue: { visible: 12, inFlight: 3, delayed: 1 }, deadLetter: { visible: 2, inFlight: 0, delayed: 0 } });
  });
});
