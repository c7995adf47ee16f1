/**
 * Routes (CONTRACT.md): `POST /events/turbotenant`, `GET /events/turbotenant/{eventId}` (seed 000's
 * sync confirmation) and `GET /mappings/{system}/{type}/{sourceId}`.
 *
 * The event route answers fast and calls neither TurboTenant nor HubSpot: signature (401, bare,
 * nothing recorded), zod (400 naming the field), a pending confirmation written only if the event
 * id is new, the queue, and 202. The same `event_id` again is accepted and has no second effect;
 * if it is still pending (say the first queueing failed) it is queued again, harmlessly.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { TurboTenantEventSchema, type TurboTenantEvent as WireEvent } from '../connectors/turbotenant/schemas.js';
import { verifyTurboTenantSignature } from '../connectors/turbotenant/signature.js';
import { NotFoundError } from '../core/errors.js';
import type { MessageSender } from '../core/ports.js';
import type { TurboTenantEvent } from '../core/turbotenant-sync.js';
import { ENV, env } from '../runtime/config.js';
import { errorResponse, header, json, rawBody, readJsonBody, validate, checkSignedRequest, pathParams } from '../runtime/http.js';
import { observability, once } from '../runtime/observability.js';
import { secretField, TURBOTENANT_SECRET } from '../runtime/secrets.js';
import type { TurboTenantEventsMessage } from '../runtime/queue-messages.js';
import { SqsQueue } from '../runtime/sqs-queue.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { confirmationView, DynamoEventConfirmations, type Confirmation } from '../store/event-confirmations.js';
import { DynamoMappingStore, mappingView, type EntityMapping } from '../store/mapping-store.js';

const { logger, metrics } = observability('turbotenant-events');

export interface TurboTenantEventsDeps {
  readonly webhookSecret: () => Promise<string>;
  readonly confirmations: { accept(eventId: string): Promise<'new' | 'known'>; get(eventId: string): Promise<Confirmation | undefined> };
  readonly mappings: { get(system: string, type: string, sourceId: string): Promise<EntityMapping | undefined> };
  readonly queue: MessageSender;
  readonly now: () => Date;
}

export function composeFromEnvironment(): TurboTenantEventsDeps {
  const db = createDocumentClient(new DynamoDBClient({}));
  return {
    webhookSecret: secretField(TURBOTENANT_SECRET, 'webhookSecret'),
    confirmations: new DynamoEventConfirmations(db, env.required(ENV.syncStateTable)),
    mappings: new DynamoMappingStore(db, env.required(ENV.mappingsTable)),
    queue: new SqsQueue(new SQSClient({}), { queueUrl: env.required(ENV.turbotenantEventsQueueUrl) }),
    now: () => new Date(),
  };
}

/** The wire event as the sync core sees it (camel case, the lead only on lead_created). */
export function toCoreEvent(event: WireEvent): TurboTenantEvent {
  return {
    eventId: event.event_id,
    type: event.event_type,
    occurredAt: event.occurred_at,
    landlordId: event.landlord_id,
    propertyId: event.property_id,
    metadata: event.metadata,
    ...(event.event_type === 'lead_created' ? { lead: event.lead } : {}),
  };
}


export function makeHandler(getDeps: () => TurboTenantEventsDeps) {
  async function receive(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const deps = getDeps();
    const gate = await checkSignedRequest(
      event,
      { name: 'turbotenant.webhookSecret', secret: deps.webhookSecret },
      (secret) => verifyTurboTenantSignature({ header: (name) => header(event, name), rawBody: rawBody(event), secret, now: deps.now().getTime() }),
      { log: logger, metrics },
      { message: 'TurboTenant event signature rejected', metric: 'TurboTenantSignatureRejected' },
    );
    if ('refused' in gate) return gate.refused;
    const wire = validate(TurboTenantEventSchema, readJsonBody(event), 'TurboTenant event');
    const core = toCoreEvent(wire);
    logger.appendKeys({ eventId: core.eventId });
    const seen = await deps.confirmations.accept(core.eventId);
    const settled = seen === 'known' && (await deps.confirmations.get(core.eventId))?.status !== 'pending';
    if (!settled) {
      const { failed } = await deps.queue.sendBodies([JSON.stringify({ event: core } satisfies TurboTenantEventsMessage)]);
      if (failed.length > 0) {
        // The pending record stays; TurboTenant's retry queues the event again.
        logger.error('TurboTenant event not queued; the sender should retry');
        return json(503, { error: { code: 'queue_unavailable', message: 'The event could not be queued; retry later', details: [] } });
      }
    }
    metrics.addMetric(seen === 'new' ? 'TurboTenantEventsAccepted' : 'TurboTenantEventsRepeated', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return json(202, { status: 'accepted', event_id: core.eventId });
  }

  async function confirmation(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const { eventId } = pathParams(event, 'eventId');
    const found = await getDeps().confirmations.get(eventId);
    if (!found) throw new NotFoundError(`No TurboTenant event ${eventId}`);
    return json(200, confirmationView(found));
  }

  async function mapping(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const { system, type, sourceId } = pathParams(event, 'system', 'type', 'sourceId');
    const found = await getDeps().mappings.get(system, type, sourceId);
    if (!found) throw new NotFoundError(`No mapping for ${system}/${type}/${sourceId}`);
    return json(200, mappingView(found));
  }

  const routes: Record<string, (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>> = {
    'POST /events/turbotenant': receive,
    'GET /events/turbotenant/{eventId}': confirmation,
    'GET /mappings/{system}/{type}/{sourceId}': mapping,
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
