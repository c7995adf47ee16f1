/**
 * HubSpot contact events → platform leads (seeds 001 and 003; issue 3 §2).
 *
 * Events only say that something changed; the contact is read (one batch read per 100 contacts)
 * and its current state applied, so a late or repeated event can never bring back older values,
 * and the lead's `lastModifiedInCrm` guards the write against a concurrent newer one.
 *
 * Loop prevention is two things:
 * - the origin marker: a contact marked with PLATFORM_SOURCE_VALUE that no lead knows was uploaded
 *   by the platform (seed 001 "No Duplicates"): no lead is created for it;
 * - echo suppression: a contact whose values hash to what the platform last wrote for the lead is
 *   our own write coming back, and changes nothing. A person's later edit hashes differently, so
 *   it reaches the lead, and the lead records the new hash, so it is not sent back to HubSpot.
 *
 * Not wired to a route or queue yet (issue 3 builds the ingest and the consumer on it).
 */
import { contactHash, leadFieldsOf, LEAD_TO_CONTACT, ORIGIN_PROPERTY } from './contact-mapping.js';
import { newLead } from './lead.js';
import type { ContactState, HubSpotContactReader, LeadStore, Log } from './ports.js';

/** What the core needs of a HubSpot webhook event (the connector parses the full shape). */
export interface ContactEvent {
  readonly subscriptionType: string;
  readonly objectId: number;
  readonly occurredAt: number;
}

/** Who wins when both sides changed a lead (seed 003 "Conflict resolution"). */
export type ConflictRule = 'hubspot_wins' | 'last_write_wins' | 'platform_wins';

export type SkipReason =
  | 'unsupported_event'
  | 'no_email'
  | 'echo'
  | 'platform_origin'
  | 'contact_not_found'
  | 'stale'
  | 'platform_wins'
  | 'older_than_platform'
  | 'not_linked';

export interface InboundDeps {
  readonly leads: LeadStore;
  readonly contacts: HubSpotContactReader;
  readonly platformSource: string;
  readonly conflictRule: ConflictRule;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly log: Log;
}

export interface InboundReport {
  created: number;
  updated: number;
  unlinked: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** HubSpot calls made to read contacts. */
  contactReads: number;
}

/** Batch read takes at most 100 ids (CRM API batch limits). */
const READ_BATCH = 100;
const READ_OPTIONS = { maxWaitMs: 2_000, timeoutMs: 10_000 };
const APPLIED_EVENTS = new Set(['contact.creation', 'contact.propertyChange', 'contact.restore', 'contact.deletion']);
export const CONTACT_READ_PROPERTIES = [...LEAD_TO_CONTACT.map(([, property]) => property), ORIGIN_PROPERTY, 'lastmodifieddate'];

/** Creations first, then by time, so a property change never runs before the creation it follows. */
function eventOrder(a: ContactEvent, b: ContactEvent): number {
  const created = (e: ContactEvent) => (e.subscriptionType === 'contact.creation' ? 0 : 1);
  return created(a) - created(b) || a.occurredAt - b.occurredAt;
}

export async function applyContactEvents(events: readonly ContactEvent[], deps: InboundDeps): Promise<InboundReport> {
  const report: InboundReport = { created: 0, updated: 0, unlinked: 0, skipped: {}, contactReads: 0 };
  const skip = (reason: SkipReason, attributes: Record<string, unknown> = {}) => {
    report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
    deps.log.debug('HubSpot event skipped', { reason, ...attributes });
  };

  // One outcome per contact: the last event of each decides whether it still exists.
  const byContact = new Map<string, ContactEvent[]>();
  for (const event of [...events].sort(eventOrder)) {
    if (!APPLIED_EVENTS.has(event.subscriptionType)) {
      // Merge and privacy deletion need their own handling (issue 3); until then they are counted, not guessed at.
      skip('unsupported_event', { subscriptionType: event.subscriptionType });
      continue;
    }
    const id = String(event.objectId);
    byContact.set(id, [...(byContact.get(id) ?? []), event]);
  }

  const toRead: string[] = [];
  for (const [id, contactEvents] of byContact) {
    const last = contactEvents[contactEvents.length - 1]!;
    if (last.subscriptionType === 'contact.deletion') {
      const lead = await deps.leads.findByHubSpotId(id);
      if (!lead) {
        skip('not_linked', { hubspotId: id });
        continue;
      }
      await deps.leads.unlink(lead.leadId, deps.now().toISOString());
      report.unlinked += 1;
      continue;
    }
    toRead.push(id);
  }

  for (let i = 0; i < toRead.length; i += READ_BATCH) {
    const ids = toRead.slice(i, i + READ_BATCH);
    const contacts = await deps.contacts.readContacts(ids, CONTACT_READ_PROPERTIES, READ_OPTIONS);
    report.contactReads += 1;
    for (const id of ids) {
      const contact = contacts.get(id);
      if (!contact) {
        skip('contact_not_found', { hubspotId: id });
        continue;
      }
      await applyContact(contact, deps, report, skip);
    }
  }
  return report;
}

async function applyContact(
  contact: ContactState,
  deps: InboundDeps,
  report: InboundReport,
  skip: (reason: SkipReason, attributes?: Record<string, unknown>) => void,
): Promise<void> {
  const fields = leadFieldsOf(contact.properties);
  const email = fields.email;
  if (!email) {
    // Seed 001 troubleshooting: contacts without an email cannot become leads.
    skip('no_email', { hubspotId: contact.id });
    return;
  }
  const lead = (await deps.leads.findByHubSpotId(contact.id)) ?? (await deps.leads.findByEmail(email)).find((l) => l.hubspot.syncStatus !== 'UNLINKED');
  const at = deps.now().toISOString();
  const platformOrigin = contact.properties[ORIGIN_PROPERTY] === deps.platformSource;

  if (!lead) {
    if (platformOrigin) {
      // Uploaded by the platform and no lead knows it: bringing it back would duplicate a lead.
      skip('platform_origin', { hubspotId: contact.id });
      return;
    }
    const created = newLead({ email, ...withoutEmail(fields) }, deps.newId(), deps.now());
    await deps.leads.create({
      ...created,
      hubspot: { ...created.hubspot, id: contact.id, syncStatus: 'SYNCED', syncedAt: at, syncedHash: contactHash(contact.properties, false) },
      crmMetadata: { sourceSystem: 'hubspot', lastSyncDirection: 'from_crm', syncVersion: 1, lastModifiedInCrm: contact.updatedAt },
    });
    report.created += 1;
    return;
  }

  const hash = contactHash(contact.properties, lead.crmMetadata.sourceSystem === 'platform');
  if (lead.hubspot.id === contact.id && lead.hubspot.syncedHash === hash) {
    skip('echo', { leadId: lead.leadId });
    return;
  }
  if (deps.conflictRule === 'platform_wins' && lead.hubspot.id !== undefined) {
    skip('platform_wins', { leadId: lead.leadId });
    return;
  }
  if (deps.conflictRule === 'last_write_wins' && lead.updatedAt > contact.updatedAt) {
    skip('older_than_platform', { leadId: lead.leadId });
    return;
  }
  const outcome = await deps.leads.applyCrmChange({
    leadId: lead.leadId,
    hubspotId: contact.id,
    fields,
    modifiedInCrm: contact.updatedAt,
    hash,
    at,
  });
  if (outcome === 'applied') report.updated += 1;
  else skip('stale', { leadId: lead.leadId, outcome });
}

function withoutEmail(fields: ReturnType<typeof leadFieldsOf>): Omit<ReturnType<typeof leadFieldsOf>, 'email'> {
  const { email: _email, ...rest } = fields;
  return rest;
}

