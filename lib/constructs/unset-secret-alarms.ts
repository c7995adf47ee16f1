import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { SECRET_DIMENSION, SECRET_UNSET_METRIC } from '../../functions/core/secret-policy.js';
import type { Topology } from '../topology.js';
import { perFunctionMetrics } from './function-metrics.js';

/**
 * One alarm per required secret field (issue 12 §2): it fires when any function that reads the
 * field found it unset, empty, still the stack's placeholder or (a signing secret) too short. The
 * functions count that as `SecretUnset` with the field in the `Secret` dimension (Powertools adds
 * `service`), so the alarm sums the metric over every function bound to the secret, and its name
 * and description say which field to set.
 */
export class UnsetSecretAlarms extends Construct {
  readonly alarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: { readonly topology: Topology; readonly alarmAction: cloudwatch.IAlarmAction; readonly stackName: string }) {
    super(scope, id);
    const alarms = new Map<string, cloudwatch.Alarm>();
    for (const secret of props.topology.secrets) {
      const readers = props.topology.functions.filter((fn) => fn.secrets.includes(secret.id));
      if (readers.length === 0) continue;
      for (const field of Object.keys(secret.fields).filter((f) => !secret.optionalFields?.includes(f))) {
        const name = `${secret.id}.${field}`;
        const usingMetrics = perFunctionMetrics(readers, SECRET_UNSET_METRIC, 'Sum', { [SECRET_DIMENSION]: name });
        const alarm = new cloudwatch.Alarm(this, `${secret.id}-${field}`, {
          alarmName: `${props.stackName}-secret-unset-${secret.id}-${field}`,
          alarmDescription: `Secret field ${name} (local: ${secret.fields[field]}) is unset, empty, still the placeholder REPLACE_ME or too short: the functions that need it refuse or park their work. Put the real value in the secret.`,
          metric: new cloudwatch.MathExpression({ expression: `SUM([${Object.keys(usingMetrics).join(',')}])`, usingMetrics, period: Duration.minutes(5), label: `${name} unset` }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(props.alarmAction);
        alarms.set(name, alarm);
      }
    }
    this.alarms = alarms;
  }
}
