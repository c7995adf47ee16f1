/**
 * The OAuth installs of the HubSpot app and the states of installs in flight, in the sync-state
 * table (issue 12 §5).
 *
 * - Installs: one item per portal under one partition, `{pk: "hubspot-install", sk: "portal#<id>"}`,
 *   so `list()` is a Query (the app installs in at most 10 portals) and no function needs Scan.
 *   The token pair is one box of the TokenCipher, bound to the portal id (a box copied onto another
 *   portal's item does not decrypt); expiry, scopes, status and the re-authorization reason are
 *   plain, for a person to read. Every write bumps `version`; a refresh or a mark is written only
 *   over the version it read.
 * - States: `{pk: "hubspot-oauth-state#<sha256 of the state>", sk: "state"}` with a TTL. The state
 *   itself is not stored. Consuming deletes the item in the same request that reads it, so a state
 *   is accepted once however many callbacks race.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  HubSpotInstall,
  HubSpotInstallStore,
  InstallStatus,
  InstallSummary,
  InstallTokens,
  NewInstall,
  OAuthStateStore,
} from '../connectors/hubspot/installations.js';
import type { TokenCipher } from '../runtime/token-cipher.js';

const INSTALLS_PK = 'hubspot-install';
const installKey = (portalId: string) => ({ pk: INSTALLS_PK, sk: `portal#${portalId}` });
const stateKey = (state: string) => ({ pk: `hubspot-oauth-state#${createHash('sha256').update(state).digest('hex')}`, sk: 'state' });

type Item = Record<string, unknown>;

export class DynamoHubSpotInstalls implements HubSpotInstallStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cipher: TokenCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<InstallSummary[]> {
    // One page: the app installs in at most 10 portals, a few hundred bytes each.
    const out = await this.db.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': INSTALLS_PK }, ConsistentRead: true }),
    );
    return (out.Items ?? []).map(summary);
  }

  async get(portalId: string): Promise<HubSpotInstall | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: installKey(portalId), ConsistentRead: true }));
    if (!Item) return undefined;
    const found = summary(Item);
    if (typeof Item.tokens !== 'string') return found;
    return { ...found, tokens: parseTokens(await this.cipher.decrypt(Item.tokens, portalId)) };
  }

  async save(install: NewInstall): Promise<InstallSummary> {
    const at = this.now().toISOString();
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: installKey(install.portalId),
        UpdateExpression:
          'SET portalId = :portal, #status = :active, tokens = :tokens, accessTokenExpiresAt = :expires, scopes = :scopes, ' +
          'authorizedAt = :at, updatedAt = :at, installedAt = if_not_exists(installedAt, :at), version = if_not_exists(version, :zero) + :one ' +
          'REMOVE reauthorization',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':portal': install.portalId,
          ':active': 'active' satisfies InstallStatus,
          ':tokens': await this.seal(install.portalId, install.tokens),
          ':expires': install.accessTokenExpiresAt,
          ':scopes': [...install.scopes],
          ':at': at,
          ':zero': 0,
          ':one': 1,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return summary(out.Attributes ?? {});
  }

  async replaceTokens(portalId: string, expectedVersion: number, tokens: InstallTokens, accessTokenExpiresAt: string): Promise<boolean> {
    return this.conditionally({
      TableName: this.tableName,
      Key: installKey(portalId),
      UpdateExpression: 'SET tokens = :tokens, accessTokenExpiresAt = :expires, updatedAt = :at, version = version + :one',
      ConditionExpression: 'version = :expected AND #status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':tokens': await this.seal(portalId, tokens),
        ':expires': accessTokenExpiresAt,
        ':at': this.now().toISOString(),
        ':one': 1,
        ':expected': expectedVersion,
        ':active': 'active' satisfies InstallStatus,
      },
    });
  }

  /** The refused tokens are dropped: they open nothing any more, and what is not kept cannot leak. */
  async markNeedsReauthorization(portalId: string, expectedVersion: number, reason: string): Promise<boolean> {
    const at = this.now().toISOString();
    return this.conditionally({
      TableName: this.tableName,
      Key: installKey(portalId),
      UpdateExpression: 'SET #status = :needs, reauthorization = :reauth, updatedAt = :at, version = version + :one REMOVE tokens',
      ConditionExpression: 'version = :expected',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':needs': 'needs_reauthorization' satisfies InstallStatus,
        ':reauth': { reason: reason.slice(0, 1000), at },
        ':at': at,
        ':one': 1,
        ':expected': expectedVersion,
      },
    });
  }

  private seal(portalId: string, tokens: InstallTokens): Promise<string> {
    return this.cipher.encrypt(JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }), portalId);
  }

  private async conditionally(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function summary(item: Item): InstallSummary {
  const reauth = item.reauthorization as { reason?: unknown; at?: unknown } | undefined;
  return {
    portalId: String(item.portalId),
    status: item.status === 'active' ? 'active' : 'needs_reauthorization',
    scopes: Array.isArray(item.scopes) ? item.scopes.map(String) : [],
    installedAt: String(item.installedAt),
    authorizedAt: String(item.authorizedAt),
    updatedAt: String(item.updatedAt),
    accessTokenExpiresAt: String(item.accessTokenExpiresAt),
    version: Number(item.version),
    reauthorization: reauth ? { reason: String(reauth.reason), at: String(reauth.at) } : null,
  };
}

function parseTokens(plain: string): InstallTokens {
  const value = JSON.parse(plain) as { accessToken?: unknown; refreshToken?: unknown };
  if (typeof value.accessToken !== 'string' || typeof value.refreshToken !== 'string') throw new Error('The stored token box holds no token pair');
  return { accessToken: value.accessToken, refreshToken: value.refreshToken };
}

export class DynamoOAuthStates implements OAuthStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(state: string, expiresAt: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...stateKey(state), expiresAt: Math.ceil(expiresAt.getTime() / 1000), createdAt: this.now().toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async consume(state: string): Promise<'ok' | 'expired' | 'unknown'> {
    try {
      const out = await this.db.send(
        new DeleteCommand({ TableName: this.tableName, Key: stateKey(state), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }),
      );
      // TTL deletion lags by up to days: the expiry is checked here.
      return Number(out.Attributes?.expiresAt) * 1000 > this.now().getTime() ? 'ok' : 'expired';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'unknown';
      throw error;
    }
  }
}
