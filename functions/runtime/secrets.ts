/**
 * Provider credentials. In AWS the function gets the secret's ARN and reads its JSON value from
 * Secrets Manager through Powertools (cached for five minutes, so a rotated token is picked up
 * without a deploy). Locally, where no ARN is set, each field comes from its own environment
 * variable (CONTRACT.md: HUBSPOT_ACCESS_TOKEN, ...). Values are never logged.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';

// Only the field asked for must be a string: an operator storing `appId` as a number must not
// make the access token unreadable.
const SecretValue = z.record(z.string(), z.unknown());
const CACHE_SECONDS = 300;

export interface SecretSource {
  /** Environment variable holding the secret ARN in AWS. */
  readonly arnEnvVar: string;
  /** JSON field → local environment variable. */
  readonly fields: Readonly<Record<string, string>>;
}

export const HUBSPOT_SECRET: SecretSource = {
  arnEnvVar: 'HUBSPOT_SECRET_ARN',
  fields: { accessToken: 'HUBSPOT_ACCESS_TOKEN', clientSecret: 'HUBSPOT_CLIENT_SECRET', appId: 'HUBSPOT_APP_ID' },
};

export function secretField(source: SecretSource, field: string): () => Promise<string> {
  const localVar = source.fields[field];
  if (!localVar) throw new Error(`Unknown secret field ${field}`);
  return async () => {
    const arn = process.env[source.arnEnvVar];
    if (arn) {
      // Parsed here, not with Powertools' `transform: 'json'`: its error quotes the value, so a
      // secret holding the bare token would put the token in the error and the logs.
      const raw = await getSecret(arn, { maxAge: CACHE_SECONDS });
      const value = SecretValue.safeParse(parseJsonObject(raw));
      if (!value.success) throw new Error(`Secret ${source.arnEnvVar} must hold a JSON object with the field "${field}"`);
      const found = value.data[field];
      if (typeof found !== 'string' || found === '') throw new Error(`Secret ${source.arnEnvVar} has no string field "${field}"`);
      return found;
    }
    const local = process.env[localVar];
    if (!local) throw new Error(`Missing credential: set ${localVar} (or ${source.arnEnvVar} in AWS)`);
    return local;
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
