/**
 * Stripe's error shape (https://docs.stripe.com/api/errors):
 * `{"error":{"type","code","message","param","doc_url"}}`.
 */
export type JsonBody = Record<string, unknown>;

export interface StripeErrorFields {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  param?: string;
}

export class StripeHttpError extends Error {
  readonly body: JsonBody;

  constructor(
    readonly status: number,
    fields: StripeErrorFields,
    readonly headers: Record<string, string> = {},
  ) {
    super(fields.message);
    const doc = fields.code ? { doc_url: `https://stripe.com/docs/error-codes/${fields.code.replaceAll('_', '-')}` } : {};
    this.body = { error: { ...(fields.code ? { code: fields.code } : {}), ...doc, message: fields.message, ...(fields.param ? { param: fields.param } : {}), type: fields.type } };
  }
}

export function invalidRequest(message: string, param?: string, code?: string): StripeHttpError {
  return new StripeHttpError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) });
}

export function noSuchCustomer(id: string): StripeHttpError {
  return new StripeHttpError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such customer: '${id}'`, param: 'id' });
}

export function unrecognizedUrl(method: string, path: string): StripeHttpError {
  return new StripeHttpError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

const AUTH_HEADERS = { 'WWW-Authenticate': 'Bearer realm="Stripe"' };

export function missingApiKey(): StripeHttpError {
  return new StripeHttpError(
    401,
    {
      type: 'invalid_request_error',
      message:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    },
    AUTH_HEADERS,
  );
}

/** Stripe echoes a wrong key masked: its prefix and its last four characters. */
export function invalidApiKey(given: string): StripeHttpError {
  const prefix = /^[a-z]{2}_(?:test_|live_)?/.exec(given)?.[0] ?? '';
  const masked = given.length > prefix.length + 8 ? `${prefix}${'*'.repeat(given.length - prefix.length - 4)}${given.slice(-4)}` : `${prefix}****`;
  return new StripeHttpError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${masked}` }, AUTH_HEADERS);
}

export function rateLimited(message?: string): StripeHttpError {
  return new StripeHttpError(429, {
    type: 'invalid_request_error',
    code: 'rate_limit',
    message: message ?? 'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
  });
}

export function forStatus(status: number, message?: string): StripeHttpError {
  if (status === 429) return rateLimited(message);
  if (status === 404) return new StripeHttpError(404, { type: 'invalid_request_error', message: message ?? 'Not found' });
  if (status >= 500) return new StripeHttpError(status, { type: 'api_error', message: message ?? 'An unknown error occurred' });
  return new StripeHttpError(status, { type: 'invalid_request_error', message: message ?? `HTTP ${status}` });
}
