/**
 * What every provider client (HubSpot, TurboTenant, Buildium, Stripe) does the same way around
 * `fetch`: keep its credentials out of every error text, say why a request never got an answer,
 * read a body that may be cut off, parse JSON leniently, and read Retry-After. Each client keeps
 * its own classification of statuses, because each provider says different things with them.
 */
import { RetryableError } from '../core/errors.js';

/** Replaces each secret (and its URL-encoded form) with `[redacted]`; empty secrets are ignored. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const present = secrets.filter((s) => s.length > 0);
  return (text) => present.reduce((out, secret) => out.replaceAll(secret, '[redacted]').replaceAll(encodeURIComponent(secret), '[redacted]'), text);
}

/** Why a request got no answer: our timeout, or the connection and its cause. */
export function fetchFailureReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  return `connection failed (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`;
}

/** The body's text; a response cut off mid-body is transient. `what` names the request. */
export async function readText(response: Response, what: string): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw new RetryableError(`${what}: response cut off`, undefined, { cause: error });
  }
}

/**
 * JSON, or: undefined for an empty body; for a body that is not JSON, its first 200 characters
 * (`keepText`, so a proxy's error page can be quoted) or undefined.
 */
export function parseJson(text: string, options: { keepText: boolean }): unknown {
  if (options.keepText ? text === '' : text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return options.keepText ? text.slice(0, 200) : undefined;
  }
}

/** Longer than any provider asks for in earnest; a larger Retry-After is capped here. */
export const MAX_RETRY_AFTER_MS = 15 * 60 * 1000;

/**
 * The text with JSON's escapes of characters that never need one (letters, digits, `-_.:` and
 * `\/`) spelled out, so that a secret written with them (`\u0070at-…`) is redacted as text like
 * any other: it would otherwise survive redaction and parse back whole. Escaped backslashes are
 * kept as they are, so the JSON means the same. No recursion: safe on any nesting.
 */
export function unescapePlain(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\\\|\\u([0-9a-fA-F]{4})|\\\//g, (match: string, hex: string | undefined) => {
    if (match === '\\\\') return match;
    if (hex === undefined) return '/';
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return /^[A-Za-z0-9._:-]$/.test(char) ? char : match;
  });
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); capped at 15 minutes. */
export function retryAfterHeaderMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
}

/** A base URL given as text or read at call time (from a secret), without a trailing slash. */
export function baseUrlResolver(base: string | (() => Promise<string>)): () => Promise<string> {
  return typeof base === 'string' ? async () => base.replace(/\/+$/, '') : async () => (await base()).replace(/\/+$/, '');
}
