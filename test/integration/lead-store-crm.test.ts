/**
 * The lead store's HubSpot-side writes against DynamoDB Local: the conditional write that keeps
 * out-of-order changes from going backwards, the HubSpot id index, unlinking (keeping the former
 * contact id), repointing after a merge, and erasing after a privacy deletion.
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
    const [lead] = await store.findByHubSpotId('501');
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
    expect(await store.findByHubSpotId('777')).toEqual([]);
    expect(await store.get('lead-crm-2')).toMatchObject({ hubspot: { syncStatus: 'UNLINKED', id: undefined } });
    expect((await store.listByStatus('UNLINKED')).leads.map((l) => l.leadId)).toContain('lead-crm-2');
  });

  it('unlinks with the former contact id kept aside, found by it until a change relinks the lead', async () => {
    // Prepare
    await store.create(newLead({ email: 'former@example.com' }, 'lead-crm-3', new Date('2025-10-12T10:00:00Z')));
    await store.applyCrmChange({ ...change('lead-crm-3', 'Former', '2025-10-12T12:00:00.000Z'), hubspotId: '801', fields: { email: 'former@example.com' } });
    // Act
    await store.unlink('lead-crm-3', '2025-10-12T14:00:00.000Z', '801');
    // Assess
    expect(await store.findByHubSpotId('801')).toEqual([]);
    expect((await store.findByFormerHubSpotId('801'))[0]).toMatchObject({ leadId: 'lead-crm-3', hubspot: { syncStatus: 'UNLINKED', id: undefined, formerId: '801' } });
    // The restored contact's state relinks the lead and the former id is dropped.
    const relinked = await store.applyCrmChange({ ...change('lead-crm-3', 'Former', '2025-10-12T15:00:00.000Z'), hubspotId: '801', fields: { email: 'former@example.com' } });
    expect(relinked).toBe('applied');
    expect(await store.findByFormerHubSpotId('801')).toEqual([]);
    expect((await store.findByHubSpotId('801'))[0]).toMatchObject({ leadId: 'lead-crm-3', hubspot: { syncStatus: 'SYNCED', formerId: undefined } });
  });

  it('repoints a lead to the contact that survived a merge', async () => {
    // Prepare
    await store.create(newLead({ email: 'merged@example.com' }, 'lead-crm-4', new Date('2025-10-12T10:00:00Z')));
    await store.applyCrmChange({ ...change('lead-crm-4', 'Merged', '2025-10-12T12:00:00.000Z'), hubspotId: '802', fields: { email: 'merged@example.com' } });
    // Act
    await store.repoint('lead-crm-4', '803', '2025-10-12T14:00:00.000Z');
    // Assess
    expect(await store.findByHubSpotId('802')).toEqual([]);
    const [lead] = await store.findByHubSpotId('803');
    expect(lead).toMatchObject({ leadId: 'lead-crm-4', email: 'merged@example.com', statusChangedAt: '2025-10-12T14:00:00.000Z' });
    // Dropped, so the survivor's state is applied rather than taken for an echo.
    expect(lead?.hubspot.syncedHash).toBeUndefined();
  });

  it('erases the person\'s data and keeps the lead, which no later change from HubSpot fills again', async () => {
    // Prepare
    const created = new Date('2025-10-12T10:00:00Z');
    await store.create(
      newLead({ email: 'erase@example.com', firstName: 'Eva', lastName: 'Sanz', phone: '+34600', message: 'Call me', source: 'landing' }, 'lead-crm-5', created),
    );
    await store.applyCrmChange({
      ...change('lead-crm-5', 'Eva', '2025-10-12T12:00:00.000Z'),
      hubspotId: '804',
      fields: { email: 'erase@example.com', firstName: 'Eva', lastName: 'Sanz', phone: '+34600', message: 'Call me' },
    });
    // Act
    await store.erase('lead-crm-5', '2025-10-12T14:00:00.000Z', '804');
    // Assess
    const erased = await store.get('lead-crm-5');
    expect(erased).toMatchObject({
      leadId: 'lead-crm-5',
      email: '',
      source: 'landing',
      createdAt: created.toISOString(),
      erasedAt: '2025-10-12T14:00:00.000Z',
      hubspot: { syncStatus: 'UNLINKED' },
    });
    expect([erased?.firstName, erased?.lastName, erased?.phone, erased?.message, erased?.hubspot.id]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(await store.findByEmail('erase@example.com')).toEqual([]);
    expect(await store.findByHubSpotId('804')).toEqual([]);
    expect((await store.listByStatus('UNLINKED')).leads.map((l) => l.leadId)).toContain('lead-crm-5');
    // A later change (newer than anything applied) is refused and writes nothing back.
    const later = await store.applyCrmChange({
      ...change('lead-crm-5', 'Eva', '2025-10-12T16:00:00.000Z'),
      hubspotId: '804',
      fields: { email: 'erase@example.com', firstName: 'Eva', phone: '+34600' },
    });
    expect(later).toBe('stale');
    const after = await store.get('lead-crm-5');
    expect(after).toMatchObject({ email: '', hubspot: { syncStatus: 'UNLINKED' } });
    expect([after?.firstName, after?.phone, after?.hubspot.id]).toEqual([undefined, undefined, undefined]);
    expect(await store.findByEmail('erase@example.com')).toEqual([]);
  });

  it('erases a lead already unlinked by a deletion, and keeps only the contact id so later events find it', async () => {
    // Prepare
    await store.create(newLead({ email: 'unlinked-erase@example.com', firstName: 'Uma' }, 'lead-crm-6', new Date('2025-10-12T10:00:00Z')));
    await store.applyCrmChange({ ...change('lead-crm-6', 'Uma', '2025-10-12T12:00:00.000Z'), hubspotId: '805', fields: { email: 'unlinked-erase@example.com', firstName: 'Uma' } });
    await store.unlink('lead-crm-6', '2025-10-12T13:00:00.000Z', '805');
    // Act
    await store.erase('lead-crm-6', '2025-10-12T14:00:00.000Z', '805');
    // Assess
    expect((await store.findByFormerHubSpotId('805'))[0]?.leadId).toBe('lead-crm-6');
    expect(await store.get('lead-crm-6')).toMatchObject({ email: '', firstName: undefined, erasedAt: '2025-10-12T14:00:00.000Z' });
  });
});

describe('DynamoLeadStore, batched for a read of contacts (issue 14 §2)', () => {
  const linkedLead = (leadId: string, email: string, hubspotId: string) => {
    const lead = newLead({ email }, leadId, new Date('2025-10-12T10:00:00Z'));
    return { ...lead, hubspot: { ...lead.hubspot, id: hubspotId, syncStatus: 'SYNCED' as const } };
  };

  it('finds the leads of 120 contacts by HubSpot id, several per contact, in one call', async () => {
    // Prepare: contacts b-0..b-119, two leads each for the first 30 (more than a page of 10 items).
    const ids = Array.from({ length: 120 }, (_, i) => `b-${i}`);
    for (const [i, id] of ids.entries()) {
      await store.create(linkedLead(`lead-b${i}`, `b${i}@example.com`, id));
      if (i < 30) await store.create(linkedLead(`lead-b${i}-2`, `b${i}.2@example.com`, id));
    }

    // Act
    const found = await store.findByHubSpotIds([...ids, 'b-none', 'b-0']);

    // Assess
    expect(found.size).toBe(120);
    expect(found.has('b-none')).toBe(false);
    expect(found.get('b-0')!.map((l) => l.leadId).sort()).toEqual(['lead-b0', 'lead-b0-2']);
    expect(found.get('b-119')!.map((l) => l.leadId)).toEqual(['lead-b119']);
  });

  it('finds leads by email and by former HubSpot id the same way', async () => {
    // Prepare
    await store.create(linkedLead('lead-e1', 'e1@example.com', 'e-1'));
    await store.create(linkedLead('lead-e2', 'e2@example.com', 'e-2'));
    await store.unlink('lead-e2', '2025-10-12T13:00:00.000Z', 'e-2');

    // Act
    const byEmail = await store.findByEmails(['e1@example.com', 'e2@example.com', 'nobody@example.com']);
    const byFormer = await store.findByFormerHubSpotIds(['e-1', 'e-2']);

    // Assess
    expect([...byEmail.keys()].sort()).toEqual(['e1@example.com', 'e2@example.com']);
    expect([...byFormer.keys()]).toEqual(['e-2']);
    expect(byFormer.get('e-2')![0]).toMatchObject({ leadId: 'lead-e2', hubspot: { syncStatus: 'UNLINKED', formerId: 'e-2' } });
  });

  it('creates new leads together, leaving out those whose id is taken and answering them', async () => {
    // Prepare
    await store.create(linkedLead('lead-c1', 'c1@example.com', 'c-1'));
    const leads = [linkedLead('lead-c1', 'other@example.com', 'c-9'), linkedLead('lead-c2', 'c2@example.com', 'c-2'), linkedLead('lead-c3', 'c3@example.com', 'c-3')];

    // Act
    const { taken, failed } = await store.createMany(leads);

    // Assess
    expect([...taken]).toEqual(['lead-c1']);
    expect(failed.size).toBe(0);
    expect((await store.get('lead-c1'))!.email).toBe('c1@example.com');
    expect((await store.getMany(['lead-c2', 'lead-c3'])).size).toBe(2);
  });
});
