/**
 * The hubspot-oauth function's routes, as API Gateway calls them (issue 12 §5): install redirects
 * with a stored state, the callback answers in the contract's error shape when the state is not
 * good, says which portal was connected (never a token) when it is, and the status lists installs
 * without tokens and with the reason of one that needs re-authorization.
 */
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../functions/core/errors.js';
import { makeHandler, type HubSpotOAuthDeps } from '../../functions/hubspot-oauth/handler.js';
import { answer, contractError, httpEvent, lambdaContext } from './support/lambda.js';
import { clock, InMemoryInstalls, InMemoryStates, PORTAL } from './support/oauth-fakes.js';

function deps(overrides: Partial<HubSpotOAuthDeps> = {}) {
  const time = clock();
  const installs = new InMemoryInstalls(time.now);
  const built: HubSpotOAuthDeps = {
    clientId: async () => 'client-123',
    scopes: ['oauth'],
    authorizeBaseUrl: 'https://app.hubspot.com/oauth/authorize',
    redirectUri: 'https://api.example.com/oauth/hubspot/callback',
    states: new InMemoryStates(time.now),
    installs,
    oauth: {
      exchangeCode: async () => ({ accessToken: 'AT-SECRET-1', refreshToken: 'RT-SECRET-1', expiresInSeconds: 1800, portalId: PORTAL }),
      portalOf: async () => PORTAL,
    },
    newState: () => 'state-abc',
    now: time.now,
    ...overrides,
  };
  return { built, installs };
}

async function call(d: HubSpotOAuthDeps, route: string, options: { query?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const event = httpEvent({ method: 'GET', route, ...(options.query ? { query: options.query } : {}), ...(options.headers ? { headers: options.headers } : {}) });
  return makeHandler(() => d)(event, lambdaContext('hubspot-oauth'));
}

describe('hubspot-oauth handler', () => {
  it('redirects the install to HubSpot with a state, not to be cached', async () => {
    // Prepare
    const { built } = deps();

    // Act
    const raw = (await call(built, '/oauth/hubspot/install')) as { statusCode: number; headers: Record<string, string> };

    // Assess
    expect(raw.statusCode).toBe(302);
    const location = new URL(raw.headers.location!);
    expect(location.searchParams.get('state')).toBe('state-abc');
    expect(raw.headers['cache-control']).toBe('no-store');
    expect(await built.states.consume('state-abc')).toBe('ok');
  });

  it('answers an unknown or replayed state with 400 invalid_oauth_state in the contract\'s error shape', async () => {
    // Prepare
    const { built, installs } = deps();
    await call(built, '/oauth/hubspot/install');
    await call(built, '/oauth/hubspot/callback', { query: { state: 'state-abc', code: 'c' } });

    // Act
    const replayed = answer(await call(built, '/oauth/hubspot/callback', { query: { state: 'state-abc', code: 'c' } }));
    const missing = answer(await call(built, '/oauth/hubspot/callback', { query: { code: 'c' } }));

    // Assess
    expect(replayed.statusCode).toBe(400);
    expect(contractError(replayed)).toMatchObject({ code: 'invalid_oauth_state', details: [{ path: 'state' }] });
    expect(missing.statusCode).toBe(400);
    expect(contractError(missing).details[0]?.path).toBe('state');
    expect(installs.items.get(PORTAL)?.version).toBe(1);
  });

  it('says which portal was connected, as JSON or as a page, without any token', async () => {
    // Prepare
    const { built } = deps({ newState: (() => { let n = 0; return () => `s-${(n += 1)}`; })() });
    await call(built, '/oauth/hubspot/install');
    await call(built, '/oauth/hubspot/install');

    // Act
    const asJson = await call(built, '/oauth/hubspot/callback', { query: { state: 's-1', code: 'c1' } });
    const asPage = (await call(built, '/oauth/hubspot/callback', { query: { state: 's-2', code: 'c2' }, headers: { accept: 'text/html,application/xhtml+xml' } })) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };

    // Assess
    expect(answer(asJson)).toMatchObject({ statusCode: 200, body: { status: 'connected', portalId: PORTAL } });
    expect(asPage.statusCode).toBe(200);
    expect(asPage.headers['content-type']).toMatch(/^text\/html/);
    expect(asPage.body).toContain(`HubSpot portal ${PORTAL} is connected`);
    for (const body of [JSON.stringify(asJson), asPage.body]) expect(body).not.toMatch(/SECRET/);
  });

  it('lists the installs without tokens, with the reason of one needing re-authorization', async () => {
    // Prepare
    const { built, installs } = deps();
    await installs.save({ portalId: PORTAL, tokens: { accessToken: 'AT-SECRET', refreshToken: 'RT-SECRET' }, accessTokenExpiresAt: '2025-10-12T10:30:00.000Z', scopes: ['oauth'] });
    await installs.markNeedsReauthorization(PORTAL, 1, 'HubSpot refused the refresh token (400): BAD_REFRESH_TOKEN');

    // Act
    const status = answer(await call(built, '/integrations/hubspot/installs'));

    // Assess
    expect(status.statusCode).toBe(200);
    expect(status.body).toMatchObject({ installs: [{ portalId: PORTAL, status: 'needs_reauthorization', reauthorization: { reason: expect.stringMatching(/BAD_REFRESH_TOKEN/) } }] });
    expect(JSON.stringify(status.body)).not.toContain('SECRET');
  });

  it('answers 503 when the OAuth app is not configured, and 502 when HubSpot cannot be reached', async () => {
    // Prepare
    const unconfigured = deps({ clientId: async () => undefined }).built;
    const { built } = deps({
      oauth: {
        exchangeCode: async () => {
          throw new RetryableError('HubSpot token request (authorization code) timed out after 10000 ms');
        },
        portalOf: async () => PORTAL,
      },
    });
    await call(built, '/oauth/hubspot/install');

    // Act
    const install = answer(await call(unconfigured, '/oauth/hubspot/install'));
    const callback = answer(await call(built, '/oauth/hubspot/callback', { query: { state: 'state-abc', code: 'c' } }));

    // Assess
    expect(install.statusCode).toBe(503);
    expect(contractError(install).code).toBe('oauth_not_configured');
    expect(callback.statusCode).toBe(502);
    expect(contractError(callback).code).toBe('hubspot_unavailable');
  });
});
