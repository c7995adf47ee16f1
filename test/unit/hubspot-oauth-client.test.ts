/**
 * The OAuth client against HubSpot's documented token endpoint (issue 12 §5): what it sends
 * (POST /oauth/2026-03/token, form-encoded, everything in the body), what it reads, and how it
 * classifies refusals, with no token, code or secret in any error text.
 */
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../functions/core/errors.js';
import { authorizeUrl, HubSpotOAuthClient, OAuthGrantRefusedError } from '../../functions/connectors/hubspot/oauth.js';

const SECRET = 'client-secret-0f3e9a2b7c';
const REFRESH = 'na1-refresh-4d2c-secret';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

function fakeFetch(answer: (sent: Sent) => Response): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const request: Sent = { url: String(input), method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, body: String(init?.body ?? '') };
    sent.push(request);
    return answer(request);
  }) as typeof fetch;
  return { fetch: fn, sent };
}

const jsonAnswer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The error a promise rejects with (the test fails if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

function client(answer: (sent: Sent) => Response) {
  const fake = fakeFetch(answer);
  return {
    oauth: new HubSpotOAuthClient({ baseUrl: 'https://api.hubapi.com/', clientId: async () => 'client-id-1', clientSecret: async () => SECRET, fetch: fake.fetch }),
    sent: fake.sent,
  };
}

describe('HubSpotOAuthClient', () => {
  it('trades a code with a form-encoded POST to /oauth/2026-03/token and reads the grant', async () => {
    // Prepare
    const { oauth, sent } = client(() =>
      jsonAnswer(200, { token_type: 'bearer', access_token: 'AT-1', refresh_token: 'RT-1', expires_in: 1800, hub_id: 62515, scopes: ['oauth', 'crm.objects.contacts.read'] }),
    );

    // Act
    const grant = await oauth.exchangeCode('code-9', 'https://api.example.com/oauth/hubspot/callback');

    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe('https://api.hubapi.com/oauth/2026-03/token');
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sent[0]!.body))).toEqual({
      grant_type: 'authorization_code',
      client_id: 'client-id-1',
      client_secret: SECRET,
      redirect_uri: 'https://api.example.com/oauth/hubspot/callback',
      code: 'code-9',
    });
    expect(grant).toEqual({ accessToken: 'AT-1', refreshToken: 'RT-1', expiresInSeconds: 1800, portalId: '62515', scopes: ['oauth', 'crm.objects.contacts.read'] });
  });

  it('refreshes with grant_type=refresh_token; an answer without hub_id has no portal', async () => {
    // Prepare
    const { oauth, sent } = client(() => jsonAnswer(200, { token_type: 'bearer', access_token: 'AT-2', refresh_token: REFRESH, expires_in: 1800 }));

    // Act
    const grant = await oauth.refresh(REFRESH);

    // Assess
    expect(Object.fromEntries(new URLSearchParams(sent[0]!.body))).toEqual({ grant_type: 'refresh_token', refresh_token: REFRESH, client_id: 'client-id-1', client_secret: SECRET });
    expect(grant).toEqual({ accessToken: 'AT-2', refreshToken: REFRESH, expiresInSeconds: 1800 });
  });

  it('reads a refusal as OAuthGrantRefusedError with HubSpot\'s reason, never the token or the secret', async () => {
    // Prepare: an echoing proxy puts the request back in the error.
    const { oauth } = client((sent) => jsonAnswer(400, { status: 'BAD_REFRESH_TOKEN', message: `missing or invalid refresh token (${sent.body})` }));

    // Act
    const error = await failure(oauth.refresh(REFRESH));

    // Assess
    expect(error).toBeInstanceOf(OAuthGrantRefusedError);
    expect(error.message).toMatch(/^HubSpot refused the refresh token \(400\): BAD_REFRESH_TOKEN: missing or invalid refresh token/);
    expect(error.message).not.toContain(REFRESH);
    expect(error.message).not.toContain(SECRET);
  });

  it.each([429, 500, 503])('reads %i as retryable, not as a refusal', async (status) => {
    // Prepare
    const { oauth } = client(() => jsonAnswer(status, { status: 'error', message: 'busy', category: 'RATE_LIMITS' }));

    // Act
    const error = await failure(oauth.refresh(REFRESH));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).not.toBeInstanceOf(OAuthGrantRefusedError);
  });

  it('says where an answer of another shape is wrong, without quoting its values', async () => {
    // Prepare
    const { oauth } = client(() => jsonAnswer(200, { access_token: 'AT-LEAKY', refresh_token: 'RT-LEAKY', token_type: 'bearer' }));

    // Act
    const error = await failure(oauth.refresh(REFRESH));

    // Assess
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('expires_in');
    expect(error.message).not.toContain('LEAKY');
  });

  it('finds the portal of a token in the account details', async () => {
    // Prepare
    const { oauth, sent } = client(() => jsonAnswer(200, { portalId: 98765, accountType: 'STANDARD', timeZone: 'US/Eastern' }));

    // Act
    const portalId = await oauth.portalOf('AT-3');

    // Assess
    expect(portalId).toBe('98765');
    expect(sent[0]!.url).toBe('https://api.hubapi.com/account-info/2026-03/details');
    expect(sent[0]!.method).toBe('GET');
    expect(sent[0]!.headers.authorization).toBe('Bearer AT-3');
  });
});

describe('authorizeUrl', () => {
  it('puts client, scopes (space-separated), redirect URI and state in the query, percent-encoded', () => {
    // Act
    const url = authorizeUrl('https://app.hubspot.com/oauth/authorize', {
      clientId: 'c-1',
      scopes: ['oauth', 'crm.objects.contacts.write'],
      redirectUri: 'https://api.example.com/oauth/hubspot/callback',
      state: 'a+b/c=',
    });

    // Assess
    expect(url).toBe(
      'https://app.hubspot.com/oauth/authorize?client_id=c-1&scope=oauth%20crm.objects.contacts.write&redirect_uri=https%3A%2F%2Fapi.example.com%2Foauth%2Fhubspot%2Fcallback&state=a%2Bb%2Fc%3D',
    );
  });
});
