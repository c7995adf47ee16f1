/**
 * Starts Buildium syncs and answers for them (issue 5 §3; CONTRACT.md):
 * - EventBridge `{action:"sync", mode}`: the incremental schedule (seed 002 §11.2 rates) and the
 *   periodic full reconcile (unit flags Buildium does not date);
 * - `POST /sync/buildium` `{"mode":"incremental"|"full"}` → 202 `{"jobId"}`;
 * - `GET /sync/jobs/{jobId}` (the contract's job) and `GET /sync/jobs/{jobId}/errors` (its sync
 *   errors with retry counts and resolved flags, and the data-quality summary);
 *   `POST /sync/jobs/{jobId}/errors/{entity}/{sourceId}/resolve` marks one resolved;
 * - `POST /webhooks/buildium`: Buildium's signature (bare 401 when it fails, nothing queued), the
 *   event (400 naming the field), the named records queued → 200;
 * - `GET|PUT /sync/buildium/config`: field-mapping overrides and the conflict strategy, applied
 *   from the next message on, without a deploy;
 * - `GET /sync/buildium/reviews` and `POST /sync/buildium/reviews/{entity}/{sourceId}`
 *   `{"resolution":"buildium"|"hubspot"}`: the manual-review queue.
 * It reads neither Buildium nor HubSpot: it opens jobs and queues messages; buildium-sync works.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { verifyBuildiumSignature } from '../connectors/buildium/signature.js';
import { SyncConfigSchema } from '../core/buildium-config.js';
import { openJob } from '../core/buildium-jobs.js';
import { BUILDIUM_CURSOR, LIST_OF_ENTITY, type SyncMessage } from '../core/buildium-messages.js';
import { BuildiumWebhookEventSchema, webhookRefs } from '../core/buildium-webhooks.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { ENV, env } from '../runtime/config.js';
import { checkSignedRequest, errorResponse, header, json, NoInputSchema, pathParams, rawBody, readJsonBody, readOptionalJsonBody, validate } from '../runtime/http.js';
import { observability, once } from '../runtime/observability.js';
import { BUILDIUM_SECRET, secretField } from '../runtime/secrets.js';
import { SqsQueue } from '../runtime/sqs-queue.js';
import { DynamoBuildiumConfig } from '../store/buildium-config.js';
import { DynamoCursors } from '../store/cursors.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoSyncJobs } from '../store/sync-jobs.js';

const { logger, metrics } = observability('buildium-scheduler');

/** Webhook bodies are small (an event names one record); this leaves room for anything Buildium adds. */
const WEBHOOK_MAX_BYTES = 1024 * 1024;

export interface BuildiumSchedulerDeps {
  readonly jobs: DynamoSyncJobs;
  readonly cursors: DynamoCursors;
  readonly config: DynamoBuildiumConfig;
  readonly queue: { sendBodies(bodies: readonly string[]): Promise<{ failed: number[] }> };
  readonly webhookSecret: () => Promise<string>;
  readonly pageSize: number;
  readonly overlapSeconds: number;
  readonly now: () => Date;
  readonly newId: () => string;
}

export function composeFromEnvironment(): BuildiumSchedulerDeps {
  const db = createDocumentClient(new DynamoDBClient({}));
  const stateTable = env.required(ENV.syncStateTable);
  return {
    jobs: new DynamoSyncJobs(db, stateTable),
    cursors: new DynamoCursors(db, stateTable),
    config: new DynamoBuildiumConfig(db, stateTable),
    queue: new SqsQueue(new SQSClient({}), { queueUrl: env.required(ENV.buildiumSyncQueueUrl) }),
    webhookSecret: secretField(BUILDIUM_SECRET, 'webhookSecret'),
    pageSize: env.integer(ENV.buildiumPageSize, 1000),
    overlapSeconds: env.integer(ENV.buildiumWindowOverlapSeconds, 120),
    now: () => new Date(),
    newId: () => randomUUID(),
  };
}

const ModeSchema = z.strictObject({ mode: z.enum(['incremental', 'full']).default('incremental') });
const ScheduledSchema = z.object({ action: z.literal('sync'), mode: z.enum(['incremental', 'full']), schedule: z.string().optional() });
const ResolutionSchema = z.strictObject({ resolution: z.enum(['buildium', 'hubspot']) });

const queueUnavailable = () => json(503, { error: { code: 'queue_unavailable', message: 'Could not be queued; retry later', details: [] } });

export function makeHandler(getDeps: () => BuildiumSchedulerDeps) {
  async function send(deps: BuildiumSchedulerDeps, messages: readonly SyncMessage[]): Promise<boolean> {
    const { failed } = await deps.queue.sendBodies(messages.map((m) => JSON.stringify(m)));
    return failed.length === 0;
  }

  async function start(mode: 'incremental' | 'full'): Promise<string> {
    const deps = getDeps();
    return openJob(mode, {
      jobs: deps.jobs,
      cursor: { get: () => deps.cursors.get(BUILDIUM_CURSOR) },
      queue: {
        async send(messages) {
          if (!(await send(deps, messages))) throw new QueueUnavailable();
        },
      },
      newId: deps.newId,
      now: deps.now,
      pageSize: deps.pageSize,
      overlapSeconds: deps.overlapSeconds,
    });
  }

  async function postSync(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const hasBody = rawBody(event).byteLength > 0;
    const { mode } = validate(ModeSchema, hasBody ? readJsonBody(event) : {}, 'sync request');
    try {
      const jobId = await start(mode);
      logger.info('Buildium sync job opened', { jobId, mode, trigger: 'api' });
      return json(202, { jobId });
    } catch (error) {
      if (error instanceof QueueUnavailable) return queueUnavailable();
      throw error;
    }
  }

  async function getJob(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const { jobId } = pathParams(event, 'jobId');
    const job = await getDeps().jobs.get(jobId);
    if (!job) throw new NotFoundError(`No sync job ${jobId}`);
    return json(200, job);
  }

  async function getJobErrors(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const deps = getDeps();
    const { jobId } = pathParams(event, 'jobId');
    const [job, errors] = await Promise.all([deps.jobs.state(jobId), deps.jobs.errors(jobId)]);
    if (!job) throw new NotFoundError(`No sync job ${jobId}`);
    const byType = (t: string) => errors.filter((e) => e.errorType === t).length;
    return json(200, {
      jobId,
      quality: { invalid: job.quality.invalid, duplicateEmails: job.quality.duplicateEmails, validationErrors: byType('validation_error'), apiErrors: byType('api_error'), mappingErrors: byType('mapping_error') },
      errors: errors.map(({ entity, sourceId, errorType, reason, retries, resolved, firstSeenAt, lastSeenAt }) => ({ entity, sourceId, errorType, reason, retries, resolved, firstSeenAt, lastSeenAt })),
    });
  }

  /** An operator marks a sync error handled (seed 002 `sync_errors.resolved`). */
  async function resolveError(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const deps = getDeps();
    readOptionalJsonBody(event, NoInputSchema, 'resolve request');
    const { jobId, entity, sourceId } = pathParams(event, 'jobId', 'entity', 'sourceId');
    const known = (await deps.jobs.errors(jobId)).find((e) => e.entity === entity && e.sourceId === sourceId);
    if (!known) throw new NotFoundError(`No sync error for ${entity} ${sourceId} in job ${jobId}`);
    await deps.jobs.resolveError(jobId, entity, sourceId);
    return json(200, { jobId, entity, sourceId, resolved: true });
  }

  async function webhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const deps = getDeps();
    const body = rawBody(event);
    if (body.byteLength > WEBHOOK_MAX_BYTES) throw new ValidationError(`Body is ${body.byteLength} bytes; the limit is ${WEBHOOK_MAX_BYTES}`, [], 'payload_too_large', 413);
    const gate = await checkSignedRequest(
      event,
      { name: 'buildium.webhookSecret', secret: deps.webhookSecret },
      (secret) => verifyBuildiumSignature({ header: (name) => header(event, name), rawBody: body, secret, now: deps.now().getTime() }),
      { log: logger, metrics },
      { message: 'Buildium webhook signature rejected', metric: 'BuildiumSignatureRejected' },
    );
    if ('refused' in gate) return gate.refused;
    const parsed = validate(BuildiumWebhookEventSchema, readJsonBody(event, WEBHOOK_MAX_BYTES), 'Buildium webhook event');
    const refs = webhookRefs(parsed);
    if (refs.length === 0) {
      logger.info('Buildium webhook needs no sync', { eventName: parsed.EventName });
      return json(200, { status: 'ignored' });
    }
    // Webhook work is counted on one job per day, so its errors are listed like any job's.
    const jobId = `webhooks-${deps.now().toISOString().slice(0, 10)}`;
    if (await deps.jobs.open(jobId, 'incremental')) await deps.jobs.setStatus(jobId, 'running');
    const key = createHash('sha256').update(body).digest('base64url').slice(0, 32);
    if (!(await send(deps, [{ kind: 'records', jobId, key, refs }]))) return queueUnavailable();
    metrics.addMetric('BuildiumWebhooksQueued', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return json(200, { status: 'queued' });
  }

  async function getConfig(): Promise<APIGatewayProxyStructuredResultV2> {
    return json(200, (await getDeps().config.get()) ?? SyncConfigSchema.parse({}));
  }

  async function putConfig(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const config = validate(SyncConfigSchema, readJsonBody(event), 'Buildium sync configuration');
    await getDeps().config.put(config);
    logger.info('Buildium sync configuration changed', { overrides: config.overrides.length, conflictStrategy: config.conflictStrategy ?? 'default' });
    return json(200, config);
  }

  async function listReviews(): Promise<APIGatewayProxyStructuredResultV2> {
    const reviews = await getDeps().jobs.reviews();
    return json(200, { reviews: reviews.filter((r) => r.status === 'open') });
  }

  async function resolveReview(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const deps = getDeps();
    const { resolution } = validate(ResolutionSchema, readJsonBody(event), 'review resolution');
    const { entity, sourceId } = pathParams(event, 'entity', 'sourceId');
    const list = LIST_OF_ENTITY[entity];
    const id = Number(sourceId);
    if (!list || !Number.isInteger(id) || id < 1) throw new NotFoundError(`No review for ${entity}/${sourceId}`);
    const open = (await deps.jobs.reviews()).find((r) => r.entity === entity && r.sourceId === sourceId && r.status === 'open');
    if (!open) throw new NotFoundError(`No open review for ${entity}/${sourceId}`);
    // The record is synced again under the chosen side's strategy, then the review is closed.
    const message: SyncMessage = { kind: 'records', jobId: open.jobId, key: `review-${entity}-${sourceId}-${deps.now().getTime()}`, refs: [{ list, id }], strategy: resolution === 'buildium' ? 'buildium_wins' : 'hubspot_wins' };
    if (!(await send(deps, [message]))) return queueUnavailable();
    await deps.jobs.resolveReview(entity, sourceId, resolution);
    return json(202, { entity, sourceId, resolution, status: 'queued' });
  }

  const routes: Record<string, (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>> = {
    'POST /sync/buildium': postSync,
    'GET /sync/jobs/{jobId}': getJob,
    'GET /sync/jobs/{jobId}/errors': getJobErrors,
    'POST /sync/jobs/{jobId}/errors/{entity}/{sourceId}/resolve': resolveError,
    'POST /webhooks/buildium': webhook,
    'GET /sync/buildium/config': getConfig,
    'PUT /sync/buildium/config': putConfig,
    'GET /sync/buildium/reviews': listReviews,
    'POST /sync/buildium/reviews/{entity}/{sourceId}': resolveReview,
  };

  return middy(async (event: unknown): Promise<unknown> => {
    if (isHttp(event)) {
      const route = routes[event.routeKey];
      if (!route) return json(404, { error: { code: 'not_found', message: `No route ${event.routeKey}`, details: [] } });
      try {
        return await route(event);
      } catch (error) {
        return errorResponse(error, logger);
      }
    }
    const scheduled = ScheduledSchema.parse(event);
    const jobId = await start(scheduled.mode);
    logger.info('Buildium sync job opened', { jobId, mode: scheduled.mode, trigger: scheduled.schedule ?? 'schedule' });
    return { jobId };
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

class QueueUnavailable extends Error {}

function isHttp(event: unknown): event is APIGatewayProxyEventV2 {
  return typeof event === 'object' && event !== null && typeof (event as APIGatewayProxyEventV2).routeKey === 'string';
}

export const handler = makeHandler(once(composeFromEnvironment));
