/**
 * HubSpot contact events → leads (the inbound core, not yet wired to a route): creation, a
 * person's edit, echoes of our own writes, the origin marker, out-of-order changes, deletion.
 */
import { describe, expect, it } from 'vitest';
import { contactProperties, propertiesHash } from '../../functions/core/contact-mapping.js';
import { applyContactEvents, type ConflictRule, type ContactEvent } from '../../functions/core/inbound-contacts.js';
import { syncLeadBatch } from '../../functions/core/lead-sync.js';
import type { ContactState, HubSpotContactReader } from '../../functions/core/ports.js';
import { FakeHubSpot, InMemoryLeadStore, RecordingLog, RecordingRetries, storedLead } from './support/fakes.js';

class FakeContactReader implements HubSpotContactReader {
  readonly contacts = new Map<string, ContactState>();
  readonly calls: string[][] = [];
  async readContacts(ids: readonly string[]): Promise<Map<string, ContactState>> {
    this.calls.push([...ids]);
    return new Map(ids.flatMap((id) => (this.contacts.has(id) ? [[id, this.contacts.get(id)!] as const] : [])));
  }
  put(id: string, properties: Record<string, string | null>, updatedAt = '2025-10-12T12:00:00.000Z'): void {
    this.contacts.set(id, { id, properties, updatedAt });
  }
}

const NOW = new Date('2025-10-12T12:30:00.000Z');
const event = (subscriptionType: string, objectId: number, occurredAt = 1): ContactEvent => ({ subscriptionType, objectId, occurredAt });

function setup(leads = [] as ReturnType<typeof storedLead>[], conflictRule: ConflictRule = 'hubspot_wins') {
  const store = new InMemoryLeadStore(leads);
  const contacts = new FakeContactReader();
  let n = 0;
  const deps = {
    leads: store,
    contacts,
    platformSource: 'platform',
    conflictRule,
    newId: () => `lead-new-${(n += 1)}`,
    now: () => NOW,
    log: new RecordingLog(),
  };
  return { store, contacts, deps };
}

/** A platform lead as the outbound consumer leaves it after writing contact 501. */
function syncedPlatformLead() {
  const lead = storedLead('lead-ana', { email: 'ana@example.com', firstName: 'Ana', phone: '+341234567' });
  return { ...lead, hubspot: { ...lead.hubspot, id: '501', syncStatus: 'SYNCED' as const, syncedHash: propertiesHash(contactProperties(lead, 'platform')) } };
}

describe('applyContactEvents', () => {
  it('creates a lead for a contact a person created in HubSpot, read with one batch call', async () => {
    // Prepare
    const { store, contacts, deps } = setup();
    contacts.put('900', { email: 'Bea@Example.com', firstname: 'Bea', lastname: 'Diaz', lead_source_system: null });
    // Act
    const report = await applyContactEvents([event('contact.creation', 900), event('contact.propertyChange', 900, 2)], deps);
    // Assess
    expect(report).toMatchObject({ created: 1, updated: 0, contactReads: 1 });
    const [lead] = await store.findByEmail('bea@example.com');
    expect(lead).toMatchObject({ firstName: 'Bea', lastName: 'Diaz', hubspot: { id: '900', syncStatus: 'SYNCED' }, crmMetadata: { sourceSystem: 'hubspot', lastSyncDirection: 'from_crm' } });
  });

  it('skips a contact without email, with the reason', async () => {
    const { store, contacts, deps } = setup();
    contacts.put('901', { email: null, firstname: 'NoMail' });
    const report = await applyContactEvents([event('contact.creation', 901)], deps);
    expect(report.skipped).toEqual({ no_email: 1 });
    expect(store.leads.size).toBe(0);
  });

  it('does not bring back a contact the platform uploaded when no lead knows it (origin marker)', async () => {
    const { store, contacts, deps } = setup();
    contacts.put('902', { email: 'up@example.com', lead_source_system: 'platform' });
    const report = await applyContactEvents([event('contact.creation', 902)], deps);
    expect(report.skipped).toEqual({ platform_origin: 1 });
    expect(store.leads.size).toBe(0);
  });

  it('recognises the echo of the platform\'s own write and changes nothing', async () => {
    // Prepare: HubSpot announces the very values the outbound consumer wrote.
    const lead = syncedPlatformLead();
    const { store, contacts, deps } = setup([lead]);
    contacts.put('501', { email: 'ana@example.com', firstname: 'Ana', phone: '+341234567', lead_source_system: 'platform' });
    // Act
    const report = await applyContactEvents([event('contact.creation', 501), event('contact.propertyChange', 501, 2)], deps);
    // Assess
    expect(report.skipped).toEqual({ echo: 1 });
    expect(store.operations.filter((o) => o.startsWith('applyCrmChange'))).toEqual([]);
    expect(store.leads.get('lead-ana')).toEqual(lead);
  });

  it('brings a person\'s later edit to the lead, and the lead is then not sent back to HubSpot', async () => {
    // Prepare
    const lead = syncedPlatformLead();
    const { store, contacts, deps } = setup([lead]);
    contacts.put('501', { email: 'ana@example.com', firstname: 'Anabel', phone: '+341234567', lead_source_system: 'platform' });
    // Act
    const report = await applyContactEvents([event('contact.propertyChange', 501)], deps);
    const hubspot = new FakeHubSpot();
    await syncLeadBatch([{ messageId: 'm', receiptHandle: 'rh', leadId: 'lead-ana', receiveCount: 1 }], {
      leads: store,
      hubspot,
      retries: new RecordingRetries(),
      requeue: async () => ({ failed: [] }),
      platformSource: 'platform',
      maxReceiveCount: 8,
      now: () => NOW,
      random: () => 0.5,
      remainingTimeMs: () => 30_000,
      log: new RecordingLog(),
    });
    // Assess
    expect(report.updated).toBe(1);
    expect(store.leads.get('lead-ana')).toMatchObject({ firstName: 'Anabel', crmMetadata: { lastSyncDirection: 'from_crm', sourceSystem: 'platform' } });
    expect(hubspot.calls).toHaveLength(0);
  });

  it('never applies an older HubSpot change over a newer one', async () => {
    const lead = syncedPlatformLead();
    const newer = { ...lead, crmMetadata: { ...lead.crmMetadata, lastModifiedInCrm: '2025-10-12T12:10:00.000Z' } };
    const { store, contacts, deps } = setup([newer]);
    contacts.put('501', { email: 'ana@example.com', firstname: 'Old value', lead_source_system: 'platform' }, '2025-10-12T12:05:00.000Z');
    const report = await applyContactEvents([event('contact.propertyChange', 501)], deps);
    expect(report.skipped).toEqual({ stale: 1 });
    expect(store.leads.get('lead-ana')!.firstName).toBe('Ana');
  });

  it('unlinks the lead of a deleted contact and keeps the lead', async () => {
    const { store, deps } = setup([syncedPlatformLead()]);
    const report = await applyContactEvents([event('contact.propertyChange', 501, 1), event('contact.deletion', 501, 2)], deps);
    expect(report.unlinked).toBe(1);
    expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ syncStatus: 'UNLINKED', id: undefined });
  });

  it('reads at most 100 contacts per call', async () => {
    const { contacts, deps } = setup();
    for (let i = 0; i < 150; i += 1) contacts.put(String(1000 + i), { email: `p${i}@example.com` });
    const report = await applyContactEvents(Array.from({ length: 150 }, (_, i) => event('contact.creation', 1000 + i)), deps);
    expect(contacts.calls.map((c) => c.length)).toEqual([100, 50]);
    expect(report).toMatchObject({ created: 150, contactReads: 2 });
  });

  it('counts event types it does not apply yet instead of guessing', async () => {
    const { deps } = setup();
    const report = await applyContactEvents([event('contact.merge', 1), event('contact.privacyDeletion', 2), event('deal.creation', 3)], deps);
    expect(report.skipped).toEqual({ unsupported_event: 3 });
  });

  it('applies the configured conflict rule', async () => {
    const lead = syncedPlatformLead();
    const edited = { email: 'ana@example.com', firstname: 'Changed in HubSpot', lead_source_system: 'platform' };

    const platformWins = setup([lead], 'platform_wins');
    platformWins.contacts.put('501', edited);
    expect((await applyContactEvents([event('contact.propertyChange', 501)], platformWins.deps)).skipped).toEqual({ platform_wins: 1 });

    const lastWrite = setup([{ ...lead, updatedAt: '2025-10-12T12:20:00.000Z' }], 'last_write_wins');
    lastWrite.contacts.put('501', edited, '2025-10-12T12:10:00.000Z');
    expect((await applyContactEvents([event('contact.propertyChange', 501)], lastWrite.deps)).skipped).toEqual({ older_than_platform: 1 });

    const hubspotWins = setup([lead], 'hubspot_wins');
    hubspotWins.contacts.put('501', edited);
    expect((await applyContactEvents([event('contact.propertyChange', 501)], hubspotWins.deps)).updated).toBe(1);
  });
});
