/**
 * The entity mapping table on DynamoDB Local: what `GET /mappings/...` will show, conditional
 * versions (a writer that read an older mapping is refused), batch reads, and TurboTenant's
 * property → deal mappings with their landlord contact and metadata block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoMappingStore, mappingView, StaleMappingError, TurboTenantPropertyMappings } from '../../functions/store/mapping-store.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

let dynamo: DynamoDbLocal;
let store: DynamoMappingStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  const client = localDynamoDbClient(dynamo.endpoint);
  const tables = await createTables(client, topologyFor('local').tables);
  store = new DynamoMappingStore(createDocumentClient(client), tables.mappings!);
});

afterAll(async () => {
  await dynamo?.close();
});

const mapping = (sourceId: string, hubspotId: string, syncHash = 'h1') => ({
  system: 'turbotenant',
  type: 'property',
  sourceId,
  hubspotType: 'deals',
  hubspotId,
  syncHash,
  lastSyncedAt: '2025-10-12T22:00:00.000Z',
});

describe('DynamoMappingStore', () => {
  it('stores a mapping once, shows it in the contract\'s shape, and refuses a writer holding an old version', async () => {
    // Act
    await store.put(mapping('PROP_1', 'D1'), 0);
    // Assess
    const read = await store.get('turbotenant', 'property', 'PROP_1');
    expect(mappingView(read!)).toEqual(mapping('PROP_1', 'D1'));
    expect(read!.version).toBe(1);
    await expect(store.put(mapping('PROP_1', 'D9'), 0)).rejects.toBeInstanceOf(StaleMappingError);
    await store.put(mapping('PROP_1', 'D1', 'h2'), 1);
    await expect(store.put(mapping('PROP_1', 'D1', 'h3'), 1)).rejects.toBeInstanceOf(StaleMappingError);
    expect((await store.get('turbotenant', 'property', 'PROP_1'))?.syncHash).toBe('h2');
    expect(await store.get('turbotenant', 'property', 'PROP_404')).toBeUndefined();
  });

  it('reads 150 mappings in batches', async () => {
    await Promise.all(Array.from({ length: 150 }, (_, i) => store.put(mapping(`BULK_${i}`, `D${i}`), 0)));
    const found = await store.getMany('turbotenant', 'property', [...Array.from({ length: 150 }, (_, i) => `BULK_${i}`), 'MISSING']);
    expect(found.size).toBe(150);
    expect(found.get('BULK_149')?.hubspotId).toBe('D149');
  });
});

describe('TurboTenantPropertyMappings', () => {
  it('keeps the deal, the landlord contact and the metadata block, and updates from the version it read', async () => {
    // Prepare
    const first = new TurboTenantPropertyMappings(store);
    await first.getMany(['PROP_7']);
    await first.putMany([{ propertyId: 'PROP_7', dealId: 'D7', contactId: 'C7', syncHash: 'a', metadata: { turbotenant_listing_id: 'PROP_7', onboarding_stage: 'verified' }, lastSyncedAt: 't1' }]);
    // Act
    const second = new TurboTenantPropertyMappings(store);
    const read = await second.getMany(['PROP_7']);
    await second.putMany([{ ...read.get('PROP_7')!, syncHash: 'b', lastSyncedAt: 't2' }]);
    // Assess
    const again = await new TurboTenantPropertyMappings(store).getMany(['PROP_7']);
    expect(again.get('PROP_7')).toEqual({ propertyId: 'PROP_7', dealId: 'D7', contactId: 'C7', syncHash: 'b', metadata: { turbotenant_listing_id: 'PROP_7', onboarding_stage: 'verified' }, lastSyncedAt: 't2' });
    // A writer that read before the change never overwrites it: for the same deal (a race on one
    // property, both upserting the deal keyed by it) it does not fail its batch; naming another
    // deal, it is refused.
    await first.putMany([{ ...read.get('PROP_7')!, syncHash: 'stale' }]);
    expect((await new TurboTenantPropertyMappings(store).getMany(['PROP_7'])).get('PROP_7')?.syncHash).toBe('b');
    await expect(first.putMany([{ ...read.get('PROP_7')!, dealId: 'D-other', syncHash: 'stale' }])).rejects.toBeInstanceOf(StaleMappingError);
  });
});
