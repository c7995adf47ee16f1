/**
 * Routes: `GET /oauth/hubspot/install`, `GET /oauth/hubspot/callback` (public, CONTRACT.md) and
 * `GET /integrations/hubspot/installs` (internal): the OAuth app installed in further portals
 * (issue 12 §5).
 *
 * Install answers 302 to HubSpot's consent screen with a fresh single-use `state`. The callback
 * checks that state (unknown, expired or used: 400 `invalid_oauth_state`), trades the code for the
 * portal's tokens, stores them sealed and says which portal was connected, never a token. The
 * status lists the installs, with the reason of any that needs re-authorization.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { beginInstall, completeInstall, type InstallSteps, type InstallSummary } from '../connectors/hubspot/installations.js';
import { AUTHORIZE_URL_ENV, HUBSPOT_AUTHORIZE_URL, HubSpotOAuthClient, OAUTH_CALLBACK_PATH, OAUTH_SCOPES_ENV } from '../connectors/hubspot/oauth.js';
import { requiredScopes } from '../connectors/hubspot/scopes.js';
import { MisconfiguredError, RetryableError } from '../core/errors.js';
import { ENV, HUBSPOT_DEFAULT_BASE_URL, env } from '../runtime/config.js';
import { errorResponse, header, json, validate } from '../runtime/http.js';
import { observability, once } from '../runtime/observability.js';
import { HUBSPOT_SECRET, optionalSecretField, secretField } from '../runtime/secrets.js';
import { tokenCipherFromEnvironment } from '../runtime/token-cipher.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoHubSpotInstalls, DynamoOAuthStates } from '../store/hubspot-installs.js';

const { logger } = observability('hubspot-oauth');

export interface HubSpotOAuthDeps extends InstallSteps {
  readonly installs: InstallSteps['installs'] & { list(): Promise<InstallSummary[]> };
}

export function composeFromEnvironment(): HubSpotOAuthDeps {
  const db = createDocumentClient(new DynamoDBClient({}));
  const table = env.required(ENV.syncStateTable);
  const clientId = optionalSecretField(HUBSPOT_SECRET, 'oauthClientId');
  const now = () => new Date();
  return {
    clientId: async () => {
      const value = await clientId();
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    },
    // The app's required scopes, which the install URL must name exactly.
    scopes: env.optional(OAUTH_SCOPES_ENV)?.split(/\s+/).filter(Boolean) ?? requiredScopes(),
    authorizeBaseUrl: env.optional(AUTHORIZE_URL_ENV) ?? HUBSPOT_AUTHORIZE_URL,
    redirectUri: `${env.required(ENV.publicBaseUrl).replace(/\/+$/, '')}${OAUTH_CALLBACK_PATH}`,
    states: new DynamoOAuthStates(db, table, now),
    installs: new DynamoHubSpotInstalls(db, table, tokenCipherFromEnvironment(), now),
    oauth: new HubSpotOAuthClient({
      baseUrl: env.optional(ENV.hubspotBaseUrl) ?? HUBSPOT_DEFAULT_BASE_URL,
      clientId: secretField(HUBSPOT_SECRET, 'oauthClientId'),
      clientSecret: secretField(HUBSPOT_SECRET, 'oauthClientSecret'),
    }),
    // 256 bits: unguessable, so only the browser that started an install can finish it.
    newState: () => randomBytes(32).toString('base64url'),
    now,
  };
}

const CallbackQuerySchema = z.object({
  state: z.string().min(1).max(512),
  code: z.string().min(1).max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

const NO_STORE = { 'cache-control': 'no-store' };

/** A browser gets a small page; anything else the JSON. Neither holds a token. */
function connected(event: APIGatewayProxyEventV2, install: InstallSummary): APIGatewayProxyStructuredResultV2 {
  const body = { status: 'connected', portalId: install.portalId, scopes: install.scopes };
  if (!(header(event, 'accept') ?? '').includes('text/html')) return json(200, body, NO_STORE);
  // The portal id is digits (checked when read from HubSpot); nothing else of HubSpot's is shown.
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>HubSpot connected</title></head><body><h1>HubSpot portal ${install.portalId} is connected</h1><p>The sync now serves this portal. You can close this page.</p></body></html>`;
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE }, body: page };
}

export function makeHandler(getDeps: () => HubSpotOAuthDeps) {
  const routes: Record<string, (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>> = {
    'GET /oauth/hubspot/install': async () => {
      const location = await beginInstall(getDeps());
      return { statusCode: 302, headers: { location, ...NO_STORE }, body: '' };
    },
    'GET /oauth/hubspot/callback': async (event) => {
      const query = validate(CallbackQuerySchema, event.queryStringParameters ?? {}, 'OAuth callback');
      const install = await completeInstall(
        { state: query.state, ...(query.code ? { code: query.code } : {}), ...(query.error ? { error: query.error } : {}), ...(query.error_description ? { errorDescription: query.error_description } : {}) },
        getDeps(),
      );
      logger.info('HubSpot portal connected through the OAuth app', { portalId: install.portalId, version: install.version });
      return connected(event, install);
    },
    'GET /integrations/hubspot/installs': async () => json(200, { installs: await getDeps().installs.list() }),
  };

  return middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: { code: 'not_found', message: `No route ${event.routeKey}`, details: [] } });
    try {
      return await route(event);
    } catch (error) {
      if (error instanceof MisconfiguredError) {
        logger.error('HubSpot OAuth is not configured', { error: error.message });
        return json(503, { error: { code: 'oauth_not_configured', message: error.message, details: [] } });
      }
      if (error instanceof RetryableError) {
        logger.warn('HubSpot did not answer the OAuth request', { error: error.message });
        return json(502, { error: { code: 'hubspot_unavailable', message: 'HubSpot could not be reached; start the install again', details: [] } });
      }
      return errorResponse(error, logger);
    }
  }).use(injectLambdaContext(logger, { correlationIdPath: 'requestContext.requestId', resetKeys: true }));
}

export const handler = makeHandler(once(composeFromEnvironment));
