/**
 * HubSpot contact events → leads (the inbound core, not yet wired to a route): creation, a
 * person's edit, echoes of our own writes, the origin marker, out-of-order changes, deletion.
 */
import { describe, expect, it } from 'vitest';
import { contactProperties, propertiesHash } from '../../functions/core/contact-mapping.js';
import { applyContactEvents, type ConflictRule, type ContactEvent, type ContactLeadBatches } from '../../functions/core/inbound-contacts.js';
import type { Lead } from '../../functions/core/lead.js';
import { syncLeadBatch } from '../../functions/core/lead-sync.js';
import type { ContactState, HubSpotContactReader } from '../../functions/core/ports.js';
import { FakeContactReader, FakeHubSpot, InMemoryLeadStore, RecordingLog, RecordingRetries, storedLead, T0 } from './support/fakes.js';

const NOW = new Date('2025-10-12T12:30:00.000Z');
const event = (subscriptionType: string, objectId: number, occurredAt = 1): ContactEvent => ({ key: `${subscriptionType}:${objectId}:${occurredAt}`, subscriptionType, objectId, occurredAt });

function setup(leads = [] as ReturnType<typeof storedLead>[], conflictRule: ConflictRule = 'hubspot_wins') {
  const store = new InMemoryLeadStore(leads);
  const contacts = new FakeContactReader();
  const deps = {
    leads: store,
    contacts,
    platformSource: 'platform',
    conflictRule,
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

  it.each(['buildium', 'turbotenant'])('does not make a lead of a contact the %s flow wrote, but updates a lead of the same person', async (origin) => {
    // Prepare
    const { store, contacts, deps } = setup();
    contacts.put('903', { email: 'tenant@example.com', firstname: 'Ten', lead_source_system: origin });
    // Act
    const report = await applyContactEvents([event('contact.creation', 903)], deps);
    // Assess: not a lead...
    expect(report.skipped).toEqual({ integration_origin: 1 });
    expect(store.leads.size).toBe(0);
    // ...but a person's lead with that email follows the contact (here: linked by the creation).
    const lead = syncedPlatformLead();
    await store.create({ ...lead, email: 'tenant2@example.com', hubspot: { ...lead.hubspot, id: '904' } });
    contacts.put('904', { email: 'tenant2@example.com', firstname: 'Renamed', lastname: lead.lastName ?? 'Ruiz', lead_source_system: origin });
    const second = await applyContactEvents([event('contact.propertyChange', 904, 2)], deps);
    expect(second.skipped).not.toHaveProperty('integration_origin');
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

  it('skips association changes and event types it does not know as unsupported, reading and writing nothing', async () => {
    // Prepare
    const lead = syncedPlatformLead();
    const { store, contacts, deps } = setup([lead]);
    const events = [event('contact.associationChange', 501), event('deal.creation', 3), event('contact.somethingNew', 501, 2)];
    // Act
    const report = await applyContactEvents(events, deps);
    // Assess
    expect(report.skipped).toEqual({ unsupported_event: 3 });
    expect([...report.outcomes.values()]).toEqual(Array(3).fill({ status: 'skipped', reason: 'unsupported_event' }));
    expect(contacts.calls).toEqual([]);
    expect(store.leads.get('lead-ana')).toEqual(lead);
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

const mergeEvent = (ids: { primary: number; merged: number[]; newObjectId?: number }, occurredAt = 1): ContactEvent => ({
  key: `contact.merge:${ids.primary}:${occurredAt}`,
  subscriptionType: 'contact.merge',
  objectId: ids.primary,
  occurredAt,
  primaryObjectId: ids.primary,
  mergedObjectIds: ids.merged,
  ...(ids.newObjectId !== undefined ? { newObjectId: ids.newObjectId } : {}),
});

/** A lead holding every personal field, linked to contact 501 by the outbound consumer. */
function fullPlatformLead() {
  const lead = storedLead('lead-ana', { email: 'ana@example.com', firstName: 'Ana', lastName: 'Ruiz', phone: '+341234567', message: 'Call me', source: 'landing' });
  return { ...lead, hubspot: { ...lead.hubspot, id: '501', syncStatus: 'SYNCED' as const, syncedHash: propertiesHash(contactProperties(lead, 'platform')) } };
}

describe('applyContactEvents, merges', () => {
  it('moves the lead of a merged contact to the surviving contact and takes the survivor\'s values', async () => {
    // Prepare: contact 501 (Ana's lead) is merged into 600, which has a newer phone and a last name.
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    contacts.put('600', { email: 'ana@example.com', firstname: 'Ana', lastname: 'Ruiz', phone: '+349999999', lead_source_system: 'platform' }, '2025-10-12T12:20:00.000Z');
    // Act
    const report = await applyContactEvents([mergeEvent({ primary: 600, merged: [501] })], deps);
    // Assess
    expect(report).toMatchObject({ repointed: 1, updated: 1, created: 0 });
    expect(contacts.calls).toEqual([['600']]);
    expect(store.leads.size).toBe(1);
    expect(store.leads.get('lead-ana')).toMatchObject({ lastName: 'Ruiz', phone: '+349999999', hubspot: { id: '600', syncStatus: 'SYNCED' } });
    expect(await store.findByHubSpotId('501')).toEqual([]);
  });

  it('moves the lead of the primary contact to the new record HubSpot made for the merge', async () => {
    // Prepare: Ana's contact 501 is the primary; HubSpot made contact 700 for the merge with 502.
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    contacts.put('700', { email: 'ana@example.com', firstname: 'Ana Merged', phone: '+341234567', lead_source_system: 'platform' });
    // Act
    const report = await applyContactEvents([mergeEvent({ primary: 501, merged: [502], newObjectId: 700 })], deps);
    // Assess
    expect(report).toMatchObject({ repointed: 1, updated: 1 });
    expect(store.leads.get('lead-ana')).toMatchObject({ firstName: 'Ana Merged', hubspot: { id: '700' } });
  });

  it('treats a merge of two contacts no lead knew like the survivor\'s creation', async () => {
    // Prepare: neither 610 nor 611 has a lead; the survivor is a person's contact with an email.
    const { store, contacts, deps } = setup();
    contacts.put('610', { email: 'carla@example.com', firstname: 'Carla', lead_source_system: null });
    const merge = mergeEvent({ primary: 610, merged: [611] });
    // Act
    const report = await applyContactEvents([merge], deps);
    // Assess: one lead, for the survivor; nothing was repointed, nothing linked to the merged contact.
    expect(report).toMatchObject({ created: 1, repointed: 0, updated: 0 });
    expect(report.outcomes.get(merge.key)).toEqual({ status: 'processed', action: 'created' });
    expect(store.leads.size).toBe(1);
    expect((await store.findByHubSpotId('610'))[0]).toMatchObject({ email: 'carla@example.com', firstName: 'Carla' });
    expect(await store.findByHubSpotId('611')).toEqual([]);
  });
});

describe('applyContactEvents, privacy deletion, deletion and restore', () => {
  it('erases the person\'s data on a privacy deletion and keeps the lead, UNLINKED', async () => {
    // Prepare
    const { store, deps } = setup([fullPlatformLead()]);
    // Act
    const report = await applyContactEvents([event('contact.privacyDeletion', 501)], deps);
    // Assess: one check that HubSpot no longer has the contact, no state read.
    expect(report).toMatchObject({ erased: 1, unlinked: 0, contactReads: 1 });
    const lead = store.leads.get('lead-ana')!;
    expect(lead).toMatchObject({ leadId: 'lead-ana', email: '', createdAt: T0.toISOString(), erasedAt: NOW.toISOString(), hubspot: { syncStatus: 'UNLINKED' } });
    expect([lead.firstName, lead.lastName, lead.phone, lead.message, lead.hubspot.id]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(await store.findByEmail('ana@example.com')).toEqual([]);
  });

  it('does not bring the data back on a later change of the erased contact, which HubSpot no longer has', async () => {
    // Prepare
    const { store, deps } = setup([fullPlatformLead()]);
    await applyContactEvents([event('contact.privacyDeletion', 501, 2)], deps);
    // Act: a change made before the deletion, delivered late; the contact is gone from HubSpot.
    const report = await applyContactEvents([event('contact.propertyChange', 501, 1)], deps);
    // Assess
    expect(report.skipped).toEqual({ contact_not_found: 1 });
    expect(store.leads.size).toBe(1);
    expect(store.leads.get('lead-ana')).toMatchObject({ email: '', erasedAt: NOW.toISOString() });
  });

  it('does not bring the data back on a later change of the erased contact while HubSpot still answers for it', async () => {
    // Prepare: a lead that came from a person's contact 900 (no origin marker), then erased; the
    // read right after the deletion still returns the contact (HubSpot not yet consistent).
    const { store, contacts, deps } = setup();
    contacts.put('900', { email: 'bea@example.com', firstname: 'Bea', lastname: 'Diaz', lead_source_system: null });
    await applyContactEvents([event('contact.creation', 900, 1)], deps);
    contacts.remove('900');
    await applyContactEvents([event('contact.privacyDeletion', 900, 2)], deps);
    contacts.put('900', { email: 'bea@example.com', firstname: 'Bea', lastname: 'Diaz', lead_source_system: null }, '2025-10-12T12:40:00.000Z');
    // Act
    const report = await applyContactEvents([event('contact.propertyChange', 900, 3)], deps);
    // Assess: no lead holds Bea's data again.
    expect(report.created + report.updated).toBe(0);
    expect(await store.findByEmail('bea@example.com')).toEqual([]);
    expect(store.leads.size).toBe(1);
  });

  it('erases a lead already unlinked by the contact\'s deletion, found by its former contact id', async () => {
    // Prepare: the contact was deleted first (the lead keeps 501 as its former contact).
    const { store, deps } = setup([fullPlatformLead()]);
    await applyContactEvents([event('contact.deletion', 501, 1)], deps);
    expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ syncStatus: 'UNLINKED', formerId: '501' });
    // Act
    const report = await applyContactEvents([event('contact.privacyDeletion', 501, 2)], deps);
    // Assess
    expect(report).toMatchObject({ erased: 1, skipped: {} });
    const lead = store.leads.get('lead-ana')!;
    expect(lead).toMatchObject({ email: '', erasedAt: NOW.toISOString(), hubspot: { syncStatus: 'UNLINKED' } });
    expect([lead.firstName, lead.lastName, lead.phone, lead.message]).toEqual([undefined, undefined, undefined, undefined]);
    // Only the contact's id (no personal data) still leads to the erased lead, so later events change nothing.
    expect((await store.findByFormerHubSpotId('501'))[0]?.leadId).toBe('lead-ana');
  });

  it('erases the lead when HubSpot sends the privacy deletion together with the deletion it triggers, in either order', async () => {
    // HubSpot: "The privacyDeletion event will also trigger the normal contact.delete event".
    for (const order of [['contact.deletion', 'contact.privacyDeletion'], ['contact.privacyDeletion', 'contact.deletion']]) {
      // Prepare
      const { store, deps } = setup([fullPlatformLead()]);
      // Act: both at the same moment, in one batch.
      const report = await applyContactEvents(order.map((type) => event(type, 501, 5)), deps);
      // Assess
      expect(report, order.join(' then ')).toMatchObject({ erased: 1, unlinked: 0 });
      expect(store.leads.get('lead-ana')!.email, order.join(' then ')).toBe('');
    }
  });

  it('relinks the same lead when a deleted contact is restored, without a second lead', async () => {
    // Prepare
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    await applyContactEvents([event('contact.deletion', 501, 1)], deps);
    // The restored contact, as it was, with a lastmodifieddate moved by the restore.
    contacts.put('501', { email: 'ana@example.com', firstname: 'Ana', phone: '+341234567', lead_source_system: 'platform' }, '2025-10-12T12:25:00.000Z');
    // Act
    const report = await applyContactEvents([event('contact.restore', 501, 2)], deps);
    // Assess
    expect(report).toMatchObject({ updated: 1, created: 0 });
    expect(store.leads.size).toBe(1);
    expect(store.operations.filter((o) => o.startsWith('create'))).toEqual([]);
    expect(store.leads.get('lead-ana')).toMatchObject({ firstName: 'Ana', hubspot: { id: '501', syncStatus: 'SYNCED' } });
    expect(await store.findByFormerHubSpotId('501')).toEqual([]);
  });

  it('relinks an UNLINKED lead to a contact recreated with its email instead of duplicating it', async () => {
    // Prepare: Ana's contact 501 was deleted; a person creates contact 950 for her again.
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    await applyContactEvents([event('contact.deletion', 501, 1)], deps);
    contacts.put('950', { email: 'Ana@Example.com', firstname: 'Ana', lastname: 'Ruiz', lead_source_system: null });
    // Act
    const report = await applyContactEvents([event('contact.creation', 950, 2)], deps);
    // Assess
    expect(report).toMatchObject({ created: 0, updated: 1 });
    expect(store.leads.size).toBe(1);
    expect(store.leads.get('lead-ana')).toMatchObject({ lastName: 'Ruiz', hubspot: { id: '950', syncStatus: 'SYNCED' } });
    expect(await store.findByFormerHubSpotId('501')).toEqual([]);
  });
});

describe('applyContactEvents, outcomes and echoes', () => {
  it('reports exactly one outcome per event key, shared by the events of one contact', async () => {
    // Prepare
    const { contacts, deps } = setup([syncedPlatformLead()]);
    contacts.put('900', { email: 'bea@example.com', firstname: 'Bea' });
    const events = [
      event('contact.creation', 900, 1),
      event('contact.propertyChange', 900, 2),
      event('contact.propertyChange', 900, 3),
      event('contact.deletion', 501, 1),
      event('contact.propertyChange', 902, 1),
      event('contact.associationChange', 900, 4),
    ];
    // Act
    const report = await applyContactEvents(events, deps);
    // Assess
    expect([...report.outcomes.keys()].sort()).toEqual(events.map((e) => e.key).sort());
    const outcome = (i: number) => report.outcomes.get(events[i]!.key);
    for (const i of [0, 1, 2]) expect(outcome(i)).toEqual({ status: 'processed', action: 'created' });
    expect(outcome(3)).toEqual({ status: 'processed', action: 'unlinked' });
    expect(outcome(4)).toEqual({ status: 'skipped', reason: 'contact_not_found' });
    expect(outcome(5)).toEqual({ status: 'skipped', reason: 'unsupported_event' });
    // Counts are per contact, not per event.
    expect(report).toMatchObject({ created: 1, unlinked: 1, skipped: { contact_not_found: 1, unsupported_event: 1 } });
  });

  it('recognises the echo of the platform\'s write before the outbound consumer recorded it', async () => {
    // Prepare: the lead is still PENDING without a contact id; HubSpot already holds its values.
    const lead = storedLead('lead-ana', { email: 'ana@example.com', firstName: 'Ana', phone: '+341234567' });
    const { store, contacts, deps } = setup([lead]);
    contacts.put('501', { email: 'ana@example.com', firstname: 'Ana', phone: '+341234567', lead_source_system: 'platform' });
    const creation = event('contact.creation', 501);
    // Act
    const report = await applyContactEvents([creation], deps);
    // Assess
    expect(report.outcomes.get(creation.key)).toEqual({ status: 'skipped', reason: 'echo' });
    expect(store.operations.filter((o) => !o.startsWith('findByEmail'))).toEqual([]);
    expect(store.leads.get('lead-ana')).toEqual(lead);
  });
});

describe('applyContactEvents, destructive events checked against HubSpot (issue 12 §2)', () => {
  it('a forged privacy deletion of a live contact erases nothing, and the contact\'s state is applied instead', async () => {
    // Prepare: Ana's contact 501 is live in HubSpot.
    const { store, contacts, deps } = setup([fullPlatformLead()]);
    const before = store.leads.get('lead-ana')!;
    contacts.put('501', { email: 'ana@example.com', firstname: 'Ana', lastname: 'Ruiz', phone: '+341234567', lead_source_system: 'platform' });
    const forged = event('contact.privacyDeletion', 501, 9);
    // Act
    const report = await applyContactEvents([forged], deps);
    // Assess
    expect(report.erased).toBe(0);
    expect(contacts.presenceCalls).toEqual([['501']]);
    const lead = store.leads.get('lead-ana')!;
    expect(lead).toMatchObject({ email: 'ana@example.com', firstName: before.firstName, hubspot: { id: '501' } });
    expect(lead.erasedAt).toBeUndefined();
  });

  it('a forged or stale deletion of a live contact unlinks nothing', async () => {
    // Prepare: the contact was restored since (or never deleted).
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    contacts.put('501', { email: 'ana@example.com', firstname: 'Ana', phone: '+341234567', lead_source_system: 'platform' });
    // Act
    const report = await applyContactEvents([event('contact.deletion', 501, 3)], deps);
    // Assess
    expect(report.unlinked).toBe(0);
    expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ id: '501', syncStatus: 'SYNCED' });
  });

  it('a privacy deletion of a contact HubSpot keeps in its recycle bin erases nothing (skipped: not_deleted)', async () => {
    const { store, contacts, deps } = setup([fullPlatformLead()]);
    contacts.archive('501');
    const privacy = event('contact.privacyDeletion', 501, 4);
    const report = await applyContactEvents([privacy], deps);
    expect(report.outcomes.get(privacy.key)).toEqual({ status: 'skipped', reason: 'not_deleted' });
    expect(store.leads.get('lead-ana')!.email).toBe('ana@example.com');
  });

  it('a deletion HubSpot confirms (the contact is archived) unlinks the lead', async () => {
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    contacts.archive('501');
    const report = await applyContactEvents([event('contact.deletion', 501, 3)], deps);
    expect(report.unlinked).toBe(1);
    expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ syncStatus: 'UNLINKED', formerId: '501' });
  });

  it('a forged merge naming a live contact as merged moves none of its leads', async () => {
    // Prepare: Ana's contact 501 is live and no merge happened; contact 600 exists too.
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    contacts.put('501', { email: 'ana@example.com', firstname: 'Ana', phone: '+341234567', lead_source_system: 'platform' });
    contacts.put('600', { email: 'other@example.com', firstname: 'Other' });
    // Act
    const report = await applyContactEvents([mergeEvent({ primary: 600, merged: [501] })], deps);
    // Assess
    expect(report.repointed).toBe(0);
    expect(store.leads.get('lead-ana')!.hubspot.id).toBe('501');
  });
});

describe('applyContactEvents, generic object events', () => {
  it('skips object events of other object types with their own reason', async () => {
    const { store, deps } = setup([syncedPlatformLead()]);
    const deal = event('object.creation', 77);
    const report = await applyContactEvents([deal], deps);
    expect(report.outcomes.get(deal.key)).toEqual({ status: 'skipped', reason: 'unsupported_object_type' });
    expect(store.operations).toEqual([]);
  });
});


describe('applyContactEvents, late deletions', () => {
  const DELETED_AT = Date.parse('2025-10-12T12:20:00.000Z');
  const RESTORED_AT = '2025-10-12T12:25:00.000Z';
  const anaProperties = { email: 'ana@example.com', firstname: 'Ana', phone: '+341234567', lead_source_system: 'platform' };

  it('a deletion older than the contact state the lead holds (restored and applied since) unlinks nothing', async () => {
    // Prepare: 501 was deleted at 12:20 and restored at 12:25; another consumer applied the
    // restore while this one's presence read still saw the contact in the recycle bin.
    const { store, deps } = setup([syncedPlatformLead()]);
    class RacingReader extends FakeContactReader {
      override async contactPresence(ids: readonly string[], options: { maxWaitMs: number; timeoutMs: number }) {
        const answer = await super.contactPresence(ids, options);
        this.put('501', anaProperties, RESTORED_AT);
        await applyContactEvents([event('contact.restore', 501, Date.parse(RESTORED_AT))], { ...deps, contacts: this });
        return answer;
      }
    }
    const contacts = new RacingReader();
    contacts.archive('501');
    const late = event('contact.deletion', 501, DELETED_AT);
    // Act
    const report = await applyContactEvents([late], { ...deps, contacts });
    // Assess
    expect(report.unlinked).toBe(0);
    expect(report.outcomes.get(late.key)).toEqual({ status: 'skipped', reason: 'stale' });
    expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ id: '501', syncStatus: 'SYNCED' });
  });

  it('a deletion delivered after the lead took a later state of the contact unlinks nothing (deleted again since: its own event unlinks)', async () => {
    // Prepare
    const lead = syncedPlatformLead();
    const { store, contacts, deps } = setup([{ ...lead, crmMetadata: { ...lead.crmMetadata, lastModifiedInCrm: RESTORED_AT } }]);
    contacts.archive('501');
    // Act
    const stale = await applyContactEvents([event('contact.deletion', 501, DELETED_AT)], deps);
    const current = await applyContactEvents([event('contact.deletion', 501, Date.parse('2025-10-12T12:28:00.000Z'))], deps);
    // Assess
    expect(stale).toMatchObject({ unlinked: 0, skipped: { stale: 1 } });
    expect(current.unlinked).toBe(1);
    expect(store.leads.get('lead-ana')!.hubspot).toMatchObject({ syncStatus: 'UNLINKED', formerId: '501' });
  });
});

describe('applyContactEvents, store work per read (issue 14 §2)', () => {
  /** The in-memory store's batched side, counting the calls a DynamoDB store answers in a few requests each. */
  class CountingBatches implements ContactLeadBatches {
    readonly calls: string[] = [];
    constructor(private readonly store: InMemoryLeadStore) {}
    private async each(kind: string, keys: readonly string[], find: (key: string) => Promise<Lead[]>) {
      this.calls.push(`${kind}:${keys.length}`);
      const found = new Map<string, Lead[]>();
      for (const key of keys) {
        const leads = await find(key);
        if (leads.length > 0) found.set(key, leads);
      }
      return found;
    }
    findByHubSpotIds(ids: readonly string[]) {
      return this.each('byHubSpotIds', ids, (id) => this.store.findByHubSpotId(id));
    }
    findByFormerHubSpotIds(ids: readonly string[]) {
      return this.each('byFormerHubSpotIds', ids, (id) => this.store.findByFormerHubSpotId(id));
    }
    findByEmails(emails: readonly string[]) {
      return this.each('byEmails', emails, (email) => this.store.findByEmail(email));
    }
    async createMany(leads: readonly Lead[]) {
      this.calls.push(`createMany:${leads.length}`);
      const taken = new Set<string>();
      for (const lead of leads) {
        if (this.store.leads.has(lead.leadId)) taken.add(lead.leadId);
        else this.store.leads.set(lead.leadId, lead);
      }
      return { taken, failed: new Map<string, unknown>() };
    }
  }

  it('looks up the leads of 100 new contacts with one call of each kind and stores them with one', async () => {
    // Prepare: 100 contacts people made, and one that is the platform's lead's contact (an echo).
    const { store, contacts, deps } = setup([syncedPlatformLead()]);
    contacts.put('501', { email: 'ana@example.com', firstname: 'Ana', phone: '+341234567', lead_source_system: 'platform' });
    const ids = Array.from({ length: 99 }, (_, i) => 2000 + i);
    for (const id of ids) contacts.put(String(id), { email: `person${id}@example.com`, firstname: `P${id}` });
    const batches = new CountingBatches(store);
    const events = [501, ...ids].flatMap((id) => [event('contact.creation', id, 1), event('contact.propertyChange', id, 2)]);
    // Act
    const report = await applyContactEvents(events, { ...deps, batches });
    // Assess
    expect(report).toMatchObject({ created: 99, skipped: { echo: 1 }, contactReads: 1 });
    expect(batches.calls).toEqual(['byHubSpotIds:100', 'byFormerHubSpotIds:99', 'byEmails:99', 'createMany:99']);
    expect(store.operations.filter((o) => o.startsWith('create'))).toEqual([]);
  });
});
