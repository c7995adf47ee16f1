/**
 * Buildium's entity mappings on the mapping table (system `buildium`; types property, unit,
 * tenant, emergency-contact, lease, and the tenant-email claims): read 100 per BatchGetItem, a
 * page's reads of several types at once (`getAll`).
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
import { BATCH_GET_MAX, batchWriteAll } from './batch.js';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mappingRefKey, type BuildiumMapping, type BuildiumMappings, type MappingExtra, type MappingRef, type MappingType, type MappingWrite } from '../core/buildium-ports.js';
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

  /** Every ref's mapping that exists, keyed `type#sourceId`: BatchGetItem, 100 keys a call, the calls side by side. */
  async getAll(refs: readonly MappingRef[]): Promise<Map<string, BuildiumMapping>> {
    const byType = new Map<MappingType, string[]>();
    for (const r of refs) byType.set(r.type, [...(byType.get(r.type) ?? []), r.sourceId]);
    const reads: Array<Promise<[MappingType, Map<string, BuildiumMapping>]>> = [];
    for (const [type, ids] of byType) {
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += BATCH_GET_MAX) reads.push(this.getMany(type, unique.slice(i, i + BATCH_GET_MAX)).then((found) => [type, found]));
    }
    const out = new Map<string, BuildiumMapping>();
    for (const [type, found] of await Promise.all(reads)) for (const [id, m] of found) out.set(mappingRefKey(type, id), m);
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

  /**
   * Written conditionally (first claimant wins), 100 per transaction, without reading first: on a
   * first sync nobody holds the keys. A transaction refused because some key is held reads the
   * chunk's holders, then claims the keys still open.
   */
  async claim(type: 'tenant-email', claims: readonly { key: string; owner: string }[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const unique = [...new Map(claims.map((c) => [c.key, c])).values()];
    const chunks: Array<typeof unique> = [];
    for (let i = 0; i < unique.length; i += TRANSACTION_MAX) chunks.push(unique.slice(i, i + TRANSACTION_MAX));
    const at = this.now().toISOString();
    await Promise.all(
      chunks.map(async (chunk) => {
        let open = chunk;
        // Each refused round finds at least one holder, so a chunk settles within its size.
        while (open.length > 0) {
          try {
            const writes = open.map((c) => ({ sourceId: c.key, hubspotType: 'tenant', hubspotId: c.owner, syncHash: '-', extra: {}, expectedVersion: 0 }));
            await this.db.send(new TransactWriteCommand({ TransactItems: writes.map((w) => ({ Put: this.put(type, w, at) })) }));
            for (const c of open) owners.set(c.key, c.owner);
            return;
          } catch (error) {
            if (!(error instanceof TransactionCanceledException)) throw error;
            const held = await this.getMany(type, open.map((c) => c.key));
            for (const [key, m] of held) owners.set(key, m.hubspotId);
            if (held.size === 0) throw error;
            open = open.filter((c) => !held.has(c.key));
          }
        }
      }),
    );
    return owners;
  }

  async putMany(type: MappingType, writes: readonly MappingWrite[]): Promise<string[]> {
    const stale: string[] = [];
    const at = this.now().toISOString();
    const fresh = writes.filter((w) => w.expectedVersion === 0);
    const changed = writes.filter((w) => w.expectedVersion !== 0);
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
