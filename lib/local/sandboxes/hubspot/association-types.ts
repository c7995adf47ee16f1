/**
 * Association types, one per direction between two object types (named by their association key:
 * `contacts`, `deals`, or an objectTypeId such as `0-420` or `2-…`). Every pair that can be
 * associated has one unlabeled type each way: HubSpot's HUBSPOT_DEFINED defaults between contacts,
 * deals and listings, and for a custom object the USER_DEFINED type of each association definition
 * of its schema. Labels (`/crm/associations/v4/{from}/{to}/labels`) add USER_DEFINED types both
 * ways, the inverse direction carrying the inverse label (or the same label).
 */
import { httpError, validationError } from './errors.js';
import { LISTINGS } from './object-types.js';

export type AssociationCategory = 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED' | 'WORK';

export interface AssociationType {
  from: string;
  to: string;
  category: AssociationCategory;
  typeId: number;
  /** The v3 name (`associations` of a v3 read: `deal_to_contact`), a label's or a definition's name. */
  name: string;
  /** A labeled type's label in this direction; unlabeled types have none. */
  label?: string;
  /** The type of the other direction. */
  inverseTypeId: number;
  /** HubSpot's default, a custom object's association definition (schemas API), or a label. */
  origin: 'default' | 'definition' | 'label';
  createdAt?: string;
  updatedAt?: string;
}

/**
 * HubSpot's defaults: contact → deal 4, deal → contact 3, contact ↔ contact 449 and deal ↔ deal
 * 451 (one type both ways) are HubSpot's ids; the listing ones are the sandbox's (read them from
 * the labels API, as a client of HubSpot does).
 */
export const DEFAULT_ASSOCIATION_TYPES: readonly AssociationType[] = [
  { from: 'contacts', to: 'deals', category: 'HUBSPOT_DEFINED', typeId: 4, name: 'contact_to_deal', inverseTypeId: 3, origin: 'default' },
  { from: 'deals', to: 'contacts', category: 'HUBSPOT_DEFINED', typeId: 3, name: 'deal_to_contact', inverseTypeId: 4, origin: 'default' },
  { from: 'contacts', to: 'contacts', category: 'HUBSPOT_DEFINED', typeId: 449, name: 'contact_to_contact', inverseTypeId: 449, origin: 'default' },
  { from: 'deals', to: 'deals', category: 'HUBSPOT_DEFINED', typeId: 451, name: 'deal_to_deal', inverseTypeId: 451, origin: 'default' },
  { from: LISTINGS, to: 'contacts', category: 'HUBSPOT_DEFINED', typeId: 881, name: 'listing_to_contact', inverseTypeId: 882, origin: 'default' },
  { from: 'contacts', to: LISTINGS, category: 'HUBSPOT_DEFINED', typeId: 882, name: 'contact_to_listing', inverseTypeId: 881, origin: 'default' },
  { from: LISTINGS, to: 'deals', category: 'HUBSPOT_DEFINED', typeId: 883, name: 'listing_to_deal', inverseTypeId: 884, origin: 'default' },
  { from: 'deals', to: LISTINGS, category: 'HUBSPOT_DEFINED', typeId: 884, name: 'deal_to_listing', inverseTypeId: 883, origin: 'default' },
];

/** A type as messages list it: `HUBSPOT_DEFINED 3 to contacts`. */
export const typeLabel = (t: AssociationType): string => `${t.category} ${t.typeId} to ${t.to}${t.label !== undefined ? ` ('${t.label}')` : ''}`;

/** Type ids the sandbox gives definitions and labels, above HubSpot's own. */
const FIRST_USER_TYPE_ID = 1001;

export interface LabelInput {
  name: string;
  label: string;
  inverseLabel?: string;
}

export class AssociationTypes {
  private types: AssociationType[] = [];
  private nextTypeId = FIRST_USER_TYPE_ID;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.types = DEFAULT_ASSOCIATION_TYPES.map((t) => ({ ...t }));
    this.nextTypeId = FIRST_USER_TYPE_ID;
  }

  /** Every type from one object type to another: the unlabeled one first, then labels, oldest first. */
  between(from: string, to: string): AssociationType[] {
    return this.types.filter((t) => t.from === from && t.to === to).sort((a, b) => Number(a.label !== undefined) - Number(b.label !== undefined));
  }

  /** Every type from one object type, to whatever type. */
  from(key: string): AssociationType[] {
    return this.types.filter((t) => t.from === key);
  }

  /** The unlabeled type from one object type to another, if the two can be associated. */
  unlabeled(from: string, to: string): AssociationType | undefined {
    return this.types.find((t) => t.from === from && t.to === to && t.label === undefined);
  }

  /** The unlabeled type, or a 400 when the two object types cannot be associated. */
  defaultType(from: string, to: string): AssociationType {
    const type = this.unlabeled(from, to);
    if (!type) {
      throw validationError(`There is no default association type from ${from} to ${to}.`, { context: { fromObjectType: [from], toObjectType: [to] } });
    }
    return type;
  }

  find(from: string, to: string, category: string, typeId: number): AssociationType | undefined {
    return this.types.find((t) => t.from === from && t.to === to && t.category === category && t.typeId === typeId);
  }

  /** The type a create-time association (`associations[].types[]` of a v3 create) names: its target type follows from it. */
  fromType(from: string, category: string, typeId: number): AssociationType | undefined {
    return this.types.find((t) => t.from === from && t.category === category && t.typeId === typeId);
  }

  inverse(type: AssociationType): AssociationType {
    return this.types.find((t) => t.typeId === type.inverseTypeId && t.from === type.to && t.to === type.from)!;
  }

  /** Types from `key` made by the schemas API (a custom object's association definitions). */
  definitions(key: string): AssociationType[] {
    return this.types.filter((t) => t.origin === 'definition' && t.from === key);
  }

  /** A custom object's association definition: an unlabeled USER_DEFINED type each way (409 if the two are associable already). */
  define(from: string, to: string, name: string, inverseName: string): AssociationType {
    if (this.unlabeled(from, to)) {
      throw httpError(409, 'CONFLICT', `An association definition between ${from} and ${to} already exists.`, { context: { fromObjectTypeId: [from], toObjectTypeId: [to] } });
    }
    return this.addPair(from, to, 'definition', { name, inverseName });
  }

  /**
   * A USER_DEFINED label both ways: [this direction, the inverse]. Between records of one object
   * type a label without an inverse label is one type, the same both ways.
   */
  createLabel(from: string, to: string, input: LabelInput): AssociationType[] {
    this.defaultType(from, to);
    if (this.between(from, to).some((t) => t.origin === 'label' && t.name === input.name)) {
      throw httpError(409, 'CONFLICT', `An association label named '${input.name}' already exists between ${from} and ${to}.`, { context: { name: [input.name] } });
    }
    const symmetric = from === to && input.inverseLabel === undefined;
    const forward = this.addPair(from, to, 'label', { name: input.name, inverseName: input.name, label: input.label, inverseLabel: input.inverseLabel ?? input.label }, symmetric);
    return symmetric ? [forward] : [forward, this.inverse(forward)];
  }

  /** PUT labels: new label text for a label of this pair (and its inverse label when given). */
  updateLabel(from: string, to: string, typeId: number, label: string, inverseLabel: string | undefined): void {
    const type = this.label(from, to, typeId);
    const now = new Date().toISOString();
    type.label = label;
    type.updatedAt = now;
    const inverse = this.inverse(type);
    if (inverseLabel !== undefined && inverse !== type) {
      inverse.label = inverseLabel;
      inverse.updatedAt = now;
    }
  }

  /** DELETE labels/{typeId}: the label goes both ways; returns its types, which associations then lose. */
  deleteLabel(from: string, to: string, typeId: number): AssociationType[] {
    const type = this.label(from, to, typeId);
    const inverse = this.inverse(type);
    this.types = this.types.filter((t) => t !== type && t !== inverse);
    return [...new Set([type, inverse])];
  }

  /** A label of the pair; HubSpot's defaults and schema definitions are not labels and cannot be changed here. */
  private label(from: string, to: string, typeId: number): AssociationType {
    const type = this.types.find((t) => t.from === from && t.to === to && t.typeId === typeId);
    if (!type) {
      throw httpError(404, 'OBJECT_NOT_FOUND', `No association type ${typeId} from ${from} to ${to} exists.`, { context: { associationTypeId: [String(typeId)] } });
    }
    if (type.origin !== 'label') {
      throw validationError(`Association type ${typeId} from ${from} to ${to} is unlabeled (${type.category}); only labels can be changed or deleted.`, {
        context: { associationTypeId: [String(typeId)] },
      });
    }
    return type;
  }

  private addPair(
    from: string,
    to: string,
    origin: AssociationType['origin'],
    names: { name: string; inverseName: string; label?: string; inverseLabel?: string },
    symmetric = false,
  ): AssociationType {
    const now = new Date().toISOString();
    const forwardId = this.nextTypeId++;
    const base = { category: 'USER_DEFINED' as const, origin, createdAt: now, updatedAt: now };
    const label = names.label !== undefined ? { label: names.label } : {};
    if (symmetric) {
      const type: AssociationType = { ...base, from, to, typeId: forwardId, inverseTypeId: forwardId, name: names.name, ...label };
      this.types.push(type);
      return type;
    }
    const inverseId = this.nextTypeId++;
    const forward: AssociationType = { ...base, from, to, typeId: forwardId, inverseTypeId: inverseId, name: names.name, ...label };
    const inverse: AssociationType = {
      ...base,
      from: to,
      to: from,
      typeId: inverseId,
      inverseTypeId: forwardId,
      name: names.inverseName,
      ...(names.inverseLabel !== undefined ? { label: names.inverseLabel } : {}),
    };
    this.types.push(forward, inverse);
    return forward;
  }
}
