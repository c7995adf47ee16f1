import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { FunctionSpec } from '../topology.js';

/**
 * One metric of each function, as Powertools publishes it (its namespace, `service` = the
 * function's service name, plus `dimensions`), keyed m0, m1, … for an alarm's math expression.
 */
export function perFunctionMetrics(
  functions: readonly FunctionSpec[],
  metricName: string,
  statistic: string,
  dimensions: Readonly<Record<string, string>> = {},
): Record<string, cloudwatch.Metric> {
  return Object.fromEntries(
    functions.map((fn, i) => [
      `m${i}`,
      new cloudwatch.Metric({
        namespace: fn.environment.POWERTOOLS_METRICS_NAMESPACE ?? 'CrmSync',
        metricName,
        dimensionsMap: { service: fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.id, ...dimensions },
        statistic,
        period: Duration.minutes(5),
      }),
    ]),
  );
}
