/**
 * Consumer of the lead-sync queue: one SQS batch (up to 100 leads) → one HubSpot batch upsert.
 * Answers with partial batch failures; the records handed back already carry their backoff.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { HubSpotClient } from '../connectors/hubspot/client.js';
import { MisconfiguredError } from '../core/errors.js';
import { syncLeadBatch, type LeadSyncDeps } from '../core/lead-sync.js';
import { DEFAULT_PLATFORM_SOURCE, ENV, HUBSPOT_DEFAULT_BASE_URL, env } from '../runtime/config.js';
import { budgetedHubSpotClient, hubspotDailyQuotas, primaryBudgetKey } from '../runtime/hubspot-budget.js';
import { installedPortalsFromEnvironment, portalDirectoryFromEnvironment } from '../runtime/hubspot-portals.js';
import { observability, once, reportingMisconfiguration, reportHubSpotQuota } from '../runtime/observability.js';
import { HUBSPOT_SECRET, secretField } from '../runtime/secrets.js';
import { LeadMessageSchema } from '../runtime/queue-messages.js';
import { consumeBatch } from '../runtime/sqs-consumer.js';
import { SqsLeadQueue } from '../runtime/sqs-queue.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoLeadStore } from '../store/lead-store.js';

const { logger, metrics } = observability('lead-outbound');

export type OutboundDeps = Omit<LeadSyncDeps, 'remainingTimeMs' | 'log'>;

/** Built once per execution environment: the rate budget must outlive single invocations. */
export function composeFromEnvironment(): OutboundDeps {
  const queue = new SqsLeadQueue(new SQSClient({}), { queueUrl: env.required(ENV.leadSyncQueueUrl) });
  const db = createDocumentClient(new DynamoDBClient({}));
  const baseUrl = env.optional(ENV.hubspotBaseUrl) ?? HUBSPOT_DEFAULT_BASE_URL;
  // Leads that name another portal (issue 12 §5) go to it with its own token and rate budget.
  const syncStateTable = env.required(ENV.syncStateTable);
  const installed = installedPortalsFromEnvironment({ baseUrl, db, syncStateTable, log: logger });
  const budgeted = { baseUrl, db, syncStateTable, priority: 'realtime', log: logger } as const;
  const portals = portalDirectoryFromEnvironment({ baseUrl, installed, budgeted });
  const primaryToken = reportingMisconfiguration(secretField(HUBSPOT_SECRET, 'accessToken'), logger, metrics);
  const primary = budgetedHubSpotClient({ ...budgeted, accessToken: primaryToken, budgetKey: primaryBudgetKey(primaryToken) });
  const clients = new Map<string, HubSpotClient>();
  return {
    leads: new DynamoLeadStore(db, env.required(ENV.leadsTable)),
    hubspot: primary,
    hubspotFor: async (portalId) => {
      // Leads created from the primary portal's contacts name it: one client (and budget) for it.
      if (portalId === (await portals.primaryPortalId().catch(() => undefined))) return primary;
      let client = clients.get(portalId);
      if (!client) {
        const settings = async () => {
          const found = await portals.get(portalId);
          if (!found) throw new MisconfiguredError(`HubSpot portal ${portalId} is not served here: install the OAuth app in it (GET /oauth/hubspot/install)`);
          return found;
        };
        client = budgetedHubSpotClient({
          ...budgeted,
          accessToken: reportingMisconfiguration(async () => (await settings()).accessToken(), logger, metrics),
          budgetKey: async () => (await settings()).budgetKey(),
        });
        clients.set(portalId, client);
      }
      return client;
    },
    retries: queue,
    requeue: (leadIds, delaySeconds) => queue.enqueue(leadIds, { delaySeconds }),
    platformSource: env.optional(ENV.platformSourceValue) ?? DEFAULT_PLATFORM_SOURCE,
    maxReceiveCount: env.integer(ENV.leadSyncMaxReceiveCount, 8),
    now: () => new Date(),
    random: Math.random,
  };
}

export function makeHandler(getDeps: () => OutboundDeps) {
  return middy(
    (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      consumeBatch(event, context, {
        schema: LeadMessageSchema,
        name: 'lead reference',
        log: logger,
        consume: async (messages, { remainingMs, records }) => {
          const report = await syncLeadBatch(
            messages.map((m) => ({ ...m, leadId: m.payload.leadId })),
            { ...getDeps(), remainingTimeMs: remainingMs, log: logger },
          );
          const { counts } = report;
          metrics.addMetric('LeadSyncAttempts', MetricUnit.Count, counts.synced + counts.rejected + counts.retrying + counts.exhausted);
          metrics.addMetric('LeadSyncSucceeded', MetricUnit.Count, counts.synced);
          metrics.addMetric('LeadSyncFailed', MetricUnit.Count, counts.rejected + counts.exhausted);
          metrics.addMetric('LeadSyncRetried', MetricUnit.Count, counts.retrying);
          metrics.addMetric('LeadSyncDeferred', MetricUnit.Count, counts.deferred);
          metrics.addMetric('HubSpotCalls', MetricUnit.Count, report.hubspotCalls);
          for (const ms of report.hubspotCallMs) metrics.addMetric('HubSpotCallLatency', MetricUnit.Milliseconds, ms);
          reportHubSpotQuota(metrics, hubspotDailyQuotas());
          logger.info('Lead batch processed', { records, ...counts, hubspotCalls: report.hubspotCalls });
          return report;
        },
      }),
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(composeFromEnvironment));
