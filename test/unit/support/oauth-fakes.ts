/** In-memory stand-ins of the OAuth install ports, with DynamoDB's conditional semantics. */
import type { HubSpotInstall, HubSpotInstallStore, InstallSummary, InstallTokens, NewInstall, OAuthStateStore } from '../../../functions/connectors/hubspot/installations.js';
import type { TokenGrant } from '../../../functions/connectors/hubspot/oauth.js';
import { T0 } from './fakes.js';

export const PORTAL = '24681357';

/** Installs in memory, with the store's conditional writes on `version`. */
export class InMemoryInstalls implements HubSpotInstallStore {
  readonly items = new Map<string, HubSpotInstall>();
  reads = 0;
  constructor(private readonly now: () => Date) {}

  async list(): Promise<InstallSummary[]> {
    return [...this.items.values()].map(({ tokens: _tokens, ...summary }) => summary);
  }
  async get(portalId: string): Promise<HubSpotInstall | undefined> {
    this.reads += 1;
    return this.items.get(portalId);
  }
  async save(install: NewInstall): Promise<InstallSummary> {
    const at = this.now().toISOString();
    const prior = this.items.get(install.portalId);
    const item: HubSpotInstall = {
      portalId: install.portalId,
      status: 'active',
      scopes: install.scopes,
      installedAt: prior?.installedAt ?? at,
      authorizedAt: at,
      updatedAt: at,
      accessTokenExpiresAt: install.accessTokenExpiresAt,
      version: (prior?.version ?? 0) + 1,
      reauthorization: null,
      tokens: install.tokens,
    };
    this.items.set(install.portalId, item);
    return item;
  }
  async replaceTokens(portalId: string, expectedVersion: number, tokens: InstallTokens, accessTokenExpiresAt: string): Promise<boolean> {
    const item = this.items.get(portalId);
    if (!item || item.version !== expectedVersion || item.status !== 'active') return false;
    this.items.set(portalId, { ...item, tokens, accessTokenExpiresAt, version: item.version + 1, updatedAt: this.now().toISOString() });
    return true;
  }
  async markNeedsReauthorization(portalId: string, expectedVersion: number, reason: string): Promise<boolean> {
    const item = this.items.get(portalId);
    if (!item || item.version !== expectedVersion) return false;
    const { tokens: _dropped, ...rest } = item;
    const at = this.now().toISOString();
    this.items.set(portalId, { ...rest, status: 'needs_reauthorization', reauthorization: { reason, at }, version: item.version + 1, updatedAt: at });
    return true;
  }
}

/** HubSpot's token endpoint: each refresh issues a new access token; `gate` holds answers back. */
export class FakeRefresher {
  calls = 0;
  refuse: Error | undefined;
  gate: Promise<void> | undefined;
  constructor(private readonly prefix: string) {}
  async refresh(refreshToken: string): Promise<TokenGrant> {
    this.calls += 1;
    const n = this.calls;
    await this.gate;
    if (this.refuse) throw this.refuse;
    return { accessToken: `${this.prefix}-access-${n}`, refreshToken, expiresInSeconds: 1800, portalId: PORTAL };
  }
}

export function clock(start = T0) {
  let at = start.getTime();
  return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
}

export class InMemoryStates implements OAuthStateStore {
  private readonly states = new Map<string, number>();
  constructor(private readonly now: () => Date) {}
  async create(state: string, expiresAt: Date): Promise<void> {
    this.states.set(state, expiresAt.getTime());
  }
  async consume(state: string): Promise<'ok' | 'expired' | 'unknown'> {
    const expiresAt = this.states.get(state);
    this.states.delete(state);
    if (expiresAt === undefined) return 'unknown';
    return expiresAt > this.now().getTime() ? 'ok' : 'expired';
  }
}

