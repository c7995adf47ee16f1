/**
 * A portal connects through the OAuth app, end to end on the local stack (issue 12 §5): the install
 * route redirects to the sandbox's consent screen, which sends the browser back to the callback;
 * the portal's tokens are stored sealed; once the access token has expired (both clocks moved past
 * it), `HubSpotInstallations.accessToken` refreshes it and the sandbox takes the new one. A replayed
 * callback is refused, and an uninstalled app shows as needing re-authorization, with the reason,
 * until the portal installs it again. At DEBUG, no log line carries a token, a code or a secret.
 */
import { format } from 'node:util';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotInstallations, HubSpotReauthorizationRequired } from '../../functions/connectors/hubspot/installations.js';
import { HubSpotOAuthClient } from '../../functions/connectors/hubspot/oauth.js';
import { observability } from '../../functions/runtime/observability.js';
import { TOKEN_KEY_ENV, tokenCipherFromEnvironment } from '../../functions/runtime/token-cipher.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoHubSpotInstalls } from '../../functions/store/hubspot-installs.js';
import { localDynamoDbClient } from '../../lib/local/dynamodb.js';
import { ACCESS_TOKEN_TTL_SECONDS, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET } from '../../lib/local/sandboxes/hubspot/oauth.js';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.js';

const PORTAL = '31415926';
let stack: LocalStack;
let db: DynamoDBDocumentClient;
let store: DynamoHubSpotInstalls;
/** The clock of the environment that holds the tokens; the test moves it with the sandbox's. */
let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);
let installations: HubSpotInstallations;
/** Every console line of this process (Powertools writes there locally), and what must not be in one. */
const logLines: string[] = [];
const originals = new Map<string, unknown>();
const secrets = new Set<string>([SANDBOX_OAUTH_CLIENT_SECRET]);

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    originals.set(level, console[level]);
    console[level] = (...args: unknown[]) => void logLines.push(format(...args));
  }
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'DEBUG',
    hubspot: { webhooks: false },
    turbotenant: { events: false },
    buildium: { webhooks: false, seed: false },
  });
  db = createDocumentClient(localDynamoDbClient(stack.endpoints.dynamodb));
  // What a consumer composes: the stack's table, its token key (configuration), the sandbox's app.
  store = new DynamoHubSpotInstalls(db, stack.tables['sync-state']!, tokenCipherFromEnvironment(), now);
  installations = new HubSpotInstallations({
    installs: store,
    oauth: new HubSpotOAuthClient({ baseUrl: stack.hubspot.url, clientId: async () => SANDBOX_OAUTH_CLIENT_ID, clientSecret: async () => SANDBOX_OAUTH_CLIENT_SECRET }),
    now,
    log: observability('e2e-token-holder').logger,
  });
  secrets.add(process.env[TOKEN_KEY_ENV.aesKey]!);
  await sandboxControl('PUT', '', { installPortalId: Number(PORTAL) });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const [level, original] of originals) (console as unknown as Record<string, unknown>)[level] = original;
});

function sandboxControl(method: string, path: string, body: unknown) {
  return fetch(`${stack.hubspot.url}/__sandbox/oauth${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Both clocks forward: the sandbox's (token expiry) and the token holder's. */
async function advance(seconds: number): Promise<void> {
  expect((await sandboxControl('POST', '/clock', { advanceSeconds: seconds })).status).toBe(200);
  offsetMs += seconds * 1000;
}

/** A person installing: the install route, the consent screen, back to the callback (each a 302, followed by hand). */
async function install(): Promise<{ callbackUrl: string; status: number; body: Record<string, unknown> }> {
  const start = await fetch(`${stack.apiUrl}/oauth/hubspot/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const consent = start.headers.get('location')!;
  expect(consent.startsWith(`${stack.hubspot.url}/oauth/authorize?`)).toBe(true);
  const approved = await fetch(consent, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const callbackUrl = approved.headers.get('location')!;
  secrets.add(new URL(callbackUrl).searchParams.get('code')!);
  expect(callbackUrl.startsWith(`${stack.apiUrl}/oauth/hubspot/callback?`)).toBe(true);
  const callback = await fetch(callbackUrl, { headers: { accept: 'application/json' } });
  return { callbackUrl, status: callback.status, body: (await callback.json()) as Record<string, unknown> };
}

async function crmStatus(token: string): Promise<{ status: number; category?: string }> {
  secrets.add(token);
  const response = await fetch(`${stack.hubspot.url}/crm/v3/objects/contacts?limit=1`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { category?: string };
  return { status: response.status, ...(body.category ? { category: body.category } : {}) };
}

async function rawInstall(): Promise<Record<string, unknown>> {
  const out = await db.send(new GetCommand({ TableName: stack.tables['sync-state']!, Key: { pk: 'hubspot-install', sk: `portal#${PORTAL}` }, ConsistentRead: true }));
  return out.Item ?? {};
}

async function installsStatus(): Promise<Array<Record<string, any>>> {
  const response = await fetch(`${stack.apiUrl}/integrations/hubspot/installs`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { installs: Array<Record<string, any>> }).installs;
}

describe('HubSpot OAuth install through the local stack', () => {
  let callbackUrl: string;
  let firstToken: string;

  it('connects the portal, says which one, and stores its tokens sealed', async () => {
    // Act
    const installed = await install();
    callbackUrl = installed.callbackUrl;
    firstToken = (await installations.accessToken(PORTAL))!;
    const refreshToken = (await store.get(PORTAL))!.tokens!.refreshToken;
    secrets.add(refreshToken);
    const item = JSON.stringify(await rawInstall());

    // Assess
    expect(installed.status).toBe(200);
    expect(installed.body).toMatchObject({ status: 'connected', portalId: PORTAL });
    expect(JSON.stringify(installed.body)).not.toContain(firstToken);
    expect(firstToken).toMatch(/^sbx-oauth-at-/);
    expect(item).not.toContain(firstToken);
    expect(item).not.toContain(refreshToken);
    expect(item).toContain('a256gcm1:');
    expect(await crmStatus(firstToken)).toEqual({ status: 200 });
  });

  it('refuses the same callback again, and a state it never issued', async () => {
    // Act
    const replayed = await fetch(callbackUrl);
    const forged = await fetch(`${stack.apiUrl}/oauth/hubspot/callback?code=x&state=forged`);

    // Assess
    for (const response of [replayed, forged]) {
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_oauth_state');
    }
  });

  it('refreshes the token once it has expired, and the sandbox takes the new one', async () => {
    // Prepare
    const before = (await store.get(PORTAL))!.version;

    // Act
    await advance(ACCESS_TOKEN_TTL_SECONDS + 60);
    const expired = await crmStatus(firstToken);
    const refreshed = (await installations.accessToken(PORTAL))!;

    // Assess
    expect(expired).toEqual({ status: 401, category: 'EXPIRED_AUTHENTICATION' });
    expect(refreshed).not.toBe(firstToken);
    expect(await crmStatus(refreshed)).toEqual({ status: 200 });
    expect((await store.get(PORTAL))!.version).toBe(before + 1);
    expect(JSON.stringify(await rawInstall())).not.toContain(refreshed);
  });

  it('shows an uninstalled app as needing re-authorization with the reason, until the portal installs it again', async () => {
    // Prepare
    await sandboxControl('POST', '/revoke', { portalId: Number(PORTAL) });
    await advance(ACCESS_TOKEN_TTL_SECONDS + 60);

    // Act
    const refused = installations.accessToken(PORTAL);
    await expect(refused).rejects.toBeInstanceOf(HubSpotReauthorizationRequired);
    const marked = (await installsStatus()).find((i) => i.portalId === PORTAL);
    const again = await install();
    const afterReinstall = (await installsStatus()).find((i) => i.portalId === PORTAL);

    // Assess
    expect(marked).toMatchObject({ status: 'needs_reauthorization', reauthorization: { reason: expect.stringMatching(/BAD_REFRESH_TOKEN/) } });
    expect(JSON.stringify(marked)).not.toMatch(/sbx-oauth/);
    expect(again.status).toBe(200);
    expect(afterReinstall).toMatchObject({ status: 'active', reauthorization: null });
    expect(await crmStatus((await installations.accessToken(PORTAL))!)).toEqual({ status: 200 });
  });

  it('applies a webhook delivery of the connected portal, signed by the OAuth app, with that portal\'s token', async () => {
    // Prepare: a person creates a contact in the connected portal (the sandbox keeps one CRM for all
    // portals, so the contact is made with the portal's own token, as its user would).
    const token = (await installations.accessToken(PORTAL))!;
    const created = await fetch(`${stack.hubspot.url}/crm/objects/2026-09/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { email: 'olga.oauth@example.com', firstname: 'Olga' } }),
    });
    expect(created.status).toBe(201);
    const contactId = ((await created.json()) as { id: string }).id;
    const body = JSON.stringify([
      { eventId: 1, subscriptionId: 77, portalId: Number(PORTAL), appId: 2, occurredAt: Date.now(), subscriptionType: 'object.creation', objectTypeId: '0-1', objectId: Number(contactId), attemptNumber: 0 },
    ]);
    const url = `${stack.apiUrl}/webhooks/hubspot`;
    const timestamp = String(Date.now());
    const readsBefore = stack.hubspot.sandbox!.requests().length;

    // Act: signed with the OAuth app's client secret, not the static app's.
    const delivered = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signV3(SANDBOX_OAUTH_CLIENT_SECRET, 'POST', url, body, timestamp), 'x-hubspot-request-timestamp': timestamp },
      body,
    });

    // Assess: accepted, a lead made (not skipped as another portal's), the contact read in that portal.
    expect(delivered.status).toBe(200);
    let leads: Array<Record<string, any>> = [];
    for (let i = 0; i < 200 && leads.length === 0; i++) {
      leads = ((await (await fetch(`${stack.apiUrl}/leads?email=olga.oauth@example.com`)).json()) as { leads: Array<Record<string, any>> }).leads;
      if (leads.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(leads[0]).toMatchObject({ firstName: 'Olga', hubspot: { id: contactId, syncStatus: 'SYNCED' } });
    const reads = stack.hubspot.sandbox!.requests().slice(readsBefore).filter((r) => r.path.endsWith('/contacts/batch/read'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.portalId === Number(PORTAL))).toBe(true);
  });

  it('syncs a platform lead that names the connected portal into that portal, and one naming a portal not connected waits with the reason', async () => {
    // Prepare
    const upsertsBefore = stack.hubspot.sandbox!.requests().length;
    const post = async (body: Record<string, unknown>) => {
      const response = await fetch(`${stack.apiUrl}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(202);
      return ((await response.json()) as { leadId: string }).leadId;
    };
    const lead = async (leadId: string) => (await (await fetch(`${stack.apiUrl}/leads/${leadId}`)).json()) as Record<string, any>;

    // Act
    const connected = await post({ email: 'pia.portal2@example.com', firstName: 'Pia', portalId: PORTAL });
    const unconnected = await post({ email: 'uma.nowhere@example.com', portalId: '999000999' });

    // Assess
    let synced: Record<string, any> = {};
    let waiting: Record<string, any> = {};
    for (let i = 0; i < 200 && (synced.hubspot?.syncStatus !== 'SYNCED' || waiting.hubspot?.syncStatus !== 'RETRYING'); i++) {
      [synced, waiting] = [await lead(connected), await lead(unconnected)];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(synced).toMatchObject({ portalId: PORTAL, hubspot: { syncStatus: 'SYNCED', id: expect.any(String) } });
    expect(waiting).toMatchObject({ portalId: '999000999', hubspot: { syncStatus: 'RETRYING', error: expect.stringContaining('portal 999000999 is not served here') } });
    const upserts = stack.hubspot.sandbox!.requests().slice(upsertsBefore).filter((r) => r.path.endsWith('/contacts/batch/upsert'));
    expect(upserts.map((r) => r.portalId)).toEqual([Number(PORTAL)]);
  });

  it('logged the install and the refresh, and no token, code or secret in any line', () => {
    const logs = logLines.join('\n');
    expect(logs).toContain('HubSpot portal connected through the OAuth app');
    expect(logs).toContain('HubSpot access token refreshed');
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) expect(logs.includes(secret), `a log line holds ${secret.slice(0, 12)}…`).toBe(false);
  });
});
