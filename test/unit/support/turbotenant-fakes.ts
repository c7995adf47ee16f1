/**
 * In-memory TurboTenant source, HubSpot CRM (contacts, deals keyed by property id, associations)
 * and mapping table, with the rules of the real ones that the sync relies on. The CRM refuses
 * either per input (in the answer's errors) or, as HubSpot does for some invalid inputs, the whole
 * batch with a 400 that names no input.
 */
import { PermanentError } from '../../../functions/core/errors.js';
import type { ContactInput } from '../../../functions/core/ports.js';
import type { TurboTenantLandlord, TurboTenantProperty } from '../../../functions/core/turbotenant-mapping.js';
import type { HubSpotCrm, PropertyMapping, PropertyMappings, TurboTenantReader } from '../../../functions/core/turbotenant-sync.js';
import type { PropertyFeed } from '../../../functions/core/turbotenant-reconcile.js';

export class FakeTurboTenant implements TurboTenantReader, PropertyFeed {
  readonly landlords = new Map<string, TurboTenantLandlord>();
  readonly properties = new Map<string, TurboTenantProperty>();
  transient?: Error;
  async getLandlord(id: string): Promise<TurboTenantLandlord> {
    if (this.transient) throw this.transient;
    const found = this.landlords.get(id);
    if (!found) throw new PermanentError(`Missing landlord ID ${id}`, 404);
    return found;
  }
  async getProperty(id: string): Promise<TurboTenantProperty> {
    const found = this.properties.get(id);
    if (!found) throw new PermanentError(`Missing property ID ${id}`, 404);
    return found;
  }
  async *propertiesUpdatedSince(since: string): AsyncIterable<readonly TurboTenantProperty[]> {
    if (this.transient) throw this.transient;
    const changed = [...this.properties.values()].filter((p) => p.updated_at >= since).sort((a, b) => a.updated_at.localeCompare(b.updated_at));
    for (let i = 0; i < changed.length; i += 100) yield changed.slice(i, i + 100);
  }
  add(n: number, landlord = `LL_${n}`, updatedAt = '2025-10-12T20:00:00.000Z'): void {
    this.landlords.set(landlord, { id: landlord, email: `owner${n}@example.com`, first_name: `Owner${n}`, stripe_customer_id: n === 1 ? 'cus_1' : null, updated_at: updatedAt });
    this.properties.set(`PROP_${n}`, { id: `PROP_${n}`, landlord_id: landlord, title: `Home ${n}`, type: 'house', rent: 1000 + n, address: { city: 'Austin', state: 'TX' }, updated_at: updatedAt });
  }
}

export class FakeCrm implements HubSpotCrm {
  calls = 0;
  readonly contacts = new Map<string, { id: string; properties: Record<string, string> }>();
  readonly deals = new Map<string, Record<string, string>>();
  readonly associations: { contactId: string; dealId: string }[] = [];
  readonly refuse = new Set<string>();
  /** Emails whose presence makes HubSpot refuse the whole contact batch (400, no input named). */
  readonly refuseBatchOf = new Set<string>();
  /** Property ids whose presence makes HubSpot refuse the whole deal batch. */
  readonly refuseDealBatchOf = new Set<string>();
  /** Contact emails whose association with a deal HubSpot refuses as a whole batch. */
  readonly refuseAssociationBatchOf = new Set<string>();
  /** Errors thrown by the next calls, one per call (a 409 CONFLICT, a timeout). */
  readonly failNext: Error[] = [];
  /** Called before each call (a test's clock moves with it). */
  onCall?: () => void;
  private before(): void {
    this.onCall?.();
    this.calls += 1;
    const error = this.failNext.shift();
    if (error) throw error;
  }
  async upsertContacts(inputs: readonly ContactInput[]) {
    this.before();
    const bad = inputs.find((i) => this.refuseBatchOf.has(i.email));
    if (bad) throw new PermanentError(`HubSpot 400: VALIDATION_ERROR: Property values were not valid: INVALID_EMAIL ${bad.email}`, 400);
    const ids = new Map<string, string>();
    const rejected = new Map<string, string>();
    for (const input of inputs) {
      if (this.refuse.has(input.email)) {
        rejected.set(input.email, 'Property values were not valid');
        continue;
      }
      const existing = this.contacts.get(input.email);
      const id = existing?.id ?? String(500 + this.contacts.size);
      this.contacts.set(input.email, { id, properties: { ...existing?.properties, ...input.properties } });
      ids.set(input.email, id);
    }
    return { ids, rejected };
  }
  readonly refuseDeals = new Set<string>();
  async upsertDeals(inputs: readonly { propertyId: string; properties: Record<string, string> }[]) {
    this.before();
    const bad = inputs.find((i) => this.refuseDealBatchOf.has(i.propertyId));
    if (bad) throw new PermanentError(`HubSpot 400: VALIDATION_ERROR: Property values were not valid for ${bad.propertyId}`, 400);
    const deals = new Map<string, { id: string; created: boolean }>();
    const rejected = new Map<string, string>();
    for (const input of inputs) {
      if (this.refuseDeals.has(input.propertyId)) {
        rejected.set(input.propertyId, 'Property values were not valid');
        continue;
      }
      const existing = [...this.deals.entries()].find(([, d]) => d.turbotenant_property_id === input.propertyId);
      const id = existing?.[0] ?? `D${this.deals.size + 1}`;
      this.deals.set(id, { ...existing?.[1], ...input.properties });
      deals.set(input.propertyId, { id, created: !existing });
    }
    return { deals, rejected };
  }
  async associateContactsWithDeals(pairs: readonly { contactId: string; dealId: string }[]) {
    this.before();
    const refusedIds = new Set([...this.refuseAssociationBatchOf].map((email) => this.contacts.get(email)?.id));
    const bad = pairs.find((p) => refusedIds.has(p.contactId));
    if (bad) throw new PermanentError(`HubSpot 400: VALIDATION_ERROR: contact ${bad.contactId} cannot be associated`, 400);
    this.associations.push(...pairs);
    return { rejected: [] };
  }
}

export class MemoryMappings implements PropertyMappings {
  readonly items = new Map<string, PropertyMapping>();
  async getMany(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id)!] as const] : [])));
  }
  async putMany(mappings: readonly PropertyMapping[]) {
    for (const m of mappings) this.items.set(m.propertyId, m);
  }
}

