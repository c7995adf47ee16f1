/**
 * Associations v4 between contacts and deals: the store (every association kept both ways, so
 * either record lists the other) and the `/crm/v4` routes that create and read default
 * (unlabeled, HUBSPOT_DEFINED) associations. Default type ids are HubSpot's: deal → contact 3,
 * contact → deal 4. An archived or deleted record loses its associations; a merged contact's pass
 * to the contact it was merged into.
 */
import { batchReply, checkBatchSize, type Handler, type Reply, type Route, type Services } from './crm.js';
import { httpError, standardError, validationError, type StandardError } from './errors.js';
import { AssociationBatchReadInput, DefaultAssociationBatchInput, parseBody } from './schemas.js';
import type { AssociationSnapshot } from './types.js';

export type CrmObjectType = 'contacts' | 'deals';
export type AssociationCategory = 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED' | 'WORK';

/** The names and type ids (`0-1`, `0-3`) HubSpot takes for an object type in a path. */
const OBJECT_TYPE_NAMES: Record<string, CrmObjectType> = {
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
};

const SINGULAR: Record<CrmObjectType, string> = { contacts: 'contact', deals: 'deal' };

export interface AssociationType {
  from: CrmObjectType;
  to: CrmObjectType;
  category: AssociationCategory;
  typeId: number;
  /** The v3 name (`associations` of a v3 read: `deal_to_contact`). */
  name: string;
}

/** The HUBSPOT_DEFINED default (unlabeled) types between the object types the sandbox has. */
export const DEFAULT_ASSOCIATION_TYPES: readonly AssociationType[] = [
  { from: 'contacts', to: 'deals', category: 'HUBSPOT_DEFINED', typeId: 4, name: 'contact_to_deal' },
  { from: 'deals', to: 'contacts', category: 'HUBSPOT_DEFINED', typeId: 3, name: 'deal_to_contact' },
];

/** Batch limits of the associations API v4 (reads: 1,000 ids since February 2025; default associations: 2,000 pairs). */
export const MAX_ASSOCIATION_READ_INPUTS = 1000;
export const MAX_ASSOCIATION_CREATE_INPUTS = 2000;
/** Associations per page of a v4 read, per record. */
const ASSOCIATIONS_PAGE = 500;

export function objectTypeOf(raw: string): CrmObjectType {
  const type = OBJECT_TYPE_NAMES[decodeURIComponent(raw).toLowerCase()];
  if (!type) {
    throw validationError(`Unable to infer object type from: ${raw}. The sandbox has contacts (0-1) and deals (0-3).`, { context: { objectType: [raw] } });
  }
  return type;
}

export function defaultType(from: CrmObjectType, to: CrmObjectType): AssociationType {
  const type = DEFAULT_ASSOCIATION_TYPES.find((t) => t.from === from && t.to === to);
  if (!type) {
    throw validationError(`There is no default association type from ${from} to ${to}.`, { context: { fromObjectType: [from], toObjectType: [to] } });
  }
  return type;
}

/** The type a create-time association (`associations[].types[]` of a v3 create) names, if the sandbox knows it. */
export function typeById(from: CrmObjectType, category: string, typeId: number): AssociationType | undefined {
  return DEFAULT_ASSOCIATION_TYPES.find((t) => t.from === from && t.category === category && t.typeId === typeId);
}

interface Edge {
  toType: CrmObjectType;
  toId: string;
  types: Set<AssociationType>;
}

const key = (type: CrmObjectType, id: string) => `${type}:${id}`;

export class AssociationStore {
  /** From a record to the records it is associated with, in the order they were associated. */
  private readonly edges = new Map<string, Map<string, Edge>>();

  reset(): void {
    this.edges.clear();
  }

  /** Associates two records with the default type, both ways; returns the two types (forward first). */
  associateDefault(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): [AssociationType, AssociationType] {
    const forward = defaultType(fromType, toType);
    const reverse = defaultType(toType, fromType);
    this.add(fromType, fromId, toType, toId, forward);
    this.add(toType, toId, fromType, fromId, reverse);
    return [forward, reverse];
  }

  /** The records of `toType` associated with a record, each with its association types. */
  list(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): Array<{ toId: string; types: AssociationType[] }> {
    const out: Array<{ toId: string; types: AssociationType[] }> = [];
    for (const edge of this.edges.get(key(fromType, fromId))?.values() ?? []) {
      if (edge.toType === toType) out.push({ toId: edge.toId, types: [...edge.types] });
    }
    return out;
  }

  /** Removes every association between two records (both ways). */
  removeBetween(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
    this.edges.get(key(fromType, fromId))?.delete(key(toType, toId));
    this.edges.get(key(toType, toId))?.delete(key(fromType, fromId));
  }

  /** Removes every association of a record (it was archived or deleted). */
  removeObject(type: CrmObjectType, id: string): void {
    const own = this.edges.get(key(type, id));
    if (!own) return;
    for (const edge of own.values()) this.edges.get(key(edge.toType, edge.toId))?.delete(key(type, id));
    this.edges.delete(key(type, id));
  }

  /** A merge: the merged record's associations become the primary's. */
  moveObject(type: CrmObjectType, mergedId: string, primaryId: string): void {
    const own = this.edges.get(key(type, mergedId));
    if (!own) return;
    const moved = [...own.values()];
    this.removeObject(type, mergedId);
    for (const edge of moved) {
      if (edge.toType === type && edge.toId === primaryId) continue;
      this.associateDefault(type, primaryId, edge.toType, edge.toId);
    }
  }

  /** Every association, one entry per direction (a contact–deal pair appears twice), oldest first. */
  snapshot(): AssociationSnapshot[] {
    const out: AssociationSnapshot[] = [];
    for (const [from, targets] of this.edges) {
      const [fromObjectType, fromObjectId] = from.split(':') as [CrmObjectType, string];
      for (const edge of targets.values()) {
        for (const type of edge.types) {
          out.push({ fromObjectType, fromObjectId, toObjectType: edge.toType, toObjectId: edge.toId, category: type.category, associationTypeId: type.typeId });
        }
      }
    }
    return out;
  }

  private add(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string, type: AssociationType): void {
    let targets = this.edges.get(key(fromType, fromId));
    if (!targets) this.edges.set(key(fromType, fromId), (targets = new Map()));
    let edge = targets.get(key(toType, toId));
    if (!edge) targets.set(key(toType, toId), (edge = { toType, toId, types: new Set() }));
    edge.types.add(type);
  }
}

export function objectExists(s: Services, type: CrmObjectType, id: string): boolean {
  return type === 'contacts' ? s.contacts.find(id) !== undefined : s.deals.find(id) !== undefined;
}

/** AssociationSpecWithLabel, as v4 reads list a record's association types (unlabeled: no `label`). */
const specWithLabel = (t: AssociationType) => ({ category: t.category, typeId: t.typeId });
/** PublicDefaultAssociation. */
const defaultAssociation = (fromId: string, toId: string, t: AssociationType) => ({
  from: { id: fromId },
  to: { id: toId },
  associationSpec: { associationCategory: t.category, associationTypeId: t.typeId },
});

function missingObjectError(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string, missing: 'from' | 'to'): StandardError {
  const [type, id] = missing === 'from' ? [fromType, fromId] : [toType, toId];
  return {
    ...standardError('OBJECT_NOT_FOUND', `No ${SINGULAR[type]} with ID ${id} exists, so it cannot be associated.`, { fromObjectId: [fromId], toObjectId: [toId] }),
    subCategory: 'crm.associations.INVALID_OBJECT_IDS',
  };
}

/** PUT /crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId} */
export const associateDefault: Handler = ({ params, inputFaults }, s) => {
  const fromType = objectTypeOf(params[0] ?? '');
  const fromId = decodeURIComponent(params[1] ?? '');
  const toType = objectTypeOf(params[2] ?? '');
  const toId = decodeURIComponent(params[3] ?? '');
  defaultType(fromType, toType);
  for (const [type, id] of [[fromType, fromId], [toType, toId]] as const) {
    if (!objectExists(s, type, id)) {
      throw httpError(404, 'OBJECT_NOT_FOUND', `No ${SINGULAR[type]} with ID ${id} exists, so it cannot be associated.`, { context: { id: [id] } });
    }
  }
  const injected = inputFaults.check([fromId, toId]);
  inputFaults.finish();
  if (injected) throw validationError(injected, { context: { fromObjectId: [fromId], toObjectId: [toId] } });
  const requestedAt = new Date().toISOString();
  const [forward, reverse] = s.associations.associateDefault(fromType, fromId, toType, toId);
  return batchReply(200, [defaultAssociation(fromId, toId, forward), defaultAssociation(toId, fromId, reverse)], [], requestedAt);
};

/**
 * POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/associate/default: every pair
 * whose records both exist is associated (both ways, and both directions are listed in
 * `results`); a pair with a missing record is an error naming its `fromObjectId` and
 * `toObjectId`, and the answer is then a 207.
 */
export const batchAssociateDefault: Handler = ({ params, body, inputFaults }, s) => {
  const fromType = objectTypeOf(params[0] ?? '');
  const toType = objectTypeOf(params[1] ?? '');
  defaultType(fromType, toType);
  const input = parseBody(DefaultAssociationBatchInput, body);
  checkBatchSize(input.inputs.length, MAX_ASSOCIATION_CREATE_INPUTS);
  const requestedAt = new Date().toISOString();
  const results: Array<ReturnType<typeof defaultAssociation>> = [];
  const errors: StandardError[] = [];
  for (const { from, to } of input.inputs) {
    const injected = inputFaults.check([from.id, to.id]);
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, { fromObjectId: [from.id], toObjectId: [to.id] }));
      continue;
    }
    if (!objectExists(s, fromType, from.id)) {
      errors.push(missingObjectError(fromType, from.id, toType, to.id, 'from'));
      continue;
    }
    if (!objectExists(s, toType, to.id)) {
      errors.push(missingObjectError(fromType, from.id, toType, to.id, 'to'));
      continue;
    }
    const [forward, reverse] = s.associations.associateDefault(fromType, from.id, toType, to.id);
    results.push(defaultAssociation(from.id, to.id, forward), defaultAssociation(to.id, from.id, reverse));
  }
  inputFaults.finish();
  return batchReply(200, results, errors, requestedAt);
};

/** One page of a record's associations: `after` is the position to start from. */
function associationPage(s: Services, fromType: CrmObjectType, fromId: string, toType: CrmObjectType, after: number, limit: number) {
  const all = s.associations.list(fromType, fromId, toType);
  const page = all.slice(after, after + limit).map((a) => ({ toObjectId: a.toId, associationTypes: a.types.map(specWithLabel) }));
  const next = after + limit < all.length ? String(after + limit) : undefined;
  return { all, page, next };
}

function cursor(raw: string | undefined | null): number {
  if (raw === undefined || raw === null || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw validationError(`Invalid paging cursor after='${raw}'`);
  return n;
}

/**
 * POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read: each id's associated
 * records (500 a page; `after` beside the id for the next). An id with none (or no such record)
 * is an error, as in HubSpot, and the answer is then a 207.
 */
export const batchReadAssociations: Handler = ({ params, body, baseUrl }, s) => {
  const fromType = objectTypeOf(params[0] ?? '');
  const toType = objectTypeOf(params[1] ?? '');
  const input = parseBody(AssociationBatchReadInput, body);
  checkBatchSize(input.inputs.length, MAX_ASSOCIATION_READ_INPUTS);
  const requestedAt = new Date().toISOString();
  const results: unknown[] = [];
  const errors: StandardError[] = [];
  for (const { id, after } of input.inputs) {
    const { page, next } = associationPage(s, fromType, id, toType, cursor(after), ASSOCIATIONS_PAGE);
    if (page.length === 0) {
      errors.push({
        ...standardError('OBJECT_NOT_FOUND', `No ${SINGULAR[toType]} is associated with ${SINGULAR[fromType]} ${id}.`, { fromObjectId: [id] }),
        subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
      });
      continue;
    }
    const link = `${baseUrl}/crm/v4/objects/${fromType}/${id}/associations/${toType}?after=${next}`;
    results.push({ from: { id }, to: page, ...(next ? { paging: { next: { after: next, link } } } : {}) });
  }
  return batchReply(200, results, errors, requestedAt);
};

/** GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}?limit&after (500 a page at most). */
export const listAssociations: Handler = ({ params, url, baseUrl }, s) => {
  const fromType = objectTypeOf(params[0] ?? '');
  const fromId = decodeURIComponent(params[1] ?? '');
  const toType = objectTypeOf(params[2] ?? '');
  const rawLimit = url.searchParams.get('limit');
  const limit = rawLimit === null ? ASSOCIATIONS_PAGE : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1) throw validationError(`limit must be a positive integer, got '${rawLimit}'`);
  const { page, next } = associationPage(s, fromType, fromId, toType, cursor(url.searchParams.get('after')), Math.min(limit, ASSOCIATIONS_PAGE));
  const body: Record<string, unknown> = { results: page };
  if (next) {
    const link = new URL(url.pathname, baseUrl);
    link.searchParams.set('after', next);
    if (rawLimit !== null) link.searchParams.set('limit', rawLimit);
    body.paging = { next: { after: next, link: link.toString() } };
  }
  return { status: 200, body };
};

/** DELETE /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}: every association between the two. */
export const removeAssociations: Handler = ({ params }, s): Reply => {
  const fromType = objectTypeOf(params[0] ?? '');
  const toType = objectTypeOf(params[2] ?? '');
  s.associations.removeBetween(fromType, decodeURIComponent(params[1] ?? ''), toType, decodeURIComponent(params[3] ?? ''));
  return { status: 204 };
};

/** v3 reads' `associations` (SimplePublicObjectWithAssociations): per object type asked for, the associated ids. */
export function v3Associations(s: Services, fromType: CrmObjectType, id: string, requested: readonly string[] | undefined) {
  if (!requested?.length) return undefined;
  const out: Record<string, { results: Array<{ id: string; type: string }> }> = {};
  for (const raw of requested) {
    const toType = OBJECT_TYPE_NAMES[raw.toLowerCase()];
    if (!toType) continue;
    const results = s.associations.list(fromType, id, toType).flatMap((a) => a.types.map((t) => ({ id: a.toId, type: t.name })));
    if (results.length) out[toType] = { results };
  }
  return out;
}

const TYPE = '([^/]+)';
const ID = '([^/]+)';

export const ASSOCIATION_ROUTES: Route[] = [
  { pattern: new RegExp(`^/crm/v4/objects/${TYPE}/${ID}/associations/default/${TYPE}/${ID}/?$`), methods: { PUT: associateDefault } },
  { pattern: new RegExp(`^/crm/v4/objects/${TYPE}/${ID}/associations/${TYPE}/?$`), methods: { GET: listAssociations } },
  { pattern: new RegExp(`^/crm/v4/objects/${TYPE}/${ID}/associations/${TYPE}/${ID}/?$`), methods: { DELETE: removeAssociations } },
  { pattern: new RegExp(`^/crm/v4/associations/${TYPE}/${TYPE}/batch/associate/default/?$`), methods: { POST: batchAssociateDefault } },
  { pattern: new RegExp(`^/crm/v4/associations/${TYPE}/${TYPE}/batch/read/?$`), methods: { POST: batchReadAssociations } },
];
