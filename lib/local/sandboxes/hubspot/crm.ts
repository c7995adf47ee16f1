/**
 * What every CRM route handler shares: the request and reply shapes, the services it works on,
 * and the batch conventions of HubSpot's object APIs (100-input limit, per-input errors: a 207 on
 * the legacy paths, the success status with `errors` on the 2026-09 ones).
 */
import type { AccountSettings } from './account.js';
import { standardError, validationError, type StandardError } from './errors.js';
import { BatchReadInput, parseBody } from './schemas.js';
import type { InputFaults } from './faults.js';
import type { AssociationTypes } from './association-types.js';
import type { AssociationStore } from './associations.js';
import type { ObjectTypes } from './object-types.js';
import type { PropertyStore } from './properties.js';
import type { ContactStore, SimplePublicObject } from './store.js';
import type { PortalRules } from './validation-rules.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CrmRequest {
  method: string;
  url: URL;
  body: unknown;
  params: string[];
  inputFaults: InputFaults;
  baseUrl: string;
  /** On a date-based path (`/crm/objects/2026-09/...`): the answer follows the 2026-09 documents (versions.ts). */
  dated: boolean;
}

export interface Services {
  contacts: ContactStore;
  /** The properties of the object type the route is about (contact properties, or the path's object type's on the object routes). */
  properties: PropertyStore;
  associations: AssociationStore;
  /** The association types of every pair of object types: defaults, custom objects' definitions, labels. */
  associationTypes: AssociationTypes;
  /** Every object type but contacts by its path names (deals, listings, custom objects), and contacts for associations. */
  objectTypes: ObjectTypes;
  /** The sandbox's random source (seeded in tests): the order of batch create results. */
  random: () => number;
  /** The portal's validation rules for writes; none on the legacy paths (validation-rules.ts). */
  portalRules: PortalRules;
  /** What the account details API answers (account.ts). */
  account: AccountSettings;
}

export type Handler = (req: CrmRequest, s: Services) => Reply;

export interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

export const MAX_BATCH_INPUTS = 100;
export const MAX_PAGE_LIMIT = 100;

export const listParam = (url: URL, name: string): string[] | undefined => {
  const all = url.searchParams.getAll(name);
  if (all.length === 0) return undefined;
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
};

export const boolParam = (url: URL, name: string): boolean => url.searchParams.get(name)?.toLowerCase() === 'true';

export function checkBatchSize(count: number, max = MAX_BATCH_INPUTS): void {
  if (count > max) {
    throw validationError(`Batch input size must be at most ${max}, but was ${count}. Split the inputs into batches of ${max} or fewer.`, {
      context: { inputs: [String(count)] },
      errors: [{ message: `size must be between 0 and ${max}`, in: 'inputs' }],
    });
  }
}

export function checkDuplicates(ids: string[], caseInsensitive: boolean): void {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const id of ids) {
    const k = caseInsensitive ? id.trim().toLowerCase() : id;
    if (seen.has(k)) dupes.add(id);
    seen.add(k);
  }
  if (dupes.size) {
    const list = [...dupes];
    throw validationError(`Duplicate IDs found in batch input: [${list.join(', ')}]. IDs must be unique`, { context: { ids: list } });
  }
}

/**
 * A batch answer: `okStatus` when every input went through; when some did not, `errors` and a 207
 * on the legacy paths, or still `okStatus` on the dated ones (the 2026-09 documents have no 207).
 */
export function batchReply<T>(okStatus: number, results: T[], errors: StandardError[], requestedAt: string, dated: boolean): Reply {
  const body: Record<string, unknown> = { status: 'COMPLETE', results };
  if (errors.length) {
    body.numErrors = errors.length;
    body.errors = errors;
  }
  body.requestedAt = requestedAt;
  body.startedAt = requestedAt;
  body.completedAt = new Date().toISOString();
  return { status: errors.length && !dated ? 207 : okStatus, body };
}

/** Parses `limit` and `after` of a list request (`after` is the position to start from). */
export function pageParams(url: URL, defaultLimit: number, maxLimit: number): { limit: number; after: number } {
  const rawLimit = url.searchParams.get('limit');
  const limit = rawLimit === null ? defaultLimit : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 0) throw validationError(`limit must be a non-negative integer, got '${rawLimit}'`);
  const rawAfter = url.searchParams.get('after');
  const after = rawAfter === null || rawAfter === '' ? 0 : Number(rawAfter);
  if (!Number.isInteger(after) || after < 0) throw validationError(`Invalid paging cursor after='${rawAfter}'`);
  return { limit: Math.min(limit, maxLimit), after };
}

/** `paging.next` of a list answer: the same request with `after` moved on. */
export function nextPage(url: URL, baseUrl: string, after: string): { next: { after: string; link: string } } {
  const link = new URL(url.pathname, baseUrl);
  url.searchParams.forEach((v, k) => {
    if (k !== 'after') link.searchParams.append(k, v);
  });
  link.searchParams.set('after', after);
  return { next: { after, link: link.toString() } };
}

/** Property histories make batch reads heavy: HubSpot takes at most this many inputs with them. */
export const MAX_HISTORY_BATCH_INPUTS = 50;

export interface BatchReadableStore<R> {
  findBy(idProperty: string | undefined, id: string, archived: boolean): R | undefined;
  view(record: R, requested?: readonly string[], withHistory?: readonly string[]): SimplePublicObject;
}

/**
 * `POST …/objects/{type}/batch/read`, the same for every object type: the ids found (each record
 * once), the rest as one OBJECT_NOT_FOUND error, injected per-input faults as validation errors
 * (a 207 on the legacy paths when anything failed).
 */
export function batchReadObjects<R>(
  { url, body, inputFaults, dated }: CrmRequest,
  store: BatchReadableStore<R>,
  options: { objectLabel: string; injectedIn: string; checkIdProperty?: (idProperty: string | undefined) => void },
): Reply {
  const input = parseBody(BatchReadInput, body);
  checkBatchSize(input.inputs.length);
  options.checkIdProperty?.(input.idProperty);
  const withHistory = input.propertiesWithHistory ?? [];
  if (withHistory.length && input.inputs.length > MAX_HISTORY_BATCH_INPUTS) {
    throw validationError(
      `The maximum number of inputs supported in a batch request for property histories is ${MAX_HISTORY_BATCH_INPUTS}. Please reduce the number of items and try again`,
    );
  }
  const requestedAt = new Date().toISOString();
  const archived = boolParam(url, 'archived');
  const results: SimplePublicObject[] = [];
  const errors: StandardError[] = [];
  const missing: string[] = [];
  const seen = new Set<R>();
  for (const { id } of input.inputs) {
    const injected = inputFaults.check([id]);
    if (injected) {
      errors.push(standardError('VALIDATION_ERROR', injected, { ids: [id] }, [{ message: injected, in: options.injectedIn }]));
      continue;
    }
    const record = store.findBy(input.idProperty, id, archived);
    if (!record) missing.push(id);
    else if (!seen.has(record)) {
      seen.add(record);
      results.push(store.view(record, input.properties ?? [], withHistory));
    }
  }
  inputFaults.finish();
  if (missing.length) {
    errors.push(
      standardError('OBJECT_NOT_FOUND', `Could not get some ${options.objectLabel} objects, they may be deleted or not exist. Check that ids are valid.`, { ids: missing }),
    );
  }
  return batchReply(200, results, errors, requestedAt, dated);
}
