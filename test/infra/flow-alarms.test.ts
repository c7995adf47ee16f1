/**
 * Alarms that say what broke (issue 15 §6), for the flows a deployment runs: a queue's oldest
 * message too old, HubSpot webhooks silent for hours, a burst of signature refusals. A disabled
 * flow gets none of them.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CrmSyncStack } from '../../lib/stack.js';
import { FLOW_IDS, topologyFor, type FlowId } from '../../lib/topology.js';

type Json = Record<string, any>;
const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;

function alarms(flows: readonly FlowId[]): Map<string, Json> {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new CrmSyncStack(app, 'CrmSync-prod', { topology: topologyFor('prod', flows) }));
  const all = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r as Json).Properties as Json);
  return new Map(all.filter((a) => typeof a.AlarmName === 'string').map((a) => [(a.AlarmName as string).replace(/^CrmSync-prod-/, ''), a]));
}

const settings = topologyFor('prod').settings.alarms;

describe('with every flow on', () => {
  const named = alarms(FLOW_IDS);

  it('watches the age of each queue\'s oldest message', () => {
    for (const queue of ['lead-sync', 'hubspot-events', 'turbotenant-events', 'buildium-sync']) {
      const alarm = named.get(`${queue}-backlog-old`);
      expect(alarm, queue).toBeDefined();
      expect(alarm!.MetricName).toBe('ApproximateAgeOfOldestMessage');
      expect(alarm!.Threshold).toBe(settings.oldestMessageMinutes * 60);
      expect(alarm!.AlarmActions).toHaveLength(1);
    }
  });

  it('fires when no HubSpot webhook arrived for hours, counting no data as silence', () => {
    const alarm = named.get('hubspot-webhooks-silent')!;
    expect(alarm).toMatchObject({ MetricName: 'WebhookEventsQueued', Period: 3600, EvaluationPeriods: settings.webhookSilenceHours, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
    expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: 'hubspot-webhook' }]);
  });

  it('fires on a burst of signature refusals on each signed route', () => {
    for (const [name, metric] of [
      ['hubspot-webhook-signature-refusals', 'WebhookSignatureRejected'],
      ['turbotenant-events-signature-refusals', 'TurboTenantSignatureRejected'],
      ['buildium-scheduler-signature-refusals', 'BuildiumSignatureRejected'],
    ] as const) {
      expect(named.get(name), name).toMatchObject({ MetricName: metric, Threshold: settings.signatureRefusalsPer5Minutes, Statistic: 'Sum', TreatMissingData: 'notBreaching' });
    }
  });
});

describe('with only Buildium on', () => {
  it('raises nothing for the flows that are off', () => {
    const names = [...alarms(['buildium']).keys()];
    expect(names).toContain('buildium-sync-backlog-old');
    expect(names).toContain('buildium-scheduler-signature-refusals');
    for (const off of ['hubspot-webhooks-silent', 'lead-sync-backlog-old', 'turbotenant-events-backlog-old', 'hubspot-webhook-signature-refusals', 'turbotenant-events-signature-refusals']) {
      expect(names).not.toContain(off);
    }
  });
});
