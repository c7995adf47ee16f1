/**
 * TurboTenant event confirmations on DynamoDB Local: pending when accepted, the same event id
 * accepted again without a second record, settled once (a redelivery cannot overwrite it), and
 * shown as seed 000's confirmation; and the sync cursors, which only move forward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoCursors } from '../../functions/store/cursors.js';
import { confirmationView, DynamoEventConfirmations } from '../../functions/store/event-confirmations.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

const NOW = new Date();
let dynamo: DynamoDbLocal;
let confirmations: DynamoEventConfirmations;
let cursors: DynamoCursors;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  const client = localDynamoDbClient(dynamo.endpoint);
  const tables = await createTables(client, topologyFor('local').tables);
  // A clock near the real one: records carry a TTL, and DynamoDB Local deletes expired ones.
  confirmations = new DynamoEventConfirmations(createDocumentClient(client), tables['sync-state']!, () => NOW);
  cursors = new DynamoCursors(createDocumentClient(client), tables['sync-state']!);
});

afterAll(async () => {
  await dynamo?.close();
});

describe('DynamoEventConfirmations', () => {
  it('accepts an event once, shows it pending, then the seed\'s success confirmation', async () => {
    expect(await confirmations.accept('evt_01')).toBe('new');
    expect(await confirmations.accept('evt_01')).toBe('known');
    expect(confirmationView((await confirmations.get('evt_01'))!)).toEqual({ status: 'pending', event_id: 'evt_01' });

    await confirmations.record(new Map([['evt_01', { status: 'success', hubspotContactId: '501', hubspotDealId: 'D1', propertyId: 'PROP_1001', syncedAt: '2025-10-12T21:53:05Z' } as const]]));

    expect(confirmationView((await confirmations.get('evt_01'))!)).toEqual({
      status: 'success',
      hubspot_contact_id: '501',
      hubspot_deal_id: 'D1',
      property_id: 'PROP_1001',
      synced_at: '2025-10-12T21:53:05Z',
    });
    expect(await confirmations.settled(['evt_01', 'evt_02'])).toEqual(new Set(['evt_01']));
  });

  it('never settles an event twice: a redelivery\'s later result leaves the first one', async () => {
    await confirmations.accept('evt_03');
    await confirmations.record(new Map([['evt_03', { status: 'error', message: 'Missing property ID PROP_9' } as const]]));
    await confirmations.record(new Map([['evt_03', { status: 'success', hubspotContactId: '1', hubspotDealId: '2', propertyId: 'PROP_9', syncedAt: 'x' } as const]]));
    expect(confirmationView((await confirmations.get('evt_03'))!)).toEqual({ status: 'error', message: 'Missing property ID PROP_9' });
  });

  it('lets a redrive settle an event whose retries ran out (a parked error), then keeps that', async () => {
    await confirmations.accept('evt_05');
    await confirmations.record(new Map([['evt_05', { status: 'error', message: 'Retries exhausted after 8 attempts: TurboTenant 503', parked: true } as const]]));
    expect(confirmationView((await confirmations.get('evt_05'))!)).toEqual({ status: 'error', message: 'Retries exhausted after 8 attempts: TurboTenant 503' });
    expect(await confirmations.settled(['evt_05'])).toEqual(new Set());
    await confirmations.record(new Map([['evt_05', { status: 'success', hubspotContactId: '7', hubspotDealId: 'D7', propertyId: 'PROP_7', syncedAt: 'y' } as const]]));
    expect(await confirmations.get('evt_05')).toMatchObject({ status: 'success', hubspotDealId: 'D7' });
    expect(await confirmations.settled(['evt_05'])).toEqual(new Set(['evt_05']));
  });

  it('settles an event whose pending record is missing into a whole record', async () => {
    await confirmations.record(new Map([['evt_04', { status: 'error', message: 'Missing landlord ID LL_4' } as const]]));
    expect(await confirmations.get('evt_04')).toMatchObject({ eventId: 'evt_04', status: 'error', acceptedAt: NOW.toISOString() });
    expect(await confirmations.get('evt_404')).toBeUndefined();
  });
});

describe('DynamoCursors', () => {
  it('keeps a cursor per name and only moves it forward', async () => {
    expect(await cursors.get('turbotenant-properties')).toBeUndefined();
    await cursors.set('turbotenant-properties', '2025-10-12T22:00:00.000Z');
    await cursors.set('turbotenant-properties', '2025-10-12T21:45:00.000Z');
    expect(await cursors.get('turbotenant-properties')).toBe('2025-10-12T22:00:00.000Z');
    await cursors.set('turbotenant-properties', '2025-10-12T22:15:00.000Z');
    expect(await cursors.get('turbotenant-properties')).toBe('2025-10-12T22:15:00.000Z');
    expect(await cursors.get('other')).toBeUndefined();
  });
});
