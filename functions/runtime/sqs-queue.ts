/**
 * Queues on SQS: sending (batches of 10, the SendMessageBatch limit), visibility changes for
 * backoff, DLQ redrive and depths. `SqsLeadQueue` is the lead-sync queue; `SqsQueue` serves
 * queues whose messages are any JSON (HubSpot events).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetters, LeadQueue, MessageRetries, QueueDepth, QueueInspector } from '../core/ports.js';
import { chunks } from '../core/concurrency.js';
import type { LeadMessage } from './queue-messages.js';

/** Still named here for existing importers; the schema's home is queue-messages.ts. */
export { LeadMessageSchema, type LeadMessage } from './queue-messages.js';

/** SendMessageBatch and ChangeMessageVisibilityBatch take at most 10 entries (SQS API reference). */
const SQS_BATCH_MAX = 10;
/** A SendMessageBatch request carries at most 256 KB of message bodies in all. */
const SQS_BATCH_BYTES = 256 * 1024;

export interface SqsQueueAddresses {
  readonly queueUrl: string;
  readonly queueArn?: string;
  readonly dlqUrl?: string;
  readonly dlqArn?: string;
}

export class SqsQueue implements MessageRetries, DeadLetters, QueueInspector {
  constructor(
    protected readonly sqs: SQSClient,
    protected readonly addresses: SqsQueueAddresses,
  ) {}

  /**
   * Sends each body as one message; returns the indexes of bodies that could not be queued.
   * A SendMessageBatch call carries at most 10 messages and 256 KB in all.
   */
  async sendBodies(bodies: readonly string[], options: { delaySeconds?: number } = {}): Promise<{ failed: number[] }> {
    const groups: number[][] = [];
    let current: number[] = [];
    let bytes = 0;
    bodies.forEach((body, index) => {
      const size = Buffer.byteLength(body);
      if (current.length === SQS_BATCH_MAX || (current.length > 0 && bytes + size > SQS_BATCH_BYTES)) {
        groups.push(current);
        current = [];
        bytes = 0;
      }
      current.push(index);
      bytes += size;
    });
    if (current.length > 0) groups.push(current);
    const failed: number[] = [];
    if (bodies.length === 1) {
      // One message (a webhook delivery, usually): SendMessage is the lighter call.
      try {
        await this.sqs.send(new SendMessageCommand({ QueueUrl: this.addresses.queueUrl, MessageBody: bodies[0]!, DelaySeconds: options.delaySeconds }));
      } catch {
        failed.push(0);
      }
      return { failed };
    }
    await Promise.all(
      groups.map(async (group) => {
        try {
          const out = await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: this.addresses.queueUrl,
              Entries: group.map((index, i) => ({ Id: String(i), MessageBody: bodies[index]!, DelaySeconds: options.delaySeconds })),
            }),
          );
          for (const entry of out.Failed ?? []) {
            const index = group[Number(entry.Id)];
            if (index !== undefined) failed.push(index);
          }
        } catch {
          failed.push(...group);
        }
      }),
    );
    return { failed: failed.sort((a, b) => a - b) };
  }

  resend(bodies: readonly string[], delaySeconds: number): Promise<{ failed: number[] }> {
    return this.sendBodies(bodies, { delaySeconds });
  }

  async retryAfter(items: readonly { receiptHandle: string; delaySeconds: number }[]): Promise<void> {
    const results = await Promise.allSettled(
      chunks(items, SQS_BATCH_MAX).map((chunk) =>
        this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.addresses.queueUrl,
            Entries: chunk.map((item, i) => ({
              Id: String(i),
              ReceiptHandle: item.receiptHandle,
              VisibilityTimeout: Math.round(item.delaySeconds),
            })),
          }),
        ),
      ),
    );
    const failures = results.filter((r) => r.status === 'rejected' || (r.value.Failed?.length ?? 0) > 0).length;
    // A message whose visibility could not be changed is not lost: it returns when the queue's
    // own visibility timeout ends, only later than planned.
    if (failures > 0) throw new VisibilityChangeError(failures);
  }

  async redrive(): Promise<number> {
    const { dlqArn, queueArn, dlqUrl } = this.addresses;
    if (!dlqArn || !queueArn || !dlqUrl) throw new Error('DLQ redrive needs the queue ARN, DLQ ARN and DLQ URL');
    const waiting = (await this.depthOf(dlqUrl)).visible;
    if (waiting === 0) return 0;
    // StartMessageMoveTask is SQS's own DLQ redrive: it moves messages in the background.
    try {
      await this.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: queueArn }));
    } catch (error) {
      // SQS runs one move task per queue at a time and refuses a second while one runs; the
      // running task moves these messages too, so a repeated redrive is answered, not failed.
      if (!moveTaskAlreadyRunning(error)) throw error;
    }
    return waiting;
  }

  async depths(): Promise<{ queue: QueueDepth; deadLetter: QueueDepth }> {
    const { queueUrl, dlqUrl } = this.addresses;
    if (!dlqUrl) throw new Error('Queue depths need the DLQ URL');
    const [queue, deadLetter] = await Promise.all([this.depthOf(queueUrl), this.depthOf(dlqUrl)]);
    return { queue, deadLetter };
  }

  protected async depthOf(queueUrl: string): Promise<QueueDepth> {
    const { Attributes = {} } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }
}

export class SqsLeadQueue extends SqsQueue implements LeadQueue {
  async enqueue(leadIds: readonly string[], options: { delaySeconds?: number } = {}): Promise<{ failed: string[] }> {
    const { failed } = await this.sendBodies(
      leadIds.map((leadId) => JSON.stringify({ leadId } satisfies LeadMessage)),
      options,
    );
    return { failed: failed.map((index) => leadIds[index]!) };
  }
}

export class VisibilityChangeError extends Error {
  override readonly name = 'VisibilityChangeError';
  constructor(readonly failedBatches: number) {
    super(`${failedBatches} visibility change batch(es) failed; those messages return after the queue's visibility timeout`);
  }
}

/**
 * SQS's refusal of a second message move task on a queue (StartMessageMoveTask: "Only one active
 * message movement task is supported per queue at any given time"; the error is
 * InvalidParameterValue "There is already a task running").
 */
function moveTaskAlreadyRunning(error: unknown): boolean {
  return error instanceof Error && /already a task running|only one active (message movement )?task/i.test(error.message);
}
