/**
 * Buildium webhook signatures (issue 5 §3): `buildium-webhook-signature` holds the base64
 * HMAC-SHA256, keyed by the webhook's signing secret, of `timestamp + "." + rawBody`, where the
 * timestamp is `buildium-webhook-timestamp` (unix seconds; milliseconds are read too, by length).
 * Older or newer than 5 minutes is refused (a replay, a forged clock). The body is the raw bytes
 * as received; the comparison is constant-time.
 *
 * `POST /webhooks/buildium` (functions/buildium-scheduler) verifies with it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const BUILDIUM_SIGNATURE_HEADER = 'buildium-webhook-signature';
export const BUILDIUM_TIMESTAMP_HEADER = 'buildium-webhook-timestamp';
export const MAX_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

export function signBuildium(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('base64');
}

export type BuildiumSignatureCheck = { readonly valid: true } | { readonly valid: false; readonly reason: string };

export interface BuildiumSignedRequest {
  /** Header lookup, case-insensitive. */
  readonly header: (name: string) => string | undefined;
  readonly rawBody: Buffer | string;
  readonly secret: string;
  /** Our clock, epoch milliseconds. */
  readonly now: number;
}

/** The reason is for logs and metrics only: callers answer a bare 401. */
export function verifyBuildiumSignature(request: BuildiumSignedRequest): BuildiumSignatureCheck {
  if (!request.secret) return { valid: false, reason: 'no signing secret configured' };
  const signature = request.header(BUILDIUM_SIGNATURE_HEADER)?.trim();
  if (!signature) return { valid: false, reason: 'no buildium-webhook-signature header' };
  const timestamp = request.header(BUILDIUM_TIMESTAMP_HEADER)?.trim();
  if (!timestamp) return { valid: false, reason: 'no buildium-webhook-timestamp header' };
  if (!/^\d{9,16}$/.test(timestamp)) return { valid: false, reason: 'timestamp is not a unix time' };
  const ms = timestamp.length >= 13 ? Number(timestamp) : Number(timestamp) * 1000;
  const skew = request.now - ms;
  if (skew > MAX_TIMESTAMP_SKEW_MS) return { valid: false, reason: 'timestamp older than 5 minutes' };
  if (-skew > MAX_TIMESTAMP_SKEW_MS) return { valid: false, reason: 'timestamp more than 5 minutes ahead' };
  const received = Buffer.from(signature, 'base64');
  const expected = Buffer.from(signBuildium(request.secret, timestamp, request.rawBody), 'base64');
  if (received.length !== expected.length) return { valid: false, reason: 'signature is not a base64 HMAC-SHA256' };
  if (timingSafeEqual(expected, received)) return { valid: true };
  // The document signs the event "with all newlines removed and no spaces after the colon": a
  // proxy that pretty-printed the body still verifies over its compact form.
  const compact = compactJson(request.rawBody);
  if (compact !== undefined && timingSafeEqual(Buffer.from(signBuildium(request.secret, timestamp, compact), 'base64'), received)) return { valid: true };
  return { valid: false, reason: 'signature mismatch' };
}

function compactJson(raw: Buffer | string): string | undefined {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (!/[\n\r]|":\s/.test(text)) return undefined;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}
