export interface RateLimit {
  max: number;
  intervalMs: number;
}

export interface HubSpotSandboxOptions {
  port?: number;
  host?: string;
  accessToken: string;
  rateLimit?: RateLimit;
  seed?: boolean;
  random?: () => number;
  /** Webhook deliveries of contact changes, like a HubSpot app's; off until a target URL is set. */
  webhooks?: HubSpotWebhookOptions;
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

export type FaultKind = 'status' | 'slow' | 'reset' | 'rateLimit' | 'inputError';

export interface FaultRule {
  method?: string;
  path?: string;
  kind: FaultKind;
  status?: number;
  delayMs?: number;
  retryAfterSeconds?: number;
  emailPattern?: string;
  message?: string;
  times?: number;
  probability?: number;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  inputs?: number;
  durationMs: number;
}

export interface ContactSnapshot {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubSpotSandbox {
  url: string;
  close(): Promise<void>;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  requests(): RecordedRequest[];
  clearRequests(): void;
  setRateLimit(limit: RateLimit): void;
  contacts(): ContactSnapshot[];
  reset(): void;
  /** Turns webhook deliveries on (or moves them) or, with null, off. Needs webhooks.clientSecret. */
  setWebhookTarget(targetUrl: string | null): void;
  /** Every delivery attempt, oldest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** Sends queued events now and waits for deliveries in flight (not for retries still waiting). */
  flushWebhooks(): Promise<void>;
}
