/**
 * HubSpot request signatures (`shared/specs/hubspot/SIGNATURES.md`; HubSpot docs "Validate
 * requests from HubSpot"):
 * - v3: base64 HMAC-SHA256, keyed by the app's client secret, of METHOD + URI + rawBody + timestamp,
 *   in `X-HubSpot-Signature-v3`, with `X-HubSpot-Request-Timestamp` (epoch ms) no more than five
 *   minutes old (and, our rule, no more than five minutes ahead);
 * - v1 (legacy): hex SHA-256 of clientSecret + rawBody; v2 (legacy): hex SHA-256 of
 *   clientSecret + METHOD + URI + rawBody, in `X-HubSpot-Signature` with `-Version`.
 * The body is the raw bytes as received, never re-serialised JSON; comparisons are constant-time.
 *
 * Used by the webhook route (issue 3) and by the local HubSpot sandbox, which signs its deliveries.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot rejects requests whose timestamp is older than this; we also reject ones this far ahead. */
export const MAX_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

/**
 * HubSpot's docs have receivers decode these escapes in the URI before hashing, because HubSpot
 * signs the URI with them decoded.
 */
const DECODED_IN_URI: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

export function normalizeSignedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED_IN_URI[escape.toUpperCase()] ?? escape);
}

export function signV3(clientSecret: string, method: string, uri: string, rawBody: Buffer | string, timestamp: string): string {
  return createHmac('sha256', clientSecret)
    .update(`${method.toUpperCase()}${normalizeSignedUri(uri)}`)
    .update(rawBody)
    .update(timestamp)
    .digest('base64');
}

export function signV1(clientSecret: string, rawBody: Buffer | string): string {
  return createHash('sha256').update(clientSecret).update(rawBody).digest('hex');
}

export function signV2(clientSecret: string, method: string, uri: string, rawBody: Buffer | string): string {
  return createHash('sha256').update(`${clientSecret}${method.toUpperCase()}${uri}`).update(rawBody).digest('hex');
}

export type SignatureVersion = 'v1' | 'v2' | 'v3';

export type SignatureCheck =
  | { readonly valid: true; readonly version: SignatureVersion }
  | { readonly valid: false; readonly reason: string };

export interface SignedRequest {
  readonly method: string;
  /** The full URL HubSpot called, as configured (scheme, host, path, query); never rebuilt from proxy headers. */
  readonly uri: string;
  readonly rawBody: Buffer;
  /** Header lookup, case-insensitive. */
  readonly header: (name: string) => string | undefined;
}

export interface VerifyOptions {
  readonly clientSecret: string;
  readonly now: number;
  /** Accept v1/v2 signatures (apps created before v3); off unless configured. */
  readonly acceptLegacy?: boolean;
}

/**
 * Checks a request's signature. The reason is for logs and metrics only: callers answer a bare
 * 401, so a forger learns nothing.
 */
export function verifyHubSpotSignature(request: SignedRequest, options: VerifyOptions): SignatureCheck {
  const v3 = request.header('x-hubspot-signature-v3');
  if (v3 !== undefined) {
    const timestamp = request.header('x-hubspot-request-timestamp');
    if (!timestamp || !/^\d{1,16}$/.test(timestamp)) return { valid: false, reason: 'v3 signature without a valid timestamp' };
    const skew = options.now - Number(timestamp);
    if (skew > MAX_TIMESTAMP_SKEW_MS) return { valid: false, reason: 'timestamp older than 5 minutes' };
    if (-skew > MAX_TIMESTAMP_SKEW_MS) return { valid: false, reason: 'timestamp more than 5 minutes ahead' };
    const expected = signV3(options.clientSecret, request.method, request.uri, request.rawBody, timestamp);
    return sameSecret(expected, v3, 'base64') ? { valid: true, version: 'v3' } : { valid: false, reason: 'v3 signature mismatch' };
  }
  const legacy = request.header('x-hubspot-signature');
  if (legacy === undefined) return { valid: false, reason: 'no signature header' };
  if (!options.acceptLegacy) return { valid: false, reason: 'legacy (v1/v2) signatures are not accepted' };
  const version = (request.header('x-hubspot-signature-version') ?? 'v1').toLowerCase();
  if (version === 'v1') {
    const expected = signV1(options.clientSecret, request.rawBody);
    return sameSecret(expected, legacy, 'hex') ? { valid: true, version: 'v1' } : { valid: false, reason: 'v1 signature mismatch' };
  }
  if (version === 'v2') {
    const expected = signV2(options.clientSecret, request.method, request.uri, request.rawBody);
    return sameSecret(expected, legacy, 'hex') ? { valid: true, version: 'v2' } : { valid: false, reason: 'v2 signature mismatch' };
  }
  return { valid: false, reason: `unknown signature version ${version.slice(0, 10)}` };
}

/**
 * Constant-time comparison of an expected digest with the one received. Both are decoded to bytes
 * first; a received value of another length fails without comparing (its length is no secret).
 */
function sameSecret(expected: string, received: string, encoding: 'base64' | 'hex'): boolean {
  const a = Buffer.from(expected, encoding);
  const b = Buffer.from(received.trim(), encoding);
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
