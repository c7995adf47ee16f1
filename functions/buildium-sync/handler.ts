/**
 * Consumer of the buildium-sync queue: moves Buildium sync jobs along (core/buildium-jobs.ts),
 * one message at a time: `advance` (plan a phase, queue its pages), `page` (sync one page of one
 * listing), `records` (named records from a Buildium webhook or a resolved review).
 *
 * A message is not started, nor its page continued, this close to the invocation's deadline
 * (WORK_RESERVE_MS): it is handed back as a deferral, not an attempt, so a timeout never leaves a
 * job running. A message that fails is retried with backoff (SQS visibility); on its last receive the job is
 * marked failed (its cursor does not move) and the message goes to the DLQ, from where the resync
 * flow redrives it: a redriven page that finishes the job completes it after all.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { BuildiumClient, NotFoundInBuildiumError } from '../connectors/buildium/client.js';
import type { HubSpotClient } from '../connectors/hubspot/client.js';
import { HubSpotObjectsAdapter, type LabelCache } from '../connectors/hubspot/objects.js';
import { effectiveConfig } from '../core/buildium-config.js';
import { BUILDIUM_CURSOR, handleSyncMessage, type BuildiumReader, type JobDeps, type ListKind } from '../core/buildium-jobs.js';
import { WORK_RESERVE_MS, type ConflictStrategy, type LinkCache } from '../core/buildium-records.js';
import { MisconfiguredError, RetryableError } from '../core/errors.js';
import { maskEmailsIn } from '../core/privacy.js';
import { ENV, HUBSPOT_DEFAULT_BASE_URL, env } from '../runtime/config.js';
import { budgetedHubSpotClient, hubspotDailyQuotas, primaryBudgetKey } from '../runtime/hubspot-budget.js';
import { portalDirectoryFromEnvironment } from '../runtime/hubspot-portals.js';
import { observability, once, reportMisconfiguration, reportHubSpotQuota } from '../runtime/observability.js';
import { BUILDIUM_SECRET, HUBSPOT_SECRET, optionalSecretField, secretField } from '../runtime/secrets.js';
import { BuildiumSyncMessageSchema, type BuildiumSyncMessage } from '../runtime/queue-messages.js';
import { consumeEach, type QueuedMessage, type RecordFailure } from '../runtime/sqs-consumer.js';
import { SqsQueue } from '../runtime/sqs-queue.js';
import { DynamoBuildiumConfig } from '../store/buildium-config.js';
import { DynamoBuildiumMappings } from '../store/buildium-mappings.js';
import { DynamoCursors } from '../store/cursors.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoSyncJobs } from '../store/sync-jobs.js';

const { logger, metrics } = observability('buildium-sync');

export const BUILDIUM_DEFAULT_BASE_URL = 'https://api.buildium.com';

/** Long-lived parts, built once per execution environment. */
export interface BuildiumSyncParts {
  readonly buildium: BuildiumClient;
  readonly hubspot: HubSpotClient;
  readonly mappings: DynamoBuildiumMappings;
  readonly jobs: DynamoSyncJobs;
  readonly cursors: DynamoCursors;
  readonly config: DynamoBuildiumConfig;
  readonly queue: SqsQueue;
  readonly unitObjectType: () => Promise<string>;
  /** HubSpot association label type ids, read once per process. */
  readonly labelIds: LabelCache;
  /** HubSpot ids of records this process wrote lately (core/buildium-records.ts). */
  readonly links: LinkCache;
  readonly defaultStrategy: ConflictStrategy;
  readonly maxReceiveCount: number;
}

export function composeFromEnvironment(): BuildiumSyncParts {
  const db = createDocumentClient(new DynamoDBClient({}));
  const stateTable = env.required(ENV.syncStateTable);
  const hubspotBaseUrl = env.optional(ENV.hubspotBaseUrl) ?? HUBSPOT_DEFAULT_BASE_URL;
  const hubspotToken = secretField(HUBSPOT_SECRET, 'accessToken');
  // Bulk work: it leaves part of every window to the real-time flows (shared-budget.ts).
  const budgeted = { baseUrl: hubspotBaseUrl, priority: 'bulk', db, syncStateTable: stateTable, log: logger } as const;
  const portals = portalDirectoryFromEnvironment({ baseUrl: hubspotBaseUrl, budgeted });
  const unitName = env.optional(ENV.buildiumUnitObject) ?? 'unit';
  const baseUrl = optionalSecretField(BUILDIUM_SECRET, 'baseUrl');
  return {
    buildium: new BuildiumClient({
      baseUrl: async () => ((await baseUrl()) as string | undefined) ?? BUILDIUM_DEFAULT_BASE_URL,
      clientId: secretField(BUILDIUM_SECRET, 'clientId'),
      clientSecret: secretField(BUILDIUM_SECRET, 'clientSecret'),
    }),
    hubspot: budgetedHubSpotClient({ ...budgeted, accessToken: hubspotToken, budgetKey: primaryBudgetKey(hubspotToken) }),
    mappings: new DynamoBuildiumMappings(db, env.required(ENV.mappingsTable)),
    jobs: new DynamoSyncJobs(db, stateTable),
    cursors: new DynamoCursors(db, stateTable),
    config: new DynamoBuildiumConfig(db, stateTable),
    queue: new SqsQueue(new SQSClient({}), { queueUrl: env.required(ENV.buildiumSyncQueueUrl) }),
    // A custom object's fully qualified name is p<portalId>_<name> (HubSpot CRM objects API).
    labelIds: new Map(),
    links: new Map(),
    unitObjectType: async () => (unitName.startsWith('2-') ? unitName : `p${await portals.primaryPortalId()}_${unitName}`),
    defaultStrategy: (env.optional(ENV.buildiumConflictStrategy) as ConflictStrategy | undefined) ?? 'buildium_wins',
    maxReceiveCount: env.integer(ENV.buildiumSyncMaxReceiveCount, 8),
  };
}

/** Buildium's listings as the job core reads them. */
export function buildiumReader(client: BuildiumClient): BuildiumReader {
  const getters: Record<ListKind, (id: number) => Promise<unknown>> = {
    rentals: (id) => client.getRental(id),
    tenants: (id) => client.getTenant(id),
    units: (id) => client.getUnit(id),
    leases: (id) => client.getLease(id),
  };
  const window = (w: { from?: string; to?: string }) => ({ ...(w.from ? { lastUpdatedFrom: w.from } : {}), ...(w.to ? { lastUpdatedTo: w.to } : {}) });
  return {
    async count(list, w) {
      return (await client.page(list, { offset: 0, pageSize: 1, ...window(w) })).total;
    },
    async page(list, offset, limit, w) {
      return (await client.page(list, { offset, pageSize: limit, ...window(w) })).records;
    },
    async byId(list, id) {
      try {
        return await getters[list](id);
      } catch (error) {
        if (error instanceof NotFoundInBuildiumError) return undefined;
        throw error;
      }
    },
  };
}

export function makeHandler(getParts: () => BuildiumSyncParts) {
  async function one({ payload: message, messageId, receiveCount }: QueuedMessage<BuildiumSyncMessage>, remainingMs: () => number): Promise<number> {
    const parts = getParts();
    const hubspot = new HubSpotObjectsAdapter(parts.hubspot, undefined, parts.labelIds);
    const deps: JobDeps = {
      reader: buildiumReader(parts.buildium),
      jobs: parts.jobs,
      queue: {
        async send(messages) {
          const { failed } = await parts.queue.sendBodies(messages.map((m) => JSON.stringify(m)));
          if (failed.length > 0) throw new RetryableError(`${failed.length} of ${messages.length} Buildium sync messages could not be queued`);
        },
      },
      cursor: { set: (value) => parts.cursors.set(BUILDIUM_CURSOR, value) },
      records: async () => ({
        hubspot,
        mappings: parts.mappings,
        config: effectiveConfig(await parts.config.get(), parts.defaultStrategy),
        unitObjectType: await parts.unitObjectType(),
        links: parts.links,
        remainingMs,
      }),
      log: logger,
    };
    const outcome = await handleSyncMessage(message, deps, messageId);
    if (outcome.report) {
      // Counts only: the errors themselves (HubSpot's texts may quote an email) are in the job's errors.
      const { processed, created, updated, skipped, failed, invalid, duplicateEmails } = outcome.report;
      logger.info('Buildium records synced', {
        kind: message.kind,
        jobId: message.jobId,
        processed,
        created,
        updated,
        skipped,
        failed,
        invalid,
        duplicateEmails,
        hubspotCalls: hubspot.calls,
        receiveCount,
      });
    }
    return hubspot.calls;
  }

  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const parts = getParts();
    let calls = 0;
    const response = await consumeEach(event, context, {
      schema: BuildiumSyncMessageSchema,
      name: 'Buildium sync message',
      log: logger,
      logKeys: ({ jobId, kind }) => ({ jobId, kind }),
      reserveMs: WORK_RESERVE_MS,
      retries: parts.queue,
      maxReceiveCount: parts.maxReceiveCount,
      consume: async (message, { remainingMs }) => {
        calls += await one(message, remainingMs);
      },
      onFailure: (failure) => settleFailure(parts, failure),
    });
    metrics.addMetric('HubSpotCalls', MetricUnit.Count, calls);
    reportHubSpotQuota(metrics, hubspotDailyQuotas());
    metrics.publishStoredMetrics();
    return response;
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

/** A failed message's bookkeeping; its redelivery (backoff, deferral, park) is the consumer's. */
async function settleFailure(parts: BuildiumSyncParts, { message: { payload: message }, error, redelivery, failing }: RecordFailure<BuildiumSyncMessage>): Promise<void> {
  // A setting an operator must fix cannot be retried away: the consumer parked it, the job fails with the reason.
  const misconfigured = error instanceof MisconfiguredError;
  if (misconfigured) reportMisconfiguration(error, logger, metrics);
  if (redelivery.kind === 'park') {
    // Its last try: the job fails so its cursor stays; the message waits in the DLQ for a redrive.
    const reason = error instanceof Error ? error.message : String(error);
    const unrecorded = (e: unknown) => logger.warn('Buildium job not marked failed', { jobId: message.jobId, error: maskEmailsIn(e instanceof Error ? e.message : String(e)) });
    await parts.jobs.recordError(message.jobId, message.kind, describe(message), reason, misconfigured ? 'misconfigured' : 'api_error').catch(unrecorded);
    await parts.jobs.setStatus(message.jobId, 'failed', misconfigured ? reason : `${message.kind} ${describe(message)} ran out of retries: ${maskEmailsIn(reason)}`).catch(unrecorded);
  }
  if (failing) metrics.addMetric('BuildiumSyncMessagesFailed', MetricUnit.Count, 1);
}

function describe(message: BuildiumSyncMessage): string {
  if (message.kind === 'page') return `${message.list}@${message.offset}`;
  if (message.kind === 'advance') return `phase ${message.phase}`;
  return message.refs.map((r) => `${r.list}/${r.id}`).join(',').slice(0, 200);
}

export const handler = makeHandler(once(composeFromEnvironment));
