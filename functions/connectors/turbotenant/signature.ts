/**
 * TurboTenant event signatures, as our contract defines them (`shared/CONTRACT.md`, "TurboTenant
 * events"):
 *   X-TurboTenant-Timestamp: <unix seconds>
 *   X-TurboTenant-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>
 * A timestamp more than 5 minutes old (a replay) or ahead (a forged clock) is refused. The
 * signature header may hold several comma-separated entries (`v1=a,v1=b`) so TurboTenant can sign
 * with the old and the new secret while one is rotated; any `v1` entry that matches will do, and
 * entries of other schemes are ignored, so a later `v2` can be added beside `v1`.
 *
 * The body is the raw bytes as received, never re-serialised JSON; comparisons are constant-time.
 * Used by the event route and by the local TurboTenant sandbox, which signs what it sends.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TURBOTENANT_TIMESTAMP_HEADER = 'x-turbotenant-timestamp';
export const TURBOTENANT_SIGNATURE_HEADER = 'x-turbotenant-signature';
export const TURBOTENANT_SIGNATURE_SCHEME = 'v1';
/** How far a timestamp may be from our clock, either way. */
export const MAX_TIMESTAMP_SKEW_SECONDS = 5 * 60;
/** More entries than any rotation needs; bounds the work a forged header can cause. */
const MAX_SIGNATURE_ENTRIES = 8;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Hex HMAC-SHA256 of `timestamp + "." + rawBody`, keyed by the shared secret. */
export function signTurboTenant(secret: string, timestamp: string | number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** Both headers of a signed event, as TurboTenant (or the sandbox) sends them. */
export function turboTenantSignatureHeaders(secret: string, rawBody: Buffer | string, nowMs: number = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'X-TurboTenant-Timestamp': timestamp,
    'X-TurboTenant-Signature': `${TURBOTENANT_SIGNATURE_SCHEME}=${signTurboTenant(secret, timestamp, rawBody)}`,
  };
}

export type TurboTenantSignatureCheck = { readonly valid: true } | { readonly valid: false; readonly reason: string };

export interface TurboTenantSignedRequest {
  /** Header lookup, case-insensitive. */
  readonly header: (name: string) => string | undefined;
  readonly rawBody: Buffer | string;
  readonly secret: string;
  /** Our clock, epoch milliseconds. */
  readonly now: number;
}

/**
 * Checks an event's signature. The reason is for logs and metrics only: callers answer a bare 401,
 * so a forger learns nothing from it.
 */
export function verifyTurboTenantSignature(request: TurboTenantSignedRequest): TurboTenantSignatureCheck {
  if (!request.secret) return { valid: false, reason: 'no signing secret configured' };
  const signature = request.header(TURBOTENANT_SIGNATURE_HEADER);
  if (signature === undefined || signature.trim() === '') return { valid: false, reason: 'no X-TurboTenant-Signature header' };
  const timestamp = request.header(TURBOTENANT_TIMESTAMP_HEADER)?.trim();
  if (timestamp === undefined || timestamp === '') return { valid: false, reason: 'no X-TurboTenant-Timestamp header' };
  if (/^\d{13,}$/.test(timestamp)) return { valid: false, reason: 'timestamp is in milliseconds; the contract says unix seconds' };
  if (!/^\d{1,12}$/.test(timestamp)) return { valid: false, reason: 'timestamp is not unix seconds' };

  const skew = Math.floor(request.now / 1000) - Number(timestamp);
  if (skew > MAX_TIMESTAMP_SKEW_SECONDS) return { valid: false, reason: 'timestamp older than 5 minutes' };
  if (-skew > MAX_TIMESTAMP_SKEW_SECONDS) return { valid: false, reason: 'timestamp more than 5 minutes ahead' };

  const entries = signature.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length > MAX_SIGNATURE_ENTRIES) return { valid: false, reason: `more than ${MAX_SIGNATURE_ENTRIES} signature entries` };
  const candidates: string[] = [];
  const otherSchemes = new Set<string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const scheme = entry.slice(0, eq).trim().toLowerCase();
    const value = entry.slice(eq + 1).trim();
    if (scheme === TURBOTENANT_SIGNATURE_SCHEME) candidates.push(value);
    else otherSchemes.add(scheme.slice(0, 16));
  }
  if (candidates.length === 0) {
    return {
      valid: false,
      reason: otherSchemes.size ? `no v1 signature (got ${[...otherSchemes].join(', ')})` : 'malformed X-TurboTenant-Signature header (expected v1=<hex>)',
    };
  }
  const wellFormed = candidates.filter((value) => HEX_SHA256.test(value));
  if (wellFormed.length === 0) return { valid: false, reason: 'v1 signature is not 64 hex characters' };

  const expected = Buffer.from(signTurboTenant(request.secret, timestamp, request.rawBody), 'hex');
  // Every candidate is compared, match or not, so the time taken says nothing about which one matched.
  let matched = false;
  for (const value of wellFormed) {
    if (timingSafeEqual(expected, Buffer.from(value, 'hex'))) matched = true;
  }
  return matched ? { valid: true } : { valid: false, reason: 'signature mismatch' };
}
