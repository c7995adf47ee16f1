import type { PropertyProblem } from './errors.js';
import { normalizeValue, type PropertyStore } from './properties.js';
import type { ContactSnapshot } from './types.js';

/** A CRM record (contact or deal): its property values, as stored strings, and its dates. */
export interface ObjectRecord {
  id: string;
  num: number;
  props: Map<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

export type ContactRecord = ObjectRecord;

export type RawValue = string | number | boolean | null;
export type RawProperties = Record<string, RawValue>;

export interface SimplePublicObject {
  id: string;
  objectWriteTraceId?: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, Array<{ value: string; timestamp: string; sourceType: string }>>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

/** Properties HubSpot returns for a contact when the request names none. */
export const DEFAULT_PROPERTIES = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];
/** Properties HubSpot returns with every contact, whatever was asked for. */
const ALWAYS_RETURNED = ['createdate', 'hs_object_id', 'lastmodifieddate'];
const SYSTEM_PROPERTIES = new Set(['hs_object_id', 'lastmodifieddate']);

/** Properties a merge never moves: the primary keeps its own identity and dates. */
const NOT_MERGED = new Set(['hs_object_id', 'createdate', 'lastmodifieddate']);

/**
 * A change to a contact, reported to the store's listener (the webhook dispatcher): the values a
 * creation set, the properties an update actually changed (new value, '' when cleared), an archive,
 * a merge (record is the primary; moved holds the values it took from the merged contact), a
 * restore from the recycle bin, a permanent (GDPR) deletion.
 */
export type ContactChange =
  | { kind: 'create'; record: ContactRecord; at: number; values: ReadonlyMap<string, string> }
  | { kind: 'update'; record: ContactRecord; at: number; changed: ReadonlyMap<string, string> }
  | { kind: 'archive'; record: ContactRecord; at: number }
  | { kind: 'merge'; record: ContactRecord; merged: ContactRecord; at: number; moved: ReadonlyMap<string, string> }
  | { kind: 'restore'; record: ContactRecord; at: number }
  | { kind: 'privacyDeletion'; record: ContactRecord; at: number };

export type ValidatedWrite = { ok: true; values: Map<string, string> } | { ok: false; problems: PropertyProblem[] };

export class ContactStore {
  private readonly byId = new Map<string, ContactRecord>();
  private readonly byEmail = new Map<string, ContactRecord>();
  private order: ContactRecord[] = [];
  private nextId = 1001;
  /** Told of every creation, change and archive while set. */
  onChange: ((change: ContactChange) => void) | undefined;

  constructor(private readonly properties: PropertyStore) {}

  reset(): void {
    this.byId.clear();
    this.byEmail.clear();
    this.order = [];
    this.nextId = 1001;
  }

  get size(): number {
    return this.byId.size;
  }

  validate(input: RawProperties): ValidatedWrite {
    return validateProperties(this.properties, input);
  }

  byEmailAddress(email: string): ContactRecord | undefined {
    return this.byEmail.get(email.trim().toLowerCase());
  }

  find(id: string, archived = false): ContactRecord | undefined {
    const record = this.byId.get(id);
    return record && record.archived === archived ? record : undefined;
  }

  findBy(idProperty: string | undefined, id: string, archived = false): ContactRecord | undefined {
    if (idProperty === 'email') {
      if (archived) return this.order.find((r) => r.archived && r.props.get('email') === id.trim().toLowerCase());
      return this.byEmailAddress(id);
    }
    if (idProperty === undefined || idProperty === 'hs_object_id') return this.find(id, archived);
    return this.scan(archived).find((r) => r.props.get(idProperty) === id);
  }

  create(values: Map<string, string>, now = Date.now()): ContactRecord {
    const num = this.nextId++;
    const id = String(num);
    const props = new Map<string, string>();
    for (const [k, v] of values) if (v !== '') props.set(k, v);
    const iso = new Date(now).toISOString();
    if (!props.has('createdate')) props.set('createdate', iso);
    props.set('lastmodifieddate', iso);
    props.set('hs_object_id', id);
    const record: ContactRecord = { id, num, props, createdAt: now, updatedAt: now, archived: false };
    this.byId.set(id, record);
    this.order.push(record);
    const email = props.get('email');
    if (email) this.byEmail.set(email, record);
    this.onChange?.({ kind: 'create', record, at: now, values: props });
    return record;
  }

  update(record: ContactRecord, values: Map<string, string>, now = Date.now()): void {
    const oldEmail = record.props.get('email');
    const changed = new Map<string, string>();
    for (const [k, v] of values) {
      if (SYSTEM_PROPERTIES.has(k)) continue;
      if ((record.props.get(k) ?? '') !== v) changed.set(k, v);
      if (v === '') record.props.delete(k);
      else record.props.set(k, v);
    }
    const newEmail = record.props.get('email');
    if (oldEmail !== newEmail) {
      if (oldEmail && this.byEmail.get(oldEmail) === record) this.byEmail.delete(oldEmail);
      if (newEmail) this.byEmail.set(newEmail, record);
    }
    record.updatedAt = Math.max(now, record.updatedAt);
    record.props.set('lastmodifieddate', new Date(record.updatedAt).toISOString());
    if (changed.size) this.onChange?.({ kind: 'update', record, at: now, changed });
  }

  /**
   * Moves a contact to the recycle bin: it stays (by id, with archived=true) so that `restore` can
   * bring it back, but gives up its email, so a new contact may take that address meanwhile.
   */
  archive(record: ContactRecord, now = Date.now()): void {
    if (record.archived) return;
    record.archived = true;
    record.archivedAt = now;
    const email = record.props.get('email');
    if (email && this.byEmail.get(email) === record) this.byEmail.delete(email);
    this.onChange?.({ kind: 'archive', record, at: now });
  }

  /**
   * Merges `merged` into `primary`, as HubSpot does: the primary keeps its id and every value it
   * has; properties it has no value for take the merged contact's. The merged contact is removed
   * outright (a later GET of its id is a 404, where HubSpot would resolve the old id to the
   * primary), which frees its email, so a primary without one takes it.
   */
  merge(primary: ContactRecord, merged: ContactRecord, now = Date.now()): void {
    this.remove(merged);
    const moved = new Map<string, string>();
    for (const [k, v] of merged.props) {
      if (NOT_MERGED.has(k) || primary.props.has(k)) continue;
      primary.props.set(k, v);
      moved.set(k, v);
    }
    const email = moved.get('email');
    if (email) this.byEmail.set(email, primary);
    primary.updatedAt = Math.max(now, primary.updatedAt);
    primary.props.set('lastmodifieddate', new Date(primary.updatedAt).toISOString());
    this.onChange?.({ kind: 'merge', record: primary, merged, at: now, moved });
  }

  /**
   * Brings an archived contact back with its id and properties, as HubSpot's recycle bin does.
   * The caller checks that no live contact has taken its email meanwhile. updatedAt moves on so
   * that a sync reading "modified since" sees the contact again.
   */
  restore(record: ContactRecord, now = Date.now()): void {
    if (!record.archived) return;
    record.archived = false;
    delete record.archivedAt;
    const email = record.props.get('email');
    if (email) this.byEmail.set(email, record);
    record.updatedAt = Math.max(now, record.updatedAt);
    record.props.set('lastmodifieddate', new Date(record.updatedAt).toISOString());
    this.onChange?.({ kind: 'restore', record, at: now });
  }

  /** Deletes a contact, live or archived, for good (GDPR): unlike archive, nothing can restore it. */
  purge(record: ContactRecord, now = Date.now()): void {
    this.remove(record);
    this.onChange?.({ kind: 'privacyDeletion', record, at: now });
  }

  emailOwner(values: Map<string, string>, self?: ContactRecord): ContactRecord | undefined {
    const email = values.get('email');
    if (!email) return undefined;
    const owner = this.byEmail.get(email);
    return owner && owner !== self ? owner : undefined;
  }

  /** Forgets a record entirely: by id, by email and in the listing order. */
  private remove(record: ContactRecord): void {
    if (this.byId.get(record.id) === record) this.byId.delete(record.id);
    const email = record.props.get('email');
    if (email && this.byEmail.get(email) === record) this.byEmail.delete(email);
    const at = this.order.indexOf(record);
    if (at >= 0) this.order.splice(at, 1);
  }

  scan(archived = false): ContactRecord[] {
    return this.order.filter((r) => r.archived === archived);
  }

  page(after: number, limit: number, archived: boolean): { records: ContactRecord[]; more: boolean } {
    return pageByNum(this.order, after, limit, archived);
  }

  view(record: ContactRecord, requested?: readonly string[], withHistory?: readonly string[]): SimplePublicObject {
    return objectView(record, this.properties, { defaults: DEFAULT_PROPERTIES, always: ALWAYS_RETURNED }, requested, withHistory);
  }

  snapshot(): ContactSnapshot[] {
    return this.order.map(recordSnapshot);
  }
}

/** A record as the sandbox handle shows it to tests (`contacts()`, `deals()`). */
export function recordSnapshot(r: ObjectRecord): ContactSnapshot {
  return {
    id: r.id,
    properties: Object.fromEntries(r.props),
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    archived: r.archived,
  };
}

/** Records numbered above `after` (listing order is numbering order), up to `limit`, and whether more follow. */
export function pageByNum(order: readonly ObjectRecord[], after: number, limit: number, archived: boolean): { records: ObjectRecord[]; more: boolean } {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order[mid]!.num <= after) lo = mid + 1;
    else hi = mid;
  }
  const records: ObjectRecord[] = [];
  for (let i = lo; i < order.length; i++) {
    const r = order[i]!;
    if (r.archived !== archived) continue;
    if (records.length === limit) return { records, more: true };
    records.push(r);
  }
  return { records, more: false };
}

/**
 * A record as the object APIs return it. `requested` undefined (a write's answer): every value it
 * has; otherwise the properties asked for (the type's defaults when none), null where unset, plus
 * those HubSpot always returns.
 */
export function objectView(
  record: ObjectRecord,
  properties: PropertyStore,
  names: { defaults: readonly string[]; always: readonly string[] },
  requested?: readonly string[],
  withHistory?: readonly string[],
): SimplePublicObject {
  const values: Record<string, string | null> = {};
  if (requested === undefined) {
    for (const [k, v] of record.props) values[k] = v;
  } else {
    const wanted = requested.length ? requested : names.defaults;
    for (const name of wanted) {
      if (properties.get(name)) values[name] = record.props.get(name) ?? null;
    }
    for (const name of names.always) values[name] = record.props.get(name) ?? null;
  }
  const out: SimplePublicObject = {
    id: record.id,
    properties: values,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: record.archived,
  };
  if (record.archivedAt !== undefined) out.archivedAt = new Date(record.archivedAt).toISOString();
  if (withHistory && withHistory.length) {
    const history: NonNullable<SimplePublicObject['propertiesWithHistory']> = {};
    const timestamp = new Date(record.updatedAt).toISOString();
    for (const name of withHistory) {
      if (!properties.get(name)) continue;
      const value = record.props.get(name);
      history[name] = value === undefined ? [] : [{ value, timestamp, sourceType: 'API' }];
    }
    out.propertiesWithHistory = history;
  }
  return out;
}

/** Checks and normalises property values against an object type's properties. */
export function validateProperties(properties: PropertyStore, input: RawProperties): ValidatedWrite {
  const values = new Map<string, string>();
  const problems: PropertyProblem[] = [];
  for (const [name, rawValue] of Object.entries(input)) {
    const def = properties.get(name);
    if (!def) {
      problems.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    const raw = rawValue === null ? '' : String(rawValue);
    const result = normalizeValue(def, raw);
    if (result.ok) values.set(name, result.value);
    else problems.push(result.problem);
  }
  return problems.length ? { ok: false, problems } : { ok: true, values };
}
