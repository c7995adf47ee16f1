import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ScheduleSpec } from '../topology.js';

/**
 * An EventBridge rule that invokes a function at a fixed rate. The function receives
 * `{ schedule: <schedule id>, ...spec.detail }` (e.g. `{ schedule: 'lead-reconcile', action: 'reconcile' }`).
 */
export class ScheduledJob extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: { readonly spec: ScheduleSpec; readonly function: lambda.IFunction }) {
    super(scope, id);
    const { spec } = props;

    this.rule = new events.Rule(this, 'Rule', {
      description: spec.description,
      schedule: events.Schedule.rate(Duration.minutes(spec.rateMinutes)),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.function, {
        event: events.RuleTargetInput.fromObject({ schedule: spec.id, ...spec.detail }),
        retryAttempts: 2,
      }),
    );
  }
}
