/**
 * DynamoDB's batch calls, with what they leave unprocessed sent again. BatchGetItem answers at most
 * 100 keys and BatchWriteItem takes at most 25 requests; under throttling either may return part of
 * its work as `UnprocessedKeys`/`UnprocessedItems`, which "should be retried with exponential
 * backoff" (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
 * The one implementation every store uses: full jitter, a cap on the wait, and an error (never a
 * silent partial answer) when DynamoDB keeps refusing.
 */
import { BatchGetCommand, BatchWriteCommand, type BatchGetCommandOutput, type BatchWriteCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const BATCH_GET_MAX = 100;
export const BATCH_WRITE_MAX = 25;
/** Rounds before giving up: about 25 s of backing off in all. */
const MAX_ROUNDS = 10;
const BASE_MS = 50;
const CAP_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function unprocessedBackoffMs(round: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(CAP_MS, BASE_MS * 2 ** round));
}

type Key = Record<string, unknown>;
type GetOptions = { readonly consistentRead?: boolean; readonly projection?: { readonly expression: string; readonly names: Record<string, string> } };

/** Every item of `keys` that exists (in no particular order), read in chunks of 100. */
export async function batchGetAll(db: DynamoDBDocumentClient, tableName: string, keys: readonly Key[], options: GetOptions = {}): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
    let pending: Key[] | undefined = keys.slice(i, i + BATCH_GET_MAX);
    for (let round = 0; pending && pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`DynamoDB left ${pending.length} keys of ${tableName} unprocessed after ${MAX_ROUNDS} rounds`);
      if (round > 0) await sleep(unprocessedBackoffMs(round));
      const out: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: options.consistentRead ?? true,
              ...(options.projection ? { ProjectionExpression: options.projection.expression, ExpressionAttributeNames: options.projection.names } : {}),
            },
          },
        }),
      );
      found.push(...(out.Responses?.[tableName] ?? []));
      pending = out.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return found;
}

/** Puts and deletes in chunks of 25, until DynamoDB has processed every one. */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly ({ PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Key } })[],
): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) {
    let pending = requests.slice(i, i + BATCH_WRITE_MAX) as NonNullable<BatchWriteCommandOutput['UnprocessedItems']>[string];
    for (let round = 0; pending && pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`DynamoDB left ${pending.length} writes to ${tableName} unprocessed after ${MAX_ROUNDS} rounds`);
      if (round > 0) await sleep(unprocessedBackoffMs(round));
      const out: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = out.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
