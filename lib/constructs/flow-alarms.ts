import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { FLOW_OF_FUNCTION, type FlowId, type FunctionId, type Topology } from '../topology.js';
import type { QueueWithDlq } from './queue-with-dlq.js';
import { perFunctionMetrics } from './function-metrics.js';

export interface FlowAlarmsProps {
  readonly topology: Topology;
  readonly queues: ReadonlyMap<string, QueueWithDlq>;
  readonly alarmAction: cloudwatch.IAlarmAction;
  readonly stackName: string;
}

/** The signed routes: the function that checks the signature and the metric it counts refusals under (functions/runtime/http.ts checkSignedRequest). */
const SIGNED_ROUTES: readonly { readonly function: FunctionId; readonly metric: string; readonly provider: string }[] = [
  { function: 'hubspot-webhook', metric: 'WebhookSignatureRejected', provider: 'HubSpot' },
  { function: 'turbotenant-events', metric: 'TurboTenantSignatureRejected', provider: 'TurboTenant' },
  { function: 'buildium-scheduler', metric: 'BuildiumSignatureRejected', provider: 'Buildium' },
];

/**
 * Alarms that say what broke (issue 15 §6), for the flows the deployment runs only: a disabled
 * flow has nothing to watch and raises nothing.
 * - a queue whose oldest message waits too long (its consumer is failing, throttled or stopped);
 * - no HubSpot webhook delivery for hours while the inbound flow is on (the app's subscription or
 *   target URL broke: HubSpot stops after its retries and says nothing);
 * - a burst of signature refusals on a signed route (a secret rotated on one side only, or someone
 *   probing the endpoint).
 * The DLQ alarms live with their queues, the function error alarms with their functions, the
 * unset-secret and daily-quota alarms in their own constructs.
 */
export class FlowAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: FlowAlarmsProps) {
    super(scope, id);
    const { topology, stackName } = props;
    const { alarms: limits } = topology.settings;
    const on = (fn: FunctionId) => {
      const flow: FlowId | undefined = FLOW_OF_FUNCTION[fn];
      return flow === undefined || topology.flows.includes(flow);
    };
    const add = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(props.alarmAction);
      this.alarms.push(alarm);
    };

    for (const consumer of topology.consumers.filter((c) => on(c.function))) {
      const queue = props.queues.get(consumer.queue);
      if (!queue) continue;
      add(
        new cloudwatch.Alarm(this, `${consumer.queue}-oldest-message`, {
          alarmName: `${stackName}-${consumer.queue}-backlog-old`,
          alarmDescription: `The oldest message of ${consumer.queue} has waited over ${limits.oldestMessageMinutes} minutes: ${consumer.function} is failing, throttled or not running. Its logs and the dashboard say which; npm run sync -- status shows the backlog.`,
          metric: queue.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: limits.oldestMessageMinutes * 60,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const webhook = topology.functions.find((fn) => fn.id === 'hubspot-webhook');
    if (webhook && on('hubspot-webhook')) {
      const [received] = Object.values(perFunctionMetrics([webhook], 'WebhookEventsQueued', 'Sum'));
      add(
        new cloudwatch.Alarm(this, 'hubspot-webhooks-silent', {
          alarmName: `${stackName}-hubspot-webhooks-silent`,
          alarmDescription: `No HubSpot webhook delivery for ${limits.webhookSilenceHours} hours while the hubspot-inbound flow is on. Check the app's webhook subscriptions and target URL (GET /integrations/hubspot/webhook-status; npm run sync -- setup hubspot).`,
          metric: received!.with({ period: Duration.hours(1) }),
          threshold: 1,
          evaluationPeriods: limits.webhookSilenceHours,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          // No datapoint is exactly what silence looks like.
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      );
    }

    for (const route of SIGNED_ROUTES.filter((r) => on(r.function))) {
      const fn = topology.functions.find((f) => f.id === route.function);
      if (!fn) continue;
      const [refused] = Object.values(perFunctionMetrics([fn], route.metric, 'Sum'));
      add(
        new cloudwatch.Alarm(this, `${route.function}-signature-refusals`, {
          alarmName: `${stackName}-${route.function}-signature-refusals`,
          alarmDescription: `${route.provider} requests refused for their signature: ${limits.signatureRefusalsPer5Minutes} or more in five minutes. A secret rotated on one side only refuses every delivery (compare the stack's secret with ${route.provider}'s); otherwise someone is probing the endpoint.`,
          metric: refused!,
          threshold: limits.signatureRefusalsPer5Minutes,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
