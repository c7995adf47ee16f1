/**
 * The leads table (see `lib/topology.ts`): one item per lead, keyed by `leadId`, with GSIs by
 * email, by HubSpot id and a sparse one (`syncAttention`) holding only leads that are not SYNCED.
 */
import { batchGetAll } from './batch.js';
import {
  PutCommand,
  QueryCommand,
  UpdateCommand,
  GetCommand,
  TransactWriteCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandOutput,
  type DynamoDBDocumentClient,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { ConflictError } from '../core/errors.js';
import { SYNC_STATUSES, type Lead } from '../core/lead.js';
import type { AttentionStatus, CrmLeadChange, LeadStore, LeadSyncResult } from '../core/ports.js';
import type { ContactLeadBatches } from '../core/inbound-contacts.js';
import { mapConcurrent } from '../core/concurrency.js';

const WRITE_CONCURRENCY = 16;
/**
 * PartiQL's IN takes at most 50 partition key values, and answers in pages of up to 10 items
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-operators.html).
 */
const IN_MAX = 50;
/** Statements of one batched lookup in flight at once. */
const LOOKUP_CONCURRENCY = 4;
/** TransactWriteItems takes at most 100 actions (DynamoDB API reference). */
const TRANSACT_MAX = 100;

const LeadItem = z.object({
  leadId: z.string(),
  // Absent once a privacy deletion erased it.
  email: z.string().default(''),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  phone: z.string().optional(),
  message: z.string().optional(),
  source: z.string().optional(),
  externalId: z.string().optional(),
  portalId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  statusChangedAt: z.string(),
  erasedAt: z.string().optional(),
  hubspotId: z.string().optional(),
  formerHubspotId: z.string().optional(),
  syncStatus: z.enum(SYNC_STATUSES),
  syncedAt: z.string().optional(),
  syncError: z.string().optional(),
  syncFailureKind: z.enum(['rejected', 'exhausted']).optional(),
  syncAttempts: z.number().int().nonnegative(),
  lastAttemptAt: z.string().optional(),
  syncedHash: z.string().optional(),
  sourceSystem: z.enum(['platform', 'hubspot', 'manual', 'import']),
  lastSyncDirection: z.enum(['to_crm', 'from_crm']).optional(),
  syncVersion: z.number().int().nonnegative(),
  lastModifiedInCrm: z.string().optional(),
});
type LeadItem = z.infer<typeof LeadItem>;

function toItem(lead: Lead): Omit<LeadItem, 'email'> & { email?: string; syncAttention?: string } {
  const item: Omit<LeadItem, 'email'> & { email?: string; syncAttention?: string } = {
    leadId: lead.leadId,
    // An empty string cannot be a GSI key: an erased lead has no email attribute.
    email: lead.email === '' ? undefined : lead.email,
    firstName: lead.firstName,
    lastName: lead.lastName,
    phone: lead.phone,
    message: lead.message,
    source: lead.source,
    externalId: lead.externalId,
    portalId: lead.portalId,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    statusChangedAt: lead.statusChangedAt,
    erasedAt: lead.erasedAt,
    hubspotId: lead.hubspot.id,
    formerHubspotId: lead.hubspot.formerId,
    syncStatus: lead.hubspot.syncStatus,
    syncedAt: lead.hubspot.syncedAt,
    syncError: lead.hubspot.error,
    syncFailureKind: lead.hubspot.failureKind,
    syncAttempts: lead.hubspot.attempts,
    lastAttemptAt: lead.hubspot.lastAttemptAt,
    syncedHash: lead.hubspot.syncedHash,
    sourceSystem: lead.crmMetadata.sourceSystem,
    lastSyncDirection: lead.crmMetadata.lastSyncDirection,
    syncVersion: lead.crmMetadata.syncVersion,
    lastModifiedInCrm: lead.crmMetadata.lastModifiedInCrm,
  };
  if (lead.hubspot.syncStatus !== 'SYNCED') item.syncAttention = lead.hubspot.syncStatus;
  return item;
}

function fromItem(raw: unknown): Lead {
  const item = LeadItem.parse(raw);
  return {
    leadId: item.leadId,
    email: item.email,
    firstName: item.firstName,
    lastName: item.lastName,
    phone: item.phone,
    message: item.message,
    source: item.source,
    externalId: item.externalId,
    portalId: item.portalId,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    statusChangedAt: item.statusChangedAt,
    erasedAt: item.erasedAt,
    hubspot: {
      id: item.hubspotId,
      formerId: item.formerHubspotId,
      syncStatus: item.syncStatus,
      syncedAt: item.syncedAt,
      error: item.syncError,
      failureKind: item.syncFailureKind,
      attempts: item.syncAttempts,
      lastAttemptAt: item.lastAttemptAt,
      syncedHash: item.syncedHash,
    },
    crmMetadata: {
      sourceSystem: item.sourceSystem,
      lastSyncDirection: item.lastSyncDirection,
      syncVersion: item.syncVersion,
      lastModifiedInCrm: item.lastModifiedInCrm,
    },
  };
}

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  return z.record(z.string(), z.unknown()).parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
}

export class DynamoLeadStore implements LeadStore, ContactLeadBatches {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(lead: Lead): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(lead),
          ConditionExpression: 'attribute_not_exists(leadId)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`lead ${lead.leadId} exists`, 'lead_exists');
      throw error;
    }
  }

  async get(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { leadId }, ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  }

  async getMany(leadIds: readonly string[]): Promise<Map<string, Lead>> {
    const found = new Map<string, Lead>();
    for (const item of await batchGetAll(this.db, this.tableName, [...new Set(leadIds)].map((leadId) => ({ leadId })))) {
      const lead = fromItem(item);
      found.set(lead.leadId, lead);
    }
    return found;
  }

  /** Every page of a query on this table (DynamoDB answers at most 1 MB a page). */
  private async *queryPages(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>) {
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.db.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: start }));
      yield out;
      start = out.LastEvaluatedKey;
    } while (start);
  }

  async findByEmail(email: string): Promise<Lead[]> {
    const leads: Lead[] = [];
    const pages = this.queryPages({
      IndexName: 'byEmail',
      KeyConditionExpression: 'email = :email',
      ExpressionAttributeValues: { ':email': email },
    });
    for await (const page of pages) for (const item of page.Items ?? []) leads.push(fromItem(item));
    return leads;
  }

  /**
   * One TransactWriteItems call per 100 results instead of 100 UpdateItem calls: a batch's
   * outcomes land in one round trip (the transaction is for the round trip, not for atomicity).
   * If the transaction is cancelled (a lead deleted meanwhile, a concurrent write), each result is
   * written on its own, skipping only the deleted leads.
   */
  async recordSyncResults(results: readonly LeadSyncResult[]): Promise<void> {
    for (let i = 0; i < results.length; i += TRANSACT_MAX) {
      const chunk = results.slice(i, i + TRANSACT_MAX);
      if (chunk.length === 1) {
        await this.recordSyncResult(chunk[0]!);
        continue;
      }
      try {
        await this.db.send(
          new TransactWriteCommand({ TransactItems: chunk.map((result) => ({ Update: this.syncUpdate(result) })) }),
        );
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        await mapConcurrent(chunk, WRITE_CONCURRENCY, (result) => this.recordSyncResult(result));
      }
    }
  }

  private async recordSyncResult(result: LeadSyncResult): Promise<void> {
    try {
      await this.db.send(new UpdateCommand(this.syncUpdate(result)));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private syncUpdate(result: LeadSyncResult) {
    const common = {
      TableName: this.tableName,
      Key: { leadId: result.leadId },
      // The lead may have been deleted meanwhile: never resurrect it as a bare item.
      ConditionExpression: 'attribute_exists(leadId)',
    };
    let update: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> };
    switch (result.kind) {
      case 'synced':
        update = {
          UpdateExpression:
            'SET hubspotId = :id, syncStatus = :status, syncedAt = :at, lastAttemptAt = :at, ' +
            'statusChangedAt = :at, syncedHash = :hash, lastSyncDirection = :direction ' +
            'ADD syncAttempts :one, syncVersion :one REMOVE syncError, syncFailureKind, syncAttention',
          ExpressionAttributeValues: {
            ':id': result.hubspotId,
            ':status': 'SYNCED',
            ':at': result.at,
            ':hash': result.hash,
            ':direction': 'to_crm',
            ':one': 1,
          },
        };
        break;
      case 'retrying':
        update = {
          UpdateExpression:
            'SET syncStatus = :status, syncAttention = :status, syncError = :error, lastAttemptAt = :at, ' +
            'statusChangedAt = :at ADD syncAttempts :one REMOVE syncFailureKind',
          ExpressionAttributeValues: { ':status': 'RETRYING', ':error': result.error, ':at': result.at, ':one': 1 },
        };
        break;
      case 'failed':
        update = {
          UpdateExpression:
            'SET syncStatus = :status, syncAttention = :status, syncError = :error, syncFailureKind = :kind, ' +
            'lastAttemptAt = :at, statusChangedAt = :at ADD syncAttempts :one',
          ExpressionAttributeValues: {
            ':status': 'FAILED',
            ':error': result.error,
            ':kind': result.failureKind,
            ':at': result.at,
            ':one': 1,
          },
        };
        break;
    }
    return { ...common, ...update };
  }

  async listByStatus(
    status: AttentionStatus,
    options: { changedBefore?: string; limit?: number; cursor?: string } = {},
  ): Promise<{ leads: Lead[]; cursor?: string }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'bySyncAttention',
        KeyConditionExpression: options.changedBefore
          ? 'syncAttention = :status AND statusChangedAt < :before'
          : 'syncAttention = :status',
        ExpressionAttributeValues: {
          ':status': status,
          ...(options.changedBefore ? { ':before': options.changedBefore } : {}),
        },
        Limit: options.limit,
        ExclusiveStartKey: decodeCursor(options.cursor),
      }),
    );
    return { leads: (out.Items ?? []).map(fromItem), cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  async markPending(leadIds: readonly string[], at: string): Promise<string[]> {
    const marked: string[] = [];
    await mapConcurrent(leadIds, WRITE_CONCURRENCY, async (leadId) => {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { leadId },
            ConditionExpression: 'attribute_exists(leadId)',
            UpdateExpression: 'SET syncStatus = :status, syncAttention = :status, statusChangedAt = :at REMOVE syncFailureKind',
            ExpressionAttributeValues: { ':status': 'PENDING', ':at': at },
          }),
        );
        marked.push(leadId);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
    return marked;
  }

  async countByStatus(): Promise<Record<AttentionStatus, number>> {
    const counts = { PENDING: 0, RETRYING: 0, FAILED: 0, UNLINKED: 0 } satisfies Record<AttentionStatus, number>;
    for (const status of Object.keys(counts) as AttentionStatus[]) {
      const pages = this.queryPages({
        IndexName: 'bySyncAttention',
        KeyConditionExpression: 'syncAttention = :status',
        ExpressionAttributeValues: { ':status': status },
        Select: 'COUNT',
      });
      for await (const page of pages) counts[status] += page.Count ?? 0;
    }
    return counts;
  }

  findByHubSpotIds(ids: readonly string[]): Promise<Map<string, Lead[]>> {
    return this.findAllByEach('byHubSpotId', 'hubspotId', ids);
  }

  findByFormerHubSpotIds(ids: readonly string[]): Promise<Map<string, Lead[]>> {
    return this.findAllByEach('byFormerHubSpotId', 'formerHubspotId', ids);
  }

  findByEmails(emails: readonly string[]): Promise<Map<string, Lead[]>> {
    return this.findAllByEach('byEmail', 'email', emails);
  }

  /**
   * The leads of many index keys at once. GSIs cannot be read with BatchGetItem, and a Query takes
   * one key: a PartiQL SELECT on the index with `key IN [...]` reads up to 50 keys in one request,
   * as a query of each (an equality or IN on the partition key is not a scan,
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.select.html).
   * Needs `dynamodb:PartiQLSelect` on the table and its indexes. Keys with no lead are absent.
   */
  private async findAllByEach(index: string, attribute: string, values: readonly string[]): Promise<Map<string, Lead[]>> {
    const found = new Map<string, Lead[]>();
    const unique = [...new Set(values)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += IN_MAX) chunks.push(unique.slice(i, i + IN_MAX));
    await mapConcurrent(chunks, LOOKUP_CONCURRENCY, async (chunk) => {
      let next: string | undefined;
      do {
        const out: ExecuteStatementCommandOutput = await this.db.send(
          new ExecuteStatementCommand({
            Statement: `SELECT * FROM "${this.tableName}"."${index}" WHERE "${attribute}" IN [${chunk.map(() => '?').join(', ')}]`,
            Parameters: chunk,
            NextToken: next,
          }),
        );
        for (const item of out.Items ?? []) {
          const lead = fromItem(item);
          const key = String(item[attribute]);
          found.set(key, [...(found.get(key) ?? []), lead]);
        }
        next = out.NextToken;
      } while (next);
    });
    return found;
  }

  /**
   * One TransactWriteItems call per 100 new leads, each put only where its id is free. A
   * transaction is all or nothing: when it fails (an id taken, a lead DynamoDB refuses, more than
   * the 4 MB a transaction holds) each lead is put on its own, so only the taken ids and the
   * refused leads are left out.
   */
  async createMany(leads: readonly Lead[]): Promise<{ taken: Set<string>; failed: Map<string, unknown> }> {
    const taken = new Set<string>();
    const failed = new Map<string, unknown>();
    const putOne = async (lead: Lead) => {
      try {
        await this.create(lead);
      } catch (error) {
        if (error instanceof ConflictError && error.code === 'lead_exists') taken.add(lead.leadId);
        else failed.set(lead.leadId, error);
      }
    };
    for (let i = 0; i < leads.length; i += TRANSACT_MAX) {
      const chunk = leads.slice(i, i + TRANSACT_MAX);
      if (chunk.length === 1) {
        await putOne(chunk[0]!);
        continue;
      }
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: chunk.map((lead) => ({ Put: { TableName: this.tableName, Item: toItem(lead), ConditionExpression: 'attribute_not_exists(leadId)' } })),
          }),
        );
      } catch {
        // Nothing of the chunk was written; each lead's own put says which failed and why.
        await mapConcurrent(chunk, WRITE_CONCURRENCY, putOne);
      }
    }
    return { taken, failed };
  }

  findByHubSpotId(hubspotId: string): Promise<Lead[]> {
    return this.findAllBy('byHubSpotId', 'hubspotId', hubspotId);
  }

  findByFormerHubSpotId(hubspotId: string): Promise<Lead[]> {
    return this.findAllBy('byFormerHubSpotId', 'formerHubspotId', hubspotId);
  }

  private async findAllBy(index: string, attribute: string, value: string): Promise<Lead[]> {
    const leads: Lead[] = [];
    const pages = this.queryPages({
      IndexName: index,
      KeyConditionExpression: '#k = :v',
      ExpressionAttributeNames: { '#k': attribute },
      ExpressionAttributeValues: { ':v': value },
    });
    for await (const page of pages) leads.push(...(page.Items ?? []).map(fromItem));
    return leads;
  }

  async applyCrmChange(change: CrmLeadChange): Promise<'applied' | 'stale' | 'missing'> {
    const set: string[] = [
      'hubspotId = :hubspotId',
      'lastModifiedInCrm = :modified',
      'lastSyncDirection = :direction',
      'syncStatus = :synced',
      'syncedHash = :hash',
      'syncedAt = :at',
      'statusChangedAt = :at',
      'updatedAt = :at',
    ];
    // Never onto an erased lead: a privacy deletion is final.
    const notErased = 'attribute_not_exists(erasedAt)';
    const values: Record<string, unknown> = {
      ':hubspotId': change.hubspotId,
      ':modified': change.modifiedInCrm,
      ':direction': 'from_crm',
      ':synced': 'SYNCED',
      ':hash': change.hash,
      ':at': change.at,
      ':one': 1,
    };
    const remove = ['syncAttention', 'syncError', 'syncFailureKind', 'formerHubspotId'];
    for (const field of ['email', 'firstName', 'lastName', 'phone', 'message'] as const) {
      const value = change.fields[field];
      if (value === undefined) {
        if (field !== 'email') remove.push(field);
      } else {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { leadId: change.leadId },
          // Out-of-order deliveries: a change never replaces one HubSpot made later.
          ConditionExpression: `attribute_exists(leadId) AND ${notErased} AND (attribute_not_exists(lastModifiedInCrm) OR lastModifiedInCrm < :modified)`,
          UpdateExpression: `SET ${set.join(', ')} ADD syncVersion :one REMOVE ${remove.join(', ')}`,
          ExpressionAttributeValues: values,
        }),
      );
      return 'applied';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.get(change.leadId)) ? 'stale' : 'missing';
    }
  }

  async unlink(leadId: string, at: string, formerHubSpotId?: string): Promise<void> {
    await this.updateExisting(
      leadId,
      'SET syncStatus = :status, syncAttention = :status, statusChangedAt = :at, lastSyncDirection = :direction' +
        (formerHubSpotId ? ', formerHubspotId = :former ' : ' ') +
        'REMOVE hubspotId, syncedHash, syncError, syncFailureKind',
      { ':status': 'UNLINKED', ':at': at, ':direction': 'from_crm', ...(formerHubSpotId ? { ':former': formerHubSpotId } : {}) },
    );
  }

  async repoint(leadId: string, hubspotId: string, at: string): Promise<void> {
    // The hash is dropped so the survivor's state is applied, not taken for an echo.
    await this.updateExisting(leadId, 'SET hubspotId = :id, statusChangedAt = :at, lastSyncDirection = :direction REMOVE syncedHash, formerHubspotId', {
      ':id': hubspotId,
      ':at': at,
      ':direction': 'from_crm',
    });
  }

  async erase(leadId: string, at: string, formerHubSpotId: string): Promise<void> {
    await this.updateExisting(
      leadId,
      'SET syncStatus = :status, syncAttention = :status, statusChangedAt = :at, updatedAt = :at, erasedAt = :at, lastSyncDirection = :direction, formerHubspotId = :former ' +
        'REMOVE email, firstName, lastName, phone, message, hubspotId, syncedHash, syncError, syncFailureKind',
      { ':status': 'UNLINKED', ':at': at, ':direction': 'from_crm', ':former': formerHubSpotId },
    );
  }

  /** An update of a lead that may have been deleted meanwhile (then nothing happens). */
  private async updateExisting(leadId: string, expression: string, values: Record<string, unknown>): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { leadId },
          ConditionExpression: 'attribute_exists(leadId)',
          UpdateExpression: expression,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
