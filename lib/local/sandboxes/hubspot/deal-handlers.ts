/**
 * The deals API v3 (`/crm/v3/objects/deals`, also `0-3`) and deal properties
 * (`/crm/v3/properties/deals`). Batch creates answer 207 with per-input errors only when every
 * input carries a unique `objectWriteTraceId` (HubSpot's multi-status opt-in); without them one
 * invalid input fails the whole batch with a 400 and nothing is created. Batch create results come
 * back in no particular order, as HubSpot's do: match them by `objectWriteTraceId`.
 */
import { objectExists, typeById, v3Associations, type AssociationType } from './associations.js';
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
  type Handler,
  type Route,
  type Services,
} from './crm.js';
import type { DealRecord } from './deals.js';
import { httpError, PORTAL_ID, propertyProblemsError, propertyProblemsMessage, standardError, validationError, type PropertyProblem, type StandardError } from './errors.js';
import { archiveProperty, createProperty, getProperty, listProperties, updateProperty } from './property-handlers.js';
import { BatchArchiveInput, BatchUpdateInput, BatchUpsertInput, DealBatchCreateInput, DealCreateInput, parseBody, UpdateInput } from './schemas.js';
import type { RawProperties, SimplePublicObject } from './store.js';


type ErrorDetail = StandardError['errors'][number];

/** Why one input cannot be written: a message and its details (ErrorDetail). */
interface Failure {
  message: string;
  errors: ErrorDetail[];
}

interface AssociationTarget {
  type: AssociationType;
  toId: string;
}

const asString = (v: RawProperties[string] | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));

function dealNotFound(id: string): never {
  const numeric = /^\d+$/.test(id);
  throw httpError(404, 'OBJECT_NOT_FOUND', numeric ? 'resource not found' : 'Object not found.  objectId are usually numeric.', { context: { id: [id] } });
}

function notFoundError(ids: string[]): StandardError {
  return standardError('OBJECT_NOT_FOUND', 'Could not get some DEAL objects, they may be deleted or not exist. Check that ids are valid.', { ids });
}

function propertyFailure(problems: PropertyProblem[]): Failure {
  return { message: propertyProblemsMessage(problems), errors: problems.map((p) => ({ message: p.message, in: p.name, code: p.error })) };
}

/** Looking a deal up by a property takes one whose values are unique (or the record id). */
function checkIdProperty(s: Services, idProperty: string | undefined): void {
  if (idProperty === undefined || idProperty === 'hs_object_id') return;
  if (s.dealProperties.get(idProperty)?.hasUniqueValue) return;
  throw validationError(`Unable to perform lookup by non-unique 0-3 property ${idProperty} in portal ID ${PORTAL_ID}`, { context: { idProperty: [idProperty] } });
}

/** The associations a create names: each type must be a deal's, each record must exist. */
function checkAssociations(s: Services, associations: ReturnType<typeof DealCreateInput.parse>['associations']): { targets: AssociationTarget[]; failure?: Failure } {
  const targets: AssociationTarget[] = [];
  const errors: ErrorDetail[] = [];
  for (const { to, types } of associations ?? []) {
    for (const spec of types) {
      const type = typeById('deals', spec.associationCategory, spec.associationTypeId);
      if (!type) {
        errors.push({
          message: `Association type ${spec.associationCategory} ${spec.associationTypeId} from deals is not defined (the sandbox knows deal to contact, HUBSPOT_DEFINED 3).`,
          in: 'associations',
          code: 'INVALID_ASSOCIATION_TYPE',
        });
      } else if (!objectExists(s, type.to, to.id)) {
        errors.push({ message: `No ${type.to === 'contacts' ? 'contact' : 'deal'} with ID ${to.id} exists, so the new deal cannot be associated with it.`, in: 'associations', code: 'INVALID_OBJECT_ID' });
      } else {
        targets.push({ type, toId: to.id });
      }
    }
  }
  if (errors.length === 0) return { targets };
  return { targets, failure: { message: `One or more associations are invalid: ${errors.map((e) => e.message).join(' ')}`, errors } };
}

function createWithAssociations(s: Services, values: Map<string, string>, targets: AssociationTarget[]): DealRecord {
  const record = s.deals.create(values);
  for (const { type, toId } of targets) s.associations.associateDefault('deals', record.id, type.to, toId);
  return record;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export const listDeals: Handler = ({ url, baseUrl }, s) => {
  const { limit, after } = pageParams(url, 10, MAX_PAGE_LIMIT);
  const { records, more } = s.deals.page(after - 1, limit, boolParam(url, 'archived'));
  const requested = listParam(url, 'properties') ?? [];
  const withHistory = listParam(url, 'propertiesWithHistory');
  const associations = listParam(url, 'associations');
  const body: Record<string, unknown> = {
    results: records.map((r) => {
      const linked = v3Associations(s, 'deals', r.id, associations);
      return { ...s.deals.view(r, requested, withHistory), ...(linked ? { associations: linked } : {}) };
    }),
  };
  const last = records[records.length - 1];
  if (more && last) body.paging = nextPage(url, baseUrl, String(last.num + 1));
  return { status: 200, body };
};

export const getDeal: Handler = ({ url, params }, s) => {
  const id = decodeURIComponent(params[0] ?? '');
  const idProperty = url.searchParams.get('idProperty') ?? undefined;
  checkIdProperty(s, idProperty);
  const record = s.deals.findBy(idProperty, id, boolParam(url, 'archived'));
  if (!record) dealNotFound(id);
  const linked = v3Associations(s, 'deals', record.id, listParam(url, 'associations'));
  const view = s.deals.view(record, listParam(url, 'properties') ?? [], listParam(url, 'propertiesWithHistory'));
  return { status: 200, body: { ...view, ...(linked ? { associations: linked } : {}) } };
};

export const createDeal: Handler = ({ body, inputFaults }, s) => {
  const input = parseBody(DealCreateInput, body);
  const injected = inputFaults.check([asString(input.properties.dealname)]);
  inputFaults.finish();
  if (injected) throw validationError(injected, { errors: [{ message: injected, in: 'properties' }] });
  const result = s.deals.validate(input.properties);
  if (!result.ok) {
    const failure = propertyFailure(result.problems);
    throw validationError(failure.message, { errors: failure.errors });
  }
  const { targets, failure } = checkAssociations(s, input.associations);
  if (failure) throw validationError(failure.message, { errors: failure.errors });
  return { status: 201, body: s.deals.view(createWithAssociations(s, result.values, targets)) };
};

export const updateDeal: Handler = ({ url, params, body }, s) => {
  const id = decodeURIComponent(params[0] ?? '');
  const input = parseBody(UpdateInput, body);
  const idProperty = url.searchParams.get('idProperty') ?? undefined;
  checkIdProperty(s, idProperty);
  const record = s.deals.findBy(idProperty, id);
  if (!record) dealNotFound(id);
  if (Object.keys(input.properties).length === 0) {
    throw validationError('No properties found to update, please provide at least one.', { context: { properties: ['{}'] } });
  }
  const result = s.deals.validate(input.properties, record);
  if (!result.ok) {
    const failure = propertyFailure(result.problems);
    throw validationError(failure.message, { errors: failure.errors });
  }
  s.deals.update(record, result.values);
  return { status: 200, body: s.deals.view(record) };
};

/** DELETE: the deal goes to the recycle bin and loses its associations; an unknown id is a 204 too, as in HubSpot. */
export const archiveDeal: Handler = ({ params }, s) => {
  const record = s.deals.find(decodeURIComponent(params[0] ?? ''));
  if (record) {
    s.deals.archive(record);
    s.associations.removeObject('deals', record.id);
  }
  return { status: 204 };
};

export const batchReadDeals: Handler = (req, s) =>
  batchReadObjects(req, s.deals, { objectLabel: 'DEAL', injectedIn: 'id', checkIdProperty: (idProperty) => checkIdProperty(s, idProperty) });

export const batchCreateDeals: Handler = ({ body, inputFaults }, s) => {
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
  const requestedAt = new Date().toISOString();
  const checked = input.inputs.map((item) => {
    const injected = inputFaults.check([item.objectWriteTraceId, asString(item.properties.dealname)]);
    if (injected) return { item, failure: { message: injected, errors: [{ message: injected, in: 'properties' }] } as Failure };
    const result = s.deals.validate(item.properties);
    if (!result.ok) return { item, failure: propertyFailure(result.problems) };
    const { targets, failure } = checkAssociations(s, item.associations);
    if (failure) return { item, failure };
    return { item, values: result.values, targets };
  });
  inputFaults.finish();
  const failed = checked.filter((c) => c.failure);
  if (failed.length && !multiStatus) {
    const first = failed[0]!;
    throw validationError(first.failure!.message, { errors: first.failure!.errors, context: { inputIndex: [String(checked.indexOf(first))] } });
  }
  const results: SimplePublicObject[] = [];
  const errors: StandardError[] = [];
  for (const c of checked) {
    const traceId = c.item.objectWriteTraceId;
    if (c.failure) {
      errors.push(standardError('VALIDATION_ERROR', c.failure.message, { objectWriteTraceId: [traceId!] }, c.failure.errors));
      continue;
    }
    const view = s.deals.view(createWithAssociations(s, c.values!, c.targets!));
    results.push(traceId === undefined ? view : { ...view, objectWriteTraceId: traceId });
  }
  return batchReply(201, shuffle(results, s.random), errors, requestedAt);
};

export const batchUpdateDeals: Handler = ({ body, inputFaults }, s) => {
  const input = parseBody(BatchUpdateInput, body);
  checkBatchSize(input.inputs.length);
  for (const item of input.inputs) checkIdProperty(s, item.idProperty);
  checkDuplicates(
    input.inputs.map((i) => i.id),
    false,
  );
  const requestedAt = new Date().toISOString();
  const results: SimplePublicObject[] = [];
  const errors: StandardError[] = [];
  const missing: string[] = [];
  for (const item of input.inputs) {
    const injected = inputFaults.check([item.id, asString(item.properties.dealname)]);
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, { ids: [item.id] }, [{ message: injected, in: 'properties' }]));
      continue;
    }
    const record = s.deals.findBy(item.idProperty, item.id);
    if (!record) {
      missing.push(item.id);
      continue;
    }
    const result = s.deals.validate(item.properties, record);
    if (!result.ok) {
      errors.push(propertyProblemsError(item.id, result.problems));
      continue;
    }
    s.deals.update(record, result.values);
    const view = s.deals.view(record);
    results.push(item.objectWriteTraceId === undefined ? view : { ...view, objectWriteTraceId: item.objectWriteTraceId });
  }
  inputFaults.finish();
  if (missing.length) errors.push(notFoundError(missing));
  return batchReply(200, results, errors, requestedAt);
};

/**
 * POST /crm/v3/objects/deals/batch/upsert: by a property with unique values (`idProperty` on every
 * input, e.g. a custom `turbotenant_property_id`): the deal holding the id is updated, otherwise
 * one is created with it. Results say which (`new`) and come in input order; an invalid input is an
 * error naming its id (207).
 */
export const batchUpsertDeals: Handler = ({ body, inputFaults }, s) => {
  const input = parseBody(BatchUpsertInput, body);
  checkBatchSize(input.inputs.length);
  for (const item of input.inputs) {
    if (item.idProperty === undefined || item.idProperty === 'hs_object_id' || !s.dealProperties.get(item.idProperty)?.hasUniqueValue) {
      throw validationError(`Unable to perform update/upsert by non-unique 0-3 property ${item.idProperty ?? '(none)'} in portal ID ${PORTAL_ID}. Upserts need idProperty naming a property with unique values.`, {
        context: { idProperty: [item.idProperty ?? ''] },
      });
    }
  }
  checkDuplicates(
    input.inputs.map((i) => `${i.idProperty}:${i.id}`),
    false,
  );
  const requestedAt = new Date().toISOString();
  const results: Array<SimplePublicObject & { new: boolean }> = [];
  const errors: StandardError[] = [];
  for (const item of input.inputs) {
    const idProperty = item.idProperty!;
    const injected = inputFaults.check([item.id, asString(item.properties.dealname)]);
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, { ids: [item.id] }, [{ message: injected, in: 'properties' }]));
      continue;
    }
    const existing = s.deals.findBy(idProperty, item.id);
    const result = s.deals.validate({ ...item.properties, [idProperty]: item.id }, existing);
    if (!result.ok) {
      errors.push(propertyProblemsError(item.id, result.problems));
      continue;
    }
    if (existing) {
      s.deals.update(existing, result.values);
      results.push({ ...s.deals.view(existing), new: false });
    } else {
      results.push({ ...s.deals.view(s.deals.create(result.values)), new: true });
    }
  }
  inputFaults.finish();
  return batchReply(200, results, errors, requestedAt);
};

export const batchArchiveDeals: Handler = ({ body }, s) => {
  const input = parseBody(BatchArchiveInput, body);
  checkBatchSize(input.inputs.length);
  for (const { id } of input.inputs) {
    const record = s.deals.find(id);
    if (!record) continue;
    s.deals.archive(record);
    s.associations.removeObject('deals', record.id);
  }
  return { status: 204 };
};

/** A property handler on the deal properties. */
const onDealProperties =
  (handler: Handler): Handler =>
  (req, s) =>
    handler(req, { ...s, properties: s.dealProperties });

const OBJECT = '/crm/v3/objects/(?:deals|0-3)';
const PROPERTIES = '/crm/v3/properties/(?:deals|0-3)';

export const DEAL_ROUTES: Route[] = [
  { pattern: new RegExp(`^${OBJECT}/?$`), methods: { GET: listDeals, POST: createDeal } },
  { pattern: new RegExp(`^${OBJECT}/batch/read/?$`), methods: { POST: batchReadDeals } },
  { pattern: new RegExp(`^${OBJECT}/batch/create/?$`), methods: { POST: batchCreateDeals } },
  { pattern: new RegExp(`^${OBJECT}/batch/update/?$`), methods: { POST: batchUpdateDeals } },
  { pattern: new RegExp(`^${OBJECT}/batch/upsert/?$`), methods: { POST: batchUpsertDeals } },
  { pattern: new RegExp(`^${OBJECT}/batch/archive/?$`), methods: { POST: batchArchiveDeals } },
  { pattern: new RegExp(`^${OBJECT}/([^/]+)/?$`), methods: { GET: getDeal, PATCH: updateDeal, DELETE: archiveDeal } },
  { pattern: new RegExp(`^${PROPERTIES}/?$`), methods: { GET: onDealProperties(listProperties), POST: onDealProperties(createProperty) } },
  {
    pattern: new RegExp(`^${PROPERTIES}/([^/]+)/?$`),
    methods: { GET: onDealProperties(getProperty), PATCH: onDealProperties(updateProperty), DELETE: onDealProperties(archiveProperty) },
  },
];
