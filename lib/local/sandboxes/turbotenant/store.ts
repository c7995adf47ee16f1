/**
 * The sandbox's landlords, properties and leads. The store stamps `updated_at` itself on every
 * change, from a clock that never stands still or goes back (each change gets a later millisecond
 * than the one before), so `updated_since` paging is exact: a record changed after a cursor is
 * always listed after it, and records never tie.
 */
import { badRequest, notFound } from './errors.js';
import { ADDRESS_FIELDS, LandlordInput, LeadInput, NEW_LANDLORD_FIELDS, NEW_PROPERTY_FIELDS, parseInput, PropertyInput } from './schemas.js';
import type { Address, EventMetadata, Landlord, Lead, Property } from './types.js';

interface LandlordRecord {
  id: string;
  email: string;
  phone: string;
  first_name: string;
  last_name: string;
  stripe_customer_id?: string;
  updatedAt: number;
}

interface PropertyRecord {
  id: string;
  landlord_id: string;
  title: string;
  type: string;
  rent: number;
  address: Address;
  updatedAt: number;
}

interface LeadRecord extends Omit<Lead, 'created_at'> {
  createdAt: number;
}

/** A change the event dispatcher announces. Landlord changes have no event in the contract. */
export type StoreChange =
  | { kind: 'property_created' | 'property_updated'; property: Property; at: number; metadata?: EventMetadata }
  | { kind: 'lead_created'; lead: Lead; at: number; metadata?: EventMetadata };

/** Records to skip in a listing, and how many: the API's page arithmetic. */
export interface PageQuery {
  sinceMs: number | undefined;
  page: number;
  perPage: number;
}

class IdSequence {
  private next: number;
  constructor(
    private readonly prefix: string,
    private readonly first: number,
  ) {
    this.next = first;
  }
  take(): string {
    return `${this.prefix}${this.next++}`;
  }
  /** A caller-chosen id of our pattern moves the sequence past it, so generated ids never collide. */
  saw(id: string): void {
    const m = new RegExp(`^${this.prefix}(\\d+)$`).exec(id);
    if (m) this.next = Math.max(this.next, Number(m[1]) + 1);
  }
  reset(): void {
    this.next = this.first;
  }
}

export class TurboTenantStore {
  private readonly landlordsById = new Map<string, LandlordRecord>();
  private readonly propertiesById = new Map<string, PropertyRecord>();
  private leadList: LeadRecord[] = [];
  private readonly landlordIds = new IdSequence('LL_', 1001);
  private readonly propertyIds = new IdSequence('PROP_', 1001);
  private readonly leadIds = new IdSequence('LD_', 1);
  private lastStamp = 0;
  /** Told of property and lead changes while set. */
  onChange: ((change: StoreChange) => void) | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  reset(): void {
    this.landlordsById.clear();
    this.propertiesById.clear();
    this.leadList = [];
    this.landlordIds.reset();
    this.propertyIds.reset();
    this.leadIds.reset();
  }

  /** The time of a change: `at` when given (the seed's past), else now, always after the last stamp. */
  private stamp(at?: number): number {
    const now = at ?? Math.max(this.clock(), this.lastStamp + 1);
    this.lastStamp = Math.max(this.lastStamp, now);
    return now;
  }

  upsertLandlord(raw: unknown, at?: number): { landlord: Landlord; created: boolean } {
    const input = parseInput(LandlordInput, raw, 'landlord');
    const existing = input.id !== undefined ? this.landlordsById.get(input.id) : undefined;
    if (!existing) {
      requireFields(input, NEW_LANDLORD_FIELDS, 'a new landlord');
      const id = input.id ?? this.landlordIds.take();
      this.landlordIds.saw(id);
      const record: LandlordRecord = {
        id,
        email: input.email!,
        phone: input.phone!,
        first_name: input.first_name!,
        last_name: input.last_name!,
        ...(input.stripe_customer_id ? { stripe_customer_id: input.stripe_customer_id } : {}),
        updatedAt: this.stamp(at),
      };
      this.landlordsById.set(id, record);
      return { landlord: viewLandlord(record), created: true };
    }
    const next: LandlordRecord = { ...existing };
    for (const field of NEW_LANDLORD_FIELDS) if (input[field] !== undefined) next[field] = input[field];
    if (input.stripe_customer_id === null) delete next.stripe_customer_id;
    else if (input.stripe_customer_id !== undefined) next.stripe_customer_id = input.stripe_customer_id;
    if (sameLandlord(existing, next)) return { landlord: viewLandlord(existing), created: false };
    next.updatedAt = this.stamp(at);
    this.landlordsById.set(next.id, next);
    return { landlord: viewLandlord(next), created: false };
  }

  /** Creates or changes a property; an update that changes nothing keeps its updated_at and announces nothing. */
  upsertProperty(raw: unknown, at?: number): { property: Property; created: boolean; changed: boolean } {
    const input = parseInput(PropertyInput, raw, 'property');
    if (input.landlord_id !== undefined && !this.landlordsById.has(input.landlord_id)) {
      throw badRequest(`property: landlord ${input.landlord_id} does not exist`, [{ path: 'landlord_id', message: 'no such landlord' }]);
    }
    const existing = input.id !== undefined ? this.propertiesById.get(input.id) : undefined;
    if (!existing) {
      requireFields(input, NEW_PROPERTY_FIELDS, 'a new property');
      requireFields(input.address!, ADDRESS_FIELDS, 'a new property', 'address.');
      const id = input.id ?? this.propertyIds.take();
      this.propertyIds.saw(id);
      const { street, city, state, zip } = input.address!;
      const record: PropertyRecord = {
        id,
        landlord_id: input.landlord_id!,
        title: input.title!,
        type: input.type!,
        rent: input.rent!,
        address: { street: street!, city: city!, state: state!, zip: zip! },
        updatedAt: this.stamp(at),
      };
      this.propertiesById.set(id, record);
      const property = viewProperty(record);
      this.onChange?.({ kind: 'property_created', property, at: record.updatedAt, ...(input.metadata ? { metadata: input.metadata } : {}) });
      return { property, created: true, changed: true };
    }
    const next: PropertyRecord = { ...existing, address: { ...existing.address } };
    if (input.landlord_id !== undefined) next.landlord_id = input.landlord_id;
    if (input.title !== undefined) next.title = input.title;
    if (input.type !== undefined) next.type = input.type;
    if (input.rent !== undefined) next.rent = input.rent;
    for (const field of ADDRESS_FIELDS) {
      const value = input.address?.[field];
      if (value !== undefined) next.address[field] = value;
    }
    if (sameProperty(existing, next)) return { property: viewProperty(existing), created: false, changed: false };
    next.updatedAt = this.stamp(at);
    this.propertiesById.set(next.id, next);
    const property = viewProperty(next);
    this.onChange?.({ kind: 'property_updated', property, at: next.updatedAt, ...(input.metadata ? { metadata: input.metadata } : {}) });
    return { property, created: false, changed: true };
  }

  createLead(raw: unknown, at?: number): Lead {
    const input = parseInput(LeadInput, raw, 'lead');
    const property = this.propertiesById.get(input.property_id);
    if (!property) throw notFound(`Property ${input.property_id} not found`);
    const id = input.id ?? this.leadIds.take();
    if (this.leadList.some((l) => l.id === id)) throw badRequest(`lead: ${id} already exists`, [{ path: 'id', message: 'already exists' }]);
    this.leadIds.saw(id);
    const record: LeadRecord = {
      id,
      property_id: property.id,
      landlord_id: property.landlord_id,
      email: input.email,
      ...(input.first_name !== undefined ? { first_name: input.first_name } : {}),
      ...(input.last_name !== undefined ? { last_name: input.last_name } : {}),
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
      ...(input.message !== undefined ? { message: input.message } : {}),
      createdAt: this.stamp(at),
    };
    this.leadList.push(record);
    const lead = viewLead(record);
    this.onChange?.({ kind: 'lead_created', lead, at: record.createdAt, ...(input.metadata ? { metadata: input.metadata } : {}) });
    return lead;
  }

  landlord(id: string): Landlord | undefined {
    const record = this.landlordsById.get(id);
    return record && viewLandlord(record);
  }

  property(id: string): Property | undefined {
    const record = this.propertiesById.get(id);
    return record && viewProperty(record);
  }

  /**
   * Properties updated at or after `sinceMs` (inclusive: a cursor taken from the last record seen
   * lists that record again rather than risk missing one stamped in the same millisecond), oldest
   * change first, ties by id.
   */
  listProperties(query: PageQuery): { data: Property[]; next_page: number | null } {
    const matching = [...this.propertiesById.values()]
      .filter((p) => query.sinceMs === undefined || p.updatedAt >= query.sinceMs)
      .sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const start = (query.page - 1) * query.perPage;
    const data = matching.slice(start, start + query.perPage).map(viewProperty);
    return { data, next_page: start + query.perPage < matching.length ? query.page + 1 : null };
  }

  landlords(): Landlord[] {
    return [...this.landlordsById.values()].map(viewLandlord);
  }

  properties(): Property[] {
    return [...this.propertiesById.values()].map(viewProperty);
  }

  leads(): Lead[] {
    return this.leadList.map(viewLead);
  }
}

function requireFields<T extends object>(input: T, fields: readonly (keyof T & string)[], what: string, prefix = ''): void {
  const missing = fields.filter((f) => input[f] === undefined || input[f] === null);
  if (missing.length) {
    throw badRequest(
      `${what} needs ${missing.map((f) => prefix + f).join(', ')}`,
      missing.map((f) => ({ path: prefix + f, message: 'required' })),
    );
  }
}

function sameLandlord(a: LandlordRecord, b: LandlordRecord): boolean {
  return a.email === b.email && a.phone === b.phone && a.first_name === b.first_name && a.last_name === b.last_name && a.stripe_customer_id === b.stripe_customer_id;
}

function sameProperty(a: PropertyRecord, b: PropertyRecord): boolean {
  return (
    a.landlord_id === b.landlord_id &&
    a.title === b.title &&
    a.type === b.type &&
    a.rent === b.rent &&
    ADDRESS_FIELDS.every((f) => a.address[f] === b.address[f])
  );
}

/** The API's shape, in the contract's key order; a copy, so callers cannot change the store. */
function viewLandlord(r: LandlordRecord): Landlord {
  return {
    id: r.id,
    email: r.email,
    phone: r.phone,
    first_name: r.first_name,
    last_name: r.last_name,
    ...(r.stripe_customer_id !== undefined ? { stripe_customer_id: r.stripe_customer_id } : {}),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}

function viewProperty(r: PropertyRecord): Property {
  return {
    id: r.id,
    landlord_id: r.landlord_id,
    title: r.title,
    type: r.type,
    rent: r.rent,
    address: { ...r.address },
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}

function viewLead(r: LeadRecord): Lead {
  const { createdAt, ...rest } = r;
  return { ...rest, created_at: new Date(createdAt).toISOString() };
}
