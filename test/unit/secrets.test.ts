import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnsetSecretError } from '../../functions/core/secret-policy.js';
import { HUBSPOT_SECRET, optionalSecretField, secretField } from '../../functions/runtime/secrets.js';

const secrets = mockClient(SecretsManagerClient);
const TOKEN = 'pat-na1-aaaa-bbbb';

/** Powertools caches by secret name for the process, so each test reads its own secret. */
let arnCounter = 0;
const newArn = () => `arn:aws:secretsmanager:us-east-1:123456789012:secret:hubspot-${(arnCounter += 1)}`;

beforeEach(() => {
  secrets.reset();
  vi.stubEnv('HUBSPOT_SECRET_ARN', '');
  vi.stubEnv('HUBSPOT_ACCESS_TOKEN', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe('secretField', () => {
  it('reads the field from the JSON secret named by HUBSPOT_SECRET_ARN', async () => {
    // Prepare
    const arn = newArn();
    vi.stubEnv('HUBSPOT_SECRET_ARN', arn);
    vi.stubEnv('HUBSPOT_ACCESS_TOKEN', 'local-token-must-not-win');
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ accessToken: TOKEN, clientSecret: 'cs' }) });

    // Act
    const token = await secretField(HUBSPOT_SECRET, 'accessToken')();

    // Assess
    expect(token).toBe(TOKEN);
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([arn]);
  });

  it('keeps the value for a while instead of reading Secrets Manager on every call, then reads it again', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    const arn = newArn();
    vi.stubEnv('HUBSPOT_SECRET_ARN', arn);
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ accessToken: TOKEN }) })
      .resolves({ SecretString: JSON.stringify({ accessToken: 'rotated' }) });
    const accessToken = secretField(HUBSPOT_SECRET, 'accessToken');

    // Act
    const first = await accessToken();
    vi.advanceTimersByTime(60_000);
    const cached = await accessToken();
    vi.advanceTimersByTime(10 * 60_000);
    const later = await accessToken();

    // Assess
    expect([first, cached]).toEqual([TOKEN, TOKEN]);
    expect(later).toBe('rotated');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('says which field is missing from the secret, without showing the secret', async () => {
    // Prepare
    const arn = newArn();
    vi.stubEnv('HUBSPOT_SECRET_ARN', arn);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ clientSecret: 'very-secret-value' }) });

    // Act
    const reading = secretField(HUBSPOT_SECRET, 'accessToken')();

    // Assess
    await expect(reading).rejects.toThrow(/accessToken/);
    await expect(reading).rejects.toThrow(/HUBSPOT_SECRET_ARN/);
    await expect(reading).rejects.not.toThrow(/very-secret-value/);
  });

  it('reads the field even when another field of the secret is not a string', async () => {
    // Prepare
    const arn = newArn();
    vi.stubEnv('HUBSPOT_SECRET_ARN', arn);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: TOKEN, appId: 4242 }) });

    // Act
    const token = await secretField(HUBSPOT_SECRET, 'accessToken')();

    // Assess
    expect(token).toBe(TOKEN);
  });

  it('says the secret is not JSON when it holds the bare token, without showing the token', async () => {
    // Prepare
    const arn = newArn();
    vi.stubEnv('HUBSPOT_SECRET_ARN', arn);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TOKEN });

    // Act
    const reading = secretField(HUBSPOT_SECRET, 'accessToken')();

    // Assess
    const error = await reading.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/HUBSPOT_SECRET_ARN/);
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(TOKEN);
  });

  it('falls back to the local environment variable when no ARN is set', async () => {
    // Prepare
    vi.stubEnv('HUBSPOT_ACCESS_TOKEN', 'local-sandbox-token');

    // Act
    const token = await secretField(HUBSPOT_SECRET, 'accessToken')();

    // Assess
    expect(token).toBe('local-sandbox-token');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('names the variable to set when neither the ARN nor the local variable is there', async () => {
    // Act
    const reading = secretField(HUBSPOT_SECRET, 'accessToken')();

    // Assess
    await expect(reading).rejects.toThrow(/HUBSPOT_ACCESS_TOKEN/);
  });

  it('refuses a field the secret does not define at once', () => {
    // Act
    const build = () => secretField(HUBSPOT_SECRET, 'password');

    // Assess
    expect(build).toThrow(/password/);
  });
});

describe('secretField fails closed (issue 12 §2)', () => {
  it.each([
    ['the stack placeholder', 'REPLACE_ME', /hubspot\.accessToken still holds the placeholder REPLACE_ME/],
    ['an empty value', '', /hubspot\.accessToken is not set/],
    ['only spaces', '   ', /hubspot\.accessToken is not set/],
  ])('treats %s in AWS as unset, naming the field and not the value', async (_what, value, message) => {
    // Prepare
    const arn = newArn();
    vi.stubEnv('HUBSPOT_SECRET_ARN', arn);
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: JSON.stringify({ accessToken: value }) });
    // Act
    const error = await secretField(HUBSPOT_SECRET, 'accessToken')().catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(UnsetSecretError);
    expect((error as UnsetSecretError).secret).toBe('hubspot.accessToken');
    expect((error as Error).message).toMatch(message);
  });

  it('treats a signing secret shorter than 16 characters as unset, and a 16-character one as set', async () => {
    vi.stubEnv('HUBSPOT_CLIENT_SECRET', 'short-secret');
    await expect(secretField(HUBSPOT_SECRET, 'clientSecret')()).rejects.toThrow(/hubspot\.clientSecret is shorter than 16 characters \(set HUBSPOT_CLIENT_SECRET\)/);
    vi.stubEnv('HUBSPOT_CLIENT_SECRET', '0123456789abcdef');
    expect(await secretField(HUBSPOT_SECRET, 'clientSecret')()).toBe('0123456789abcdef');
  });

  it('reads an optional field still holding the placeholder as absent', async () => {
    vi.stubEnv('HUBSPOT_PORTAL_ID', 'REPLACE_ME');
    expect(await optionalSecretField(HUBSPOT_SECRET, 'portalId')()).toBeUndefined();
  });
});
