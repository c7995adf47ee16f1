import type { DeliveryChaos, DeliveryChaosCounts } from '../common/delivery.js';
import type { BaseFaultRule } from '../common/faults.js';
import type { BaseRecordedRequest, SandboxHandle } from '../common/sandbox.js';
import type { AccountType } from './account.js';
import type { PropertyDefinition } from './properties.js';
import type { ValidationRule } from './validation-rules.js';

/** The private app's limits: `max` requests per rolling `intervalMs`, and `daily` per account day. */
export interface RateLimit {
  max: number;
  intervalMs: number;
  /** Requests per day of the account's time zone (default DAILY_LIMIT); OAuth apps have none. */
  daily?: number;
}

/** The rate limits and today's count, as `GET /__sandbox/rate-limit` answers them. */
export interface RateLimitUsage extends Required<RateLimit> {
  /** Requests the day has counted, the refused ones not included. */
  dailyUsed: number;
  /** The account's calendar day the count is for, `YYYY-MM-DD`. */
  day: string;
  /** The account's time zone, whose midnight starts a new day. */
  timeZone: string;
  /** The limiter's clock, ISO 8601. */
  now: string;
  /** When the day's count starts again from zero: the next midnight in `timeZone`, ISO 8601. */
  resetsAt: string;
}

export interface HubSpotSandboxOptions {
  port?: number;
  host?: string;
  accessToken: string;
  rateLimit?: RateLimit;
  /**
   * The rate limits' clock (ms since the epoch; default Date.now), which decides the ten-secondly
   * window and the day; the request log and OAuth expiry keep the real one.
   */
  rateLimitClock?: () => number;
  /**
   * The account's IANA time zone (default `US/Eastern`): the account details API answers it, and
   * the daily limit resets at its midnight.
   */
  timeZone?: string;
  seed?: boolean;
  /** Drives probabilistic faults and the order of deal batch create results (seed it for repeatable tests). */
  random?: () => number;
  /** Webhook deliveries of contact changes, like a HubSpot app's; off until a target URL is set. */
  webhooks?: HubSpotWebhookOptions;
  /**
   * The developer account's API key, which the Webhooks API (`/webhooks/v3/{appId}/...`) takes in
   * the `hapikey` query parameter. Unset: every Webhooks API call answers 401, as a bad key does.
   */
  developerApiKey?: string;
  /** What the account details API says the portal is (default STANDARD); `PUT /__sandbox/account` changes it. */
  accountType?: AccountType;
}

export type WebhookSubscriptionType =
  | 'contact.creation'
  | 'contact.propertyChange'
  | 'contact.deletion'
  | 'contact.merge'
  | 'contact.associationChange'
  | 'contact.restore'
  | 'contact.privacyDeletion';

export interface HubSpotWebhookOptions {
  /** Where deliveries go; without one (or null) nothing is recorded or sent until setWebhookTarget. */
  targetUrl?: string | null;
  /** The app's client secret, which signs every delivery (v3 and v1). */
  clientSecret: string;
  appId?: number;
  portalId?: number;
  /** Default: contact.creation, propertyChange, deletion, merge, privacyDeletion, restore. */
  subscriptions?: WebhookSubscriptionType[];
  /** Properties whose changes are announced. Default: email, firstname, lastname, phone, message, lead_source_system. */
  propertyNames?: string[];
  /** How long events wait to be batched (default 100 ms). */
  batchWindowMs?: number;
  /** Events per POST (default 100, HubSpot's maximum). */
  maxEventsPerDelivery?: number;
  /** maxAttempts counts every attempt, the first included (default 10); delays double from baseDelayMs (default 1000) up to maxDelayMs (default 10 minutes), jittered. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** How long a receiver has to answer (default 5000 ms, HubSpot's). */
  timeoutMs?: number;
  /** Deliveries sent twice, or held back so later ones overtake them (off by default). */
  chaos?: DeliveryChaos;
}

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: WebhookSubscriptionType;
  attemptNumber: number;
  objectId: number;
  /** contact.propertyChange only. */
  propertyName?: string;
  /** contact.propertyChange only; always a string, '' when the value was cleared. */
  propertyValue?: string;
  changeSource: 'CRM_UI' | 'API';
  sourceId: string;
  /** 'NEW' on contact.creation, 'DELETED' on contact.deletion. */
  changeFlag?: string;
  /** contact.merge only: the surviving contact (also objectId and newObjectId). */
  primaryObjectId?: number;
  /** contact.merge only: the contacts merged into the primary, which no longer exist. */
  mergedObjectIds?: number[];
  /** contact.merge only: the contact the merge resulted in; the primary, as the sandbox never makes a new one. */
  newObjectId?: number;
  /** contact.merge only: how many property values the primary took from the merged contacts. */
  numberOfPropertiesMoved?: number;
}

export interface WebhookDelivery {
  at: number;
  /** attemptNumber of the events sent (0 for the first attempt). */
  attempt: number;
  /** The receiver's status, 0 for a timeout or a connection error. */
  status: number;
  events: number;
  durationMs: number;
  error?: string;
}

export type FaultKind = 'status' | 'slow' | 'reset' | 'rateLimit' | 'inputError' | 'batchRefusal' | 'concurrentWrite';

export interface FaultRule extends BaseFaultRule {
  kind: FaultKind;
  /**
   * 'inputError': the inputs it fails, a RegExp source tested against each input's email (contact
   * routes), its objectWriteTraceId, id or name (deal, listing and custom object routes: dealname,
   * hs_name, the primary display property), or its from and to ids (association routes).
   * 'batchRefusal': the same, and on the association routes also the email or name of either
   * record; one input matching refuses the whole batch (400, naming no input).
   * 'concurrentWrite': the contact emails whose writes it holds (any, when absent).
   */
  emailPattern?: string;
}

export interface RecordedRequest extends BaseRecordedRequest {
  /** The length of a batch body's `inputs`. */
  inputs?: number;
  /** The portal the request's bearer token acts in (the static token's, or an OAuth install's). */
  portalId?: number;
}

export interface ContactSnapshot {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface DealSnapshot {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** A record of any object type but contacts (deals, listings, custom objects), as `objects()` shows it. */
export interface ObjectSnapshot {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/**
 * One direction of an association: a contact–deal pair shows up twice (contact → deal 4, deal →
 * contact 3), a labeled one once more each way per label (with its inverse label the other way).
 * Object types are `contacts` and `deals`, or the objectTypeId of any other type (`0-420`, `2-…`).
 */
export interface AssociationSnapshot {
  fromObjectType: string;
  fromObjectId: string;
  toObjectType: string;
  toObjectId: string;
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED' | 'INTEGRATOR_DEFINED' | 'WORK';
  associationTypeId: number;
  /** The label of a labeled association type; unlabeled types have none. */
  label?: string;
}

/** AssociationDefinition of the schemas API: a custom object type's association to another type. */
export interface AssociationDefinitionSnapshot {
  id: string;
  fromObjectTypeId: string;
  toObjectTypeId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** ObjectSchema of the schemas API: a custom object type. */
export interface ObjectSchemaSnapshot {
  id: string;
  objectTypeId: string;
  fullyQualifiedName: string;
  name: string;
  labels: { singular?: string; plural?: string };
  description?: string;
  primaryDisplayProperty?: string;
  requiredProperties: string[];
  searchableProperties: string[];
  secondaryDisplayProperties: string[];
  allowsSensitiveProperties: boolean;
  properties: PropertyDefinition[];
  associations: AssociationDefinitionSnapshot[];
  archived: boolean;
  createdAt?: string;
  updatedAt?: string;
}

/** Webhooks API v3 SettingsResponse. */
export interface WebhookSettings {
  targetUrl: string;
  throttling: { maxConcurrentRequests: number; period?: string };
  createdAt: string;
  updatedAt: string;
}

/** Webhooks API v3 SubscriptionResponse. */
export interface WebhookSubscription {
  id: string;
  eventType: string;
  propertyName?: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface HubSpotSandbox extends SandboxHandle<FaultRule, RecordedRequest> {
  /** Replaces the limits (as `PUT /__sandbox/rate-limit`); `daily` omitted is DAILY_LIMIT. The day's count stays. */
  setRateLimit(limit: RateLimit): void;
  /** Sets the count of today's requests (as `PUT /__sandbox/rate-limit/daily-used`), e.g. to spend the day at once. */
  setDailyUsed(used: number): void;
  /** Moves the rate limits' clock forward (as `POST /__sandbox/rate-limit/clock`), e.g. past the account's midnight. */
  advanceRateLimitClock(ms: number): void;
  /** The limits and today's count (as `GET /__sandbox/rate-limit`). */
  rateLimitUsage(): RateLimitUsage;
  contacts(): ContactSnapshot[];
  /** Every deal, archived ones included, oldest first. */
  deals(): DealSnapshot[];
  /** Every association, one entry per direction, oldest first. */
  associations(): AssociationSnapshot[];
  /**
   * The associations from one object type to another (either named as association paths name it:
   * `contacts`, `deal`, `0-420`, `2-…`, `p<portalId>_<name>`), with their labels, oldest first.
   */
  associationsBetween(fromType: string, toType: string): AssociationSnapshot[];
  /**
   * Every record of an object type, archived ones included, oldest first: `contacts`, `deals`,
   * listings (`0-420`, also `listings` here), a custom type by objectTypeId or fully qualified name.
   */
  objects(objectType: string): ObjectSnapshot[];
  /** The custom object schemas, as `GET /crm-object-schemas/2026-09/schemas` answers them, oldest first. */
  schemas(): ObjectSchemaSnapshot[];
  /** Back to the start: seeded contacts only; no deals, listings, custom object types, labels or associations. */
  reset(): void;
  /** Turns webhook deliveries on (or moves them) or, with null, off. Needs webhooks.clientSecret. */
  setWebhookTarget(targetUrl: string | null): void;
  /** Every delivery attempt, oldest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** How many deliveries the webhook chaos sent twice or held back. */
  webhookChaos(): DeliveryChaosCounts;
  /** Sends queued events now and waits for deliveries in flight (not for retries still waiting). */
  flushWebhooks(): Promise<void>;
  /** The app's settings as set through the Webhooks API, null until a PUT (or after a DELETE). */
  webhookSettings(): WebhookSettings | null;
  /** The app's subscriptions as managed through the Webhooks API, oldest first. */
  webhookSubscriptions(): WebhookSubscription[];
  /** What the account details API says the portal is, until reset (back to the option's). */
  setAccountType(accountType: AccountType): void;
  /**
   * A portal validation rule, enforced on CRM writes through the 2026-09 paths (as `POST
   * /__sandbox/validation-rules`); replaces the rule of the same kind on the same property. Every
   * rule is dropped by reset or clearValidationRules.
   */
  addValidationRule(rule: ValidationRule): void;
  validationRules(): ValidationRule[];
  clearValidationRules(): void;
}
