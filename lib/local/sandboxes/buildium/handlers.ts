/**
 * The Buildium API our client reads: tenants, rental properties, units and leases, listed and by
 * id, as the official OpenAPI document names them. Read-only here: changes come through the
 * sandbox handle, as they would through Buildium's own app.
 *
 * Lists take `limit` (1..1000, default 50; above 1000 it is 1000, as the document says), `offset`
 * (zero-based), `lastupdatedfrom` / `lastupdatedto` (UTC `YYYY-MM-DDTHH:MM:SSZ`, both inclusive,
 * to the second), `orderby` (`Field [asc|desc]`, comma separated; Id ascending otherwise) and a few
 * of the document's filters (propertyids, leasestatuses, leasetermstatuses); the total goes in
 * X-Total-Count. `limit`/`offset` are case-sensitive: `Limit=` is a 404, as the document warns.
 */
import { BuildiumHttpError, badRequest, httpError, notFound } from './errors.js';
import type { BuildiumStore, ListQuery, ListResult } from './store.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 50;
/** The document: a longer query string is a 500. */
export const MAX_QUERY_LENGTH = 4096;

const ID_ROUTES: Array<[RegExp, (store: BuildiumStore, id: number) => unknown]> = [
  [/^\/v1\/leases\/tenants\/([^/]+)$/, (s, id) => s.tenant(id)],
  [/^\/v1\/rentals\/units\/([^/]+)$/, (s, id) => s.unit(id)],
  [/^\/v1\/rentals\/([^/]+)$/, (s, id) => s.rental(id)],
  [/^\/v1\/leases\/([^/]+)$/, (s, id) => s.lease(id)],
];

const LIST_ROUTES: Record<string, (store: BuildiumStore, q: ListQuery) => ListResult<unknown>> = {
  '/v1/leases/tenants': (s, q) => s.listTenants(q),
  '/v1/rentals': (s, q) => s.listRentals(q),
  '/v1/rentals/units': (s, q) => s.listUnits(q),
  '/v1/leases': (s, q) => s.listLeases(q),
};

/** Fields a list's records have, for `orderby` (any top-level field, names without case). */
const ORDERABLE: Record<string, readonly string[]> = {
  '/v1/leases/tenants': ['Id', 'FirstName', 'LastName', 'Email', 'AlternateEmail', 'CreatedDateTime', 'DateOfBirth', 'SMSOptInStatus', 'MailingPreference', 'Comment'],
  '/v1/rentals': ['Id', 'Name', 'StructureDescription', 'NumberUnits', 'IsActive', 'OperatingBankAccountId', 'Reserve', 'YearBuilt', 'RentalType', 'RentalSubType'],
  '/v1/rentals/units': ['Id', 'PropertyId', 'BuildingName', 'UnitNumber', 'Description', 'MarketRent', 'UnitBedrooms', 'UnitBathrooms', 'UnitSize', 'IsUnitListed', 'IsUnitOccupied'],
  '/v1/leases': [
    'Id', 'PropertyId', 'UnitId', 'UnitNumber', 'LeaseFromDate', 'LeaseToDate', 'LeaseType', 'LeaseStatus', 'IsEvictionPending', 'TermType',
    'RenewalOfferStatus', 'CurrentNumberOfOccupants', 'CreatedDateTime', 'LastUpdatedDateTime', 'PaymentDueDay',
  ],
};

/** The document's format, `YYYY-MM-DDTHH:MM:SSZ`; fractions of a second and a date alone are taken too. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]00:?00)?)?$/i;

type Problems = Array<{ Key: string; Value: string }>;

export function apiRoute(method: string, path: string, url: URL, store: BuildiumStore): Reply {
  if (url.search.length - 1 > MAX_QUERY_LENGTH) throw httpError(500, `The query string is longer than ${MAX_QUERY_LENGTH} characters.`);
  const list = LIST_ROUTES[path];
  const byId = list ? undefined : ID_ROUTES.find(([re]) => re.test(path));
  if (!list && !byId) throw notFound(`No resource at ${path}. URL paths are case-sensitive.`);
  if (method !== 'GET') throw httpError(405, `${method} is not supported on ${path} by this sandbox.`, undefined, { Allow: 'GET' });
  for (const key of url.searchParams.keys()) {
    if ((key.toLowerCase() === 'limit' || key.toLowerCase() === 'offset') && key !== key.toLowerCase()) {
      throw notFound(`'${key}' is not a paging parameter; limit and offset are case-sensitive.`);
    }
  }

  if (byId) {
    const [re, read] = byId;
    const raw = re.exec(path)![1]!;
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2_147_483_647) throw badRequest([{ Key: 'id', Value: `'${raw}' is not a valid integer id.` }]);
    const found = read(store, Number(raw));
    if (found === undefined) throw notFound();
    return { status: 200, body: found };
  }

  const query = listQuery(path, url);
  const { items, total } = list!(store, query);
  return { status: 200, body: items, headers: { 'X-Total-Count': String(total) } };
}

function listQuery(path: string, url: URL): ListQuery {
  const problems: Problems = [];
  const limitRaw = url.searchParams.get('limit');
  const offsetRaw = url.searchParams.get('offset');
  let limit = DEFAULT_LIMIT;
  if (limitRaw !== null) {
    if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1) problems.push({ Key: 'limit', Value: 'limit must be an integer between 1 and 1000.' });
    else limit = Math.min(Number(limitRaw), MAX_LIMIT);
  }
  let offset = 0;
  if (offsetRaw !== null) {
    if (!/^\d+$/.test(offsetRaw) || !Number.isSafeInteger(Number(offsetRaw))) problems.push({ Key: 'offset', Value: 'offset must be a non-negative integer.' });
    else offset = Number(offsetRaw);
  }
  const fromMs = dateTime(url, 'lastupdatedfrom', problems);
  const toMs = dateTime(url, 'lastupdatedto', problems);
  const orderBy = orderByOf(path, url.searchParams.get('orderby'), problems);
  const where = filters(path, url, problems);
  if (problems.length) throw badRequest(problems);
  return { fromMs, toMs, offset, limit, orderBy, ...(where ? { where } : {}) };
}

function dateTime(url: URL, name: string, problems: Problems): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const withZone = /T/.test(raw) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? `${raw}Z` : raw;
  const ms = DATE_TIME.test(raw) ? Date.parse(withZone) : Number.NaN;
  if (Number.isNaN(ms)) {
    problems.push({ Key: name, Value: `${name} must be a UTC date-time formatted as YYYY-MM-DDTHH:MM:SSZ.` });
    return undefined;
  }
  return ms;
}

function orderByOf(path: string, raw: string | null, problems: Problems): ListQuery['orderBy'] {
  if (raw === null || raw.trim() === '') return [];
  const fields = ORDERABLE[path]!;
  const out: ListQuery['orderBy'] = [];
  for (const part of raw.split(',')) {
    const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(part);
    const field = m && fields.find((f) => f.toLowerCase() === m[1]!.toLowerCase());
    if (!m || !field) {
      problems.push({ Key: 'orderby', Value: `'${part.trim()}' is not a sortable property.` });
      continue;
    }
    out.push({ field, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' });
  }
  return out;
}

/** Array parameters come as repeated keys or comma separated (`propertyids=1&propertyids=2`, `propertyids=1,2`). */
function values(url: URL, name: string): string[] {
  return url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function filters(path: string, url: URL, problems: Problems): ((m: Record<string, unknown>) => boolean) | undefined {
  const checks: Array<(m: Record<string, unknown>) => boolean> = [];
  const ids = values(url, 'propertyids');
  if (ids.length) {
    if (ids.some((v) => !/^\d+$/.test(v))) problems.push({ Key: 'propertyids', Value: 'propertyids must be integers.' });
    const wanted = new Set(ids.map(Number));
    if (path === '/v1/rentals') checks.push((m) => wanted.has(m.Id as number));
    else if (path === '/v1/leases/tenants') checks.push((m) => ((m.Leases as Array<{ PropertyId: number }> | null) ?? []).some((l) => wanted.has(l.PropertyId)));
    else checks.push((m) => wanted.has(m.PropertyId as number));
  }
  const statusParam = path === '/v1/leases' ? 'leasestatuses' : path === '/v1/leases/tenants' ? 'leasetermstatuses' : undefined;
  if (statusParam) {
    const statuses = values(url, statusParam);
    if (statuses.some((s) => !['Active', 'Past', 'Future'].includes(s))) problems.push({ Key: statusParam, Value: `${statusParam} must be Active, Past or Future.` });
    const wanted = new Set(statuses);
    if (statuses.length && path === '/v1/leases') checks.push((m) => wanted.has(m.LeaseStatus as string));
    if (statuses.length && path === '/v1/leases/tenants') {
      checks.push((m) => ((m.Leases as Array<{ LeaseStatus: string }> | null) ?? []).some((l) => wanted.has(l.LeaseStatus)));
    }
  }
  return checks.length ? (m) => checks.every((c) => c(m)) : undefined;
}

export function errorReply(err: unknown): Reply {
  if (err instanceof BuildiumHttpError) return { status: err.status, body: err.body, headers: err.headers };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: httpError(500, `internal error: ${message}`).body };
}
