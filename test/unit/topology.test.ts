import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { environments, type EnvironmentName } from '../../lib/environments.js';
import { functionSpec, topologyFor, visibilityTimeoutSeconds, type Topology } from '../../lib/topology.js';
import { ENV } from '../../functions/runtime/config.js';
import { HUBSPOT_SECRET } from '../../functions/runtime/secrets.js';
import { handler as healthHandler } from '../../functions/health/handler.js';
import { makeHandler as makeLeadEvents } from '../../functions/lead-events/handler.js';
import { makeHandler as makeOperations } from '../../functions/lead-operations/handler.js';
import { makeHandler as makeHubSpotWebhook } from '../../functions/hubspot-webhook/handler.js';
import { makeHandler as makeHubSpotOAuth } from '../../functions/hubspot-oauth/handler.js';
import { makeHandler as makeTurboTenantEvents } from '../../functions/turbotenant-events/handler.js';
import { makeHandler as makeBuildiumScheduler, type BuildiumSchedulerDeps } from '../../functions/buildium-scheduler/handler.js';
import { signBuildium } from '../../functions/connectors/buildium/signature.js';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { FakeDeadLetters, InMemoryLeadStore, InMemoryWebhookLedger, RecordingQueue, RecordingSender, storedLead, T0 } from './support/fakes.js';
import { answer, httpEvent, lambdaContext } from './support/lambda.js';
import { InMemoryInstalls, InMemoryStates } from './support/oauth-fakes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NAMES = Object.keys(environments) as EnvironmentName[];

function table(topology: Topology, id: string) {
  const found = topology.tables.find((t) => t.id === id);
  if (!found) throw new Error(`no table ${id}`);
  return found;
}

describe.each(NAMES)('topology (%s)', (name) => {
  const topology = topologyFor(name);

  it('names the tables with the variables the functions read', () => {
    // Assess
    expect(table(topology, 'leads').envVar).toBe(ENV.leadsTable);
    expect(table(topology, 'idempotency').envVar).toBe(ENV.idempotencyTable);
  });

  it('names the lead-sync queue and its DLQ with the variables the functions read', () => {
    // Prepare
    const queue = topology.queues.find((q) => q.id === 'lead-sync');

    // Assess
    expect(queue).toMatchObject({
      urlEnvVar: ENV.leadSyncQueueUrl,
      arnEnvVar: ENV.leadSyncQueueArn,
      dlq: { urlEnvVar: ENV.leadSyncDlqUrl, arnEnvVar: ENV.leadSyncDlqArn },
    });
  });

  it('declares the HubSpot secret with the variable and fields the functions read', () => {
    // Prepare
    const secret = topology.secrets.find((s) => s.id === 'hubspot');

    // Assess
    expect(secret?.envVar).toBe(HUBSPOT_SECRET.arnEnvVar);
    expect(secret?.fields).toEqual(HUBSPOT_SECRET.fields);
  });

  it('tells the consumer the queue\'s maxReceiveCount under the name it reads', () => {
    // Prepare
    const consumer = topology.consumers.find((c) => c.queue === 'lead-sync')!;
    const queue = topology.queues.find((q) => q.id === 'lead-sync')!;

    // Act
    const environment = functionSpec(topology, consumer.function).environment;

    // Assess
    expect(environment[ENV.leadSyncMaxReceiveCount]).toBe(String(queue.maxReceiveCount));
  });

  it('gives the operations function the stuck-lead threshold under the name it reads', () => {
    // Act
    const environment = functionSpec(topology, 'lead-operations').environment;

    // Assess
    expect(Number(environment[ENV.stuckLeadAfterMinutes])).toBe(topology.settings.stuckLeadAfterMinutes);
  });

  it('gives the HubSpot secret to the function that calls HubSpot', () => {
    // Assess
    expect(functionSpec(topology, 'lead-outbound').secrets).toContain('hubspot');
  });

  it('routes every path, consumer and schedule to a declared function', () => {
    // Prepare
    const ids = new Set(topology.functions.map((f) => f.id));

    // Assess
    for (const route of topology.routes) expect(ids, `${route.method} ${route.path}`).toContain(route.function);
    for (const consumer of topology.consumers) expect(ids).toContain(consumer.function);
    for (const schedule of topology.schedules) expect(ids).toContain(schedule.function);
  });

  it('declares each route once', () => {
    // Act
    const keys = topology.routes.map((r) => `${r.method} ${r.path}`);

    // Assess
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('points every function at an entry file that exists', () => {
    // Assess
    for (const fn of topology.functions) expect(existsSync(`${ROOT}${fn.entry}`), fn.entry).toBe(true);
  });

  it('keeps each queue\'s visibility timeout at least 6 times its consumer\'s timeout', () => {
    for (const consumer of topology.consumers) {
      // Act
      const visibility = visibilityTimeoutSeconds(topology, consumer.queue);

      // Assess
      expect(visibility).toBeGreaterThanOrEqual(6 * functionSpec(topology, consumer.function).timeoutSeconds);
    }
  });
});

describe('function entries', () => {
  it.each(topologyFor('dev').functions.map((f) => [f.id, f.entry] as const))('%s exports a handler', async (_id, entry) => {
    // Act
    const module: { handler?: unknown } = await import(`${ROOT}${entry}`);

    // Assess
    expect(typeof module.handler).toBe('function');
  });

  it.each(topologyFor('dev').routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s is answered by its function, not with "no route"',
    async (_key, route) => {
      // Prepare
      const store = new InMemoryLeadStore([storedLead('lead-1', { email: 'ana@example.com' })]);
      const queue = new RecordingQueue();
      const dlq = new FakeDeadLetters(0);
      const handlers: Record<string, (event: APIGatewayProxyEventV2) => Promise<unknown>> = {
        health: () => healthHandler(),
        'lead-events': (event) =>
          makeLeadEvents(() => ({ leads: store, queue, newId: () => 'lead-2', now: () => T0 }))(event, lambdaContext('lead-events')),
        'lead-operations': (event) =>
          makeOperations(() => ({ leads: store, queue, deadLetters: dlq, inspector: dlq, stuckAfterMinutes: 15, now: () => T0 }))(
            event,
            lambdaContext('lead-operations'),
          ),
      };
      const hubspotDelivery = JSON.stringify([{ eventId: 1, subscriptionId: 2, portalId: 3, occurredAt: 4, subscriptionType: 'contact.creation', objectId: 5 }]);
      const clientSecret = 'topology-test-secret';
      handlers['hubspot-webhook'] = (event) =>
        makeHubSpotWebhook(() => ({
          clientSecret: async () => clientSecret,
          primaryPortalId: async () => '62515',
          publicBaseUrl: 'https://api.example.com',
          acceptLegacySignatures: false,
          subscribedEvents: ['contact.creation'],
          queue: new RecordingSender(),
          stats: new InMemoryWebhookLedger(),
          dailyQuota: async () => undefined,
          now: () => T0,
        }))(event, lambdaContext('hubspot-webhook'));
      const ttSecret = 'topology-test-tt-secret';
      const ttBody = JSON.stringify({ event_id: 'evt_t', event_type: 'property_created', occurred_at: '2025-10-12T10:00:00Z', landlord_id: 'LL_1', property_id: 'PROP_1', metadata: {} });
      handlers['turbotenant-events'] = (event) =>
        makeTurboTenantEvents(() => ({
          webhookSecret: async () => ttSecret,
          confirmations: {
            accept: async () => 'new' as const,
            get: async (eventId: string) => ({ eventId, status: 'pending' as const, acceptedAt: T0.toISOString() }),
          },
          mappings: { get: async (system, type, sourceId) => ({ system, type, sourceId, hubspotType: 'deals', hubspotId: 'D1', syncHash: 'h', lastSyncedAt: 't' }) },
          queue: new RecordingSender(),
          now: () => T0,
        }))(event, lambdaContext('turbotenant-events'));
      const job = { jobId: 'job-1', mode: 'full', status: 'running', startedAt: T0.toISOString(), completedAt: null, counts: { processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 } };
      const review = { entity: 'tenant', sourceId: '7', hubspotType: 'contacts', hubspotId: 'C1', fields: ['phone'], jobId: 'job-1', status: 'open', at: T0.toISOString() };
      const bdSecret = 'topology-test-bd-secret';
      const bdBody = JSON.stringify({ EventName: 'LeaseTenant.Updated', EventDateTime: T0.toISOString(), AccountId: 1, TenantId: 7 });
      const bdTimestamp = String(Math.floor(T0.getTime() / 1000));
      handlers['buildium-scheduler'] = (event) =>
        makeBuildiumScheduler(
          () =>
            ({
              jobs: {
                open: async () => true,
                setStatus: async () => undefined,
                get: async () => job,
                state: async () => ({ ...job, phase: 0, pagesPending: 0, plan: {}, windowTo: T0.toISOString(), pageSize: 1000, quality: { invalid: 0, duplicateEmails: 0 } }),
                errors: async () => [{ entity: 'tenant', sourceId: '7', reason: 'email: Valid email required', errorType: 'validation_error', retries: 1, resolved: false, jobId: 'job-1', firstSeenAt: T0.toISOString(), lastSeenAt: T0.toISOString() }],
                resolveError: async () => undefined,
                reviews: async () => [review],
                resolveReview: async () => true,
              },
              cursors: { get: async () => undefined },
              config: { get: async () => undefined, put: async () => undefined },
              queue: new RecordingSender(),
              webhookSecret: async () => bdSecret,
              pageSize: 1000,
              overlapSeconds: 120,
              now: () => T0,
              newId: () => 'job-1',
            }) as unknown as BuildiumSchedulerDeps,
        )(event, lambdaContext('buildium-scheduler'));
      // The callback's state is one an install issued, as in a real install.
      const oauthStates = new InMemoryStates(() => T0);
      await oauthStates.create('topology-state', new Date(T0.getTime() + 60_000));
      handlers['hubspot-oauth'] = (event) =>
        makeHubSpotOAuth(() => ({
          clientId: async () => 'topology-client',
          scopes: ['oauth'],
          authorizeBaseUrl: 'https://app.hubspot.com/oauth/authorize',
          redirectUri: 'https://api.example.com/oauth/hubspot/callback',
          states: oauthStates,
          installs: new InMemoryInstalls(() => T0),
          oauth: { exchangeCode: async () => ({ accessToken: 'a', refreshToken: 'r', expiresInSeconds: 1800, portalId: '1' }), portalOf: async () => '1' },
          newState: () => 'topology-state-2',
          now: () => T0,
        }))(event, lambdaContext('hubspot-oauth'));
      const invoke = handlers[route.function];
      const isBuildium = route.path === '/webhooks/buildium';
      const bodies: Record<string, string> = {
        'POST /internal/leads/resync-failed': '{}',
        'POST /sync/jobs/{jobId}/errors/{entity}/{sourceId}/resolve': '{}',
        'POST /sync/buildium': JSON.stringify({ mode: 'full' }),
        'PUT /sync/buildium/config': JSON.stringify({ overrides: [], conflictStrategy: 'hubspot_wins' }),
        'POST /sync/buildium/reviews/{entity}/{sourceId}': JSON.stringify({ resolution: 'buildium' }),
        'POST /webhooks/buildium': bdBody,
      };
      const isWebhook = route.path === '/webhooks/hubspot';
      const isTurboTenant = route.path === '/events/turbotenant';
      const timestamp = String(T0.getTime());
      const event = httpEvent({
        method: route.method,
        route: route.path,
        path: route.path.replace('{leadId}', 'lead-1').replace('{eventId}', 'evt_t').replace('{system}/{type}/{sourceId}', 'turbotenant/property/PROP_1'),
        pathParameters: route.path.includes('{leadId}')
          ? { leadId: 'lead-1' }
          : route.path.includes('{eventId}')
            ? { eventId: 'evt_t' }
            : route.path.includes('{jobId}')
              ? { jobId: 'job-1', entity: 'tenant', sourceId: '7' }
              : route.path.includes('{entity}')
                ? { entity: 'tenant', sourceId: '7' }
                : route.path.includes('{sourceId}')
                  ? { system: 'turbotenant', type: 'property', sourceId: 'PROP_1' }
                  : undefined,
        query:
          route.path === '/leads' && route.method === 'GET'
            ? { email: 'ana@example.com' }
            : route.path === '/oauth/hubspot/callback'
              ? { state: 'topology-state', code: 'topology-code' }
              : undefined,
        headers: {
          'content-type': 'application/json',
          ...(isWebhook
            ? {
                'x-hubspot-signature-v3': signV3(clientSecret, 'POST', `https://api.example.com${route.path}`, hubspotDelivery, timestamp),
                'x-hubspot-request-timestamp': timestamp,
              }
            : {}),
          ...(isTurboTenant ? turboTenantSignatureHeaders(ttSecret, ttBody, T0.getTime()) : {}),
          ...(isBuildium ? { 'buildium-webhook-timestamp': bdTimestamp, 'buildium-webhook-signature': signBuildium(bdSecret, bdTimestamp, bdBody) } : {}),
        },
        body:
          bodies[`${route.method} ${route.path}`] ??
          (isWebhook ? hubspotDelivery : isTurboTenant ? ttBody : route.method === 'POST' ? JSON.stringify({ email: 'ana@example.com' }) : undefined),
      });

      // Act
      const response = answer(await invoke!(event));

      // Assess
      expect(invoke, `no handler known for ${route.function}`).toBeDefined();
      // The install's answer is its redirect to HubSpot.
      if (route.path === '/oauth/hubspot/install') expect(response.statusCode).toBe(302);
      else expect(response.statusCode).toBeGreaterThanOrEqual(200);
      expect(response.statusCode).toBeLessThan(route.path === '/oauth/hubspot/install' ? 400 : 300);
    },
  );
});
