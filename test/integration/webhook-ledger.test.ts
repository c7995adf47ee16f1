/**
 * DynamoWebhookLedger against DynamoDB Local, on the tables of the topology: settled events are
 * found again, each is counted once (received, and its outcome) however often and however
 * concurrently it is settled, parked events are counted received and failed once and move to their
 * outcome when a redrive settles them, the sharded statistics add up, and an expired record no
 * longer counts as seen.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOutcome } from '../../functions/core/inbound-contacts.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoWebhookLedger, EVENT_RECORD_TTL_SECONDS, type WebhookLedgerTables } from '../../functions/store/webhook-ledger.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
let tableSet = 0;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  client = localDynamoDbClient(dynamo.endpoint);
  db = createDocumentClient(client);
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

/** Fresh sync-state and idempotency tables, so each test's statistics start at zero. */
async function freshTables(): Promise<Required<WebhookLedgerTables>> {
  const specs = topologyFor('local').tables.filter((t) => t.id === 'sync-state' || t.id === 'idempotency');
  const names = await createTables(client, specs, `ledger-${(tableSet += 1)}-`);
  return { syncStateTable: names['sync-state'], idempotencyTable: names.idempotency };
}

/** A shard chooser that walks through every shard, so counts land on several items. */
function roundRobin(): () => number {
  let i = 0;
  return () => ((i++ % 8) + 0.5) / 8;
}

const processed = (action: 'created' | 'updated' = 'created'): EventOutcome => ({ status: 'processed', action });
const skipped = (reason: 'echo' | 'unknown_portal' | 'no_email' | 'unsupported_event'): EventOutcome => ({ status: 'skipped', reason });
const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `12345:${i}:1760263200000:${prefix}${i}`);

describe('DynamoWebhookLedger on DynamoDB Local', () => {
  it('finds the settled events again, and only those', async () => {
    // Prepare
    const tables = await freshTables();
    const ledger = new DynamoWebhookLedger(db, tables);
    const settled = keys('a', 3);

    // Act
    await ledger.settle(new Map(settled.map((k) => [k, processed()])));
    const seen = await ledger.seen([...settled, 'never-settled', settled[0]!]);

    // Assess
    expect(seen).toEqual(new Set(settled));
    expect(await ledger.totals()).toMatchObject({ totalReceived: 3, totalProcessed: 3, totalSkipped: 0 });
  });

  it('finds more than 100 settled events at once (several batch reads)', async () => {
    // Prepare
    const tables = await freshTables();
    const ledger = new DynamoWebhookLedger(db, tables);
    const settled = keys('b', 250);
    await ledger.settle(new Map(settled.map((k) => [k, processed()])));

    // Act
    const seen = await ledger.seen([...settled, ...keys('unknown', 30)]);

    // Assess
    expect(seen).toEqual(new Set(settled));
    expect((await ledger.totals()).totalProcessed).toBe(250);
  });

  it('counts each event once when the same outcomes are settled twice', async () => {
    // Prepare
    const tables = await freshTables();
    const ledger = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
    const outcomes = new Map<string, EventOutcome>([
      ...keys('c', 5).map((k) => [k, processed()] as const),
      ...keys('d', 3).map((k) => [k, skipped('echo')] as const),
    ]);

    // Act
    await ledger.settle(outcomes);
    await ledger.settle(outcomes);
    // Some already settled, some new: only the new ones count.
    await ledger.settle(new Map([...[...outcomes].slice(0, 2), ...keys('e', 2).map((k) => [k, processed('updated')] as const)]));

    // Assess
    expect(await ledger.totals()).toMatchObject({ totalReceived: 10, totalProcessed: 7, totalSkipped: 3, skippedByReason: { echo: 3 } });
  });

  it('counts each of 200 events once when two consumers settle them at the same time', async () => {
    // Prepare
    const tables = await freshTables();
    const first = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
    const second = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
    const all = keys('f', 200);
    const outcomes = new Map<string, EventOutcome>(all.map((k, i) => [k, i % 4 === 0 ? skipped('no_email') : processed()]));

    // Act
    await Promise.all([first.settle(outcomes), second.settle(outcomes), first.settle(outcomes)]);

    // Assess
    expect(await first.totals()).toMatchObject({ totalReceived: 200, totalProcessed: 150, totalSkipped: 50, skippedByReason: { no_email: 50 } });
    expect(await second.seen(all)).toEqual(new Set(all));
  });

  it('counts each event once when two consumers settle overlapping sets at the same time', async () => {
    // Prepare: a transaction may hold events the other consumer settled and events nobody has.
    const tables = await freshTables();
    const first = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
    const second = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
    const all = keys('o', 250);
    const interleaved = (pick: (i: number) => boolean) => new Map<string, EventOutcome>(all.filter((_, i) => pick(i)).map((k) => [k, processed()]));

    // Act
    await Promise.all([first.settle(interleaved((i) => i % 3 !== 0)), second.settle(interleaved((i) => i % 3 !== 1))]);

    // Assess
    expect(await first.totals()).toMatchObject({ totalReceived: 250, totalProcessed: 250 });
    expect(await second.seen(all)).toEqual(new Set(all));
  });

  it('adds up received, processed, skipped by reason and failed across the shards', async () => {
    // Prepare
    const tables = await freshTables();
    const shards = [0.01, 0.3, 0.6, 0.99].map((r) => new DynamoWebhookLedger(db, tables, { random: () => r }));

    // Act
    await shards[0]!.settle(new Map([...keys('u', 2).map((k) => [k, skipped('unknown_portal')] as const), [keys('v', 1)[0]!, skipped('unsupported_event')]]), '2025-10-12T10:00:00.000Z');
    await shards[1]!.settle(new Map(keys('w', 2).map((k) => [k, skipped('unsupported_event')])), '2025-10-12T11:00:00.000Z');
    await shards[2]!.settle(new Map([...keys('g', 4).map((k) => [k, processed()] as const), [keys('h', 1)[0]!, skipped('echo')]]));
    await shards[3]!.settle(new Map(keys('i', 2).map((k) => [k, skipped('no_email')])));
    await shards[3]!.failed(keys('x', 3));
    await shards[1]!.failed(keys('y', 1));
    await shards[0]!.failed([]);

    // Assess: every event received once, with one outcome.
    expect(await shards[2]!.totals()).toEqual({
      totalReceived: 16,
      totalProcessed: 4,
      totalSkipped: 8,
      skippedByReason: { unknown_portal: 2, unsupported_event: 3, echo: 1, no_email: 2 },
      totalFailed: 4,
      lastReceivedAt: '2025-10-12T11:00:00.000Z',
    });
  });

  it('answers zeros and no lastReceivedAt before anything was received', async () => {
    // Prepare
    const tables = await freshTables();
    const ledger = new DynamoWebhookLedger(db, tables);

    // Act
    const totals = await ledger.totals();

    // Assess
    expect(totals).toEqual({ totalReceived: 0, totalProcessed: 0, totalSkipped: 0, skippedByReason: {}, totalFailed: 0, lastReceivedAt: null });
  });

  it('sets lastReceivedAt when events are settled or parked, the latest across shards', async () => {
    // Prepare: a delivery settled on one shard, then a later one parked on another.
    const tables = await freshTables();
    const a = new DynamoWebhookLedger(db, tables, { random: () => 0.1 });
    const b = new DynamoWebhookLedger(db, tables, { random: () => 0.9 });

    // Act
    await a.settle(new Map([[keys('j', 1)[0]!, processed()]]), '2025-10-12T10:00:00.000Z');
    const afterFirst = (await a.totals()).lastReceivedAt;
    await b.failed(keys('m', 2), '2025-10-12T10:05:00.000Z');
    // Events settled without a time do not move it.
    await a.settle(new Map([[keys('n', 1)[0]!, processed()]]));

    // Assess
    expect(afterFirst).toBe('2025-10-12T10:00:00.000Z');
    expect(await a.totals()).toMatchObject({ totalReceived: 4, totalFailed: 2, lastReceivedAt: '2025-10-12T10:05:00.000Z' });
  });

  it('keeps lastReceivedAt when an older delivery is settled later on the same shard (a retry or a DLQ redrive)', async () => {
    // Prepare: every write lands on one shard.
    const tables = await freshTables();
    const ledger = new DynamoWebhookLedger(db, tables, { random: () => 0.5 });
    await ledger.settle(new Map([[keys('p', 1)[0]!, processed()]]), '2025-10-12T10:05:00.000Z');

    // Act: a message received earlier comes back after backoff and settles now.
    await ledger.settle(new Map([[keys('q', 1)[0]!, processed()]]), '2025-10-12T09:00:00.000Z');
    await ledger.failed(keys('r', 1), '2025-10-12T08:00:00.000Z');

    // Assess
    expect(await ledger.totals()).toMatchObject({ totalReceived: 3, lastReceivedAt: '2025-10-12T10:05:00.000Z' });
  });

  describe('parked events (failed at their last attempt, waiting in the DLQ)', () => {
    it('counts a parked event received and failed once, however often it is parked', async () => {
      // Prepare
      const tables = await freshTables();
      const first = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
      const second = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
      const parked = keys('pa', 120);

      // Act: parked by two consumers at once (two copies of a delivery), then again.
      await Promise.all([first.failed(parked), second.failed(parked.slice(0, 60))]);
      await first.failed(parked.slice(100));

      // Assess
      expect(await first.totals()).toMatchObject({ totalReceived: 120, totalFailed: 120, totalProcessed: 0, totalSkipped: 0 });
    });

    it('does not report parked events as seen, so a redrive applies them again', async () => {
      // Prepare
      const tables = await freshTables();
      const ledger = new DynamoWebhookLedger(db, tables);
      const [settledKey, parkedKey] = keys('pb', 2) as [string, string];
      await ledger.settle(new Map([[settledKey, processed()]]));
      await ledger.failed([parkedKey]);

      // Act
      const seen = await ledger.seen([settledKey, parkedKey]);

      // Assess
      expect(seen).toEqual(new Set([settledKey]));
    });

    it('moves a parked event from failed to its outcome when a redrive settles it, received unchanged', async () => {
      // Prepare
      const tables = await freshTables();
      const ledger = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
      const parked = keys('pc', 3);
      const fresh = keys('pd', 1);
      await ledger.failed(parked, '2025-10-12T10:00:00.000Z');
      expect(await ledger.totals()).toMatchObject({ totalReceived: 3, totalFailed: 3 });

      // Act: the redrive settles two of them, with an event nobody parked; then the same again.
      const redrive = new Map<string, EventOutcome>([[parked[0]!, processed()], [parked[1]!, skipped('echo')], [fresh[0]!, processed('updated')]]);
      await ledger.settle(redrive, '2025-10-12T10:00:00.000Z');
      await ledger.settle(redrive);

      // Assess
      expect(await ledger.totals()).toMatchObject({ totalReceived: 4, totalProcessed: 2, totalSkipped: 1, skippedByReason: { echo: 1 }, totalFailed: 1 });
      expect(await ledger.seen([...parked, ...fresh])).toEqual(new Set([parked[0], parked[1], fresh[0]]));
    });

    it('does not park an event settled before, nor count it again', async () => {
      // Prepare
      const tables = await freshTables();
      const ledger = new DynamoWebhookLedger(db, tables);
      const [key] = keys('pe', 1) as [string];
      await ledger.settle(new Map([[key, processed()]]));

      // Act: another copy of it fails its last attempt.
      await ledger.failed([key]);

      // Assess
      expect(await ledger.totals()).toMatchObject({ totalReceived: 1, totalProcessed: 1, totalFailed: 0 });
      expect(await ledger.seen([key])).toEqual(new Set([key]));
    });

    it('moves each of 150 parked events once when two consumers settle them at the same time', async () => {
      // Prepare
      const tables = await freshTables();
      const first = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
      const second = new DynamoWebhookLedger(db, tables, { random: roundRobin() });
      const parked = keys('pf', 150);
      await first.failed(parked);
      const outcomes = new Map<string, EventOutcome>(parked.map((k, i) => [k, i % 3 === 0 ? skipped('no_email') : processed()]));

      // Act
      await Promise.all([first.settle(outcomes), second.settle(outcomes)]);

      // Assess
      expect(await first.totals()).toMatchObject({ totalReceived: 150, totalProcessed: 100, totalSkipped: 50, totalFailed: 0 });
    });

    it('moves a parked event from failed to its outcome when the DLQ is redriven days later, within its retention', async () => {
      // Prepare: parked, then redriven five days later (the DLQ keeps messages 14 days).
      const tables = await freshTables();
      const parkedAt = new Date(); // near the real clock: DynamoDB Local's TTL sweeper deletes records already expired
      const redrivenAt = new Date(parkedAt.getTime() + 5 * 24 * 3600 * 1000);
      const then = new DynamoWebhookLedger(db, tables, { now: () => parkedAt });
      const later = new DynamoWebhookLedger(db, tables, { now: () => redrivenAt });
      const [key] = keys('pg', 1) as [string];
      await then.failed([key]);

      // Act
      await later.settle(new Map([[key, processed()]]));

      // Assess
      expect(await later.totals()).toMatchObject({ totalReceived: 1, totalProcessed: 1, totalFailed: 0 });
    });
  });

  it('does not report as seen a record whose TTL has passed (DynamoDB deletes expired items late)', async () => {
    // Prepare: settled four days ago, longer ago than the record lives.
    const tables = await freshTables();
    const now = new Date();
    const then = new Date(now.getTime() - (EVENT_RECORD_TTL_SECONDS + 24 * 3600) * 1000);
    const past = new DynamoWebhookLedger(db, tables, { now: () => then });
    const present = new DynamoWebhookLedger(db, tables, { now: () => now });
    const [expired, recent] = keys('k', 2) as [string, string];
    await past.settle(new Map([[expired, processed()]]));
    await present.settle(new Map([[recent, processed()]]));

    // Act
    const seenThen = await past.seen([expired]);
    const seenNow = await present.seen([expired, recent]);

    // Assess
    expect(seenThen).toEqual(new Set([expired]));
    expect(seenNow).toEqual(new Set([recent]));
  });

  it('settles again, and counts, an event whose record has expired', async () => {
    // Prepare
    const tables = await freshTables();
    const now = new Date();
    const then = new Date(now.getTime() - (EVENT_RECORD_TTL_SECONDS + 3600) * 1000);
    const past = new DynamoWebhookLedger(db, tables, { now: () => then });
    const present = new DynamoWebhookLedger(db, tables, { now: () => now });
    const [key] = keys('l', 1) as [string];
    await past.settle(new Map([[key, processed()]]));

    // Act
    await present.settle(new Map([[key, processed('updated')]]));

    // Assess
    expect(await present.seen([key])).toEqual(new Set([key]));
    // Past HubSpot's retries, an event seen again is a new one.
    expect(await present.totals()).toMatchObject({ totalReceived: 2, totalProcessed: 2 });
  });
});
