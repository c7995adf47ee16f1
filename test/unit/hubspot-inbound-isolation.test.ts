/**
 * One bad event among a portal's batch (issue 14 §1): the contact that cannot be applied fails
 * alone, with its reason; every other event of the batch is applied and settled, and only the
 * messages carrying the bad event come back (or, at their last attempt, park it in the DLQ).
 */
import { describe, expect, it } from 'vitest';
import { processInboundBatch, type HubSpotInboundDeps, type InboundMessage } from '../../functions/core/hubspot-inbound.js';
import { contactLeadId, type ContactEvent } from '../../functions/core/inbound-contacts.js';
import type { Lead } from '../../functions/core/lead.js';
import type { CrmLeadChange } from '../../functions/core/ports.js';
import { FakeContactReader, InMemoryLeadStore, InMemoryWebhookLedger, RecordingLog, RecordingRetries, storedLead } from './support/fakes.js';

const PORTAL = '62515';
const MAX_RECEIVE_COUNT = 5;

/** A store that cannot write one lead (an item DynamoDB refuses, a corrupt record). */
class StoreRefusingOneLead extends InMemoryLeadStore {
  constructor(
    leads: readonly Lead[],
    private readonly refused: string,
  ) {
    super(leads);
  }
  override async create(lead: Lead): Promise<void> {
    if (lead.leadId === this.refused) throw new Error('ValidationException: Item size has exceeded the maximum allowed size');
    return super.create(lead);
  }
  override async applyCrmChange(change: CrmLeadChange): Promise<'applied' | 'stale' | 'missing'> {
    if (change.leadId === this.refused) throw new Error('ValidationException: Item size has exceeded the maximum allowed size');
    return super.applyCrmChange(change);
  }
}

function setup(refused: string, leads: readonly Lead[] = []) {
  const store = new StoreRefusingOneLead(leads, refused);
  const ledger = new InMemoryWebhookLedger();
  const retries = new RecordingRetries();
  const log = new RecordingLog();
  const reader = new FakeContactReader();
  const deps: HubSpotInboundDeps = {
    leads: store,
    ledger,
    portal: async () => ({ contacts: reader, conflictRule: 'hubspot_wins' }),
    retries,
    platformSource: 'platform',
    maxReceiveCount: MAX_RECEIVE_COUNT,
    now: () => new Date('2025-10-12T12:30:00.000Z'),
    random: () => 0.5,
    log,
  };
  return { store, ledger, retries, log, reader, deps };
}

const creation = (objectId: number): ContactEvent => ({ key: `c:${objectId}`, subscriptionType: 'contact.creation', objectId, occurredAt: 1760263200000 });
const change = (objectId: number): ContactEvent => ({ key: `p:${objectId}`, subscriptionType: 'contact.propertyChange', objectId, occurredAt: 1760263300000 });

let next = 1;
function message(events: readonly ContactEvent[], receiveCount = 1): InboundMessage {
  const messageId = `m${next++}`;
  return { messageId, receiptHandle: `rh-${messageId}`, receiveCount, portalId: PORTAL, events };
}

describe('processInboundBatch, one bad event', () => {
  it('creates the leads of the other new contacts and sends back only the message carrying the one that cannot be stored', async () => {
    // Prepare
    const { store, ledger, retries, reader, deps } = setup(contactLeadId(PORTAL, '901'));
    for (const id of [900, 901, 902, 903]) reader.put(String(id), { email: `p${id}@example.com`, firstname: `P${id}` });
    const clean = message([creation(900), change(900), creation(902)]);
    const carrier = message([creation(901), creation(903)]);

    // Act
    const report = await processInboundBatch([clean, carrier], deps);

    // Assess
    expect([...store.leads.values()].map((l) => l.hubspot.id).sort()).toEqual(['900', '902', '903']);
    expect([...ledger.settled.keys()].sort()).toEqual(['c:900', 'c:902', 'c:903', 'p:900']);
    expect(report.failedMessageIds).toEqual(new Set([carrier.messageId]));
    expect(retries.items.map((i) => i.receiptHandle)).toEqual([carrier.receiptHandle]);
    expect(report).toMatchObject({ processed: 4, failed: 0 });
  });

  it('applies the other contacts\' changes when one lead cannot be written, and redelivery applies the bad one alone', async () => {
    // Prepare: three leads linked to contacts 500-502; lead-b's write fails.
    const linked = (leadId: string, contactId: string) => {
      const lead = storedLead(leadId, { email: `${leadId}@example.com`, firstName: 'Old' });
      return { ...lead, hubspot: { ...lead.hubspot, id: contactId, syncStatus: 'SYNCED' as const, syncedHash: 'old' } };
    };
    const { store, ledger, reader, deps } = setup('lead-b', [linked('lead-a', '500'), linked('lead-b', '501'), linked('lead-c', '502')]);
    for (const [id, leadId] of [['500', 'lead-a'], ['501', 'lead-b'], ['502', 'lead-c']] as const) reader.put(id, { email: `${leadId}@example.com`, firstname: 'New' });
    const only = message([change(500), change(501), change(502)]);

    // Act
    const first = await processInboundBatch([only], deps);
    const again = await processInboundBatch([{ ...only, receiveCount: 2 }], deps);

    // Assess
    expect(store.leads.get('lead-a')!.firstName).toBe('New');
    expect(store.leads.get('lead-c')!.firstName).toBe('New');
    expect(store.leads.get('lead-b')!.firstName).toBe('Old');
    expect(first.failedMessageIds).toEqual(new Set([only.messageId]));
    expect([...ledger.settled.keys()].sort()).toEqual(['p:500', 'p:502']);
    // The redelivery drops the settled events and retries the bad one alone.
    expect(again).toMatchObject({ duplicates: 2, processed: 0 });
    expect(again.failedMessageIds).toEqual(new Set([only.messageId]));
  });

  it('at the last attempt parks only the bad event, counted failed and logged with its reason', async () => {
    // Prepare
    const { ledger, log, reader, deps } = setup(contactLeadId(PORTAL, '901'));
    for (const id of [900, 901]) reader.put(String(id), { email: `p${id}@example.com` });
    const last = message([creation(900), creation(901)], MAX_RECEIVE_COUNT);

    // Act
    const report = await processInboundBatch([last], deps);

    // Assess
    expect(report).toMatchObject({ processed: 1, failed: 1 });
    expect(ledger.parked).toEqual(new Set(['c:901']));
    expect(ledger.settled.has('c:900')).toBe(true);
    expect(await ledger.totals()).toMatchObject({ totalReceived: 2, totalProcessed: 1, totalFailed: 1 });
    const parked = log.at('error').find((e) => e.attributes.eventKey === 'c:901');
    expect(parked?.attributes.reason).toContain('Item size has exceeded');
  });
});
