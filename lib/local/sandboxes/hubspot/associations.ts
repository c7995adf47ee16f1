/**
 * Associations between records of any two object types that can be associated (contacts, deals,
 * listings, custom objects): the store (every association kept both ways, so either record lists
 * the other, a labeled one with its inverse label) and the routes that create default
 * associations and read them (`/crm/associations/2026-09/…` and `/crm/objects/2026-09/…`, and
 * their legacy `/crm/v4/…` paths; a record's association list is v4 only, as the 2026-09
 * documents have none). The types themselves (HubSpot's defaults, custom objects'
 * definitions, labels) are in association-types.ts; labeled writes in labeled-associations.ts. An
 * archived or deleted record loses its associations; a merged contact's pass to the contact it was
 * merged into.
 */
import { batchReply, checkBatchSize, type Handler, type Route, type Services } from './crm.js';
import { httpError, standardError, validationError, type StandardError } from './errors.js';
import type { AssociationType, AssociationTypes } from './association-types.js';
import { AssociationBatchReadInput, DefaultAssociationBatchInput, parseBody } from './schemas.js';
import type { AssociationSnapshot } from './types.js';
import { ASSOCIATIONS_BASE, RECORD_ASSOCIATIONS_BASE } from './versions.js';

export { DEFAULT_ASSOCIATION_TYPES, type AssociationCategory, type AssociationType } from './association-types.js';

/** An object type as associations name it: `contacts`, `deals`, or an objectTypeId (`0-420`, `2-…`). */
export type CrmObjectType = string;

/** Batch limits of the associations API (reads: 1,000 ids since February 2025; creates: 2,000 pairs). */
export const MAX_ASSOCIATION_READ_INPUTS = 1000;
export const MAX_ASSOCIATION_CREATE_INPUTS = 2000;
/** Associations per page of a read, per record. */
const ASSOCIATIONS_PAGE = 500;

/** The association key of a path's object type, or HubSpot's 400 for one it cannot infer. */
export function objectTypeOf(s: Services, raw: string): CrmObjectType {
  return s.objectTypes.requireKey(decodeURIComponent(raw));
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

  constructor(private readonly types: AssociationTypes) {}

  reset(): void {
    this.edges.clear();
  }

  /** Associates two records with the default type, both ways; returns the two types (forward first). */
  associateDefault(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): [AssociationType, AssociationType] {
    const forward = this.types.defaultType(fromType, toType);
    this.associate(fromType, fromId, toType, toId, [forward]);
    return [forward, this.types.inverse(forward)];
  }

  /**
   * Associates two records with the given types of this direction, each with its inverse the other
   * way; a labeled association always has the unlabeled one too, as in HubSpot.
   */
  associate(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string, types: readonly AssociationType[]): void {
    for (const type of [this.types.defaultType(fromType, toType), ...types]) {
      this.add(fromType, fromId, toType, toId, type);
      this.add(toType, toId, fromType, fromId, this.types.inverse(type));
    }
  }

  /** The records of `toType` associated with a record, each with its association types. */
  list(fromType: CrmObjectType, fromId: string, toType: CrmObjectType): Array<{ toId: string; types: AssociationType[] }> {
    const out: Array<{ toId: string; types: AssociationType[] }> = [];
    for (const edge of this.edges.get(key(fromType, fromId))?.values() ?? []) {
      if (edge.toType === toType) out.push({ toId: edge.toId, types: [...edge.types] });
    }
    return out;
  }

  /** The types between two records, this direction. */
  typesBetween(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): AssociationType[] {
    return [...(this.edges.get(key(fromType, fromId))?.get(key(toType, toId))?.types ?? [])];
  }

  /** Removes every association between two records (both ways). */
  removeBetween(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
    this.edges.get(key(fromType, fromId))?.delete(key(toType, toId));
    this.edges.get(key(toType, toId))?.delete(key(fromType, fromId));
  }

  /** Removes some types (and their inverses) between two records; removing the unlabeled one removes them all. */
  removeTypes(fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string, types: readonly AssociationType[]): void {
    if (types.some((t) => t.label === undefined)) {
      this.removeBetween(fromType, fromId, toType, toId);
      return;
    }
    for (const type of types) {
      this.edges.get(key(fromType, fromId))?.get(key(toType, toId))?.types.delete(type);
      this.edges.get(key(toType, toId))?.get(key(fromType, fromId))?.types.delete(this.types.inverse(type));
    }
  }

  /** A deleted label: every association loses it. */
  forgetType(type: AssociationType): void {
    for (const targets of this.edges.values()) for (const edge of targets.values()) edge.types.delete(type);
  }

  /** Removes every association of a record (it was archived or deleted). */
  removeObject(type: CrmObjectType, id: string): void {
    const own = this.edges.get(key(type, id));
    if (!own) return;
    for (const edge of own.values()) this.edges.get(key(edge.toType, edge.toId))?.delete(key(type, id));
    this.edges.delete(key(type, id));
  }

  /** A merge: the merged record's associations, with their types, become the primary's. */
  moveObject(type: CrmObjectType, mergedId: string, primaryId: string): void {
    const own = this.edges.get(key(type, mergedId));
    if (!own) return;
    const moved = [...own.values()];
    this.removeObject(type, mergedId);
    for (const edge of moved) {
      if (edge.toType === type && edge.toId === primaryId) continue;
      this.associate(type, primaryId, edge.toType, edge.toId, [...edge.types]);
    }
  }

  /** Every association, one entry per direction (a contact–deal pair appears twice), oldest first. */
  snapshot(): AssociationSnapshot[] {
    const out: AssociationSnapshot[] = [];
    for (const [from, targets] of this.edges) {
      const [fromObjectType, fromObjectId] = from.split(':') as [CrmObjectType, string];
      for (const edge of targets.values()) {
        for (const type of edge.types) {
          out.push({
            fromObjectType,
            fromObjectId,
            toObjectType: edge.toType,
            toObjectId: edge.toId,
            category: type.category,
            associationTypeId: type.typeId,
            ...(type.label !== undefined ? { label: type.label } : {}),
          });
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

/** AssociationSpecWithLabel, as association reads list a record's association types (unlabeled: no `label`). */
export const specWithLabel = (t: AssociationType) => ({ category: t.category, typeId: t.typeId, ...(t.label !== undefined ? { label: t.label } : {}) });
/** PublicDefaultAssociation. */
const defaultAssociation = (fromId: string, toId: string, t: AssociationType) => ({
  from: { id: fromId },
  to: { id: toId },
  associationSpec: { associationCategory: t.category, associationTypeId: t.typeId },
});

/** A pair's record that does not exist, as a batch error naming both ids. */
export function missingObjectError(s: Services, fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string, missing: 'from' | 'to'): StandardError {
  const [type, id] = missing === 'from' ? [fromType, fromId] : [toType, toId];
  return {
    ...standardError('OBJECT_NOT_FOUND', `No ${s.objectTypes.singularOf(type)} with ID ${id} exists, so it cannot be associated.`, { fromObjectId: [fromId], toObjectId: [toId] }),
    subCategory: 'crm.associations.INVALID_OBJECT_IDS',
  };
}

/** What a record is known by besides its id: a contact's email, another record's name property. */
function recordName(s: Services, type: CrmObjectType, id: string): string | undefined {
  if (type === 'contacts') return s.contacts.find(id)?.props.get('email');
  const binding = s.objectTypes.binding(type);
  return binding?.nameProperty ? binding.records.find(id)?.props.get(binding.nameProperty) : undefined;
}

/** What a 'batchRefusal' fault may match in a pair: both ids, and both records' emails or names. */
export function pairCandidates(s: Services, fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): Array<string | undefined> {
  return [fromId, toId, recordName(s, fromType, fromId), recordName(s, toType, toId)];
}

/** The missing record of a pair, if either is. */
export function missingSide(s: Services, fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): 'from' | 'to' | undefined {
  if (!s.objectTypes.exists(fromType, fromId)) return 'from';
  if (!s.objectTypes.exists(toType, toId)) return 'to';
  return undefined;
}

/** The two records of a single-pair request exist, or HubSpot's 404 names the one that does not. */
export function requireBoth(s: Services, fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string): void {
  for (const [type, id] of [[fromType, fromId], [toType, toId]] as const) {
    if (!s.objectTypes.exists(type, id)) {
      throw httpError(404, 'OBJECT_NOT_FOUND', `No ${s.objectTypes.singularOf(type)} with ID ${id} exists, so it cannot be associated.`, { context: { id: [id] } });
    }
  }
}

/** PUT …/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId} */
export const associateDefault: Handler = ({ params, inputFaults, dated }, s) => {
  const fromType = objectTypeOf(s, params[0] ?? '');
  const fromId = decodeURIComponent(params[1] ?? '');
  const toType = objectTypeOf(s, params[2] ?? '');
  const toId = decodeURIComponent(params[3] ?? '');
  s.associationTypes.defaultType(fromType, toType);
  requireBoth(s, fromType, fromId, toType, toId);
  const injected = inputFaults.check([fromId, toId]);
  inputFaults.finish();
  if (injected) throw validationError(injected, { context: { fromObjectId: [fromId], toObjectId: [toId] } });
  const requestedAt = new Date().toISOString();
  const [forward, reverse] = s.associations.associateDefault(fromType, fromId, toType, toId);
  return batchReply(200, [defaultAssociation(fromId, toId, forward), defaultAssociation(toId, fromId, reverse)], [], requestedAt, dated);
};

/**
 * POST …/associations/{fromObjectType}/{toObjectType}/batch/associate/default: every pair whose
 * records both exist is associated (both ways, and both directions are listed in `results`); a
 * pair with a missing record is an error naming its `fromObjectId` and `toObjectId` (a 207 on the
 * legacy path).
 */
export const batchAssociateDefault: Handler = ({ params, body, inputFaults, dated }, s) => {
  const fromType = objectTypeOf(s, params[0] ?? '');
  const toType = objectTypeOf(s, params[1] ?? '');
  s.associationTypes.defaultType(fromType, toType);
  const input = parseBody(DefaultAssociationBatchInput, body);
  checkBatchSize(input.inputs.length, MAX_ASSOCIATION_CREATE_INPUTS);
  inputFaults.refuseBatch(input.inputs.map(({ from, to }) => pairCandidates(s, fromType, from.id, toType, to.id)));
  const requestedAt = new Date().toISOString();
  const results: Array<ReturnType<typeof defaultAssociation>> = [];
  const errors: StandardError[] = [];
  for (const { from, to } of input.inputs) {
    const injected = inputFaults.check([from.id, to.id]);
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, { fromObjectId: [from.id], toObjectId: [to.id] }));
      continue;
    }
    const missing = missingSide(s, fromType, from.id, toType, to.id);
    if (missing) {
      errors.push(missingObjectError(s, fromType, from.id, toType, to.id, missing));
      continue;
    }
    const [forward, reverse] = s.associations.associateDefault(fromType, from.id, toType, to.id);
    results.push(defaultAssociation(from.id, to.id, forward), defaultAssociation(to.id, from.id, reverse));
  }
  inputFaults.finish();
  return batchReply(200, results, errors, requestedAt, dated);
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
 * POST …/associations/{fromObjectType}/{toObjectType}/batch/read: each id's associated records
 * (500 a page; `after` beside the id for the next). An id with none (or no such record) is an
 * error, as in HubSpot (a 207 on the legacy path).
 */
export const batchReadAssociations: Handler = ({ params, body, baseUrl, dated }, s) => {
  const fromType = objectTypeOf(s, params[0] ?? '');
  const toType = objectTypeOf(s, params[1] ?? '');
  const input = parseBody(AssociationBatchReadInput, body);
  checkBatchSize(input.inputs.length, MAX_ASSOCIATION_READ_INPUTS);
  const requestedAt = new Date().toISOString();
  const results: unknown[] = [];
  const errors: StandardError[] = [];
  for (const { id, after } of input.inputs) {
    const { page, next } = associationPage(s, fromType, id, toType, cursor(after), ASSOCIATIONS_PAGE);
    if (page.length === 0) {
      errors.push({
        ...standardError('OBJECT_NOT_FOUND', `No ${s.objectTypes.singularOf(toType)} is associated with ${s.objectTypes.singularOf(fromType)} ${id}.`, { fromObjectId: [id] }),
        subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
      });
      continue;
    }
    const link = `${baseUrl}/crm/v4/objects/${fromType}/${id}/associations/${toType}?after=${next}`;
    results.push({ from: { id }, to: page, ...(next ? { paging: { next: { after: next, link } } } : {}) });
  }
  return batchReply(200, results, errors, requestedAt, dated);
};

/** GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}?limit&after (500 a page at most; no 2026-09 equivalent). */
export const listAssociations: Handler = ({ params, url, baseUrl }, s) => {
  const fromType = objectTypeOf(s, params[0] ?? '');
  const fromId = decodeURIComponent(params[1] ?? '');
  const toType = objectTypeOf(s, params[2] ?? '');
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

/** v3 reads' `associations` (SimplePublicObjectWithAssociations): per object type asked for, the associated ids. */
export function v3Associations(s: Services, fromType: CrmObjectType, id: string, requested: readonly string[] | undefined) {
  if (!requested?.length) return undefined;
  const out: Record<string, { results: Array<{ id: string; type: string }> }> = {};
  for (const raw of requested) {
    const toType = s.objectTypes.keyOf(raw);
    if (!toType) continue;
    const results = s.associations.list(fromType, id, toType).flatMap((a) => a.types.map((t) => ({ id: a.toId, type: t.name })));
    if (results.length) out[toType] = { results };
  }
  return out;
}

export const TYPE = '([^/]+)';
export const ID = '([^/]+)';

export const ASSOCIATION_ROUTES: Route[] = [
  { pattern: new RegExp(`^${RECORD_ASSOCIATIONS_BASE}/${TYPE}/${ID}/associations/default/${TYPE}/${ID}/?$`), methods: { PUT: associateDefault } },
  { pattern: new RegExp(`^/crm/v4/objects/${TYPE}/${ID}/associations/${TYPE}/?$`), methods: { GET: listAssociations } },
  { pattern: new RegExp(`^${ASSOCIATIONS_BASE}/${TYPE}/${TYPE}/batch/associate/default/?$`), methods: { POST: batchAssociateDefault } },
  { pattern: new RegExp(`^${ASSOCIATIONS_BASE}/${TYPE}/${TYPE}/batch/read/?$`), methods: { POST: batchReadAssociations } },
];
