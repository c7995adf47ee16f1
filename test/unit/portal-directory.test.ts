/**
 * The portal found (issue 12 §1): with no portal id configured, the directory asks HubSpot which
 * portal the token belongs to, once per execution environment; a configured id wins; a failed
 * lookup is not kept; a refused token or an unset one is a misconfiguration naming what to fix.
 */
import { describe, expect, it } from 'vitest';
import { PortalDirectory, type PortalSources } from '../../functions/connectors/hubspot/portals.js';
import { CredentialsRefusedError, MisconfiguredError, RetryableError } from '../../functions/core/errors.js';
import { UnsetSecretError } from '../../functions/core/secret-policy.js';

function directory(overrides: Partial<PortalSources> = {}) {
  const lookups: string[] = [];
  const sources: PortalSources = {
    portalId: async () => undefined,
    accessToken: async () => 'pat-na1-token',
    lookupPortalId: async (token) => {
      lookups.push(await token());
      return '62515';
    },
    portals: async () => undefined,
    defaultConflictRule: 'hubspot_wins',
    ...overrides,
  };
  return { directory: new PortalDirectory(sources), lookups };
}

describe('PortalDirectory', () => {
  it('asks HubSpot for the portal of the token once, however many events and calls follow', async () => {
    // Prepare
    const { directory: portals, lookups } = directory();
    // Act
    const results = await Promise.all([portals.primaryPortalId(), portals.get('62515'), portals.get('62515'), portals.get('99999')]);
    // Assess
    expect(results[0]).toBe('62515');
    expect(results[1]).toMatchObject({ portalId: '62515', conflictRule: 'hubspot_wins' });
    expect(await results[1]!.accessToken()).toBe('pat-na1-token');
    expect(results[3]).toBeUndefined();
    expect(lookups).toEqual(['pat-na1-token']);
  });

  it('takes a configured portal id over HubSpot\'s answer, and never asks', async () => {
    const { directory: portals, lookups } = directory({ portalId: async () => 12345 });
    expect(await portals.primaryPortalId()).toBe('12345');
    expect(await portals.get('62515')).toBeUndefined();
    expect(lookups).toEqual([]);
  });

  it('does not keep a failed lookup: the next call asks again', async () => {
    // Prepare: HubSpot is down once, then answers.
    let calls = 0;
    const { directory: portals } = directory({
      lookupPortalId: async () => {
        calls += 1;
        if (calls === 1) throw new RetryableError('HubSpot 503');
        return '62515';
      },
    });
    // Act + Assess
    await expect(portals.primaryPortalId()).rejects.toBeInstanceOf(RetryableError);
    expect(await portals.primaryPortalId()).toBe('62515');
    expect(calls).toBe(2);
  });

  it('turns a refused token into a misconfiguration that says what to fix', async () => {
    const { directory: portals } = directory({
      lookupPortalId: async () => {
        throw new CredentialsRefusedError('HubSpot refused the credentials (403): MISSING_SCOPES', 403);
      },
    });
    const error = await portals.primaryPortalId().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MisconfiguredError);
    expect((error as Error).message).toMatch(/\(403\).*"oauth" scope.*HUBSPOT_PORTAL_ID/);
  });

  it('lets an event of an unknown portal wait (throws) while the primary portal cannot be known, rather than skip it', async () => {
    const { directory: portals } = directory({
      accessToken: async () => {
        throw new UnsetSecretError('hubspot.accessToken', 'placeholder');
      },
      lookupPortalId: async (token) => (await token(), '62515'),
    });
    await expect(portals.get('62515')).rejects.toBeInstanceOf(UnsetSecretError);
  });

  it('still serves a portal of the static map while the primary cannot be known', async () => {
    const { directory: portals } = directory({
      accessToken: async () => {
        throw new UnsetSecretError('hubspot.accessToken', 'unset');
      },
      lookupPortalId: async (token) => (await token(), '62515'),
      portals: async () => ({ '777': { accessToken: 'pat-other' } }),
    });
    const settings = await portals.get('777');
    expect(await settings!.accessToken()).toBe('pat-other');
  });

  it('refuses a portal id that is not a number, naming the setting', async () => {
    const { directory: portals } = directory({ portalId: async () => 'abc' });
    await expect(portals.primaryPortalId()).rejects.toThrow(/portalId \(HUBSPOT_PORTAL_ID\) must be a number/);
  });
});
