/**
 * `POST /webhooks/hubspot` and `GET /integrations/hubspot/webhook-status` (issue 3 §1): what
 * HubSpot, a forger and the operator see. A rejected signature is a bare 401 that queues and
 * counts nothing; a verified delivery is queued whole, per portal, before the 200, and the route
 * writes no statistics (the consumer counts events as it settles them); the status route shows
 * what the consumer counted.
 */
import { describe, expect, it } from 'vitest';
import { signV1, signV2, signV3 } from '../../functions/connectors/hubspot/signature.js';
import { eventKey, HubSpotEventSchema } from '../../functions/connectors/hubspot/webhook-events.js';
import { MisconfiguredError } from '../../functions/core/errors.js';
import type { WebhookStats } from '../../functions/core/ports.js';
import { makeHandler, type HubSpotWebhookDeps } from '../../functions/hubspot-webhook/handler.js';
import { InMemoryWebhookLedger, RecordingSender, T0 } from './support/fakes.js';
import { answer, contractError, httpEvent, lambdaContext, type HttpRequest } from './support/lambda.js';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const BASE_URL = 'https://api.example.test';
const PATH = '/webhooks/hubspot';
const PORTAL = 62515;
const OTHER_PORTAL = 62516;
const UNKNOWN_PORTAL = 99999;
const FIVE_MINUTES = 5 * 60 * 1000;

interface SetupOptions {
  acceptLegacySignatures?: boolean;
  clientSecret?: () => Promise<string>;
  primaryPortalId?: () => Promise<string>;
  publicBaseUrl?: string;
  /** The statistics the status route reads; the in-memory ledger unless given. */
  stats?: WebhookStats;
  /** The portal's daily quota as the flows saved it; none unless given. */
  dailyQuota?: HubSpotWebhookDeps['dailyQuota'];
}

function setup(options: SetupOptions = {}) {
  const queue = new RecordingSender();
  const stats = new InMemoryWebhookLedger();
  const deps: HubSpotWebhookDeps = {
    clientSecret: options.clientSecret ?? (async () => SECRET),
    primaryPortalId: options.primaryPortalId ?? (async () => String(PORTAL)),
    publicBaseUrl: options.publicBaseUrl ?? BASE_URL,
    acceptLegacySignatures: options.acceptLegacySignatures ?? false,
    subscribedEvents: ['contact.creation', 'contact.propertyChange', 'contact.deletion'],
    queue,
    stats: options.stats ?? stats,
    dailyQuota: options.dailyQuota ?? (async () => undefined),
    now: () => T0,
  };
  const handler = makeHandler(() => deps);
  const call = async (request: HttpRequest) => answer(await handler(httpEvent(request), lambdaContext('hubspot-webhook')));
  return { queue, stats, call };
}

let nextEventId = 1;
function hubspotEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const eventId = nextEventId++;
  return {
    eventId,
    subscriptionId: 12345,
    portalId: PORTAL,
    appId: 54321,
    occurredAt: 1760263200000 + eventId,
    subscriptionType: 'contact.creation',
    attemptNumber: 0,
    objectId: 1000 + eventId,
    changeSource: 'CRM',
    changeFlag: 'NEW',
    ...overrides,
  };
}

interface Delivery {
  body?: string;
  /** The URL HubSpot called (and signed); the request reaches the handler at `path` and `query`. */
  signedUrl?: string;
  query?: Record<string, string>;
  timestamp?: number;
  secret?: string;
  contentType?: string;
  isBase64Encoded?: boolean;
}

/** A delivery as HubSpot sends it: v3 signature and timestamp, plus the v1 headers it also carries. */
function signedDelivery(events: unknown, delivery: Delivery = {}): HttpRequest {
  const body = delivery.body ?? JSON.stringify(events);
  const query = delivery.query ? `?${new URLSearchParams(delivery.query).toString()}` : '';
  const timestamp = String(delivery.timestamp ?? T0.getTime());
  const secret = delivery.secret ?? SECRET;
  return {
    method: 'POST',
    route: PATH,
    ...(delivery.query ? { query: delivery.query } : {}),
    headers: {
      'content-type': delivery.contentType ?? 'application/json',
      'x-hubspot-signature-v3': signV3(secret, 'POST', delivery.signedUrl ?? `${BASE_URL}${PATH}${query}`, body, timestamp),
      'x-hubspot-request-timestamp': timestamp,
      'x-hubspot-signature': signV1(secret, body),
      'x-hubspot-signature-version': 'v1',
    },
    body: delivery.isBase64Encoded ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: delivery.isBase64Encoded ?? false,
  };
}

function withHeaders(request: HttpRequest, change: (headers: Record<string, string>) => Record<string, string>): HttpRequest {
  return { ...request, headers: change({ ...(request.headers ?? {}) }) };
}

function without(headers: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}

/** Only the legacy headers: an app created before v3. */
function legacyDelivery(events: unknown, version: 'v1' | 'v2', secret = SECRET): HttpRequest {
  const body = JSON.stringify(events);
  const signature = version === 'v1' ? signV1(secret, body) : signV2(secret, 'POST', `${BASE_URL}${PATH}`, body);
  return {
    method: 'POST',
    route: PATH,
    headers: { 'content-type': 'application/json', 'x-hubspot-signature': signature, 'x-hubspot-signature-version': version },
    body,
  };
}

/** A queued message as the consumer reads it: the portal, when the delivery was accepted, the events. */
const queuedMessage = (portalId: number, events: unknown[]) => ({ portalId, receivedAt: T0.toISOString(), events });

/** The ledger key of each event queued, as the consumer settles them. */
function queuedKeys(queue: RecordingSender): string[] {
  return queue.messages().flatMap((m) => m.events.map((e) => eventKey(HubSpotEventSchema.parse(e))));
}

const ZERO_TOTALS = { totalReceived: 0, totalProcessed: 0, totalSkipped: 0, skippedByReason: {}, totalFailed: 0, lastReceivedAt: null };

const statusRequest: HttpRequest = { method: 'GET', route: '/integrations/hubspot/webhook-status' };

describe('hubspot-webhook handler', () => {
  describe('POST /webhooks/hubspot, signature', () => {
    const events = [hubspotEvent()];
    const valid = signedDelivery(events);

    it.each<[string, HttpRequest, SetupOptions?]>([
      ['signed with another secret (forged)', signedDelivery(events, { secret: 'not-the-client-secret' })],
      ['a body changed after signing', { ...valid, body: JSON.stringify([{ ...events[0], objectId: 666 }]) }],
      ['a body changed by one trailing space', { ...valid, body: `${valid.body} ` }],
      ['another path than the one signed', signedDelivery(events, { signedUrl: `${BASE_URL}/webhooks/other` })],
      ['another host than the one signed', signedDelivery(events, { signedUrl: `https://evil.example.test${PATH}` })],
      ['a query string changed after signing', { ...signedDelivery(events, { query: { token: 'a' } }), query: { token: 'b' } }],
      ['a query string added after signing', { ...valid, query: { token: 'a' } }],
      ['a timestamp more than 5 minutes old', signedDelivery(events, { timestamp: T0.getTime() - FIVE_MINUTES - 1 })],
      ['a timestamp an hour old', signedDelivery(events, { timestamp: T0.getTime() - 3_600_000 })],
      ['a timestamp more than 5 minutes ahead', signedDelivery(events, { timestamp: T0.getTime() + FIVE_MINUTES + 1 })],
      ['a fresh timestamp replacing the signed one', withHeaders(signedDelivery(events, { timestamp: T0.getTime() - 1000 }), (h) => ({ ...h, 'x-hubspot-request-timestamp': String(T0.getTime()) }))],
      ['no signature headers at all', withHeaders(valid, (h) => without(h, 'x-hubspot-signature-v3', 'x-hubspot-request-timestamp', 'x-hubspot-signature', 'x-hubspot-signature-version'))],
      ['a v3 signature without its timestamp', withHeaders(valid, (h) => without(h, 'x-hubspot-request-timestamp'))],
      ['a v3 signature with a timestamp that is not a number', withHeaders(valid, (h) => ({ ...h, 'x-hubspot-request-timestamp': 'yesterday' }))],
      ['an empty v3 signature', withHeaders(valid, (h) => ({ ...h, 'x-hubspot-signature-v3': '' }))],
      ['a valid v1 signature while legacy signatures are off', legacyDelivery(events, 'v1')],
      ['a valid v2 signature while legacy signatures are off', legacyDelivery(events, 'v2')],
      ['a forged v1 signature with legacy signatures on', legacyDelivery(events, 'v1', 'not-the-client-secret'), { acceptLegacySignatures: true }],
      ['a forged v2 signature with legacy signatures on', legacyDelivery(events, 'v2', 'not-the-client-secret'), { acceptLegacySignatures: true }],
      [
        'an unknown legacy signature version with legacy signatures on',
        withHeaders(legacyDelivery(events, 'v1'), (h) => ({ ...h, 'x-hubspot-signature-version': 'v9' })),
        { acceptLegacySignatures: true },
      ],
    ])('answers a bare 401 for %s; nothing queued, statistics unchanged', async (_what, request, options) => {
      // Prepare
      const { queue, stats, call } = setup(options);
      const before = await stats.totals();

      // Act
      const response = await call(request);

      // Assess
      expect(response.statusCode).toBe(401);
      const error = contractError(response);
      expect(error).toEqual({ code: 'unauthorized', message: 'Unauthorized', details: [] });
      // Nothing tells the caller why.
      expect(JSON.stringify(response.body)).not.toMatch(/signature|timestamp|legacy|minutes|v1|v2|v3/i);
      expect(queue.bodies).toEqual([]);
      expect(await stats.totals()).toEqual(before);
    });

    it('answers the same 401 whatever the reason, so a forger cannot tell them apart', async () => {
      // Prepare
      const { call } = setup();
      const requests = [
        signedDelivery(events, { secret: 'wrong' }),
        signedDelivery(events, { timestamp: T0.getTime() - 2 * FIVE_MINUTES }),
        withHeaders(valid, (h) => without(h, 'x-hubspot-request-timestamp')),
        legacyDelivery(events, 'v1'),
      ];

      // Act
      const responses = await Promise.all(requests.map((r) => call(r)));

      // Assess
      expect(new Set(responses.map((r) => JSON.stringify(r)))).toHaveProperty('size', 1);
    });

    it('accepts a timestamp within 5 minutes either way', async () => {
      // Prepare
      const { queue, call } = setup();

      // Act
      const old = await call(signedDelivery([hubspotEvent()], { timestamp: T0.getTime() - FIVE_MINUTES + 1000 }));
      const ahead = await call(signedDelivery([hubspotEvent()], { timestamp: T0.getTime() + FIVE_MINUTES - 1000 }));

      // Assess
      expect([old.statusCode, ahead.statusCode]).toEqual([200, 200]);
      expect(queue.bodies).toHaveLength(2);
    });

    it('accepts a valid v1 signature when legacy signatures are on, and queues the events', async () => {
      // Prepare
      const { queue, call } = setup({ acceptLegacySignatures: true });
      const sent = [hubspotEvent()];

      // Act
      const response = await call(legacyDelivery(sent, 'v1'));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.messages()).toEqual([queuedMessage(PORTAL, sent)]);
    });

    it('accepts a valid v2 signature (method and full URL signed) when legacy signatures are on', async () => {
      // Prepare
      const { queue, call } = setup({ acceptLegacySignatures: true });
      const sent = [hubspotEvent()];

      // Act
      const response = await call(legacyDelivery(sent, 'v2'));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.messages()).toEqual([queuedMessage(PORTAL, sent)]);
    });

    it('verifies v3 even when the v1 header HubSpot sends along is wrong', async () => {
      // Prepare
      const { queue, call } = setup();
      const request = withHeaders(signedDelivery([hubspotEvent()]), (h) => ({ ...h, 'x-hubspot-signature': 'deadbeef' }));

      // Act
      const response = await call(request);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.bodies).toHaveLength(1);
    });

    it('verifies a body API Gateway delivered base64-encoded, over its decoded bytes', async () => {
      // Prepare
      const { queue, call } = setup();
      const sent = [hubspotEvent({ subscriptionType: 'contact.propertyChange', propertyName: 'firstname', propertyValue: 'Zoë ✓' })];

      // Act
      const response = await call(signedDelivery(sent, { isBase64Encoded: true }));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.messages()).toEqual([queuedMessage(PORTAL, sent)]);
    });

    it('verifies against the configured public URL, with the query string HubSpot called', async () => {
      // Prepare: HubSpot signs the URL with the characters it escapes decoded.
      const { queue, call } = setup({ publicBaseUrl: `${BASE_URL}/` });
      const sent = [hubspotEvent()];
      const request = signedDelivery(sent, { query: { token: 'a:b' }, signedUrl: `${BASE_URL}${PATH}?token=a:b` });

      // Act
      const response = await call(request);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.messages()).toEqual([queuedMessage(PORTAL, sent)]);
    });
  });

  describe('POST /webhooks/hubspot, a verified delivery', () => {
    it('answers 200 once the events are queued: one message per portal, holding exactly the events sent, stamped with when they came', async () => {
      // Prepare
      const { queue, stats, call } = setup();
      const first = [hubspotEvent(), hubspotEvent({ subscriptionType: 'contact.propertyChange', propertyName: 'email', propertyValue: 'a@example.com' })];
      const second = [hubspotEvent({ portalId: OTHER_PORTAL, subscriptionType: 'contact.deletion', changeFlag: 'DELETED' })];

      // Act
      const response = await call(signedDelivery([first[0], second[0], first[1]]));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toEqual({ received: 3, messages: 2 });
      const messages = queue.messages();
      expect(messages).toHaveLength(2);
      expect(messages.find((m) => m.portalId === PORTAL)).toEqual(queuedMessage(PORTAL, first));
      expect(messages.find((m) => m.portalId === OTHER_PORTAL)).toEqual(queuedMessage(OTHER_PORTAL, second));
      // The route counts nothing: the consumer counts the events as it settles them.
      expect(await stats.totals()).toEqual(ZERO_TOTALS);
    });

    it('keeps fields HubSpot adds that this version does not know, so nothing is lost on the way to the consumer', async () => {
      // Prepare
      const { queue, call } = setup();
      const sent = [hubspotEvent({ someFutureField: { nested: true } })];

      // Act
      const response = await call(signedDelivery(sent));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.messages()[0]?.events).toEqual(sent);
    });

    it('splits a large delivery into several messages, each under the SQS limit of 256 KB, losing no event', async () => {
      // Prepare: 100 property changes of about 5 KB each, over 500 KB in all but under 1 MB.
      const { queue, call } = setup();
      const sent = Array.from({ length: 100 }, (_, i) =>
        hubspotEvent({ subscriptionType: 'contact.propertyChange', propertyName: 'message', propertyValue: `${i}:`.padEnd(5 * 1024, 'x') }),
      );
      const request = signedDelivery(sent);
      expect(Buffer.byteLength(request.body!)).toBeGreaterThan(500 * 1024);
      expect(Buffer.byteLength(request.body!)).toBeLessThan(1024 * 1024);

      // Act
      const response = await call(request);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.bodies.length).toBeGreaterThan(1);
      expect(response.body).toEqual({ received: 100, messages: queue.bodies.length });
      for (const body of queue.bodies) expect(Buffer.byteLength(body)).toBeLessThan(256 * 1024);
      const messages = queue.messages();
      expect(messages.every((m) => m.portalId === PORTAL && (m as { receivedAt?: string }).receivedAt === T0.toISOString())).toBe(true);
      expect(messages.flatMap((m) => m.events)).toEqual(sent);
    });

    it('answers 200 for a portal this deployment does not serve and queues its events, for the consumer to skip and count', async () => {
      // Prepare
      const { queue, stats, call } = setup();
      const known = hubspotEvent();
      const unknown = [hubspotEvent({ portalId: UNKNOWN_PORTAL }), hubspotEvent({ portalId: UNKNOWN_PORTAL })];

      // Act
      const response = await call(signedDelivery([unknown[0], known, unknown[1]]));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toEqual({ received: 3, messages: 2 });
      expect(queue.messages().find((m) => m.portalId === UNKNOWN_PORTAL)).toEqual(queuedMessage(UNKNOWN_PORTAL, unknown));
      expect(queue.messages().find((m) => m.portalId === PORTAL)).toEqual(queuedMessage(PORTAL, [known]));
      expect(await stats.totals()).toEqual(ZERO_TOTALS);
    });

    it('queues an event type the consumer does not handle (deal.creation) along with the rest, in the order sent', async () => {
      // Prepare
      const { queue, stats, call } = setup();
      const contact = hubspotEvent();
      const deal = hubspotEvent({ subscriptionType: 'deal.creation', objectTypeId: '0-3' });
      const association = hubspotEvent({ subscriptionType: 'contact.associationChange' });

      // Act
      const response = await call(signedDelivery([deal, contact, association]));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toEqual({ received: 3, messages: 1 });
      expect(queue.messages()).toEqual([queuedMessage(PORTAL, [deal, contact, association])]);
      expect(await stats.totals()).toEqual(ZERO_TOTALS);
    });

    it('queues a delivery HubSpot sends again as it came, the same events under the same keys (the consumer counts them once)', async () => {
      // Prepare
      const { queue, call } = setup();
      const sent = [hubspotEvent(), hubspotEvent({ portalId: OTHER_PORTAL })];

      // Act
      const first = await call(signedDelivery(sent));
      const again = await call(signedDelivery(sent, { timestamp: T0.getTime() - 1000 }));

      // Assess
      expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
      expect(first.body).toEqual(again.body);
      const keys = sent.map((e) => eventKey(HubSpotEventSchema.parse(e)));
      expect(queuedKeys(queue).sort()).toEqual([...keys, ...keys].sort());
    });

    it('answers 503 when the queue refuses the events, so HubSpot sends the delivery again; nothing counted', async () => {
      // Prepare
      const { queue, stats, call } = setup();
      queue.refuseAll = true;

      // Act
      const response = await call(signedDelivery([hubspotEvent()]));

      // Assess
      expect(response.statusCode).toBe(503);
      expect(contractError(response).code).toBe('queue_unavailable');
      expect(queue.bodies).toEqual([]);
      expect(await stats.totals()).toEqual(ZERO_TOTALS);
    });

    it('answers 200 and queues the events while the statistics store is down: the route does not touch it', async () => {
      // Prepare: statistics that fail on any use.
      const touched: PropertyKey[] = [];
      const broken = new Proxy({} as WebhookStats, {
        get(_target, name) {
          touched.push(name);
          throw new Error('DynamoDB unavailable');
        },
      });
      const { queue, call } = setup({ stats: broken });
      const sent = [hubspotEvent()];

      // Act
      const response = await call(signedDelivery(sent));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(queue.messages()).toEqual([queuedMessage(PORTAL, sent)]);
      expect(touched).toEqual([]);
    });
  });

  describe('POST /webhooks/hubspot, refused deliveries', () => {
    it('answers 413 for a body over 1 MB; nothing queued or counted', async () => {
      // Prepare
      const { queue, stats, call } = setup();
      const big = [hubspotEvent({ subscriptionType: 'contact.propertyChange', propertyName: 'message', propertyValue: 'x'.repeat(1024 * 1024) })];

      // Act
      const response = await call(signedDelivery(big));

      // Assess
      expect(response.statusCode).toBe(413);
      expect(contractError(response).code).toBe('payload_too_large');
      expect(queue.bodies).toEqual([]);
      expect(await stats.totals()).toEqual(ZERO_TOTALS);
    });

    it('answers 415 for a correctly signed body of another content type; nothing queued', async () => {
      // Prepare
      const { queue, call } = setup();

      // Act
      const response = await call(signedDelivery([hubspotEvent()], { contentType: 'text/plain' }));

      // Assess
      expect(response.statusCode).toBe(415);
      expect(contractError(response).code).toBe('unsupported_media_type');
      expect(queue.bodies).toEqual([]);
    });

    it('answers 400 malformed_json for a signed body that is not JSON; nothing queued', async () => {
      // Prepare
      const { queue, stats, call } = setup();

      // Act
      const response = await call(signedDelivery(undefined, { body: '[{"eventId":1,' }));

      // Assess
      expect(response.statusCode).toBe(400);
      expect(contractError(response).code).toBe('malformed_json');
      expect(queue.bodies).toEqual([]);
      expect(await stats.totals()).toEqual(ZERO_TOTALS);
    });

    it.each<[string, unknown[], string]>([
      ['an event without objectId', [hubspotEvent(), (({ objectId: _o, ...rest }) => rest)(hubspotEvent())], '1.objectId'],
      ['an event whose objectId is a string', [{ ...hubspotEvent(), objectId: '123' }], '0.objectId'],
      ['an event without portalId', [(({ portalId: _p, ...rest }) => rest)(hubspotEvent())], '0.portalId'],
      ['a propertyValue that is not a string', [hubspotEvent({ subscriptionType: 'contact.propertyChange', propertyValue: 42 })], '0.propertyValue'],
    ])('answers 400 validation_error naming the path for %s; nothing queued', async (_what, sent, path) => {
      // Prepare
      const { queue, stats, call } = setup();

      // Act
      const response = await call(signedDelivery(sent));

      // Assess
      expect(response.statusCode).toBe(400);
      const error = contractError(response);
      expect(error.code).toBe('validation_error');
      expect(error.details.map((d) => d.path)).toContain(path);
      expect(queue.bodies).toEqual([]);
      expect(await stats.totals()).toEqual(ZERO_TOTALS);
    });

    it.each<[string, unknown]>([
      ['more than 100 events', Array.from({ length: 101 }, () => hubspotEvent())],
      ['an empty array', []],
      ['an object instead of an array', hubspotEvent()],
    ])('answers 400 validation_error for %s; nothing queued', async (_what, sent) => {
      // Prepare
      const { queue, call } = setup();

      // Act
      const response = await call(signedDelivery(sent));

      // Assess
      expect(response.statusCode).toBe(400);
      expect(contractError(response).code).toBe('validation_error');
      expect(queue.bodies).toEqual([]);
    });
  });

  describe('GET /integrations/hubspot/webhook-status', () => {
    it('shows the portal\'s daily API quota, and until when it is spent (issue 13 §3)', async () => {
      let quota: Awaited<ReturnType<HubSpotWebhookDeps['dailyQuota']>> = { limit: 650_000, remaining: 0, observedAt: T0.getTime() - 60_000, exhaustedUntil: T0.getTime() + 3_600_000 };
      const { call } = setup({ dailyQuota: async () => quota });

      const spent = (await call(statusRequest)).body;
      quota = { limit: 650_000, remaining: 1_234, observedAt: T0.getTime() - 60_000 };
      const left = (await call(statusRequest)).body;

      expect(spent).toMatchObject({ dailyQuota: { limit: 650_000, remaining: 0, observedAt: new Date(T0.getTime() - 60_000).toISOString(), spentUntil: new Date(T0.getTime() + 3_600_000).toISOString() } });
      expect(left).toMatchObject({ dailyQuota: { limit: 650_000, remaining: 1_234 } });
      expect((left as { dailyQuota: object }).dailyQuota).not.toHaveProperty('spentUntil');
    });

    it('shows what the consumer counted (received, skipped by reason, processed, failed), the subscriptions and the URL to configure', async () => {
      // Prepare: two deliveries queued, and a forged one refused.
      const { queue, stats, call } = setup({ publicBaseUrl: `${BASE_URL}/` });
      const [contact, deal, unknown] = [hubspotEvent(), hubspotEvent({ subscriptionType: 'deal.creation' }), hubspotEvent({ portalId: UNKNOWN_PORTAL })];
      const [echo, failing] = [hubspotEvent(), hubspotEvent()];
      await call(signedDelivery([contact, deal, unknown]));
      await call(signedDelivery([echo, failing], { timestamp: T0.getTime() - 1000 }));
      await call(signedDelivery([hubspotEvent()], { secret: 'forged' }));
      const key = (event: Record<string, unknown>) => eventKey(HubSpotEventSchema.parse(event));
      expect(queuedKeys(queue).sort()).toEqual([contact, deal, unknown, echo, failing].map(key).sort());
      // Nothing shows before the consumer settles the queued events.
      expect((await call(statusRequest)).body).toMatchObject({ totalReceived: 0, lastReceivedAt: null });
      // The consumer settles them (as the inbound consumer would) with the time the route stamped.
      const receivedAt = queue.messages().map((m) => (m as { receivedAt?: string }).receivedAt)[0];
      await stats.settle(
        new Map([
          [key(contact), { status: 'processed', action: 'created' } as const],
          [key(deal), { status: 'skipped', reason: 'unsupported_event' } as const],
          [key(unknown), { status: 'skipped', reason: 'unknown_portal' } as const],
          [key(echo), { status: 'skipped', reason: 'echo' } as const],
        ]),
        receivedAt,
      );
      await stats.failed([key(failing)], receivedAt);

      // Act
      const response = await call(statusRequest);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toEqual({
        enabled: true,
        portalId: String(PORTAL),
        totalReceived: 5,
        totalProcessed: 1,
        totalSkipped: 3,
        skippedByReason: { unsupported_event: 1, unknown_portal: 1, echo: 1 },
        totalFailed: 1,
        lastReceivedAt: T0.toISOString(),
        events: ['contact.creation', 'contact.propertyChange', 'contact.deletion'],
        webhookUrl: `${BASE_URL}${PATH}`,
      });
    });

    it('shows zeros and no lastReceivedAt before any delivery', async () => {
      // Prepare
      const { call } = setup();

      // Act
      const response = await call(statusRequest);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toMatchObject({ enabled: true, totalReceived: 0, totalProcessed: 0, totalSkipped: 0, skippedByReason: {}, totalFailed: 0, lastReceivedAt: null });
    });

    it('shows enabled:false when the client secret cannot be read', async () => {
      // Prepare
      const { call } = setup({ clientSecret: async () => Promise.reject(new Error('AccessDeniedException')) });

      // Act
      const response = await call(statusRequest);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toMatchObject({ enabled: false, webhookUrl: `${BASE_URL}${PATH}` });
    });

    it('shows enabled:false when the client secret is empty', async () => {
      // Prepare
      const { call } = setup({ clientSecret: async () => '' });

      // Act
      const response = await call(statusRequest);

      // Assess
      expect(response.body).toMatchObject({ enabled: false, reason: 'Secret hubspot.clientSecret is not set' });
    });

    it('shows enabled:false, naming the field, when the client secret is still the stack placeholder', async () => {
      const { call } = setup({ clientSecret: async () => 'REPLACE_ME' });
      const response = await call(statusRequest);
      expect(response.body).toMatchObject({ enabled: false, reason: 'Secret hubspot.clientSecret still holds the placeholder REPLACE_ME' });
    });

    it('shows enabled:false with the reason when the portal of the token cannot be found', async () => {
      // Prepare: HubSpot refuses the token's account-details read (no oauth scope).
      const { call } = setup({ primaryPortalId: async () => Promise.reject(new MisconfiguredError('HubSpot refused the access token when asked which portal it belongs to (403)')) });

      // Act
      const response = await call(statusRequest);

      // Assess
      expect(response.body).toMatchObject({ enabled: false, reason: expect.stringContaining('which portal it belongs to (403)') });
      expect(response.body).not.toHaveProperty('portalId');
    });
  });
});
