/**
 * The DynamoDB adapters of the OAuth installs against DynamoDB Local, on the topology's sync-state
 * table (issue 12 §5): tokens are stored sealed (the item holds no token, and a box moved onto
 * another portal's item does not open), refreshes are conditional on the version so two
 * environments refreshing at once leave one token set, a refused refresh marks the install, and a
 * state is accepted once however many callbacks race.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotInstallations, HubSpotReauthorizationRequired } from '../../functions/connectors/hubspot/installations.js';
import { OAuthGrantRefusedError, type TokenGrant } from '../../functions/connectors/hubspot/oauth.js';
import { AesGcmTokenCipher, UndecryptableTokenError } from '../../functions/runtime/token-cipher.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoHubSpotInstalls, DynamoOAuthStates } from '../../functions/store/hubspot-installs.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { topologyFor } from '../../lib/topology.js';

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
let tableSet = 0;
const cipher = new AesGcmTokenCipher(randomBytes(32));
// In the future: DynamoDB Local's TTL sweeper deletes items whose expiry has passed by the wall clock, which made the state checks flaky.
const T0 = Date.parse('2035-10-12T10:00:00Z');
const MINUTE = 60_000;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ dataDir: null });
  client = localDynamoDbClient(dynamo.endpoint);
  db = createDocumentClient(client);
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

async function freshTable(): Promise<string> {
  const specs = topologyFor('local').tables.filter((t) => t.id === 'sync-state');
  return (await createTables(client, specs, `installs-${(tableSet += 1)}-`))['sync-state'];
}

function clock() {
  let at = T0;
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

const rawItem = async (table: string, portalId: string) =>
  (await db.send(new GetCommand({ TableName: table, Key: { pk: 'hubspot-install', sk: `portal#${portalId}` }, ConsistentRead: true }))).Item!;

describe('DynamoHubSpotInstalls on DynamoDB Local', () => {
  it('stores the tokens sealed: the item holds neither token, and get opens them', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock();
    const installs = new DynamoHubSpotInstalls(db, table, cipher, time.now);

    // Act
    const saved = await installs.save({
      portalId: '111',
      tokens: { accessToken: 'CKDZ-access-plain-111', refreshToken: 'na1-refresh-plain-111' },
      accessTokenExpiresAt: new Date(T0 + 30 * MINUTE).toISOString(),
      scopes: ['oauth', 'crm.objects.contacts.read'],
    });
    const item = await rawItem(table, '111');
    const read = await installs.get('111');

    // Assess
    expect(JSON.stringify(item)).not.toContain('access-plain');
    expect(JSON.stringify(item)).not.toContain('refresh-plain');
    expect(item.tokens).toMatch(/^a256gcm1:/);
    expect(saved).toMatchObject({ portalId: '111', status: 'active', version: 1, reauthorization: null, scopes: ['oauth', 'crm.objects.contacts.read'] });
    expect(read?.tokens).toEqual({ accessToken: 'CKDZ-access-plain-111', refreshToken: 'na1-refresh-plain-111' });
    expect(await installs.list()).toEqual([saved]);
  });

  it('refuses a token box moved onto another portal\'s item', async () => {
    // Prepare
    const table = await freshTable();
    const installs = new DynamoHubSpotInstalls(db, table, cipher);
    const tokens = { accessToken: 'a', refreshToken: 'r' };
    await installs.save({ portalId: '111', tokens, accessTokenExpiresAt: new Date(T0).toISOString(), scopes: [] });
    await installs.save({ portalId: '222', tokens, accessTokenExpiresAt: new Date(T0).toISOString(), scopes: [] });
    const victim = await rawItem(table, '222');

    // Act
    await db.send(new PutCommand({ TableName: table, Item: { ...victim, tokens: (await rawItem(table, '111')).tokens } }));

    // Assess
    await expect(installs.get('222')).rejects.toBeInstanceOf(UndecryptableTokenError);
  });

  it('writes a refresh only over the version it read; a re-install bumps the version and clears a mark', async () => {
    // Prepare
    const table = await freshTable();
    const installs = new DynamoHubSpotInstalls(db, table, cipher);
    const base = { portalId: '333', accessTokenExpiresAt: new Date(T0).toISOString(), scopes: [] };
    await installs.save({ ...base, tokens: { accessToken: 'a0', refreshToken: 'r0' } });

    // Act
    const results = await Promise.all([
      installs.replaceTokens('333', 1, { accessToken: 'a1', refreshToken: 'r0' }, base.accessTokenExpiresAt),
      installs.replaceTokens('333', 1, { accessToken: 'a2', refreshToken: 'r0' }, base.accessTokenExpiresAt),
    ]);
    const marked = await installs.markNeedsReauthorization('333', 2, 'revoked');
    const refreshAfterMark = await installs.replaceTokens('333', 3, { accessToken: 'a3', refreshToken: 'r0' }, base.accessTokenExpiresAt);
    const markedItem = await installs.get('333');
    const markedRaw = await rawItem(table, '333');
    const reinstalled = await installs.save({ ...base, tokens: { accessToken: 'a4', refreshToken: 'r4' } });

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(marked).toBe(true);
    expect(refreshAfterMark).toBe(false);
    expect(markedItem).toMatchObject({ status: 'needs_reauthorization', version: 3, reauthorization: { reason: 'revoked' } });
    expect(markedItem?.tokens).toBeUndefined();
    expect(markedRaw.tokens).toBeUndefined();
    expect(reinstalled).toMatchObject({ status: 'active', version: 4, reauthorization: null });
    expect((await installs.get('333'))?.tokens?.accessToken).toBe('a4');
  });
});

describe('HubSpotInstallations over DynamoDB Local', () => {
  /** HubSpot's refresh, answering after every caller has asked (so the refreshes overlap). */
  function refresher(prefix: string, gate: Promise<void>) {
    const calls: string[] = [];
    return {
      calls,
      refresh: async (refreshToken: string): Promise<TokenGrant> => {
        calls.push(refreshToken);
        await gate;
        return { accessToken: `${prefix}-${calls.length}`, refreshToken, expiresInSeconds: 1800 };
      },
    };
  }

  it('ends two environments refreshing at once with one stored token set, which both use', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock();
    const installs = new DynamoHubSpotInstalls(db, table, cipher, time.now);
    await installs.save({ portalId: '444', tokens: { accessToken: 'old', refreshToken: 'r' }, accessTokenExpiresAt: new Date(T0 + 2 * MINUTE).toISOString(), scopes: [] });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const [hubspotA, hubspotB] = [refresher('from-a', gate), refresher('from-b', gate)];
    const envA = new HubSpotInstallations({ installs: new DynamoHubSpotInstalls(db, table, cipher, time.now), oauth: hubspotA, now: time.now });
    const envB = new HubSpotInstallations({ installs: new DynamoHubSpotInstalls(db, table, cipher, time.now), oauth: hubspotB, now: time.now });

    // Act
    const both = Promise.all([envA.accessToken('444'), envB.accessToken('444')]);
    for (let i = 0; i < 50 && hubspotA.calls.length + hubspotB.calls.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    release();
    const [a, b] = await both;

    // Assess
    expect(hubspotA.calls.length + hubspotB.calls.length).toBe(2);
    const stored = await installs.get('444');
    expect(stored?.version).toBe(2);
    expect(a).toBe(stored?.tokens?.accessToken);
    expect(b).toBe(a);
    expect(a).toMatch(/^from-[ab]-1$/);
  });

  it('marks the install when HubSpot refuses the refresh, and the mark is what later calls see', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock();
    const installs = new DynamoHubSpotInstalls(db, table, cipher, time.now);
    await installs.save({ portalId: '555', tokens: { accessToken: 'old', refreshToken: 'r' }, accessTokenExpiresAt: new Date(T0 + MINUTE).toISOString(), scopes: [] });
    let refreshes = 0;
    const refusing = {
      refresh: async (): Promise<TokenGrant> => {
        refreshes += 1;
        throw new OAuthGrantRefusedError('HubSpot refused the refresh token (400): BAD_REFRESH_TOKEN', 400);
      },
    };

    // Act
    await expect(new HubSpotInstallations({ installs, oauth: refusing, now: time.now }).accessToken('555')).rejects.toBeInstanceOf(HubSpotReauthorizationRequired);
    const later = new HubSpotInstallations({ installs, oauth: refusing, now: time.now }).accessToken('555');

    // Assess
    await expect(later).rejects.toThrow(/BAD_REFRESH_TOKEN/);
    expect(refreshes).toBe(1);
    expect((await installs.list())[0]).toMatchObject({ portalId: '555', status: 'needs_reauthorization', reauthorization: { reason: expect.stringMatching(/BAD_REFRESH_TOKEN/) } });
  });
});

describe('DynamoOAuthStates on DynamoDB Local', () => {
  it('accepts a state once, even when callbacks race; an unknown state is unknown', async () => {
    // Prepare
    const table = await freshTable();
    const states = new DynamoOAuthStates(db, table, () => new Date(T0));
    await states.create('state-race', new Date(T0 + 10 * MINUTE));

    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => states.consume('state-race')));

    // Assess
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'unknown')).toHaveLength(7);
    expect(await states.consume('never-issued')).toBe('unknown');
  });

  it('refuses a state past its expiry (TTL deletion lags), and stores no state in the clear', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock();
    const states = new DynamoOAuthStates(db, table, time.now);
    await states.create('state-late', new Date(T0 + 10 * MINUTE));
    await states.create('state-on-time', new Date(T0 + 10 * MINUTE));
    time.advance(10 * MINUTE + 1000);

    // Act
    const late = await states.consume('state-late');

    // Assess
    expect(late).toBe('expired');
    expect(await states.consume('state-late')).toBe('unknown');
    const scan = await client.send(new (await import('@aws-sdk/client-dynamodb')).ScanCommand({ TableName: table }));
    expect(JSON.stringify(scan.Items)).not.toContain('state-on-time');
    expect(scan.Items?.[0]?.expiresAt?.N).toBe(String((T0 + 10 * MINUTE) / 1000));
  });
});
