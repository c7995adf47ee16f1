/**
 * Routes: `POST /webhooks/hubspot` and `GET /integrations/hubspot/webhook-status` (CONTRACT.md).
 *
 * The webhook answers fast and does no HubSpot call and no database write: size check (1 MB),
 * signature over the raw body and the configured public URL (401, no detail, nothing queued),
 * zod (400), then queue, and 200 only once every event is safely queued (else 503, so HubSpot
 * sends the delivery again). The consumer routes events by portal and keeps the statistics.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifyHubSpotSignature } from '../connectors/hubspot/signature.js';
import { HubSpotDeliverySchema } from '../connectors/hubspot/webhook-events.js';
import { ValidationError } from '../core/errors.js';
import type { DailyQuota, MessageSender, WebhookStats } from '../core/ports.js';
import { acceptWebhookEvents, QueueUnavailableError, webhookReadiness } from '../core/webhook-intake.js';
import { ENV, HUBSPOT_DEFAULT_BASE_URL, env } from '../runtime/config.js';
import { portalDirectoryFromEnvironment } from '../runtime/hubspot-portals.js';
import { errorResponse, header, json, rawBody, readJsonBody, validate, checkSignedRequest } from '../runtime/http.js';
import { observability, once } from '../runtime/observability.js';
import { HUBSPOT_SECRET, optionalSecretField, secretField } from '../runtime/secrets.js';
import { SqsQueue } from '../runtime/sqs-queue.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { tokenBudgetKey } from '../connectors/hubspot/shared-budget.js';
import { DynamoRateBudgetStore } from '../store/rate-budget.js';
import { DynamoWebhookLedger } from '../store/webhook-ledger.js';

const { logger, metrics } = observability('hubspot-webhook');

/** CONTRACT.md: bodies over 1 MB on `/webhooks/*` are refused with 413. */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;
export const WEBHOOK_PATH = '/webhooks/hubspot';

export interface HubSpotWebhookDeps {
  readonly clientSecret: () => Promise<string>;
  /** The OAuth app's client secret, when there is an OAuth app (issue 12 §5). */
  readonly oauthClientSecret?: () => Promise<string | undefined>;
  /** The portal the access token belongs to (configured, or asked of HubSpot); the status route shows it. */
  readonly primaryPortalId: () => Promise<string>;
  /** The URL the API is reached at; HubSpot signs the full URL it called. */
  readonly publicBaseUrl: string;
  readonly acceptLegacySignatures: boolean;
  /** The subscriptions this deployment handles (shown by the status route). */
  readonly subscribedEvents: readonly string[];
  readonly queue: MessageSender;
  readonly stats: WebhookStats;
  /** The primary token's daily API quota as the flows last saw it (issue 13 §3), shown by the status route. */
  readonly dailyQuota: () => Promise<DailyQuota | undefined>;
  readonly now: () => Date;
}

export function composeFromEnvironment(): HubSpotWebhookDeps {
  const portals = portalDirectoryFromEnvironment({ baseUrl: env.optional(ENV.hubspotBaseUrl) ?? HUBSPOT_DEFAULT_BASE_URL });
  const oauthClientSecret = optionalSecretField(HUBSPOT_SECRET, 'oauthClientSecret');
  const accessToken = secretField(HUBSPOT_SECRET, 'accessToken');
  const db = createDocumentClient(new DynamoDBClient({}));
  const stats = new DynamoWebhookLedger(db, { syncStateTable: env.required(ENV.syncStateTable) });
  const budgets = new DynamoRateBudgetStore(db, env.required(ENV.syncStateTable));
  return {
    clientSecret: secretField(HUBSPOT_SECRET, 'clientSecret'),
    oauthClientSecret: async () => {
      const value = await oauthClientSecret();
      return typeof value === 'string' ? value : undefined;
    },
    primaryPortalId: () => portals.primaryPortalId(),
    publicBaseUrl: env.required(ENV.publicBaseUrl),
    acceptLegacySignatures: env.optional(ENV.hubspotLegacySignatures) === 'on',
    subscribedEvents: (env.optional(ENV.hubspotWebhookEvents) ?? '').split(',').filter(Boolean),
    queue: new SqsQueue(new SQSClient({}), { queueUrl: env.required(ENV.hubspotEventsQueueUrl) }),
    stats,
    dailyQuota: async () => (await budgets.load(tokenBudgetKey(await accessToken()))).daily,
    now: () => new Date(),
  };
}

/** The day's quota as the status route shows it: what HubSpot last said, and until when it is spent. */
function dailyQuotaView(daily: DailyQuota, now: Date): Record<string, unknown> {
  const spent = daily.exhaustedUntil !== undefined && daily.exhaustedUntil > now.getTime();
  return {
    ...(daily.limit !== undefined ? { limit: daily.limit } : {}),
    remaining: spent ? 0 : (daily.remaining ?? null),
    observedAt: new Date(daily.observedAt).toISOString(),
    ...(spent ? { spentUntil: new Date(daily.exhaustedUntil as number).toISOString() } : {}),
  };
}

/** The URL HubSpot called, as configured: the public base URL, the path, the query string. */
export function signedUri(publicBaseUrl: string, event: APIGatewayProxyEventV2): string {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `${publicBaseUrl.replace(/\/+$/, '')}${event.rawPath}${query}`;
}


export function makeHandler(getDeps: () => HubSpotWebhookDeps) {
  async function receive(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const deps = getDeps();
    const body = rawBody(event);
    if (body.byteLength > WEBHOOK_MAX_BODY_BYTES) {
      throw new ValidationError(`Body is ${body.byteLength} bytes; the limit is ${WEBHOOK_MAX_BODY_BYTES}`, [], 'payload_too_large', 413);
    }
    const gate = await checkSignedRequest(
      event,
      [
        { name: 'hubspot.clientSecret', secret: deps.clientSecret },
        // Deliveries for portals connected through the OAuth app are signed with its secret.
        ...(deps.oauthClientSecret ? [{ name: 'hubspot.oauthClientSecret', secret: deps.oauthClientSecret, optional: true }] : []),
      ],
      (clientSecret) =>
        verifyHubSpotSignature(
          { method: event.requestContext.http.method, uri: signedUri(deps.publicBaseUrl, event), rawBody: body, header: (name) => header(event, name) },
          { clientSecret, now: deps.now().getTime(), acceptLegacy: deps.acceptLegacySignatures },
        ),
      { log: logger, metrics },
      { message: 'HubSpot webhook signature rejected', metric: 'WebhookSignatureRejected' },
    );
    if ('refused' in gate) return gate.refused;
    const check = gate.accepted;
    const events = validate(HubSpotDeliverySchema, readJsonBody(event, WEBHOOK_MAX_BODY_BYTES), 'webhook delivery');
    try {
      const result = await acceptWebhookEvents(events, { queue: deps.queue, now: deps.now, rawEvents: body.toString('utf8') });
      metrics.addMetric('WebhookEventsQueued', MetricUnit.Count, result.received);
      metrics.publishStoredMetrics();
      logger.info('HubSpot webhook delivery queued', { ...result, signature: check.version });
      return json(200, result);
    } catch (error) {
      if (!(error instanceof QueueUnavailableError)) throw error;
      logger.error('HubSpot webhook delivery not queued; HubSpot will send it again', { error: error.message });
      return json(503, { error: { code: 'queue_unavailable', message: 'Events could not be queued; retry later', details: [] } });
    }
  }

  async function status(): Promise<APIGatewayProxyStructuredResultV2> {
    const deps = getDeps();
    const readiness = await webhookReadiness(deps);
    const totals = await deps.stats.totals();
    const daily = readiness.enabled ? await deps.dailyQuota() : undefined;
    return json(200, {
      ...readiness,
      ...totals,
      ...(daily ? { dailyQuota: dailyQuotaView(daily, deps.now()) } : {}),
      events: deps.subscribedEvents,
      webhookUrl: `${deps.publicBaseUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`,
    });
  }

  const routes: Record<string, (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>> = {
    [`POST ${WEBHOOK_PATH}`]: receive,
    'GET /integrations/hubspot/webhook-status': status,
  };

  return middy(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: { code: 'not_found', message: `No route ${event.routeKey}`, details: [] } });
    try {
      return await route(event);
    } catch (error) {
      return errorResponse(error, logger);
    }
  }).use(injectLambdaContext(logger, { correlationIdPath: 'requestContext.requestId', resetKeys: true }));
}

export const handler = makeHandler(once(composeFromEnvironment));
