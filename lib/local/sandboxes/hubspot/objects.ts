/**
 * Records of every CRM object type but contacts (deals, listings, custom objects): property values
 * checked against the type's properties, ids of the type's own range, paging by id, the record
 * views of the object APIs, and the checks HubSpot makes on a write: properties with unique values
 * stay unique among live records, and a create sets the type's required properties.
 */
import type { PropertyProblem } from './errors.js';
import type { PropertyStore } from './properties.js';
import { objectView, pageByNum, recordSnapshot, validateProperties, type ObjectRecord, type RawProperties, type SimplePublicObject, type ValidatedWrite } from './store.js';
import type { ObjectSnapshot } from './types.js';

export interface ObjectStoreOptions {
  /** The first record id; each type has its own range, so an id of one type finds nothing in another. */
  firstId: number;
  /** Where the creation date goes: `createdate` (deals) or `hs_createdate` (listings, custom objects). */
  createdProperty: string;
  /** Properties a read returns when it names none. */
  defaults: readonly string[];
  /** Properties a read returns whatever it names. */
  always: readonly string[];
  /** Values a new record gets unless the write sets them (a deal's pipeline). */
  initial?: Readonly<Record<string, string>>;
}

const MODIFIED = 'hs_lastmodifieddate';
const SYSTEM_PROPERTIES = new Set(['hs_object_id', MODIFIED]);

/** A value of a unique property that a live record other than the one written already holds. */
export interface UniqueClash {
  name: string;
  value: string;
  owner: ObjectRecord;
}

export class ObjectStore {
  private readonly byId = new Map<string, ObjectRecord>();
  private order: ObjectRecord[] = [];
  private nextId: number;
  /** Properties a create must give a value (a custom object's `requiredProperties`). */
  required: readonly string[] = [];

  constructor(
    readonly properties: PropertyStore,
    private readonly options: ObjectStoreOptions,
  ) {
    this.nextId = options.firstId;
  }

  reset(): void {
    this.byId.clear();
    this.order = [];
    this.nextId = this.options.firstId;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Property values checked against the type's properties; a create (no `existing`) must also set the required ones. */
  validate(input: RawProperties, existing?: ObjectRecord): ValidatedWrite {
    const result = validateProperties(this.properties, input);
    if (!result.ok || existing) return result;
    const problems: PropertyProblem[] = this.required
      .filter((name) => !result.values.get(name))
      .map((name) => ({ name, error: 'REQUIRED_PROPERTY_MISSING', message: `Property "${name}" is required to create this object.` }));
    return problems.length ? { ok: false, problems } : result;
  }

  find(id: string, archived = false): ObjectRecord | undefined {
    const record = this.byId.get(id);
    return record && record.archived === archived ? record : undefined;
  }

  findBy(idProperty: string | undefined, id: string, archived = false): ObjectRecord | undefined {
    if (idProperty === undefined || idProperty === 'hs_object_id') return this.find(id, archived);
    return this.order.find((r) => r.archived === archived && r.props.get(idProperty) === id);
  }

  /** The first value of a unique property in `values` that another live record holds. */
  uniqueClash(values: ReadonlyMap<string, string>, self?: ObjectRecord): UniqueClash | undefined {
    for (const [name, value] of values) {
      if (value === '' || !this.properties.get(name)?.hasUniqueValue) continue;
      const owner = this.order.find((r) => r !== self && !r.archived && r.props.get(name) === value);
      if (owner) return { name, value, owner };
    }
    return undefined;
  }

  create(values: Map<string, string>, now = Date.now()): ObjectRecord {
    const num = this.nextId++;
    const id = String(num);
    const props = new Map<string, string>();
    for (const [k, v] of values) if (v !== '') props.set(k, v);
    const iso = new Date(now).toISOString();
    if (!props.has(this.options.createdProperty)) props.set(this.options.createdProperty, iso);
    for (const [k, v] of Object.entries(this.options.initial ?? {})) if (!props.has(k)) props.set(k, v);
    props.set(MODIFIED, iso);
    props.set('hs_object_id', id);
    const record: ObjectRecord = { id, num, props, createdAt: now, updatedAt: now, archived: false };
    this.byId.set(id, record);
    this.order.push(record);
    return record;
  }

  update(record: ObjectRecord, values: Map<string, string>, now = Date.now()): void {
    for (const [k, v] of values) {
      if (SYSTEM_PROPERTIES.has(k)) continue;
      if (v === '') record.props.delete(k);
      else record.props.set(k, v);
    }
    record.updatedAt = Math.max(now, record.updatedAt);
    record.props.set(MODIFIED, new Date(record.updatedAt).toISOString());
  }

  /** Moves a record to the recycle bin: a GET of its id is a 404 unless `archived=true` is asked. */
  archive(record: ObjectRecord, now = Date.now()): void {
    if (record.archived) return;
    record.archived = true;
    record.archivedAt = now;
  }

  page(after: number, limit: number, archived: boolean): { records: ObjectRecord[]; more: boolean } {
    return pageByNum(this.order, after, limit, archived);
  }

  view(record: ObjectRecord, requested?: readonly string[], withHistory?: readonly string[]): SimplePublicObject {
    return objectView(record, this.properties, { defaults: this.options.defaults, always: this.options.always }, requested, withHistory);
  }

  snapshot(): ObjectSnapshot[] {
    return this.order.map(recordSnapshot);
  }
}
