import { createServer, type Server } from 'node:http';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { visibilityTimeoutSeconds, type QueueId, type Topology } from '../topology.js';
import { freePort } from './ports.js';

export interface SqsLocalOptions {
  port?: number;
  hostname?: string;
  /** Region written into queue ARNs; defaults to AWS_REGION, then us-east-1. */
  region?: string;
}

export interface SqsLocal {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export interface QueueAddresses {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A client for a local endpoint (fixed region and dummy credentials, so no AWS configuration is needed). */
export function localSqsClient(endpoint: string, region = process.env.AWS_REGION ?? 'us-east-1'): SQSClient {
  return new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
}

interface InternalEntry {
  visible: boolean;
  record: { MessageId: string; attributes: Record<string, string> };
}

interface PatchableQueue {
  setRecord: (...args: unknown[]) => unknown;
  changeVisibility: (receiptHandle: string, visibilityTimeout: string) => boolean;
  delete: (receiptHandle: string) => boolean;
}

function messageIdOf(receiptHandle: string): string | undefined {
  try {
    const text = Buffer.from(receiptHandle, 'base64').toString('utf8');
    const parsed = JSON.parse(text.slice(text.indexOf('{'))) as { MessageId?: unknown };
    return typeof parsed.MessageId === 'string' ? parsed.MessageId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * local-aws-sqs 2.0.2 counts a ChangeMessageVisibility as a receive: it bumps
 * ApproximateReceiveCount, so a consumer that backs off with ChangeMessageVisibility would reach
 * maxReceiveCount (and the DLQ) in half the attempts. In SQS the count is "the number of times a
 * message has been received across all queues but not deleted" (SQS API Reference,
 * ReceiveMessage, MessageSystemAttributeNames), so the count is restored after each change.
 */
function restoreReceiveCountOnVisibilityChange(queue: PatchableQueue): void {
  if (typeof queue.setRecord !== 'function' || typeof queue.changeVisibility !== 'function' || typeof queue.delete !== 'function') {
    return;
  }
  const entries = new Map<string, InternalEntry>();
  const setRecord = queue.setRecord;
  queue.setRecord = (...args: unknown[]) => {
    const entry = setRecord(...args) as Partial<InternalEntry> | undefined;
    if (entry && typeof entry.visible === 'boolean' && typeof entry.record?.MessageId === 'string') {
      entries.set(entry.record.MessageId, entry as InternalEntry);
    }
    return entry;
  };
  const changeVisibility = queue.changeVisibility.bind(queue);
  queue.changeVisibility = (receiptHandle, visibilityTimeout) => {
    const id = messageIdOf(receiptHandle);
    const entry = id === undefined ? undefined : entries.get(id);
    const count = entry?.record.attributes.ApproximateReceiveCount;
    const changed = changeVisibility(receiptHandle, visibilityTimeout);
    if (entry && count !== undefined) entry.record.attributes.ApproximateReceiveCount = count;
    return changed;
  };
  const remove = queue.delete.bind(queue);
  queue.delete = (receiptHandle) => {
    const deleted = remove(receiptHandle);
    const id = messageIdOf(receiptHandle);
    if (id !== undefined) entries.delete(id);
    return deleted;
  };
}

/** Starts the local-aws-sqs server (SQS JSON and query protocols) on loopback. */
export async function startSqsLocal(options: SqsLocalOptions = {}): Promise<SqsLocal> {
  const hostname = options.hostname ?? '127.0.0.1';
  const port = options.port ?? (await freePort(hostname));
  const { service, requestHandler } = createRequestHandler({
    port,
    hostname,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    // The local stack recreates its queues on every start; nothing to wait for.
    emulateQueueCreationLifecycle: false,
  });

  const patched = new WeakSet<object>();
  const patchNewQueues = () => {
    for (const queue of service.Queues) {
      if (patched.has(queue)) continue;
      patched.add(queue);
      restoreReceiveCountOnVisibilityChange(queue as unknown as PatchableQueue);
    }
  };

  const server: Server = createServer((req, res) => {
    patchNewQueues();
    requestHandler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address && typeof address === 'object') service.PORT = address.port;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${hostname}:${service.PORT}`,
    port: service.PORT,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        service.resetAll();
      });
      return closing;
    },
  };
}

const DAY_SECONDS = 24 * 60 * 60;

async function queueArn(client: SQSClient, url: string): Promise<string> {
  const out = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`no QueueArn for ${url}`);
  return arn;
}

/**
 * Creates every queue of the topology with its DLQ: the DLQ first, then the queue with a redrive
 * policy pointing at it. Returns the URL and ARN of each.
 */
export async function createQueues(
  client: SQSClient,
  topology: Topology,
  namePrefix = '',
): Promise<Record<QueueId, QueueAddresses>> {
  const result = {} as Record<QueueId, QueueAddresses>;
  for (const queue of topology.queues) {
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: `${namePrefix}${queue.id}-dlq`,
        Attributes: { MessageRetentionPeriod: String(queue.dlq.retentionDays * DAY_SECONDS) },
      }),
    );
    if (!dlq.QueueUrl) throw new Error(`CreateQueue returned no URL for the DLQ of ${queue.id}`);
    const dlqArn = await queueArn(client, dlq.QueueUrl);

    const main = await client.send(
      new CreateQueueCommand({
        QueueName: `${namePrefix}${queue.id}`,
        Attributes: {
          MessageRetentionPeriod: String(queue.retentionDays * DAY_SECONDS),
          VisibilityTimeout: String(visibilityTimeoutSeconds(topology, queue.id)),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: queue.maxReceiveCount }),
        },
      }),
    );
    if (!main.QueueUrl) throw new Error(`CreateQueue returned no URL for ${queue.id}`);
    result[queue.id] = { url: main.QueueUrl, arn: await queueArn(client, main.QueueUrl), dlqUrl: dlq.QueueUrl, dlqArn };
  }
  return result;
}
