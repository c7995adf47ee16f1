/**
 * Operations on the lead flow:
 * - `POST /internal/leads/resync-failed`: FAILED leads requeued, every DLQ (lead sync, HubSpot and TurboTenant events) redriven;
 * - `GET /internal/status`: leads waiting per sync status and queue depths;
 * - the `lead-reconcile` schedule (EventBridge): exhausted and stuck leads requeued.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import type { LeadStore, QueueInspector } from '../core/ports.js';
import { reconcileLeads, resyncFailed, type ResyncDeps, type ResyncReport } from '../core/resync.js';
import { ENV, env } from '../runtime/config.js';
import { errorResponse, json, NoInputSchema, readOptionalJsonBody } from '../runtime/http.js';
import { observability, once } from '../runtime/observability.js';
import { SqsLeadQueue, SqsQueue } from '../runtime/sqs-queue.js';
import { createDocumentClient } from '../store/dynamo-client.js';
import { DynamoLeadStore } from '../store/lead-store.js';

const { logger, metrics } = observability('lead-operations');

export interface OperationsDeps extends Omit<ResyncDeps, 'log'> {
  readonly leads: LeadStore;
  readonly inspector: QueueInspector;
  /** The event queues (HubSpot, TurboTenant), shown by the status route (their DLQs are part of `deadLetters`). */
  readonly eventsInspector?: QueueInspector;
  readonly turbotenantInspector?: QueueInspector;
  readonly buildiumInspector?: QueueInspector;
  readonly stuckAfterMinutes: number;
}

export function composeFromEnvironment(): OperationsDeps {
  const queue = new SqsLeadQueue(new SQSClient({}), {
    queueUrl: env.required(ENV.leadSyncQueueUrl),
    queueArn: env.required(ENV.leadSyncQueueArn),
    dlqUrl: env.required(ENV.leadSyncDlqUrl),
    dlqArn: env.required(ENV.leadSyncDlqArn),
  });
  const events = new SqsQueue(new SQSClient({}), {
    queueUrl: env.required(ENV.hubspotEventsQueueUrl),
    queueArn: env.required(ENV.hubspotEventsQueueArn),
    dlqUrl: env.required(ENV.hubspotEventsDlqUrl),
    dlqArn: env.required(ENV.hubspotEventsDlqArn),
  });
  const turbotenant = new SqsQueue(new SQSClient({}), {
    queueUrl: env.required(ENV.turbotenantEventsQueueUrl),
    queueArn: env.required(ENV.turbotenantEventsQueueArn),
    dlqUrl: env.required(ENV.turbotenantEventsDlqUrl),
    dlqArn: env.required(ENV.turbotenantEventsDlqArn),
  });
  const buildium = new SqsQueue(new SQSClient({}), {
    queueUrl: env.required(ENV.buildiumSyncQueueUrl),
    queueArn: env.required(ENV.buildiumSyncQueueArn),
    dlqUrl: env.required(ENV.buildiumSyncDlqUrl),
    dlqArn: env.required(ENV.buildiumSyncDlqArn),
  });
  return {
    leads: new DynamoLeadStore(createDocumentClient(new DynamoDBClient({})), env.required(ENV.leadsTable)),
    queue,
    // The resync flow redrives every DLQ: platform leads, HubSpot events, TurboTenant events, Buildium sync work.
    deadLetters: {
      redrive: async () => (await queue.redrive()) + (await events.redrive()) + (await turbotenant.redrive()) + (await buildium.redrive()),
    },
    inspector: queue,
    eventsInspector: events,
    turbotenantInspector: turbotenant,
    buildiumInspector: buildium,
    stuckAfterMinutes: env.integer(ENV.stuckLeadAfterMinutes, 15),
    now: () => new Date(),
  };
}

/** What the EventBridge rule sends (lib/stack.ts: `{ schedule, ...detail }`). */
const ScheduledEventSchema = z.object({ schedule: z.string(), action: z.literal('reconcile') });

type OperationsEvent = APIGatewayProxyEventV2 | z.infer<typeof ScheduledEventSchema>;

function isHttp(event: OperationsEvent): event is APIGatewayProxyEventV2 {
  return typeof (event as APIGatewayProxyEventV2).routeKey === 'string';
}

export function makeHandler(getDeps: () => OperationsDeps) {
  const resyncDeps = (): ResyncDeps => ({ ...getDeps(), log: logger });

  function recordReport(report: ResyncReport): void {
    metrics.addMetric('LeadsRequeued', MetricUnit.Count, report.requeued);
    metrics.addMetric('DeadLettersRedriven', MetricUnit.Count, report.redriven);
    // Published here rather than by middleware: the status route adds no metric, and an empty flush warns.
    metrics.publishStoredMetrics();
  }

  async function http(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    try {
      switch (event.routeKey) {
        case 'POST /internal/leads/resync-failed': {
          readOptionalJsonBody(event, NoInputSchema, 'resync request');
          const report = await resyncFailed(resyncDeps());
          recordReport(report);
          return json(200, report);
        }
        case 'GET /internal/status': {
          const deps = getDeps();
          const [leads, leadSync, hubspotEvents, turbotenantEvents, buildiumSync] = await Promise.all([
            deps.leads.countByStatus(),
            deps.inspector.depths(),
            deps.eventsInspector?.depths(),
            deps.turbotenantInspector?.depths(),
            deps.buildiumInspector?.depths(),
          ]);
          return json(200, {
            leads,
            queues: {
              'lead-sync': leadSync,
              ...(hubspotEvents ? { 'hubspot-events': hubspotEvents } : {}),
              ...(turbotenantEvents ? { 'turbotenant-events': turbotenantEvents } : {}),
              ...(buildiumSync ? { 'buildium-sync': buildiumSync } : {}),
            },
          });
        }
        default:
          return json(404, { error: { code: 'not_found', message: `No route ${event.routeKey}`, details: [] } });
      }
    } catch (error) {
      return errorResponse(error, logger);
    }
  }

  return middy(async (event: OperationsEvent, _context: Context): Promise<APIGatewayProxyStructuredResultV2 | ResyncReport> => {
    if (isHttp(event)) return http(event);
    const scheduled = ScheduledEventSchema.parse(event);
    logger.appendKeys({ schedule: scheduled.schedule });
    const report = await reconcileLeads(resyncDeps(), getDeps().stuckAfterMinutes);
    recordReport(report);
    return report;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }));
}

export const handler = makeHandler(once(composeFromEnvironment));
