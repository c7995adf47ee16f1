/**
 * The portals that installed the OAuth app, and a valid access token for each (issue 12 §5).
 *
 * `HubSpotInstallations.accessToken(portalId)` answers from memory while the token has more than
 * five minutes left, else reads the install and, near expiry (access tokens live 30 minutes,
 * `expires_in` 1800), refreshes it. Two execution environments may refresh at once: the new pair is
 * written only over the version that was read (a conditional write), and the loser reads again and
 * uses the winner's token (HubSpot's refresh token stays valid, and both access tokens work until
 * they expire). A refresh HubSpot refuses (the app was uninstalled, the token revoked) marks the
 * install as needing re-authorization with HubSpot's reason; every later call fails at once with
 * that reason, without calling HubSpot again, until someone installs the app again. One call makes
 * at most one refresh request: nothing loops.
 *
 * It fits the portal directory's source for installed portals, `{ accessToken(portalId) }`.
 *
 * The install steps of `GET /oauth/hubspot/install` and `/callback` (`beginInstall`,
 * `completeInstall`) live here too, with the ports they use; the DynamoDB adapters are in
 * functions/store/hubspot-installs.ts.
 */
import { MisconfiguredError, RetryableError, ValidationError } from '../../core/errors.js';
import type { Log } from '../../core/ports.js';
import { authorizeUrl, OAuthGrantRefusedError, type TokenGrant } from './oauth.js';

/** Refresh once less than this is left of the access token. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
/** How long a person has between starting an install and HubSpot sending them back. */
export const OAUTH_STATE_TTL_SECONDS = 10 * 60;

export type InstallStatus = 'active' | 'needs_reauthorization';

export interface InstallTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** What can be shown about an install: never a token. */
export interface InstallSummary {
  readonly portalId: string;
  readonly status: InstallStatus;
  readonly scopes: readonly string[];
  readonly installedAt: string;
  readonly authorizedAt: string;
  readonly updatedAt: string;
  readonly accessTokenExpiresAt: string;
  /** Bumped by every write; refreshes and marks are conditional on it. */
  readonly version: number;
  readonly reauthorization: { readonly reason: string; readonly at: string } | null;
}

/** An install with its tokens (decrypted); an install needing re-authorization keeps none. */
export interface HubSpotInstall extends InstallSummary {
  readonly tokens?: InstallTokens;
}

export interface NewInstall {
  readonly portalId: string;
  readonly tokens: InstallTokens;
  readonly accessTokenExpiresAt: string;
  readonly scopes: readonly string[];
}

/** Port: the installs, their tokens stored encrypted. */
export interface HubSpotInstallStore {
  list(): Promise<InstallSummary[]>;
  get(portalId: string): Promise<HubSpotInstall | undefined>;
  /** A first install or a re-install: new tokens, active again, the version bumped. */
  save(install: NewInstall): Promise<InstallSummary>;
  /** False when the install is no longer at `expectedVersion` (another refresh or a re-install won). */
  replaceTokens(portalId: string, expectedVersion: number, tokens: InstallTokens, accessTokenExpiresAt: string): Promise<boolean>;
  markNeedsReauthorization(portalId: string, expectedVersion: number, reason: string): Promise<boolean>;
}

/** Port: the single-use `state` of installs in flight (CSRF protection of the callback). */
export interface OAuthStateStore {
  create(state: string, expiresAt: Date): Promise<void>;
  /** Removes the state whatever it was: `ok` once, then `unknown`; `expired` past its expiry. */
  consume(state: string): Promise<'ok' | 'expired' | 'unknown'>;
}

export interface TokenRefresher {
  refresh(refreshToken: string): Promise<TokenGrant>;
}

/**
 * The portal's install can no longer call HubSpot until someone installs the app again. Retryable
 * for the flows, as a refused credential is in the HubSpot client: the work waits (and ends in a
 * DLQ) instead of being dropped, and is redriven once the portal is re-authorized.
 */
export class HubSpotReauthorizationRequired extends RetryableError {
  override readonly name = 'HubSpotReauthorizationRequired';
  constructor(
    readonly portalId: string,
    readonly reason: string,
  ) {
    super(`HubSpot portal ${portalId} needs the app installed again: ${reason}`);
  }
}

export interface HubSpotInstallationsOptions {
  readonly installs: Pick<HubSpotInstallStore, 'get' | 'replaceTokens' | 'markNeedsReauthorization'>;
  readonly oauth: TokenRefresher;
  readonly now?: () => Date;
  readonly refreshBeforeExpiryMs?: number;
  readonly log?: Pick<Log, 'info' | 'warn'>;
}

interface UsableToken {
  readonly accessToken: string;
  readonly expiresAt: number;
}

export class HubSpotInstallations {
  private readonly tokens = new Map<string, UsableToken>();
  /** One read-or-refresh per portal at a time in this environment; concurrent callers share it. */
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private readonly now: () => Date;
  private readonly margin: number;

  constructor(private readonly options: HubSpotInstallationsOptions) {
    this.now = options.now ?? (() => new Date());
    this.margin = options.refreshBeforeExpiryMs ?? REFRESH_BEFORE_EXPIRY_MS;
  }

  /** A token valid for more than the margin, refreshed if need be; undefined when the portal has not installed the app. */
  async accessToken(portalId: string): Promise<string | undefined> {
    const known = this.tokens.get(portalId);
    if (known && this.lasts(known.expiresAt)) return known.accessToken;
    let pending = this.pending.get(portalId);
    if (!pending) {
      pending = this.load(portalId).finally(() => this.pending.delete(portalId));
      this.pending.set(portalId, pending);
    }
    return pending;
  }

  private lasts(expiresAt: number): boolean {
    return expiresAt - this.now().getTime() > this.margin;
  }

  private async load(portalId: string): Promise<string | undefined> {
    this.tokens.delete(portalId);
    const install = await this.options.installs.get(portalId);
    if (!install) return undefined;
    const tokens = usableTokens(install);
    const expiresAt = Date.parse(install.accessTokenExpiresAt);
    if (this.lasts(expiresAt)) return this.keep(portalId, tokens.accessToken, expiresAt);
    return this.refresh(install, tokens, expiresAt);
  }

  private async refresh(install: HubSpotInstall, tokens: InstallTokens, expiresAt: number): Promise<string | undefined> {
    const { portalId } = install;
    let grant: TokenGrant;
    try {
      grant = await this.options.oauth.refresh(tokens.refreshToken);
    } catch (error) {
      if (error instanceof OAuthGrantRefusedError) return this.refused(install, error.message);
      // HubSpot unreachable or busy: the current token serves while it lasts, and the next call tries again.
      if (expiresAt > this.now().getTime()) return tokens.accessToken;
      throw error;
    }
    const newExpiry = this.now().getTime() + grant.expiresInSeconds * 1000;
    const stored = await this.options.installs.replaceTokens(
      portalId,
      install.version,
      { accessToken: grant.accessToken, refreshToken: grant.refreshToken },
      new Date(newExpiry).toISOString(),
    );
    if (!stored) return this.afterLostRace(portalId);
    this.options.log?.info('HubSpot access token refreshed', { portalId, expiresAt: new Date(newExpiry).toISOString() });
    return this.keep(portalId, grant.accessToken, newExpiry);
  }

  private async refused(install: HubSpotInstall, reason: string): Promise<string | undefined> {
    const marked = await this.options.installs.markNeedsReauthorization(install.portalId, install.version, reason);
    // Refreshed or re-installed elsewhere meanwhile: that write stands, and its token serves.
    if (!marked) return this.afterLostRace(install.portalId);
    this.options.log?.warn('HubSpot refused the refresh token; the portal needs the app installed again', { portalId: install.portalId, reason });
    throw new HubSpotReauthorizationRequired(install.portalId, reason);
  }

  /** Another environment wrote first: its result is read and used as it is, without a second refresh. */
  private async afterLostRace(portalId: string): Promise<string | undefined> {
    const current = await this.options.installs.get(portalId);
    if (!current) return undefined;
    const tokens = usableTokens(current);
    const expiresAt = Date.parse(current.accessTokenExpiresAt);
    if (this.lasts(expiresAt)) return this.keep(portalId, tokens.accessToken, expiresAt);
    if (expiresAt > this.now().getTime()) return tokens.accessToken;
    throw new RetryableError(`HubSpot portal ${portalId}: its token changed during a refresh and has expired; try again`);
  }

  private keep(portalId: string, accessToken: string, expiresAt: number): string {
    this.tokens.set(portalId, { accessToken, expiresAt });
    return accessToken;
  }
}

function usableTokens(install: HubSpotInstall): InstallTokens {
  if (install.status !== 'active' || !install.tokens) {
    throw new HubSpotReauthorizationRequired(install.portalId, install.reauthorization?.reason ?? 'the install has no usable tokens');
  }
  return install.tokens;
}

// ---- installing ----

export interface InstallSteps {
  readonly clientId: () => Promise<string | undefined>;
  readonly scopes: readonly string[];
  readonly authorizeBaseUrl: string;
  /** PUBLIC_BASE_URL + /oauth/hubspot/callback, as registered with the app. */
  readonly redirectUri: string;
  readonly states: OAuthStateStore;
  readonly installs: Pick<HubSpotInstallStore, 'save'>;
  readonly oauth: { exchangeCode(code: string, redirectUri: string): Promise<TokenGrant>; portalOf(accessToken: string): Promise<string> };
  readonly newState: () => string;
  readonly now: () => Date;
}

export class OAuthNotConfiguredError extends MisconfiguredError {
  constructor() {
    super('The HubSpot OAuth app is not configured: put oauthClientId and oauthClientSecret in the hubspot secret');
  }
}

/** A fresh single-use state, stored; the URL of HubSpot's consent screen that carries it. */
export async function beginInstall(steps: InstallSteps): Promise<string> {
  const clientId = await steps.clientId();
  if (!clientId) throw new OAuthNotConfiguredError();
  const state = steps.newState();
  await steps.states.create(state, new Date(steps.now().getTime() + OAUTH_STATE_TTL_SECONDS * 1000));
  return authorizeUrl(steps.authorizeBaseUrl, { clientId, scopes: steps.scopes, redirectUri: steps.redirectUri, state });
}

export interface CallbackQuery {
  readonly state: string;
  readonly code?: string;
  /** Set when HubSpot sends the person back without a code. */
  readonly error?: string;
  readonly errorDescription?: string;
}

/** Checks the state (once), trades the code for tokens, stores them for the portal they belong to. */
export async function completeInstall(query: CallbackQuery, steps: InstallSteps): Promise<InstallSummary> {
  const state = await steps.states.consume(query.state);
  if (state !== 'ok') {
    const why = state === 'expired' ? `expired (an install must finish within ${OAUTH_STATE_TTL_SECONDS / 60} minutes)` : 'unknown or already used';
    throw new ValidationError(`The OAuth state is ${why}; start the install again`, [{ path: 'state', message: why }], 'invalid_oauth_state');
  }
  if (query.error) {
    throw new ValidationError(`HubSpot did not authorize the install: ${query.error}${query.errorDescription ? ` (${query.errorDescription})` : ''}`, [{ path: 'error', message: query.error }], 'oauth_denied');
  }
  if (!query.code) throw new ValidationError('The callback carries no authorization code', [{ path: 'code', message: 'required' }]);
  let grant: TokenGrant;
  try {
    grant = await steps.oauth.exchangeCode(query.code, steps.redirectUri);
  } catch (error) {
    if (!(error instanceof OAuthGrantRefusedError)) throw error;
    throw new ValidationError(`${error.message}; start the install again`, [{ path: 'code', message: 'refused by HubSpot' }], 'oauth_code_rejected');
  }
  const portalId = grant.portalId ?? (await steps.oauth.portalOf(grant.accessToken));
  return steps.installs.save({
    portalId,
    tokens: { accessToken: grant.accessToken, refreshToken: grant.refreshToken },
    accessTokenExpiresAt: new Date(steps.now().getTime() + grant.expiresInSeconds * 1000).toISOString(),
    scopes: grant.scopes ?? steps.scopes,
  });
}
