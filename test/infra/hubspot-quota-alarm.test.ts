/**
 * The daily HubSpot quota running low is loud (issue 13 §3): one alarm on the lowest remaining
 * quota any HubSpot-calling function reported, at the environment's threshold, into the alarm topic.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrmSyncStack } from '../../lib/stack.js';
import { topologyFor } from '../../lib/topology.js';

type Json = Record<string, any>;
const context = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json }).context;

let alarm: Json | undefined;

beforeAll(() => {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new CrmSyncStack(app, 'CrmSync-prod', { topology: topologyFor('prod') }));
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r as Json).Properties as Json);
  alarm = alarms.find((a) => typeof a.AlarmName === 'string' && a.AlarmName.endsWith('-hubspot-daily-quota-low'));
});

describe('the HubSpot daily quota alarm', () => {
  it('fires below the configured remaining quota, on the lowest any function reported', () => {
    expect(alarm).toBeDefined();
    expect(alarm!.Threshold).toBe(topologyFor('prod').settings.hubspotDailyQuotaAlarmBelow);
    expect(alarm!.ComparisonOperator).toBe('LessThanThreshold');
    expect(alarm!.AlarmActions).toHaveLength(1);
    const expression = (alarm!.Metrics as Json[]).find((m) => m.Expression)?.Expression as string;
    expect(expression).toMatch(/^MIN\(\[/);
    const watched = (alarm!.Metrics as Json[])
      .filter((m) => m.MetricStat)
      .map((m) => ({ name: m.MetricStat.Metric.MetricName, stat: m.MetricStat.Stat, service: (m.MetricStat.Metric.Dimensions as Json[]).find((d) => d.Name === 'service')?.Value }));
    for (const service of ['lead-outbound', 'hubspot-inbound', 'turbotenant-sync', 'buildium-sync']) {
      expect(watched).toContainEqual({ name: 'HubSpotDailyQuotaRemaining', stat: 'Minimum', service });
    }
  });
});
