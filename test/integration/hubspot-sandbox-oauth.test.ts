/**
 * The HubSpot sandbox's OAuth (issue 12 §5), driven by the project's own OAuth client: authorize
 * approves and sends the person back with a code and the state, the code is good once, access
 * tokens open the CRM routes until they expire (then 401 EXPIRED_AUTHENTICATION, as HubSpot
 * answers), a refresh gives a new one, and an uninstalled app's refresh token is refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubSpotOAuthClient, OAuthGrantRefusedError } from '../../functions/connectors/hubspot/oauth.js';
import { PORTAL_ID } from '../../lib/local/sandboxes/hubspot/errors.js';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { ACCESS_TOKEN_TTL_SECONDS, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET } from '../../lib/local/sandboxes/hubspot/oauth.js';

const REDIRECT = 'http://127.0.0.1:9/oauth/hubspot/callback';
let sandbox: HubSpotSandbox;
let oauth: HubSpotOAuthClient;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: 'static-token', seed: true });
  oauth = new HubSpotOAuthClient({ baseUrl: sandbox.url, clientId: async () => SANDBOX_OAUTH_CLIENT_ID, clientSecret: async () => SANDBOX_OAUTH_CLIENT_SECRET });
});

afterAll(async () => {
  await sandbox?.close();
});

beforeEach(() => sandbox.reset());

/** The consent screen's redirect: the code and state it sends back. */
async function authorize(path = '/oauth/authorize', extra: Record<string, string> = {}): Promise<{ status: number; location: URL | undefined; body: string }> {
  const query = new URLSearchParams({ client_id: SANDBOX_OAUTH_CLIENT_ID, scope: 'oauth crm.objects.contacts.read', redirect_uri: REDIRECT, state: 'st-1', ...extra });
  const response = await fetch(`${sandbox.url}${path}?${query}`, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location) : undefined, body: await response.text() };
}

async function crm(token: string) {
  const response = await fetch(`${sandbox.url}/crm/v3/objects/contacts?limit=1`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const control = (method: string, path: string, body?: unknown) =>
  fetch(`${sandbox.url}/__sandbox/oauth${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('HubSpot sandbox OAuth', () => {
  it('approves an install: 302 back to the redirect URI with a code and the state', async () => {
    // Act
    const { status, location } = await authorize();

    // Assess
    expect(status).toBe(302);
    expect(`${location!.origin}${location!.pathname}`).toBe(REDIRECT);
    expect(location!.searchParams.get('state')).toBe('st-1');
    expect(location!.searchParams.get('code')).toMatch(/\S{20,}/);
  });

  it('trades the code once for a 30-minute token pair of the portal that installed', async () => {
    // Prepare
    const code = (await authorize('/oauth/777001/authorize')).location!.searchParams.get('code')!;

    // Act
    const grant = await oauth.exchangeCode(code, REDIRECT);
    const again = oauth.exchangeCode(code, REDIRECT);

    // Assess
    expect(grant).toMatchObject({ expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS, portalId: '777001', scopes: ['oauth', 'crm.objects.contacts.read'] });
    await expect(again).rejects.toBeInstanceOf(OAuthGrantRefusedError);
    await expect(again).rejects.toThrow(/BAD_AUTH_CODE/);
  });

  it('installs the portal a control sets, or a portalId query names; the default is the sandbox portal', async () => {
    // Prepare
    await control('PUT', '', { installPortalId: 880022 });

    // Act
    const byControl = await oauth.exchangeCode((await authorize()).location!.searchParams.get('code')!, REDIRECT);
    const byQuery = await oauth.exchangeCode((await authorize('/oauth/authorize', { portalId: '990033' })).location!.searchParams.get('code')!, REDIRECT);
    sandbox.reset();
    const byDefault = await oauth.exchangeCode((await authorize()).location!.searchParams.get('code')!, REDIRECT);

    // Assess
    expect([byControl.portalId, byQuery.portalId, byDefault.portalId]).toEqual(['880022', '990033', String(PORTAL_ID)]);
  });

  it('accepts an issued token on the CRM routes until it expires, then answers 401 EXPIRED_AUTHENTICATION; a refresh opens them again', async () => {
    // Prepare
    const grant = await oauth.exchangeCode((await authorize()).location!.searchParams.get('code')!, REDIRECT);
    const fresh = await crm(grant.accessToken);

    // Act
    await control('POST', '/clock', { advanceSeconds: ACCESS_TOKEN_TTL_SECONDS + 5 });
    const expired = await crm(grant.accessToken);
    const refreshed = await oauth.refresh(grant.refreshToken);
    const after = await crm(refreshed.accessToken);

    // Assess
    expect(fresh.status).toBe(200);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ category: 'EXPIRED_AUTHENTICATION', message: 'The OAuth token used to make this call expired 5 second(s) ago.' });
    expect(refreshed.accessToken).not.toBe(grant.accessToken);
    expect(refreshed.refreshToken).toBe(grant.refreshToken);
    expect(after.status).toBe(200);
    expect((await crm('never-issued')).status).toBe(401);
  });

  it('refuses the refresh token of an uninstalled app, and the wrong client, redirect URI or content type', async () => {
    // Prepare
    const grant = await oauth.exchangeCode((await authorize()).location!.searchParams.get('code')!, REDIRECT);
    const code = (await authorize()).location!.searchParams.get('code')!;
    const wrongSecret = new HubSpotOAuthClient({ baseUrl: sandbox.url, clientId: async () => SANDBOX_OAUTH_CLIENT_ID, clientSecret: async () => 'wrong-secret' });

    // Act
    const revoked = await (await control('POST', '/revoke', { portalId: PORTAL_ID })).json();
    const refresh = oauth.refresh(grant.refreshToken);
    const badRedirect = oauth.exchangeCode(code, 'http://127.0.0.1:9/elsewhere');
    const badSecret = wrongSecret.refresh('anything');
    const asJson = await fetch(`${sandbox.url}/oauth/2026-03/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

    // Assess
    expect(revoked).toEqual({ portalId: PORTAL_ID, revoked: 2 });
    await expect(refresh).rejects.toThrow(/BAD_REFRESH_TOKEN/);
    await expect(badRedirect).rejects.toThrow(/BAD_REDIRECT_URI/);
    await expect(badSecret).rejects.toThrow(/BAD_CLIENT_SECRET/);
    expect(asJson.status).toBe(415);
    expect((await crm(grant.accessToken)).status).toBe(401);
  });

  it('refuses an authorize of an unknown client, and still takes the static token', async () => {
    // Act
    const unknown = await authorize('/oauth/authorize', { client_id: 'someone-else' });

    // Assess
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeUndefined();
    expect((await crm('static-token')).status).toBe(200);
  });
});
