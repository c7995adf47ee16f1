/**
 * HubSpot webhook bookkeeping in DynamoDB:
 * - one record per settled event in the idempotency table (`hubspot-event#<key>`, with a TTL of
 *   five days: HubSpot retries a delivery for up to 24 hours), so a re-sent or re-delivered event
 *   has one effect and is counted once; an event parked in the DLQ has a FAILED record, which
 *   its later settlement replaces (moving its count from failed to its outcome);
 * - the statistics of `GET /integrations/hubspot/webhook-status` in the sync-state table, spread
 *   over a few shard items so concurrent consumers do not contend for one item, summed on read.
 *
 * An event's record and its count are written in one transaction: a count is never lost to a crash
 * between the two, nor made twice by two consumers settling the same event.
 */
import { batchGetAll } from './batch.js';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventOutcome } from '../core/inbound-contacts.js';
import type { WebhookLedger, WebhookStats, WebhookTotals } from '../core/ports.js';

const STATS_PK = 'webhook-stats#hubspot';
const SHARDS = 8;
/** Longer than HubSpot's 24 hours of retries and a message's 4 days in the queue. */
export const EVENT_RECORD_TTL_SECONDS = 5 * 24 * 3600;
/** A parked event's record must outlive its message's 14 days in the DLQ, so a late redrive still finds it. */
export const PARKED_RECORD_TTL_SECONDS = 15 * 24 * 3600;
const LAST_RECEIVED_SK = 'last-received';
/** TransactWriteItems takes at most 100 actions; one of them is the statistics update. */
const EVENTS_PER_TRANSACTION = 99;
const MAX_ROUNDS = 6;

const EVENT_PREFIX = 'hubspot-event#';
const eventRecordId = (key: string) => `${EVENT_PREFIX}${key}`;
type RecordStatus = 'COMPLETED' | 'FAILED';
interface PlannedRecord {
  readonly key: string;
  readonly status: RecordStatus;
  readonly outcome: string;
  readonly replacesFailed: boolean;
}
/** Counter attribute names: fixed words, and skip reasons, which are the core's own identifiers. */
const skippedAttribute = (reason: string) => `skipped_${reason.replace(/[^a-z0-9_]/gi, '_')}`;

export interface WebhookLedgerTables {
  /** Needed to dedupe and settle events; the status route only reads statistics. */
  readonly idempotencyTable?: string;
  readonly syncStateTable: string;
}

export class DynamoWebhookLedger implements WebhookLedger, WebhookStats {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: WebhookLedgerTables,
    private readonly options: { now?: () => Date; random?: () => number } = {},
  ) {}

  private get eventTable(): string {
    if (!this.tables.idempotencyTable) throw new Error('The webhook ledger needs the idempotency table to dedupe events');
    return this.tables.idempotencyTable;
  }

  private shardKey() {
    return { pk: STATS_PK, sk: `shard#${Math.floor((this.options.random ?? Math.random)() * SHARDS)}` };
  }

  private nowSeconds(): number {
    return Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
  }

  async seen(keys: readonly string[]): Promise<Set<string>> {
    const statuses = await this.statuses(keys);
    return new Set([...statuses].filter(([, status]) => status === 'COMPLETED').map(([key]) => key));
  }

  /** The live (unexpired) record of each key that has one: COMPLETED (settled) or FAILED (parked). */
  private async statuses(keys: readonly string[]): Promise<Map<string, RecordStatus>> {
    const found = new Map<string, RecordStatus>();
    const items = await batchGetAll(
      this.db,
      this.eventTable,
      [...new Set(keys)].map((key) => ({ id: eventRecordId(key) })),
      { projection: { expression: '#i, #e, #s', names: { '#i': 'id', '#e': 'expiration', '#s': 'status' } } },
    );
    for (const item of items) {
      // TTL deletion lags; an expired record no longer counts.
      if (typeof item.expiration === 'number' && item.expiration < this.nowSeconds()) continue;
      found.set(String(item.id).slice(EVENT_PREFIX.length), item.status === 'FAILED' ? 'FAILED' : 'COMPLETED');
    }
    return found;
  }

  async settle(outcomes: ReadonlyMap<string, EventOutcome>, receivedAt?: string): Promise<void> {
    const entries = [...outcomes.entries()];
    for (let i = 0; i < entries.length; i += EVENTS_PER_TRANSACTION) {
      const chunk = entries.slice(i, i + EVENTS_PER_TRANSACTION);
      await this.writeOnce(
        chunk.map(([key]) => key),
        (prior) => {
          // Settled elsewhere already: nothing to record or count.
          const pending = chunk.filter(([key]) => prior.get(key) !== 'COMPLETED');
          const counts: Record<string, number> = {};
          const add = (name: string, n: number) => (counts[name] = (counts[name] ?? 0) + n);
          const records = pending.map(([key, outcome]) => {
            add(outcome.status === 'processed' ? 'processed' : skippedAttribute(outcome.reason), 1);
            // A parked event that now settles moves out of `failed`; a new one is received now.
            if (prior.get(key) === 'FAILED') add('failed', -1);
            else add('received', 1);
            return { key, status: 'COMPLETED' as const, outcome: outcome.status === 'processed' ? outcome.action : outcome.reason, replacesFailed: prior.get(key) === 'FAILED' };
          });
          return { records, counts };
        },
        receivedAt,
      );
    }
  }

  async failed(keys: readonly string[], receivedAt?: string): Promise<void> {
    for (let i = 0; i < keys.length; i += EVENTS_PER_TRANSACTION) {
      const chunk = keys.slice(i, i + EVENTS_PER_TRANSACTION);
      await this.writeOnce(
        chunk,
        (prior) => {
          const pending = chunk.filter((key) => !prior.has(key));
          return {
            records: pending.map((key) => ({ key, status: 'FAILED' as const, outcome: 'failed', replacesFailed: false })),
            counts: { received: pending.length, failed: pending.length } as Record<string, number>,
          };
        },
        receivedAt,
      );
    }
  }

  /**
   * Writes event records and their counts in one transaction, each record only over what `plan`
   * saw (no record, or a FAILED one it replaces). When another consumer got there first the
   * transaction is cancelled, the records are read again and the plan made anew.
   */
  private async writeOnce(
    keys: readonly string[],
    plan: (prior: ReadonlyMap<string, RecordStatus>) => { records: PlannedRecord[]; counts: Record<string, number> },
    receivedAt: string | undefined,
  ): Promise<void> {
    for (let round = 0; ; round += 1) {
      const { records, counts } = plan(await this.statuses(keys));
      if (records.length === 0) return;
      const names = Object.keys(counts).filter((name) => counts[name] !== 0);
      const now = this.nowSeconds();
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              ...records.map((record) => ({
                Put: {
                  TableName: this.eventTable,
                  Item: {
                    id: eventRecordId(record.key),
                    expiration: now + (record.status === 'FAILED' ? PARKED_RECORD_TTL_SECONDS : EVENT_RECORD_TTL_SECONDS),
                    status: record.status,
                    outcome: record.outcome,
                  },
                  ...(record.replacesFailed
                    ? { ConditionExpression: '#s = :failed', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':failed': 'FAILED' } }
                    : { ConditionExpression: 'attribute_not_exists(id) OR expiration < :now', ExpressionAttributeValues: { ':now': now } }),
                },
              })),
              ...(names.length > 0 ? [{ Update: this.statsUpdate(Object.fromEntries(names.map((n) => [n, counts[n]!]))) }] : []),
            ],
          }),
        );
        if (receivedAt) await this.noteReceivedAt(receivedAt);
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || round + 1 >= MAX_ROUNDS) throw error;
        await sleep(Math.min(500, 20 * 2 ** round) * (0.5 + Math.random() / 2));
      }
    }
  }

  private statsUpdate(adds: Record<string, number>) {
    const names = Object.keys(adds);
    return {
      TableName: this.tables.syncStateTable,
      Key: this.shardKey(),
      UpdateExpression: `ADD ${names.map((_, j) => `#c${j} :c${j}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, j) => [`#c${j}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, j) => [`:c${j}`, adds[name]])),
    };
  }

  /** lastReceivedAt only moves forward: a late settlement of an older delivery leaves it alone. */
  private async noteReceivedAt(at: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.syncStateTable,
          Key: { pk: STATS_PK, sk: LAST_RECEIVED_SK },
          UpdateExpression: 'SET lastReceivedAt = :at',
          ConditionExpression: 'attribute_not_exists(lastReceivedAt) OR lastReceivedAt < :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async totals(): Promise<WebhookTotals> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.syncStateTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': STATS_PK },
        ConsistentRead: true,
      }),
    );
    let totalReceived = 0;
    let totalProcessed = 0;
    let totalFailed = 0;
    let lastReceivedAt: string | null = null;
    const skippedByReason: Record<string, number> = {};
    for (const item of out.Items ?? []) {
      totalReceived += Number(item.received ?? 0);
      totalProcessed += Number(item.processed ?? 0);
      totalFailed += Number(item.failed ?? 0);
      if (typeof item.lastReceivedAt === 'string' && (lastReceivedAt === null || item.lastReceivedAt > lastReceivedAt)) lastReceivedAt = item.lastReceivedAt;
      for (const [name, value] of Object.entries(item)) {
        if (name.startsWith('skipped_')) {
          const reason = name.slice('skipped_'.length);
          skippedByReason[reason] = (skippedByReason[reason] ?? 0) + Number(value);
        }
      }
    }
    const totalSkipped = Object.values(skippedByReason).reduce((a, b) => a + b, 0);
    return { totalReceived, totalProcessed, totalSkipped, skippedByReason, totalFailed, lastReceivedAt };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
