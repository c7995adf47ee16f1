/**
 * Configuration read once per cold start from the function's environment. The names are the
 * ones `lib/topology.ts` binds (a unit test keeps the two in step).
 */
import { z } from 'zod';

const required = (name: string) => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Missing configuration: environment variable ${name}`);
  return value;
};

export const env = {
  required,
  optional: (name: string): string | undefined => {
    const value = process.env[name];
    return value === undefined || value === '' ? undefined : value;
  },
  integer: (name: string, fallback: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    return z.coerce.number().int().positive().parse(raw, { error: () => `${name} must be a positive integer` });
  },
};

export const ENV = {
  leadsTable: 'LEADS_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  leadSyncQueueUrl: 'LEAD_SYNC_QUEUE_URL',
  leadSyncQueueArn: 'LEAD_SYNC_QUEUE_ARN',
  leadSyncDlqUrl: 'LEAD_SYNC_DLQ_URL',
  leadSyncDlqArn: 'LEAD_SYNC_DLQ_ARN',
  leadSyncMaxReceiveCount: 'LEAD_SYNC_MAX_RECEIVE_COUNT',
  stuckLeadAfterMinutes: 'STUCK_LEAD_AFTER_MINUTES',
  hubspotSecretArn: 'HUBSPOT_SECRET_ARN',
  hubspotBaseUrl: 'HUBSPOT_BASE_URL',
  platformSourceValue: 'PLATFORM_SOURCE_VALUE',
  syncStateTable: 'SYNC_STATE_TABLE_NAME',
  mappingsTable: 'MAPPINGS_TABLE_NAME',
  hubspotEventsQueueUrl: 'HUBSPOT_EVENTS_QUEUE_URL',
  hubspotEventsQueueArn: 'HUBSPOT_EVENTS_QUEUE_ARN',
  hubspotEventsDlqUrl: 'HUBSPOT_EVENTS_DLQ_URL',
  hubspotEventsDlqArn: 'HUBSPOT_EVENTS_DLQ_ARN',
  hubspotEventsMaxReceiveCount: 'HUBSPOT_EVENTS_MAX_RECEIVE_COUNT',
  hubspotLegacySignatures: 'HUBSPOT_LEGACY_SIGNATURES',
  hubspotWebhookEvents: 'HUBSPOT_WEBHOOK_EVENTS',
  hubspotConflictRule: 'HUBSPOT_CONFLICT_RULE',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  turbotenantEventsQueueUrl: 'TURBOTENANT_EVENTS_QUEUE_URL',
  turbotenantEventsQueueArn: 'TURBOTENANT_EVENTS_QUEUE_ARN',
  turbotenantEventsDlqUrl: 'TURBOTENANT_EVENTS_DLQ_URL',
  turbotenantEventsDlqArn: 'TURBOTENANT_EVENTS_DLQ_ARN',
  turbotenantEventsMaxReceiveCount: 'TURBOTENANT_EVENTS_MAX_RECEIVE_COUNT',
  turbotenantDealPipeline: 'TURBOTENANT_DEAL_PIPELINE',
  turbotenantDealStage: 'TURBOTENANT_DEAL_STAGE',
  turbotenantOnboardingStage: 'TURBOTENANT_ONBOARDING_STAGE',
  stripeSync: 'STRIPE_SYNC',
  buildiumSyncQueueUrl: 'BUILDIUM_SYNC_QUEUE_URL',
  buildiumSyncQueueArn: 'BUILDIUM_SYNC_QUEUE_ARN',
  buildiumSyncDlqUrl: 'BUILDIUM_SYNC_DLQ_URL',
  buildiumSyncDlqArn: 'BUILDIUM_SYNC_DLQ_ARN',
  buildiumSyncMaxReceiveCount: 'BUILDIUM_SYNC_MAX_RECEIVE_COUNT',
  buildiumUnitObject: 'BUILDIUM_UNIT_OBJECT',
  buildiumConflictStrategy: 'BUILDIUM_CONFLICT_STRATEGY',
  buildiumPageSize: 'BUILDIUM_PAGE_SIZE',
  buildiumWindowOverlapSeconds: 'BUILDIUM_WINDOW_OVERLAP_SECONDS',
} as const;

/** HubSpot's public API host, used unless HUBSPOT_BASE_URL points elsewhere (a sandbox, a proxy). */
export const HUBSPOT_DEFAULT_BASE_URL = 'https://api.hubapi.com';
export const DEFAULT_PLATFORM_SOURCE = 'platform';
