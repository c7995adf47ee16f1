/**
 * Consumer of the turbotenant-events queue (TurboTenant events → HubSpot contacts and deals, and
 * Stripe metadata when on) and the 15-minute reconcile (EventBridge `{action:"reconcile"}`).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import type { HubSpotClient } from '../connectors/hubspot/client.js';
import { HubSpotCrmAdapter } from '../connectors/hubspot/crm.js';
import { StripeClient } from '../connectors/stripe/client.js';
import { TurboTenantClient } from '../connectors/turbotenant/client.js';
import { processTurboTenantBatch } from '../core/turbotenant-batch.js';
import { reconcileTurboTenant, type PropertyFeed } from '../core/turbotenant-reconcile.js';
import type { CustomerMetadataSink } from '../core/turbotenant-sync.js';
import { ENV, HUBSPOT_DEFAULT_BASE_URL, env } from '../runtime/config.js';
import { budgetedHubSpotClient, hubspotDailyQuotas, primaryBudgetKey } from '../runtime/hubspot-budget.js';
import { observability, once, reportingMisconfiguration, reportHubSpotQuota } from '../runtime/observability.js';
import { HUBSPOT_SECRET, optionalSecretField, secretField, STRIPE_SECRET, TURBOTENANT_SECRET } from '../runtime/secrets.js';
import { TurboTenantEventsMessageSchema } from '../runtime/queue-messages.js';
import { consumeBatch } from '../runtime/sqs-consumer.js';
import { SqsQueue } from '../runtime/sqs-queue.js';
import { DynamoCursors } from '../store/cursors.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoEventConfirmations } from '../store/event-confirmations.js';
import { DynamoMappingStore, TurboTenantPropertyMappings } from '../store/mapping-store.js';

const { logger, metrics } = observability('turbotenant-sync');

const STRIPE_DEFAULT_BASE_URL = 'https://api.stripe.com';

/** Long-lived parts, built once per execution environment (clients, rate budget). */
export interface TurboTenantSyncParts {
  readonly turbotenant: TurboTenantClient;
  readonly hubspot: HubSpotClient;
  readonly mappingStore: DynamoMappingStore;
  readonly confirmations: DynamoEventConfirmations;
  readonly cursors: DynamoCursors;
  readonly retries: SqsQueue;
  readonly stripe?: CustomerMetadataSink;
  readonly deal: { pipeline: string; stage: string };
  readonly onboardingStage: string;
  readonly maxReceiveCount: number;
  readonly now: () => Date;
}

export function composeFromEnvironment(): TurboTenantSyncParts {
  const db = createDocumentClient(new DynamoDBClient({}));
  const stateTable = env.required(ENV.syncStateTable);
  const hubspotBaseUrl = env.optional(ENV.hubspotBaseUrl) ?? HUBSPOT_DEFAULT_BASE_URL;
  const hubspotToken = reportingMisconfiguration(secretField(HUBSPOT_SECRET, 'accessToken'), logger, metrics);
  const turbotenantBase = secretField(TURBOTENANT_SECRET, 'baseUrl');
  const stripeBase = optionalSecretField(STRIPE_SECRET, 'baseUrl');
  return {
    turbotenant: new TurboTenantClient({ baseUrl: turbotenantBase, apiKey: reportingMisconfiguration(secretField(TURBOTENANT_SECRET, 'apiKey'), logger, metrics) }),
    // TurboTenant events are real-time work; the 15-minute reconcile is small.
    hubspot: budgetedHubSpotClient({
      baseUrl: hubspotBaseUrl,
      accessToken: hubspotToken,
      budgetKey: primaryBudgetKey(hubspotToken),
      priority: 'realtime',
      db,
      syncStateTable: stateTable,
      log: logger,
    }),
    mappingStore: new DynamoMappingStore(db, env.required(ENV.mappingsTable)),
    confirmations: new DynamoEventConfirmations(db, stateTable),
    cursors: new DynamoCursors(db, stateTable),
    retries: new SqsQueue(new SQSClient({}), { queueUrl: env.required(ENV.turbotenantEventsQueueUrl) }),
    ...(env.optional(ENV.stripeSync) === 'on'
      ? {
          stripe: new StripeClient({
            baseUrl: async () => ((await stripeBase()) as string | undefined) ?? STRIPE_DEFAULT_BASE_URL,
            apiKey: secretField(STRIPE_SECRET, 'apiKey'),
          }),
        }
      : {}),
    deal: { pipeline: env.optional(ENV.turbotenantDealPipeline) ?? 'default', stage: env.optional(ENV.turbotenantDealStage) ?? 'appointmentscheduled' },
    onboardingStage: env.optional(ENV.turbotenantOnboardingStage) ?? 'verified',
    maxReceiveCount: env.integer(ENV.turbotenantEventsMaxReceiveCount, 8),
    now: () => new Date(),
  };
}

const ScheduledEventSchema = z.object({ schedule: z.string(), action: z.literal('reconcile') });

function isSqs(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}

export function makeHandler(getParts: () => TurboTenantSyncParts) {
  const syncDeps = (parts: TurboTenantSyncParts, context: Context) => {
    const hubspot = new HubSpotCrmAdapter(parts.hubspot);
    return {
      hubspot,
      deps: {
        source: parts.turbotenant,
        hubspot,
        // Per invocation: it remembers the versions it read, for its conditional writes.
        mappings: new TurboTenantPropertyMappings(parts.mappingStore),
        ...(parts.stripe ? { stripe: parts.stripe } : {}),
        deal: parts.deal,
        onboardingStage: parts.onboardingStage,
        now: parts.now,
        // The core starts no call that could outlast the invocation (issue 14 §1).
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      },
    };
  };

  function consume(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    return consumeBatch(event, context, {
      schema: TurboTenantEventsMessageSchema,
      name: 'TurboTenant event',
      log: logger,
      consume: async (messages, { records }) => {
        const parts = getParts();
        const { hubspot, deps } = syncDeps(parts, context);
        const report = await processTurboTenantBatch(
          messages.map((m) => ({ ...m, event: m.payload.event })),
          { ...deps, confirmations: parts.confirmations, retries: parts.retries, maxReceiveCount: parts.maxReceiveCount, random: Math.random, log: logger },
        );
        metrics.addMetric('TurboTenantEventsSynced', MetricUnit.Count, report.synced);
        metrics.addMetric('TurboTenantEventsFailed', MetricUnit.Count, report.errors);
        metrics.addMetric('TurboTenantEventsRetried', MetricUnit.Count, report.failedMessageIds.size);
        metrics.addMetric('HubSpotCalls', MetricUnit.Count, hubspot.calls);
        reportHubSpotQuota(metrics, hubspotDailyQuotas());
        metrics.publishStoredMetrics();
        logger.info('TurboTenant events synced', { records, ...report, failedMessageIds: report.failedMessageIds.size, hubspotCalls: hubspot.calls });
        return report;
      },
    });
  }

  async function reconcile(context: Context): Promise<unknown> {
    const parts = getParts();
    const { hubspot, deps } = syncDeps(parts, context);
    const feed: PropertyFeed = {
      async *propertiesUpdatedSince(since) {
        for await (const page of parts.turbotenant.listPropertiesUpdatedSince(since, { perPage: 100 })) yield page.properties;
      },
    };
    const report = await reconcileTurboTenant({ ...deps, feed, cursors: parts.cursors });
    metrics.addMetric('TurboTenantReconciled', MetricUnit.Count, report.properties);
    metrics.addMetric('HubSpotCalls', MetricUnit.Count, hubspot.calls);
    reportHubSpotQuota(metrics, hubspotDailyQuotas());
    metrics.publishStoredMetrics();
    // Refused for good: listed with HubSpot's or TurboTenant's reason; the cursor passes them.
    for (const { propertyId, reason } of report.refused) logger.warn('TurboTenant property refused by the reconcile', { propertyId, reason });
    logger.info('TurboTenant reconcile', { ...report, refused: report.refused.length, hubspotCalls: hubspot.calls });
    return { ...report, hubspotCalls: hubspot.calls };
  }

  return middy(async (event: unknown, context: Context) => {
    if (isSqs(event)) return consume(event, context);
    const scheduled = ScheduledEventSchema.parse(event);
    logger.appendKeys({ schedule: scheduled.schedule });
    return reconcile(context);
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}

export const handler = makeHandler(once(composeFromEnvironment));
