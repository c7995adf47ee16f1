import { startSandboxServer } from './server.js';
import type { HubSpotSandbox, HubSpotSandboxOptions } from './types.js';

export type {
  AssociationDefinitionSnapshot,
  AssociationSnapshot,
  ContactSnapshot,
  DealSnapshot,
  FaultKind,
  FaultRule,
  HubSpotSandbox,
  HubSpotSandboxOptions,
  HubSpotWebhookOptions,
  ObjectSchemaSnapshot,
  ObjectSnapshot,
  RateLimit,
  RateLimitUsage,
  RecordedRequest,
  WebhookDelivery,
  WebhookEvent,
  WebhookSettings,
  WebhookSubscription,
  WebhookSubscriptionType,
} from './types.js';
export type { ValidationRule, ValidationRuleKind } from './validation-rules.js';
export { ACCOUNT_TYPES, type AccountType } from './account.js';
export { DEFAULT_ASSOCIATION_TYPES, MAX_ASSOCIATION_CREATE_INPUTS, MAX_ASSOCIATION_READ_INPUTS } from './associations.js';
export { LISTING_PROPERTIES } from './object-properties.js';
export { LISTINGS } from './object-types.js';
export { DEAL_PIPELINES, DEFAULT_PIPELINE_ID, type DealPipeline, type DealStage } from './deal-properties.js';
export { seededRandom } from './faults.js';
export { DAILY_LIMIT, DEFAULT_RATE_LIMIT } from './rate-limit.js';
export { DEMO_CONTACTS } from './seed.js';
export { DEFAULT_ANNOUNCED_PROPERTIES, DEFAULT_SUBSCRIPTIONS, NOT_RETRIED } from './webhooks.js';

export function startHubSpotSandbox(options: HubSpotSandboxOptions): Promise<HubSpotSandbox> {
  return startSandboxServer(options);
}
