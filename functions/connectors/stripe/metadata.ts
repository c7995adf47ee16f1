/**
 * Stripe metadata rules, checked before a request is sent.
 *
 * Stripe refuses a whole update when one pair breaks a limit
 * (https://docs.stripe.com/api/metadata): at most 50 keys, keys of at most 40 characters without
 * square brackets, values of at most 500 characters, strings only. Checking here turns that into a
 * ValidationError naming the key, before any call, so the landlord's sync records which field is at
 * fault instead of Stripe's generic `param: "metadata"`.
 *
 * Lengths count Unicode code points, as Stripe's Ruby API counts characters (`String#length`);
 * an emoji is one character, not two UTF-16 units.
 */
import { ValidationError, type FieldIssue } from '../../core/errors.js';

export const STRIPE_METADATA_MAX_KEYS = 50;
export const STRIPE_METADATA_MAX_KEY_LENGTH = 40;
export const STRIPE_METADATA_MAX_VALUE_LENGTH = 500;

/** Metadata as Stripe stores it. An empty string in an update unsets that key. */
export type StripeMetadata = Record<string, string>;

const characters = (text: string) => [...text].length;
/** A key far over the limit is cut in messages, so one bad key cannot flood a log line. */
const shown = (key: string) => (key.length > 60 ? `${key.slice(0, 57)}...` : key);
/** A lone surrogate cannot be UTF-8 encoded (encodeURIComponent throws URIError on one). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Returns `record` as Stripe metadata (keys whose value is undefined left out), or throws a ValidationError (code `stripe_metadata_invalid`)
 * whose message and `details[].path` (`metadata[key]`) name every offending key.
 */
export function validateStripeMetadata(record: Readonly<Record<string, unknown>>): StripeMetadata {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new ValidationError('Stripe metadata must be an object of string values', [{ path: 'metadata', message: 'not an object' }], 'stripe_metadata_invalid');
  }
  const issues: FieldIssue[] = [];
  // An undefined value is an absent key (as in JSON), not the text "undefined".
  const keys = Object.keys(record).filter((key) => record[key] !== undefined);
  if (keys.length > STRIPE_METADATA_MAX_KEYS) {
    issues.push({ path: 'metadata', message: `has ${keys.length} keys; Stripe allows at most ${STRIPE_METADATA_MAX_KEYS}` });
  }
  const metadata: StripeMetadata = {};
  for (const key of keys) {
    const value = record[key];
    const path = `metadata[${shown(key)}]`;
    if (key === '') issues.push({ path, message: 'key is empty' });
    else if (/[[\]]/.test(key)) issues.push({ path, message: 'key contains a square bracket, which Stripe does not allow' });
    else if (characters(key) > STRIPE_METADATA_MAX_KEY_LENGTH) {
      issues.push({ path, message: `key is ${characters(key)} characters; Stripe allows at most ${STRIPE_METADATA_MAX_KEY_LENGTH}` });
    } else if (LONE_SURROGATE.test(key)) issues.push({ path, message: 'key is not valid Unicode' });
    if (typeof value !== 'string') {
      issues.push({ path, message: `value must be a string, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` });
      continue;
    }
    if (characters(value) > STRIPE_METADATA_MAX_VALUE_LENGTH) {
      issues.push({ path, message: `value is ${characters(value)} characters; Stripe allows at most ${STRIPE_METADATA_MAX_VALUE_LENGTH}` });
    } else if (LONE_SURROGATE.test(value)) issues.push({ path, message: 'value is not valid Unicode' });
    metadata[key] = value;
  }
  if (issues.length > 0) {
    throw new ValidationError(`Invalid Stripe metadata: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues, 'stripe_metadata_invalid');
  }
  return metadata;
}

/**
 * The form-encoded body Stripe reads as a metadata hash: `metadata[key]=value` pairs joined by `&`.
 * Key and value are percent-encoded (a `&`, `=`, `+` or `%` in either stays data); the brackets are
 * left literal, as Stripe's own libraries send them. An empty value is sent as `metadata[key]=`,
 * which unsets the key.
 */
export function formEncodeMetadata(metadata: Readonly<StripeMetadata>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `metadata[${encodeURIComponent(key)}]=${encodeURIComponent(value)}`)
    .join('&');
}
