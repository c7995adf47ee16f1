/**
 * Association writes with explicit types (labels, a custom object's definition): batch create,
 * batch label archive, batch archive, and the single-pair PUT and DELETE, on the 2026-09 paths and
 * the legacy v4 ones. A type must be one from the path's first object type to its second (see the
 * labels API); a labeled association also has the unlabeled one, and removing the unlabeled one
 * removes the labels too, as in HubSpot. Where the 2026-09 documents answer otherwise than v4
 * (statuses, bodies, headers: versions.ts), a dated request gets their answer.
 */
import { typeLabel, type AssociationType } from './association-types.js';
import { ID, MAX_ASSOCIATION_CREATE_INPUTS, missingObjectError, missingSide, objectTypeOf, pairCandidates, requireBoth, TYPE, type CrmObjectType } from './associations.js';
import { batchReply, checkBatchSize, type Handler, type Reply, type Route, type Services } from './crm.js';
import { standardError, validationError, type StandardError } from './errors.js';
import type { InputFaults } from './faults.js';
import { AssociationMultiArchiveInput, AssociationMultiPostInput, AssociationSpecList, parseBody } from './schemas.js';
import { ASSOCIATIONS_BASE, RECORD_ASSOCIATIONS_BASE } from './versions.js';

type Spec = { associationCategory: string; associationTypeId: number };

/** The types the specs name, or why one of them is not a type of this direction. */
function resolveTypes(s: Services, fromType: CrmObjectType, toType: CrmObjectType, specs: readonly Spec[]): { types: AssociationType[]; problem?: string } {
  const types: AssociationType[] = [];
  for (const spec of specs) {
    const type = s.associationTypes.find(fromType, toType, spec.associationCategory, spec.associationTypeId);
    if (!type) {
      const known = s.associationTypes.between(fromType, toType).map(typeLabel).join(', ') || 'none';
      return { types, problem: `Association type ${spec.associationCategory} ${spec.associationTypeId} is not defined from ${fromType} to ${toType} (defined: ${known}).` };
    }
    types.push(type);
  }
  return { types };
}

/** As resolveTypes, failing the whole request (400) for a type it does not know. */
function requireTypes(s: Services, fromType: CrmObjectType, toType: CrmObjectType, specs: readonly Spec[]): AssociationType[] {
  const { types, problem } = resolveTypes(s, fromType, toType, specs);
  if (problem) throw validationError(problem, { errors: [{ message: problem, in: 'types', code: 'INVALID_ASSOCIATION_TYPE' }] });
  return types;
}

/** LabelsBetweenObjectPair: the labels between two records after a write (none for unlabeled only). */
function labelsBetween(s: Services, fromType: CrmObjectType, fromId: string, toType: CrmObjectType, toId: string) {
  return {
    fromObjectTypeId: s.objectTypes.objectTypeIdOf(fromType),
    fromObjectId: fromId,
    toObjectTypeId: s.objectTypes.objectTypeIdOf(toType),
    toObjectId: toId,
    labels: s.associations.typesBetween(fromType, fromId, toType, toId).flatMap((t) => (t.label === undefined ? [] : [t.label])),
  };
}

/** The path's two object types, checked to be associable (a 400 otherwise). */
function pairOf(s: Services, params: string[], toIndex: number): [CrmObjectType, CrmObjectType] {
  const fromType = objectTypeOf(s, params[0] ?? '');
  const toType = objectTypeOf(s, params[toIndex] ?? '');
  s.associationTypes.defaultType(fromType, toType);
  return [fromType, toType];
}

/**
 * POST …/associations/{fromObjectType}/{toObjectType}/batch/create: each pair associated with the
 * types given (and the unlabeled one), both ways, with the labels now between each pair; an error
 * for each pair whose record does not exist or whose type is not one of this direction. v4
 * answers 201, or 207 with errors; 2026-09 answers 200 either way.
 */
export const batchCreateAssociations: Handler = ({ params, body, inputFaults, dated }, s) => {
  const [fromType, toType] = pairOf(s, params, 1);
  const input = parseBody(AssociationMultiPostInput, body);
  checkBatchSize(input.inputs.length, MAX_ASSOCIATION_CREATE_INPUTS);
  inputFaults.refuseBatch(input.inputs.map(({ from, to }) => pairCandidates(s, fromType, from.id, toType, to.id)));
  const requestedAt = new Date().toISOString();
  const results: Array<ReturnType<typeof labelsBetween>> = [];
  const errors: StandardError[] = [];
  for (const { from, to, types: specs } of input.inputs) {
    const context = { fromObjectId: [from.id], toObjectId: [to.id] };
    const injected = inputFaults.check([from.id, to.id]);
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, context));
      continue;
    }
    const missing = missingSide(s, fromType, from.id, toType, to.id);
    if (missing) {
      errors.push(missingObjectError(s, fromType, from.id, toType, to.id, missing));
      continue;
    }
    const { types, problem } = resolveTypes(s, fromType, toType, specs);
    if (problem) {
      errors.push({ ...standardError('VALIDATION_ERROR', problem, context, [{ message: problem, in: 'types', code: 'INVALID_ASSOCIATION_TYPE' }]), subCategory: 'crm.associations.INVALID_ASSOCIATION_TYPE' });
      continue;
    }
    s.associations.associate(fromType, from.id, toType, to.id, types);
    results.push(labelsBetween(s, fromType, from.id, toType, to.id));
  }
  inputFaults.finish();
  return batchReply(dated ? 200 : 201, results, errors, requestedAt, dated);
};

/** What a batch archive answers: 204 on v4, a BatchResponseVoid on 2026-09. */
function archivedReply(dated: boolean, requestedAt: string): Reply {
  return dated ? batchReply(200, [], [], requestedAt, dated) : { status: 204 };
}

/** Fails an archive batch (400) when an injected input fault hits any of its ids, before anything changes. */
function checkInjected(faults: InputFaults, ids: string[][]): void {
  const injected = ids.map((pair) => faults.check(pair)).find((m) => m !== undefined);
  faults.finish();
  if (injected) throw validationError(injected);
}

/**
 * POST …/associations/{fromObjectType}/{toObjectType}/batch/labels/archive: removes only the types
 * given (and their inverses); the association stays with its other types, unless the unlabeled
 * type is among them, which removes the association altogether. 204 (2026-09: 200, BatchResponseVoid).
 */
export const batchArchiveLabels: Handler = ({ params, body, inputFaults, dated }, s) => {
  const [fromType, toType] = pairOf(s, params, 1);
  const input = parseBody(AssociationMultiPostInput, body);
  checkBatchSize(input.inputs.length, MAX_ASSOCIATION_CREATE_INPUTS);
  const removals = input.inputs.map(({ from, to, types }) => ({ from, to, types: requireTypes(s, fromType, toType, types) }));
  checkInjected(inputFaults, input.inputs.map(({ from, to }) => [from.id, to.id]));
  const requestedAt = new Date().toISOString();
  for (const { from, to, types } of removals) s.associations.removeTypes(fromType, from.id, toType, to.id, types);
  return archivedReply(dated, requestedAt);
};

/** POST …/associations/{fromObjectType}/{toObjectType}/batch/archive: every association between each pair. 204 (2026-09: 200, BatchResponseVoid). */
export const batchArchiveAssociations: Handler = ({ params, body, inputFaults, dated }, s) => {
  const fromType = objectTypeOf(s, params[0] ?? '');
  const toType = objectTypeOf(s, params[1] ?? '');
  const input = parseBody(AssociationMultiArchiveInput, body);
  checkBatchSize(input.inputs.length, MAX_ASSOCIATION_CREATE_INPUTS);
  checkInjected(inputFaults, input.inputs.flatMap(({ from, to }) => to.map((t) => [from.id, t.id])));
  const requestedAt = new Date().toISOString();
  for (const { from, to } of input.inputs) for (const { id } of to) s.associations.removeBetween(fromType, from.id, toType, id);
  return archivedReply(dated, requestedAt);
};

/**
 * PUT …/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId} (body:
 * AssociationSpec[]): 201 LabelsBetweenObjectPair, with a Location header on v4 only.
 */
export const associateLabeled: Handler = ({ params, body, inputFaults, url, baseUrl, dated }, s) => {
  const [fromType, toType] = pairOf(s, params, 2);
  const fromId = decodeURIComponent(params[1] ?? '');
  const toId = decodeURIComponent(params[3] ?? '');
  const types = requireTypes(s, fromType, toType, parseBody(AssociationSpecList, body));
  requireBoth(s, fromType, fromId, toType, toId);
  checkInjected(inputFaults, [[fromId, toId]]);
  s.associations.associate(fromType, fromId, toType, toId, types);
  const labels = labelsBetween(s, fromType, fromId, toType, toId);
  return dated ? { status: 201, body: labels } : { status: 201, body: labels, headers: { Location: new URL(url.pathname, baseUrl).toString() } };
};

/** DELETE …/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}: every association between the two. */
export const removeAssociations: Handler = ({ params }, s) => {
  const fromType = objectTypeOf(s, params[0] ?? '');
  const toType = objectTypeOf(s, params[2] ?? '');
  s.associations.removeBetween(fromType, decodeURIComponent(params[1] ?? ''), toType, decodeURIComponent(params[3] ?? ''));
  return { status: 204 };
};

export const LABELED_ASSOCIATION_ROUTES: Route[] = [
  { pattern: new RegExp(`^${RECORD_ASSOCIATIONS_BASE}/${TYPE}/${ID}/associations/${TYPE}/${ID}/?$`), methods: { PUT: associateLabeled, DELETE: removeAssociations } },
  { pattern: new RegExp(`^${ASSOCIATIONS_BASE}/${TYPE}/${TYPE}/batch/create/?$`), methods: { POST: batchCreateAssociations } },
  { pattern: new RegExp(`^${ASSOCIATIONS_BASE}/${TYPE}/${TYPE}/batch/labels/archive/?$`), methods: { POST: batchArchiveLabels } },
  { pattern: new RegExp(`^${ASSOCIATIONS_BASE}/${TYPE}/${TYPE}/batch/archive/?$`), methods: { POST: batchArchiveAssociations } },
];
