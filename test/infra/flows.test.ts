/**
 * Flows on and off (issue 15 §5): a deployment runs only the flows it names. A flow not enabled has
 * no route (the `$default` route answers the contract's 404), no schedule, and so nothing that
 * could raise an alarm; a fresh deploy (no `flows` context) runs none.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CrmSyncStack } from '../../lib/stack.js';
import { FLOW_IDS, parseFlows, topologyFor, type FlowId } from '../../lib/topology.js';

type Json = Record<string, any>;
const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;

function template(flows: readonly FlowId[]): Template {
  return synthesize(flows).template;
}

function synthesize(flows: readonly FlowId[]): { stack: CrmSyncStack; template: Template } {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CrmSyncStack(app, 'CrmSync-prod', { topology: topologyFor('prod', flows) });
  return { stack, template: Template.fromStack(stack) };
}

const routeKeys = (t: Template) => Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as Json).Properties.RouteKey as string);
const scheduleDetails = (t: Template) => Object.values(t.findResources('AWS::Events::Rule')).map((r) => JSON.stringify((r as Json).Properties));

describe('FLOWS / the flows context', () => {
  it('reads a list of flows, all, or none, and refuses a name it does not know', () => {
    expect(parseFlows('all')).toEqual([...FLOW_IDS]);
    expect(parseFlows('')).toEqual([]);
    expect(parseFlows(' buildium , leads ')).toEqual(['leads', 'buildium']);
    expect(() => parseFlows('leads,turbo-tenant')).toThrow(/Unknown flow "turbo-tenant"; the flows are leads, hubspot-inbound, turbotenant, stripe, buildium/);
  });
});

describe('a deployment that runs only Buildium', () => {
  const { stack, template: synthesized } = synthesize(['buildium']);

  it('has no route of the other flows: those paths reach the $default 404', () => {
    const keys = routeKeys(synthesized);
    expect(keys).toContain('POST /webhooks/buildium');
    expect(keys).toContain('POST /sync/buildium');
    for (const gone of ['POST /events/turbotenant', 'POST /webhooks/hubspot', 'POST /leads', 'GET /leads/{leadId}']) expect(keys).not.toContain(gone);
    expect(keys).toContain('$default');
  });

  it('schedules only Buildium work: no TurboTenant reconcile failing every 15 minutes, no lead reconcile', () => {
    const rules = scheduleDetails(synthesized);
    const scheduler = stack.resolve((stack.functions.get('buildium-scheduler')!.function.node.defaultChild as CfnElement).logicalId) as string;
    expect(rules).toHaveLength(2); // incremental and full reconcile
    for (const rule of rules) expect(rule).toContain(`"Fn::GetAtt":["${scheduler}","Arn"]`);
  });

  it('turns Stripe metadata off when the stripe flow is not named', () => {
    const fns = Object.values(synthesized.findResources('AWS::Lambda::Function')).map((r) => (r as Json).Properties.Environment?.Variables ?? {});
    const withStripe = fns.filter((vars: Json) => 'STRIPE_SYNC' in vars);
    expect(withStripe.length).toBeGreaterThan(0);
    for (const vars of withStripe) expect(vars.STRIPE_SYNC).toBe('off');
  });
});

describe('a fresh deploy with no flows named', () => {
  it('schedules nothing and routes only health, the OAuth install and operations, so nothing calls a provider', () => {
    const synthesized = template(parseFlows(''));
    expect(scheduleDetails(synthesized)).toEqual([]);
    expect(routeKeys(synthesized).sort()).toEqual(
      ['$default', 'GET /health', 'GET /integrations/hubspot/installs', 'GET /internal/status', 'GET /oauth/hubspot/callback', 'GET /oauth/hubspot/install', 'POST /internal/leads/resync-failed'].sort(),
    );
  });

});

