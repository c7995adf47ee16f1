import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrmSyncStack, LEAD_SYNC_METRICS } from '../../lib/stack.js';
import { TOKEN_KEY_ENV_VAR, topologyFor, VISIBILITY_TIMEOUT_FACTOR, type FunctionId, type Topology } from '../../lib/topology.js';

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties: Json;
  readonly DeletionPolicy?: string;
}
interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** The feature flags `cdk synth` runs with, so the tests see the template that ships. */
const cdkJsonContext = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;

interface Synthesized {
  readonly topology: Topology;
  readonly stack: CrmSyncStack;
  readonly template: Template;
}

function synthesize(environment: 'dev' | 'prod', alarmEmail?: string, publicBaseUrl?: string): Synthesized {
  // Skipping bundling keeps the suite fast; `npx cdk synth` covers esbuild.
  const app = new App({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [] } });
  const topology = topologyFor(environment);
  const stack = new CrmSyncStack(app, `CrmSync-${environment}`, { topology, ...(alarmEmail ? { alarmEmail } : {}), ...(publicBaseUrl ? { publicBaseUrl } : {}) });
  return { topology, stack, template: Template.fromStack(stack) };
}

function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
}

function resourcesOfType(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

function resource(template: Template, id: string): Resource {
  const found = template.toJSON().Resources[id] as Resource | undefined;
  if (!found) throw new Error(`no resource ${id}`);
  return found;
}

function statementsOf(policy: Resource): Statement[] {
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** The statements of a function's execution role. */
function roleStatements(synth: Synthesized, id: FunctionId): Statement[] {
  const roleId = logicalId(synth.stack, synth.stack.functions.get(id)!.role);
  return Object.values(resourcesOfType(synth.template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => statementsOf(policy));
}

/** `rate(1 hour)` → 60 */
function rateMinutes(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new Error(`not a rate expression: ${expression}`);
  const unit = match[2]!.replace(/s$/, '');
  return Number(match[1]) * (unit === 'minute' ? 1 : unit === 'hour' ? 60 : 1440);
}

describe.each(['dev', 'prod'] as const)('CrmSync stack (%s)', (environment) => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(environment);
  });

  it('runs every function on Node 22 arm64, traced, with the timeout and memory of its spec', () => {
    for (const spec of synth.topology.functions) {
      const fn = resource(synth.template, logicalId(synth.stack, synth.stack.functions.get(spec.id)!.function));
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: spec.timeoutSeconds,
        MemorySize: spec.memoryMb,
        TracingConfig: { Mode: 'Active' },
      });
      expect((fn.Properties.Environment as { Variables: Json }).Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        ...spec.environment,
      });
    }
  });

  it('gives every function its own log group with the environment retention, and a role that writes only there', () => {
    for (const spec of synth.topology.functions) {
      const construct = synth.stack.functions.get(spec.id)!;
      const logGroupId = logicalId(synth.stack, construct.logGroup);
      const fn = resource(synth.template, logicalId(synth.stack, construct.function));
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
      expect(resource(synth.template, logGroupId).Properties.RetentionInDays).toBe(synth.topology.settings.logRetentionDays);

      const logStatements = roleStatements(synth, spec.id).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logStatements).toEqual([
        expect.objectContaining({ Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }),
      ]);
    }
    const roles = Object.values(resourcesOfType(synth.template, 'AWS::IAM::Role'));
    for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('gives each queue a DLQ with the topology maxReceiveCount and a visibility timeout of 6x its consumer timeout', () => {
    for (const spec of synth.topology.queues) {
      const construct = synth.stack.queues.get(spec.id)!;
      const queue = resource(synth.template, logicalId(synth.stack, construct.queue));
      const dlqId = logicalId(synth.stack, construct.deadLetterQueue);
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: spec.maxReceiveCount,
      });
      expect(queue.Properties.MessageRetentionPeriod).toBe(spec.retentionDays * 86_400);
      expect(resource(synth.template, dlqId).Properties.MessageRetentionPeriod).toBe(spec.dlq.retentionDays * 86_400);

      const consumer = synth.topology.consumers.find((c) => c.queue === spec.id)!;
      const consumerTimeout = synth.topology.functions.find((f) => f.id === consumer.function)!.timeoutSeconds;
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_FACTOR * consumerTimeout);

      for (const q of [queue, resource(synth.template, dlqId)]) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    }
    // enforceSSL: every queue policy denies plain HTTP.
    const queuePolicies = Object.values(resourcesOfType(synth.template, 'AWS::SQS::QueuePolicy'));
    expect(queuePolicies).toHaveLength(synth.topology.queues.length * 2);
    for (const policy of queuePolicies) {
      expect(statementsOf(policy)).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('maps each consumer with partial batch failures and the batch settings of the environment', () => {
    for (const consumer of synth.topology.consumers) {
      synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(synth.stack, synth.stack.queues.get(consumer.queue)!.queue), 'Arn'] },
        FunctionName: { Ref: logicalId(synth.stack, synth.stack.functions.get(consumer.function)!.function) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: consumer.batchSize,
        MaximumBatchingWindowInSeconds: consumer.maxBatchingWindowSeconds,
        ScalingConfig: { MaximumConcurrency: consumer.maxConcurrency },
      });
    }
    expect(Object.keys(resourcesOfType(synth.template, 'AWS::Lambda::EventSourceMapping'))).toHaveLength(
      synth.topology.consumers.length,
    );
  });

  it('creates on-demand tables with PITR, encryption, their indexes and TTL, retained on delete', () => {
    for (const spec of synth.topology.tables) {
      const table = resource(synth.template, logicalId(synth.stack, synth.stack.tables.get(spec.id)!.table));
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      const indexes = (table.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string; Projection: unknown }[];
      expect(indexes.map((i) => i.IndexName)).toEqual(spec.indexes.map((i) => i.name));
      for (const index of indexes) expect(index.Projection).toEqual({ ProjectionType: 'ALL' });
      expect(table.Properties.TimeToLiveSpecification).toEqual(
        spec.ttlAttribute ? { AttributeName: spec.ttlAttribute, Enabled: true } : undefined,
      );
    }
    expect(synth.topology.tables.find((t) => t.id === 'idempotency')?.ttlAttribute).toBe('expiration');
  });

  it('fires each schedule at the rate of the environment with the schedule id and detail as input', () => {
    const rules = Object.values(resourcesOfType(synth.template, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(synth.topology.schedules.length);
    for (const spec of synth.topology.schedules) {
      const fnId = logicalId(synth.stack, synth.stack.functions.get(spec.function)!.function);
      const rule = rules.find((r) => r.Properties.Description === spec.description)!;
      expect(rateMinutes(rule.Properties.ScheduleExpression as string)).toBe(spec.rateMinutes);
      const [target] = rule.Properties.Targets as { Arn: unknown; Input: string; RetryPolicy: unknown }[];
      expect(target?.Arn).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      expect(JSON.parse(target!.Input)).toEqual({ schedule: spec.id, ...spec.detail });
      expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2 });
    }
    expect(synth.topology.schedules.find((s) => s.id === 'lead-reconcile')?.rateMinutes).toBe(
      synth.topology.settings.leadReconcileRate.minutes,
    );
  });

  it('authorizes internal routes with IAM and leaves /health public', () => {
    const routes = Object.values(resourcesOfType(synth.template, 'AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      [...synth.topology.routes.map((r) => `${r.method} ${r.path}`), '$default'].sort(),
    );
    for (const spec of synth.topology.routes) {
      const route = routes.find((r) => r.Properties.RouteKey === `${spec.method} ${spec.path}`)!;
      expect(route.Properties.AuthorizationType).toBe(spec.auth === 'iam' ? 'AWS_IAM' : 'NONE');
    }
    expect(routes.find((r) => r.Properties.RouteKey === 'GET /health')?.Properties.AuthorizationType).toBe('NONE');
    expect(routes.find((r) => r.Properties.RouteKey === 'POST /leads')?.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('answers a path no route matches with the health function (the contract\'s 404), not API Gateway\'s own body', () => {
    const routes = Object.values(resourcesOfType(synth.template, 'AWS::ApiGatewayV2::Route'));
    const fallback = routes.find((r) => r.Properties.RouteKey === '$default');
    const health = routes.find((r) => r.Properties.RouteKey === 'GET /health');
    expect(fallback?.Properties.AuthorizationType).toBe('NONE');
    // The same integration as /health: the function that touches no data.
    expect(fallback?.Properties.Target).toEqual(health?.Properties.Target);
  });

  it('throttles the API stage per environment and writes JSON access logs', () => {
    const [stage] = Object.values(resourcesOfType(synth.template, 'AWS::ApiGatewayV2::Stage'));
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: synth.topology.settings.apiThrottle.rateLimit,
        ThrottlingBurstLimit: synth.topology.settings.apiThrottle.burstLimit,
      },
    });
    const accessLogs = stage!.Properties.AccessLogSettings as { Format: string; DestinationArn: unknown };
    expect(JSON.parse(accessLogs.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    synth.template.hasOutput('ApiUrl', {});
  });

  it('alarms on every DLQ and every function into the encrypted alarm topic', () => {
    const topicId = logicalId(synth.stack, synth.stack.alarms.topic);
    for (const { deadLetterQueue } of synth.stack.queues.values()) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(synth.stack, deadLetterQueue), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    }
    for (const { function: fn } of synth.stack.functions.values()) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(synth.stack, fn) } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    }
    const topic = resource(synth.template, topicId);
    expect(topic.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [logicalId(synth.stack, synth.stack.alarms.key), 'Arn'],
    });
    synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
    synth.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    synth.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('has a sync health dashboard with queue, function and lead sync metrics', () => {
    const dashboards = Object.values(resourcesOfType(synth.template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties.DashboardName).toBe(`crm-sync-${environment}-sync-health`);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Invocations',
      'Errors',
      'Duration',
      'Throttles',
      ...LEAD_SYNC_METRICS,
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('\\"CrmSync\\"');
    expect(body).toContain('\\"service\\",\\"lead-outbound\\"');
  });

  it('gives each function exactly the environment variables of its bindings', () => {
    const { topology } = synth;
    for (const spec of topology.functions) {
      const expected = new Set(['NODE_OPTIONS', ...Object.keys(spec.environment)]);
      for (const { table } of spec.tables) expected.add(topology.tables.find((t) => t.id === table)!.envVar);
      for (const { queue, access } of spec.queues) {
        const q = topology.queues.find((x) => x.id === queue)!;
        if (access === 'send' || access === 'consume') expected.add(q.urlEnvVar);
        if (access === 'redrive') [q.dlq.urlEnvVar, q.dlq.arnEnvVar, q.arnEnvVar].forEach((v) => expected.add(v));
        if (access === 'inspect') [q.urlEnvVar, q.dlq.urlEnvVar].forEach((v) => expected.add(v));
      }
      for (const secret of spec.secrets) expected.add(topology.secrets.find((s) => s.id === secret)!.envVar);
      if (spec.publicBaseUrl) expected.add('PUBLIC_BASE_URL');
      if (spec.tokenKey) expected.add(TOKEN_KEY_ENV_VAR);

      const fn = resource(synth.template, logicalId(synth.stack, synth.stack.functions.get(spec.id)!.function));
      const variables = (fn.Properties.Environment as { Variables: Json }).Variables;
      expect(new Set(Object.keys(variables))).toEqual(expected);
    }
  });

  it('lets only the functions that call HubSpot or verify its signatures read the HubSpot secret', () => {
    const secretId = logicalId(synth.stack, synth.stack.secrets.get('hubspot')!.secret);
    const secret = resource(synth.template, secretId);
    expect(JSON.parse((secret.Properties.GenerateSecretString as { SecretStringTemplate: string }).SecretStringTemplate)).toEqual({
      clientSecret: 'REPLACE_ME',
      appId: 'REPLACE_ME',
      portalId: 'REPLACE_ME',
    });

    const readers = synth.topology.functions.filter((f) => {
      const statements = roleStatements(synth, f.id);
      return statements.some((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    });
    expect(readers.map((f) => f.id)).toEqual(['lead-outbound', 'hubspot-webhook', 'hubspot-inbound', 'hubspot-oauth', 'turbotenant-events', 'turbotenant-sync', 'buildium-scheduler', 'buildium-sync']);
    // The TurboTenant and Buildium ingests read only their own secret (the signing secret), never HubSpot's.
    const ingests: string[] = ['turbotenant-events', 'buildium-scheduler'];
    for (const id of ['turbotenant-events', 'buildium-scheduler'] as const) expect(JSON.stringify(roleStatements(synth, id))).not.toContain(secretId);
    for (const reader of readers.filter((f) => !ingests.includes(f.id))) {
      const grants = roleStatements(synth, reader.id).filter((st) => actionsOf(st).includes('secretsmanager:GetSecretValue'));
      const resources = grants.flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]));
      expect(resources, reader.id).toContainEqual({ Ref: secretId });
    }
    const leadEvents = JSON.stringify(roleStatements(synth, 'lead-events'));
    expect(leadEvents).not.toContain('secretsmanager');
    expect(leadEvents).not.toContain(secretId);
  });

  it('grants queue access by purpose: consume may change visibility, redrive moves messages from the DLQ only', () => {
    const queue = synth.stack.queues.get('lead-sync')!;
    const queueArn = { 'Fn::GetAtt': [logicalId(synth.stack, queue.queue), 'Arn'] };
    const dlqArn = { 'Fn::GetAtt': [logicalId(synth.stack, queue.deadLetterQueue), 'Arn'] };

    const outbound = roleStatements(synth, 'lead-outbound');
    expect(outbound).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']), Resource: queueArn }),
    );

    const operations = roleStatements(synth, 'lead-operations');
    const events = synth.stack.queues.get('hubspot-events')!;
    const eventsDlqArn = { 'Fn::GetAtt': [logicalId(synth.stack, events.deadLetterQueue), 'Arn'] };
    // The resync flow redrives both DLQs, and may start move tasks from nowhere else.
    const moveTask = operations.filter((s) => actionsOf(s).includes('sqs:StartMessageMoveTask'));
    const moveResources = moveTask.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    const ttDlqArn = { 'Fn::GetAtt': [logicalId(synth.stack, synth.stack.queues.get('turbotenant-events')!.deadLetterQueue), 'Arn'] };
    const bdDlqArn = { 'Fn::GetAtt': [logicalId(synth.stack, synth.stack.queues.get('buildium-sync')!.deadLetterQueue), 'Arn'] };
    expect(moveResources).toHaveLength(4);
    expect(moveResources).toEqual(expect.arrayContaining([dlqArn, eventsDlqArn, ttDlqArn, bdDlqArn]));
    // The Buildium scheduler opens jobs and queues work: it never receives, nor touches the mappings.
    const scheduler = JSON.stringify(roleStatements(synth, 'buildium-scheduler'));
    expect(scheduler).toContain('sqs:SendMessage');
    expect(scheduler).not.toContain('sqs:ReceiveMessage');
    expect(scheduler).not.toContain(logicalId(synth.stack, synth.stack.tables.get('mappings')!.table));
    const inbound = roleStatements(synth, 'hubspot-inbound');
    expect(inbound).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']),
        Resource: { 'Fn::GetAtt': [logicalId(synth.stack, events.queue), 'Arn'] },
      }),
    );
    // The webhook route may only send to its queue: never read, delete or touch the leads.
    const webhook = JSON.stringify(roleStatements(synth, 'hubspot-webhook'));
    expect(webhook).not.toContain('sqs:ReceiveMessage');
    expect(webhook).not.toContain(logicalId(synth.stack, synth.stack.tables.get('leads')!.table));
    expect(operations).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']), Resource: queueArn }),
    );

    for (const id of ['health', 'lead-events'] as const) {
      expect(JSON.stringify(roleStatements(synth, id))).not.toContain(logicalId(synth.stack, queue.deadLetterQueue));
    }
  });

  it('grants no wildcard actions, and a wildcard resource only to X-Ray', () => {
    const statements = Object.values(resourcesOfType(synth.template, 'AWS::IAM::Policy')).flatMap((p) =>
      statementsOf(p),
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/(^\*$|:\*$)/);
      if (statement.Resource === '*') {
        expect(actionsOf(statement).every((a) => a.startsWith('xray:'))).toBe(true);
      }
    }
  });

  it('passes cdk-nag AwsSolutions with every exception acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(synth.stack);
    const errors = report.violations
      .filter((v) => v.severity === 'error')
      .map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(errors).toEqual([]);
  });
});

/** An output's value as text, references written `${Ref}`, so two outputs built from the same URL compare equal. */
function outputText(template: Template, name: string): string {
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const node = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
    if (node.Ref) return `\${${node.Ref}}`;
    if (node['Fn::Join']) return node['Fn::Join'][1].map(render).join(node['Fn::Join'][0]);
    throw new Error(`output ${name}: cannot render ${JSON.stringify(value)}`);
  };
  const output = (template.toJSON().Outputs as Record<string, { Value: unknown }> | undefined)?.[name];
  if (!output) throw new Error(`no output ${name}`);
  return render(output.Value);
}

describe('HubSpot project command output', () => {
  const command = ' npm run sync -- setup hubspot --project-dir hubspot-app';

  it('names the command that writes the HubSpot project for the API URL of the stack', () => {
    const { template } = synthesize('dev');
    const apiUrl = outputText(template, 'ApiUrl');
    expect(apiUrl).toMatch(/^https:\/\/\$\{.+\}\.execute-api\..+\/$/);
    expect(outputText(template, 'HubSpotProjectCommand')).toBe(`PUBLIC_BASE_URL=${apiUrl.replace(/\/$/, '')}${command}`);
  });

  it('names the public base URL instead when the API sits behind a custom domain', () => {
    const { template } = synthesize('prod', undefined, 'https://crm.example.com/');
    expect(outputText(template, 'HubSpotProjectCommand')).toBe(`PUBLIC_BASE_URL=https://crm.example.com${command}`);
  });
});

describe('alarm e-mail', () => {
  it('subscribes the alarm e-mail when one is given', () => {
    const { template } = synthesize('dev', 'ops@example.com');
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});
