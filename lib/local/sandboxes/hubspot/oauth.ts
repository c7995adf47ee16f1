/**
 * HubSpot's OAuth, as an app installed in several portals meets it (issue 12 §5):
 * - `GET /oauth/authorize?client_id&scope&redirect_uri&state` (HubSpot serves it on
 *   app.hubspot.com): the sandbox plays a super admin who approves at once and answers 302 to
 *   `redirect_uri?code=…&state=…`. The installing portal is the one named in the path
 *   (`/oauth/<portalId>/authorize`, as HubSpot takes it), else a `portalId` query parameter (a
 *   sandbox extension), else the one `PUT /__sandbox/oauth` set (PORTAL_ID by default).
 * - `POST /oauth/2026-03/token`, form-encoded, every parameter in the body: `authorization_code`
 *   (single use, valid 5 minutes, same redirect_uri) and `refresh_token`. Access tokens expire
 *   after `expires_in` 1800 seconds; the refresh token stays the same; the answer carries `hub_id`
 *   and `scopes` (https://developers.hubspot.com/docs/api-reference/2026-03/authentication/manage-oauth-tokens,
 *   https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens).
 * - The CRM routes take an issued access token until it expires, then answer 401
 *   `EXPIRED_AUTHENTICATION` "The OAuth token used to make this call expired N second(s) ago."
 *   (the text HubSpot sends: https://github.com/airbytehq/airbyte/issues/74726).
 *
 * Controls (no auth): `GET /__sandbox/oauth`; `PUT /__sandbox/oauth {"installPortalId"}`;
 * `POST /__sandbox/oauth/clock {"advanceSeconds"}` moves this module's clock (code and token
 * expiry) forward; `POST /__sandbox/oauth/revoke {"portalId"}` uninstalls the app from a portal
 * (its refresh and access tokens stop working). Every portal sees the sandbox's one CRM store.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { PORTAL_ID, errorBody, httpError, HubSpotHttpError, unauthorized, validationError } from './errors.js';
import { parseBody } from './schemas.js';

/** The OAuth app the sandbox knows; the local stack configures these (CONTRACT.md HUBSPOT_OAUTH_*). */
export const SANDBOX_OAUTH_CLIENT_ID = 'local-sandbox-oauth-client-id';
export const SANDBOX_OAUTH_CLIENT_SECRET = 'local-sandbox-oauth-client-secret';
export const ACCESS_TOKEN_TTL_SECONDS = 1800;
const CODE_TTL_MS = 5 * 60 * 1000;

const AUTHORIZE_ROUTE = /^\/oauth\/(?:(\d{1,20})\/)?authorize\/?$/;
const TOKEN_ROUTE = /^\/oauth\/2026-03\/token\/?$/;

export interface SandboxOAuthOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The clock (ms since the epoch) the controls move forward; default Date.now. */
  readonly now?: () => number;
}

export interface OAuthReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface IssuedCode {
  readonly portalId: number;
  readonly redirectUri: string;
  readonly scopes: string[];
  readonly expiresAt: number;
}

interface Grant {
  readonly portalId: number;
  readonly scopes: string[];
}

const PortalIdInput = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const SettingsInput = z.strictObject({ installPortalId: PortalIdInput });
const ClockInput = z.strictObject({ advanceSeconds: z.number().nonnegative().max(10 * 365 * 24 * 3600) });
const RevokeInput = z.strictObject({ portalId: PortalIdInput });

/** HubSpot's standard error body with the OAuth failure as its sub-category (`BAD_REFRESH_TOKEN`, ...). */
function oauthError(subCategory: string, message: string, status = 400): HubSpotHttpError {
  return new HubSpotHttpError(status, errorBody(status === 401 ? 'INVALID_AUTHENTICATION' : 'VALIDATION_ERROR', message, { subCategory }));
}

const newSecret = (prefix: string) => `${prefix}-${randomBytes(24).toString('base64url')}`;

export class SandboxOAuth {
  private offsetMs = 0;
  private installPortalId = PORTAL_ID;
  private readonly codes = new Map<string, IssuedCode>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, Grant & { expiresAt: number }>();
  private readonly clientId: string;
  private readonly clientSecret: string;

  constructor(private readonly options: SandboxOAuthOptions = {}) {
    this.clientId = options.clientId ?? SANDBOX_OAUTH_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? SANDBOX_OAUTH_CLIENT_SECRET;
  }

  now(): number {
    return (this.options.now ?? Date.now)() + this.offsetMs;
  }

  /** The OAuth API paths, and their control paths. */
  static handles(path: string): boolean {
    return path.startsWith('/oauth/') || path === '/__sandbox/oauth' || path.startsWith('/__sandbox/oauth/');
  }

  /** Answers one request of a path `handles` accepts; HubSpot's errors are answered, not thrown. */
  answer(method: string, url: URL, raw: Buffer, contentType: string | undefined): OAuthReply {
    try {
      const path = url.pathname;
      if (path.startsWith('/__sandbox/')) return this.control(`${method} ${path.replace(/\/+$/, '')}`, raw);
      const authorize = AUTHORIZE_ROUTE.exec(path);
      if (authorize && method === 'GET') return this.authorize(url, authorize[1]);
      if (TOKEN_ROUTE.test(path) && method === 'POST') return this.token(raw, contentType);
      throw httpError(404, 'OBJECT_NOT_FOUND', `No OAuth route ${method} ${path}`);
    } catch (err) {
      if (err instanceof HubSpotHttpError) return { status: err.status, body: err.body, headers: err.headers };
      throw err;
    }
  }

  /**
   * What the CRM routes answer an access token the sandbox's static token is not: undefined when
   * it is an issued, unexpired OAuth token; HubSpot's 401 otherwise.
   */
  refusal(token: string | undefined): HubSpotHttpError | undefined {
    const issued = token === undefined ? undefined : this.accessTokens.get(token);
    if (!issued) return unauthorized();
    const overSeconds = Math.floor((this.now() - issued.expiresAt) / 1000);
    if (overSeconds < 0) return undefined;
    return httpError(401, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${overSeconds} second(s) ago.`, {
      context: { 'expire time': [new Date(issued.expiresAt).toISOString()] },
    });
  }

  /** The portal an issued access token belongs to (what the account details API would say), expired or not. */
  portalOf(token: string): number | undefined {
    return this.accessTokens.get(token)?.portalId;
  }

  reset(): void {
    this.offsetMs = 0;
    this.installPortalId = PORTAL_ID;
    this.codes.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }

  private authorize(url: URL, pathPortal: string | undefined): OAuthReply {
    const query = url.searchParams;
    if (query.get('client_id') !== this.clientId) throw validationError('Unknown client_id: no app with this client id');
    const scopes = (query.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (scopes.length === 0) throw validationError('The authorization URL requests no scope');
    const redirectUri = query.get('redirect_uri') ?? '';
    let redirect: URL;
    try {
      redirect = new URL(redirectUri);
    } catch {
      throw validationError('redirect_uri is missing or not a URL');
    }
    if (redirect.protocol !== 'https:' && redirect.protocol !== 'http:') throw validationError('redirect_uri must be an http(s) URL');
    const queryPortal = query.get('portalId');
    const portalId = PortalIdInput.safeParse(pathPortal ?? queryPortal ?? this.installPortalId);
    if (!portalId.success) throw validationError('portalId must be a portal id');

    const code = newSecret('sbx-code');
    this.codes.set(code, { portalId: portalId.data, redirectUri, scopes, expiresAt: this.now() + CODE_TTL_MS });
    redirect.searchParams.set('code', code);
    const state = query.get('state');
    if (state !== null) redirect.searchParams.set('state', state);
    return { status: 302, headers: { Location: redirect.toString(), 'Cache-Control': 'no-store' } };
  }

  private token(raw: Buffer, contentType: string | undefined): OAuthReply {
    const type = contentType?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      throw new HubSpotHttpError(415, errorBody('VALIDATION_ERROR', `Content type '${contentType ?? ''}' is not supported. Send the body as application/x-www-form-urlencoded.`));
    }
    const form = new URLSearchParams(raw.toString('utf8'));
    if (form.get('client_id') !== this.clientId) throw oauthError('BAD_CLIENT_ID', 'missing or unknown client id');
    if (form.get('client_secret') !== this.clientSecret) throw oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret');
    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const code = form.get('code') ?? '';
        const issued = this.codes.get(code);
        if (!issued) throw oauthError('BAD_AUTH_CODE', 'missing or invalid auth code');
        // Single use, whatever happens next.
        this.codes.delete(code);
        if (issued.expiresAt <= this.now()) throw oauthError('EXPIRED_AUTH_CODE', 'auth code is expired');
        if (form.get('redirect_uri') !== issued.redirectUri) throw oauthError('BAD_REDIRECT_URI', 'redirect_uri does not match the one of the authorization');
        const refreshToken = newSecret('sbx-oauth-rt');
        this.refreshTokens.set(refreshToken, { portalId: issued.portalId, scopes: issued.scopes });
        return this.issue(refreshToken);
      }
      case 'refresh_token': {
        const refreshToken = form.get('refresh_token') ?? '';
        if (!this.refreshTokens.has(refreshToken)) throw oauthError('BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
        return this.issue(refreshToken);
      }
      default:
        throw oauthError('BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
  }

  private issue(refreshToken: string): OAuthReply {
    const grant = this.refreshTokens.get(refreshToken)!;
    const accessToken = newSecret('sbx-oauth-at');
    this.accessTokens.set(accessToken, { ...grant, expiresAt: this.now() + ACCESS_TOKEN_TTL_SECONDS * 1000 });
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
      body: {
        token_type: 'bearer',
        access_token: accessToken,
        refresh_token: refreshToken,
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
        hub_id: grant.portalId,
        scopes: grant.scopes,
      },
    };
  }

  private control(key: string, raw: Buffer): OAuthReply {
    const body = () => {
      if (raw.length === 0) return undefined;
      try {
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch (err) {
        throw validationError(`Invalid input JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    switch (key) {
      case 'GET /__sandbox/oauth':
        return { status: 200, body: this.view() };
      case 'PUT /__sandbox/oauth':
        this.installPortalId = parseBody(SettingsInput, body()).installPortalId;
        return { status: 200, body: this.view() };
      case 'POST /__sandbox/oauth/clock':
        this.offsetMs += parseBody(ClockInput, body()).advanceSeconds * 1000;
        return { status: 200, body: this.view() };
      case 'POST /__sandbox/oauth/revoke': {
        const { portalId } = parseBody(RevokeInput, body());
        let revoked = 0;
        for (const tokens of [this.refreshTokens, this.accessTokens] as Map<string, Grant>[]) {
          for (const [token, grant] of tokens) {
            if (grant.portalId !== portalId) continue;
            tokens.delete(token);
            revoked += 1;
          }
        }
        return { status: 200, body: { portalId, revoked } };
      }
      default:
        throw httpError(404, 'OBJECT_NOT_FOUND', `No sandbox control route ${key}`);
    }
  }

  private view() {
    const installed = new Set([...this.refreshTokens.values()].map((g) => g.portalId));
    return {
      installPortalId: this.installPortalId,
      now: new Date(this.now()).toISOString(),
      clockOffsetSeconds: this.offsetMs / 1000,
      installedPortalIds: [...installed].sort((a, b) => a - b),
    };
  }
}
