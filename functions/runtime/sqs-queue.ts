/**
 * The lead-sync queue on SQS: sending (batches of 10, the SendMessageBatch limit), visibility
 * changes for backoff, DLQ redrive and depths.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { DeadLetters, LeadQueue, MessageRetries, QueueDepth, QueueInspector } from '../core/ports.js';

/** SendMessageBatch and ChangeMessageVisibilityBatch take at most 10 entries (SQS API reference). */
const SQS_BATCH_MAX = 10;

export const LeadMessageSchema = z.object({ leadId: z.string().min(1) });
export type LeadMessage = z.infer<typeof LeadMessageSchema>;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface SqsQueueAddresses {
  readonly queueUrl: string;
  readonly queueArn?: string;
  readonly dlqUrl?: string;
  readonly dlqArn?: string;
}

export class SqsLeadQueue implements LeadQueue, MessageRetries, DeadLetters, QueueInspector {
  constructor(
    private readonly sqs: SQSClient,
    private readonly addresses: SqsQueueAddresses,
  ) {}

  async enqueue(leadIds: readonly string[], options: { delaySeconds?: number } = {}): Promise<{ failed: string[] }> {
    const failed: string[] = [];
    await Promise.all(
      chunks(leadIds, SQS_BATCH_MAX).map(async (chunk) => {
        try {
          const out = await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: this.addresses.queueUrl,
              Entries: chunk.map((leadId, i) => ({
                Id: String(i),
                MessageBody: JSON.stringify({ leadId } satisfies LeadMessage),
                DelaySeconds: options.delaySeconds,
              })),
            }),
          );
          for (const entry of out.Failed ?? []) {
            const leadId = chunk[Number(entry.Id)];
            if (leadId) failed.push(leadId);
          }
        } catch {
          failed.push(...chunk);
        }
      }),
    );
    return { failed };
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
    await this.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: queueArn }));
    return waiting;
  }

  async depths(): Promise<{ queue: QueueDepth; deadLetter: QueueDepth }> {
    const { queueUrl, dlqUrl } = this.addresses;
    if (!dlqUrl) throw new Error('Queue depths need the DLQ URL');
    const [queue, deadLetter] = await Promise.all([this.depthOf(queueUrl), this.depthOf(dlqUrl)]);
    return { queue, deadLetter };
  }

  private async depthOf(queueUrl: string): Promise<QueueDepth> {
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

export class VisibilityChangeError extends Error {
  override readonly name = 'VisibilityChangeError';
  constructor(readonly failedBatches: number) {
    super(`${failedBatches} visibility change batch(es) failed; those messages return after the queue's visibility timeout`);
  }
}
