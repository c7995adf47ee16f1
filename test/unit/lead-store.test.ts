import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lead } from '../../functions/core/lead.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoLeadStore } from '../../functions/store/lead-store.js';
import { storedLead } from './support/fakes.js';

const TABLE = 'test-leads';
const AT = '2025-10-12T12:00:00.000Z';
const ddb = mockClient(DynamoDBDocumentClient);

function store() {
  return new DynamoLeadStore(createDocumentClient(new DynamoDBClient({ region: 'us-east-1' })), TABLE);
}

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** The item `create` writes for a lead: what DynamoDB would hand back on a read. */
async function itemOf(lead: Lead): Promise<Record<string, unknown>> {
  ddb.on(PutCommand).resolves({});
  await store().create(lead);
  const item = ddb.commandCalls(PutCommand).at(-1)!.args[0].input.Item!;
  ddb.resetHistory();
  return JSON.parse(JSON.stringify(item)) as Record<string, unknown>;
}

const ana = storedLead('lead-ana', { email: 'ana@example.com', firstName: 'Ana', phone: '+341234567', source: 'web_form' });
const syncedBo = storedLead('lead-bo', { email: 'bo@example.com' }, { hubspot: { syncStatus: 'SYNCED', id: '501', attempts: 1, syncedHash: 'h1', syncedAt: AT } });

beforeEach(() => {
  ddb.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('DynamoLeadStore', () => {
  it('creates a lead only if its id is free, listed for attention while not SYNCED', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});

    // Act
    await store().create(ana);

    // Assess
    const input = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input.TableName).toBe(TABLE);
    expect(input.ConditionExpression).toBe('attribute_not_exists(leadId)');
    expect(input.Item).toMatchObject({ leadId: 'lead-ana', email: 'ana@example.com', syncStatus: 'PENDING', syncAttention: 'PENDING', syncAttempts: 0 });
  });

  it('refuses to create over an existing lead, with a ConflictError the core can tell apart', async () => {
    // Prepare
    ddb.on(PutCommand).rejects(conditionFailed());

    // Act
    const attempt = store().create(ana);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ConflictError', code: 'lead_exists' });
  });

  it('reads back exactly the lead it stored', async () => {
    // Prepare
    const item = await itemOf(syncedBo);
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { TableName: TABLE, Key: { leadId: 'lead-bo' } }).resolves({ Item: item });

    // Act
    const lead = await store().get('lead-bo');
    const missing = await store().get('lead-nobody');

    // Assess
    expect(lead).toEqual(syncedBo);
    expect(missing).toBeUndefined();
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it('asks BatchGetItem again for the keys it left unprocessed', async () => {
    // Prepare
    vi.useFakeTimers();
    const [anaItem, boItem] = [await itemOf(ana), await itemOf(syncedBo)];
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [anaItem] }, UnprocessedKeys: { [TABLE]: { Keys: [{ leadId: 'lead-bo' }] } } })
      .resolvesOnce({ Responses: { [TABLE]: [boItem] } });

    // Act
    const pending = store().getMany(['lead-ana', 'lead-bo', 'lead-gone']);
    await vi.runAllTimersAsync();
    const found = await pending;

    // Assess
    expect([...found.keys()].sort()).toEqual(['lead-ana', 'lead-bo']);
    expect(found.get('lead-bo')).toEqual(syncedBo);
    const calls = ddb.commandCalls(BatchGetCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.RequestItems![TABLE]!.Keys).toEqual([{ leadId: 'lead-bo' }]);
  });

  it('reads more than 100 leads in BatchGetItem calls of at most 100 keys', async () => {
    // Prepare
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    const ids = Array.from({ length: 250 }, (_, i) => `lead-${i}`);

    // Act
    await store().getMany(ids);

    // Assess
    const sizes = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems![TABLE]!.Keys!.length);
    expect(sizes.every((n) => n <= 100)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(250);
  });

  it('finds leads by email through the email index, across pages', async () => {
    // Prepare
    const item = await itemOf(ana);
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item], LastEvaluatedKey: { leadId: 'lead-ana', email: 'ana@example.com' } })
      .resolvesOnce({ Items: [{ ...item, leadId: 'lead-ana-2' }] });

    // Act
    const leads = await store().findByEmail('ana@example.com');

    // Assess
    expect(leads.map((l) => l.leadId)).toEqual(['lead-ana', 'lead-ana-2']);
    const first = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(first).toMatchObject({ IndexName: 'byEmail', ExpressionAttributeValues: { ':email': 'ana@example.com' } });
    expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({ leadId: 'lead-ana', email: 'ana@example.com' });
  });

  describe('recordSyncResults', () => {
    it('SYNCED sets the contact id and hash and removes the lead from the attention index', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({});

      // Act
      await store().recordSyncResults([{ kind: 'synced', leadId: 'lead-ana', hubspotId: '501', hash: 'h1', created: true, at: AT }]);

      // Assess
      const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(input.Key).toEqual({ leadId: 'lead-ana' });
      expect(input.ConditionExpression).toBe('attribute_exists(leadId)');
      expect(input.UpdateExpression).toMatch(/REMOVE[^]*\bsyncAttention\b/);
      expect(input.UpdateExpression).toMatch(/REMOVE[^]*\bsyncError\b/);
      expect(Object.values(input.ExpressionAttributeValues ?? {})).toEqual(expect.arrayContaining(['501', 'SYNCED', 'h1', AT]));
      expect(input.UpdateExpression).toMatch(/ADD[^]*syncAttempts/);
    });

    it.each([
      ['RETRYING', { kind: 'retrying', leadId: 'lead-ana', error: 'HubSpot 502', at: AT }],
      ['FAILED', { kind: 'failed', leadId: 'lead-ana', error: 'HubSpot 400', failureKind: 'exhausted', at: AT }],
    ] as const)('%s sets the status, the error and the attention index', async (status, result) => {
      // Prepare
      ddb.on(UpdateCommand).resolves({});

      // Act
      await store().recordSyncResults([result]);

      // Assess
      const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(input.ConditionExpression).toBe('attribute_exists(leadId)');
      const values = input.ExpressionAttributeValues ?? {};
      const placeholder = Object.keys(values).find((k) => values[k] === status);
      expect(placeholder).toBeDefined();
      expect(input.UpdateExpression).toContain(`syncAttention = ${placeholder}`);
      expect(input.UpdateExpression).toContain(`syncStatus = ${placeholder}`);
      expect(Object.values(values)).toContain(result.error);
      expect(input.UpdateExpression).not.toMatch(/REMOVE[^]*syncAttention/);
    });

    it('records why a lead FAILED (rejected or exhausted)', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({});

      // Act
      await store().recordSyncResults([{ kind: 'failed', leadId: 'lead-ana', error: 'bad phone', failureKind: 'rejected', at: AT }]);

      // Assess
      const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
      const values = input.ExpressionAttributeValues ?? {};
      const placeholder = Object.keys(values).find((k) => values[k] === 'rejected');
      expect(input.UpdateExpression).toContain(`syncFailureKind = ${placeholder}`);
    });

    it('writes a batch of outcomes in one transaction, each conditional on the lead still existing', async () => {
      // Prepare
      ddb.on(TransactWriteCommand).resolves({});
      const results = Array.from({ length: 150 }, (_, i) => ({ kind: 'retrying' as const, leadId: `lead-${i}`, error: 'x', at: AT }));

      // Act
      await store().recordSyncResults(results);

      // Assess: 100 is TransactWriteItems' limit, so 150 outcomes take two calls and no single updates.
      const calls = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
      expect(calls.map((items) => items.length)).toEqual([100, 50]);
      expect(calls.flat().every((item) => item.Update?.ConditionExpression === 'attribute_exists(leadId)')).toBe(true);
      expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('ignores a lead deleted meanwhile and still writes the others', async () => {
      // Prepare: the transaction is cancelled because one lead is gone; each is then written alone.
      ddb.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'cancelled', $metadata: {} }));
      ddb.on(UpdateCommand).resolves({});
      ddb.on(UpdateCommand, { Key: { leadId: 'lead-gone' } }).rejects(conditionFailed());

      // Act
      const writing = store().recordSyncResults([
        { kind: 'retrying', leadId: 'lead-gone', error: 'x', at: AT },
        { kind: 'retrying', leadId: 'lead-ana', error: 'x', at: AT },
      ]);

      // Assess
      await expect(writing).resolves.toBeUndefined();
      expect(ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key)).toEqual(
        expect.arrayContaining([{ leadId: 'lead-gone' }, { leadId: 'lead-ana' }]),
      );
    });

    it('does not swallow other DynamoDB failures', async () => {
      // Prepare
      ddb.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceeded'));

      // Act
      const writing = store().recordSyncResults([{ kind: 'retrying', leadId: 'lead-ana', error: 'x', at: AT }]);

      // Assess
      await expect(writing).rejects.toThrow('ProvisionedThroughputExceeded');
    });
  });

  describe('listByStatus', () => {
    it('queries the attention index for one status, older than a time, and round-trips the cursor', async () => {
      // Prepare
      const item = await itemOf(ana);
      const lastKey = { leadId: 'lead-ana', syncAttention: 'PENDING', statusChangedAt: item.statusChangedAt };
      ddb.on(QueryCommand).resolvesOnce({ Items: [item], LastEvaluatedKey: lastKey }).resolvesOnce({ Items: [] });
      const leads = store();

      // Act
      const first = await leads.listByStatus('PENDING', { changedBefore: AT, limit: 50 });
      const second = await leads.listByStatus('PENDING', { changedBefore: AT, limit: 50, cursor: first.cursor });

      // Assess
      expect(first.leads).toEqual([ana]);
      expect(typeof first.cursor).toBe('string');
      expect(second.cursor).toBeUndefined();
      const [q1, q2] = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(q1).toMatchObject({ IndexName: 'bySyncAttention', Limit: 50 });
      expect(Object.values(q1!.ExpressionAttributeValues ?? {})).toEqual(expect.arrayContaining(['PENDING', AT]));
      expect(q1!.KeyConditionExpression).toMatch(/statusChangedAt\s*</);
      expect(q1!.ExclusiveStartKey).toBeUndefined();
      expect(q2!.ExclusiveStartKey).toEqual(lastKey);
    });

    it('lists every lead of a status when no time is given', async () => {
      // Prepare
      ddb.on(QueryCommand).resolves({ Items: [] });

      // Act
      await store().listByStatus('FAILED');

      // Assess
      const input = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
      expect(input.KeyConditionExpression).not.toMatch(/statusChangedAt/);
      expect(Object.values(input.ExpressionAttributeValues ?? {})).toEqual(['FAILED']);
    });
  });

  it('markPending puts leads back to PENDING and returns only those that still exist', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { leadId: 'lead-gone' } }).rejects(conditionFailed());

    // Act
    const marked = await store().markPending(['lead-ana', 'lead-gone', 'lead-bo'], AT);

    // Assess
    expect(marked.sort()).toEqual(['lead-ana', 'lead-bo']);
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toBe('attribute_exists(leadId)');
    const values = input.ExpressionAttributeValues ?? {};
    const placeholder = Object.keys(values).find((k) => values[k] === 'PENDING');
    expect(input.UpdateExpression).toContain(`syncAttention = ${placeholder}`);
    expect(input.UpdateExpression).toContain(`syncStatus = ${placeholder}`);
  });

  it('counts waiting leads per status across pages', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Count: 0 });
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':status': 'FAILED' } })
      .resolvesOnce({ Count: 3, LastEvaluatedKey: { leadId: 'x' } })
      .resolvesOnce({ Count: 2 });

    // Act
    const counts = await store().countByStatus();

    // Assess
    expect(counts).toEqual({ PENDING: 0, RETRYING: 0, FAILED: 5, UNLINKED: 0 });
  });
});
