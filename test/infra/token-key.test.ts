/**
 * The OAuth install in the template (issue 12 §5): the install and callback routes are public and
 * reach hubspot-oauth, the installs' status needs IAM; the token key exists with rotation on and
 * outlives the stack; only functions declaring `tokenKey` may use it, each for exactly what it
 * declares: today hubspot-oauth may seal tokens and no role may open them, and a consumer that
 * declares `encryptDecrypt` (to refresh) gets both and the key's ARN.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { CrmSyncStack } from '../../lib/stack.js';
import { TOKEN_KEY_ENV_VAR, topologyFor, type FunctionId, type Topology } from '../../lib/topology.js';

type Json = Record<string, any>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
}

const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;

function synthesize(topology: Topology) {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CrmSyncStack(app, 'TokenKey', { topology });
  return { stack, template: Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Json; DeletionPolicy?: string }> } };
}

const idOf = (s: Stack, c: IConstruct) => s.resolve((c.node.defaultChild as CfnElement).logicalId) as string;
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Each function's actions on the token key. */
function keyActions(synth: ReturnType<typeof synthesize>, topology: Topology): Record<string, string[]> {
  const keyId = idOf(synth.stack, synth.stack.tokenKey);
  const byFunction: Record<string, string[]> = {};
  for (const fn of topology.functions) {
    const roleId = idOf(synth.stack, synth.stack.functions.get(fn.id)!.role);
    const statements = Object.values(synth.template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
    const onKey = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${keyId}"`)).flatMap(actions);
    const kms = statements.flatMap(actions).filter((a) => a.startsWith('kms:'));
    // Nothing of KMS granted on any other resource.
    expect(kms.sort(), fn.id).toEqual([...onKey].sort());
    if (onKey.length > 0) byFunction[fn.id] = [...new Set(onKey)].sort();
  }
  return byFunction;
}

function environmentOf(synth: ReturnType<typeof synthesize>, id: FunctionId): Json {
  return synth.template.Resources[idOf(synth.stack, synth.stack.functions.get(id)!.function)]!.Properties.Environment.Variables;
}

describe.each(['dev', 'prod'] as const)('token key and OAuth routes (%s)', (environment) => {
  const topology = topologyFor(environment);
  const synth = synthesize(topology);

  it('routes install and callback to hubspot-oauth without auth, and the installs status with IAM', () => {
    const routes = Object.values(synth.template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    const auth = Object.fromEntries(routes.map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType]));
    expect(auth['GET /oauth/hubspot/install']).toBe('NONE');
    expect(auth['GET /oauth/hubspot/callback']).toBe('NONE');
    expect(auth['GET /integrations/hubspot/installs']).toBe('AWS_IAM');
    const fnId = idOf(synth.stack, synth.stack.functions.get('hubspot-oauth')!.function);
    const integrations = Object.entries(synth.template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Integration' && JSON.stringify(r.Properties.IntegrationUri).includes(fnId));
    expect(integrations).toHaveLength(1);
    for (const key of ['GET /oauth/hubspot/install', 'GET /oauth/hubspot/callback']) {
      const route = routes.find((r) => r.Properties.RouteKey === key)!;
      expect(JSON.stringify(route.Properties.Target)).toContain(integrations[0]![0]);
    }
  });

  it('creates the token key with rotation on, kept when the stack goes, usable only through IAM policies of this account', () => {
    const key = synth.template.Resources[idOf(synth.stack, synth.stack.tokenKey)]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const principals = (key.Properties.KeyPolicy.Statement as Statement[]).map((s) => JSON.stringify(s.Principal));
    for (const principal of principals) expect(principal).toMatch(/:root"/);
  });

  it('lets hubspot-oauth seal tokens, and only the consumers that act in installed portals (and refresh their tokens) open them', () => {
    expect(keyActions(synth, topology)).toEqual({ 'hubspot-inbound': ['kms:Decrypt', 'kms:Encrypt'], 'lead-outbound': ['kms:Decrypt', 'kms:Encrypt'], 'hubspot-oauth': ['kms:Encrypt'] });
    expect(environmentOf(synth, 'hubspot-oauth')[TOKEN_KEY_ENV_VAR]).toEqual({ 'Fn::GetAtt': [idOf(synth.stack, synth.stack.tokenKey), 'Arn'] });
    expect(environmentOf(synth, 'hubspot-inbound')[TOKEN_KEY_ENV_VAR]).toEqual({ 'Fn::GetAtt': [idOf(synth.stack, synth.stack.tokenKey), 'Arn'] });
    expect(environmentOf(synth, 'turbotenant-sync')[TOKEN_KEY_ENV_VAR]).toBeUndefined();
  });
});

