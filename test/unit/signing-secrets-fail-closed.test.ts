/**
 * Secrets that fail closed (issue 12 §2): the stack creates every provider secret with the public
 * placeholder `REPLACE_ME`; a signing secret still holding it, empty, or too short to be real is no
 * secret at all. Each of the three signed routes then refuses every request with a bare 401, even
 * one signed with that very value (anyone can compute it), queues nothing, and counts the unset
 * secret under a metric that names it.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler as buildiumHandler, type BuildiumSchedulerDeps } from '../../functions/buildium-scheduler/handler.js';
import { signBuildium } from '../../functions/connectors/buildium/signature.js';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { SECRET_PLACEHOLDER } from '../../functions/core/secret-policy.js';
import { makeHandler as hubspotHandler } from '../../functions/hubspot-webhook/handler.js';
import { makeHandler as turbotenantHandler } from '../../functions/turbotenant-events/handler.js';
import { InMemoryBuildiumConfig, InMemoryCursors, InMemoryJobLedger, RecordingSyncQueue } from './support/buildium-fakes.js';
import { InMemoryWebhookLedger, RecordingSender, T0 } from './support/fakes.js';
import { answer, httpEvent, lambdaContext } from './support/lambda.js';

const BASE_URL = 'https://api.example.test';
const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));

interface SignedRoute {
  readonly name: string;
  readonly secretName: string;
  /** A handler whose deps hold `secret`; `send` signs a valid request with `signWith` and calls it. */
  setup(secret: string): { send(signWith: string): Promise<{ statusCode: number; body: unknown }>; queued(): number };
}

const hubspotEvents = JSON.stringify([
  { eventId: 1, subscriptionId: 2, portalId: 62515, occurredAt: T0.getTime(), subscriptionType: 'contact.creation', objectId: 901, attemptNumber: 0 },
]);

/** The HubSpot webhook route with the app secrets given; `send` posts a delivery signed (v3) with `signWith`. */
function hubspotRoute(clientSecret: () => Promise<string>, oauthClientSecret?: () => Promise<string | undefined>) {
  const queue = new RecordingSender();
  const handler = hubspotHandler(() => ({
    clientSecret,
    ...(oauthClientSecret ? { oauthClientSecret } : {}),
    primaryPortalId: async () => '62515',
    publicBaseUrl: BASE_URL,
    acceptLegacySignatures: false,
    subscribedEvents: [],
    queue,
    stats: new InMemoryWebhookLedger(),
    dailyQuota: async () => undefined,
    now: () => T0,
  }));
  return {
    queued: () => queue.bodies.length,
    send: async (signWith: string) => {
      const ts = String(T0.getTime());
      const event = httpEvent({
        method: 'POST',
        route: '/webhooks/hubspot',
        headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signV3(signWith, 'POST', `${BASE_URL}/webhooks/hubspot`, hubspotEvents, ts), 'x-hubspot-request-timestamp': ts },
        body: hubspotEvents,
      });
      return answer(await handler(event, lambdaContext('hubspot-webhook')));
    },
  };
}

const routes: SignedRoute[] = [
  {
    name: 'POST /webhooks/hubspot',
    secretName: 'hubspot.clientSecret',
    setup: (secret) => hubspotRoute(async () => secret),
  },
  {
    name: 'POST /webhooks/buildium',
    secretName: 'buildium.webhookSecret',
    setup(secret) {
      const queue = new RecordingSyncQueue();
      const deps: BuildiumSchedulerDeps = {
        jobs: new InMemoryJobLedger(() => T0) as unknown as BuildiumSchedulerDeps['jobs'],
        cursors: new InMemoryCursors() as unknown as BuildiumSchedulerDeps['cursors'],
        config: new InMemoryBuildiumConfig() as unknown as BuildiumSchedulerDeps['config'],
        queue,
        webhookSecret: async () => secret,
        pageSize: 1000,
        overlapSeconds: 120,
        now: () => T0,
        newId: () => 'job-1',
      };
      const handler = buildiumHandler(() => deps);
      return {
        queued: () => queue.messages.length,
        send: async (signWith) => {
          const body = JSON.stringify({ EventName: 'Tenant.Updated', EventDateTime: T0.toISOString(), AccountId: 1, TenantId: 7 });
          const ts = seconds(T0);
          const event: APIGatewayProxyEventV2 = httpEvent({
            method: 'POST',
            route: '/webhooks/buildium',
            headers: { 'content-type': 'application/json', 'buildium-webhook-timestamp': ts, 'buildium-webhook-signature': signBuildium(signWith, ts, body) },
            body,
          });
          return answer(await handler(event, lambdaContext('buildium-scheduler')));
        },
      };
    },
  },
  {
    name: 'POST /events/turbotenant',
    secretName: 'turbotenant.webhookSecret',
    setup(secret) {
      const queue = new RecordingSender();
      const handler = turbotenantHandler(() => ({
        webhookSecret: async () => secret,
        confirmations: { accept: async () => 'new' as const, get: async () => undefined },
        mappings: { get: async () => undefined },
        queue,
        now: () => T0,
      }));
      return {
        queued: () => queue.bodies.length,
        send: async (signWith) => {
          const body = JSON.stringify({
            event_id: 'evt_1',
            event_type: 'property_created',
            occurred_at: T0.toISOString(),
            landlord_id: 'LL_1',
            property_id: 'PROP_1',
            metadata: { utm_source: 'a', utm_medium: 'b', utm_campaign: 'c', platform_source: 'd' },
          });
          const event = httpEvent({ method: 'POST', route: '/events/turbotenant', headers: { 'content-type': 'application/json', ...turboTenantSignatureHeaders(signWith, body, T0.getTime()) }, body });
          return answer(await handler(event, lambdaContext('turbotenant-events')));
        },
      };
    },
  },
];

const unusable: Array<[string, string]> = [
  ['the stack placeholder', SECRET_PLACEHOLDER],
  ['the placeholder with stray spaces', ` ${SECRET_PLACEHOLDER}\n`],
  ['an empty secret', ''],
  ['a secret too short to be real', 'abc123'],
];

describe.each(routes)('$name with an unusable signing secret', (route) => {
  it('accepts a request signed with a real secret (the control case)', async () => {
    const real = 'a-real-signing-secret-0c9f1e7a5b';
    const { send, queued } = route.setup(real);
    const response = await send(real);
    expect(response.statusCode).toBeLessThan(300);
    expect(queued()).toBe(1);
  });

  it.each(unusable)('refuses with 401 and queues nothing: %s, even signed with that same value', async (_what, secret) => {
    const { send, queued } = route.setup(secret);
    const response = await send(secret);
    expect(response).toMatchObject({ statusCode: 401, body: { error: { code: 'unauthorized' } } });
    expect(queued()).toBe(0);
  });
});

describe('POST /webhooks/hubspot with two apps (the static-token app and the OAuth app, issue 12 §5)', () => {
  const STATIC = 'static-app-client-secret-0c9f1e7a';
  const OAUTH = 'oauth-app-client-secret-5b3d2c1f';

  function setup(oauthClientSecret: string | undefined) {
    const route = hubspotRoute(async () => STATIC, async () => oauthClientSecret);
    return { send: async (signWith: string) => (await route.send(signWith)).statusCode, queued: route.queued };
  }

  it('accepts deliveries signed by either app', async () => {
    const { send, queued } = setup(OAUTH);
    expect([await send(STATIC), await send(OAUTH)]).toEqual([200, 200]);
    expect(queued()).toBe(2);
  });

  it('accepts only the static app when there is no OAuth app, and never a placeholder OAuth secret', async () => {
    for (const oauth of [undefined, SECRET_PLACEHOLDER]) {
      const { send, queued } = setup(oauth);
      expect(await send(STATIC)).toBe(200);
      expect(await send(OAUTH)).toBe(401);
      expect(await send(SECRET_PLACEHOLDER)).toBe(401);
      expect(queued()).toBe(1);
    }
  });
});
