/**
 * The object types the sandbox has and the names a path may give them. Contacts (0-1) and deals
 * (0-3) are built in, listings (0-420) too; custom object types come from the schemas API and are
 * named by their objectTypeId (`2-…`) or their fully qualified name (`p<portalId>_<name>`), both
 * for the same records. Each type but contacts is served by the generic object handlers through an
 * ObjectBinding: its records, its properties, and the names its answers use.
 */
import { httpError, PORTAL_ID, validationError } from './errors.js';
import type { DealStore } from './deals.js';
import { LISTING_PROPERTIES, systemProperties } from './object-properties.js';
import { ObjectStore } from './objects.js';
import { PropertyStore } from './properties.js';
import type { ContactStore } from './store.js';
import type { ObjectSnapshot } from './types.js';

export interface ObjectBinding {
  /** How associations and snapshots name the type: `deals`, or its objectTypeId (`0-420`, `2-…`). */
  key: string;
  objectTypeId: string;
  /** The type in batch read errors: `Could not get some DEAL objects`. */
  label: string;
  /** One record of the type, in messages: `No deal with ID 1 exists`. */
  singular: string;
  records: ObjectStore;
  properties: PropertyStore;
  /** A property an 'inputError' fault may match besides ids (dealname, hs_name, the primary display property). */
  nameProperty?: string;
}

/** A custom object type: its binding and what its schema says. */
export interface CustomObjectType extends ObjectBinding {
  id: string;
  name: string;
  fullyQualifiedName: string;
  labels: { singular?: string; plural?: string };
  description?: string;
  primaryDisplayProperty?: string;
  secondaryDisplayProperties: string[];
  requiredProperties: string[];
  searchableProperties: string[];
  allowsSensitiveProperties: boolean;
  createdAt: string;
  updatedAt: string;
}

export type CustomObjectInput = Omit<CustomObjectType, keyof ObjectBinding | 'id' | 'fullyQualifiedName' | 'createdAt' | 'updatedAt'> & { properties: PropertyStore };

export const LISTINGS = '0-420';
/** Path names of the built-in types: v3 object routes take the plural and the id, association routes the singular too. */
const CONTACT_NAMES = ['contacts', 'contact', '0-1'];
const DEAL_NAMES = ['deals', 'deal', '0-3'];
const V3_DEAL_NAMES = ['deals', '0-3'];
/** Custom object type ids: `2-<n>`; record ids of each type have their own range. */
const FIRST_CUSTOM_TYPE_NUMBER = 5_000_001;
const FIRST_LISTING_ID = 4_200_000_001;
const FIRST_CUSTOM_RECORD_ID = 6_000_000_001;
const CUSTOM_RECORD_ID_SPAN = 100_000_000;
const SYSTEM_DATES = ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'];

/** The records of a listing or custom object type: created as `hs_createdate`, read with the system properties. */
function genericStore(properties: PropertyStore, firstId: number): ObjectStore {
  return new ObjectStore(properties, { firstId, createdProperty: 'hs_createdate', defaults: SYSTEM_DATES, always: SYSTEM_DATES });
}

export function customPropertyStore(name: string): PropertyStore {
  return new PropertyStore(systemProperties(name), `${name}_information`);
}

export class ObjectTypes {
  readonly deals: ObjectBinding;
  readonly listings: ObjectBinding;
  private custom: CustomObjectType[] = [];

  constructor(
    private readonly contacts: ContactStore,
    deals: DealStore,
  ) {
    this.deals = { key: 'deals', objectTypeId: '0-3', label: 'DEAL', singular: 'deal', records: deals, properties: deals.properties, nameProperty: 'dealname' };
    const listingProperties = new PropertyStore(LISTING_PROPERTIES, 'listing_information');
    this.listings = {
      key: LISTINGS,
      objectTypeId: LISTINGS,
      label: 'LISTING',
      singular: 'listing',
      records: genericStore(listingProperties, FIRST_LISTING_ID),
      properties: listingProperties,
      nameProperty: 'hs_name',
    };
  }

  /** Drops the custom object types and the listings; deals and contacts are reset by their owners. */
  reset(): void {
    this.custom = [];
    this.listings.records.reset();
    this.listings.properties.reset();
  }

  /** The type a v3 object or property path names (deals, listings, custom), if any. */
  binding(raw: string): ObjectBinding | undefined {
    const name = raw.toLowerCase();
    if (V3_DEAL_NAMES.includes(name)) return this.deals;
    if (name === LISTINGS) return this.listings;
    return this.findCustom(name, false);
  }

  /** As `binding`, or HubSpot's 404 for an object type the portal does not have. */
  requireBinding(raw: string): ObjectBinding {
    const binding = this.binding(raw);
    if (!binding) {
      throw httpError(404, 'OBJECT_NOT_FOUND', `Unable to infer object type from: ${raw}`, { context: { objectType: [raw] } });
    }
    return binding;
  }

  /** The association key of any type a path names (contacts and deals by plural, singular or id). */
  keyOf(raw: string): string | undefined {
    const name = raw.toLowerCase();
    if (CONTACT_NAMES.includes(name)) return 'contacts';
    if (DEAL_NAMES.includes(name)) return 'deals';
    return this.binding(name)?.key;
  }

  /** As `keyOf`, or the 400 HubSpot's association APIs answer for a type they cannot infer. */
  requireKey(raw: string): string {
    const key = this.keyOf(raw);
    if (!key) {
      throw validationError(
        `Unable to infer object type from: ${raw}. The sandbox has contacts (0-1), deals (0-3), listings (0-420) and the custom object types of its schemas.`,
        { context: { objectType: [raw] } },
      );
    }
    return key;
  }

  objectTypeIdOf(key: string): string {
    return key === 'contacts' ? '0-1' : key === 'deals' ? '0-3' : key;
  }

  singularOf(key: string): string {
    return key === 'contacts' ? 'contact' : (this.binding(key)?.singular ?? key);
  }

  exists(key: string, id: string): boolean {
    if (key === 'contacts') return this.contacts.find(id) !== undefined;
    return this.binding(key)?.records.find(id) !== undefined;
  }

  /** A type as the sandbox handle takes it: any association path name, and `listings` too. */
  handleKey(raw: string): string {
    const key = ['listings', 'listing'].includes(raw.toLowerCase()) ? LISTINGS : this.keyOf(raw);
    if (!key) throw new TypeError(`The sandbox has no object type ${raw}`);
    return key;
  }

  /** Every record of a type, archived ones included, oldest first (the handle's `objects`). */
  snapshot(raw: string): ObjectSnapshot[] {
    const key = this.handleKey(raw);
    return key === 'contacts' ? this.contacts.snapshot() : this.binding(key)!.records.snapshot();
  }

  customTypes(): CustomObjectType[] {
    return [...this.custom];
  }

  /** A custom type by objectTypeId or fully qualified name; the schemas API also takes its id or name. */
  findCustom(raw: string, schemaNames = true): CustomObjectType | undefined {
    const name = raw.toLowerCase();
    return this.custom.find(
      (t) => t.objectTypeId === name || t.fullyQualifiedName.toLowerCase() === name || (schemaNames && (t.id === name || t.name.toLowerCase() === name)),
    );
  }

  addCustom(input: CustomObjectInput): CustomObjectType {
    const index = this.custom.length;
    const id = String(FIRST_CUSTOM_TYPE_NUMBER + index);
    const now = new Date().toISOString();
    const records = genericStore(input.properties, FIRST_CUSTOM_RECORD_ID + index * CUSTOM_RECORD_ID_SPAN);
    records.required = input.requiredProperties;
    const type: CustomObjectType = {
      ...input,
      id,
      key: `2-${id}`,
      objectTypeId: `2-${id}`,
      fullyQualifiedName: `p${PORTAL_ID}_${input.name}`,
      label: input.name.toUpperCase(),
      singular: input.labels.singular?.toLowerCase() ?? input.name,
      records,
      ...(input.primaryDisplayProperty ? { nameProperty: input.primaryDisplayProperty } : {}),
      createdAt: now,
      updatedAt: now,
    };
    this.custom.push(type);
    return type;
  }
}
