/**
 * Buildium's entity mappings on the mapping table (system `buildium`; types property, unit,
 * tenant, emergency-contact, lease, and the tenant-email claims): read 100 per call.
 *
 * - A changed mapping is written conditionally on the version read, 100 per transaction, so a
 *   consumer holding an old read never overwrites a newer mapping; a transaction refused for one
 *   stale mapping is replayed item by item, so only the stale ones are reported.
 * - A new mapping (no version read) is written 25 per BatchWriteItem, unconditionally: the only
 *   writer that can race it is a duplicate delivery of the same page, which writes the same
 *   record (HubSpot upserts by the record's unique key), or an older read, whose hash only makes
 *   the next sync write the record once more. Never the reverse: a newer hash over older data.
 *   (It is also three times cheaper, which a first full sync of tens of thousands of records feels.)
 */
import { batchWriteAll } from './batch.js';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BuildiumMapping, BuildiumMappings, MappingExtra, MappingType, MappingWrite } from '../core/buildium-records.js';
import { DynamoMappingStore, mappingKey, StaleMappingError } from './mapping-store.js';

const SYSTEM = 'buildium';
/** DynamoDB's limits: items per transaction, per BatchWriteItem. */
const TRANSACTION_MAX = 100;
const BATCH_WRITE_MAX = 25;

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

  /** Read, then written (conditionally: first claimant wins) for the keys nobody holds. */
  async claim(type: 'tenant-email', claims: readonly { key: string; owner: string }[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const existing = await this.getMany(type, claims.map((c) => c.key));
    for (const [key, m] of existing) owners.set(key, m.hubspotId);
    const open = claims.filter((c) => !owners.has(c.key));
    if (open.length === 0) return owners;
    const lost = await this.putMany(
      type,
      open.map((c) => ({ sourceId: c.key, hubspotType: 'tenant', hubspotId: c.owner, syncHash: '-', extra: {}, expectedVersion: 0 })),
      { conditional: true },
    );
    for (const c of open) owners.set(c.key, c.owner);
    if (lost.length > 0) for (const [key, m] of await this.getMany(type, lost)) owners.set(key, m.hubspotId);
    return owners;
  }

  async putMany(type: MappingType, writes: readonly MappingWrite[], options: { conditional?: boolean } = {}): Promise<string[]> {
    const stale: string[] = [];
    const at = this.now().toISOString();
    const fresh = options.conditional ? [] : writes.filter((w) => w.expectedVersion === 0);
    const changed = options.conditional ? writes : writes.filter((w) => w.expectedVersion !== 0);
    const chunks: MappingWrite[][] = [];
    for (let i = 0; i < changed.length; i += TRANSACTION_MAX) chunks.push(changed.slice(i, i + TRANSACTION_MAX));
    const batches: MappingWrite[][] = [];
    for (let i = 0; i < fresh.length; i += BATCH_WRITE_MAX) batches.push(fresh.slice(i, i + BATCH_WRITE_MAX));
    await Promise.all([
      ...batches.map((batch) => this.batchPut(batch.map((w) => this.put(type, w, at).Item))),
      ...chunks.map(async (chunk) => {
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
    ]);
    return stale;
  }

  /** BatchWriteItem, with DynamoDB's unprocessed items sent again (backing off) until none is left. */
  private async batchPut(items: readonly Record<string, unknown>[]): Promise<void> {
    await batchWriteAll(this.db, this.tableName, items.map((Item) => ({ PutRequest: { Item } })));
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
