/**
 * Consumer of the hubspot-events queue: verified HubSpot contact events → platform leads.
 * Answers with partial batch failures; the records handed back already carry their backoff.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import type { HubSpotClient } from '../connectors/hubspot/client.js';
import { toContactEvent } from '../connectors/hubspot/webhook-events.js';
import { processInboundBatch, type HubSpotInboundDeps, type PortalIntegration } from '../core/hubspot-inbound.js';
import { CONFLICT_RULES } from '../core/inbound-contacts.js';
import { DEFAULT_PLATFORM_SOURCE, ENV, HUBSPOT_DEFAULT_BASE_URL, env } from '../runtime/config.js';
import { observability, once, reportingMisconfiguration, reportHubSpotQuota } from '../runtime/observability.js';
import { budgetedHubSpotClient, hubspotDailyQuotas } from '../runtime/hubspot-budget.js';
import { installedPortalsFromEnvironment, portalDirectoryFromEnvironment } from '../runtime/hubspot-portals.js';
import { HubSpotEventsMessageSchema } from '../runtime/queue-messages.js';
import { consumeBatch } from '../runtime/sqs-consumer.js';
import { SqsQueue } from '../runtime/sqs-queue.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoLeadStore } from '../store/lead-store.js';
import { DynamoWebhookLedger } from '../store/webhook-ledger.js';

const { logger, metrics } = observability('hubspot-inbound');

export type HubSpotInboundHandlerDeps = Omit<HubSpotInboundDeps, 'log'>;

/** Built once per execution environment: each portal's client (and rate budget) outlives invocations. */
export function composeFromEnvironment(): HubSpotInboundHandlerDeps {
  const db = createDocumentClient(new DynamoDBClient({}));
  const conflictRule = z.enum(CONFLICT_RULES).parse(env.optional(ENV.hubspotConflictRule) ?? 'hubspot_wins', {
    error: () => `${ENV.hubspotConflictRule} must be one of ${CONFLICT_RULES.join(', ')}`,
  });
  const baseUrl = env.optional(ENV.hubspotBaseUrl) ?? HUBSPOT_DEFAULT_BASE_URL;
  const syncStateTable = env.required(ENV.syncStateTable);
  const installed = installedPortalsFromEnvironment({ baseUrl, db, syncStateTable, log: logger });
  const directory = portalDirectoryFromEnvironment({ baseUrl, defaultConflictRule: conflictRule, installed, budgeted: { baseUrl, priority: 'realtime', db, syncStateTable, log: logger } });
  const portalSettings = reportingMisconfiguration((portalId: string) => directory.get(portalId), logger, metrics);
  const clients = new Map<string, HubSpotClient>();
  const leads = new DynamoLeadStore(db, env.required(ENV.leadsTable));
  return {
    leads,
    batches: leads,
    ledger: new DynamoWebhookLedger(db, { idempotencyTable: env.required(ENV.idempotencyTable), syncStateTable }),
    portal: async (portalId): Promise<PortalIntegration | undefined> => {
      const settings = await portalSettings(portalId);
      if (!settings) return undefined;
      let client = clients.get(portalId);
      if (!client) {
        client = budgetedHubSpotClient({ baseUrl, accessToken: settings.accessToken, budgetKey: settings.budgetKey, priority: 'realtime', db, syncStateTable, log: logger });
        clients.set(portalId, client);
      }
      return { contacts: client, conflictRule: settings.conflictRule };
    },
    retries: new SqsQueue(new SQSClient({}), { queueUrl: env.required(ENV.hubspotEventsQueueUrl) }),
    platformSource: env.optional(ENV.platformSourceValue) ?? DEFAULT_PLATFORM_SOURCE,
    maxReceiveCount: env.integer(ENV.hubspotEventsMaxReceiveCount, 8),
    now: () => new Date(),
    random: Math.random,
  };
}

export function makeHandler(getDeps: () => HubSpotInboundHandlerDeps) {
  return middy(
    (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      consumeBatch(event, context, {
        schema: HubSpotEventsMessageSchema,
        name: 'HubSpot event batch',
        log: logger,
        consume: async (messages, { remainingMs, records }) => {
          const inbound = messages.map(({ payload, ...m }) => ({
            ...m,
            portalId: String(payload.portalId),
            ...(payload.receivedAt ? { receivedAt: payload.receivedAt } : {}),
            events: payload.events.map(toContactEvent),
          }));
          const report = await processInboundBatch(inbound, { ...getDeps(), log: logger, remainingMs });
          const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
          metrics.addMetric('HubSpotEventsProcessed', MetricUnit.Count, report.processed);
          metrics.addMetric('HubSpotEventsSkipped', MetricUnit.Count, skipped);
          metrics.addMetric('HubSpotEventsDuplicate', MetricUnit.Count, report.duplicates);
          metrics.addMetric('HubSpotEventsFailed', MetricUnit.Count, report.failed);
          metrics.addMetric('HubSpotContactReads', MetricUnit.Count, report.contactReads);
          reportHubSpotQuota(metrics, hubspotDailyQuotas());
          logger.info('HubSpot events applied', {
            records,
            events: report.events,
            duplicates: report.duplicates,
            processed: report.processed,
            skipped: report.skipped,
            retried: report.failedMessageIds.size,
            contactReads: report.contactReads,
          });
          return report;
        },
      }),
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(composeFromEnvironment));
