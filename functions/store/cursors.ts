/**
 * Incremental-sync cursors (DESIGN.md "sync state") in the sync-state table: one item per named
 * cursor. A cursor only moves forward, so a slow pass that finishes after a newer one cannot move
 * it back.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cursors } from '../core/turbotenant-reconcile.js';

const key = (name: string) => ({ pk: `cursor#${name}`, sk: 'cursor' });

export class DynamoCursors implements Cursors {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(name), ConsistentRead: true }));
    return typeof Item?.value === 'string' ? Item.value : undefined;
  }

  async set(name: string, value: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(name),
          UpdateExpression: 'SET #v = :v',
          ConditionExpression: 'attribute_not_exists(#v) OR #v < :v',
          ExpressionAttributeNames: { '#v': 'value' },
          ExpressionAttributeValues: { ':v': value },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
