/**
 * HubSpot webhook bookkeeping in DynamoDB:
 * - one record per settled event in the idempotency table (`hubspot-event#<key>`, with a TTL of
 *   three days: HubSpot retries a delivery for up to 24 hours), so a re-sent or re-delivered event
 *   has one effect and is counted once;
 * - the statistics of `GET /integrations/hubspot/webhook-status` in the sync-state table, spread
 *   over a few shard items so concurrent consumers do not contend for one item, summed on read.
 *
 * An event's record and its count are written in one transaction: a count is never lost to a crash
 * between the two, nor made twice by two consumers settling the same event.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand, type BatchGetCommandOutput, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventOutcome } from '../core/inbound-contacts.js';
import type { WebhookLedger, WebhookStats, WebhookTotals } from '../core/ports.js';

const STATS_PK = 'webhook-stats#hubspot';
const SHARDS = 8;
/** Longer than HubSpot's 24 hours of retries, and than a message's life in the queue and DLQ redrive. */
export const EVENT_RECORD_TTL_SECONDS = 3 * 24 * 3600;
const BATCH_GET_MAX = 100;
/** TransactWriteItems takes at most 100 actions; one of them is the statistics update. */
const EVENTS_PER_TRANSACTION = 99;
const MAX_ROUNDS = 6;

const eventRecordId = (key: string) => `hubspot-event#${key}`;
/** Counter attribute names: fixed words, and skip reasons, which are the core's own identifiers. */
const skippedAttribute = (reason: string) => `skipped_${reason.replace(/[^a-z0-9_]/gi, '_')}`;

export interface WebhookLedgerTables {
  /** Needed to dedupe and settle events; the webhook route only counts and reads statistics. */
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
    const found = new Set<string>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + BATCH_GET_MAX).map((key) => ({ id: eventRecordId(key) }));
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > 0) await sleep(Math.min(1000, 50 * 2 ** round));
        const out: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.eventTable]: { Keys: pending, ProjectionExpression: '#i, #e', ExpressionAttributeNames: { '#i': 'id', '#e': 'expiration' } } } }),
        );
        for (const item of out.Responses?.[this.eventTable] ?? []) {
          // TTL deletion lags; an expired record no longer counts.
          if (typeof item.expiration === 'number' && item.expiration < this.nowSeconds()) continue;
          found.add(String(item.id).slice('hubspot-event#'.length));
        }
        pending = out.UnprocessedKeys?.[this.eventTable]?.Keys;
      }
    }
    return found;
  }

  async settle(outcomes: ReadonlyMap<string, EventOutcome>): Promise<void> {
    const entries = [...outcomes.entries()];
    for (let i = 0; i < entries.length; i += EVENTS_PER_TRANSACTION) {
      await this.settleChunk(entries.slice(i, i + EVENTS_PER_TRANSACTION));
    }
  }

  private async settleChunk(entries: [string, EventOutcome][]): Promise<void> {
    let pending = entries;
    for (let round = 0; pending.length > 0; round += 1) {
      const counts: Record<string, number> = {};
      for (const [, outcome] of pending) {
        const attribute = outcome.status === 'processed' ? 'processed' : skippedAttribute(outcome.reason);
        counts[attribute] = (counts[attribute] ?? 0) + 1;
      }
      const names = Object.keys(counts);
      const expiration = this.nowSeconds() + EVENT_RECORD_TTL_SECONDS;
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              ...pending.map(([key, outcome]) => ({
                Put: {
                  TableName: this.eventTable,
                  Item: { id: eventRecordId(key), expiration, status: 'COMPLETED', outcome: outcome.status === 'processed' ? outcome.action : outcome.reason },
                  ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
                  ExpressionAttributeValues: { ':now': this.nowSeconds() },
                },
              })),
              {
                Update: {
                  TableName: this.tables.syncStateTable,
                  Key: this.shardKey(),
                  UpdateExpression: `ADD ${names.map((_, j) => `#c${j} :c${j}`).join(', ')}`,
                  ExpressionAttributeNames: Object.fromEntries(names.map((name, j) => [`#c${j}`, name])),
                  ExpressionAttributeValues: Object.fromEntries(names.map((name, j) => [`:c${j}`, counts[name]])),
                },
              },
            ],
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || round + 1 >= MAX_ROUNDS) throw error;
        const reasons = error.CancellationReasons ?? [];
        // Events another consumer settled meanwhile are dropped; a conflict is tried again.
        const settledElsewhere = new Set(reasons.flatMap((r, j) => (r.Code === 'ConditionalCheckFailed' && j < pending.length ? [j] : [])));
        pending = pending.filter((_, j) => !settledElsewhere.has(j));
        await sleep(Math.min(500, 20 * 2 ** round) * (0.5 + Math.random() / 2));
      }
    }
  }

  async failed(count: number): Promise<void> {
    if (count <= 0) return;
    await this.add({ failed: count });
  }

  async received(counts: { received: number; skipped: Readonly<Record<string, number>> }, at: string): Promise<void> {
    const adds: Record<string, number> = { received: counts.received };
    for (const [reason, n] of Object.entries(counts.skipped)) if (n > 0) adds[skippedAttribute(reason)] = n;
    await this.add(adds, at);
  }

  private async add(adds: Record<string, number>, receivedAt?: string): Promise<void> {
    const names = Object.keys(adds);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.syncStateTable,
        Key: this.shardKey(),
        UpdateExpression:
          `ADD ${names.map((_, j) => `#c${j} :c${j}`).join(', ')}` + (receivedAt ? ' SET lastReceivedAt = :at' : ''),
        ExpressionAttributeNames: Object.fromEntries(names.map((name, j) => [`#c${j}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name, j) => [`:c${j}`, adds[name]])),
          ...(receivedAt ? { ':at': receivedAt } : {}),
        },
      }),
    );
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
