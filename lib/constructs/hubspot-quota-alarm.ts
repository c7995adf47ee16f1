import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { HUBSPOT_DAILY_QUOTA_METRIC } from '../../functions/runtime/observability.js';
import type { Topology } from '../topology.js';
import { perFunctionMetrics } from './function-metrics.js';

/**
 * The daily HubSpot API quota running low (issue 13 §3): every function that calls HubSpot reports
 * each portal's remaining quota as HubSpot's headers gave it (`HubSpotDailyQuotaRemaining`); the
 * alarm watches the lowest of them. When the quota is spent, the flows hold their work until
 * midnight in the portal's time zone; the alarm comes before that, while there is time to act.
 */
export class HubSpotQuotaAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: { readonly topology: Topology; readonly alarmAction: cloudwatch.IAlarmAction; readonly stackName: string }) {
    super(scope, id);
    const callers = props.topology.functions.filter((fn) => fn.secrets.includes('hubspot'));
    const usingMetrics = perFunctionMetrics(callers, HUBSPOT_DAILY_QUOTA_METRIC, 'Minimum');
    const below = props.topology.settings.hubspotDailyQuotaAlarmBelow;
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: `${props.stackName}-hubspot-daily-quota-low`,
      alarmDescription: `A HubSpot portal has fewer than ${below} API calls left today. When none are left every flow holds its HubSpot work until midnight in the portal's time zone (npm run sync -- status shows the quota). Find what spends it, or raise the portal's limit.`,
      metric: new cloudwatch.MathExpression({ expression: `MIN([${Object.keys(usingMetrics).join(',')}])`, usingMetrics, period: Duration.minutes(5), label: 'HubSpot daily quota remaining' }),
      threshold: below,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(props.alarmAction);
  }
}
