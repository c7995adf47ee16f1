/**
 * DynamoDB's unprocessed keys and items (issue 14 §2): sent again with backoff until done, across
 * chunks of 100 keys / 25 writes, and an error instead of a silent partial answer.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { batchGetAll, batchWriteAll, unprocessedBackoffMs } from '../../functions/store/batch.js';

/** A DynamoDB that leaves part of each call unprocessed (`leave` items per call), `refuseRounds` times. */
function throttledDb(options: { leave: number; refuseRounds: number; items: Map<string, Record<string, unknown>> }) {
  const calls: { kind: string; size: number }[] = [];
  let rounds = 0;
  const db = {
    async send(command: unknown) {
      const throttle = rounds < options.refuseRounds;
      rounds += 1;
      if (command instanceof BatchGetCommand) {
        const request = command.input.RequestItems!['t']!;
        const keys = request.Keys as { id: string }[];
        calls.push({ kind: 'get', size: keys.length });
        const processed = throttle ? keys.slice(options.leave) : keys;
        const left = throttle ? keys.slice(0, options.leave) : [];
        return { Responses: { t: processed.flatMap((k) => options.items.get(k.id) ?? []) }, UnprocessedKeys: left.length ? { t: { Keys: left } } : {} };
      }
      if (command instanceof BatchWriteCommand) {
        const requests = command.input.RequestItems!['t']! as { PutRequest: { Item: { id: string } } }[];
        calls.push({ kind: 'write', size: requests.length });
        const left = throttle ? requests.slice(0, options.leave) : [];
        for (const r of throttle ? requests.slice(options.leave) : requests) options.items.set(r.PutRequest.Item.id, r.PutRequest.Item);
        return { UnprocessedItems: left.length ? { t: left } : {} };
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, calls };
}

describe('batchGetAll', () => {
  it('reads 250 keys in chunks of 100 and asks again for what DynamoDB left unprocessed', async () => {
    const items = new Map(Array.from({ length: 250 }, (_, i) => [`k${i}`, { id: `k${i}`, n: i }]));
    const { db, calls } = throttledDb({ leave: 30, refuseRounds: 2, items });

    const found = await batchGetAll(db, 't', [...items.keys()].map((id) => ({ id })));

    expect(found.map((i) => i.id).sort()).toEqual([...items.keys()].sort());
    expect(calls.every((c) => c.size <= 100)).toBe(true);
    expect(calls.filter((c) => c.size === 30)).toHaveLength(2);
  });

  it('fails loudly when DynamoDB keeps leaving keys unprocessed', async () => {
    vi.useFakeTimers();
    try {
      const { db } = throttledDb({ leave: 1, refuseRounds: 1_000, items: new Map([['a', { id: 'a' }]]) });
      const reading = batchGetAll(db, 't', [{ id: 'a' }, { id: 'b' }]);
      const outcome = expect(reading).rejects.toThrow(/left 1 keys of t unprocessed/);
      await vi.runAllTimersAsync();
      await outcome;
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('batchWriteAll', () => {
  it('writes 60 items in chunks of 25 and sends again what DynamoDB left unprocessed', async () => {
    const items = new Map<string, Record<string, unknown>>();
    const { db, calls } = throttledDb({ leave: 5, refuseRounds: 1, items });

    await batchWriteAll(db, 't', Array.from({ length: 60 }, (_, i) => ({ PutRequest: { Item: { id: `w${i}` } } })));

    expect(items.size).toBe(60);
    expect(calls.every((c) => c.size <= 25)).toBe(true);
  });
});

describe('unprocessedBackoffMs', () => {
  it('waits a random time up to a doubling, capped ceiling (full jitter)', () => {
    expect(unprocessedBackoffMs(1, () => 0)).toBe(0);
    expect(unprocessedBackoffMs(1, () => 0.999)).toBeLessThan(100);
    expect(unprocessedBackoffMs(3, () => 0.999)).toBeGreaterThan(unprocessedBackoffMs(2, () => 0.999));
    expect(unprocessedBackoffMs(30, () => 0.999)).toBeLessThanOrEqual(5_000);
  });
});
