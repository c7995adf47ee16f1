/**
 * Provider credentials. In AWS the function gets the secret's ARN and reads its JSON value from
 * Secrets Manager through Powertools (cached for five minutes, so a rotated token is picked up
 * without a deploy). Locally, where no ARN is set, each field comes from its own environment
 * variable (CONTRACT.md: HUBSPOT_ACCESS_TOKEN, ...). Values are never logged.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';

const SecretValue = z.record(z.string(), z.string());
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
      const value = SecretValue.safeParse(await getSecret(arn, { transform: 'json', maxAge: CACHE_SECONDS }));
      const found = value.success ? value.data[field] : undefined;
      if (!found) throw new Error(`Secret ${source.arnEnvVar} has no string field "${field}"`);
      return found;
    }
    const local = process.env[localVar];
    if (!local) throw new Error(`Missing credential: set ${localVar} (or ${source.arnEnvVar} in AWS)`);
    return local;
  };
}
