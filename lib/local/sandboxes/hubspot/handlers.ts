import {
  httpError,
  PORTAL_ID,
  propertyProblemsError,
  propertyProblemsMessage,
  standardError,
  validationError,
  type PropertyProblem,
  type StandardError,
} from './errors.js';
import { ACCOUNT_ROUTES } from './account.js';
import { batchReadObjects, batchReply, boolParam, checkBatchSize, checkDuplicates, listParam, MAX_PAGE_LIMIT, nextPage, pageParams, type Handler, type Reply, type Route, type Services } from './crm.js';
import { isValidEmail, propertyNotFound, type PropertyStore } from './properties.js';
import {
  BatchArchiveInput,
  BatchCreateInput,
  BatchUpdateInput,
  BatchUpsertInput,
  CreateInput,
  GdprDeleteInput,
  MergeInput,
  parseBody,
  PropertyCreateInput,
  PropertyUpdateInput,
  SearchInput,
  UpdateInput,
} from './schemas.js';
import { LABEL_ROUTES } from './association-labels.js';
import { ASSOCIATION_ROUTES } from './associations.js';
import { LABELED_ASSOCIATION_ROUTES } from './labeled-associations.js';
import { OBJECT_ROUTES } from './object-handlers.js';
import { SCHEMA_ROUTES } from './schemas-api.js';
import { archiveProperty, createProperty, getProperty, listProperties, updateProperty } from './property-handlers.js';
import { search } from './search.js';
import type { ContactRecord, ContactStore, RawProperties, SimplePublicObject, ValidatedWrite } from './store.js';
import { OBJECTS_BASE, PROPERTIES_BASE } from './versions.js';

export type { CrmRequest, Handler, Reply, Services } from './crm.js';
export { MAX_BATCH_INPUTS } from './crm.js';


function contactNotFound(id: string): never {
  const numeric = /^\d+$/.test(id);
  throw httpError(404, 'OBJECT_NOT_FOUND', numeric ? 'resource not found' : 'Object not found.  objectId are usually numeric.', {
    context: { id: [id] },
  });
}

function conflict(existing: ContactRecord): never {
  throw httpError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
}

function invalidProperties(problems: PropertyProblem[]): never {
  throw validationError(propertyProblemsMessage(problems), {
    errors: problems.map((p) => ({ message: p.message, in: p.name, code: p.error })),
  });
}

function notFoundError(ids: string[]): StandardError {
  return standardError('OBJECT_NOT_FOUND', 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', { ids });
}

function injectedError(id: string, message: string): StandardError {
  return standardError('VALIDATION_ERROR', message, { ids: [id] }, [{ message, in: 'email' }]);
}

function conflictError(id: string, existing: ContactRecord): StandardError {
  const message = `Contact already exists. Existing ID: ${existing.id}`;
  return standardError('CONFLICT', message, { ids: [id] }, [{ message, in: 'email' }]);
}

const asString = (v: RawProperties[string] | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));

/** Property values checked, then the portal's validation rules where they apply (Services.portalRules). */
function validateContact(s: Services, input: RawProperties, creating: boolean): ValidatedWrite {
  const result = s.contacts.validate(input);
  const broken = s.portalRules.problems('contacts', input, creating);
  if (broken.length === 0) return result;
  return { ok: false, problems: [...(result.ok ? [] : result.problems), ...broken] };
}

function uniqueIdProperty(properties: PropertyStore, idProperty: string | undefined): string {
  if (idProperty === undefined) {
    throw validationError("Batch upsert requires idProperty on every input. For contacts use idProperty 'email' (or a property with unique values).", {
      errors: [{ message: 'idProperty is required', in: 'idProperty' }],
    });
  }
  const def = properties.get(idProperty);
  if (idProperty !== 'email' && !def?.hasUniqueValue) {
    throw validationError(`Unable to perform update/upsert by non-unique 0-1 property ${idProperty} in portal ID ${PORTAL_ID}`, {
      context: { idProperty: [idProperty] },
    });
  }
  return idProperty;
}


export const listContacts: Handler = ({ url, baseUrl }, { contacts }) => {
  const { limit, after } = pageParams(url, 10, MAX_PAGE_LIMIT);
  const { records, more } = contacts.page(after - 1, limit, boolParam(url, 'archived'));
  const requested = listParam(url, 'properties') ?? [];
  const withHistory = listParam(url, 'propertiesWithHistory');
  const body: Record<string, unknown> = { results: records.map((r) => contacts.view(r, requested, withHistory)) };
  const last = records[records.length - 1];
  if (more && last) body.paging = nextPage(url, baseUrl, String(last.num + 1));
  return { status: 200, body };
};

export const getContact: Handler = ({ url, params }, { contacts }) => {
  const id = decodeURIComponent(params[0] ?? '');
  const idProperty = url.searchParams.get('idProperty') ?? undefined;
  const record = contacts.findBy(idProperty, id, boolParam(url, 'archived'));
  if (!record) contactNotFound(id);
  return { status: 200, body: contacts.view(record, listParam(url, 'properties') ?? [], listParam(url, 'propertiesWithHistory')) };
};

export const createContact: Handler = ({ body, inputFaults }, s) => {
  const { contacts } = s;
  const input = parseBody(CreateInput, body);
  const injected = inputFaults.check([asString(input.properties.email)]);
  inputFaults.finish();
  if (injected) throw validationError(injected, { errors: [{ message: injected, in: 'email' }] });
  const result = validateContact(s, input.properties, true);
  if (!result.ok) invalidProperties(result.problems);
  const owner = contacts.emailOwner(result.values);
  if (owner) conflict(owner);
  return { status: 201, body: contacts.view(contacts.create(result.values)) };
};

export const updateContact: Handler = ({ url, params, body }, s) => {
  const { contacts } = s;
  const id = decodeURIComponent(params[0] ?? '');
  const input = parseBody(UpdateInput, body);
  const record = contacts.findBy(url.searchParams.get('idProperty') ?? undefined, id);
  if (!record) contactNotFound(id);
  if (Object.keys(input.properties).length === 0) {
    throw validationError('No properties found to update, please provide at least one.', { context: { properties: ['{}'] } });
  }
  const result = validateContact(s, input.properties, false);
  if (!result.ok) invalidProperties(result.problems);
  const owner = contacts.emailOwner(result.values, record);
  if (owner) conflict(owner);
  contacts.update(record, result.values);
  return { status: 200, body: contacts.view(record) };
};

/** DELETE: the contact goes to the recycle bin and loses its associations. */
export const archiveContact: Handler = ({ params }, { contacts, associations }) => {
  const record = contacts.find(decodeURIComponent(params[0] ?? ''));
  if (record) {
    contacts.archive(record);
    associations.removeObject('contacts', record.id);
  }
  return { status: 204 };
};

/**
 * POST …/objects/contacts/merge: the primary survives with its id and takes the merged
 * contact's values where it has none; the merged contact is gone afterwards (a GET of its id is a
 * 404: see ContactStore.merge) and its associations are the primary's. Archived contacts cannot be
 * merged, as in HubSpot.
 */
export const mergeContacts: Handler = ({ body, inputFaults }, { contacts, associations }) => {
  const { primaryObjectId, objectIdToMerge } = parseBody(MergeInput, body);
  if (primaryObjectId === objectIdToMerge) {
    throw validationError(`Cannot merge a contact with itself: primaryObjectId and objectIdToMerge are both ${primaryObjectId}.`, {
      context: { ids: [primaryObjectId] },
    });
  }
  const primary = contacts.find(primaryObjectId);
  if (!primary) contactNotFound(primaryObjectId);
  const merged = contacts.find(objectIdToMerge);
  if (!merged) contactNotFound(objectIdToMerge);
  const injected = inputFaults.check([primaryObjectId, objectIdToMerge, primary.props.get('email'), merged.props.get('email')]);
  inputFaults.finish();
  if (injected) throw validationError(injected, { errors: [{ message: injected, in: 'email' }] });
  contacts.merge(primary, merged);
  associations.moveObject('contacts', merged.id, primary.id);
  return { status: 200, body: contacts.view(primary) };
};

/** gdpr-delete finds a contact by id or by a property with unique values (usually `email`). */
function checkGdprIdProperty(properties: PropertyStore, idProperty: string | undefined): void {
  if (idProperty === undefined || idProperty === 'hs_object_id' || idProperty === 'email') return;
  if (properties.get(idProperty)?.hasUniqueValue) return;
  throw validationError(`Unable to identify a contact by non-unique property ${idProperty} in portal ID ${PORTAL_ID}. Use 'email' or a property with unique values.`, {
    context: { idProperty: [idProperty] },
  });
}

/**
 * POST …/objects/contacts/gdpr-delete: deletes the contact for good, archived or not; unlike
 * an archive it cannot be restored. HubSpot blocklists an email it does not find and still answers
 * 204; the sandbox answers 204 too but keeps no blocklist (the address stays usable).
 */
export const gdprDeleteContact: Handler = ({ body, inputFaults }, { contacts, properties, associations }) => {
  const { objectId, idProperty } = parseBody(GdprDeleteInput, body);
  checkGdprIdProperty(properties, idProperty);
  const injected = inputFaults.check([objectId]);
  inputFaults.finish();
  if (injected) throw validationError(injected, { errors: [{ message: injected, in: 'email' }] });
  const record = contacts.findBy(idProperty, objectId) ?? contacts.findBy(idProperty, objectId, true);
  if (!record) {
    if (idProperty === 'email') return { status: 204 };
    contactNotFound(objectId);
  }
  contacts.purge(record);
  associations.removeObject('contacts', record.id);
  return { status: 204 };
};

/**
 * The sandbox's stand-in for HubSpot's recycle-bin restore (`POST /__sandbox/contacts/{id}/restore`;
 * HubSpot has no public API for it): same id, same properties. 404 unless the contact is archived
 * (a merged or GDPR-deleted contact is gone for good); 409 if a live contact has taken its email
 * meanwhile, since HubSpot keeps emails unique and refuses to restore over another contact.
 */
export function restoreContact(id: string, contacts: ContactStore): Reply {
  const record = contacts.find(id, true);
  if (!record) contactNotFound(id);
  const owner = contacts.emailOwner(record.props, record);
  if (owner) conflict(owner);
  contacts.restore(record);
  return { status: 200, body: contacts.view(record) };
}


export const batchRead: Handler = (req, { contacts }) => batchReadObjects(req, contacts, { objectLabel: 'CONTACT', injectedIn: 'email' });

export const batchCreate: Handler = ({ body, inputFaults, dated }, s) => {
  const { contacts } = s;
  const input = parseBody(BatchCreateInput, body);
  checkBatchSize(input.inputs.length);
  inputFaults.refuseBatch(input.inputs.map((item) => [asString(item.properties.email)]));
  const requestedAt = new Date().toISOString();
  const checked = input.inputs.map((item, index) => {
    const label = item.objectWriteTraceId ?? asString(item.properties.email) ?? String(index);
    const injected = inputFaults.check([asString(item.properties.email)]);
    if (injected) return { label, error: injectedError(label, injected) };
    const result = validateContact(s, item.properties, true);
    if (!result.ok) return { label, error: propertyProblemsError(label, result.problems) };
    return { label, values: result.values };
  });
  inputFaults.finish();
  // HubSpot rejects the whole batch/create with 409 when an input's email already belongs to a contact.
  for (const item of checked) {
    const owner = item.values && contacts.emailOwner(item.values);
    if (owner) conflict(owner);
  }
  const results: SimplePublicObject[] = [];
  const errors: StandardError[] = [];
  for (const item of checked) {
    if (item.error) {
      errors.push(item.error);
      continue;
    }
    const values = item.values!;
    const owner = contacts.emailOwner(values);
    if (owner) {
      errors.push(conflictError(item.label, owner));
      continue;
    }
    results.push(contacts.view(contacts.create(values)));
  }
  return batchReply(201, results, errors, requestedAt, dated);
};

export const batchUpdate: Handler = ({ body, inputFaults, dated }, s) => {
  const { contacts } = s;
  const input = parseBody(BatchUpdateInput, body);
  checkBatchSize(input.inputs.length);
  checkDuplicates(
    input.inputs.map((i) => i.id),
    input.inputs.every((i) => i.idProperty === 'email'),
  );
  inputFaults.refuseBatch(input.inputs.map((item) => [item.id, asString(item.properties.email)]));
  const requestedAt = new Date().toISOString();
  const results: SimplePublicObject[] = [];
  const errors: StandardError[] = [];
  const missing: string[] = [];
  for (const item of input.inputs) {
    const injected = inputFaults.check([item.id, asString(item.properties.email)]);
    if (injected) {
      errors.push(injectedError(item.id, injected));
      continue;
    }
    const record = contacts.findBy(item.idProperty, item.id);
    if (!record) {
      missing.push(item.id);
      continue;
    }
    const result = validateContact(s, item.properties, false);
    if (!result.ok) {
      errors.push(propertyProblemsError(item.id, result.problems));
      continue;
    }
    const owner = contacts.emailOwner(result.values, record);
    if (owner) {
      errors.push(conflictError(item.id, owner));
      continue;
    }
    contacts.update(record, result.values);
    results.push(contacts.view(record));
  }
  inputFaults.finish();
  if (missing.length) errors.push(notFoundError(missing));
  return batchReply(200, results, errors, requestedAt, dated);
};

export const batchUpsert: Handler = ({ body, inputFaults, dated }, s) => {
  const { contacts, properties } = s;
  const input = parseBody(BatchUpsertInput, body);
  checkBatchSize(input.inputs.length);
  const idProperties = new Set(input.inputs.map((i) => uniqueIdProperty(properties, i.idProperty)));
  checkDuplicates(
    input.inputs.map((i) => i.id),
    idProperties.size === 1 && idProperties.has('email'),
  );
  inputFaults.refuseBatch(input.inputs.map((item) => [item.id, asString(item.properties.email)]));
  const requestedAt = new Date().toISOString();
  const results: Array<SimplePublicObject & { new: boolean }> = [];
  const errors: StandardError[] = [];
  for (const item of input.inputs) {
    const idProperty = item.idProperty!;
    const writtenEmail = asString(item.properties.email);
    const injected = inputFaults.check([item.id, writtenEmail]);
    if (injected) {
      errors.push(injectedError(item.id, injected));
      continue;
    }
    const problems: PropertyProblem[] = [];
    if (idProperty === 'email') {
      if (!isValidEmail(item.id.trim())) {
        problems.push({ name: 'email', error: 'INVALID_EMAIL', message: `Email address ${item.id} is invalid` });
      } else if (writtenEmail !== undefined && writtenEmail.trim().toLowerCase() !== item.id.trim().toLowerCase()) {
        problems.push({
          name: 'email',
          error: 'INVALID_EMAIL',
          message: `properties.email (${writtenEmail}) does not match the id (${item.id}) of an upsert by email`,
        });
      }
    }
    const existing = contacts.findBy(idProperty, item.id);
    const result = validateContact(s, idProperty === 'email' ? { ...item.properties, email: item.id } : item.properties, !existing);
    if (!result.ok) problems.push(...result.problems.filter((p) => !(p.name === 'email' && problems.some((q) => q.name === 'email'))));
    if (problems.length || !result.ok) {
      errors.push(propertyProblemsError(item.id, problems));
      continue;
    }
    const values = result.values;
    if (idProperty !== 'email' && !values.has(idProperty)) values.set(idProperty, item.id);
    if (existing) {
      const owner = contacts.emailOwner(values, existing);
      if (owner) {
        errors.push(conflictError(item.id, owner));
        continue;
      }
      contacts.update(existing, values);
      results.push({ ...contacts.view(existing), new: false });
    } else {
      const owner = contacts.emailOwner(values);
      if (owner) {
        errors.push(conflictError(item.id, owner));
        continue;
      }
      results.push({ ...contacts.view(contacts.create(values)), new: true });
    }
  }
  inputFaults.finish();
  return batchReply(200, results, errors, requestedAt, dated);
};

export const batchArchive: Handler = ({ body }, { contacts, associations }) => {
  const input = parseBody(BatchArchiveInput, body);
  checkBatchSize(input.inputs.length);
  for (const { id } of input.inputs) {
    const record = contacts.find(id);
    if (!record) continue;
    contacts.archive(record);
    associations.removeObject('contacts', record.id);
  }
  return { status: 204 };
};

export const searchContacts: Handler = ({ body }, { contacts, properties }) => {
  return { status: 200, body: search(parseBody(SearchInput, body), contacts, properties) };
};


const OBJECT = `${OBJECTS_BASE}/(?:contacts|0-1)`;
const PROPERTIES = `${PROPERTIES_BASE}/(?:contacts|0-1)`;

const ROUTES: Route[] = [
  { pattern: new RegExp(`^${OBJECT}/?$`), methods: { GET: listContacts, POST: createContact } },
  { pattern: new RegExp(`^${OBJECT}/search/?$`), methods: { POST: searchContacts } },
  { pattern: new RegExp(`^${OBJECT}/batch/read/?$`), methods: { POST: batchRead } },
  { pattern: new RegExp(`^${OBJECT}/batch/create/?$`), methods: { POST: batchCreate } },
  { pattern: new RegExp(`^${OBJECT}/batch/update/?$`), methods: { POST: batchUpdate } },
  { pattern: new RegExp(`^${OBJECT}/batch/upsert/?$`), methods: { POST: batchUpsert } },
  { pattern: new RegExp(`^${OBJECT}/batch/archive/?$`), methods: { POST: batchArchive } },
  { pattern: new RegExp(`^${OBJECT}/merge/?$`), methods: { POST: mergeContacts } },
  { pattern: new RegExp(`^${OBJECT}/gdpr-delete/?$`), methods: { POST: gdprDeleteContact } },
  { pattern: new RegExp(`^${OBJECT}/([^/]+)/?$`), methods: { GET: getContact, PATCH: updateContact, DELETE: archiveContact } },
  { pattern: new RegExp(`^${PROPERTIES}/?$`), methods: { GET: listProperties, POST: createProperty } },
  { pattern: new RegExp(`^${PROPERTIES}/([^/]+)/?$`), methods: { GET: getProperty, PATCH: updateProperty, DELETE: archiveProperty } },
  ...OBJECT_ROUTES,
  ...ASSOCIATION_ROUTES,
  ...LABELED_ASSOCIATION_ROUTES,
  ...LABEL_ROUTES,
  ...SCHEMA_ROUTES,
  ...ACCOUNT_ROUTES,
];

export function route(method: string, path: string): { handler: Handler; params: string[] } {
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const handler = r.methods[method];
    if (!handler) {
      throw httpError(405, 'VALIDATION_ERROR', `HTTP method ${method} is not supported by ${path}. Supported: ${Object.keys(r.methods).join(', ')}`);
    }
    return { handler, params: m.slice(1).map((p) => p ?? '') };
  }
  throw httpError(404, 'OBJECT_NOT_FOUND', `No HubSpot sandbox route for ${method} ${path}. Implemented, on the 2026-09 paths and their legacy v3/v4 ones: CRM objects and properties of contacts, deals, listings (0-420) and custom object types; custom object schemas; associations and association labels; account details.`);
}
