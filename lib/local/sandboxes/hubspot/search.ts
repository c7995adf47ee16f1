import { validationError } from './errors.js';
import { instantOf, type PropertyDefinition, type PropertyStore } from './properties.js';
import type { Filter, SearchInput } from './schemas.js';
import type { ContactRecord, ContactStore, SimplePublicObject } from './store.js';

/** HubSpot search limits (CRM search guide). */
export const SEARCH_LIMITS = { maxLimit: 200, defaultLimit: 10, maxResults: 10_000, maxGroups: 5, maxFiltersPerGroup: 6, maxFilters: 18 };

const QUERY_PROPERTIES = ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'company', 'website'];

type Kind = 'number' | 'instant' | 'bool' | 'text';

function kindOf(def: PropertyDefinition | undefined): Kind {
  switch (def?.type) {
    case 'number':
      return 'number';
    case 'date':
    case 'datetime':
      return 'instant';
    case 'bool':
      return 'bool';
    default:
      return 'text';
  }
}

function key(kind: Kind, raw: string): number | string | undefined {
  switch (kind) {
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? undefined : n;
    }
    case 'instant':
      return instantOf(raw.trim());
    default:
      return raw.toLowerCase();
  }
}

function compare(kind: Kind, stored: string, value: string): number | undefined {
  const a = key(kind, stored);
  const b = key(kind, value);
  if (a === undefined || b === undefined || typeof a !== typeof b) return undefined;
  return a < b ? -1 : a > b ? 1 : 0;
}

function equals(def: PropertyDefinition | undefined, stored: string, value: string): boolean {
  const kind = kindOf(def);
  if (def?.type === 'enumeration' && def.fieldType === 'checkbox') {
    const wanted = value.toLowerCase();
    return stored.split(';').some((v) => v.toLowerCase() === wanted);
  }
  return compare(kind, stored, value) === 0;
}

function tokenRegExp(value: string): RegExp {
  const source = value
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

function containsToken(stored: string, value: string): boolean {
  const re = tokenRegExp(value);
  const lower = stored.toLowerCase();
  if (re.test(lower)) return true;
  return lower.split(/[^\p{L}\p{N}]+/u).some((token) => token !== '' && re.test(token));
}

function requireValue(filter: Filter): string {
  if (filter.value === undefined) {
    throw validationError(`Filter on ${filter.propertyName} with operator ${filter.operator} requires a value.`, {
      errors: [{ message: 'value is required', in: 'value' }],
    });
  }
  return filter.value;
}

function test(filter: Filter, def: PropertyDefinition | undefined, stored: string | undefined): boolean {
  const kind = kindOf(def);
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return stored !== undefined;
    case 'NOT_HAS_PROPERTY':
      return stored === undefined;
    case 'EQ':
      return stored !== undefined && equals(def, stored, requireValue(filter));
    case 'NEQ':
      return stored === undefined || !equals(def, stored, requireValue(filter));
    case 'IN':
      return stored !== undefined && (filter.values ?? []).some((v) => equals(def, stored, v));
    case 'NOT_IN':
      return stored === undefined || !(filter.values ?? []).some((v) => equals(def, stored, v));
    case 'GT':
    case 'GTE':
    case 'LT':
    case 'LTE': {
      if (stored === undefined) return false;
      const c = compare(kind, stored, requireValue(filter));
      if (c === undefined) return false;
      return filter.operator === 'GT' ? c > 0 : filter.operator === 'GTE' ? c >= 0 : filter.operator === 'LT' ? c < 0 : c <= 0;
    }
    case 'BETWEEN': {
      if (stored === undefined) return false;
      if (filter.highValue === undefined) {
        throw validationError(`BETWEEN filter on ${filter.propertyName} requires value and highValue.`);
      }
      const lo = compare(kind, stored, requireValue(filter));
      const hi = compare(kind, stored, filter.highValue);
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case 'CONTAINS_TOKEN':
      return stored !== undefined && containsToken(stored, requireValue(filter));
    case 'NOT_CONTAINS_TOKEN':
      return stored === undefined || !containsToken(stored, requireValue(filter));
  }
}

function checkShape(groups: NonNullable<SearchInput['filterGroups']>): void {
  if (groups.length > SEARCH_LIMITS.maxGroups) {
    throw validationError(`Too many filter groups: ${groups.length}. The maximum is ${SEARCH_LIMITS.maxGroups}.`);
  }
  let total = 0;
  for (const group of groups) {
    if (group.filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      throw validationError(`Too many filters in a filter group: ${group.filters.length}. The maximum is ${SEARCH_LIMITS.maxFiltersPerGroup}.`);
    }
    total += group.filters.length;
  }
  if (total > SEARCH_LIMITS.maxFilters) {
    throw validationError(`Too many filters: ${total}. The maximum across all filter groups is ${SEARCH_LIMITS.maxFilters}.`);
  }
}

function indexedCandidates(groups: NonNullable<SearchInput['filterGroups']>, contacts: ContactStore): ContactRecord[] | undefined {
  if (groups.length === 0) return undefined;
  const found = new Set<ContactRecord>();
  for (const group of groups) {
    const pin = group.filters.find((f) => f.propertyName === 'email' && (f.operator === 'EQ' || f.operator === 'IN'));
    if (!pin) return undefined;
    const emails = pin.operator === 'EQ' ? [pin.value ?? ''] : (pin.values ?? []);
    for (const email of emails) {
      const record = contacts.byEmailAddress(email);
      if (record) found.add(record);
    }
  }
  return [...found].sort((a, b) => a.num - b.num);
}

export interface SearchResponse {
  total: number;
  results: SimplePublicObject[];
  paging?: { next: { after: string } };
}

export function search(input: SearchInput, contacts: ContactStore, properties: PropertyStore): SearchResponse {
  const limit = input.limit ?? SEARCH_LIMITS.defaultLimit;
  if (limit > SEARCH_LIMITS.maxLimit) {
    throw validationError(`limit must be less than or equal to ${SEARCH_LIMITS.maxLimit}`, { errors: [{ message: `must be <= ${SEARCH_LIMITS.maxLimit}`, in: 'limit' }] });
  }
  const offset = input.after === undefined || input.after === '' ? 0 : Number(input.after);
  if (!Number.isInteger(offset) || offset < 0) {
    throw validationError(`after must be a non-negative integer offset, got '${input.after}'`, { errors: [{ message: 'invalid paging cursor', in: 'after' }] });
  }
  if (offset >= SEARCH_LIMITS.maxResults) {
    throw validationError(`The search API cannot page past ${SEARCH_LIMITS.maxResults} results (after=${offset}). Narrow the filters instead.`, {
      errors: [{ message: `after must be < ${SEARCH_LIMITS.maxResults}`, in: 'after' }],
    });
  }
  const groups = input.filterGroups ?? [];
  checkShape(groups);
  const compiled = groups.map((g) => g.filters.map((f) => ({ filter: f, def: properties.get(f.propertyName) })));

  const candidates = indexedCandidates(groups, contacts) ?? contacts.scan(false);
  const query = input.query?.trim().toLowerCase();
  let matches = candidates.filter((record) => {
    if (record.archived) return false;
    if (compiled.length && !compiled.some((group) => group.every(({ filter, def }) => test(filter, def, record.props.get(filter.propertyName))))) {
      return false;
    }
    if (query) return QUERY_PROPERTIES.some((p) => record.props.get(p)?.toLowerCase().includes(query));
    return true;
  });

  const sort = input.sorts?.[0];
  if (sort !== undefined) {
    const spec = typeof sort === 'string' ? { propertyName: sort.replace(/^-/, ''), direction: sort.startsWith('-') ? 'DESCENDING' : 'ASCENDING' } : sort;
    const kind = kindOf(properties.get(spec.propertyName));
    const sign = spec.direction === 'DESCENDING' ? -1 : 1;
    matches = matches.slice().sort((a, b) => {
      const av = a.props.get(spec.propertyName);
      const bv = b.props.get(spec.propertyName);
      if (av === undefined || bv === undefined) return av === bv ? a.num - b.num : av === undefined ? 1 : -1;
      return sign * (compare(kind, av, bv) ?? 0) || a.num - b.num;
    });
  }

  const page = matches.slice(offset, offset + limit);
  const names = input.properties ?? [];
  const response: SearchResponse = { total: matches.length, results: page.map((r) => contacts.view(r, names)) };
  const next = offset + page.length;
  if (page.length > 0 && next < Math.min(matches.length, SEARCH_LIMITS.maxResults)) {
    response.paging = { next: { after: String(next) } };
  }
  return response;
}
