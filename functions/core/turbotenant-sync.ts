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
 * Not wired yet: issue 4 builds the ingest route, the consumer, the confirmation route and the
 * reconcile schedule on it.
 */
import { PermanentError } from './errors.js';
import type { ContactInput } from './ports.js';
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

/** The TurboTenant API as the sync needs it; a missing record throws PermanentError ("Missing property ID …"). */
export interface TurboTenantReader {
  getLandlord(id: string): Promise<TurboTenantLandlord>;
  getProperty(id: string): Promise<TurboTenantProperty>;
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

export interface HubSpotCrm {
  /** Creates or updates contacts by email, at most 100 per call: each email's contact id, or HubSpot's reason for refusing it. */
  upsertContacts(inputs: readonly ContactInput[]): Promise<{ ids: Map<string, string>; rejected: Map<string, string> }>;
  /**
   * Creates or updates deals keyed by their unique `turbotenant_property_id` (at most 100 per call):
   * a property's deal is created once even when two consumers or a retry race (HubSpot keeps the
   * key unique); returns each property's deal id and whether it was created.
   */
  upsertDeals(
    inputs: readonly { propertyId: string; properties: Record<string, string> }[],
  ): Promise<{ deals: Map<string, { id: string; created: boolean }>; rejected: Map<string, string> }>;
  /** Associates contacts with deals (HubSpot's default association), at most 100 per call. */
  associateContactsWithDeals(pairs: readonly { contactId: string; dealId: string }[]): Promise<void>;
  /** HubSpot calls made so far (the benchmark's figure). */
  readonly calls: number;
}

/** Optional Stripe customer metadata (seed step 5). */
export interface CustomerMetadataSink {
  setCustomerMetadata(customerId: string, metadata: MetadataBlock, idempotencyKey: string): Promise<void>;
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
}

export interface TurboTenantSyncReport {
  /** By event id: what the confirmation route shows. Events whose failure is transient are absent (retried). */
  readonly results: Map<string, EventResult>;
  /** Events to retry (a transient failure). */
  readonly retry: Map<string, Error>;
  readonly unchanged: number;
}

const BATCH = 100;

function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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
    if (error instanceof PermanentError) results.set(event.eventId, { status: 'error', message: error.message });
    else retry.set(event.eventId, error);
  };

  const landlords = await readAll(events.map((e) => e.landlordId), (id) => deps.source.getLandlord(id));
  const properties = await readAll(events.map((e) => e.propertyId), (id) => deps.source.getProperty(id));
  const ready: { event: TurboTenantEvent; landlord: TurboTenantLandlord; property: TurboTenantProperty }[] = [];
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
  const changed = plans.filter((p) => p.mapping?.syncHash !== p.hash);
  const unchanged = plans.length - changed.length;

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
    for (const chunk of chunks([...contactInputs.values()])) {
      const { ids, rejected } = await deps.hubspot.upsertContacts(chunk);
      for (const [email, id] of ids) contactIds.set(email, id);
      for (const [email, reason] of rejected) refused.set(email, reason);
    }
    // What HubSpot refuses (an invalid value) fails that property's events, not the others'.
    const dropProperties = (messages: ReadonlyMap<string, string>) => {
      for (const item of ready) {
        const message = messages.get(item.property.id);
        if (message !== undefined) results.set(item.event.eventId, { status: 'error', message });
      }
      changed.splice(0, changed.length, ...changed.filter((p) => !messages.has(p.property.id)));
      ready.splice(0, ready.length, ...ready.filter((r) => !messages.has(r.property.id)));
    };
    dropProperties(
      new Map(
        changed
          .filter((p) => refused.has(p.contact.email!))
          .map((p) => [p.property.id, `HubSpot refused the landlord's contact ${p.landlord.id}: ${refused.get(p.contact.email!)}`]),
      ),
    );
    for (const { event } of leads) {
      const email = event.lead!.email.trim().toLowerCase();
      if (refused.has(email) && ready.some((r) => r.event.eventId === event.eventId)) {
        results.set(event.eventId, { status: 'error', message: `HubSpot refused the lead's contact: ${refused.get(email)}` });
        ready.splice(ready.findIndex((r) => r.event.eventId === event.eventId), 1);
      }
    }

    // Deals: one upsert keyed by the property id creates new ones and updates changed ones.
    const dealIds = new Map<string, string>(plans.flatMap((p) => (p.mapping ? [[p.property.id, p.mapping.dealId] as const] : [])));
    const createdDeals = new Set<string>();
    const refusedDeals = new Map<string, string>();
    for (const chunk of chunks(changed)) {
      const { deals, rejected } = await deps.hubspot.upsertDeals(chunk.map((p) => ({ propertyId: p.property.id, properties: p.deal })));
      for (const [propertyId, { id, created }] of deals) {
        dealIds.set(propertyId, id);
        if (created) createdDeals.add(propertyId);
      }
      for (const [propertyId, reason] of rejected) refusedDeals.set(propertyId, `HubSpot refused the deal of property ${propertyId}: ${reason}`);
    }
    dropProperties(refusedDeals);
    const toCreate = changed.filter((p) => createdDeals.has(p.property.id) || !p.mapping);

    // Associations: a new deal with its landlord, a lead with its property's deal.
    const pairs = [
      ...toCreate.map((p) => ({ contactId: contactIds.get(p.contact.email!)!, dealId: dealIds.get(p.property.id)! })),
      ...leads
        .filter(({ event }) => ready.some((r) => r.event.eventId === event.eventId))
        .map(({ event, property }) => ({ contactId: contactIds.get(event.lead!.email.trim().toLowerCase())!, dealId: dealIds.get(property.id)! })),
    ].filter((pair) => pair.contactId && pair.dealId);
    for (const chunk of chunks(pairs)) await deps.hubspot.associateContactsWithDeals(chunk);

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
    await deps.mappings.putMany(written);

    if (deps.stripe) {
      for (const mapping of written) {
        const landlord = changed.find((p) => p.property.id === mapping.propertyId)!.landlord;
        if (landlord.stripe_customer_id) {
          await deps.stripe.setCustomerMetadata(landlord.stripe_customer_id, mapping.metadata, `crm-sync-${mapping.propertyId}-${mapping.syncHash.slice(0, 16)}`);
        }
      }
    }

    for (const { event, property } of ready) {
      const mapping = written.find((m) => m.propertyId === property.id) ?? mappings.get(property.id);
      if (!mapping) continue;
      results.set(event.eventId, { status: 'success', hubspotContactId: mapping.contactId, hubspotDealId: mapping.dealId, propertyId: property.id, syncedAt: at });
    }
  } catch (error) {
    for (const { event } of ready) if (!results.has(event.eventId)) fail(event, error instanceof Error ? error : new Error(String(error)));
  }
  return { results, retry, unchanged };
}
