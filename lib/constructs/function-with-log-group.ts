import * as path from 'node:path';
import { Duration, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cdkBundling } from '../bundling.js';
import type { ConsumerSpec, FunctionSpec, QueueAccess, TableAccess } from '../topology.js';
import type { ProviderSecret } from './provider-secret.js';
import type { QueueWithDlq } from './queue-with-dlq.js';
import type { TopologyTable } from './topology-table.js';

export interface FunctionWithLogGroupProps {
  readonly spec: FunctionSpec;
  /** Directory that holds package-lock.json; `spec.entry` is relative to it. */
  readonly projectRoot: string;
  readonly logRetention: logs.RetentionDays;
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

export interface TableBinding {
  readonly table: TopologyTable;
  readonly accessMode: TableAccess;
  /** Reads with PartiQL SELECT (ExecuteStatement) on the table or its indexes. */
  readonly partiqlSelect?: boolean;
}

export interface QueueBinding {
  readonly queue: QueueWithDlq;
  readonly accessMode: QueueAccess;
}

/** DynamoDB actions a reader uses: GetCommand, BatchGetCommand, QueryCommand (tables and their indexes). */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
/** And a writer: PutCommand, UpdateCommand, BatchWriteCommand, TransactWriteCommand's puts and updates, Powertools idempotency's DeleteItem. */
/** ExecuteStatement with a SELECT (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html). */
export const TABLE_PARTIQL_SELECT = 'dynamodb:PartiQLSelect';
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;
/**
 * One topology function: the shared runtime and bundling settings, its own log group and a role
 * that may write only there. Every `bind*` method sets the environment variable and the IAM
 * grant together, so a function never learns of a resource it may not use, or the reverse.
 */
export class FunctionWithLogGroup extends Construct {
  readonly spec: FunctionSpec;
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly errorsAlarm: cloudwatch.Alarm;
  private readonly environment = new Map<string, string>();

  constructor(scope: Construct, id: string, props: FunctionWithLogGroupProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention });

    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy, which lets a
    // function write to every log group in the account (cdk-nag AwsSolutions-IAM4).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${spec.id}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(props.projectRoot, spec.entry),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(spec.timeoutSeconds),
      memorySize: spec.memoryMb,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      // lib/bundling.ts: the same settings build the bundles `npm start -- --bundles` runs.
      bundling: cdkBundling,
    });

    this.setEnvironment('NODE_OPTIONS', '--enable-source-maps');
    for (const [name, value] of Object.entries(spec.environment)) this.setEnvironment(name, value);

    // Acknowledged on the role, so they cover its DefaultPolicy, where CDK writes every grant.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x, the Node version the tests and the local stack run on (package.json engines and the node devDependency), so what is tested is what runs.',
    });

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `${spec.id} failed at least once in 5 minutes; see its log group.`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) this.errorsAlarm.addAlarmAction(props.alarmAction);
  }

  bindTable({ table, accessMode, partiqlSelect }: TableBinding): void {
    this.setEnvironment(table.spec.envVar, table.table.tableName);
    // The item actions the code calls, not CDK's grantRead/WriteData (which add Scan, DescribeTable
    // and the stream actions nothing here uses). Transactions are authorized per contained action.
    table.table.grant(this.function, ...(accessMode === 'read' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]), ...(partiqlSelect ? [TABLE_PARTIQL_SELECT] : []));

    if (table.spec.indexes.length > 0) {
      // Queries on a GSI are authorized against `<table ARN>/index/<name>`; CDK grants the
      // table's indexes with one `/index/*` resource.
      const logicalId = Stack.of(this).resolve((table.table.node.defaultChild as CfnResource).logicalId) as string;
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason: `Covers only the indexes of the ${table.spec.id} table, which this function queries.`,
      });
    }
  }

  bindQueue({ queue, accessMode }: QueueBinding): void {
    const { spec } = queue;
    switch (accessMode) {
      case 'send':
        queue.queue.grantSendMessages(this.function);
        this.setEnvironment(spec.urlEnvVar, queue.queue.queueUrl);
        return;
      case 'consume':
        // ReceiveMessage, DeleteMessage, GetQueueAttributes and ChangeMessageVisibility (the
        // consumer hands a record back with a delay instead of sleeping); the URL for the latter.
        queue.queue.grantConsumeMessages(this.function);
        this.setEnvironment(spec.urlEnvVar, queue.queue.queueUrl);
        return;
      case 'redrive':
        // What StartMessageMoveTask needs on the DLQ (source) and the queue (destination):
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html
        queue.deadLetterQueue.grant(
          this.function,
          'sqs:StartMessageMoveTask',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        );
        queue.queue.grant(this.function, 'sqs:SendMessage');
        this.setEnvironment(spec.dlq.urlEnvVar, queue.deadLetterQueue.queueUrl);
        this.setEnvironment(spec.dlq.arnEnvVar, queue.deadLetterQueue.queueArn);
        this.setEnvironment(spec.arnEnvVar, queue.queue.queueArn);
        return;
      case 'inspect':
        queue.queue.grant(this.function, 'sqs:GetQueueAttributes');
        queue.deadLetterQueue.grant(this.function, 'sqs:GetQueueAttributes');
        this.setEnvironment(spec.urlEnvVar, queue.queue.queueUrl);
        this.setEnvironment(spec.dlq.urlEnvVar, queue.deadLetterQueue.queueUrl);
        return;
    }
  }

  bindSecret(secret: ProviderSecret): void {
    secret.secret.grantRead(this.function);
    this.setEnvironment(secret.spec.envVar, secret.secret.secretArn);
  }

  /** Lambda's SQS event source mapping, reporting partial batch failures. */
  consumeFrom(queue: QueueWithDlq, consumer: ConsumerSpec): void {
    this.function.addEventSource(
      new SqsEventSource(queue.queue, {
        batchSize: consumer.batchSize,
        maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
        maxConcurrency: consumer.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** The URL callers reach the API at (HubSpot's v3 signature covers it). */
  bindPublicBaseUrl(url: string): void {
    this.setEnvironment('PUBLIC_BASE_URL', url);
  }

  /** Sets a variable once; a second, different value for the same name is a topology mistake. */
  private setEnvironment(name: string, value: string): void {
    const existing = this.environment.get(name);
    if (existing === undefined) {
      this.environment.set(name, value);
      this.function.addEnvironment(name, value);
      return;
    }
    const stack = Stack.of(this);
    if (JSON.stringify(stack.resolve(existing)) !== JSON.stringify(stack.resolve(value))) {
      throw new Error(`${this.spec.id}: environment variable ${name} is bound to two different values`);
    }
  }
}
