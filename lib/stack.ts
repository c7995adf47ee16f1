import { fileURLToPath } from 'node:url';
import { CfnOutput, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AlarmTopic } from './constructs/alarm-topic.js';
import { FunctionWithLogGroup } from './constructs/function-with-log-group.js';
import { ProviderSecret } from './constructs/provider-secret.js';
import { QueueWithDlq } from './constructs/queue-with-dlq.js';
import { ScheduledJob } from './constructs/scheduled-job.js';
import { SyncHealthDashboard } from './constructs/sync-health-dashboard.js';
import { SyncHttpApi } from './constructs/sync-http-api.js';
import { TopologyTable } from './constructs/topology-table.js';
import { FlowAlarms } from './constructs/flow-alarms.js';
import { HubSpotQuotaAlarm } from './constructs/hubspot-quota-alarm.js';
import { UnsetSecretAlarms } from './constructs/unset-secret-alarms.js';
import {
  functionSpec,
  TOKEN_KEY_ENV_VAR,
  visibilityTimeoutSeconds,
  type FunctionId,
  type QueueId,
  type SecretId,
  type TableId,
  type TokenKeyAccess,
  type Topology,
} from './topology.js';

/** The directory holding package.json; topology entries are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Counters lead-outbound publishes through Powertools Metrics. */
export const LEAD_SYNC_METRICS = ['LeadSyncAttempts', 'LeadSyncSucceeded', 'LeadSyncFailed', 'LeadSyncRetried'] as const;

/** The KMS actions of each `tokenKey` access: what the Encrypt and Decrypt calls need, nothing more. */
export const TOKEN_KEY_ACTIONS: Readonly<Record<TokenKeyAccess, readonly string[]>> = {
  encrypt: ['kms:Encrypt'],
  decrypt: ['kms:Decrypt'],
  encryptDecrypt: ['kms:Encrypt', 'kms:Decrypt'],
};

export interface CrmSyncStackProps extends StackProps {
  readonly topology: Topology;
  /** Address subscribed to the alarm topic; none when unset. */
  readonly alarmEmail?: string;
  readonly projectRoot?: string;
  /**
   * The URL webhooks are addressed to when the API sits behind a custom domain; by default the
   * API's own URL. HubSpot signs the exact URL it calls, so this must match its webhook settings.
   */
  readonly publicBaseUrl?: string;
}

/** Everything `lib/topology.ts` declares, plus the API stage, alarms and a dashboard that watch it. */
export class CrmSyncStack extends Stack {
  readonly tables: ReadonlyMap<TableId, TopologyTable>;
  readonly queues: ReadonlyMap<QueueId, QueueWithDlq>;
  readonly secrets: ReadonlyMap<SecretId, ProviderSecret>;
  readonly functions: ReadonlyMap<FunctionId, FunctionWithLogGroup>;
  /** Seals the OAuth tokens stored per HubSpot portal (functions/runtime/token-cipher.ts). */
  readonly tokenKey: kms.Key;
  readonly api: SyncHttpApi;
  readonly alarms: AlarmTopic;

  constructor(scope: Construct, id: string, props: CrmSyncStackProps) {
    super(scope, id, props);
    const { topology } = props;
    const { settings } = topology;
    // EnvironmentSettings.logRetentionDays only allows values RetentionDays defines.
    const logRetention = settings.logRetentionDays as logs.RetentionDays;
    Tags.of(this).add('project', 'crm-sync');
    Tags.of(this).add('environment', settings.name);

    this.alarms = new AlarmTopic(this, 'Alarms', props.alarmEmail ? { email: props.alarmEmail } : {});

    this.tables = new Map(topology.tables.map((spec) => [spec.id, new TopologyTable(this, `table-${spec.id}`, { spec })]));
    this.queues = new Map(
      topology.queues.map((spec) => [
        spec.id,
        new QueueWithDlq(this, `queue-${spec.id}`, {
          spec,
          visibilityTimeoutSeconds: visibilityTimeoutSeconds(topology, spec.id),
          alarmAction: this.alarms.action,
        }),
      ]),
    );
    this.secrets = new Map(topology.secrets.map((spec) => [spec.id, new ProviderSecret(this, `secret-${spec.id}`, { spec })]));

    // Retained like the table holding what it sealed: without it the stored tokens are lost.
    this.tokenKey = new kms.Key(this, 'TokenKey', {
      description: 'Seals the OAuth tokens of the HubSpot portals that installed the app (sync-state table)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const functions = new Map<FunctionId, FunctionWithLogGroup>();
    for (const spec of topology.functions) {
      const fn = new FunctionWithLogGroup(this, `function-${spec.id}`, {
        spec,
        projectRoot: props.projectRoot ?? PROJECT_ROOT,
        logRetention,
        alarmAction: this.alarms.action,
      });
      for (const { table, access, partiqlSelect } of spec.tables) fn.bindTable({ table: required(this.tables, table), accessMode: access, partiqlSelect: partiqlSelect === true });
      for (const { queue, access } of spec.queues) fn.bindQueue({ queue: required(this.queues, queue), accessMode: access });
      for (const secret of spec.secrets) fn.bindSecret(required(this.secrets, secret));
      if (spec.tokenKey) {
        this.tokenKey.grant(fn.function, ...TOKEN_KEY_ACTIONS[spec.tokenKey]);
        fn.function.addEnvironment(TOKEN_KEY_ENV_VAR, this.tokenKey.keyArn);
      }
      functions.set(spec.id, fn);
    }
    this.functions = functions;

    for (const consumer of topology.consumers) {
      required(functions, consumer.function).consumeFrom(required(this.queues, consumer.queue), consumer);
    }

    for (const spec of topology.schedules) {
      new ScheduledJob(this, `schedule-${spec.id}`, { spec, function: required(functions, spec.function).function });
    }

    this.api = new SyncHttpApi(this, 'http-api', {
      apiName: `crm-sync-${settings.name}`,
      routes: topology.routes,
      defaultRoute: topology.defaultRoute,
      functionFor: (functionId) => required(functions, functionId).function,
      throttle: settings.apiThrottle,
      logRetention,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    const publicBaseUrl = props.publicBaseUrl ?? this.api.url;
    for (const spec of topology.functions) {
      if (spec.publicBaseUrl) required(functions, spec.id).bindPublicBaseUrl(publicBaseUrl);
    }
    new CfnOutput(this, 'HubSpotWebhookUrl', {
      value: `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/hubspot`,
      description: 'Target URL for the HubSpot app webhook settings',
    });
    new CfnOutput(this, 'HubSpotOAuthRedirectUrl', {
      value: `${publicBaseUrl.replace(/\/+$/, '')}/oauth/hubspot/callback`,
      description: 'Redirect URL to register with the HubSpot OAuth app; installs start at /oauth/hubspot/install',
    });
    new CfnOutput(this, 'HubSpotProjectCommand', {
      value: `PUBLIC_BASE_URL=${publicBaseUrl.replace(/\/+$/, '')} npm run sync -- setup hubspot --project-dir hubspot-app`,
      description: 'Writes the HubSpot developer-platform project (app, scopes, webhooks to this stack) for hs project upload',
    });

    new UnsetSecretAlarms(this, 'unset-secret-alarms', { topology, alarmAction: this.alarms.action, stackName: this.stackName });
    new HubSpotQuotaAlarm(this, 'hubspot-quota-alarm', { topology, alarmAction: this.alarms.action, stackName: this.stackName });
    new FlowAlarms(this, 'flow-alarms', { topology, queues: this.queues, alarmAction: this.alarms.action, stackName: this.stackName });

    const leadOutbound = functionSpec(topology, 'lead-outbound');
    new SyncHealthDashboard(this, 'dashboard', {
      dashboardName: `crm-sync-${settings.name}-sync-health`,
      queues: [...this.queues.values()],
      functions: [...functions.values()],
      customMetrics: [
        {
          title: 'Lead sync to HubSpot',
          namespace: leadOutbound.environment.POWERTOOLS_METRICS_NAMESPACE ?? 'CrmSync',
          service: leadOutbound.environment.POWERTOOLS_SERVICE_NAME ?? leadOutbound.id,
          metricNames: LEAD_SYNC_METRICS,
        },
      ],
    });
  }
}

function required<K extends string, V>(map: ReadonlyMap<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`topology names an undeclared resource: ${key}`);
  return value;
}
