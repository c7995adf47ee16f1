import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { FunctionWithLogGroup } from './function-with-log-group.js';
import type { QueueWithDlq } from './queue-with-dlq.js';

/** Metrics a function emits itself (Powertools Metrics: namespace plus a `service` dimension). */
export interface CustomMetricGroup {
  readonly title: string;
  readonly namespace: string;
  readonly service: string;
  readonly metricNames: readonly string[];
}

export interface SyncHealthDashboardProps {
  readonly dashboardName: string;
  readonly queues: readonly QueueWithDlq[];
  readonly functions: readonly FunctionWithLogGroup[];
  readonly customMetrics: readonly CustomMetricGroup[];
}

const PERIOD = Duration.minutes(5);
const WIDTH = 8;

/** "Sync health": queue backlog and DLQ depth, function health, and the sync's own counters. */
export class SyncHealthDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SyncHealthDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });

    for (const { spec, queue, deadLetterQueue } of props.queues) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${spec.id}: messages visible`,
          width: WIDTH,
          left: [queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })],
        }),
        new cloudwatch.GraphWidget({
          title: `${spec.id}: age of oldest message (s)`,
          width: WIDTH,
          left: [queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })],
        }),
        new cloudwatch.GraphWidget({
          title: `${spec.id}: DLQ depth`,
          width: WIDTH,
          left: [deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })],
        }),
      );
    }

    for (const { spec, function: fn } of props.functions) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${spec.id}: invocations, errors, throttles`,
          width: WIDTH * 2,
          left: [
            fn.metricInvocations({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
            fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
            fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
          ],
        }),
        new cloudwatch.GraphWidget({
          title: `${spec.id}: duration (ms)`,
          width: WIDTH,
          left: [
            fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(50) }),
            fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
            fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
          ],
        }),
      );
    }

    for (const group of props.customMetrics) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: group.title,
          width: WIDTH * 3,
          left: group.metricNames.map(
            (metricName) =>
              new cloudwatch.Metric({
                namespace: group.namespace,
                metricName,
                dimensionsMap: { service: group.service },
                period: PERIOD,
                statistic: cloudwatch.Stats.SUM,
              }),
          ),
        }),
      );
    }
  }
}
