import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueSpec } from '../topology.js';

export interface QueueWithDlqProps {
  readonly spec: QueueSpec;
  /** 6× the consumer's timeout: `visibilityTimeoutSeconds(topology, queue)`. */
  readonly visibilityTimeoutSeconds: number;
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/** A work queue, its dead-letter queue and an alarm that fires as soon as the DLQ holds a message. */
export class QueueWithDlq extends Construct {
  readonly spec: QueueSpec;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    // SQS keeps a message's original enqueue time when it moves to a DLQ, so a DLQ with a
    // shorter retention would silently drop failures
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
    if (spec.dlq.retentionDays < spec.retentionDays) {
      throw new Error(`queue ${spec.id}: DLQ retention (${spec.dlq.retentionDays} d) is shorter than the queue's (${spec.retentionDays} d)`);
    }

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(spec.dlq.retentionDays),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This is the dead-letter queue of ${spec.id}: an alarm watches its depth and its messages are redriven to ${spec.id}; a DLQ of a DLQ would only hide them further.`,
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(spec.retentionDays),
      visibilityTimeout: Duration.seconds(props.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Messages of ${spec.id} ran out of retries and wait in its dead-letter queue: inspect them, then redrive them to ${spec.id}.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) this.deadLetterAlarm.addAlarmAction(props.alarmAction);
  }
}
