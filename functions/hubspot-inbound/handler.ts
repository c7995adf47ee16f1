/**
 * Consumer of the hubspot-events queue: verified HubSpot contact events → platform leads.
 * Answers with partial batch failures; the records handed back already carry their backoff.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { HubSpotClient } from '../connectors/hubspot/client.js';
import { HubSpotEventsMessageSchema, toContactEvent } from '../connectors/hubspot/webhook-events.js';
import { processInboundBatch, type HubSpotInboundDeps, type InboundMessage, type PortalIntegration } from '../core/hubspot-inbound.js';
import { CONFLICT_RULES } from '../core/inbound-contacts.js';
import { DEFAULT_PLATFORM_SOURCE, ENV, HUBSPOT_DEFAULT_BASE_URL, env } from '../runtime/config.js';
import { observability, once, reportingMisconfiguration, reportHubSpotQuota } from '../runtime/observability.js';
import { budgetedHubSpotClient, hubspotDailyQuotas } from '../runtime/hubspot-budget.js';
import { installedPortalsFromEnvironment, portalDirectoryFromEnvironment } from '../runtime/hubspot-portals.js';
import { parseRecord, receiveCount, SqsQueue } from '../runtime/sqs-queue.js';
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

function toMessage(record: SQSRecord): InboundMessage | undefined {
  const parsed = parseRecord(record, HubSpotEventsMessageSchema);
  if (!parsed) return undefined;
  return {
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    receiveCount: receiveCount(record),
    body: record.body,
    portalId: String(parsed.portalId),
    ...(parsed.receivedAt ? { receivedAt: parsed.receivedAt } : {}),
    events: parsed.events.map(toContactEvent),
  };
}

class UnparsableMessage extends Error {
  override readonly name = 'UnparsableMessage';
}

export function makeHandler(getDeps: () => HubSpotInboundHandlerDeps) {
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const messages: InboundMessage[] = [];
    const unparsable = new Set<string>();
    for (const record of event.Records) {
      const message = toMessage(record);
      if (message) messages.push(message);
      else unparsable.add(record.messageId);
    }
    if (unparsable.size > 0) {
      // Not ours to drop: it fails every time and so ends in the DLQ, where a person can read it.
      logger.error('Messages that are not HubSpot event batches', { messageIds: [...unparsable] });
    }

    const report = await processInboundBatch(messages, { ...getDeps(), log: logger, remainingMs: () => context.getRemainingTimeInMillis() });
    const skipped = Object.values(report.skipped).reduce((a, b) => a + b, 0);
    metrics.addMetric('HubSpotEventsProcessed', MetricUnit.Count, report.processed);
    metrics.addMetric('HubSpotEventsSkipped', MetricUnit.Count, skipped);
    metrics.addMetric('HubSpotEventsDuplicate', MetricUnit.Count, report.duplicates);
    metrics.addMetric('HubSpotEventsFailed', MetricUnit.Count, report.failed);
    metrics.addMetric('HubSpotContactReads', MetricUnit.Count, report.contactReads);
    reportHubSpotQuota(metrics, hubspotDailyQuotas());
    logger.info('HubSpot events applied', {
      records: event.Records.length,
      events: report.events,
      duplicates: report.duplicates,
      processed: report.processed,
      skipped: report.skipped,
      retried: report.failedMessageIds.size,
      contactReads: report.contactReads,
    });

    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        if (unparsable.has(record.messageId)) throw new UnparsableMessage(`message ${record.messageId} is not a HubSpot event batch`);
        if (report.failedMessageIds.has(record.messageId)) throw new Error(`events of message ${record.messageId} will be retried`);
      },
      processor,
      { context, throwOnFullBatchFailure: false },
    );
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

export const handler = makeHandler(once(composeFromEnvironment));
