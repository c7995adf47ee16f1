/**
 * The objects API (`/crm/objects/2026-09/{objectType}`, legacy `/crm/v3/objects/{objectType}`) and
 * the properties API (`/crm/properties/2026-09/{objectType}`, legacy `/crm/v3/properties/…`) for
 * every object type but contacts: deals (`deals`, `0-3`), listings (`0-420`) and custom objects
 * (objectTypeId `2-…` or fully qualified name). An object type the portal does not have is a 404.
 * Batch creates answer per-input errors (a 207 on the legacy paths) only when every input carries
 * a unique `objectWriteTraceId` (HubSpot's multi-status opt-in); without them one invalid input
 * fails the whole batch (400, or 409 for a taken unique value) and nothing is created. Batch
 * create results come back in no particular order, as HubSpot's do: match them by
 * `objectWriteTraceId`. A write that would give two live records the same value of a property with
 * unique values is refused.
 */
import { typeLabel } from './association-types.js';
import { v3Associations, type AssociationType } from './associations.js';
import {
  batchReadObjects,
  batchReply,
  boolParam,
  checkBatchSize,
  checkDuplicates,
  listParam,
  MAX_PAGE_LIMIT,
  nextPage,
  pageParams,
  type CrmRequest,
  type Handler,
  type Reply,
  type Route,
  type Services,
} from './crm.js';
import { httpError, PORTAL_ID, propertyProblemsMessage, standardError, validationError, type PropertyProblem, type StandardError } from './errors.js';
import type { ObjectBinding } from './object-types.js';
import type { UniqueClash } from './objects.js';
import { archiveProperty, createProperty, getProperty, listProperties, updateProperty } from './property-handlers.js';
import { BatchArchiveInput, BatchUpdateInput, BatchUpsertInput, DealBatchCreateInput, DealCreateInput, parseBody, UpdateInput } from './schemas.js';
import type { ObjectRecord, RawProperties, SimplePublicObject } from './store.js';
import { OBJECTS_BASE, PROPERTIES_BASE } from './versions.js';

type ErrorDetail = StandardError['errors'][number];

/** Why one input cannot be written: a message and its details (ErrorDetail); `conflict` for a taken unique value. */
interface Failure {
  message: string;
  errors: ErrorDetail[];
  conflict?: boolean;
}

type Checked = { values: Map<string, string>; failure?: undefined } | { failure: Failure; values?: undefined };

interface AssociationTarget {
  type: AssociationType;
  toId: string;
}

/** A handler of one object type's routes: the type is resolved from the path (params[0]) before it runs. */
type ObjectHandler = (req: CrmRequest, s: Services, b: ObjectBinding) => Reply;

const onType =
  (handler: ObjectHandler): Handler =>
  (req, s) =>
    handler({ ...req, params: req.params.slice(1) }, s, s.objectTypes.requireBinding(decodeURIComponent(req.params[0] ?? '')));

/** A property handler on the properties of the path's object type. */
const onTypeProperties =
  (handler: Handler): Handler =>
  (req, s) =>
    handler({ ...req, params: req.params.slice(1) }, { ...s, properties: s.objectTypes.requireBinding(decodeURIComponent(req.params[0] ?? '')).properties });

const asString = (v: RawProperties[string] | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));

/** What an 'inputError' fault may match in an input: its trace id, the type's name property, its id. */
const faultCandidates = (b: ObjectBinding, properties: RawProperties, ...ids: Array<string | undefined>) => [...ids, b.nameProperty ? asString(properties[b.nameProperty]) : undefined];

function objectNotFound(id: string): never {
  const numeric = /^\d+$/.test(id);
  throw httpError(404, 'OBJECT_NOT_FOUND', numeric ? 'resource not found' : 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });
}

function notFoundError(b: ObjectBinding, ids: string[]): StandardError {
  return standardError('OBJECT_NOT_FOUND', `Could not get some ${b.label} objects, they may be deleted or not exist. Check that ids are valid.`, { ids });
}

function propertyFailure(problems: PropertyProblem[]): Failure {
  return { message: propertyProblemsMessage(problems), errors: problems.map((p) => ({ message: p.message, in: p.name, code: p.error })) };
}

function clashFailure(b: ObjectBinding, { name, value, owner }: UniqueClash): Failure {
  const message = `A ${b.singular} with ${name} '${value}' already exists. Existing ID: ${owner.id}`;
  return { message, errors: [{ message, in: name, code: 'CONFLICT' }], conflict: true };
}

/** One input's failure as a batch error naming it. */
function failureError(context: Record<string, string[]>, failure: Failure): StandardError {
  return standardError(failure.conflict ? 'CONFLICT' : 'VALIDATION_ERROR', failure.message, context, failure.errors);
}

/** A failure that fails the whole request: 409 for a taken unique value, 400 otherwise. */
function refuse(failure: Failure, extra: Record<string, unknown> = {}): never {
  if (failure.conflict) throw httpError(409, 'CONFLICT', failure.message, { errors: failure.errors, ...extra });
  throw validationError(failure.message, { errors: failure.errors, ...extra });
}

/**
 * Values checked against the type's properties, the portal's validation rules where they apply
 * (Services.portalRules), and the unique values other records hold.
 */
function checkWrite(s: Services, b: ObjectBinding, input: RawProperties, existing?: ObjectRecord): Checked {
  const result = b.records.validate(input, existing);
  const broken = s.portalRules.problems(b.key, input, !existing);
  if (!result.ok || broken.length) return { failure: propertyFailure([...(result.ok ? [] : result.problems), ...broken]) };
  const clash = b.records.uniqueClash(result.values, existing);
  if (clash) return { failure: clashFailure(b, clash) };
  return { values: result.values };
}

/** Looking a record up by a property takes one whose values are unique (or the record id). */
function checkIdProperty(b: ObjectBinding, idProperty: string | undefined): void {
  if (idProperty === undefined || idProperty === 'hs_object_id') return;
  if (b.properties.get(idProperty)?.hasUniqueValue) return;
  throw validationError(`Unable to perform lookup by non-unique ${b.objectTypeId} property ${idProperty} in portal ID ${PORTAL_ID}`, { context: { idProperty: [idProperty] } });
}

/** The associations a create names: each type must be one from this object type, each record must exist. */
function checkAssociations(s: Services, b: ObjectBinding, associations: ReturnType<typeof DealCreateInput.parse>['associations']): { targets: AssociationTarget[]; failure?: Failure } {
  const targets: AssociationTarget[] = [];
  const errors: ErrorDetail[] = [];
  for (const { to, types } of associations ?? []) {
    for (const spec of types) {
      const type = s.associationTypes.fromType(b.key, spec.associationCategory, spec.associationTypeId);
      if (!type) {
        const known = s.associationTypes.from(b.key).map(typeLabel).join(', ') || 'none';
        errors.push({
          message: `Association type ${spec.associationCategory} ${spec.associationTypeId} from ${b.key} is not defined (the sandbox knows: ${known}).`,
          in: 'associations',
          code: 'INVALID_ASSOCIATION_TYPE',
        });
      } else if (!s.objectTypes.exists(type.to, to.id)) {
        errors.push({
          message: `No ${s.objectTypes.singularOf(type.to)} with ID ${to.id} exists, so the new ${b.singular} cannot be associated with it.`,
          in: 'associations',
          code: 'INVALID_OBJECT_ID',
        });
      } else {
        targets.push({ type, toId: to.id });
      }
    }
  }
  if (errors.length === 0) return { targets };
  return { targets, failure: { message: `One or more associations are invalid: ${errors.map((e) => e.message).join(' ')}`, errors } };
}

function createWithAssociations(s: Services, b: ObjectBinding, values: Map<string, string>, targets: AssociationTarget[]): ObjectRecord {
  const record = b.records.create(values);
  for (const { type, toId } of targets) s.associations.associate(b.key, record.id, type.to, toId, [type]);
  return record;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const withTraceId = (view: SimplePublicObject, traceId: string | undefined): SimplePublicObject => (traceId === undefined ? view : { ...view, objectWriteTraceId: traceId });

export const listObjects: ObjectHandler = ({ url, baseUrl }, s, b) => {
  const { limit, after } = pageParams(url, 10, MAX_PAGE_LIMIT);
  const { records, more } = b.records.page(after - 1, limit, boolParam(url, 'archived'));
  const requested = listParam(url, 'properties') ?? [];
  const withHistory = listParam(url, 'propertiesWithHistory');
  const associations = listParam(url, 'associations');
  const body: Record<string, unknown> = {
    results: records.map((r) => {
      const linked = v3Associations(s, b.key, r.id, associations);
      return { ...b.records.view(r, requested, withHistory), ...(linked ? { associations: linked } : {}) };
    }),
  };
  const last = records[records.length - 1];
  if (more && last) body.paging = nextPage(url, baseUrl, String(last.num + 1));
  return { status: 200, body };
};

export const getObject: ObjectHandler = ({ url, params }, s, b) => {
  const id = decodeURIComponent(params[0] ?? '');
  const idProperty = url.searchParams.get('idProperty') ?? undefined;
  checkIdProperty(b, idProperty);
  const record = b.records.findBy(idProperty, id, boolParam(url, 'archived'));
  if (!record) objectNotFound(id);
  const linked = v3Associations(s, b.key, record.id, listParam(url, 'associations'));
  const view = b.records.view(record, listParam(url, 'properties') ?? [], listParam(url, 'propertiesWithHistory'));
  return { status: 200, body: { ...view, ...(linked ? { associations: linked } : {}) } };
};

export const createObject: ObjectHandler = ({ body, inputFaults }, s, b) => {
  const input = parseBody(DealCreateInput, body);
  const injected = inputFaults.check(faultCandidates(b, input.properties));
  inputFaults.finish();
  if (injected) throw validationError(injected, { errors: [{ message: injected, in: 'properties' }] });
  const checked = checkWrite(s, b, input.properties);
  if (checked.failure) refuse(checked.failure);
  const { targets, failure } = checkAssociations(s, b, input.associations);
  if (failure) refuse(failure);
  return { status: 201, body: b.records.view(createWithAssociations(s, b, checked.values, targets)) };
};

export const updateObject: ObjectHandler = ({ url, params, body }, s, b) => {
  const id = decodeURIComponent(params[0] ?? '');
  const input = parseBody(UpdateInput, body);
  const idProperty = url.searchParams.get('idProperty') ?? undefined;
  checkIdProperty(b, idProperty);
  const record = b.records.findBy(idProperty, id);
  if (!record) objectNotFound(id);
  if (Object.keys(input.properties).length === 0) {
    throw validationError('No properties found to update, please provide at least one.', { context: { properties: ['{}'] } });
  }
  const checked = checkWrite(s, b, input.properties, record);
  if (checked.failure) refuse(checked.failure);
  b.records.update(record, checked.values);
  return { status: 200, body: b.records.view(record) };
};

/** DELETE: the record goes to the recycle bin and loses its associations; an unknown id is a 204 too, as in HubSpot. */
export const archiveObject: ObjectHandler = ({ params }, s, b) => {
  const record = b.records.find(decodeURIComponent(params[0] ?? ''));
  if (record) {
    b.records.archive(record);
    s.associations.removeObject(b.key, record.id);
  }
  return { status: 204 };
};

export const batchReadObjectsOfType: ObjectHandler = (req, _s, b) =>
  batchReadObjects(req, b.records, { objectLabel: b.label, injectedIn: 'id', checkIdProperty: (idProperty) => checkIdProperty(b, idProperty) });

export const batchCreateObjects: ObjectHandler = ({ body, inputFaults, dated }, s, b) => {
  const input = parseBody(DealBatchCreateInput, body);
  checkBatchSize(input.inputs.length);
  const traceIds = input.inputs.flatMap((i) => (i.objectWriteTraceId === undefined ? [] : [i.objectWriteTraceId]));
  const repeated = [...new Set(traceIds.filter((t, i) => traceIds.indexOf(t) !== i))];
  if (repeated.length) {
    throw validationError(`Duplicate objectWriteTraceId values in batch input: [${repeated.join(', ')}]. Each input needs its own.`, {
      context: { objectWriteTraceId: repeated },
    });
  }
  const multiStatus = traceIds.length === input.inputs.length;
  // Per-input errors (multi-status) or not, an invalid property value refuses the whole batch.
  inputFaults.refuseBatch(input.inputs.map((item) => faultCandidates(b, item.properties, item.objectWriteTraceId)));
  const requestedAt = new Date().toISOString();
  /** Unique values earlier inputs of this batch take: a later input with the same one is a conflict. */
  const claimed = new Map<string, string>();
  const checked = input.inputs.map((item, index) => {
    const injected = inputFaults.check(faultCandidates(b, item.properties, item.objectWriteTraceId));
    if (injected) return { item, failure: { message: injected, errors: [{ message: injected, in: 'properties' }] } as Failure };
    const write = checkWrite(s, b, item.properties);
    if (write.failure) return { item, failure: write.failure };
    for (const [name, value] of write.values) {
      if (value === '' || !b.properties.get(name)?.hasUniqueValue) continue;
      const taken = claimed.get(`${name}\u0000${value}`);
      if (taken !== undefined) {
        const message = `Inputs ${taken} and ${index} give ${b.singular}s the same ${name} '${value}'; its values must be unique.`;
        return { item, failure: { message, errors: [{ message, in: name, code: 'CONFLICT' }], conflict: true } as Failure };
      }
      claimed.set(`${name}\u0000${value}`, String(index));
    }
    const { targets, failure } = checkAssociations(s, b, item.associations);
    if (failure) return { item, failure };
    return { item, values: write.values, targets };
  });
  inputFaults.finish();
  const failed = checked.filter((c) => c.failure);
  if (failed.length && !multiStatus) {
    const first = failed[0]!;
    refuse(first.failure!, { context: { inputIndex: [String(checked.indexOf(first))] } });
  }
  const results: SimplePublicObject[] = [];
  const errors: StandardError[] = [];
  for (const c of checked) {
    const traceId = c.item.objectWriteTraceId;
    if (c.failure) {
      errors.push(failureError({ objectWriteTraceId: [traceId!] }, c.failure));
      continue;
    }
    results.push(withTraceId(b.records.view(createWithAssociations(s, b, c.values!, c.targets!)), traceId));
  }
  return batchReply(201, shuffle(results, s.random), errors, requestedAt, dated);
};

export const batchUpdateObjects: ObjectHandler = ({ body, inputFaults, dated }, s, b) => {
  const input = parseBody(BatchUpdateInput, body);
  checkBatchSize(input.inputs.length);
  for (const item of input.inputs) checkIdProperty(b, item.idProperty);
  checkDuplicates(
    input.inputs.map((i) => i.id),
    false,
  );
  inputFaults.refuseBatch(input.inputs.map((item) => faultCandidates(b, item.properties, item.id)));
  const requestedAt = new Date().toISOString();
  const results: SimplePublicObject[] = [];
  const errors: StandardError[] = [];
  const missing: string[] = [];
  for (const item of input.inputs) {
    const injected = inputFaults.check(faultCandidates(b, item.properties, item.id));
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, { ids: [item.id] }, [{ message: injected, in: 'properties' }]));
      continue;
    }
    const record = b.records.findBy(item.idProperty, item.id);
    if (!record) {
      missing.push(item.id);
      continue;
    }
    const checked = checkWrite(s, b, item.properties, record);
    if (checked.failure) {
      errors.push(failureError({ ids: [item.id] }, checked.failure));
      continue;
    }
    b.records.update(record, checked.values);
    results.push(withTraceId(b.records.view(record), item.objectWriteTraceId));
  }
  inputFaults.finish();
  if (missing.length) errors.push(notFoundError(b, missing));
  return batchReply(200, results, errors, requestedAt, dated);
};

/**
 * POST …/objects/{objectType}/batch/upsert: by a property with unique values (`idProperty` on
 * every input, e.g. a custom `turbotenant_property_id`): the record holding the id is updated,
 * otherwise one is created with it. Results say which (`new`) and come in input order; an invalid
 * input is an error naming its id (a 207 on the legacy paths). The same id twice in one batch is a 400.
 */
export const batchUpsertObjects: ObjectHandler = ({ body, inputFaults, dated }, s, b) => {
  const input = parseBody(BatchUpsertInput, body);
  checkBatchSize(input.inputs.length);
  for (const item of input.inputs) {
    if (item.idProperty === undefined || item.idProperty === 'hs_object_id' || !b.properties.get(item.idProperty)?.hasUniqueValue) {
      throw validationError(
        `Unable to perform update/upsert by non-unique ${b.objectTypeId} property ${item.idProperty ?? '(none)'} in portal ID ${PORTAL_ID}. Upserts need idProperty naming a property with unique values.`,
        { context: { idProperty: [item.idProperty ?? ''] } },
      );
    }
  }
  checkDuplicates(
    input.inputs.map((i) => `${i.idProperty}:${i.id}`),
    false,
  );
  inputFaults.refuseBatch(input.inputs.map((item) => faultCandidates(b, item.properties, item.id)));
  const requestedAt = new Date().toISOString();
  const results: Array<SimplePublicObject & { new: boolean }> = [];
  const errors: StandardError[] = [];
  for (const item of input.inputs) {
    const idProperty = item.idProperty!;
    const injected = inputFaults.check(faultCandidates(b, item.properties, item.id));
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, { ids: [item.id] }, [{ message: injected, in: 'properties' }]));
      continue;
    }
    const existing = b.records.findBy(idProperty, item.id);
    const checked = checkWrite(s, b, { ...item.properties, [idProperty]: item.id }, existing);
    if (checked.failure) {
      errors.push(failureError({ ids: [item.id] }, checked.failure));
      continue;
    }
    if (existing) {
      b.records.update(existing, checked.values);
      results.push({ ...withTraceId(b.records.view(existing), item.objectWriteTraceId), new: false });
    } else {
      results.push({ ...withTraceId(b.records.view(b.records.create(checked.values)), item.objectWriteTraceId), new: true });
    }
  }
  inputFaults.finish();
  return batchReply(200, results, errors, requestedAt, dated);
};

export const batchArchiveObjects: ObjectHandler = ({ body }, s, b) => {
  const input = parseBody(BatchArchiveInput, body);
  checkBatchSize(input.inputs.length);
  for (const { id } of input.inputs) {
    const record = b.records.find(id);
    if (!record) continue;
    b.records.archive(record);
    s.associations.removeObject(b.key, record.id);
  }
  return { status: 204 };
};

const OBJECT = `${OBJECTS_BASE}/([^/]+)`;
const PROPERTIES = `${PROPERTIES_BASE}/([^/]+)`;

/** After the contact routes: every other object type's. */
export const OBJECT_ROUTES: Route[] = [
  { pattern: new RegExp(`^${OBJECT}/?$`), methods: { GET: onType(listObjects), POST: onType(createObject) } },
  { pattern: new RegExp(`^${OBJECT}/batch/read/?$`), methods: { POST: onType(batchReadObjectsOfType) } },
  { pattern: new RegExp(`^${OBJECT}/batch/create/?$`), methods: { POST: onType(batchCreateObjects) } },
  { pattern: new RegExp(`^${OBJECT}/batch/update/?$`), methods: { POST: onType(batchUpdateObjects) } },
  { pattern: new RegExp(`^${OBJECT}/batch/upsert/?$`), methods: { POST: onType(batchUpsertObjects) } },
  { pattern: new RegExp(`^${OBJECT}/batch/archive/?$`), methods: { POST: onType(batchArchiveObjects) } },
  { pattern: new RegExp(`^${OBJECT}/([^/]+)/?$`), methods: { GET: onType(getObject), PATCH: onType(updateObject), DELETE: onType(archiveObject) } },
  { pattern: new RegExp(`^${PROPERTIES}/?$`), methods: { GET: onTypeProperties(listProperties), POST: onTypeProperties(createProperty) } },
  {
    pattern: new RegExp(`^${PROPERTIES}/([^/]+)/?$`),
    methods: { GET: onTypeProperties(getProperty), PATCH: onTypeProperties(updateProperty), DELETE: onTypeProperties(archiveProperty) },
  },
];
