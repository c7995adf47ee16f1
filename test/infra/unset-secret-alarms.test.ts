/**
 * A secret left unset is loud (issue 12 §2): each required field of each provider secret has an
 * alarm that sums `SecretUnset{service, Secret=<secret>.<field>}` over every function bound to the
 * secret, into the alarm topic, named after the field.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrmSyncStack } from '../../lib/stack.js';
import { topologyFor } from '../../lib/topology.js';

type Json = Record<string, any>;
const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;

let template: Template;
let alarms: Json[];

beforeAll(() => {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new CrmSyncStack(app, 'CrmSync-dev', { topology: topologyFor('dev') }));
  alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r as Json).Properties as Json);
});

const alarmFor = (secret: string) => alarms.find((a) => typeof a.AlarmName === 'string' && a.AlarmName.endsWith(`-secret-unset-${secret.replace('.', '-')}`));

/** The metrics an alarm's math sums: service and Secret of each. */
function summed(alarm: Json): Array<{ service: string; secret: string; name: string }> {
  return (alarm.Metrics as Json[])
    .filter((m) => m.MetricStat)
    .map((m) => {
      const dims = Object.fromEntries((m.MetricStat.Metric.Dimensions as Json[]).map((d) => [d.Name, d.Value]));
      return { service: dims.service, secret: dims.Secret, name: m.MetricStat.Metric.MetricName };
    });
}

describe('alarms on unset secrets', () => {
  it.each([
    ['hubspot.clientSecret', ['lead-outbound', 'hubspot-webhook', 'hubspot-inbound', 'turbotenant-sync', 'buildium-sync']],
    ['hubspot.accessToken', ['lead-outbound', 'hubspot-webhook', 'hubspot-inbound', 'turbotenant-sync', 'buildium-sync']],
    ['buildium.webhookSecret', ['buildium-scheduler', 'buildium-sync']],
    ['turbotenant.webhookSecret', ['turbotenant-events', 'turbotenant-sync']],
  ])('%s has an alarm over every function that reads it', (secret, services) => {
    const alarm = alarmFor(secret);
    expect(alarm, `no alarm for ${secret}`).toBeDefined();
    expect(alarm!.AlarmDescription).toContain(secret);
    expect(alarm!.Threshold).toBe(1);
    expect(alarm!.TreatMissingData).toBe('notBreaching');
    expect(alarm!.AlarmActions).toHaveLength(1);
    const metrics = summed(alarm!);
    expect(new Set(metrics.map((m) => m.name))).toEqual(new Set(['SecretUnset']));
    expect(new Set(metrics.map((m) => m.secret))).toEqual(new Set([secret]));
    expect(metrics.map((m) => m.service)).toEqual(expect.arrayContaining(services));
  });

  it('has none for optional fields an operator may leave out', () => {
    expect(alarmFor('hubspot.portals')).toBeUndefined();
    expect(alarmFor('stripe.baseUrl')).toBeUndefined();
  });
});
