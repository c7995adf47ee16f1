/**
 * The one declaration of what this product is made of: tables, queues (each with its DLQ),
 * functions with the grants they use, HTTP routes, queue consumers and schedules.
 *
 * `lib/stack.ts` turns it into CloudFormation; `lib/local/` runs it on one machine.
 * Neither adds a resource of its own, so the two cannot drift apart.
 */
import { HANDLED_CONTACT_EVENTS } from '../functions/core/inbound-contacts.js';
import { environmentSettings, type EnvironmentSettings } from './environments.js';

export type KeyType = 'S' | 'N';

export interface KeySpec {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: KeySpec;
  readonly sortKey?: KeySpec;
}

export interface TableSpec {
  readonly id: TableId;
  /** Environment variable through which functions receive the table name. */
  readonly envVar: string;
  readonly partitionKey: KeySpec;
  readonly sortKey?: KeySpec;
  readonly indexes: readonly IndexSpec[];
  /** Attribute holding an epoch-seconds expiry, when records expire. */
  readonly ttlAttribute?: string;
  readonly description: string;
}

export interface QueueSpec {
  readonly id: QueueId;
  /** Environment variables through which functions receive the queue URL and ARN. */
  readonly urlEnvVar: string;
  readonly arnEnvVar: string;
  readonly dlq: { readonly urlEnvVar: string; readonly arnEnvVar: string; readonly retentionDays: number };
  readonly retentionDays: number;
  /** Receives before SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number;
  readonly description: string;
}

export type TableAccess = 'read' | 'readWrite';
/**
 * send: SendMessage. consume: what an event source mapping needs plus ChangeMessageVisibility
 * (backoff). redrive: StartMessageMoveTask from the DLQ back to the queue. inspect: queue depths.
 */
export type QueueAccess = 'send' | 'consume' | 'redrive' | 'inspect';

export interface SecretSpec {
  readonly id: SecretId;
  /** In AWS the function receives the secret's ARN here and reads the JSON value at run time. */
  readonly envVar: string;
  /** JSON keys of the secret value and, locally, the environment variable that stands in for each. */
  readonly fields: Readonly<Record<string, string>>;
  /** Fields an operator may leave out; the secret is created without them. */
  readonly optionalFields?: readonly string[];
  readonly description: string;
}

export interface FunctionSpec {
  readonly id: FunctionId;
  /** Path from the project root to the handler module; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /**
   * Lambda reserved concurrency: the most execution environments the function may have. Unset
   * everywhere today; the local stack caps its environments with it (lib/local/stack.ts), and
   * lib/stack.ts would have to set `reservedConcurrentExecutions` from it.
   */
  readonly reservedConcurrency?: number;
  /** `partiqlSelect`: the function reads with PartiQL SELECT (ExecuteStatement), granted dynamodb:PartiQLSelect. */
  readonly tables: readonly { readonly table: TableId; readonly access: TableAccess; readonly partiqlSelect?: true }[];
  readonly queues: readonly { readonly queue: QueueId; readonly access: QueueAccess }[];
  readonly secrets: readonly SecretId[];
  /** Plain configuration, identical in AWS and locally. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Receives PUBLIC_BASE_URL, the URL the API is reached at (HubSpot's v3 signature covers it):
   * the API's own URL in AWS unless a custom domain is configured, the local API locally.
   */
  readonly publicBaseUrl?: true;
  /**
   * Use of the key that seals stored OAuth tokens: the stack grants exactly these KMS actions on it
   * and binds its ARN to TOKEN_KEY_ENV_VAR. Locally the tokens are sealed with AES-256-GCM instead.
   */
  readonly tokenKey?: TokenKeyAccess;
}

/** encrypt: seals new tokens (an install); decrypt: reads them; both: reads and refreshes them. */
export type TokenKeyAccess = 'encrypt' | 'decrypt' | 'encryptDecrypt';
/** Where a function with `tokenKey` receives the KMS key's ARN (functions/runtime/token-cipher.ts reads it). */
export const TOKEN_KEY_ENV_VAR = 'TOKEN_KMS_KEY_ID';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** none: public; iam: API Gateway IAM (SigV4) authorization; signature: public, the handler verifies a provider signature. */
export type RouteAuth = 'none' | 'iam' | 'signature';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway path template, e.g. `/leads/{leadId}`. */
  readonly path: string;
  readonly function: FunctionId;
  readonly auth: RouteAuth;
}

export interface ConsumerSpec {
  readonly queue: QueueId;
  readonly function: FunctionId;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly maxConcurrency: number;
}

/**
 * The flows a deployment runs (CONTRACT.md `FLOWS`; CDK context `flows`). A flow not enabled has
 * no route (the API's `$default` answers 404) and no schedule, so nothing of it runs and nothing
 * of it raises an alarm. `stripe` is TurboTenant's Stripe customer metadata.
 */
export const FLOW_IDS = ['leads', 'hubspot-inbound', 'turbotenant', 'stripe', 'buildium'] as const;
export type FlowId = (typeof FLOW_IDS)[number];

/** The flow each function's routes, consumer and schedules belong to; the others serve every flow. */
export const FLOW_OF_FUNCTION: Partial<Record<FunctionId, FlowId>> = {
  'lead-events': 'leads',
  'lead-outbound': 'leads',
  'hubspot-webhook': 'hubspot-inbound',
  'hubspot-inbound': 'hubspot-inbound',
  'turbotenant-events': 'turbotenant',
  'turbotenant-sync': 'turbotenant',
  'buildium-scheduler': 'buildium',
  'buildium-sync': 'buildium',
};

/**
 * A list of flows as written (`leads,buildium`; `all`; empty for none). An unknown name is an
 * error, never skipped: a misspelt flow would otherwise be silently off.
 */
export function parseFlows(value: string): FlowId[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'all') return [...FLOW_IDS];
  const unknown = names.filter((name) => !(FLOW_IDS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`Unknown flow ${unknown.map((n) => JSON.stringify(n)).join(', ')}; the flows are ${FLOW_IDS.join(', ')} (or all)`);
  return FLOW_IDS.filter((flow) => names.includes(flow));
}

export interface ScheduleSpec {
  readonly id: string;
  readonly function: FunctionId;
  /** The flow the schedule serves, when its function serves several (lead-operations). */
  readonly flow?: FlowId;
  readonly rateMinutes: number;
  readonly description: string;
  /** The EventBridge event's `detail`. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export type TableId = 'leads' | 'idempotency' | 'sync-state' | 'mappings';
export type QueueId = 'lead-sync' | 'hubspot-events' | 'turbotenant-events' | 'buildium-sync';
export type SecretId = 'hubspot' | 'turbotenant' | 'stripe' | 'buildium';
export type FunctionId =
  | 'health'
  | 'lead-events'
  | 'lead-outbound'
  | 'lead-operations'
  | 'hubspot-webhook'
  | 'hubspot-inbound'
  | 'hubspot-oauth'
  | 'turbotenant-events'
  | 'turbotenant-sync'
  | 'buildium-scheduler'
  | 'buildium-sync';

export interface Topology {
  readonly settings: EnvironmentSettings;
  /** The flows that run; see FLOW_IDS. */
  readonly flows: readonly FlowId[];
  readonly tables: readonly TableSpec[];
  readonly queues: readonly QueueSpec[];
  readonly secrets: readonly SecretSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly routes: readonly RouteSpec[];
  /**
   * What answers a request no route matches (API Gateway's `$default` route): the contract's 404
   * body instead of API Gateway's own `{"message":"Not Found"}`. Public, and touches no data.
   */
  readonly defaultRoute: { readonly function: FunctionId };
  readonly consumers: readonly ConsumerSpec[];
  readonly schedules: readonly ScheduleSpec[];
}

/** The webhook subscriptions the inbound flow handles; `setup hubspot` subscribes to these. */
export const HUBSPOT_WEBHOOK_EVENTS = HANDLED_CONTACT_EVENTS;

/** SQS wants the visibility timeout to be at least 6× the consumer's timeout (AWS Lambda docs, "Configuring a queue"). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export function buildTopology(settings: EnvironmentSettings, flows: readonly FlowId[] = FLOW_IDS): Topology {
  const all = allOfTopology(settings, flows);
  const on = (flow: FlowId | undefined) => flow === undefined || flows.includes(flow);
  return {
    ...all,
    routes: all.routes.filter((route) => on(FLOW_OF_FUNCTION[route.function])),
    schedules: all.schedules.filter((schedule) => on(schedule.flow ?? FLOW_OF_FUNCTION[schedule.function])),
  };
}

/**
 * Every flow's parts; buildTopology keeps the entry points (routes and schedules) of the enabled
 * ones. Queues and their consumers stay: nothing reaches a disabled flow's queue but a redrive of
 * its DLQ, whose messages are then still handled rather than left waiting.
 */
function allOfTopology(settings: EnvironmentSettings, flows: readonly FlowId[]): Topology {
  const leadSyncQueue: QueueSpec = {
    id: 'lead-sync',
    urlEnvVar: 'LEAD_SYNC_QUEUE_URL',
    arnEnvVar: 'LEAD_SYNC_QUEUE_ARN',
    dlq: { urlEnvVar: 'LEAD_SYNC_DLQ_URL', arnEnvVar: 'LEAD_SYNC_DLQ_ARN', retentionDays: 14 },
    retentionDays: 4,
    maxReceiveCount: settings.leadSync.maxReceiveCount,
    description: 'Platform leads waiting to be upserted into HubSpot as contacts',
  };

  const hubspotEventsQueue: QueueSpec = {
    id: 'hubspot-events',
    urlEnvVar: 'HUBSPOT_EVENTS_QUEUE_URL',
    arnEnvVar: 'HUBSPOT_EVENTS_QUEUE_ARN',
    dlq: { urlEnvVar: 'HUBSPOT_EVENTS_DLQ_URL', arnEnvVar: 'HUBSPOT_EVENTS_DLQ_ARN', retentionDays: 14 },
    retentionDays: 4,
    maxReceiveCount: settings.hubspotEvents.maxReceiveCount,
    description: 'Verified HubSpot webhook events waiting to be applied to the platform leads',
  };

  const turbotenantQueue: QueueSpec = {
    id: 'turbotenant-events',
    urlEnvVar: 'TURBOTENANT_EVENTS_QUEUE_URL',
    arnEnvVar: 'TURBOTENANT_EVENTS_QUEUE_ARN',
    dlq: { urlEnvVar: 'TURBOTENANT_EVENTS_DLQ_URL', arnEnvVar: 'TURBOTENANT_EVENTS_DLQ_ARN', retentionDays: 14 },
    retentionDays: 4,
    maxReceiveCount: settings.turbotenant.maxReceiveCount,
    description: 'Verified TurboTenant events waiting to become HubSpot contacts and deals',
  };

  const buildiumQueue: QueueSpec = {
    id: 'buildium-sync',
    urlEnvVar: 'BUILDIUM_SYNC_QUEUE_URL',
    arnEnvVar: 'BUILDIUM_SYNC_QUEUE_ARN',
    dlq: { urlEnvVar: 'BUILDIUM_SYNC_DLQ_URL', arnEnvVar: 'BUILDIUM_SYNC_DLQ_ARN', retentionDays: 14 },
    retentionDays: 4,
    maxReceiveCount: settings.buildium.maxReceiveCount,
    description: 'Buildium sync work: phase steps, pages of Buildium records, records named by webhooks',
  };

  const common = {
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
    POWERTOOLS_METRICS_NAMESPACE: 'CrmSync',
  };

  return {
    settings,
    flows,
    tables: [
      {
        id: 'leads',
        envVar: 'LEADS_TABLE_NAME',
        partitionKey: { name: 'leadId', type: 'S' },
        indexes: [
          { name: 'byEmail', partitionKey: { name: 'email', type: 'S' }, sortKey: { name: 'createdAt', type: 'S' } },
          { name: 'byHubSpotId', partitionKey: { name: 'hubspotId', type: 'S' } },
          // Sparse: the contact an UNLINKED lead was linked to, so a restore relinks it and a
          // privacy deletion still finds it.
          { name: 'byFormerHubSpotId', partitionKey: { name: 'formerHubspotId', type: 'S' } },
          // Sparse: only leads that are not SYNCED carry `syncAttention`, so the reconciliation
          // reads the few leads that need it, never the whole table.
          {
            name: 'bySyncAttention',
            partitionKey: { name: 'syncAttention', type: 'S' },
            sortKey: { name: 'statusChangedAt', type: 'S' },
          },
        ],
        description: 'The platform lead store with the HubSpot columns of seed 004',
      },
      {
        // One table for the small records of every flow, told apart by partition key prefix:
        // webhook statistics now; sync jobs, cursors, errors and audit as the flows need them.
        id: 'sync-state',
        envVar: 'SYNC_STATE_TABLE_NAME',
        partitionKey: { name: 'pk', type: 'S' },
        sortKey: { name: 'sk', type: 'S' },
        indexes: [],
        ttlAttribute: 'expiresAt',
        description: 'Sync state: webhook statistics (later jobs, cursors, errors, audit)',
      },
      {
        // DESIGN.md "entity mappings": (system, type, source id) ↔ (HubSpot object type, id), with
        // the hash of what was last written and a version for conditional writes.
        id: 'mappings',
        envVar: 'MAPPINGS_TABLE_NAME',
        partitionKey: { name: 'mappingKey', type: 'S' },
        indexes: [{ name: 'byHubSpotObject', partitionKey: { name: 'hubspotKey', type: 'S' } }],
        description: 'Entity mappings: which HubSpot object each source record is, and what was last written',
      },
      {
        // The layout Powertools' DynamoDBPersistenceLayer expects.
        id: 'idempotency',
        envVar: 'IDEMPOTENCY_TABLE_NAME',
        partitionKey: { name: 'id', type: 'S' },
        indexes: [],
        ttlAttribute: 'expiration',
        description: 'Idempotency records for requests and events',
      },
    ],
    queues: [leadSyncQueue, hubspotEventsQueue, turbotenantQueue, buildiumQueue],
    secrets: [
      {
        id: 'hubspot',
        envVar: 'HUBSPOT_SECRET_ARN',
        fields: {
          accessToken: 'HUBSPOT_ACCESS_TOKEN',
          clientSecret: 'HUBSPOT_CLIENT_SECRET',
          appId: 'HUBSPOT_APP_ID',
          portalId: 'HUBSPOT_PORTAL_ID',
          portals: 'HUBSPOT_PORTALS',
          oauthClientId: 'HUBSPOT_OAUTH_CLIENT_ID',
          oauthClientSecret: 'HUBSPOT_OAUTH_CLIENT_SECRET',
          oauthAppId: 'HUBSPOT_OAUTH_APP_ID',
        },
        optionalFields: ['portals', 'oauthClientId', 'oauthClientSecret', 'oauthAppId'],
        description:
          'HubSpot access token, app client secret (webhook signatures), app id, the portal id the token belongs to, optional further portals, and the optional OAuth app (client id, client secret, app id) installed in further portals',
      },
      {
        id: 'turbotenant',
        envVar: 'TURBOTENANT_SECRET_ARN',
        fields: { apiKey: 'TURBOTENANT_API_KEY', webhookSecret: 'TURBOTENANT_WEBHOOK_SECRET', baseUrl: 'TURBOTENANT_BASE_URL' },
        description: 'TurboTenant API key, event signing secret and API base URL',
      },
      {
        id: 'stripe',
        envVar: 'STRIPE_SECRET_ARN',
        fields: { apiKey: 'STRIPE_API_KEY', baseUrl: 'STRIPE_BASE_URL' },
        optionalFields: ['baseUrl'],
        description: 'Stripe secret key (customer metadata; used only when Stripe sync is on)',
      },
      {
        id: 'buildium',
        envVar: 'BUILDIUM_SECRET_ARN',
        fields: { clientId: 'BUILDIUM_CLIENT_ID', clientSecret: 'BUILDIUM_CLIENT_SECRET', webhookSecret: 'BUILDIUM_WEBHOOK_SECRET', baseUrl: 'BUILDIUM_BASE_URL' },
        optionalFields: ['baseUrl'],
        description: 'Buildium API client id and secret, webhook signing secret, and optional API base URL',
      },
    ],
    functions: [
      {
        id: 'health',
        entry: 'functions/health/handler.ts',
        description: 'GET /health',
        timeoutSeconds: 3,
        memoryMb: 128,
        tables: [],
        queues: [],
        secrets: [],
        environment: { ...common, POWERTOOLS_SERVICE_NAME: 'health' },
      },
      {
        id: 'lead-events',
        entry: 'functions/lead-events/handler.ts',
        description: 'POST /leads (validate, store PENDING, enqueue) and lead reads',
        timeoutSeconds: 10,
        memoryMb: 256,
        tables: [
          { table: 'leads', access: 'readWrite' },
          { table: 'idempotency', access: 'readWrite' },
        ],
        queues: [{ queue: 'lead-sync', access: 'send' }],
        secrets: [],
        environment: { ...common, POWERTOOLS_SERVICE_NAME: 'lead-events' },
      },
      {
        id: 'lead-outbound',
        entry: 'functions/lead-outbound/handler.ts',
        description: 'Upserts queued leads into HubSpot contacts in batches and writes their sync columns',
        timeoutSeconds: 30,
        memoryMb: 512,
        tables: [
          { table: 'leads', access: 'readWrite' },
          // The OAuth installs (sealed tokens) of portals that leads may name.
          { table: 'sync-state', access: 'readWrite' },
        ],
        queues: [{ queue: 'lead-sync', access: 'consume' }],
        secrets: ['hubspot'],
        tokenKey: 'encryptDecrypt',
        environment: {
          ...common,
          POWERTOOLS_SERVICE_NAME: 'lead-outbound',
          LEAD_SYNC_MAX_RECEIVE_COUNT: String(leadSyncQueue.maxReceiveCount),
        },
      },
      {
        id: 'lead-operations',
        entry: 'functions/lead-operations/handler.ts',
        description: 'Resync of failed and stuck leads (API and schedule), DLQ redrive (lead sync, HubSpot, TurboTenant and Buildium), sync status',
        timeoutSeconds: 60,
        memoryMb: 256,
        tables: [{ table: 'leads', access: 'readWrite' }],
        queues: [
          { queue: 'lead-sync', access: 'send' },
          { queue: 'lead-sync', access: 'redrive' },
          { queue: 'lead-sync', access: 'inspect' },
          { queue: 'hubspot-events', access: 'redrive' },
          { queue: 'hubspot-events', access: 'inspect' },
          { queue: 'turbotenant-events', access: 'redrive' },
          { queue: 'turbotenant-events', access: 'inspect' },
          { queue: 'buildium-sync', access: 'redrive' },
          { queue: 'buildium-sync', access: 'inspect' },
        ],
        secrets: [],
        environment: {
          ...common,
          POWERTOOLS_SERVICE_NAME: 'lead-operations',
          STUCK_LEAD_AFTER_MINUTES: String(settings.stuckLeadAfterMinutes),
        },
      },
      {
        id: 'hubspot-webhook',
        entry: 'functions/hubspot-webhook/handler.ts',
        description: 'POST /webhooks/hubspot (verify, validate, enqueue, 200) and the webhook status',
        timeoutSeconds: 10,
        memoryMb: 512,
        // Reads the webhook statistics; the consumer writes them.
        tables: [{ table: 'sync-state', access: 'read' }],
        queues: [{ queue: 'hubspot-events', access: 'send' }],
        secrets: ['hubspot'],
        environment: {
          ...common,
          POWERTOOLS_SERVICE_NAME: 'hubspot-webhook',
          HUBSPOT_LEGACY_SIGNATURES: settings.hubspotEvents.legacySignatures ? 'on' : 'off',
          HUBSPOT_WEBHOOK_EVENTS: HUBSPOT_WEBHOOK_EVENTS.join(','),
        },
        publicBaseUrl: true,
      },
      {
        id: 'hubspot-inbound',
        entry: 'functions/hubspot-inbound/handler.ts',
        description: 'Applies queued HubSpot contact events to the platform leads (deduped, batched reads, no echo)',
        timeoutSeconds: 30,
        memoryMb: 512,
        tables: [
          // Leads looked up 50 keys a request on its indexes (PartiQL SELECT … IN: a GSI takes no BatchGetItem).
          { table: 'leads', access: 'readWrite', partiqlSelect: true },
          { table: 'idempotency', access: 'readWrite' },
          { table: 'sync-state', access: 'readWrite' },
        ],
        queues: [{ queue: 'hubspot-events', access: 'consume' }],
        secrets: ['hubspot'],
        // Portals connected through the OAuth app: their sealed tokens are read, and refreshed ones sealed.
        tokenKey: 'encryptDecrypt',
        environment: {
          ...common,
          POWERTOOLS_SERVICE_NAME: 'hubspot-inbound',
          HUBSPOT_CONFLICT_RULE: settings.hubspotEvents.conflictRule,
          HUBSPOT_EVENTS_MAX_RECEIVE_COUNT: String(hubspotEventsQueue.maxReceiveCount),
        },
      },
      {
        id: 'hubspot-oauth',
        entry: 'functions/hubspot-oauth/handler.ts',
        description: 'GET /oauth/hubspot/install and /callback: installs of the OAuth app, each portal\'s tokens stored sealed; the installs\' status',
        timeoutSeconds: 10,
        memoryMb: 256,
        // Single-use install states and the installs, both in sync-state.
        tables: [{ table: 'sync-state', access: 'readWrite' }],
        queues: [],
        // The OAuth app's client id and secret.
        secrets: ['hubspot'],
        // Seals the tokens of a new install; it never reads them back.
        tokenKey: 'encrypt',
        environment: { ...common, POWERTOOLS_SERVICE_NAME: 'hubspot-oauth' },
        // The redirect URI: PUBLIC_BASE_URL + /oauth/hubspot/callback.
        publicBaseUrl: true,
      },
      {
        id: 'turbotenant-events',
        entry: 'functions/turbotenant-events/handler.ts',
        description: 'POST /events/turbotenant (verify, validate, record pending, enqueue, 202), its confirmation, and mapping reads',
        timeoutSeconds: 10,
        memoryMb: 512,
        tables: [
          { table: 'sync-state', access: 'readWrite' },
          { table: 'mappings', access: 'read' },
        ],
        queues: [{ queue: 'turbotenant-events', access: 'send' }],
        secrets: ['turbotenant'],
        environment: { ...common, POWERTOOLS_SERVICE_NAME: 'turbotenant-events' },
      },
      {
        id: 'turbotenant-sync',
        entry: 'functions/turbotenant-sync/handler.ts',
        description: 'TurboTenant events → HubSpot contacts and deals (and Stripe metadata), batched; the 15-minute reconcile',
        timeoutSeconds: 60,
        memoryMb: 512,
        tables: [
          { table: 'mappings', access: 'readWrite' },
          { table: 'sync-state', access: 'readWrite' },
        ],
        queues: [{ queue: 'turbotenant-events', access: 'consume' }],
        secrets: ['hubspot', 'turbotenant', 'stripe'],
        environment: {
          ...common,
          POWERTOOLS_SERVICE_NAME: 'turbotenant-sync',
          TURBOTENANT_DEAL_PIPELINE: settings.turbotenant.dealPipeline,
          TURBOTENANT_DEAL_STAGE: settings.turbotenant.dealStage,
          TURBOTENANT_ONBOARDING_STAGE: settings.turbotenant.onboardingStage,
          STRIPE_SYNC: settings.turbotenant.stripe && flows.includes('stripe') ? 'on' : 'off',
          TURBOTENANT_EVENTS_MAX_RECEIVE_COUNT: String(turbotenantQueue.maxReceiveCount),
        },
      },
      {
        id: 'buildium-scheduler',
        entry: 'functions/buildium-scheduler/handler.ts',
        description: 'Opens Buildium sync jobs (schedules, POST /sync/buildium), job status, Buildium webhooks, sync configuration and reviews',
        timeoutSeconds: 10,
        memoryMb: 256,
        // Jobs, cursors, configuration and reviews; it reads neither Buildium nor HubSpot.
        tables: [{ table: 'sync-state', access: 'readWrite' }],
        queues: [{ queue: 'buildium-sync', access: 'send' }],
        // Only the webhook signing secret is read from it.
        secrets: ['buildium'],
        environment: {
          ...common,
          POWERTOOLS_SERVICE_NAME: 'buildium-scheduler',
          BUILDIUM_PAGE_SIZE: String(settings.buildium.pageSize),
          BUILDIUM_WINDOW_OVERLAP_SECONDS: '120',
        },
      },
      {
        id: 'buildium-sync',
        entry: 'functions/buildium-sync/handler.ts',
        description: 'Buildium pages → HubSpot contacts, listings, units and associations (hash-skipped, batched); moves sync jobs along',
        timeoutSeconds: 300,
        memoryMb: 1024,
        tables: [
          { table: 'mappings', access: 'readWrite' },
          { table: 'sync-state', access: 'readWrite' },
        ],
        queues: [
          { queue: 'buildium-sync', access: 'consume' },
          { queue: 'buildium-sync', access: 'send' },
        ],
        secrets: ['hubspot', 'buildium'],
        environment: {
          ...common,
          POWERTOOLS_SERVICE_NAME: 'buildium-sync',
          BUILDIUM_CONFLICT_STRATEGY: settings.buildium.conflictStrategy,
          BUILDIUM_UNIT_OBJECT: settings.buildium.unitObject,
          BUILDIUM_SYNC_MAX_RECEIVE_COUNT: String(buildiumQueue.maxReceiveCount),
        },
      },
    ],
    defaultRoute: { function: 'health' },
    routes: [
      { method: 'GET', path: '/health', function: 'health', auth: 'none' },
      { method: 'POST', path: '/leads', function: 'lead-events', auth: 'iam' },
      { method: 'GET', path: '/leads', function: 'lead-events', auth: 'iam' },
      { method: 'GET', path: '/leads/{leadId}', function: 'lead-events', auth: 'iam' },
      { method: 'POST', path: '/internal/leads/resync-failed', function: 'lead-operations', auth: 'iam' },
      { method: 'GET', path: '/internal/status', function: 'lead-operations', auth: 'iam' },
      { method: 'POST', path: '/webhooks/hubspot', function: 'hubspot-webhook', auth: 'signature' },
      { method: 'GET', path: '/integrations/hubspot/webhook-status', function: 'hubspot-webhook', auth: 'iam' },
      // Public by contract: a person's browser follows them; the callback checks the single-use state.
      { method: 'GET', path: '/oauth/hubspot/install', function: 'hubspot-oauth', auth: 'none' },
      { method: 'GET', path: '/oauth/hubspot/callback', function: 'hubspot-oauth', auth: 'none' },
      { method: 'GET', path: '/integrations/hubspot/installs', function: 'hubspot-oauth', auth: 'iam' },
      { method: 'POST', path: '/events/turbotenant', function: 'turbotenant-events', auth: 'signature' },
      { method: 'GET', path: '/events/turbotenant/{eventId}', function: 'turbotenant-events', auth: 'iam' },
      { method: 'GET', path: '/mappings/{system}/{type}/{sourceId}', function: 'turbotenant-events', auth: 'iam' },
      { method: 'POST', path: '/webhooks/buildium', function: 'buildium-scheduler', auth: 'signature' },
      { method: 'POST', path: '/sync/buildium', function: 'buildium-scheduler', auth: 'iam' },
      { method: 'GET', path: '/sync/jobs/{jobId}', function: 'buildium-scheduler', auth: 'iam' },
      { method: 'GET', path: '/sync/jobs/{jobId}/errors', function: 'buildium-scheduler', auth: 'iam' },
      { method: 'POST', path: '/sync/jobs/{jobId}/errors/{entity}/{sourceId}/resolve', function: 'buildium-scheduler', auth: 'iam' },
      { method: 'GET', path: '/sync/buildium/config', function: 'buildium-scheduler', auth: 'iam' },
      { method: 'PUT', path: '/sync/buildium/config', function: 'buildium-scheduler', auth: 'iam' },
      { method: 'GET', path: '/sync/buildium/reviews', function: 'buildium-scheduler', auth: 'iam' },
      { method: 'POST', path: '/sync/buildium/reviews/{entity}/{sourceId}', function: 'buildium-scheduler', auth: 'iam' },
    ],
    consumers: [
      {
        queue: 'lead-sync',
        function: 'lead-outbound',
        batchSize: settings.leadSync.batchSize,
        maxBatchingWindowSeconds: settings.leadSync.maxBatchingWindowSeconds,
        maxConcurrency: settings.leadSync.maxConcurrency,
      },
      {
        queue: 'hubspot-events',
        function: 'hubspot-inbound',
        batchSize: settings.hubspotEvents.batchSize,
        maxBatchingWindowSeconds: settings.hubspotEvents.maxBatchingWindowSeconds,
        maxConcurrency: settings.hubspotEvents.maxConcurrency,
      },
      {
        queue: 'turbotenant-events',
        function: 'turbotenant-sync',
        batchSize: settings.turbotenant.batchSize,
        maxBatchingWindowSeconds: settings.turbotenant.maxBatchingWindowSeconds,
        maxConcurrency: settings.turbotenant.maxConcurrency,
      },
      {
        // One message is a page of up to 1,000 records: one at a time per invocation.
        queue: 'buildium-sync',
        function: 'buildium-sync',
        batchSize: 1,
        maxBatchingWindowSeconds: 0,
        maxConcurrency: settings.buildium.maxConcurrency,
      },
    ],
    schedules: [
      {
        id: 'lead-reconcile',
        function: 'lead-operations',
        flow: 'leads',
        rateMinutes: settings.leadReconcileRate.minutes,
        description: 'Requeue FAILED leads whose retries ran out and PENDING/RETRYING leads stuck too long',
        detail: { action: 'reconcile' },
      },
      {
        id: 'turbotenant-reconcile',
        function: 'turbotenant-sync',
        rateMinutes: settings.turbotenant.reconcileMinutes,
        description: 'Sync TurboTenant properties changed since the last pass (heals lost events; unchanged ones cost nothing)',
        detail: { action: 'reconcile' },
      },
      {
        id: 'buildium-incremental',
        function: 'buildium-scheduler',
        rateMinutes: settings.buildium.incrementalMinutes,
        description: 'Buildium records changed since the last successful job → HubSpot (seed 002 §11.2 rates)',
        detail: { action: 'sync', mode: 'incremental' },
      },
      {
        id: 'buildium-full-reconcile',
        function: 'buildium-scheduler',
        rateMinutes: settings.buildium.fullReconcileMinutes,
        description: 'Every Buildium record compared with its mapping (catches unit flags Buildium does not date); unchanged ones cost nothing',
        detail: { action: 'sync', mode: 'full' },
      },
    ],
  };
}

export function topologyFor(environment: string | undefined, flows: readonly FlowId[] = FLOW_IDS): Topology {
  return buildTopology(environmentSettings(environment), flows);
}

/** The queue's visibility timeout: 6× its consumer's function timeout. */
export function visibilityTimeoutSeconds(topology: Topology, queue: QueueId): number {
  const consumer = topology.consumers.find((c) => c.queue === queue);
  if (!consumer) return 30;
  const fn = topology.functions.find((f) => f.id === consumer.function);
  if (!fn) throw new Error(`consumer of ${queue} names unknown function ${consumer.function}`);
  return fn.timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR;
}

export function functionSpec(topology: Topology, id: FunctionId): FunctionSpec {
  const fn = topology.functions.find((f) => f.id === id);
  if (!fn) throw new Error(`unknown function ${id}`);
  return fn;
}
