/**
 * The sandbox's portfolio: rental properties, units, tenants and leases, linked by id as Buildium
 * links them. The store keeps each record's last-updated time itself (Buildium puts one in a
 * lease, `LastUpdatedDateTime`, and filters every list by it), from a clock that never stands
 * still or goes back. A unit's IsUnitListed / IsUnitOccupied are transient in Buildium ("changes
 * to value are not reflected in the last updated date for the unit"), so changing them stamps
 * nothing; IsUnitOccupied follows the unit's leases (an Active one occupies it).
 *
 * Changes made after the seed (creations, dated updates, deletions) are told to `onChange`, which
 * the sandbox turns into webhooks.
 */
import type {
  BuildiumRecordType,
  LeaseMessage,
  LeasePatch,
  LeaseStatus,
  LeaseTenantStatus,
  RentalMessage,
  RentalPatch,
  RentalUnitMessage,
  TenantMessage,
  TenantPatch,
  UnitPatch,
} from './types.js';

type TenantData = Omit<TenantMessage, 'Leases'>;
type RentalData = Omit<RentalMessage, 'NumberUnits'>;
type LeaseData = Omit<LeaseMessage, 'CurrentTenants' | 'CurrentNumberOfOccupants' | 'LastUpdatedDateTime' | 'Tenants'>;

interface Stamped<D> {
  data: D;
  updatedAt: number;
}

export interface LeaseTenantLink {
  tenantId: number;
  /** YYYY-MM-DD, null when unknown. */
  moveIn: string | null;
}

interface LeaseRecord extends Stamped<LeaseData> {
  tenants: LeaseTenantLink[];
}

/** The window (whole seconds, inclusive) and page of a list request. */
export interface ListQuery {
  fromMs?: number;
  toMs?: number;
  offset: number;
  limit: number;
  /** Top-level fields to sort by, in order; Id ascending breaks ties (and is the default). */
  orderBy: Array<{ field: string; desc: boolean }>;
  /** A filter on the record as returned (propertyids, leasestatuses, ...). */
  where?: (message: Record<string, unknown>) => boolean;
}

export interface ListResult<M> {
  items: M[];
  total: number;
}

/** Buildium's date-times: UTC to the second, `2025-01-31T14:05:09Z`. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const UNIT_TRANSIENT = new Set(['IsUnitListed', 'IsUnitOccupied']);

/** A change worth an event: a record created, dated by an update, or deleted, at `at` (ms). */
export interface StoreChange {
  type: BuildiumRecordType;
  op: 'Created' | 'Updated' | 'Deleted';
  id: number;
  at: number;
}

/** Where each record type's ids start (the seed's are first + index; a created record takes the highest so far + 1). */
export const FIRST_IDS = { rental: 1001, unit: 20001, tenant: 100001, lease: 500001 } as const satisfies Record<BuildiumRecordType, number>;

const TENANT_FIXED = ['Id', 'Leases', 'CreatedDateTime'];
const RENTAL_FIXED = ['Id', 'NumberUnits'];
const UNIT_FIXED = ['Id', 'PropertyId'];
const LEASE_FIXED = ['Id', 'PropertyId', 'UnitId', 'CurrentTenants', 'CurrentNumberOfOccupants', 'CreatedDateTime', 'LastUpdatedDateTime', 'Tenants'];

export class BuildiumStore {
  private readonly tenantsById = new Map<number, Stamped<TenantData>>();
  private readonly rentalsById = new Map<number, Stamped<RentalData>>();
  private readonly unitsById = new Map<number, Stamped<RentalUnitMessage>>();
  private readonly leasesById = new Map<number, LeaseRecord>();
  private readonly leasesOfTenant = new Map<number, number[]>();
  private readonly unitsOfRental = new Map<number, number>();
  private readonly leasesOfUnit = new Map<number, number[]>();
  private lastStamp = 0;
  /** The highest id each type has had, so a created record never takes a deleted one's id. */
  private readonly highestId = new Map<BuildiumRecordType, number>();
  onChange: ((change: StoreChange) => void) | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  reset(): void {
    this.tenantsById.clear();
    this.rentalsById.clear();
    this.unitsById.clear();
    this.leasesById.clear();
    this.leasesOfTenant.clear();
    this.unitsOfRental.clear();
    this.leasesOfUnit.clear();
    this.highestId.clear();
    this.lastStamp = 0;
  }

  private seen(type: BuildiumRecordType, id: number): void {
    this.highestId.set(type, Math.max(this.highestId.get(type) ?? 0, id));
  }

  private nextId(type: BuildiumRecordType): number {
    const highest = this.highestId.get(type);
    return highest === undefined ? FIRST_IDS[type] : highest + 1;
  }

  private changed(type: BuildiumRecordType, op: StoreChange['op'], id: number, at: number): void {
    this.onChange?.({ type, op, id, at });
  }

  /** The time of a change: `at` when given (the seed's past), else now, always after the last stamp. */
  private stamp(at?: number): number {
    const now = at ?? Math.max(this.clock(), this.lastStamp + 1);
    this.lastStamp = Math.max(this.lastStamp, now);
    return now;
  }

  // --- seeding -----------------------------------------------------------------------------------

  addRental(data: RentalData, at: number): void {
    this.rentalsById.set(data.Id, { data, updatedAt: this.stamp(at) });
    this.seen('rental', data.Id);
  }

  addUnit(data: RentalUnitMessage, at: number): void {
    if (!this.rentalsById.has(data.PropertyId)) throw new TypeError(`unit ${data.Id}: no rental property ${data.PropertyId}`);
    this.unitsById.set(data.Id, { data, updatedAt: this.stamp(at) });
    this.unitsOfRental.set(data.PropertyId, (this.unitsOfRental.get(data.PropertyId) ?? 0) + 1);
    this.seen('unit', data.Id);
  }

  addTenant(data: TenantData, at: number): void {
    this.tenantsById.set(data.Id, { data, updatedAt: this.stamp(at) });
    this.seen('tenant', data.Id);
  }

  addLease(data: LeaseData, tenants: LeaseTenantLink[], at: number): void {
    if (!this.unitsById.has(data.UnitId)) throw new TypeError(`lease ${data.Id}: no unit ${data.UnitId}`);
    for (const link of tenants) {
      if (!this.tenantsById.has(link.tenantId)) throw new TypeError(`lease ${data.Id}: no tenant ${link.tenantId}`);
      push(this.leasesOfTenant, link.tenantId, data.Id);
    }
    push(this.leasesOfUnit, data.UnitId, data.Id);
    this.leasesById.set(data.Id, { data, tenants, updatedAt: this.stamp(at) });
    this.seen('lease', data.Id);
  }

  /** Sets every unit's IsUnitOccupied from its leases (the seed's last step); stamps nothing. */
  deriveOccupancy(): void {
    for (const id of this.unitsById.keys()) this.deriveUnitOccupancy(id);
  }

  private deriveUnitOccupancy(unitId: number): void {
    const unit = this.unitsById.get(unitId);
    if (!unit) return;
    const occupied = (this.leasesOfUnit.get(unitId) ?? []).some((id) => this.leasesById.get(id)?.data.LeaseStatus === 'Active');
    unit.data = { ...unit.data, IsUnitOccupied: occupied };
  }

  // --- reads -------------------------------------------------------------------------------------

  tenant(id: number): TenantMessage | undefined {
    const rec = this.tenantsById.get(id);
    return rec && this.viewTenant(rec.data, true);
  }

  rental(id: number): RentalMessage | undefined {
    const rec = this.rentalsById.get(id);
    return rec && this.viewRental(rec.data);
  }

  unit(id: number): RentalUnitMessage | undefined {
    const rec = this.unitsById.get(id);
    return rec && clone(rec.data);
  }

  lease(id: number): LeaseMessage | undefined {
    const rec = this.leasesById.get(id);
    return rec && this.viewLease(rec);
  }

  listTenants(q: ListQuery): ListResult<TenantMessage> {
    return list(this.tenantsById, q, (rec) => this.viewTenant(rec.data, true));
  }

  listRentals(q: ListQuery): ListResult<RentalMessage> {
    return list(this.rentalsById, q, (rec) => this.viewRental(rec.data));
  }

  listUnits(q: ListQuery): ListResult<RentalUnitMessage> {
    return list(this.unitsById, q, (rec) => clone(rec.data));
  }

  listLeases(q: ListQuery): ListResult<LeaseMessage> {
    return list(this.leasesById, q, (rec) => this.viewLease(rec));
  }

  lastUpdated(type: BuildiumRecordType, id: number): number | undefined {
    const map = { tenant: this.tenantsById, rental: this.rentalsById, unit: this.unitsById, lease: this.leasesById }[type] as Map<number, Stamped<unknown>>;
    return map.get(id)?.updatedAt;
  }

  counts(): { rentals: number; units: number; tenants: number; leases: number } {
    return { rentals: this.rentalsById.size, units: this.unitsById.size, tenants: this.tenantsById.size, leases: this.leasesById.size };
  }

  // --- changes -----------------------------------------------------------------------------------

  updateTenant(id: number, patch: TenantPatch): TenantMessage {
    const rec = need(this.tenantsById, id, 'tenant');
    if (applyPatch(rec, patch, 'tenant', TENANT_FIXED, () => this.stamp())) this.changed('tenant', 'Updated', id, rec.updatedAt);
    return this.viewTenant(rec.data, true);
  }

  updateRental(id: number, patch: RentalPatch): RentalMessage {
    const rec = need(this.rentalsById, id, 'rental property');
    if (applyPatch(rec, patch, 'rental property', RENTAL_FIXED, () => this.stamp())) this.changed('rental', 'Updated', id, rec.updatedAt);
    return this.viewRental(rec.data);
  }

  updateUnit(id: number, patch: UnitPatch): RentalUnitMessage {
    const rec = need(this.unitsById, id, 'unit');
    if (applyPatch(rec, patch, 'unit', UNIT_FIXED, () => this.stamp(), UNIT_TRANSIENT)) this.changed('unit', 'Updated', id, rec.updatedAt);
    return clone(rec.data);
  }

  updateLease(id: number, patch: LeasePatch): LeaseMessage {
    const rec = need(this.leasesById, id, 'lease');
    const before = rec.data.LeaseStatus;
    const dated = applyPatch(rec, patch, 'lease', LEASE_FIXED, () => this.stamp());
    if (rec.data.LeaseStatus !== before) this.deriveUnitOccupancy(rec.data.UnitId);
    if (dated) this.changed('lease', 'Updated', id, rec.updatedAt);
    return this.viewLease(rec);
  }

  // --- creations (after the seed, as Buildium's app would make them) ------------------------------

  createRental(fields: RentalPatch): RentalMessage {
    const data: RentalData = {
      Id: this.nextId('rental'),
      Name: null,
      StructureDescription: null,
      IsActive: true,
      OperatingBankAccountId: 0,
      Reserve: 0,
      Address: null,
      YearBuilt: null,
      RentalType: 'Residential',
      RentalSubType: 'SingleFamily',
      RentalManager: null,
    };
    const rec = created(data, fields, 'rental property', RENTAL_FIXED);
    const at = this.stamp();
    this.addRental(rec.data, at);
    this.changed('rental', 'Created', rec.data.Id, at);
    return this.rental(rec.data.Id)!;
  }

  createUnit(propertyId: number, fields: UnitPatch): RentalUnitMessage {
    const rental = need(this.rentalsById, propertyId, 'rental property');
    const data: RentalUnitMessage = {
      Id: this.nextId('unit'),
      PropertyId: propertyId,
      BuildingName: null,
      UnitNumber: null,
      Description: null,
      MarketRent: null,
      Address: clone(rental.data.Address),
      UnitBedrooms: 'NotSet',
      UnitBathrooms: 'NotSet',
      UnitSize: null,
      IsUnitListed: false,
      IsUnitOccupied: false,
    };
    const rec = created(data, fields, 'unit', UNIT_FIXED);
    const at = this.stamp();
    this.addUnit(rec.data, at);
    this.changed('unit', 'Created', rec.data.Id, at);
    return this.unit(rec.data.Id)!;
  }

  createTenant(fields: TenantPatch): TenantMessage {
    const at = this.stamp();
    const data: TenantData = {
      Id: this.nextId('tenant'),
      FirstName: null,
      LastName: null,
      Email: null,
      AlternateEmail: null,
      PhoneNumbers: [],
      CreatedDateTime: isoSeconds(at),
      EmergencyContact: null,
      DateOfBirth: null,
      SMSOptInStatus: 'NotSet',
      Address: null,
      AlternateAddress: null,
      MailingPreference: 'PrimaryAddress',
      Comment: null,
      TaxId: null,
    };
    const rec = created(data, fields, 'tenant', TENANT_FIXED);
    this.addTenant(rec.data, at);
    this.changed('tenant', 'Created', rec.data.Id, at);
    return this.tenant(rec.data.Id)!;
  }

  createLease(unitId: number, tenantIds: readonly number[], fields: LeasePatch): LeaseMessage {
    const unit = need(this.unitsById, unitId, 'unit');
    for (const id of tenantIds) need(this.tenantsById, id, 'tenant');
    if (new Set(tenantIds).size !== tenantIds.length) throw new TypeError('lease: a tenant is listed twice');
    const at = this.stamp();
    const today = new Date(at).toISOString().slice(0, 10);
    const data: LeaseData = {
      Id: this.nextId('lease'),
      PropertyId: unit.data.PropertyId,
      UnitId: unitId,
      UnitNumber: unit.data.UnitNumber,
      LeaseFromDate: today,
      LeaseToDate: null,
      LeaseType: 'AtWill',
      LeaseStatus: 'Active',
      IsEvictionPending: false,
      TermType: 'MonthToMonth',
      RenewalOfferStatus: null,
      AccountDetails: { SecurityDeposit: null, Rent: unit.data.MarketRent },
      Cosigners: [],
      AutomaticallyMoveOutTenants: false,
      CreatedDateTime: isoSeconds(at),
      MoveOutData: [],
      PaymentDueDay: 1,
    };
    const rec = created(data, fields, 'lease', LEASE_FIXED);
    this.addLease(rec.data, tenantIds.map((tenantId) => ({ tenantId, moveIn: rec.data.LeaseFromDate })), at);
    this.deriveUnitOccupancy(unitId);
    this.changed('lease', 'Created', rec.data.Id, at);
    return this.lease(rec.data.Id)!;
  }

  // --- deletions -----------------------------------------------------------------------------------

  deleteRental(id: number): void {
    need(this.rentalsById, id, 'rental property');
    const units = this.unitsOfRental.get(id) ?? 0;
    if (units > 0) throw new ConflictError(`rental property ${id} has ${units} unit(s); delete them first`);
    this.rentalsById.delete(id);
    this.unitsOfRental.delete(id);
    this.changed('rental', 'Deleted', id, this.stamp());
  }

  deleteUnit(id: number): void {
    const rec = need(this.unitsById, id, 'unit');
    const leases = this.leasesOfUnit.get(id) ?? [];
    if (leases.length > 0) throw new ConflictError(`unit ${id} has ${leases.length} lease(s); delete them first`);
    this.unitsById.delete(id);
    this.leasesOfUnit.delete(id);
    const left = (this.unitsOfRental.get(rec.data.PropertyId) ?? 1) - 1;
    this.unitsOfRental.set(rec.data.PropertyId, left);
    this.changed('unit', 'Deleted', id, this.stamp());
  }

  /** Takes the tenant off its leases too (their Tenants, CurrentTenants and MoveOutData). */
  deleteTenant(id: number): void {
    need(this.tenantsById, id, 'tenant');
    for (const leaseId of this.leasesOfTenant.get(id) ?? []) {
      const lease = this.leasesById.get(leaseId);
      if (!lease) continue;
      lease.tenants = lease.tenants.filter((l) => l.tenantId !== id);
      if (lease.data.MoveOutData) lease.data = { ...lease.data, MoveOutData: lease.data.MoveOutData.filter((m) => m.TenantId !== id) };
    }
    this.leasesOfTenant.delete(id);
    this.tenantsById.delete(id);
    this.changed('tenant', 'Deleted', id, this.stamp());
  }

  deleteLease(id: number): void {
    const rec = need(this.leasesById, id, 'lease');
    for (const link of rec.tenants) remove(this.leasesOfTenant, link.tenantId, id);
    remove(this.leasesOfUnit, rec.data.UnitId, id);
    this.leasesById.delete(id);
    this.deriveUnitOccupancy(rec.data.UnitId);
    this.changed('lease', 'Deleted', id, this.stamp());
  }

  // --- views -------------------------------------------------------------------------------------

  private viewTenant(data: TenantData, withLeases: boolean): TenantMessage {
    const leases = withLeases
      ? (this.leasesOfTenant.get(data.Id) ?? []).map((id) => this.viewLease(this.leasesById.get(id)!))
      : null;
    const { Comment, TaxId, ...rest } = clone(data);
    return { ...rest, Leases: leases, Comment, TaxId };
  }

  private viewRental(data: RentalData): RentalMessage {
    const { Id, Name, StructureDescription, ...rest } = clone(data);
    return { Id, Name, StructureDescription, NumberUnits: this.unitsOfRental.get(Id) ?? 0, ...rest };
  }

  /** CurrentTenants in full (each with Leases null), also on a lease inside a tenant's Leases. */
  private viewLease(rec: LeaseRecord): LeaseMessage {
    const d = clone(rec.data);
    const status = tenantStatus(d.LeaseStatus);
    const current = d.LeaseStatus === 'Past' ? [] : rec.tenants.map((l) => this.viewTenant(this.tenantsById.get(l.tenantId)!.data, false));
    return {
      Id: d.Id,
      PropertyId: d.PropertyId,
      UnitId: d.UnitId,
      UnitNumber: d.UnitNumber,
      LeaseFromDate: d.LeaseFromDate,
      LeaseToDate: d.LeaseToDate,
      LeaseType: d.LeaseType,
      LeaseStatus: d.LeaseStatus,
      IsEvictionPending: d.IsEvictionPending,
      TermType: d.TermType,
      RenewalOfferStatus: d.RenewalOfferStatus,
      CurrentTenants: current,
      CurrentNumberOfOccupants: current.length,
      AccountDetails: d.AccountDetails,
      Cosigners: d.Cosigners,
      AutomaticallyMoveOutTenants: d.AutomaticallyMoveOutTenants,
      CreatedDateTime: d.CreatedDateTime,
      LastUpdatedDateTime: isoSeconds(rec.updatedAt),
      MoveOutData: d.MoveOutData,
      PaymentDueDay: d.PaymentDueDay,
      Tenants: rec.tenants.map((l) => ({ Id: l.tenantId, Status: status, MoveInDate: l.moveIn })),
    };
  }

  tenantsAll(): TenantMessage[] {
    return [...this.tenantsById.values()].sort((a, b) => a.data.Id - b.data.Id).map((r) => this.viewTenant(r.data, true));
  }

  rentalsAll(): RentalMessage[] {
    return [...this.rentalsById.values()].sort((a, b) => a.data.Id - b.data.Id).map((r) => this.viewRental(r.data));
  }

  unitsAll(): RentalUnitMessage[] {
    return [...this.unitsById.values()].sort((a, b) => a.data.Id - b.data.Id).map((r) => clone(r.data));
  }

  leasesAll(): LeaseMessage[] {
    return [...this.leasesById.values()].sort((a, b) => a.data.Id - b.data.Id).map((r) => this.viewLease(r));
  }
}

function tenantStatus(status: LeaseStatus): LeaseTenantStatus {
  return status === 'Active' ? 'Current' : status === 'Past' ? 'MovedOut' : 'Future';
}

/** A deletion the store refuses because other records hang on the record (a 409 on the control routes). */
export class ConflictError extends Error {}

function remove<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)?.filter((v) => v !== value);
  if (list?.length) map.set(key, list);
  else map.delete(key);
}

/** A new record's data: `defaults` with `fields` over them, checked as an update's patch is. */
function created<D extends object>(defaults: D, fields: object, what: string, fixed: readonly string[]): Stamped<D> {
  const rec: Stamped<D> = { data: defaults, updatedAt: 0 };
  applyPatch(rec, fields, what, fixed, () => 0);
  return rec;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function need<R>(map: Map<number, R>, id: number, what: string): R {
  const rec = map.get(id);
  if (!rec) throw new TypeError(`no ${what} ${id}`);
  return rec;
}

/**
 * Merges `patch` into the record (a nested message is replaced whole). Only a real change of a
 * dated field moves the record's last-updated time; fields in `undated` change without one.
 * Returns whether it moved.
 */
function applyPatch<D extends object>(rec: Stamped<D>, patch: object, what: string, fixed: readonly string[], stamp: () => number, undated: ReadonlySet<string> = new Set()): boolean {
  const data = rec.data as Record<string, unknown>;
  let dated = false;
  const next: Record<string, unknown> = { ...data };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (fixed.includes(key)) throw new TypeError(`${what}: ${key} cannot be changed`);
    if (!(key in data)) throw new TypeError(`${what}: no field ${key}`);
    if (JSON.stringify(data[key]) === JSON.stringify(value)) continue;
    next[key] = structuredClone(value);
    if (!undated.has(key)) dated = true;
  }
  rec.data = next as D;
  if (dated) rec.updatedAt = stamp();
  return dated;
}

function list<R extends Stamped<{ Id: number }>, M>(map: Map<number, R>, q: ListQuery, view: (rec: R) => M): ListResult<M> {
  const fromS = q.fromMs === undefined ? undefined : Math.floor(q.fromMs / 1000);
  const toS = q.toMs === undefined ? undefined : Math.floor(q.toMs / 1000);
  let recs = [...map.values()].filter((r) => {
    const s = Math.floor(r.updatedAt / 1000);
    return (fromS === undefined || s >= fromS) && (toS === undefined || s <= toS);
  });
  recs.sort((a, b) => a.data.Id - b.data.Id);
  if (!q.where && q.orderBy.length === 0) {
    return { items: recs.slice(q.offset, q.offset + q.limit).map(view), total: recs.length };
  }
  let items = recs.map(view) as Array<M & Record<string, unknown>>;
  recs = [];
  if (q.where) items = items.filter((m) => q.where!(m));
  if (q.orderBy.length) items.sort((a, b) => compareBy(a, b, q.orderBy));
  return { items: items.slice(q.offset, q.offset + q.limit), total: items.length };
}

function compareBy(a: Record<string, unknown>, b: Record<string, unknown>, order: ListQuery['orderBy']): number {
  for (const { field, desc } of order) {
    const c = compareValues(a[field], b[field]);
    if (c !== 0) return desc ? -c : c;
  }
  return (a.Id as number) - (b.Id as number);
}

/** Nulls first (ascending), numbers and booleans by value, anything else as text without case. */
function compareValues(x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (x === null || x === undefined) return -1;
  if (y === null || y === undefined) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  const sx = typeof x === 'object' ? JSON.stringify(x) : String(x);
  const sy = typeof y === 'object' ? JSON.stringify(y) : String(y);
  return sx.localeCompare(sy, 'en', { sensitivity: 'base' });
}
