/**
 * Least privilege, over the synthesized template (issue 6 §3): every function's role grants
 * exactly the actions its topology declarations need, each action is in this allow-list with its
 * reason, each resource is one of the function's own (tables and their indexes, queues, secrets,
 * log group, the token key), and a wildcard resource appears only where AWS requires it. Only the
 * six public routes are open; every other route needs IAM.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { CrmSyncStack, TOKEN_KEY_ACTIONS } from '../../lib/stack.js';
import { topologyFor, type FunctionSpec, type QueueAccess } from '../../lib/topology.js';

type Json = Record<string, unknown>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

/** Every action a function may hold, and why. Anything granted and not listed fails the test. */
const ALLOWED: Readonly<Record<string, string>> = {
  'logs:CreateLogStream': "the function's own log group (Lambda writes its logs)",
  'logs:PutLogEvents': "the function's own log group",
  'xray:PutTraceSegments': 'active tracing; X-Ray takes no resource, so AWS requires "*"',
  'xray:PutTelemetryRecords': 'active tracing; AWS requires "*"',
  'dynamodb:GetItem': 'GetCommand (a lead, a job, a mapping, a cursor)',
  'dynamodb:BatchGetItem': 'BatchGetCommand (mappings 100 at a time, webhook event records)',
  'dynamodb:Query': 'QueryCommand (leads by email / HubSpot id, job errors, reviews, mappings by HubSpot object)',
  'dynamodb:PutItem': 'PutCommand and the puts inside TransactWriteCommand',
  'dynamodb:UpdateItem': 'UpdateCommand and the updates inside TransactWriteCommand',
  'dynamodb:DeleteItem': "Powertools idempotency deletes a record whose request failed",
  'dynamodb:BatchWriteItem': 'BatchWriteCommand (new mappings 25 at a time)',
  'dynamodb:PartiQLSelect': 'ExecuteStatement SELECT … IN on the leads table\'s indexes, 50 keys a request (hubspot-inbound only, partiqlSelect)',
  'sqs:SendMessage': 'queueing work (send) or redriving into the queue (redrive)',
  'sqs:GetQueueUrl': 'granted by CDK with send and consume; the SDK resolves the URL',
  'sqs:GetQueueAttributes': 'queue depths (status, redrive) and the event source mapping',
  'sqs:ReceiveMessage': "the event source mapping (consume) and SQS's move task (redrive)",
  'sqs:DeleteMessage': "the event source mapping deletes what succeeded; SQS's move task (redrive)",
  'sqs:ChangeMessageVisibility': 'backoff: a failed record comes back after a delay instead of sleeping',
  'sqs:StartMessageMoveTask': 'the resync flow redrives a DLQ into its queue',
  'secretsmanager:GetSecretValue': "reading the provider credentials the function uses",
  'secretsmanager:DescribeSecret': 'granted by CDK with GetSecretValue (rotation metadata)',
  'kms:Encrypt': 'sealing the OAuth tokens of an install or a refresh with the token key (tokenKey)',
  'kms:Decrypt': 'opening the stored OAuth tokens (tokenKey)',
};

const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const QUEUE: Readonly<Record<QueueAccess, readonly string[]>> = {
  send: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
  consume: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
  redrive: ['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:SendMessage'],
  inspect: ['sqs:GetQueueAttributes'],
};
const ALWAYS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/** What the function's declarations in lib/topology.ts need, and nothing else. */
function expectedActions(fn: FunctionSpec): string[] {
  const actions = new Set(ALWAYS);
  for (const t of fn.tables) for (const a of t.access === 'read' ? TABLE_READ : [...TABLE_READ, ...TABLE_WRITE]) actions.add(a);
  for (const t of fn.tables) if (t.partiqlSelect) actions.add('dynamodb:PartiQLSelect');
  for (const q of fn.queues) for (const a of QUEUE[q.access]) actions.add(a);
  if (fn.secrets.length > 0) ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'].forEach((a) => actions.add(a));
  if (fn.tokenKey) TOKEN_KEY_ACTIONS[fn.tokenKey].forEach((a) => actions.add(a));
  return [...actions].sort();
}

const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;

describe.each(['dev', 'prod'] as const)('least privilege (%s)', (environment) => {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const topology = topologyFor(environment);
  const stack = new CrmSyncStack(app, `Iam-${environment}`, { topology });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Json }> };
  const idOf = (s: Stack, c: IConstruct) => s.resolve((c.node.defaultChild as CfnElement).logicalId) as string;

  const statementsOf = (fnId: FunctionSpec['id']): Statement[] => {
    const roleId = idOf(stack, stack.functions.get(fnId)!.role);
    return Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  };
  const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

  it.each(topology.functions.map((f) => [f.id, f] as const))('%s holds exactly the actions its declarations need, each with a reason', (_id, fn) => {
    const statements = statementsOf(fn.id);
    const granted = [...new Set(statements.flatMap(actions))].sort();
    for (const action of granted) expect(ALLOWED[action], `${fn.id} holds ${action}, which has no reason in the allow-list`).toBeDefined();
    expect(granted).toEqual(expectedActions(fn));
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it.each(topology.functions.map((f) => [f.id, f] as const))('%s touches only its own tables, queues, secrets and log group', (_id, fn) => {
    const own = new Set<string>([
      ...fn.tables.map((t) => idOf(stack, stack.tables.get(t.table)!.table)),
      ...fn.queues.flatMap((q) => [idOf(stack, stack.queues.get(q.queue)!.queue), idOf(stack, stack.queues.get(q.queue)!.deadLetterQueue)]),
      ...fn.secrets.map((s) => idOf(stack, stack.secrets.get(s)!.secret)),
      ...(fn.tokenKey ? [idOf(stack, stack.tokenKey)] : []),
      idOf(stack, stack.functions.get(fn.id)!.logGroup),
    ]);
    for (const statement of statementsOf(fn.id)) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources) {
        if (resource === '*') {
          expect(actions(statement).every((a) => a.startsWith('xray:')), `${fn.id}: "*" only for X-Ray`).toBe(true);
          continue;
        }
        const referenced = [...JSON.stringify(resource).matchAll(/"(?:Ref|Fn::GetAtt)":\s*(?:"([^"]+)"|\["([^"]+)")/g)].map((m) => m[1] ?? m[2]);
        expect(referenced.length, `${fn.id}: ${JSON.stringify(resource)} names no resource of the stack`).toBeGreaterThan(0);
        for (const id of referenced) expect(own.has(id!), `${fn.id} may not touch ${id}`).toBe(true);
      }
    }
  });

  it('opens only the six public routes and the $default 404; every other route needs IAM', () => {
    const routes = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    const open = routes.filter((r) => r.Properties.AuthorizationType !== 'AWS_IAM').map((r) => r.Properties.RouteKey).sort();
    expect(open).toEqual(['$default', 'GET /health', 'GET /oauth/hubspot/callback', 'GET /oauth/hubspot/install', 'POST /events/turbotenant', 'POST /webhooks/buildium', 'POST /webhooks/hubspot']);
    expect(routes.length).toBe(topology.routes.length + 1);
  });
});
