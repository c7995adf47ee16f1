/**
 * HubSpotInstallations (issue 12 §5): a token is refreshed only near its expiry; two execution
 * environments refreshing at once end with one stored token set, which both use; a refresh HubSpot
 * refuses marks the install with the reason and is not tried again; and the install steps check
 * their state once. The store here keeps DynamoDB's conditional semantics (the DynamoDB adapter is
 * tested against DynamoDB Local in test/integration/hubspot-installs.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../functions/core/errors.js';
import {
  beginInstall,
  completeInstall,
  HubSpotInstallations,
  HubSpotReauthorizationRequired,
  REFRESH_BEFORE_EXPIRY_MS,
  type InstallSteps,
} from '../../functions/connectors/hubspot/installations.js';
import { OAuthGrantRefusedError } from '../../functions/connectors/hubspot/oauth.js';
import { RecordingLog } from './support/fakes.js';
import { clock, FakeRefresher, InMemoryInstalls, InMemoryStates, PORTAL } from './support/oauth-fakes.js';
const MINUTE = 60_000;

async function installed(store: InMemoryInstalls, expiresInMs: number, now: Date): Promise<void> {
  await store.save({
    portalId: PORTAL,
    tokens: { accessToken: 'access-0', refreshToken: 'refresh-0' },
    accessTokenExpiresAt: new Date(now.getTime() + expiresInMs).toISOString(),
    scopes: ['oauth'],
  });
}

/** A portal installed `expiresInMs` before its access token expires, one environment holding it. */
async function portalWithToken(expiresInMs: number, options: { refuse?: Error; log?: RecordingLog } = {}) {
  const time = clock();
  const store = new InMemoryInstalls(time.now);
  await installed(store, expiresInMs, time.now());
  const oauth = new FakeRefresher('a');
  if (options.refuse) oauth.refuse = options.refuse;
  const installations = new HubSpotInstallations({ installs: store, oauth, now: time.now, ...(options.log ? { log: options.log } : {}) });
  return { time, store, oauth, installations };
}

describe('HubSpotInstallations.accessToken', () => {
  it('answers undefined for a portal that has not installed the app', async () => {
    // Prepare
    const time = clock();
    const installations = new HubSpotInstallations({ installs: new InMemoryInstalls(time.now), oauth: new FakeRefresher('a'), now: time.now });

    // Act
    const token = await installations.accessToken('99999');

    // Assess
    expect(token).toBeUndefined();
  });

  it('uses the stored token while more than five minutes are left, reading the store once', async () => {
    // Prepare
    const { time, store, oauth, installations } = await portalWithToken(30 * MINUTE);

    // Act
    const first = await installations.accessToken(PORTAL);
    time.advance(24 * MINUTE);
    const later = await installations.accessToken(PORTAL);

    // Assess
    expect([first, later]).toEqual(['access-0', 'access-0']);
    expect(oauth.calls).toBe(0);
    expect(store.reads).toBe(1);
  });

  it('refreshes once less than five minutes are left, stores the new pair and keeps using it', async () => {
    // Prepare
    const { time, store, oauth, installations } = await portalWithToken(30 * MINUTE);
    await installations.accessToken(PORTAL);

    // Act
    time.advance(30 * MINUTE - REFRESH_BEFORE_EXPIRY_MS + 1);
    const refreshed = await installations.accessToken(PORTAL);
    const again = await installations.accessToken(PORTAL);

    // Assess
    expect(refreshed).toBe('a-access-1');
    expect(again).toBe('a-access-1');
    expect(oauth.calls).toBe(1);
    const stored = store.items.get(PORTAL)!;
    expect(stored.tokens).toEqual({ accessToken: 'a-access-1', refreshToken: 'refresh-0' });
    expect(stored.version).toBe(2);
    expect(Date.parse(stored.accessTokenExpiresAt)).toBe(time.now().getTime() + 1800 * 1000);
  });

  it('makes one refresh for concurrent callers in one execution environment', async () => {
    // Prepare
    const { oauth, installations } = await portalWithToken(2 * MINUTE);

    // Act
    const tokens = await Promise.all(Array.from({ length: 5 }, () => installations.accessToken(PORTAL)));

    // Assess
    expect(new Set(tokens)).toEqual(new Set(['a-access-1']));
    expect(oauth.calls).toBe(1);
  });

  it('ends two concurrent refreshes of two environments with one stored token set, which both use', async () => {
    // Prepare
    const time = clock();
    const store = new InMemoryInstalls(time.now);
    await installed(store, 2 * MINUTE, time.now());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const [oauthA, oauthB] = [new FakeRefresher('a'), new FakeRefresher('b')];
    oauthA.gate = gate;
    oauthB.gate = gate;
    const envA = new HubSpotInstallations({ installs: store, oauth: oauthA, now: time.now });
    const envB = new HubSpotInstallations({ installs: store, oauth: oauthB, now: time.now });

    // Act: both read version 1 and ask HubSpot before either writes.
    const both = Promise.all([envA.accessToken(PORTAL), envB.accessToken(PORTAL)]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    const [a, b] = await both;

    // Assess
    expect(oauthA.calls + oauthB.calls).toBe(2);
    const stored = store.items.get(PORTAL)!;
    expect(stored.version).toBe(2);
    expect(a).toBe(stored.tokens!.accessToken);
    expect(b).toBe(stored.tokens!.accessToken);
    // Each keeps the winner's token: no third refresh, no further read.
    const reads = store.reads;
    expect([await envA.accessToken(PORTAL), await envB.accessToken(PORTAL)]).toEqual([a, a]);
    expect(store.reads).toBe(reads);
  });

  it('marks the install when HubSpot refuses the refresh, with its reason, and never asks again', async () => {
    // Prepare
    const log = new RecordingLog();
    const refuse = new OAuthGrantRefusedError('HubSpot refused the refresh token (400): BAD_REFRESH_TOKEN: missing or invalid refresh token', 400);
    const { store, oauth, installations } = await portalWithToken(1 * MINUTE, { refuse, log });

    // Act
    const first = installations.accessToken(PORTAL);
    await expect(first).rejects.toBeInstanceOf(HubSpotReauthorizationRequired);
    const second = installations.accessToken(PORTAL);

    // Assess
    await expect(second).rejects.toThrow(/needs the app installed again: .*BAD_REFRESH_TOKEN/);
    expect(oauth.calls).toBe(1);
    const stored = store.items.get(PORTAL)!;
    expect(stored.status).toBe('needs_reauthorization');
    expect(stored.reauthorization?.reason).toMatch(/BAD_REFRESH_TOKEN/);
    expect(stored.tokens).toBeUndefined();
    expect(JSON.stringify(log.entries)).toContain('BAD_REFRESH_TOKEN');
    // The flows retry it (and park it) rather than drop the work.
    await expect(second).rejects.toBeInstanceOf(RetryableError);
  });

  it('keeps using the current token while HubSpot cannot be reached, and fails once it has expired', async () => {
    // Prepare
    const refuse = new RetryableError('HubSpot token request (refresh token) failed (503): Service Unavailable');
    const { time, store, oauth, installations } = await portalWithToken(3 * MINUTE, { refuse });

    // Act
    const meanwhile = await installations.accessToken(PORTAL);
    time.advance(4 * MINUTE);
    const expired = installations.accessToken(PORTAL);

    // Assess
    expect(meanwhile).toBe('access-0');
    await expect(expired).rejects.toThrow(/503/);
    expect(store.items.get(PORTAL)!.status).toBe('active');
    expect(oauth.calls).toBe(2);
  });

  it('uses a re-install that happened while its refused refresh was in flight, instead of marking it', async () => {
    // Prepare
    const { time, store, oauth, installations } = await portalWithToken(1 * MINUTE, { refuse: new OAuthGrantRefusedError('HubSpot refused the refresh token (400): revoked', 400) });
    let release!: () => void;
    oauth.gate = new Promise<void>((resolve) => (release = resolve));

    // Act
    const pending = installations.accessToken(PORTAL);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await store.save({ portalId: PORTAL, tokens: { accessToken: 'reinstalled', refreshToken: 'r2' }, accessTokenExpiresAt: new Date(time.now().getTime() + 30 * MINUTE).toISOString(), scopes: ['oauth'] });
    release();

    // Assess
    expect(await pending).toBe('reinstalled');
    expect(store.items.get(PORTAL)!.status).toBe('active');
  });
});

// ---- installing ----

function steps(overrides: Partial<InstallSteps> = {}) {
  const time = clock();
  const installs = new InMemoryInstalls(time.now);
  const exchanged: Array<{ code: string; redirectUri: string }> = [];
  let n = 0;
  const built: InstallSteps = {
    clientId: async () => 'client-123',
    scopes: ['oauth', 'crm.objects.contacts.read'],
    authorizeBaseUrl: 'https://app.hubspot.com/oauth/authorize',
    redirectUri: 'https://api.example.com/oauth/hubspot/callback',
    states: new InMemoryStates(time.now),
    installs,
    oauth: {
      exchangeCode: async (code, redirectUri) => {
        exchanged.push({ code, redirectUri });
        return { accessToken: 'at-1', refreshToken: 'rt-1', expiresInSeconds: 1800, portalId: PORTAL, scopes: ['oauth'] };
      },
      portalOf: async () => '55555',
    },
    newState: () => `state-${(n += 1)}`,
    now: time.now,
    ...overrides,
  };
  return { built, installs, exchanged, time };
}

describe('beginInstall and completeInstall', () => {
  it('sends the person to the consent screen with the client, scopes, redirect URI and a stored state', async () => {
    // Prepare
    const { built } = steps();

    // Act
    const url = new URL(await beginInstall(built));

    // Assess
    expect(`${url.origin}${url.pathname}`).toBe('https://app.hubspot.com/oauth/authorize');
    expect(url.searchParams.get('client_id')).toBe('client-123');
    expect(url.searchParams.get('scope')).toBe('oauth crm.objects.contacts.read');
    expect(url.searchParams.get('redirect_uri')).toBe('https://api.example.com/oauth/hubspot/callback');
    expect(url.searchParams.get('state')).toBe('state-1');
    expect(url.search).toContain('scope=oauth%20crm.objects.contacts.read');
  });

  it('accepts a state once: the same callback again is refused and stores nothing new', async () => {
    // Prepare
    const { built, installs, exchanged } = steps();
    const state = new URL(await beginInstall(built)).searchParams.get('state')!;

    // Act
    const first = await completeInstall({ state, code: 'code-1' }, built);
    const again = completeInstall({ state, code: 'code-1' }, built);

    // Assess
    expect(first).toMatchObject({ portalId: PORTAL, status: 'active', version: 1 });
    await expect(again).rejects.toMatchObject({ code: 'invalid_oauth_state', status: 400, details: [{ path: 'state', message: 'unknown or already used' }] });
    expect(exchanged).toEqual([{ code: 'code-1', redirectUri: 'https://api.example.com/oauth/hubspot/callback' }]);
    expect(installs.items.get(PORTAL)?.version).toBe(1);
  });

  it('refuses a state never issued, and one past its ten minutes, before trading any code', async () => {
    // Prepare
    const { built, exchanged, time } = steps();
    const state = new URL(await beginInstall(built)).searchParams.get('state')!;
    time.advance(10 * MINUTE + 1);

    // Assess
    await expect(completeInstall({ state: 'forged', code: 'c' }, built)).rejects.toMatchObject({ code: 'invalid_oauth_state' });
    await expect(completeInstall({ state, code: 'c' }, built)).rejects.toThrow(/expired/);
    expect(exchanged).toEqual([]);
  });

  it('asks HubSpot which portal the token is for when the answer has no hub_id', async () => {
    // Prepare
    const { built, installs } = steps();
    const withoutHub = { ...built, oauth: { ...built.oauth, exchangeCode: async () => ({ accessToken: 'at', refreshToken: 'rt', expiresInSeconds: 1800 }) } };
    const state = new URL(await beginInstall(withoutHub)).searchParams.get('state')!;

    // Act
    const install = await completeInstall({ state, code: 'c' }, withoutHub);

    // Assess
    expect(install.portalId).toBe('55555');
    expect(installs.items.get('55555')?.scopes).toEqual(built.scopes);
  });

  it('answers a refused code with 400 oauth_code_rejected, and an unconfigured app without a redirect', async () => {
    // Prepare
    const { built } = steps({
      oauth: {
        exchangeCode: async () => {
          throw new OAuthGrantRefusedError('HubSpot refused the authorization code (400): BAD_AUTH_CODE', 400);
        },
        portalOf: async () => '1',
      },
    });
    const state = new URL(await beginInstall(built)).searchParams.get('state')!;

    // Assess
    await expect(completeInstall({ state, code: 'c' }, built)).rejects.toMatchObject({ code: 'oauth_code_rejected', status: 400 });
    await expect(beginInstall({ ...built, clientId: async () => undefined })).rejects.toThrow(/not configured/);
  });
});
