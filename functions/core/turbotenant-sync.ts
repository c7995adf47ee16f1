/**
 * TurboTenant events → HubSpot contacts and deals (seed 000; issue 4 §2), a batch at a time.
 *
 * Calls are batched across the events of a batch: the landlords and properties are read once
 * each, every contact (landlords and leads) goes in one batch upsert per 100, every new or changed
 * deal in one batch upsert per 100 (keyed by the property id, so a deal is never created twice),
 * and associations in one batch call. A
 * property whose contact and deal would be written exactly as last time (the mapping's hash)
 * costs no HubSpot call.
 *
 * A batch HubSpot refuses as a whole is split until the refused input stands alone
 * (isolate-refusals.ts): only the events that input belongs to fail, with HubSpot's message. A
 * conflict, a timeout or a rate limit is retried. Given the invocation's remaining time, no call
 * is started that could outlast it: the events not done are handed back (DeadlineError).
 */
import { DeadlineError, PermanentError, RetryableError, ValidationError } from './errors.js';
import { isolateRefusals } from './isolate-refusals.js';
import { HUBSPOT_BATCH_MAX, type ContactInput } from './ports.js';
import {
  landlordContactProperties,
  leadContactProperties,
  metadataBlock,
  propertyDealProperties,
  turboTenantSyncHash,
  type DealSettings,
  type MetadataBlock,
  type TurboTenantLandlord,
  type TurboTenantLead,
  type TurboTenantMetadata,
  type TurboTenantProperty,
} from './turbotenant-mapping.js';
import { chunks } from './concurrency.js';

export type TurboTenantEventType = 'property_created' | 'property_updated' | 'lead_created';

export interface TurboTenantEvent {
  readonly eventId: string;
  readonly type: TurboTenantEventType;
  readonly occurredAt: string;
  readonly landlordId: string;
  readonly propertyId: string;
  readonly lead?: TurboTenantLead;
  readonly metadata: TurboTenantMetadata;
}

/** How long one call may wait for rate budget and for its answer (from the invocation's remaining time). */
export interface CallLimits {
  readonly maxWaitMs: number;
  readonly timeoutMs: number;
}

/** The TurboTenant API as the sync needs it; a missing record throws PermanentError ("Missing property ID …"). */
export interface TurboTenantReader {
  getLandlord(id: string, options?: { timeoutMs?: number }): Promise<TurboTenantLandlord>;
  getProperty(id: string, options?: { timeoutMs?: number }): Promise<TurboTenantProperty>;
}

/** Which HubSpot deal a property is, and what was last written for it (the mapping table). */
export interface PropertyMapping {
  readonly propertyId: string;
  readonly dealId: string;
  readonly contactId: string;
  readonly syncHash: string;
  readonly metadata: MetadataBlock;
  readonly lastSyncedAt: string;
  /**
   * What the events said that TurboTenant's API does not: the latest event's metadata and the
   * first event's time (the contact's `created_date`). The reconcile rebuilds the same writes from it.
   */
  readonly source?: { readonly metadata: TurboTenantMetadata; readonly firstOccurredAt: string };
}

export interface PropertyMappings {
  getMany(propertyIds: readonly string[]): Promise<Map<string, PropertyMapping>>;
  putMany(mappings: readonly PropertyMapping[]): Promise<void>;
}

/**
 * HubSpot's writes for this flow. Each is one call of at most 100 inputs; a batch refused as a
 * whole throws PermanentError (the sync splits it), a conflict ConflictError, a transient failure
 * RetryableError.
 */
export interface HubSpotCrm {
  /** Creates or updates contacts by email, at most 100 per call: each email's contact id, or HubSpot's reason for refusing it. */
  upsertContacts(inputs: readonly ContactInput[], limits?: CallLimits): Promise<{ ids: Map<string, string>; rejected: Map<string, string> }>;
  /**
   * Creates or updates deals keyed by their unique `turbotenant_property_id` (at most 100 per call):
   * a property's deal is created once even when two consumers or a retry race (HubSpot keeps the
   * key unique); returns each property's deal id and whether it was created.
   */
  upsertDeals(
    inputs: readonly { propertyId: string; properties: Record<string, string> }[],
    limits?: CallLimits,
  ): Promise<{ deals: Map<string, { id: string; created: boolean }>; rejected: Map<string, string> }>;
  /** Associates contacts with deals (HubSpot's default association), at most 100 per call: the pairs HubSpot refused, with its reason. */
  associateContactsWithDeals(
    pairs: readonly { contactId: string; dealId: string }[],
    limits?: CallLimits,
  ): Promise<{ rejected: readonly { contactId: string; dealId: string; error: string }[] }>;
  /** HubSpot calls made so far (the benchmark's figure). */
  readonly calls: number;
}

/** Optional Stripe customer metadata (seed step 5). */
export interface CustomerMetadataSink {
  setCustomerMetadata(customerId: string, metadata: MetadataBlock, idempotencyKey: string, options?: { timeoutMs?: number }): Promise<void>;
}

export type EventResult =
  | { readonly status: 'success'; readonly hubspotContactId: string; readonly hubspotDealId: string; readonly propertyId: string; readonly syncedAt: string }
  | {
      readonly status: 'error';
      readonly message: string;
      /** A transient failure that outlasted the retries: the event waits in the DLQ, and a redrive may still settle it. */
      readonly parked?: boolean;
    };

export interface TurboTenantSyncDeps {
  readonly source: TurboTenantReader;
  readonly hubspot: HubSpotCrm;
  readonly mappings: PropertyMappings;
  readonly stripe?: CustomerMetadataSink;
  readonly deal: DealSettings;
  readonly onboardingStage: string;
  readonly now: () => Date;
  /** The invocation's remaining time (Lambda's context.getRemainingTimeInMillis); without it calls take their default limits. */
  readonly remainingTimeMs?: () => number;
}

export interface TurboTenantSyncReport {
  /** By event id: what the confirmation route shows. Events whose failure is transient are absent (retried). */
  readonly results: Map<string, EventResult>;
  /** Events to retry (a transient failure). */
  readonly retry: Map<string, Error>;
  readonly unchanged: number;
}


/** Kept back from the deadline to record confirmations and hand messages back to the queue. */
export const DEADLINE_MARGIN_MS = 3_000;
/** Below this much time for a call (wait and answer), none is started. */
const MIN_CALL_MS = 2_000;
const MAX_WAIT_MS = 10_000;
const MAX_TIMEOUT_MS = 10_000;

/**
 * The limits of the next call: within what is left of the invocation, less the margin, so a call
 * that waits its longest and times out still ends before the deadline. Throws DeadlineError when
 * too little is left to start one.
 */
export function callLimits(deps: Pick<TurboTenantSyncDeps, 'remainingTimeMs'>): CallLimits {
  if (!deps.remainingTimeMs) return { maxWaitMs: MAX_WAIT_MS, timeoutMs: MAX_TIMEOUT_MS };
  const budget = deps.remainingTimeMs() - DEADLINE_MARGIN_MS;
  if (budget < MIN_CALL_MS) throw new DeadlineError(`Function deadline too close to start another call (${Math.max(0, Math.round(budget + DEADLINE_MARGIN_MS))} ms left)`);
  return { maxWaitMs: Math.min(MAX_WAIT_MS, budget / 4), timeoutMs: Math.min(MAX_TIMEOUT_MS, budget / 2) };
}

/** An input refused for good (its event fails with the message); anything else is retried. */
function isRefusal(error: unknown): error is Error {
  return error instanceof PermanentError || error instanceof ValidationError;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

async function readAll<T>(ids: readonly string[], read: (id: string) => Promise<T>): Promise<Map<string, T | Error>> {
  const out = new Map<string, T | Error>();
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      try {
        out.set(id, await read(id));
      } catch (error) {
        out.set(id, error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );
  return out;
}

export async function syncTurboTenantEvents(events: readonly TurboTenantEvent[], deps: TurboTenantSyncDeps): Promise<TurboTenantSyncReport> {
  const results = new Map<string, EventResult>();
  const retry = new Map<string, Error>();
  const at = deps.now().toISOString();
  const fail = (event: TurboTenantEvent, error: Error) => {
    if (isRefusal(error)) results.set(event.eventId, { status: 'error', message: error.message });
    else retry.set(event.eventId, error);
  };

  let readOptions: { timeoutMs: number };
  try {
    readOptions = { timeoutMs: callLimits(deps).timeoutMs };
  } catch (error) {
    for (const event of events) fail(event, asError(error));
    return { results, retry, unchanged: 0 };
  }
  const landlords = await readAll(events.map((e) => e.landlordId), (id) => deps.source.getLandlord(id, readOptions));
  const properties = await readAll(events.map((e) => e.propertyId), (id) => deps.source.getProperty(id, readOptions));
  let ready: { event: TurboTenantEvent; landlord: TurboTenantLandlord; property: TurboTenantProperty }[] = [];
  for (const event of events) {
    const landlord = landlords.get(event.landlordId)!;
    const property = properties.get(event.propertyId)!;
    if (landlord instanceof Error) fail(event, landlord);
    else if (property instanceof Error) fail(event, property);
    else if (property.landlord_id !== landlord.id) fail(event, new PermanentError(`Property ${property.id} belongs to landlord ${property.landlord_id}, not ${landlord.id}`));
    else ready.push({ event, landlord, property });
  }
  if (ready.length === 0) return { results, retry, unchanged: 0 };

  // One plan per property: the latest event's metadata, the landlord's contact, the deal.
  const latest = new Map<string, (typeof ready)[number]>();
  const earliest = new Map<string, string>();
  for (const item of ready) {
    const seen = latest.get(item.property.id);
    if (!seen || item.event.occurredAt >= seen.event.occurredAt) latest.set(item.property.id, item);
    const first = earliest.get(item.property.id);
    if (!first || item.event.occurredAt < first) earliest.set(item.property.id, item.event.occurredAt);
  }
  const mappings = await deps.mappings.getMany([...latest.keys()]);

  const plans = [...latest.values()].map(({ event, landlord, property }) => {
    const mapping = mappings.get(property.id);
    // The contact's created_date is the first event's time, not the latest update's.
    const firstOccurredAt = mapping?.source?.firstOccurredAt ?? earliest.get(property.id) ?? event.occurredAt;
    const contact = landlordContactProperties({ landlord, property, metadata: event.metadata, occurredAt: firstOccurredAt });
    const deal = propertyDealProperties(property, deps.deal);
    return { event, landlord, property, contact, deal, firstOccurredAt, hash: turboTenantSyncHash(contact, deal), mapping };
  });
  const leads = ready.filter((r) => r.event.type === 'lead_created' && r.event.lead);
  let changed = plans.filter((p) => p.mapping?.syncHash !== p.hash);
  const unchanged = plans.length - changed.length;

  // Settling part of the batch: a property's events (all of them), or one lead_created event.
  const settle = (settles: (item: (typeof ready)[number]) => boolean, outcome: Error) => {
    for (const item of ready) if (settles(item)) fail(item.event, outcome);
    ready = ready.filter((item) => !settles(item));
    changed = changed.filter((p) => ready.some((r) => r.property.id === p.property.id));
  };
  const settleProperty = (propertyId: string, outcome: Error) => settle((item) => item.property.id === propertyId, outcome);
  const settleLead = (eventId: string, outcome: Error) => settle((item) => item.event.eventId === eventId, outcome);
  const isReady = (eventId: string) => ready.some((r) => r.event.eventId === eventId);
  const leadEmail = (event: TurboTenantEvent) => event.lead!.email.trim().toLowerCase();

  try {
    // Contacts: landlords of changed properties and every lead, deduplicated by email.
    const contactInputs = new Map<string, ContactInput>();
    for (const plan of changed) contactInputs.set(plan.contact.email!, { email: plan.contact.email!, properties: plan.contact });
    for (const { event } of leads) {
      const properties = leadContactProperties(event.lead!, event.metadata);
      contactInputs.set(properties.email!, { email: properties.email!, properties });
    }
    const contactIds = new Map<string, string>();
    const refused = new Map<string, string>();
    for (const chunk of chunks([...contactInputs.values()], HUBSPOT_BATCH_MAX)) {
      const written = await isolateRefusals(chunk, (batch) => deps.hubspot.upsertContacts(batch, callLimits(deps)));
      for (const { answer } of written.accepted) {
        for (const [email, id] of answer.ids) contactIds.set(email, id);
        for (const [email, reason] of answer.rejected) refused.set(email, reason);
      }
      for (const { input, reason } of written.refused) refused.set(input.email, reason);
    }
    // What HubSpot refuses (an invalid value) fails that property's or that lead's events, not
    // the others'; an input it answered nothing about is tried again.
    const contactOutcome = (email: string, refusedAs: string): Error | undefined => {
      if (refused.has(email)) return new PermanentError(`${refusedAs}: ${refused.get(email)}`);
      if (!contactIds.has(email)) return new RetryableError(`HubSpot answered nothing about ${refusedAs.replace(/^HubSpot refused /, '')}`);
      return undefined;
    };
    for (const plan of [...changed]) {
      const outcome = contactOutcome(plan.contact.email!, `HubSpot refused the landlord's contact ${plan.landlord.id}`);
      if (outcome) settleProperty(plan.property.id, outcome);
    }
    for (const { event } of leads) {
      if (!isReady(event.eventId)) continue;
      const outcome = contactOutcome(leadEmail(event), "HubSpot refused the lead's contact");
      if (outcome) settleLead(event.eventId, outcome);
    }

    // Deals: one upsert keyed by the property id creates new ones and updates changed ones.
    const dealIds = new Map<string, string>(plans.flatMap((p) => (p.mapping ? [[p.property.id, p.mapping.dealId] as const] : [])));
    const createdDeals = new Set<string>();
    const refusedDeals = new Map<string, string>();
    for (const chunk of chunks(changed, HUBSPOT_BATCH_MAX)) {
      const written = await isolateRefusals(chunk, (batch) =>
        deps.hubspot.upsertDeals(
          batch.map((p) => ({ propertyId: p.property.id, properties: p.deal })),
          callLimits(deps),
        ),
      );
      for (const { answer } of written.accepted) {
        for (const [propertyId, { id, created }] of answer.deals) {
          dealIds.set(propertyId, id);
          if (created) createdDeals.add(propertyId);
        }
        for (const [propertyId, reason] of answer.rejected) refusedDeals.set(propertyId, reason);
      }
      for (const { input, reason } of written.refused) refusedDeals.set(input.property.id, reason);
    }
    for (const [propertyId, reason] of refusedDeals) settleProperty(propertyId, new PermanentError(`HubSpot refused the deal of property ${propertyId}: ${reason}`));
    const toCreate = changed.filter((p) => createdDeals.has(p.property.id) || !p.mapping);

    // Associations: a new deal with its landlord, a lead with its property's deal. A pair may
    // serve several events (two leads of one person on one property).
    type Owner = { readonly propertyId: string } | { readonly eventId: string; readonly propertyId: string };
    const pairs = new Map<string, { contactId: string; dealId: string; owners: Owner[] }>();
    const own = (contactId: string | undefined, dealId: string | undefined, owner: Owner) => {
      if (!contactId || !dealId) return;
      const key = `${contactId}|${dealId}`;
      const pair = pairs.get(key) ?? { contactId, dealId, owners: [] };
      pair.owners.push(owner);
      pairs.set(key, pair);
    };
    for (const p of toCreate) own(contactIds.get(p.contact.email!), dealIds.get(p.property.id), { propertyId: p.property.id });
    for (const { event, property } of leads) {
      if (isReady(event.eventId)) own(contactIds.get(leadEmail(event)), dealIds.get(property.id), { eventId: event.eventId, propertyId: property.id });
    }
    const refusedPairs: { owners: Owner[]; reason: string }[] = [];
    for (const chunk of chunks([...pairs.values()], HUBSPOT_BATCH_MAX)) {
      const written = await isolateRefusals(chunk, (batch) =>
        deps.hubspot.associateContactsWithDeals(
          batch.map(({ contactId, dealId }) => ({ contactId, dealId })),
          callLimits(deps),
        ),
      );
      for (const { inputs, answer } of written.accepted) {
        for (const rejected of answer.rejected) {
          const pair = inputs.find((p) => p.contactId === rejected.contactId && p.dealId === rejected.dealId);
          if (pair) refusedPairs.push({ owners: pair.owners, reason: rejected.error });
        }
      }
      for (const { input, reason } of written.refused) refusedPairs.push({ owners: input.owners, reason });
    }
    for (const { owners, reason } of refusedPairs) {
      for (const owner of owners) {
        if ('eventId' in owner) settleLead(owner.eventId, new PermanentError(`HubSpot refused to associate the lead's contact with the deal of property ${owner.propertyId}: ${reason}`));
        else settleProperty(owner.propertyId, new PermanentError(`HubSpot refused to associate the landlord's contact with the deal of property ${owner.propertyId}: ${reason}`));
      }
    }

    const written: PropertyMapping[] = changed.map((p) => {
      const contactId = contactIds.get(p.contact.email!) ?? p.mapping!.contactId;
      return {
        propertyId: p.property.id,
        dealId: dealIds.get(p.property.id)!,
        contactId,
        syncHash: p.hash,
        metadata: metadataBlock({ hubspotContactId: contactId, property: p.property, metadata: p.event.metadata, onboardingStage: deps.onboardingStage }),
        lastSyncedAt: at,
        source: { metadata: p.event.metadata, firstOccurredAt: p.firstOccurredAt },
      };
    });

    // Stripe before the mapping: the hash records what was written everywhere, so metadata Stripe
    // did not take (a 503, the deadline) is sent again by the retry instead of skipped as unchanged.
    const stripeFailed = new Set<string>();
    if (deps.stripe) {
      for (const mapping of written) {
        const landlord = changed.find((p) => p.property.id === mapping.propertyId)!.landlord;
        if (!landlord.stripe_customer_id) continue;
        try {
          const { timeoutMs } = callLimits(deps);
          await deps.stripe.setCustomerMetadata(landlord.stripe_customer_id, mapping.metadata, `crm-sync-${mapping.propertyId}-${mapping.syncHash.slice(0, 16)}`, { timeoutMs });
        } catch (error) {
          stripeFailed.add(mapping.propertyId);
          settleProperty(mapping.propertyId, asError(error));
        }
      }
    }
    const kept = written.filter((m) => !stripeFailed.has(m.propertyId));
    await deps.mappings.putMany(kept);

    for (const { event, property } of ready) {
      const mapping = kept.find((m) => m.propertyId === property.id) ?? mappings.get(property.id);
      if (!mapping) continue;
      results.set(event.eventId, { status: 'success', hubspotContactId: mapping.contactId, hubspotDealId: mapping.dealId, propertyId: property.id, syncedAt: at });
    }
  } catch (error) {
    for (const { event } of ready) if (!results.has(event.eventId)) fail(event, asError(error));
  }
  return { results, retry, unchanged };
}
