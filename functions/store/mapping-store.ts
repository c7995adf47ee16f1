/**
 * The entity mapping table (DESIGN.md "Data"): which HubSpot object a source record is, and what
 * was last written for it. One item per (system, type, source id), keyed `system#type#sourceId`,
 * with a GSI by HubSpot object for the way back. Writes are conditional on the version read, so
 * two consumers never overwrite each other's newer mapping.
 *
 * `GET /mappings/{system}/{type}/{sourceId}` (CONTRACT.md) reads it; TurboTenant's property →
 * deal mapping (issue 4) is the first user.
 */
import { batchGetAll } from './batch.js';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { PropertyMapping, PropertyMappings } from '../core/turbotenant-sync.js';


export interface EntityMapping {
  readonly system: string;
  readonly type: string;
  readonly sourceId: string;
  readonly hubspotType: string;
  readonly hubspotId: string;
  readonly syncHash: string;
  readonly lastSyncedAt: string;
}

const MappingItem = z.object({
  system: z.string(),
  type: z.string(),
  sourceId: z.string(),
  hubspotType: z.string(),
  hubspotId: z.string(),
  syncHash: z.string(),
  lastSyncedAt: z.string(),
  version: z.number().int().nonnegative(),
  /** Extra fields a flow keeps with its mapping (TurboTenant: the landlord's contact, the metadata block). */
  extra: z.record(z.string(), z.unknown()).optional(),
});
type MappingItem = z.infer<typeof MappingItem>;

export const mappingKey = (system: string, type: string, sourceId: string) => `${system}#${type}#${sourceId}`;

/** The mapping as `GET /mappings/...` shows it (CONTRACT.md). */
export function mappingView(item: EntityMapping): EntityMapping {
  const { system, type, sourceId, hubspotType, hubspotId, syncHash, lastSyncedAt } = item;
  return { system, type, sourceId, hubspotType, hubspotId, syncHash, lastSyncedAt };
}

/** A mapping changed by someone else between read and write: the caller reads again. */
export class StaleMappingError extends Error {
  override readonly name = 'StaleMappingError';
}

export class DynamoMappingStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(system: string, type: string, sourceId: string): Promise<(EntityMapping & { version: number; extra?: Record<string, unknown> }) | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { mappingKey: mappingKey(system, type, sourceId) }, ConsistentRead: true }));
    return Item ? MappingItem.parse(Item) : undefined;
  }

  async getMany(system: string, type: string, sourceIds: readonly string[]): Promise<Map<string, MappingItem>> {
    const found = new Map<string, MappingItem>();
    const keys = [...new Set(sourceIds)].map((id) => ({ mappingKey: mappingKey(system, type, id) }));
    for (const raw of await batchGetAll(this.db, this.tableName, keys)) {
      const item = MappingItem.parse(raw);
      found.set(item.sourceId, item);
    }
    return found;
  }

  /** Writes a mapping if its version is still `expectedVersion` (0: it must not exist yet). */
  async put(mapping: EntityMapping & { extra?: Record<string, unknown> }, expectedVersion: number): Promise<void> {
    const item: MappingItem & { mappingKey: string; hubspotKey: string } = {
      ...mapping,
      mappingKey: mappingKey(mapping.system, mapping.type, mapping.sourceId),
      hubspotKey: `${mapping.hubspotType}#${mapping.hubspotId}`,
      version: expectedVersion + 1,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(mappingKey)' : 'version = :expected',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StaleMappingError(`mapping ${item.mappingKey} changed since version ${expectedVersion}`);
      throw error;
    }
  }
}

/** TurboTenant's property → deal mappings on the mapping table. */
export class TurboTenantPropertyMappings implements PropertyMappings {
  private readonly versions = new Map<string, number>();

  constructor(private readonly store: DynamoMappingStore) {}

  async getMany(propertyIds: readonly string[]): Promise<Map<string, PropertyMapping>> {
    const items = await this.store.getMany('turbotenant', 'property', propertyIds);
    const out = new Map<string, PropertyMapping>();
    for (const [id, item] of items) {
      this.versions.set(id, item.version);
      const extra = item.extra ?? {};
      out.set(id, {
        propertyId: id,
        dealId: item.hubspotId,
        contactId: String(extra.contactId ?? ''),
        syncHash: item.syncHash,
        metadata: (extra.metadata ?? {}) as PropertyMapping['metadata'],
        lastSyncedAt: item.lastSyncedAt,
        ...(extra.source ? { source: extra.source as NonNullable<PropertyMapping['source']> } : {}),
      });
    }
    return out;
  }

  /**
   * A consumer that raced another on the same property (both upserted the same deal, keyed by the
   * property) does not fail its batch: the other's mapping names the same deal, and any difference
   * in what was written is caught by the hash at the next event or reconcile.
   */
  async putMany(mappings: readonly PropertyMapping[]): Promise<void> {
    await Promise.all(
      mappings.map((m) =>
        this.putOne(m).catch(async (error: unknown) => {
          if (!(error instanceof StaleMappingError)) throw error;
          const current = await this.store.get('turbotenant', 'property', m.propertyId);
          if (current?.hubspotId !== m.dealId) throw error;
        }),
      ),
    );
  }

  private putOne(m: PropertyMapping): Promise<void> {
    return (
        this.store.put(
          {
            system: 'turbotenant',
            type: 'property',
            sourceId: m.propertyId,
            hubspotType: 'deals',
            hubspotId: m.dealId,
            syncHash: m.syncHash,
            lastSyncedAt: m.lastSyncedAt,
            extra: { contactId: m.contactId, metadata: m.metadata, ...(m.source ? { source: m.source } : {}) },
          },
          this.versions.get(m.propertyId) ?? 0,
        )
    );
  }
}
