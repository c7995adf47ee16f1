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
 * - echo suppression: a contact whose values hash to what the platform last wrote for the lead
 *   (or to what the lead holds) is our own write coming back, and changes nothing. A person's
 *   later edit hashes differently, so it reaches the lead, and the lead records the new hash, so
 *   it is not sent back to HubSpot.
 *
 * Every event gets an outcome (processed, or skipped with a reason), which the webhook
 * statistics count; events of one contact share the outcome of that contact.
 */
import { createHash } from 'node:crypto';
import { ConflictError, RetryableError } from './errors.js';
import { contactHash, contactProperties, leadFieldsOf, LEAD_TO_CONTACT, ORIGIN_PROPERTY, propertiesHash, type LeadFields } from './contact-mapping.js';
import { newLead, type Lead } from './lead.js';
import { mapConcurrent } from './concurrency.js';
import { HUBSPOT_BATCH_MAX, type ContactPresence, type ContactState, type HubSpotContactReader, type LeadStore, type Log } from './ports.js';

/** What the core needs of a HubSpot webhook event (the connector parses the full shape). */
export interface ContactEvent {
  /** The dedupe key (subscription, event, time, object): outcomes are reported by it. */
  readonly key: string;
  readonly subscriptionType: string;
  readonly objectId: number;
  readonly occurredAt: number;
  /** contact.merge: the surviving contact and the ones merged into it. */
  readonly primaryObjectId?: number;
  readonly mergedObjectIds?: readonly number[];
  readonly newObjectId?: number;
}

/** Who wins when both sides changed a lead (seed 003 "Conflict resolution"). */
export const CONFLICT_RULES = ['hubspot_wins', 'last_write_wins', 'platform_wins'] as const;
export type ConflictRule = (typeof CONFLICT_RULES)[number];

export type SkipReason =
  | 'unsupported_event'
  | 'unknown_portal'
  | 'no_email'
  | 'echo'
  | 'platform_origin'
  | 'integration_origin'
  | 'contact_not_found'
  | 'stale'
  | 'platform_wins'
  | 'older_than_platform'
  | 'not_linked'
  /** A deletion or privacy deletion of a contact HubSpot still has: stale (restored since) or forged. */
  | 'not_deleted'
  /** A generic `object.*` event of another object type than contacts (0-1). */
  | 'unsupported_object_type';

/** `lead_source_system` values of contacts the Buildium and TurboTenant flows write (CONTRACT.md). */
export const INTEGRATION_ORIGINS: ReadonlySet<string> = new Set(['buildium', 'turbotenant']);

export type ProcessedAction = 'created' | 'updated' | 'unlinked' | 'erased' | 'repointed';

export type EventOutcome =
  | { readonly status: 'processed'; readonly action: ProcessedAction }
  | { readonly status: 'skipped'; readonly reason: SkipReason };

export interface InboundDeps {
  readonly leads: LeadStore;
  readonly contacts: HubSpotContactReader;
  readonly platformSource: string;
  readonly conflictRule: ConflictRule;
  readonly now: () => Date;
  readonly log: Log;
  /**
   * Time left in this invocation (Lambda's getRemainingTimeInMillis). A contact read that could
   * outlast it is not started: the events go back to the queue with backoff, rather than the whole
   * batch timing out (found by the chaos run). Absent: no deadline.
   */
  readonly remainingMs?: () => number;
  /** The portal the contacts are in: a lead created from a contact has an id derived from both. */
  readonly portalId?: string;
  /** Batched lead lookups and creations (the DynamoDB store); absent: `leads`, one contact at a time. */
  readonly batches?: ContactLeadBatches;
}

/**
 * The id of the lead created from a HubSpot contact: derived from the portal and the contact (a
 * UUID-shaped SHA-256, RFC 9562 version 8), so two consumers creating it at once (a re-sent or
 * duplicated delivery, a creation and a change in different batches) collide on the key instead
 * of making two leads (found by the chaos run).
 */
export function contactLeadId(portalId: string, contactId: string): string {
  const h = createHash('sha256').update(`hubspot-contact:${portalId}:${contactId}`).digest('hex');
  const variant = (8 | (Number.parseInt(h[16]!, 16) & 3)).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface InboundReport {
  created: number;
  updated: number;
  unlinked: number;
  erased: number;
  repointed: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** HubSpot calls made to read contacts. */
  contactReads: number;
  /** By event key. */
  outcomes: Map<string, EventOutcome>;
  /** By event key: why the event could not be applied now (the events of one contact share it). */
  failures: Map<string, unknown>;
}

/**
 * The lead store's work for one read of up to 100 contacts, in a few requests instead of a few
 * per contact (issue 14 §2: three lookups and a write per new contact held the flow to ~50 events/s).
 */
export interface ContactLeadBatches {
  /** The leads linked to each of these contacts, by contact id (absent: none). */
  findByHubSpotIds(ids: readonly string[]): Promise<Map<string, Lead[]>>;
  /** The UNLINKED leads each of these contacts was linked to, by contact id. */
  findByFormerHubSpotIds(ids: readonly string[]): Promise<Map<string, Lead[]>>;
  /** The leads with each of these (normalised) emails, by email. */
  findByEmails(emails: readonly string[]): Promise<Map<string, Lead[]>>;
  /**
   * Stores new leads, each only if its id is free: answers the ids that were taken (nothing written
   * for them) and the leads that could not be stored, each with its error (the others were stored).
   */
  createMany(leads: readonly Lead[]): Promise<{ taken: Set<string>; failed: Map<string, unknown> }>;
}

const READ_OPTIONS = { maxWaitMs: 2_000, timeoutMs: 10_000 };
/** Time kept after a read for writing the leads it decides and settling the batch. */
export const DEADLINE_MARGIN_MS = 8_000;
/** Contacts of one read applied at once (each a conditional write, or lookups when the batched ones fail). */
const APPLY_CONCURRENCY = 8;
/** A read given less than this is not worth starting. */
const MIN_READ_MS = 1_000;

/** The read's wait and timeout within the time left, or a RetryableError when there is not enough. */
function readOptions(remainingMs: number | undefined): { maxWaitMs: number; timeoutMs: number } {
  if (remainingMs === undefined) return READ_OPTIONS;
  const room = remainingMs - DEADLINE_MARGIN_MS;
  if (room < MIN_READ_MS) throw new RetryableError(`HubSpot contact read not started: ${Math.max(0, Math.round(remainingMs))} ms left in this invocation`);
  const maxWaitMs = Math.min(READ_OPTIONS.maxWaitMs, Math.floor(room / 4));
  return { maxWaitMs, timeoutMs: Math.min(READ_OPTIONS.timeoutMs, room - maxWaitMs) };
}
/** The contact event types this flow acts on (and `setup hubspot` subscribes to); others are recorded and skipped. */
export const HANDLED_CONTACT_EVENTS = [
  'contact.creation',
  'contact.propertyChange',
  'contact.deletion',
  'contact.merge',
  'contact.privacyDeletion',
  'contact.restore',
] as const;
export const APPLIED_EVENTS: ReadonlySet<string> = new Set(HANDLED_CONTACT_EVENTS);
export const CONTACT_READ_PROPERTIES = [...LEAD_TO_CONTACT.map(([, property]) => property), ORIGIN_PROPERTY, 'lastmodifieddate'];

/** Creations first, then by time, so a property change never runs before the creation it follows. */
function eventOrder(a: ContactEvent, b: ContactEvent): number {
  const created = (e: ContactEvent) => (e.subscriptionType === 'contact.creation' ? 0 : 1);
  return created(a) - created(b) || a.occurredAt - b.occurredAt;
}

/** The contact a merge leaves: a new record when HubSpot made one, else the primary. */
function mergeSurvivor(event: ContactEvent): string {
  return String(event.newObjectId ?? event.primaryObjectId ?? event.objectId);
}

export async function applyContactEvents(events: readonly ContactEvent[], deps: InboundDeps): Promise<InboundReport> {
  const report: InboundReport = { created: 0, updated: 0, unlinked: 0, erased: 0, repointed: 0, skipped: {}, contactReads: 0, outcomes: new Map(), failures: new Map() };
  const settle = (group: readonly ContactEvent[], outcome: EventOutcome, attributes: Record<string, unknown> = {}) => {
    for (const event of group) report.outcomes.set(event.key, outcome);
    if (outcome.status === 'skipped') {
      report.skipped[outcome.reason] = (report.skipped[outcome.reason] ?? 0) + 1;
      deps.log.debug('HubSpot event skipped', { reason: outcome.reason, events: group.length, ...attributes });
    } else {
      report[outcome.action] += 1;
    }
  };
  // One contact's failure is its events' alone: the other contacts' events still settle (issue 14 §1).
  const fail = (group: readonly ContactEvent[], error: unknown, attributes: Record<string, unknown> = {}, logged = false) => {
    for (const event of group) report.failures.set(event.key, error);
    if (!logged) deps.log.warn('HubSpot events of one contact failed', { events: group.length, error: error instanceof Error ? error.message : String(error), ...attributes });
  };
  const batches = deps.batches ?? oneByOne(deps.leads);

  // One outcome per contact: the last event of each decides whether it still exists.
  const byContact = new Map<string, ContactEvent[]>();
  const add = (id: string, event: ContactEvent) => byContact.set(id, [...(byContact.get(id) ?? []), event]);
  /** Merged contact → the survivor its leads move to, once HubSpot confirms the merge. */
  const mergedInto = new Map<string, string>();
  for (const event of [...events].sort(eventOrder)) {
    if (!APPLIED_EVENTS.has(event.subscriptionType)) {
      const reason = event.subscriptionType.startsWith('object.') ? 'unsupported_object_type' : 'unsupported_event';
      settle([event], { status: 'skipped', reason }, { subscriptionType: event.subscriptionType });
      continue;
    }
    if (event.subscriptionType === 'contact.merge') {
      // The leads of the merged contacts now belong to the survivor, whose state is then applied.
      const survivor = mergeSurvivor(event);
      for (const id of [...(event.mergedObjectIds ?? []), ...(event.primaryObjectId !== undefined ? [event.primaryObjectId] : [])].map(String)) {
        if (id !== survivor) mergedInto.set(id, survivor);
      }
      add(survivor, event);
      continue;
    }
    add(String(event.objectId), event);
  }
  const restored = new Set([...byContact].filter(([, group]) => group.some((e) => e.subscriptionType === 'contact.restore')).map(([id]) => id));
  /** Contacts whose events failed already: nothing more is done for them in this batch. */
  const failed = (id: string) => byContact.get(id)!.some((e) => report.failures.has(e.key));

  // Destructive events are checked against HubSpot first (issue 12 §2): a forged or stale deletion,
  // privacy deletion or merge of a contact HubSpot still has unlinks, erases or moves nothing.
  const destructive = (group: readonly ContactEvent[]) => group.some((e) => e.subscriptionType === 'contact.privacyDeletion') || group[group.length - 1]!.subscriptionType === 'contact.deletion';
  const toCheck = [...new Set([...mergedInto.keys(), ...[...byContact].filter(([, group]) => destructive(group)).map(([id]) => id)])];
  const presence = new Map<string, ContactPresence>();
  const unchecked = new Map<string, unknown>();
  let readFailure: unknown;
  for (let i = 0; i < toCheck.length; i += HUBSPOT_BATCH_MAX) {
    const ids = toCheck.slice(i, i + HUBSPOT_BATCH_MAX);
    try {
      if (readFailure !== undefined) throw readFailure;
      for (const [id, state] of await deps.contacts.contactPresence(ids, readOptions(deps.remainingMs?.()))) presence.set(id, state);
      report.contactReads += 1;
    } catch (error) {
      // A throttled or failed read (or no time left for one): no later read is started either.
      readFailure = error;
      deps.log.warn('HubSpot contacts not checked; their deletions and merges will be retried', { contacts: ids.length, error: error instanceof Error ? error.message : String(error) });
      for (const id of ids) unchecked.set(id, error);
    }
  }

  for (const [merged, survivor] of mergedInto) {
    if (failed(survivor)) continue;
    if (unchecked.has(merged)) {
      fail(byContact.get(survivor)!, unchecked.get(merged), { hubspotId: survivor }, true);
      continue;
    }
    if (presence.get(merged) === 'live') {
      deps.log.warn('HubSpot merge event not confirmed: the merged contact is still a contact of its own; its leads stay', { hubspotId: merged });
      continue;
    }
    try {
      for (const lead of await deps.leads.findByHubSpotId(merged)) {
        await deps.leads.repoint(lead.leadId, survivor, deps.now().toISOString());
        report.repointed += 1;
      }
    } catch (error) {
      fail(byContact.get(survivor)!, error, { hubspotId: survivor });
    }
  }

  const toRead: string[] = [];
  for (const [id, group] of byContact) {
    if (failed(id)) continue;
    if (!destructive(group)) {
      toRead.push(id);
      continue;
    }
    if (unchecked.has(id)) {
      fail(group, unchecked.get(id), { hubspotId: id }, true);
      continue;
    }
    const state = presence.get(id);
    if (state === 'live') {
      // A deletion of a contact that is live again (restored since, or never deleted) is applied
      // as what it now is: its current state.
      toRead.push(id);
      continue;
    }
    try {
      const outcome = await applyRemoval(id, group, state, deps);
      settle(group, outcome, { hubspotId: id });
    } catch (error) {
      fail(group, error, { hubspotId: id });
    }
  }

  for (let i = 0; i < toRead.length; i += HUBSPOT_BATCH_MAX) {
    const ids = toRead.slice(i, i + HUBSPOT_BATCH_MAX);
    let contacts: Map<string, ContactState>;
    try {
      if (readFailure !== undefined) throw readFailure;
      contacts = await deps.contacts.readContacts(ids, CONTACT_READ_PROPERTIES, readOptions(deps.remainingMs?.()));
      report.contactReads += 1;
    } catch (error) {
      readFailure = error;
      deps.log.warn('HubSpot contacts not read; their events will be retried', { contacts: ids.length, error: error instanceof Error ? error.message : String(error) });
      for (const id of ids) fail(byContact.get(id)!, error, { hubspotId: id }, true);
      continue;
    }
    const found: ContactState[] = [];
    for (const id of ids) {
      const contact = contacts.get(id);
      if (contact) found.push(contact);
      else settle(byContact.get(id)!, { status: 'skipped', reason: 'contact_not_found' }, { hubspotId: id });
    }
    await applyContacts(found, restored, batches, deps, {
      settle: (contact, outcome) => settle(byContact.get(contact.id)!, outcome, { hubspotId: contact.id }),
      fail: (contact, error) => fail(byContact.get(contact.id)!, error, { hubspotId: contact.id }),
    });
  }
  return report;
}

/**
 * A deletion or privacy deletion HubSpot confirmed (the contact is archived, or gone for good):
 * the contact's leads are unlinked, or erased.
 */
async function applyRemoval(id: string, group: readonly ContactEvent[], state: ContactPresence | undefined, deps: InboundDeps): Promise<EventOutcome> {
  // HubSpot sends a normal deletion along with a privacy deletion, in either order: the
  // privacy deletion wins whatever came last, once HubSpot no longer has the contact at all.
  if (state === undefined && group.some((e) => e.subscriptionType === 'contact.privacyDeletion')) {
    // GDPR deletion: the person's data goes from the platform too; the lead record stays, empty.
    const leads = [...(await deps.leads.findByHubSpotId(id)), ...(await deps.leads.findByFormerHubSpotId(id))].filter((l) => l.erasedAt === undefined);
    if (leads.length === 0) return { status: 'skipped', reason: 'not_linked' };
    for (const lead of leads) await deps.leads.erase(lead.leadId, deps.now().toISOString(), id);
    return { status: 'processed', action: 'erased' };
  }
  // A privacy deletion of a contact HubSpot still keeps (archived): not a GDPR deletion.
  if (!group.some((e) => e.subscriptionType === 'contact.deletion')) return { status: 'skipped', reason: 'not_deleted' };
  const leads = await deps.leads.findByHubSpotId(id);
  if (leads.length === 0) return { status: 'skipped', reason: 'not_linked' };
  // A lead holding a state of the contact HubSpot made after this deletion saw the contact live
  // since: restored after it (a later deletion comes with its own event). The leads are read
  // after the presence check, so a restore another consumer applied meanwhile is seen here.
  const deletedAt = Math.max(...group.filter((e) => e.subscriptionType === 'contact.deletion').map((e) => e.occurredAt));
  if (leads.some((lead) => lead.crmMetadata.lastModifiedInCrm !== undefined && Date.parse(lead.crmMetadata.lastModifiedInCrm) > deletedAt)) {
    return { status: 'skipped', reason: 'stale' };
  }
  for (const lead of leads) await deps.leads.unlink(lead.leadId, deps.now().toISOString(), id);
  return { status: 'processed', action: 'unlinked' };
}

/** The lead store's work for one contact read, one contact at a time (what the batched adapter does in a few requests). */
export function oneByOne(leads: LeadStore): ContactLeadBatches {
  const each = async (keys: readonly string[], find: (key: string) => Promise<Lead[]>): Promise<Map<string, Lead[]>> => {
    const found = new Map<string, Lead[]>();
    await mapConcurrent([...new Set(keys)], APPLY_CONCURRENCY, async (key) => {
      const some = await find(key);
      if (some.length > 0) found.set(key, some);
    });
    return found;
  };
  return {
    findByHubSpotIds: (ids) => each(ids, (id) => leads.findByHubSpotId(id)),
    findByFormerHubSpotIds: (ids) => each(ids, (id) => leads.findByFormerHubSpotId(id)),
    findByEmails: (emails) => each(emails, (email) => leads.findByEmail(email)),
    createMany: async (created) => {
      const taken = new Set<string>();
      const failed = new Map<string, unknown>();
      await mapConcurrent(created, APPLY_CONCURRENCY, async (lead) => {
        try {
          await leads.create(lead);
        } catch (error) {
          if (error instanceof ConflictError && error.code === 'lead_exists') taken.add(lead.leadId);
          else failed.set(lead.leadId, error);
        }
      });
      return { taken, failed };
    },
  };
}

interface ContactResults {
  settle(contact: ContactState, outcome: EventOutcome): void;
  fail(contact: ContactState, error: unknown): void;
}

/**
 * The contacts of one read applied to their leads: the leads looked up and the new ones stored for
 * all of them at once; when a batched step fails, the contacts go again one at a time, so the one
 * that cannot be applied fails alone.
 */
async function applyContacts(
  contacts: readonly ContactState[],
  restored: ReadonlySet<string>,
  batches: ContactLeadBatches,
  deps: InboundDeps,
  results: ContactResults,
): Promise<void> {
  const plans = new Map<ContactState, ContactPlan>();
  const withEmail: { contact: ContactState; fields: LeadFields; email: string }[] = [];
  for (const contact of contacts) {
    const fields = leadFieldsOf(contact.properties);
    // Seed 001 troubleshooting: contacts without an email cannot become leads.
    if (fields.email) withEmail.push({ contact, fields, email: fields.email });
    else results.settle(contact, { status: 'skipped', reason: 'no_email' });
  }
  let leads: Map<string, Lead[]>;
  try {
    leads = await leadsForContacts(withEmail, batches);
  } catch (error) {
    if (withEmail.length === 1) {
      results.fail(withEmail[0]!.contact, error);
      return;
    }
    await mapConcurrent(withEmail, APPLY_CONCURRENCY, (one) => applyContacts([one.contact], restored, oneByOne(deps.leads), deps, results));
    return;
  }
  for (const { contact, fields, email } of withEmail) plans.set(contact, planContact(contact, fields, email, leads.get(contact.id) ?? [], deps));

  // Changes to existing leads: each its own conditional write.
  await mapConcurrent([...plans], APPLY_CONCURRENCY, async ([contact, plan]) => {
    if (plan.kind === 'outcome') results.settle(contact, plan.outcome);
    if (plan.kind !== 'apply') return;
    try {
      const outcomes: EventOutcome[] = [];
      for (const lead of plan.leads) outcomes.push(await applyToLead(contact, plan.fields, lead, plan.at, deps, restored.has(contact.id)));
      // Several leads of one person share a contact: each takes the change; the event's outcome is
      // 'updated' when any did, else the first lead's reason.
      results.settle(contact, outcomes.find((o) => o.status === 'processed') ?? outcomes[0]!);
    } catch (error) {
      results.fail(contact, error);
    }
  });

  // New leads: stored together, each only if its id is free.
  const creating = [...plans].flatMap(([contact, plan]) => (plan.kind === 'create' ? [{ contact, plan }] : []));
  if (creating.length === 0) return;
  let stored: { taken: Set<string>; failed: Map<string, unknown> };
  try {
    stored = await batches.createMany(creating.map(({ plan }) => plan.lead));
  } catch (error) {
    for (const { contact } of creating) results.fail(contact, error);
    return;
  }
  await mapConcurrent(creating, APPLY_CONCURRENCY, async ({ contact, plan }) => {
    if (stored.failed.has(plan.lead.leadId)) {
      results.fail(contact, stored.failed.get(plan.lead.leadId));
      return;
    }
    if (!stored.taken.has(plan.lead.leadId)) {
      results.settle(contact, { status: 'processed', action: 'created' });
      return;
    }
    try {
      // Another consumer created it a moment ago (the email index may not show it yet): this one updates it.
      const existing = await deps.leads.get(plan.lead.leadId);
      if (!existing) throw new RetryableError(`lead ${plan.lead.leadId} was created and is not readable yet`);
      results.settle(contact, await applyToLead(contact, plan.fields, existing, plan.at, deps));
    } catch (error) {
      results.fail(contact, error);
    }
  });
}

/** The leads each contact belongs to: those linked to it, else those it was linked to before, else one by email. */
async function leadsForContacts(contacts: readonly { contact: ContactState; email: string }[], batches: ContactLeadBatches): Promise<Map<string, Lead[]>> {
  const ids = contacts.map((c) => c.contact.id);
  const found = await batches.findByHubSpotIds(ids);
  const former = await batches.findByFormerHubSpotIds(ids.filter((id) => !found.has(id)));
  for (const [id, leads] of former) found.set(id, leads);
  const rest = contacts.filter((c) => !found.has(c.contact.id));
  const byEmail = await batches.findByEmails(rest.map((c) => c.email));
  for (const { contact, email } of rest) {
    const candidates = byEmail.get(email) ?? [];
    // A lead linked to another contact is that contact's; an UNLINKED one (its contact was deleted)
    // is relinked to a new contact of the same person rather than duplicated.
    const match = candidates.find((l) => l.hubspot.id === undefined && l.hubspot.syncStatus !== 'UNLINKED') ?? candidates.find((l) => l.hubspot.id === undefined);
    if (match) found.set(contact.id, [match]);
  }
  return found;
}

type ContactPlan =
  | { kind: 'outcome'; outcome: EventOutcome }
  | { kind: 'create'; lead: Lead; fields: LeadFields; at: string }
  | { kind: 'apply'; leads: readonly Lead[]; fields: LeadFields; at: string };

function planContact(contact: ContactState, fields: LeadFields, email: string, leads: readonly Lead[], deps: InboundDeps): ContactPlan {
  const at = deps.now().toISOString();
  if (leads.length > 0) return { kind: 'apply', leads, fields, at };
  // Uploaded by the platform and no lead knows it: bringing it back would duplicate a lead.
  if (contact.properties[ORIGIN_PROPERTY] === deps.platformSource) return { kind: 'outcome', outcome: { status: 'skipped', reason: 'platform_origin' } };
  // Written by this product's other flows (a Buildium tenant, a TurboTenant landlord): not a
  // lead a person entered. A lead of the same person (same email) still takes its changes.
  if (INTEGRATION_ORIGINS.has(contact.properties[ORIGIN_PROPERTY] ?? '')) return { kind: 'outcome', outcome: { status: 'skipped', reason: 'integration_origin' } };
  const created = newLead({ email, ...withoutEmail(fields), ...(deps.portalId ? { portalId: deps.portalId } : {}) }, contactLeadId(deps.portalId ?? '', contact.id), deps.now());
  return {
    kind: 'create',
    fields,
    at,
    lead: {
      ...created,
      hubspot: { ...created.hubspot, id: contact.id, syncStatus: 'SYNCED', syncedAt: at, syncedHash: contactHash(contact.properties, false) },
      crmMetadata: { sourceSystem: 'hubspot', lastSyncDirection: 'from_crm', syncVersion: 1, lastModifiedInCrm: contact.updatedAt },
    },
  };
}

async function applyToLead(contact: ContactState, fields: LeadFields, lead: Lead, at: string, deps: InboundDeps, restored = false): Promise<EventOutcome> {
  const hash = contactHash(contact.properties, lead.crmMetadata.sourceSystem === 'platform');
  const linked = lead.hubspot.id === contact.id;
  // Our own write coming back: what we last wrote, or (before the outbound consumer has recorded
  // its write) exactly what the lead holds. A restore is recorded even when its values are the
  // lead's: its time (the contact's lastmodifieddate) is what tells a late deletion it is stale.
  const echo = (linked && lead.hubspot.syncedHash === hash) || (lead.hubspot.syncStatus !== 'UNLINKED' && hash === propertiesHash(contactProperties(lead, deps.platformSource)));
  if (echo && !restored) {
    return { status: 'skipped', reason: 'echo' };
  }
  if (deps.conflictRule === 'platform_wins' && linked) return { status: 'skipped', reason: 'platform_wins' };
  if (deps.conflictRule === 'last_write_wins' && lead.updatedAt > contact.updatedAt) return { status: 'skipped', reason: 'older_than_platform' };
  const outcome = await deps.leads.applyCrmChange({ leadId: lead.leadId, hubspotId: contact.id, fields, modifiedInCrm: contact.updatedAt, hash, at });
  return outcome === 'applied' ? { status: 'processed', action: 'updated' } : { status: 'skipped', reason: 'stale' };
}

function withoutEmail(fields: ReturnType<typeof leadFieldsOf>): Omit<ReturnType<typeof leadFieldsOf>, 'email'> {
  const { email: _email, ...rest } = fields;
  return rest;
}
