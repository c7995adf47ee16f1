import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

const topology = topologyFor('local');

describe('DynamoDB Local from the topology', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddb-local-'));
  let memory: DynamoDbLocal;
  let disk: DynamoDbLocal;
  let client: DynamoDBClient;

  beforeAll(async () => {
    [memory, disk] = await Promise.all([startDynamoDbLocal({ dataDir: null }), startDynamoDbLocal({ dataDir: dir })]);
    client = localDynamoDbClient(memory.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await Promise.all([memory?.close(), disk?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates every table with its keys, indexes and TTL', async () => {
    const names = await createTables(client, topology.tables, 'test-');
    expect(names).toEqual({ leads: 'test-leads', 'sync-state': 'test-sync-state', mappings: 'test-mappings', idempotency: 'test-idempotency' });

    for (const spec of topology.tables) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: names[spec.id] }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: spec.partitionKey.name, KeyType: 'HASH' },
        ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: 'RANGE' }] : []),
      ]);
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((gsi) => ({
        name: gsi.IndexName,
        keys: gsi.KeySchema?.map((k) => `${k.KeyType}:${k.AttributeName}`),
        projection: gsi.Projection?.ProjectionType,
      }));
      expect(indexes.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
        spec.indexes
          .map((index) => ({
            name: index.name,
            keys: [`HASH:${index.partitionKey.name}`, ...(index.sortKey ? [`RANGE:${index.sortKey.name}`] : [])],
            projection: 'ALL',
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names[spec.id] }));
      if (spec.ttlAttribute) {
        expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: spec.ttlAttribute });
      } else {
        expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
      }
    }
  });

  it('answers queries on a GSI with the full item (projection ALL)', async () => {
    const names = await createTables(client, topology.tables, 'test-');
    await client.send(
      new PutItemCommand({
        TableName: names.leads,
        Item: { leadId: { S: 'l1' }, email: { S: 'ana@example.com' }, createdAt: { S: '2025-01-01' }, firstName: { S: 'Ana' } },
      }),
    );
    const out = await client.send(
      new QueryCommand({
        TableName: names.leads,
        IndexName: 'byEmail',
        KeyConditionExpression: 'email = :e',
        ExpressionAttributeValues: { ':e': { S: 'ana@example.com' } },
      }),
    );
    expect(out.Items).toEqual([expect.objectContaining({ leadId: { S: 'l1' }, firstName: { S: 'Ana' } })]);
  });

  it('running createTables again changes nothing and keeps the data', async () => {
    const first = await createTables(client, topology.tables, 'again-');
    await client.send(new PutItemCommand({ TableName: first.leads, Item: { leadId: { S: 'kept' } } }));
    const second = await createTables(client, topology.tables, 'again-');
    expect(second).toEqual(first);
    const item = await client.send(new GetItemCommand({ TableName: first.leads, Key: { leadId: { S: 'kept' } } }));
    expect(item.Item).toEqual({ leadId: { S: 'kept' } });
  });

  it('keeps tables and items in dataDir across a restart; in memory, a restart starts empty', async () => {
    const diskClient = localDynamoDbClient(disk.endpoint);
    const names = await createTables(diskClient, topology.tables);
    await diskClient.send(new PutItemCommand({ TableName: names.leads, Item: { leadId: { S: 'persisted' } } }));
    diskClient.destroy();
    expect((await client.send(new ListTablesCommand({}))).TableNames?.length).toBeGreaterThan(0);

    client.destroy();
    await Promise.all([memory.close(), disk.close()]);
    expect(readdirSync(dir).some((f) => f.endsWith('.db'))).toBe(true);
    [memory, disk] = await Promise.all([startDynamoDbLocal({ dataDir: null }), startDynamoDbLocal({ dataDir: dir })]);
    client = localDynamoDbClient(memory.endpoint);

    const reopened = localDynamoDbClient(disk.endpoint);
    const item = await reopened.send(new GetItemCommand({ TableName: names.leads, Key: { leadId: { S: 'persisted' } } }));
    expect(item.Item).toEqual({ leadId: { S: 'persisted' } });
    reopened.destroy();
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  });
});
