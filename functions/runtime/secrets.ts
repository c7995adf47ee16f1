/**
 * Provider credentials. In AWS the function gets the secret's ARN and reads its JSON value from
 * Secrets Manager through Powertools (cached for five minutes, so a rotated token is picked up
 * without a deploy). Locally, where no ARN is set, each field comes from its own environment
 * variable (CONTRACT.md: HUBSPOT_ACCESS_TOKEN, ...). Values are never logged.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { secretProblem, UnsetSecretError } from '../core/secret-policy.js';

// Only the field asked for must be a string: an operator storing `appId` as a number must not
// make the access token unreadable.
const SecretValue = z.record(z.string(), z.unknown());
const CACHE_SECONDS = 300;

export interface SecretSource {
  /** The secret's id in lib/topology.ts; with a field it names a setting (`hubspot.clientSecret`). */
  readonly id: string;
  /** Environment variable holding the secret ARN in AWS. */
  readonly arnEnvVar: string;
  /** JSON field → local environment variable. */
  readonly fields: Readonly<Record<string, string>>;
  /** Fields that key a signature check: shorter than MIN_SIGNING_SECRET_LENGTH, they count as unset. */
  readonly signingFields?: readonly string[];
}

export const HUBSPOT_SECRET: SecretSource = {
  id: 'hubspot',
  signingFields: ['clientSecret', 'oauthClientSecret'],
  arnEnvVar: 'HUBSPOT_SECRET_ARN',
  fields: {
    accessToken: 'HUBSPOT_ACCESS_TOKEN',
    clientSecret: 'HUBSPOT_CLIENT_SECRET',
    appId: 'HUBSPOT_APP_ID',
    portalId: 'HUBSPOT_PORTAL_ID',
    portals: 'HUBSPOT_PORTALS',
    // The OAuth app installed in further portals (issue 12 §5); optional.
    oauthClientId: 'HUBSPOT_OAUTH_CLIENT_ID',
    oauthClientSecret: 'HUBSPOT_OAUTH_CLIENT_SECRET',
    oauthAppId: 'HUBSPOT_OAUTH_APP_ID',
  },
};

/**
 * A required field. One that is absent, empty, still the stack's placeholder or (for a signing
 * field) too short throws UnsetSecretError naming the field, never its value (issue 12 §2).
 */
export function secretField(source: SecretSource, field: string): () => Promise<string> {
  const read = fieldReader(source, field);
  const signing = source.signingFields?.includes(field) ?? false;
  return async () => {
    const found = await read();
    const value = found.from === 'aws' ? (typeof found.value === 'string' ? found.value : undefined) : found.text;
    const problem = secretProblem(value, { signing });
    if (problem) {
      const hint = found.from === 'aws' ? `field "${field}" of the secret named by ${source.arnEnvVar}` : `set ${found.localVar}`;
      throw new UnsetSecretError(`${source.id}.${field}`, problem, hint);
    }
    return value!.trim();
  };
}

/**
 * A field that may be absent, of any JSON type (a number, an object). Locally the variable's
 * text is parsed as JSON when it is JSON, else kept as a string. undefined when unset.
 */
export function optionalSecretField(source: SecretSource, field: string): () => Promise<unknown> {
  const read = fieldReader(source, field);
  return async () => {
    const found = await read();
    const value = found.from === 'aws' ? found.value : found.text ? (parseJsonObject(found.text) ?? found.text) : undefined;
    // The stack's placeholder is no setting: an optional field still holding it is absent.
    return typeof value === 'string' && secretProblem(value) !== undefined ? undefined : value;
  };
}

type FieldValue = { from: 'aws'; value: unknown } | { from: 'local'; localVar: string; text: string | undefined };

function fieldReader(source: SecretSource, field: string): () => Promise<FieldValue> {
  const localVar = source.fields[field];
  if (!localVar) throw new Error(`Unknown secret field ${field}`);
  return async () => {
    const arn = process.env[source.arnEnvVar];
    if (!arn) return { from: 'local', localVar, text: process.env[localVar] };
    // Parsed here, not with Powertools' `transform: 'json'`: its error quotes the value, so a
    // secret holding the bare token would put the token in the error and the logs.
    const raw = await getSecret(arn, { maxAge: CACHE_SECONDS });
    const value = SecretValue.safeParse(parseJsonObject(raw));
    if (!value.success) throw new Error(`Secret ${source.arnEnvVar} must hold a JSON object with the field "${field}"`);
    return { from: 'aws', value: value.data[field] };
  };
}

function parseJsonObject(raw: unknown): unknown {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export const TURBOTENANT_SECRET: SecretSource = {
  id: 'turbotenant',
  signingFields: ['webhookSecret'],
  arnEnvVar: 'TURBOTENANT_SECRET_ARN',
  fields: { apiKey: 'TURBOTENANT_API_KEY', webhookSecret: 'TURBOTENANT_WEBHOOK_SECRET', baseUrl: 'TURBOTENANT_BASE_URL' },
};

export const STRIPE_SECRET: SecretSource = {
  id: 'stripe',
  arnEnvVar: 'STRIPE_SECRET_ARN',
  fields: { apiKey: 'STRIPE_API_KEY', baseUrl: 'STRIPE_BASE_URL' },
};

export const BUILDIUM_SECRET: SecretSource = {
  id: 'buildium',
  signingFields: ['webhookSecret'],
  arnEnvVar: 'BUILDIUM_SECRET_ARN',
  fields: {
    clientId: 'BUILDIUM_CLIENT_ID',
    clientSecret: 'BUILDIUM_CLIENT_SECRET',
    webhookSecret: 'BUILDIUM_WEBHOOK_SECRET',
    baseUrl: 'BUILDIUM_BASE_URL',
  },
};
