/**
 * What the Buildium sync keeps in the sync-state table beside its jobs (store/sync-jobs.ts): how
 * long items live, and one query over a partition.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Jobs, page markers, errors, held records and reviews (seed 002 §4.1). */
export const TTL_SECONDS = 90 * 24 * 3600;
export const AUDIT_TTL_SECONDS = 30 * 24 * 3600;

export const expiresAfter = (now: Date, seconds: number): number => Math.floor(now.getTime() / 1000) + seconds;

export const jobPk = (jobId: string): string => `sync-job#${jobId}`;

/** A request for store/batch.ts batchWriteAll. */
export type PutRequest = { PutRequest: { Item: Record<string, unknown> } };

/** Every item of a partition whose sort key starts with `prefix`, page after page (1 MB each). */
export async function queryPartition(db: DynamoDBDocumentClient, tableName: string, pk: string, prefix: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(prefix ? { ':prefix': prefix } : {}) },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
