/**
 * The Buildium sync's configuration item in the sync-state table (core/buildium-config.ts).
 * An item that no longer parses (edited by hand) fails loudly rather than syncing with a guess.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SyncConfigSchema, type StoredSyncConfig } from '../core/buildium-config.js';

const KEY = { pk: 'config#buildium', sk: 'config' };

export class DynamoBuildiumConfig {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(): Promise<StoredSyncConfig | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: true }));
    if (!Item) return undefined;
    const parsed = SyncConfigSchema.safeParse(Item.config);
    if (!parsed.success) throw new Error(`The stored Buildium sync configuration is invalid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  async put(config: StoredSyncConfig): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...KEY, config, updatedAt: this.now().toISOString() } }));
  }
}
