/**
 * One batch of the hubspot-events queue (issue 3 §2): each event applied and counted once (received
 * and its outcome) however often it arrives, contacts read 100 at a time, events of unknown portals
 * and unhandled types counted skipped, and a portal's failure sending only that portal's messages
 * back with backoff (or, at the last attempt, counting their events received and failed, until a
 * DLQ redrive settles them).
 */
import { describe, expect, it } from 'vitest';
import { RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import { processInboundBatch, type HubSpotInboundDeps, type InboundMessage, type PortalIntegration } from '../../functions/core/hubspot-inbound.js';
import { toContactEvent, HubSpotEventSchema } from '../../functions/connectors/hubspot/webhook-events.js';
import { DEADLINE_MARGIN_MS, type ContactEvent, type EventOutcome } from '../../functions/core/inbound-contacts.js';
import type { ContactState, HubSpotContactReader } from '../../functions/core/ports.js';
import { FakeContactReader, InMemoryLeadStore, InMemoryWebhookLedger, RecordingLog, RecordingRetries, storedLead } from './support/fakes.js';

/** The in-memory ledger, also keeping each `settle` call (what the real one would write). */
class RecordingLedger extends InMemoryWebhookLedger {
  /** The outcomes of each `settle` that succeeded. */
  readonly settleCalls: Map<string, EventOutcome>[] = [];
  /** The receivedAt of each `settle` and `failed` call. */
  readonly receivedAts: (string | undefined)[] = [];
  override async settle(outcomes: ReadonlyMap<string, EventOutcome>, receivedAt?: string): Promise<void> {
    await super.settle(outcomes, receivedAt);
    this.settleCalls.push(new Map(outcomes));
    this.receivedAts.push(receivedAt);
  }
  override async failed(keys: readonly string[], receivedAt?: string): Promise<void> {
    await super.failed(keys, receivedAt);
    this.receivedAts.push(receivedAt);
  }
  settledKeys(): string[] {
    return this.settleCalls.flatMap((call) => [...call.keys()]);
  }
}

const NOW = new Date('2025-10-12T12:30:00.000Z');
const PORTAL = '62515';
const OTHER_PORTAL = '62516';
const MAX_RECEIVE_COUNT = 5;

function setup(options: { leads?: ReturnType<typeof storedLead>[] } = {}) {
  const store = new InMemoryLeadStore(options.leads ?? []);
  const ledger = new RecordingLedger();
  const retries = new RecordingRetries();
  const log = new RecordingLog();
  const readers = new Map<string, FakeContactReader>([
    [PORTAL, new FakeContactReader()],
    [OTHER_PORTAL, new FakeContactReader()],
  ]);
  const portalLookups: string[] = [];
  const deps: HubSpotInboundDeps = {
    leads: store,
    ledger,
    portal: async (portalId): Promise<PortalIntegration | undefined> => {
      portalLookups.push(portalId);
      const contacts = readers.get(portalId);
      return contacts ? { contacts, conflictRule: 'hubspot_wins' } : undefined;
    },
    retries,
    platformSource: 'platform',
    maxReceiveCount: MAX_RECEIVE_COUNT,
    now: () => NOW,
    random: () => 0.5,
    log,
  };
  return { store, ledger, retries, log, deps, reader: readers.get(PORTAL)!, otherReader: readers.get(OTHER_PORTAL)!, portalLookups };
}

const creation = (objectId: number, occurredAt = 1760263200000): ContactEvent => ({
  key: `12345:${objectId}-${occurredAt}:${occurredAt}:${objectId}`,
  subscriptionType: 'contact.creation',
  objectId,
  occurredAt,
});
const propertyChange = (objectId: number, occurredAt: number): ContactEvent => ({
  key: `12346:${objectId}-${occurredAt}:${occurredAt}:${objectId}`,
  subscriptionType: 'contact.propertyChange',
  objectId,
  occurredAt,
});

let nextMessage = 1;
function message(events: readonly ContactEvent[], options: { portalId?: string; receiveCount?: number; receivedAt?: string } = {}): InboundMessage {
  const messageId = `m${nextMessage++}`;
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    receiveCount: options.receiveCount ?? 1,
    portalId: options.portalId ?? PORTAL,
    ...(options.receivedAt ? { receivedAt: options.receivedAt } : {}),
    events,
    body: JSON.stringify({ portalId: options.portalId ?? PORTAL, events: events.map((e) => e.key) }),
  };
}

/** An event as HubSpot delivers it, as the consumer reads it off the queue. */
function delivered(fields: Record<string, unknown>): ContactEvent {
  return toContactEvent(
    HubSpotEventSchema.parse({ eventId: nextMessage++, subscriptionId: 1, portalId: Number(PORTAL), occurredAt: 1760263200000, objectId: 900, ...fields }),
  );
}

describe('processInboundBatch', () => {
  it('applies an event carried by two messages once and settles it once', async () => {
    // Prepare: HubSpot re-sent the delivery, so the same event was queued twice.
    const { store, ledger, reader, deps } = setup();
    reader.put('900', { email: 'bea@example.com', firstname: 'Bea' });
    const event = creation(900);
    const first = message([event]);
    const second = message([event]);

    // Act
    const report = await processInboundBatch([first, second], deps);

    // Assess
    expect(report.failedMessageIds.size).toBe(0);
    expect(store.leads.size).toBe(1);
    expect([...store.leads.values()][0]).toMatchObject({ email: 'bea@example.com', hubspot: { id: '900', syncStatus: 'SYNCED' } });
    expect(reader.calls).toEqual([['900']]);
    expect(ledger.settledKeys()).toEqual([event.key]);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 1, totalProcessed: 1, totalSkipped: 0 });
    expect(report).toMatchObject({ events: 2, duplicates: 1, processed: 1 });
  });

  it('makes one lead of a contact when two batches carrying its events run at once (a duplicated delivery, a creation and a change)', async () => {
    // Prepare: the same creation in two messages (HubSpot sent it twice), and a change in a third.
    const { store, ledger, reader, deps } = setup();
    reader.put('4000', { email: 'twice@example.com', firstname: 'Tess' });
    const first = message([creation(4000)]);
    const again = message([creation(4000)]);
    const change = message([propertyChange(4000, 1760263300000)]);

    // Act: three consumers at once, as Lambda runs them.
    const reports = await Promise.all([first, again, change].map((m) => processInboundBatch([m], deps)));

    // Assess: one lead, every message done, every event settled.
    expect(reports.flatMap((r) => [...r.failedMessageIds])).toEqual([]);
    expect([...store.leads.values()].filter((l) => l.email === 'twice@example.com')).toHaveLength(1);
    expect(new Set(ledger.settledKeys())).toEqual(new Set([creation(4000).key, propertyChange(4000, 1760263300000).key]));
  });

  it('does not apply again an event settled by an earlier batch, and reads no contact for it', async () => {
    // Prepare
    const { store, ledger, reader, deps } = setup();
    reader.put('900', { email: 'bea@example.com', firstname: 'Bea' });
    const event = creation(900);
    await ledger.settle(new Map([[event.key, { status: 'processed', action: 'created' } as const]]));
    ledger.settleCalls.length = 0;

    // Act
    const report = await processInboundBatch([message([event])], deps);

    // Assess
    expect(report.failedMessageIds.size).toBe(0);
    expect(reader.calls).toEqual([]);
    expect(store.leads.size).toBe(0);
    expect(ledger.settledKeys()).toEqual([]);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 1, totalProcessed: 1 });
    expect(report).toMatchObject({ events: 1, duplicates: 1, processed: 0 });
  });

  it('starts no contact read that could outlast the invocation: the first read fits the time left, the rest go back with backoff', async () => {
    // Prepare: 150 contacts (two reads); the invocation has 20 s left, then (after the first read) 5 s.
    const { store, ledger, retries, reader, deps } = setup();
    const events = Array.from({ length: 150 }, (_, i) => {
      reader.put(String(3000 + i), { email: `late${i}@example.com` });
      return creation(3000 + i);
    });
    const messages = [message(events.slice(0, 100)), message(events.slice(100))];
    const left = [20_000, 5_000];

    // Act
    const report = await processInboundBatch(messages, { ...deps, remainingMs: () => left.shift() ?? 0 });

    // Assess: one read, bounded by the 12 s that were left after the margin; its 100 events
    // settle, the 50 it could not read come back with backoff, none lost.
    expect(reader.calls).toHaveLength(1);
    expect(reader.options[0]!.maxWaitMs + reader.options[0]!.timeoutMs).toBeLessThanOrEqual(20_000 - DEADLINE_MARGIN_MS);
    expect([...report.failedMessageIds]).toEqual([messages[1]!.messageId]);
    expect(retries.items.map((i) => i.receiptHandle)).toEqual([messages[1]!.receiptHandle]);
    expect(retries.items.every((i) => i.delaySeconds > 0)).toBe(true);
    expect(ledger.settledKeys().sort()).toEqual(messages[0]!.events.map((e) => e.key).sort());
    expect(await ledger.totals()).toMatchObject({ totalFailed: 0 });
    expect(store.leads.size).toBe(100);
  });

  it('reads the contacts of 250 events over 150 contacts in 2 calls, and settles every event', async () => {
    // Prepare
    const { store, ledger, reader, deps } = setup();
    const events: ContactEvent[] = [];
    for (let i = 0; i < 150; i += 1) {
      reader.put(String(2000 + i), { email: `person${i}@example.com`, firstname: `P${i}` });
      events.push(creation(2000 + i));
      if (i < 100) events.push(propertyChange(2000 + i, 1760263300000 + i));
    }
    expect(events).toHaveLength(250);
    // Ten messages of 25 events, as the webhook route would have queued them.
    const messages = Array.from({ length: 10 }, (_, j) => message(events.slice(j * 25, j * 25 + 25)));

    // Act
    const report = await processInboundBatch(messages, deps);

    // Assess
    expect(report.failedMessageIds.size).toBe(0);
    expect(reader.calls.map((ids) => ids.length)).toEqual([100, 50]);
    expect(new Set(reader.calls.flat()).size).toBe(150);
    expect(report.contactReads).toBe(2);
    expect(store.leads.size).toBe(150);
    expect(new Set(ledger.settledKeys())).toEqual(new Set(events.map((e) => e.key)));
    expect(await ledger.totals()).toMatchObject({ totalReceived: 250, totalProcessed: 250, totalSkipped: 0 });
  });

  it('sends the messages back no sooner than HubSpot asked when the read is throttled, and settles nothing', async () => {
    // Prepare
    const { store, ledger, retries, reader, deps } = setup();
    reader.fail = new RetryableError('HubSpot 429', 60_000);
    const first = message([creation(900)]);
    const second = message([creation(901)], { receiveCount: 3 });

    // Act
    const report = await processInboundBatch([first, second], deps);

    // Assess
    expect([...report.failedMessageIds].sort()).toEqual([first.messageId, second.messageId].sort());
    expect(retries.items.map((i) => i.receiptHandle).sort()).toEqual([first.receiptHandle, second.receiptHandle].sort());
    for (const item of retries.items) expect(item.delaySeconds).toBeGreaterThanOrEqual(60);
    expect(ledger.settleCalls).toEqual([]);
    // Not counted yet: the events are counted when they are settled, or parked at their last attempt.
    expect(await ledger.totals()).toMatchObject({ totalReceived: 0, totalProcessed: 0, totalSkipped: 0, totalFailed: 0 });
    expect(store.leads.size).toBe(0);
  });

  it('backs off longer on each attempt when HubSpot names no delay', async () => {
    // Prepare
    const { retries, reader, deps } = setup();
    reader.fail = new Error('socket hang up');
    const early = message([creation(900)], { receiveCount: 1 });
    const later = message([creation(901)], { receiveCount: 4 });

    // Act
    const report = await processInboundBatch([early, later], deps);

    // Assess
    expect(report.failedMessageIds.size).toBe(2);
    expect(retries.delayOf(early.receiptHandle)).toBeGreaterThan(0);
    expect(retries.delayOf(later.receiptHandle)!).toBeGreaterThan(retries.delayOf(early.receiptHandle)!);
  });

  it('holds events back by the rate limit without spending their attempts: at the last receive a fresh copy goes back instead of the DLQ (issue 13 §3)', async () => {
    // Prepare: HubSpot's day is spent; one message is at its last receive.
    const { ledger, retries, reader, deps } = setup();
    reader.fail = new RateLimitedError('HubSpot daily limit (429): You have reached your daily limit.', 900_000, true);
    const early = message([creation(900)], { receiveCount: 1 });
    const last = message([creation(901)], { receiveCount: MAX_RECEIVE_COUNT });

    // Act
    const report = await processInboundBatch([early, last], deps);

    // Assess: nothing parked or counted failed; the early one waits for the limit, the last one is re-sent fresh.
    expect(report.failed).toBe(0);
    expect(ledger.parked.size).toBe(0);
    expect([...report.failedMessageIds]).toEqual([early.messageId]);
    expect(retries.delayOf(early.receiptHandle)).toBeGreaterThanOrEqual(900);
    expect(retries.delayOf(last.receiptHandle)).toBeUndefined();
    expect(retries.resent).toEqual([{ body: last.body, delaySeconds: 900 }]);
  });

  it('keeps the message at its last receive when its fresh copy cannot be sent', async () => {
    const { retries, reader, deps } = setup();
    reader.fail = new RateLimitedError('HubSpot rate limit budget spent', 4_000, false);
    retries.refuseResend = true;
    const last = message([creation(900)], { receiveCount: MAX_RECEIVE_COUNT });

    const report = await processInboundBatch([last], deps);

    expect([...report.failedMessageIds]).toEqual([last.messageId]);
    expect(retries.delayOf(last.receiptHandle)).toBeGreaterThanOrEqual(4);
    expect(report.failed).toBe(0);
  });

  it('counts the events failed at the last attempt, and shows the message again at once so it goes to the DLQ now', async () => {
    // Prepare
    const { ledger, retries, reader, deps } = setup();
    reader.fail = new RetryableError('HubSpot 503', 1_000);
    const last = message([creation(900), creation(901)], { receiveCount: MAX_RECEIVE_COUNT });

    // Act
    const report = await processInboundBatch([last], deps);

    // Assess
    expect([...report.failedMessageIds]).toEqual([last.messageId]);
    expect(report.failed).toBe(2);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 2, totalFailed: 2, totalProcessed: 0 });
    expect(ledger.parked).toEqual(new Set(last.events.map((e) => e.key)));
    // Not after the queue's visibility timeout (minutes): found by the chaos run.
    expect(retries.items).toEqual([{ receiptHandle: last.receiptHandle, delaySeconds: 0 }]);
    expect(ledger.settleCalls).toEqual([]);
  });

  it('settles the events of a portal the configuration no longer has as skipped unknown_portal', async () => {
    // Prepare
    const { ledger, retries, deps } = setup();
    const events = [creation(900), creation(901)];

    // Act
    const report = await processInboundBatch([message(events, { portalId: '77777' })], deps);

    // Assess
    expect(report.failedMessageIds.size).toBe(0);
    expect(retries.items).toEqual([]);
    expect(report.skipped).toEqual({ unknown_portal: 2 });
    for (const event of events) expect(ledger.settled.get(event.key)).toEqual({ status: 'skipped', reason: 'unknown_portal' });
    expect(await ledger.totals()).toMatchObject({ totalReceived: 2, totalSkipped: 2, skippedByReason: { unknown_portal: 2 } });
  });

  it('sends back, without settling, the events of a portal whose configuration cannot be read', async () => {
    // Prepare: an operator saved an invalid "portals" setting.
    const { ledger, retries, deps } = setup();
    const broken = { ...deps, portal: async () => Promise.reject(new Error('HubSpot "portals" setting is invalid')) };

    // Act
    const report = await processInboundBatch([message([creation(900)])], broken);

    // Assess: nothing lost, nothing counted; the message comes back and parks at its last attempt.
    expect(report.failedMessageIds.size).toBe(1);
    expect(retries.items).toHaveLength(1);
    expect(ledger.settled.size).toBe(0);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 0, totalFailed: 0 });
  });

  it('sends the messages back when the events cannot be settled, to be applied again (harmlessly)', async () => {
    // Prepare
    const { store, ledger, retries, reader, deps } = setup();
    reader.put('900', { email: 'bea@example.com', firstname: 'Bea' });
    ledger.failSettle = new Error('TransactionCanceled: throttled');
    const only = message([creation(900)]);

    // Act
    const report = await processInboundBatch([only], deps);

    // Assess
    expect([...report.failedMessageIds]).toEqual([only.messageId]);
    expect(retries.items.map((i) => i.receiptHandle)).toEqual([only.receiptHandle]);
    expect(report.processed).toBe(0);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 0, totalProcessed: 0, totalFailed: 0 });

    // Act again: the message comes back and the ledger works now.
    ledger.failSettle = undefined;
    const again = await processInboundBatch([{ ...only, receiveCount: 2 }], deps);

    // Assess: one lead, and the event settled and counted once (the repeat finds the lead it made
    // and counts as an echo of it).
    expect(again.failedMessageIds.size).toBe(0);
    expect(store.leads.size).toBe(1);
    expect(ledger.settledKeys()).toEqual([only.events[0]!.key]);
    const totals = await ledger.totals();
    expect(totals.totalReceived).toBe(1);
    expect(totals.totalProcessed + totals.totalSkipped).toBe(1);
  });

  it('fails only the messages of the portal that failed when a batch holds two portals', async () => {
    // Prepare
    const { store, ledger, retries, reader, otherReader, deps } = setup();
    reader.put('900', { email: 'bea@example.com', firstname: 'Bea' });
    otherReader.fail = new RetryableError('HubSpot 502', 5_000);
    const good = [message([creation(900)]), message([propertyChange(900, 1760263300000)])];
    const bad = [message([creation(950)], { portalId: OTHER_PORTAL }), message([creation(951)], { portalId: OTHER_PORTAL })];

    // Act
    const report = await processInboundBatch([good[0]!, bad[0]!, good[1]!, bad[1]!], deps);

    // Assess
    expect([...report.failedMessageIds].sort()).toEqual(bad.map((m) => m.messageId).sort());
    expect(retries.items.map((i) => i.receiptHandle).sort()).toEqual(bad.map((m) => m.receiptHandle).sort());
    expect(new Set(ledger.settledKeys())).toEqual(new Set(good.flatMap((m) => m.events.map((e) => e.key))));
    expect(store.leads.size).toBe(1);
    // The failing portal's events are not counted until they settle or fail their last attempt.
    expect(await ledger.totals()).toMatchObject({ totalReceived: 2, totalProcessed: 2, totalFailed: 0 });
  });

  it('fails every message carrying an event that failed, the duplicate included', async () => {
    // Prepare
    const { retries, reader, deps } = setup();
    reader.fail = new RetryableError('HubSpot 500');
    const event = creation(900);
    const first = message([event]);
    const second = message([event]);

    // Act
    const report = await processInboundBatch([first, second], deps);

    // Assess
    expect([...report.failedMessageIds].sort()).toEqual([first.messageId, second.messageId].sort());
    expect(retries.items).toHaveLength(2);
  });

  it.each(['contact.associationChange', 'deal.creation'])('skips an event type the consumer does not act on (%s), settled and counted with its reason', async (subscriptionType) => {
    // Prepare: the route queues every type HubSpot sends.
    const { ledger, reader, deps } = setup();
    const event = delivered({ subscriptionType, ...(subscriptionType === 'deal.creation' ? { objectTypeId: '0-3' } : {}) });

    // Act
    const report = await processInboundBatch([message([event])], deps);

    // Assess
    expect(report.failedMessageIds.size).toBe(0);
    expect(reader.calls).toEqual([]);
    expect(report.skipped).toEqual({ unsupported_event: 1 });
    expect(ledger.settled.get(event.key)).toEqual({ status: 'skipped', reason: 'unsupported_event' });
    expect(await ledger.totals()).toMatchObject({ totalReceived: 1, totalProcessed: 0, totalSkipped: 1, skippedByReason: { unsupported_event: 1 } });
  });

  it('counts what the route queued unchecked: unknown portal and unhandled types skipped with their reason, the rest applied', async () => {
    // Prepare: one delivery as the route queued it, a message per portal.
    const { store, ledger, reader, deps } = setup();
    reader.put('900', { email: 'bea@example.com', firstname: 'Bea' });
    const stranger = delivered({ portalId: 77777, subscriptionType: 'contact.creation', objectId: 901 });
    const deal = delivered({ subscriptionType: 'deal.creation', objectTypeId: '0-3', objectId: 5 });
    const association = delivered({ subscriptionType: 'contact.associationChange', objectId: 900 });
    const contact = delivered({ subscriptionType: 'contact.creation', objectId: 900 });
    const messages = [message([stranger], { portalId: '77777' }), message([deal, contact, association])];

    // Act
    const report = await processInboundBatch(messages, deps);

    // Assess
    expect(report.failedMessageIds.size).toBe(0);
    expect(report).toMatchObject({ processed: 1, skipped: { unknown_portal: 1, unsupported_event: 2 } });
    expect(reader.calls).toEqual([['900']]);
    expect(store.leads.size).toBe(1);
    expect(await ledger.totals()).toMatchObject({
      totalReceived: 4,
      totalProcessed: 1,
      totalSkipped: 3,
      skippedByReason: { unknown_portal: 1, unsupported_event: 2 },
      totalFailed: 0,
    });
  });

  it('shows as lastReceivedAt the latest time the route stamped on the messages, settled or failed', async () => {
    // Prepare: a batch of two deliveries, then the last attempt of an older one.
    const { ledger, reader, otherReader, deps } = setup();
    reader.put('900', { email: 'bea@example.com' });
    otherReader.fail = new RetryableError('HubSpot 503');
    const earlier = '2025-10-12T12:00:00.000Z';
    const later = '2025-10-12T12:05:00.000Z';
    const oldest = '2025-10-12T11:00:00.000Z';

    // Act
    await processInboundBatch([message([creation(900)], { receivedAt: later }), message([propertyChange(900, 1760263300000)], { receivedAt: earlier })], deps);
    const afterBatch = (await ledger.totals()).lastReceivedAt;
    await processInboundBatch([message([creation(950)], { portalId: OTHER_PORTAL, receiveCount: MAX_RECEIVE_COUNT, receivedAt: oldest })], deps);

    // Assess
    expect(afterBatch).toBe(later);
    expect(ledger.receivedAts).toEqual([later, oldest]);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 3, totalFailed: 1, lastReceivedAt: later });
  });

  it('settles parked events when the DLQ is redriven: failed moves to processed, received unchanged', async () => {
    // Prepare: two events fail their last attempt and are parked.
    const { store, ledger, retries, reader, deps } = setup();
    reader.fail = new RetryableError('HubSpot 503');
    const events = [creation(900), creation(901)];
    const parked = await processInboundBatch([message(events, { receiveCount: MAX_RECEIVE_COUNT })], deps);
    expect(parked.failed).toBe(2);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 2, totalProcessed: 0, totalFailed: 2 });
    // HubSpot is back; the resync flow moves the messages from the DLQ to the queue again.
    reader.fail = undefined;
    reader.put('900', { email: 'ann@example.com' });
    reader.put('901', { email: 'bob@example.com' });
    retries.items.length = 0;

    // Act
    const redriven = await processInboundBatch([message(events, { receiveCount: 1 })], deps);

    // Assess: applied (not dropped as duplicates) and counted once.
    expect(redriven).toMatchObject({ duplicates: 0, processed: 2, failed: 0 });
    expect(redriven.failedMessageIds.size).toBe(0);
    expect(retries.items).toEqual([]);
    expect(store.leads.size).toBe(2);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 2, totalProcessed: 2, totalSkipped: 0, totalFailed: 0 });
  });

  it('counts an event failed once when two copies of it fail their last attempt in different batches', async () => {
    // Prepare: HubSpot re-sent the delivery; both copies fail to the end.
    const { ledger, reader, deps } = setup();
    reader.fail = new RetryableError('HubSpot 503');
    const event = creation(900);

    // Act
    const first = await processInboundBatch([message([event], { receiveCount: MAX_RECEIVE_COUNT })], deps);
    const second = await processInboundBatch([message([event], { receiveCount: MAX_RECEIVE_COUNT })], deps);

    // Assess
    expect([first.failed, second.failed]).toEqual([1, 1]);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 1, totalFailed: 1 });
  });

  it('does not count failed the events of a message that were settled before, at its last attempt', async () => {
    // Prepare: an earlier attempt settled one of the message's events (another message carried it).
    const { ledger, reader, deps } = setup();
    reader.fail = new RetryableError('HubSpot 503');
    const settledEarlier = creation(900);
    await ledger.settle(new Map([[settledEarlier.key, { status: 'processed', action: 'created' } as const]]));
    const last = message([settledEarlier, creation(901)], { receiveCount: MAX_RECEIVE_COUNT });

    // Act
    const report = await processInboundBatch([last], deps);

    // Assess: one event failed; the other was processed and stays counted as such.
    expect(report.failed).toBe(1);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 2, totalProcessed: 1, totalFailed: 1 });
  });
});
