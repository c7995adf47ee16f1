/**
 * Change detection for Buildium records: every record's mapped properties are hashed; a record
 * whose hash equals its mapping's is skipped without a HubSpot call. A known record sends only the
 * fields that changed (a field Buildium cleared is sent empty). Per-field hashes of what was last
 * written (never the values: they may be personal data) let the conflict strategies see which
 * fields HubSpot changed since.
 */
import { createHash } from 'node:crypto';

/** A short SHA-256, in base64url: stored hashes stay small. */
export function shortDigest(value: string, length: number): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, length);
}

/** The mapping's `syncHash` for these properties: equal hashes mean HubSpot holds what Buildium has. */
export function syncHashOf(properties: Readonly<Record<string, string>>): string {
  return shortDigest(JSON.stringify(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : 1))), 32);
}

/** A field's hash as kept in the mapping's `extra.fields`. */
export function fieldHash(value: string): string {
  return shortDigest(value, 12);
}

export function fieldHashes(properties: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, fieldHash(v)]));
}

/** The fields of `next` that differ from what was last written, and fields since cleared (sent empty). */
export function changedFields(next: Readonly<Record<string, string>>, written: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (!written) return { ...next };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(next)) if (written[k] !== fieldHash(v)) out[k] = v;
  for (const k of Object.keys(written)) if (!(k in next)) out[k] = '';
  return out;
}

/** The claim table's key for a tenant's email: a hash, so the table holds no address. */
export function emailClaimKey(email: string): string {
  return shortDigest(email, 32);
}
