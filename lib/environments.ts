/**
 * Per-environment settings (seed 002 §11.2: development syncs often with small batches and
 * verbose logs; production favours throughput and quiet logs). The CDK app picks one with
 * `-c env=dev|staging|prod`; the local stack uses `local`.
 */
export type EnvironmentName = 'local' | 'dev' | 'staging' | 'prod';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export interface EnvironmentSettings {
  readonly name: EnvironmentName;
  readonly logLevel: LogLevel;
  /** CloudWatch Logs retention for every function, in days. */
  readonly logRetentionDays: 7 | 14 | 30 | 90 | 365;
  /** EventBridge rate for the failed/stuck-lead reconciliation. */
  readonly leadReconcileRate: { readonly minutes: number };
  /** A PENDING/RETRYING lead untouched for this long is requeued by the reconciliation. */
  readonly stuckLeadAfterMinutes: number;
  /** The alarm fires when a portal's remaining daily HubSpot API quota falls below this (issue 13 §3). */
  readonly hubspotDailyQuotaAlarmBelow: number;
  /** What the flow alarms (lib/constructs/flow-alarms.ts) call broken. */
  readonly alarms: {
    /** A queue's oldest message waiting longer than this. */
    readonly oldestMessageMinutes: number;
    /** No HubSpot webhook delivery for this long while the hubspot-inbound flow is on. */
    readonly webhookSilenceHours: number;
    /** Signature refusals on one signed route within five minutes. */
    readonly signatureRefusalsPer5Minutes: number;
  };
  /** SQS → lead-outbound event source mapping. */
  readonly leadSync: {
    readonly batchSize: number;
    readonly maxBatchingWindowSeconds: number;
    readonly maxConcurrency: number;
    readonly maxReceiveCount: number;
  };
  /** SQS → hubspot-inbound, and how HubSpot webhooks are taken. */
  readonly hubspotEvents: {
    readonly batchSize: number;
    readonly maxBatchingWindowSeconds: number;
    readonly maxConcurrency: number;
    readonly maxReceiveCount: number;
    /** Accept v1/v2 signatures (apps created before v3 signatures); v3 is always accepted. */
    readonly legacySignatures: boolean;
    /** Seed 003 "Conflict resolution": who wins when a lead changed on both sides. */
    readonly conflictRule: 'hubspot_wins' | 'last_write_wins' | 'platform_wins';
  };
  /** TurboTenant → HubSpot (seed 000): the consumer, the redundancy sync and the deal's place. */
  readonly turbotenant: {
    readonly batchSize: number;
    readonly maxBatchingWindowSeconds: number;
    readonly maxConcurrency: number;
    readonly maxReceiveCount: number;
    /** Seed 000 "Best Practices": background sync every 15 minutes. */
    readonly reconcileMinutes: number;
    readonly dealPipeline: string;
    readonly dealStage: string;
    /** The metadata block's `onboarding_stage`. */
    readonly onboardingStage: string;
    /** Stripe customer metadata (seed step 5, optional). */
    readonly stripe: boolean;
  };
  /** Buildium → HubSpot (seed 002): schedules, the page consumer, conflicts. */
  readonly buildium: {
    /** Seed 002 §11.2: every 5 minutes in development, hourly in staging, every 4 hours in production. */
    readonly incrementalMinutes: number;
    /** The full reconcile that catches changes Buildium does not date (unit occupied/listed flags). */
    readonly fullReconcileMinutes: number;
    /** Records per Buildium read (and per page message): Buildium's maximum, fewest reads. */
    readonly pageSize: number;
    readonly maxConcurrency: number;
    readonly maxReceiveCount: number;
    /** Seed 002 §5.2; a stored configuration overrides it without a deploy. */
    readonly conflictStrategy: 'buildium_wins' | 'hubspot_wins' | 'manual_review' | 'merge_fields';
    /** The Unit custom object's name (its schema is created by `setup hubspot`). */
    readonly unitObject: string;
  };
  /** API Gateway stage throttling (requests per second, burst). */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
}

// The seed's per-environment sync intervals and batch sizes (every 5 min / 10 records in
// development, hourly / 50 in staging, every 4 h / 100 in production) are for the scheduled
// Buildium sync. The lead flow always sends HubSpot's maximum batch (100): smaller batches only
// spend more of the rate limit (a larger batchSize is split into calls of 100, made at once). Its
// reconciliation runs hourly, more often in development.
const dev: EnvironmentSettings = {
  name: 'dev',
  logLevel: 'DEBUG',
  logRetentionDays: 7,
  leadReconcileRate: { minutes: 15 },
  stuckLeadAfterMinutes: 15,
  // A tenth of the smallest daily limit of an app on a paid portal (250,000; HubSpot's usage guidelines).
  hubspotDailyQuotaAlarmBelow: 25_000,
  // A lead batch waits at most minutes (15 when the rate budget defers it); a Buildium page a few.
  // HubSpot sends at least the portal's own edits: a silent day means the app's webhooks broke.
  // A provider retrying with an old secret refuses a handful; dozens in five minutes is an attack or a rotation gone wrong.
  alarms: { oldestMessageMinutes: 30, webhookSilenceHours: 24, signatureRefusalsPer5Minutes: 20 },
  leadSync: { batchSize: 100, maxBatchingWindowSeconds: 2, maxConcurrency: 2, maxReceiveCount: 8 },
  // A batch of up to 10 messages (each up to 100 events) costs one contact read per 100 contacts;
  // a short window keeps HubSpot changes reaching the platform within seconds.
  hubspotEvents: {
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 2,
    maxReceiveCount: 8,
    legacySignatures: false,
    conflictRule: 'hubspot_wins',
  },
  // Up to 100 events per batch: contacts, deals and associations each take one HubSpot call.
  turbotenant: {
    batchSize: 100,
    maxBatchingWindowSeconds: 2,
    maxConcurrency: 2,
    maxReceiveCount: 8,
    reconcileMinutes: 15,
    dealPipeline: 'default',
    dealStage: 'appointmentscheduled',
    onboardingStage: 'verified',
    stripe: false,
  },
  buildium: {
    incrementalMinutes: 5,
    fullReconcileMinutes: 24 * 60,
    pageSize: 1000,
    maxConcurrency: 2,
    maxReceiveCount: 8,
    conflictStrategy: 'buildium_wins',
    unitObject: 'unit',
  },
  apiThrottle: { rateLimit: 50, burstLimit: 100 },
};

export const environments: Record<EnvironmentName, EnvironmentSettings> = {
  local: {
    ...dev,
    name: 'local',
    logLevel: 'INFO',
    leadReconcileRate: { minutes: 60 },
    leadSync: { ...dev.leadSync, maxConcurrency: 5 },
    // Every environment spends the portal's one shared HubSpot budget, so more pages in flight cause no 429s.
    buildium: { ...dev.buildium, maxConcurrency: 4 },
  },
  dev,
  staging: {
    ...dev,
    name: 'staging',
    logLevel: 'INFO',
    leadReconcileRate: { minutes: 60 },
    logRetentionDays: 30,
    leadSync: { ...dev.leadSync, maxConcurrency: 5 },
    buildium: { ...dev.buildium, incrementalMinutes: 60 },
    apiThrottle: { rateLimit: 200, burstLimit: 400 },
  },
  prod: {
    ...dev,
    name: 'prod',
    logLevel: 'WARN',
    leadReconcileRate: { minutes: 60 },
    logRetentionDays: 90,
    leadSync: { batchSize: 100, maxBatchingWindowSeconds: 5, maxConcurrency: 5, maxReceiveCount: 10 },
    buildium: { ...dev.buildium, incrementalMinutes: 240 },
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
  },
};

export function environmentSettings(name: string | undefined): EnvironmentSettings {
  const key = (name ?? 'dev') as EnvironmentName;
  const settings = environments[key];
  if (!settings) {
    throw new Error(`Unknown environment "${name}"; expected one of ${Object.keys(environments).join(', ')}`);
  }
  return settings;
}
