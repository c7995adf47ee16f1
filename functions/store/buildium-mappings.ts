/**
 * Buildium's entity mappings on the mapping table (system `buildium`; types property, unit,
 * tenant, emergency-contact, lease): read 100 per call, written 100 per transaction, each write
 * conditional on the version read, so a consumer holding an old read never overwrites a newer
 * mapping. A transaction refused for one stale mapping is replayed item by item, so the others
 * are still written and only the stale ones are reported.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BuildiumMapping, BuildiumMappings, MappingExtra, MappingType, MappingWrite } from '../core/buildium-records.js';
import { DynamoMappingStore, mappingKey, StaleMappingError } from './mapping-store.js';

const SYSTEM = 'buildium';
/** DynamoDB's limit of items per transaction. */
const TRANSACTION_MAX = 100;

export class DynamoBuildiumMappings implements BuildiumMappings {
  private readonly store: DynamoMappingStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.store = new DynamoMappingStore(db, tableName);
  }

  async getMany(type: MappingType, sourceIds: readonly string[]): Promise<Map<string, BuildiumMapping>> {
    const items = await this.store.getMany(SYSTEM, type, sourceIds);
    const out = new Map<string, BuildiumMapping>();
    for (const [id, item] of items) {
      out.set(id, { sourceId: id, hubspotType: item.hubspotType, hubspotId: item.hubspotId, syncHash: item.syncHash, version: item.version, extra: (item.extra ?? {}) as MappingExtra });
    }
    return out;
  }

  async byHubSpotObject(type: MappingType, hubspotType: string, hubspotId: string): Promise<BuildiumMapping[]> {
    const out: BuildiumMapping[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byHubSpotObject',
          KeyConditionExpression: 'hubspotKey = :k',
          FilterExpression: '#system = :s AND #type = :t',
          ExpressionAttributeNames: { '#system': 'system', '#type': 'type' },
          ExpressionAttributeValues: { ':k': `${hubspotType}#${hubspotId}`, ':s': SYSTEM, ':t': type },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        out.push({
          sourceId: String(item.sourceId),
          hubspotType: String(item.hubspotType),
          hubspotId: String(item.hubspotId),
          syncHash: String(item.syncHash),
          version: Number(item.version),
          extra: (item.extra ?? {}) as MappingExtra,
        });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async claim(type: 'tenant-email', claims: readonly { key: string; owner: string }[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const existing = await this.getMany(type, claims.map((c) => c.key));
    for (const [key, m] of existing) owners.set(key, m.hubspotId);
    const open = claims.filter((c) => !owners.has(c.key));
    if (open.length === 0) return owners;
    const lost = await this.putMany(
      type,
      open.map((c) => ({ sourceId: c.key, hubspotType: 'tenant', hubspotId: c.owner, syncHash: '-', extra: {}, expectedVersion: 0 })),
    );
    for (const c of open) owners.set(c.key, c.owner);
    if (lost.length > 0) for (const [key, m] of await this.getMany(type, lost)) owners.set(key, m.hubspotId);
    return owners;
  }

  async putMany(type: MappingType, writes: readonly MappingWrite[]): Promise<string[]> {
    const stale: string[] = [];
    const at = this.now().toISOString();
    const chunks: MappingWrite[][] = [];
    for (let i = 0; i < writes.length; i += TRANSACTION_MAX) chunks.push(writes.slice(i, i + TRANSACTION_MAX));
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          await this.db.send(new TransactWriteCommand({ TransactItems: chunk.map((w) => ({ Put: this.put(type, w, at) })) }));
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          for (const w of chunk) {
            try {
              await this.store.put(this.mapping(type, w, at), w.expectedVersion);
            } catch (single) {
              if (single instanceof StaleMappingError) stale.push(w.sourceId);
              else throw single;
            }
          }
        }
      }),
    );
    return stale;
  }

  private mapping(type: MappingType, w: MappingWrite, at: string) {
    return { system: SYSTEM, type, sourceId: w.sourceId, hubspotType: w.hubspotType, hubspotId: w.hubspotId, syncHash: w.syncHash, lastSyncedAt: at, extra: { ...w.extra } };
  }

  private put(type: MappingType, w: MappingWrite, at: string) {
    const m = this.mapping(type, w, at);
    const first = w.expectedVersion === 0;
    return {
      TableName: this.tableName,
      Item: { ...m, mappingKey: mappingKey(SYSTEM, type, w.sourceId), hubspotKey: `${w.hubspotType}#${w.hubspotId}`, version: w.expectedVersion + 1 },
      ConditionExpression: first ? 'attribute_not_exists(mappingKey)' : 'version = :expected',
      ...(first ? {} : { ExpressionAttributeValues: { ':expected': w.expectedVersion } }),
    };
  }
}
