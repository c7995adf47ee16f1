/**
 * Routes: `POST /leads`, `GET /leads/{leadId}`, `GET /leads?email=` (CONTRACT.md).
 * Validates, stores the lead PENDING, queues it and answers 202; no HubSpot call here.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { acceptLead, type AcceptLeadDeps, type LeadAccepted } from '../core/accept-lead.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import { LeadInputSchema, leadView, normalizeEmail, type LeadInput } from '../core/lead.js';
import type { LeadQueue, LeadStore } from '../core/ports.js';
import { ENV, env } from '../runtime/config.js';
import { errorResponse, header, json, readJsonBody, validate, pathParams } from '../runtime/http.js';
import { observability, once } from '../runtime/observability.js';
import { SqsLeadQueue } from '../runtime/sqs-queue.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoLeadStore } from '../store/lead-store.js';

const { logger, metrics } = observability('lead-events');

export interface LeadEventsDeps {
  readonly leads: LeadStore;
  readonly queue: LeadQueue;
  /** Where `Idempotency-Key` answers are kept; absent, the header is refused rather than ignored. */
  readonly idempotencyStore?: BasePersistenceLayer;
  readonly newId: () => string;
  readonly now: () => Date;
}

export function composeFromEnvironment(): LeadEventsDeps {
  const dynamo = new DynamoDBClient({});
  return {
    leads: new DynamoLeadStore(createDocumentClient(dynamo), env.required(ENV.leadsTable)),
    queue: new SqsLeadQueue(new SQSClient({}), { queueUrl: env.required(ENV.leadSyncQueueUrl) }),
    idempotencyStore: new DynamoDBPersistenceLayer({ tableName: env.required(ENV.idempotencyTable), awsSdkV3Client: dynamo }),
    newId: randomUUID,
    now: () => new Date(),
  };
}

/** Idempotency keys are opaque strings chosen by the caller (IETF draft "The Idempotency-Key HTTP Header Field"). */
const IdempotencyKeySchema = z.string().trim().min(1).max(255);
/** A repeated key is answered from the record for 24 hours. */
const IDEMPOTENCY_TTL_SECONDS = 86_400;

const EmailQuerySchema = z.object({ email: z.string().trim().toLowerCase().pipe(z.email({ message: 'must be a valid email address' })) });

export function makeHandler(getDeps: () => LeadEventsDeps) {
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    // The same key with a different lead is a caller's mistake, not a repeat.
    payloadValidationJmesPath: 'lead',
    expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  });
  const acceptOnce = once(() => {
    const deps = getDeps();
    const acceptDeps: AcceptLeadDeps = { ...deps, log: logger };
    const accept = (request: { idempotencyKey?: string; lead: LeadInput }) => acceptLead(request.lead, acceptDeps);
    const idempotent = deps.idempotencyStore
      ? makeIdempotent(accept, { persistenceStore: deps.idempotencyStore, config: idempotencyConfig, keyPrefix: 'lead-events#POST /leads' })
      : undefined;
    return { accept, idempotent };
  });

  async function postLead(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
    const rawKey = header(event, 'idempotency-key');
    const idempotencyKey = rawKey === undefined ? undefined : validate(IdempotencyKeySchema, rawKey, 'Idempotency-Key header');
    const lead = validate(LeadInputSchema, readJsonBody(event), 'lead');
    const { accept, idempotent } = acceptOnce();
    let accepted: LeadAccepted;
    if (idempotencyKey === undefined) {
      accepted = await accept({ lead });
    } else {
      if (!idempotent) throw new ValidationError('Idempotency-Key is not supported by this deployment', [{ path: 'headers.idempotency-key', message: 'unsupported' }]);
      idempotencyConfig.registerLambdaContext(context);
      try {
        accepted = await idempotent({ idempotencyKey, lead });
      } catch (error) {
        if (error instanceof IdempotencyValidationError) {
          throw new ConflictError('This Idempotency-Key was already used with a different lead', 'idempotency_key_reused');
        }
        if (error instanceof IdempotencyAlreadyInProgressError) {
          throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly', 'request_in_progress');
        }
        throw error;
      }
    }
    // The lead id is the correlation id from here on (seed 004: logs carry the lead id).
    logger.setCorrelationId(accepted.leadId);
    logger.appendKeys({ leadId: accepted.leadId });
    metrics.addMetric('LeadsAccepted', MetricUnit.Count, 1);
    // Published here rather than by middleware: reads add no metric, and an empty flush warns.
    metrics.publishStoredMetrics();
    return json(202, accepted, { location: `/leads/${accepted.leadId}` });
  }

  async function getLead(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const { leadId } = pathParams(event, 'leadId');
    logger.setCorrelationId(leadId);
    const lead = await getDeps().leads.get(leadId);
    if (!lead) throw new NotFoundError(`No lead with id ${leadId}`);
    return json(200, leadView(lead));
  }

  async function findLeads(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const { email } = validate(EmailQuerySchema, { email: event.queryStringParameters?.email ?? '' }, 'query');
    const leads = await getDeps().leads.findByEmail(normalizeEmail(email));
    return json(200, { leads: leads.map(leadView) });
  }

  const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>> = {
    'POST /leads': postLead,
    'GET /leads/{leadId}': getLead,
    'GET /leads': findLeads,
  };

  return middy(async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: { code: 'not_found', message: `No route ${event.routeKey}`, details: [] } });
    try {
      return await route(event, context);
    } catch (error) {
      return errorResponse(error, logger);
    }
  })
    .use(injectLambdaContext(logger, { correlationIdPath: 'requestContext.requestId', resetKeys: true }));
}

export const handler = makeHandler(once(composeFromEnvironment));
