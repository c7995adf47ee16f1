/**
 * HubSpot OAuth for an app installed in several portals (issue 12 §5): the authorize URL, the
 * 2026-03 token endpoint for both grants, and the portal an access token belongs to.
 *
 * - Authorize: `https://app.hubspot.com/oauth/authorize?client_id&scope&redirect_uri&state`
 *   (https://developers.hubspot.com/docs/api-reference/2026-03/authentication/manage-oauth-tokens).
 * - Token: `POST /oauth/2026-03/token`, form-encoded, every parameter in the body (not the query,
 *   so the client secret stays out of access logs), `grant_type=authorization_code` (with
 *   `redirect_uri` and `code`) or `grant_type=refresh_token`. The answer carries `access_token`,
 *   `refresh_token`, `expires_in` (1800: access tokens live 30 minutes), `token_type`, and since
 *   August 2025 `hub_id` and `scopes`
 *   (https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens).
 * - Portal of a token when `hub_id` is missing: `GET /account-info/2026-03/details` → `portalId`
 *   (https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details).
 *
 * A 4xx from the token endpoint is HubSpot refusing the code or the refresh token (a revoked
 * install answers 400 `BAD_REFRESH_TOKEN`): retrying cannot help. 429, 5xx and timeouts are
 * retryable. No token, code or secret ever reaches an error text.
 */
import { z } from 'zod';
import { PermanentError, RetryableError } from '../../core/errors.js';
import { fetchFailureReason, parseJson, readText, redactor, retryAfterHeaderMs, unescapePlain } from '../http.js';
import { readAccountDetails } from './account.js';
import { HubSpotClient } from './client.js';

export const HUBSPOT_AUTHORIZE_URL = 'https://app.hubspot.com/oauth/authorize';
/** Overrides HUBSPOT_AUTHORIZE_URL (the local stack points it at its sandbox). */
export const AUTHORIZE_URL_ENV = 'HUBSPOT_AUTHORIZE_URL';
export const TOKEN_PATH = '/oauth/2026-03/token';
/**
 * The scopes an install asks for, space-separated, when the app's required scopes are not all of
 * scopes.ts `requiredScopes()` (an app made with `setup hubspot --no-custom-objects`): HubSpot
 * refuses an install whose `scope` differs from the app's required scopes.
 */
export const OAUTH_SCOPES_ENV = 'HUBSPOT_OAUTH_SCOPES';
/** Where the install answers; PUBLIC_BASE_URL + this is the redirect URI registered with the app. */
export const OAUTH_CALLBACK_PATH = '/oauth/hubspot/callback';

const PortalIdSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);

export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string(),
  hub_id: PortalIdSchema.optional(),
  scopes: z.array(z.string()).optional(),
});

const TokenErrorSchema = z.object({
  status: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.string().optional(),
  message: z.string().optional(),
});

/** What a grant gives: a token pair, its lifetime, and (when HubSpot says) the portal and scopes. */
export interface TokenGrant {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresInSeconds: number;
  readonly portalId?: string;
  readonly scopes?: readonly string[];
}

/** HubSpot refused the authorization code or the refresh token (a 4xx other than 429). */
export class OAuthGrantRefusedError extends PermanentError {}

export interface HubSpotOAuthClientOptions {
  readonly baseUrl: string;
  readonly clientId: () => Promise<string>;
  readonly clientSecret: () => Promise<string>;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The URL a person installing the app is sent to; `scope` is space-separated, as HubSpot's example encodes it. */
export function authorizeUrl(base: string, params: { clientId: string; scopes: readonly string[]; redirectUri: string; state: string }): string {
  const query = [
    ['client_id', params.clientId],
    ['scope', params.scopes.join(' ')],
    ['redirect_uri', params.redirectUri],
    ['state', params.state],
  ]
    .map(([name, value]) => `${name}=${encodeURIComponent(value!)}`)
    .join('&');
  return `${base}${base.includes('?') ? '&' : '?'}${query}`;
}

export class HubSpotOAuthClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: HubSpotOAuthClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The install's code for its first token pair; `redirectUri` must be the one the install was sent with. */
  exchangeCode(code: string, redirectUri: string): Promise<TokenGrant> {
    return this.grant('authorization code', { grant_type: 'authorization_code', redirect_uri: redirectUri, code }, [code]);
  }

  refresh(refreshToken: string): Promise<TokenGrant> {
    return this.grant('refresh token', { grant_type: 'refresh_token', refresh_token: refreshToken }, [refreshToken]);
  }

  /** The portal an access token works in, for an answer without `hub_id`. */
  async portalOf(accessToken: string): Promise<string> {
    return (await readAccountDetails(new HubSpotClient({ baseUrl: this.baseUrl, accessToken: async () => accessToken, fetch: this.fetch }))).portalId;
  }

  private async grant(what: string, params: Record<string, string>, secrets: readonly string[]): Promise<TokenGrant> {
    const [clientId, clientSecret] = await Promise.all([this.options.clientId(), this.options.clientSecret()]);
    const redact = redactor([clientSecret, ...secrets]);
    const form = new URLSearchParams({ ...params, client_id: clientId, client_secret: clientSecret });
    let response: Response;
    try {
      response = await this.fetch(`${this.baseUrl}${TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RetryableError(redact(`HubSpot token request (${what}) ${fetchFailureReason(error, this.timeoutMs)}`), undefined, { cause: error });
    }
    const text = await readText(response, `HubSpot token request (${what})`);
    if (response.ok) {
      const parsed = TokenResponseSchema.safeParse(parseJson(text, { keepText: false }));
      if (!parsed.success) {
        // Paths only: the values are tokens.
        const where = parsed.error.issues.map((i) => i.path.join('.') || '(body)').join(', ');
        throw new RetryableError(`HubSpot token answer (${what}) has an unexpected shape at ${where}`);
      }
      const body = parsed.data;
      return {
        accessToken: body.access_token,
        refreshToken: body.refresh_token,
        expiresInSeconds: body.expires_in,
        ...(body.hub_id === undefined ? {} : { portalId: body.hub_id }),
        ...(body.scopes === undefined ? {} : { scopes: body.scopes }),
      };
    }
    const reason = redact(errorText(parseJson(unescapePlain(text), { keepText: true })) ?? response.statusText ?? 'no reason given');
    if (response.status === 429 || response.status === 408 || response.status >= 500) {
      throw new RetryableError(`HubSpot token request (${what}) failed (${response.status}): ${reason}`, retryAfterHeaderMs(response.headers.get('retry-after')));
    }
    throw new OAuthGrantRefusedError(`HubSpot refused the ${what} (${response.status}): ${reason}`, response.status);
  }
}

/** `BAD_REFRESH_TOKEN: missing or invalid refresh token`, from either error shape HubSpot uses. */
function errorText(payload: unknown): string | undefined {
  if (typeof payload === 'string') return payload.trim() === '' ? undefined : payload.slice(0, 300);
  const parsed = TokenErrorSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const { status, category, subCategory, message } = parsed.data;
  const code = [status && status !== 'error' ? status : category, subCategory].filter(Boolean).join('/');
  const text = [code, message].filter(Boolean).join(': ');
  return text === '' ? undefined : text.slice(0, 300);
}
