/**
 * API Gateway (HTTP API, payload 2.0) request and response shaping shared by the HTTP handlers.
 * Errors follow CONTRACT.md: `{"error":{"code","message","details":[{"path","message"}]}}`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from '../core/errors.js';
import type { Log } from '../core/ports.js';
import { secretProblem, UnsetSecretError } from '../core/secret-policy.js';
import { reportUnsetSecret } from './observability.js';

/** CONTRACT.md: bodies over 256 KB are refused outside `/webhooks/*` (1 MB there). */
export const MAX_BODY_BYTES = 256 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The raw body as bytes, exactly as received (base64-decoded when API Gateway encoded it). */
export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

export function readJsonBody(event: APIGatewayProxyEventV2, maxBytes: number = MAX_BODY_BYTES): unknown {
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType.trim())) {
    throw new ValidationError(
      'Content-Type must be application/json',
      [{ path: 'headers.content-type', message: contentType ? `got ${contentType.slice(0, 100)}` : 'missing' }],
      'unsupported_media_type',
      415,
    );
  }
  const body = rawBody(event);
  if (body.byteLength > maxBytes) {
    throw new ValidationError(`Body is ${body.byteLength} bytes; the limit is ${maxBytes}`, [], 'payload_too_large', 413);
  }
  const text = body.toString('utf8');
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new ValidationError(`Body nests ${depth} levels deep; the limit is ${MAX_JSON_DEPTH}`, [{ path: '', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }], 'too_deep');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError('Body is not valid JSON', [{ path: '', message: (error as Error).message }], 'malformed_json');
  }
}

/** The body of an operation that takes no input: none, or an empty JSON object. */
export const NoInputSchema = z.strictObject({});

/**
 * The body of a route whose body is optional (an operation with no required input): an empty body
 * reads as `{}`; anything else must be the JSON the schema allows, so a malformed, oversized or
 * unexpected body is refused (400, 413, 415) instead of ignored.
 */
export function readOptionalJsonBody<T>(event: APIGatewayProxyEventV2, schema: z.ZodType<T>, what: string): T {
  const empty = rawBody(event).byteLength === 0;
  return validate(schema, empty ? {} : readJsonBody(event), what);
}

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, message: 'unknown field' }));
    }
    return [{ path, message: issue.message }];
  });
}

export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = issuesOf(result.error);
    const first = details[0];
    throw new ValidationError(first ? `Invalid ${what}: ${first.path || '(body)'} ${first.message}` : `Invalid ${what}`, details);
  }
  return result.data;
}

export function errorResponse(error: unknown, log: Log): APIGatewayProxyStructuredResultV2 {
  if (error instanceof ValidationError) {
    return json(error.status, { error: { code: error.code, message: error.message, details: error.details } });
  }
  if (error instanceof NotFoundError) {
    return json(404, { error: { code: 'not_found', message: error.message, details: [] } });
  }
  if (error instanceof ConflictError) {
    return json(409, { error: { code: error.code, message: error.message, details: [] } });
  }
  log.error('Request failed', { error });
  return json(500, { error: { code: 'internal_error', message: 'Internal error; the request was not completed', details: [] } });
}

/** What a signed route reports to: its logger and its metrics (Powertools). */
export interface SignatureSink {
  readonly log: { warn(message: string, ...extra: Record<string, unknown>[]): void; error(message: string, ...extra: Record<string, unknown>[]): void };
  readonly metrics: {
    addMetric(name: string, unit: 'Count', value: number): void;
    publishStoredMetrics(): void;
    singleMetric(): { addDimension(name: string, value: string): void; addMetric(name: string, unit: 'Count', value: number): void };
  };
}

export type SignatureCheckResult = { readonly valid: true } | { readonly valid: false; readonly reason: string };

const UNAUTHORIZED = () => json(401, { error: { code: 'unauthorized', message: 'Unauthorized', details: [] } });

/**
 * The gate of every signed route (HubSpot, Buildium, TurboTenant). The signing secrets are read and
 * judged first (issue 12 §2): one that is unset, still the stack's placeholder or too short to be
 * real is never verified against (anyone can sign with a public value), and is logged and counted
 * as `SecretUnset` with the `Secret` it names, which an alarm watches; with no usable secret every
 * request is refused. Then the signature, against each usable secret (HubSpot: the static app's
 * and the OAuth app's, whichever app sent the delivery): a failed check is logged and counted
 * under `what.metric`. Either way the caller gets a bare 401 and learns nothing.
 */
export async function checkSignedRequest<C extends SignatureCheckResult>(
  event: APIGatewayProxyEventV2,
  signing: SigningSecret | readonly SigningSecret[],
  verify: (secret: string) => C,
  sink: SignatureSink,
  what: { message: string; metric: string },
): Promise<{ readonly refused: APIGatewayProxyStructuredResultV2 } | { readonly accepted: Extract<C, { valid: true }> }> {
  const usable: string[] = [];
  for (const one of Array.isArray(signing) ? signing : [signing as SigningSecret]) {
    try {
      const secret = await one.secret();
      const problem = secretProblem(secret, { signing: true });
      if (problem === 'unset' && one.optional) continue;
      if (problem) throw new UnsetSecretError(one.name, problem);
      usable.push(secret!.trim());
    } catch (error) {
      if (!(error instanceof UnsetSecretError)) throw error;
      reportUnsetSecret(error, sink);
    }
  }
  if (usable.length === 0) return { refused: UNAUTHORIZED() };
  let refusal: C | undefined;
  for (const secret of usable) {
    const check = verify(secret);
    if (check.valid) return { accepted: check as Extract<C, { valid: true }> };
    refusal ??= check;
  }
  sink.log.warn(what.message, { reason: refusal && !refusal.valid ? refusal.reason : 'refused', sourceIp: event.requestContext.http.sourceIp });
  sink.metrics.addMetric(what.metric, 'Count', 1);
  sink.metrics.publishStoredMetrics();
  return { refused: UNAUTHORIZED() };
}

/**
 * A secret a signed route verifies with, named for logs and alarms (`hubspot.clientSecret`). An
 * optional one (the OAuth app's, when there is no OAuth app) that is unset is skipped quietly.
 */
export interface SigningSecret {
  readonly name: string;
  readonly secret: () => Promise<string | undefined>;
  readonly optional?: boolean;
}

/** DynamoDB refuses a key over 2,048 bytes; ids in paths are far shorter than this. */
export const MAX_PATH_PARAMETER_BYTES = 1024;

/**
 * The route's path parameters, each checked for length: an id too long to be one names nothing
 * (404), rather than reaching the database as a key it refuses.
 */
export function pathParams<K extends string>(event: APIGatewayProxyEventV2, ...names: K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const name of names) {
    const value = event.pathParameters?.[name] ?? '';
    if (Buffer.byteLength(value) > MAX_PATH_PARAMETER_BYTES) throw new NotFoundError(`No ${name} of ${Buffer.byteLength(value)} bytes`);
    out[name] = value;
  }
  return out;
}

/** JSON nested deeper than this is refused before it is parsed (and re-serialized) by anyone. */
export const MAX_JSON_DEPTH = 64;

/** How deep a JSON text nests, without parsing it (brackets outside strings). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}
