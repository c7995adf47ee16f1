/**
 * The lead store's HubSpot-side writes against DynamoDB Local: the conditional write that keeps
 * out-of-order changes from going backwards, the HubSpot id index, and unlinking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newLead } from '../../functions/core/lead.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoLeadStore } from '../../functions/store/lead-store.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

let dynamo: DynamoDbLocal;
let store: DynamoLeadStore;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  const client = localDynamoDbClient(dynamo.endpoint);
  const tables = await createTables(client, topologyFor('local').tables);
  store = new DynamoLeadStore(createDocumentClient(client), tables.leads);
});

afterAll(async () => {
  await dynamo?.close();
});

const change = (leadId: string, firstName: string, modifiedInCrm: string) => ({
  leadId,
  hubspotId: '501',
  fields: { email: 'ana@example.com', firstName },
  modifiedInCrm,
  hash: `hash-${firstName}`,
  at: '2025-10-12T13:00:00.000Z',
});

describe('DynamoLeadStore, changes from HubSpot', () => {
  it('applies a change, refuses an older one, and finds the lead by its HubSpot id', async () => {
    // Prepare
    await store.create(newLead({ email: 'ana@example.com', firstName: 'Ana', phone: '+34' }, 'lead-crm-1', new Date('2025-10-12T10:00:00Z')));
    // Act
    const first = await store.applyCrmChange(change('lead-crm-1', 'Anabel', '2025-10-12T12:10:00.000Z'));
    const older = await store.applyCrmChange(change('lead-crm-1', 'Older', '2025-10-12T12:05:00.000Z'));
    const same = await store.applyCrmChange(change('lead-crm-1', 'Same time', '2025-10-12T12:10:00.000Z'));
    // Assess
    expect([first, older, same]).toEqual(['applied', 'stale', 'stale']);
    const lead = await store.findByHubSpotId('501');
    expect(lead).toMatchObject({
      leadId: 'lead-crm-1',
      firstName: 'Anabel',
      hubspot: { id: '501', syncStatus: 'SYNCED', syncedHash: 'hash-Anabel' },
      crmMetadata: { lastSyncDirection: 'from_crm', lastModifiedInCrm: '2025-10-12T12:10:00.000Z', syncVersion: 1 },
    });
    // A field cleared in HubSpot is cleared on the lead.
    expect(lead?.phone).toBeUndefined();
  });

  it('answers missing for a lead that does not exist, and creates nothing', async () => {
    expect(await store.applyCrmChange(change('lead-nope', 'X', '2025-10-12T12:00:00.000Z'))).toBe('missing');
    expect(await store.get('lead-nope')).toBeUndefined();
  });

  it('unlinks: UNLINKED, HubSpot id cleared, lead kept and listed', async () => {
    await store.create(newLead({ email: 'gone@example.com' }, 'lead-crm-2', new Date('2025-10-12T10:00:00Z')));
    await store.applyCrmChange({ ...change('lead-crm-2', 'Gone', '2025-10-12T12:00:00.000Z'), hubspotId: '777', fields: { email: 'gone@example.com' } });
    await store.unlink('lead-crm-2', '2025-10-12T14:00:00.000Z');
    expect(await store.findByHubSpotId('777')).toBeUndefined();
    expect(await store.get('lead-crm-2')).toMatchObject({ hubspot: { syncStatus: 'UNLINKED', id: undefined } });
    expect((await store.listByStatus('UNLINKED')).leads.map((l) => l.leadId)).toContain('lead-crm-2');
  });
});
