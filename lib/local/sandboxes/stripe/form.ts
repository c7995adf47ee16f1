/**
 * Stripe's v1 API reads `application/x-www-form-urlencoded` bodies with bracketed hashes:
 * `metadata[plan]=pro&email=a%40b.c`. This reads the flat fields and the `metadata` hash, the
 * only hash the customer routes take. A `metadata` field with an empty value (`metadata=`)
 * means "unset every key", as in Stripe.
 */
import { invalidRequest } from './errors.js';

export interface CustomerParams {
  /** Flat fields, last occurrence wins (decoded). */
  fields: Map<string, string>;
  /** metadata[key]=value pairs in order; an empty value unsets the key. */
  metadata: Map<string, string>;
  /** `metadata=` was sent: start from no metadata. */
  clearMetadata: boolean;
  /** Every pair as decoded, for the request log and idempotency comparison. */
  pairs: Array<[string, string]>;
}

const METADATA_FIELD = /^metadata\[(.*)\]$/s;

export function parseForm(raw: string): CustomerParams {
  const pairs = [...new URLSearchParams(raw)];
  const fields = new Map<string, string>();
  const metadata = new Map<string, string>();
  let clearMetadata = false;
  for (const [name, value] of pairs) {
    if (name === 'metadata') {
      if (value !== '') throw invalidRequest('Invalid hash', 'metadata', 'parameter_invalid_empty');
      clearMetadata = true;
      metadata.clear();
      continue;
    }
    const m = METADATA_FIELD.exec(name);
    if (m) {
      const key = m[1]!;
      if (/[[\]]/.test(key)) {
        throw invalidRequest(`Invalid metadata key '${key}': metadata keys can't contain square brackets ('[' or ']').`, name);
      }
      metadata.set(key, value);
      continue;
    }
    if (name.startsWith('metadata')) throw invalidRequest(`Invalid hash: '${name}' is not a metadata[key] parameter.`, name);
    fields.set(name, value);
  }
  return { fields, metadata, clearMetadata, pairs };
}

/** Order-insensitive: Stripe compares parameters, not bytes, when it checks a reused key. */
export function fingerprint(method: string, path: string, pairs: ReadonlyArray<[string, string]>): string {
  // A stable sort by name alone: repeated names keep their order, as the last one wins.
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([method, path, sorted]);
}
