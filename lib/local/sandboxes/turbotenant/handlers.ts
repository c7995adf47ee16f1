/**
 * The TurboTenant API our client reads (CONTRACT.md): a landlord, a property, and properties
 * updated since a time, page by page. Read-only: changes come through the control routes, as they
 * would through TurboTenant's own app.
 */
import { TurboTenantHttpError, badRequest, httpError, notFound, type ErrorDetail } from './errors.js';
import type { TurboTenantStore } from './store.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Pages number from 1; per_page is at most 100 (CONTRACT.md). */
export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 25;

const LANDLORD = /^\/api\/landlords\/([^/]+)$/;
const PROPERTY = /^\/api\/properties\/([^/]+)$/;
const PROPERTIES = '/api/properties';

/** ISO 8601 date-time with a zone, as the contract's `updated_since=ISO`; a date alone is midnight UTC. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

export function apiRoute(method: string, path: string, url: URL, store: TurboTenantStore): Reply {
  const landlord = LANDLORD.exec(path);
  const property = PROPERTY.exec(path);
  if (!landlord && !property && path !== PROPERTIES) throw notFound(`No route ${method} ${path}`);
  if (method !== 'GET') throw httpError(405, `${method} is not allowed on ${path}; this API is read-only`, undefined, { Allow: 'GET' });

  if (landlord) {
    const id = decode(landlord[1]!);
    const found = store.landlord(id);
    if (!found) throw notFound(`Landlord ${id} not found`);
    return { status: 200, body: found };
  }
  if (property) {
    const id = decode(property[1]!);
    const found = store.property(id);
    if (!found) throw notFound(`Property ${id} not found`);
    return { status: 200, body: found };
  }
  return { status: 200, body: store.listProperties(pageQuery(url)) };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`'${segment}' is not a valid id`, [{ path: 'id', message: 'malformed percent-encoding' }]);
  }
}

function pageQuery(url: URL): { sinceMs: number | undefined; page: number; perPage: number } {
  const problems: ErrorDetail[] = [];
  const since = single(url, 'updated_since', problems);
  let sinceMs: number | undefined;
  if (since !== undefined) {
    sinceMs = ISO_DATE_TIME.test(since) ? Date.parse(since) : Number.NaN;
    if (Number.isNaN(sinceMs)) problems.push({ path: 'updated_since', message: 'must be an ISO 8601 date-time with a time zone, e.g. 2025-10-12T21:53:00Z' });
  }
  const page = integer(url, 'page', 1, 1, Number.MAX_SAFE_INTEGER, problems);
  const perPage = integer(url, 'per_page', DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, problems);
  if (problems.length) throw badRequest(problems.map((p) => `${p.path} ${p.message}`).join('; '), problems);
  return { sinceMs, page, perPage };
}

function single(url: URL, name: string, problems: ErrorDetail[]): string | undefined {
  const all = url.searchParams.getAll(name);
  if (all.length > 1) problems.push({ path: name, message: 'must be given once' });
  return all[0];
}

function integer(url: URL, name: string, fallback: number, min: number, max: number, problems: ErrorDetail[]): number {
  const raw = single(url, name, problems);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push({ path: name, message: max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}` });
    return fallback;
  }
  return value;
}

export function errorReply(err: unknown): Reply {
  if (err instanceof TurboTenantHttpError) return { status: err.status, body: err.body, headers: err.headers };
  const message = err instanceof Error ? err.message : String(err);
  const internal = httpError(500, `internal error: ${message}`);
  return { status: 500, body: internal.body };
}
