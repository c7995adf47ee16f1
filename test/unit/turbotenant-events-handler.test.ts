/**
 * `POST /events/turbotenant` (CONTRACT.md): signature → 401 with nothing recorded or queued; zod →
 * 400 naming the field; 202 `{"status":"accepted","event_id"}`; the same event id again accepted
 * with no second effect; 503 when the queue refuses. And the confirmation and mapping reads.
 */
import { describe, expect, it } from 'vitest';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { makeHandler, type TurboTenantEventsDeps } from '../../functions/turbotenant-events/handler.js';
import type { Confirmation } from '../../functions/store/event-confirmations.js';
import { RecordingSender, T0 } from './support/fakes.js';
import { answer, httpEvent, lambdaContext } from './support/lambda.js';

const SECRET = 'tt-test-signing-secret';

class MemoryConfirmations {
  readonly items = new Map<string, Confirmation>();
  async accept(eventId: string): Promise<'new' | 'known'> {
    if (this.items.has(eventId)) return 'known';
    this.items.set(eventId, { eventId, status: 'pending', acceptedAt: T0.toISOString() });
    return 'new';
  }
  async get(eventId: string) {
    return this.items.get(eventId);
  }
}

function setup() {
  const confirmations = new MemoryConfirmations();
  const queue = new RecordingSender();
  const deps: TurboTenantEventsDeps = {
    webhookSecret: async () => SECRET,
    confirmations,
    mappings: {
      get: async (system, type, sourceId) =>
        sourceId === 'PROP_1001' ? { system, type, sourceId, hubspotType: 'deals', hubspotId: 'D1', syncHash: 'h', lastSyncedAt: '2025-10-12T21:53:05Z' } : undefined,
    },
    queue,
    now: () => T0,
  };
  const handler = makeHandler(() => deps);
  const call = async (event: ReturnType<typeof httpEvent>) => answer(await handler(event, lambdaContext('turbotenant-events')));
  return { confirmations, queue, call };
}

const validEvent = {
  event_id: 'evt_01',
  event_type: 'property_created',
  occurred_at: '2025-10-12T21:53:00Z',
  landlord_id: 'LL_1001',
  property_id: 'PROP_1001',
  metadata: { utm_source: 'connectlinx', utm_medium: 'form', utm_campaign: 'landlord_property_onboarding', platform_source: 'viviaturbo.live' },
};

function post(body: unknown, headers?: Record<string, string>) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return httpEvent({
    method: 'POST',
    route: '/events/turbotenant',
    headers: { 'content-type': 'application/json', ...(headers ?? turboTenantSignatureHeaders(SECRET, raw, T0.getTime())) },
    body: raw,
  });
}

describe('POST /events/turbotenant', () => {
  it('accepts a signed event with 202, records it pending and queues it once', async () => {
    const { confirmations, queue, call } = setup();
    const response = await call(post(validEvent));
    expect(response.statusCode).toBe(202);
    expect(response.body).toEqual({ status: 'accepted', event_id: 'evt_01' });
    expect(confirmations.items.get('evt_01')?.status).toBe('pending');
    expect(queue.bodies.map((b) => JSON.parse(b))).toEqual([
      { event: { eventId: 'evt_01', type: 'property_created', occurredAt: '2025-10-12T21:53:00Z', landlordId: 'LL_1001', propertyId: 'PROP_1001', metadata: validEvent.metadata } },
    ]);
  });

  it('accepts the same event id again with no second effect once it is settled', async () => {
    const { confirmations, queue, call } = setup();
    await call(post(validEvent));
    confirmations.items.set('evt_01', { ...confirmations.items.get('evt_01')!, status: 'success' });
    const again = await call(post(validEvent));
    expect(again.statusCode).toBe(202);
    expect(queue.bodies).toHaveLength(1);
  });

  it.each([
    ['a wrong secret', () => turboTenantSignatureHeaders('not-the-secret', JSON.stringify(validEvent), T0.getTime())],
    ['a stale timestamp', () => turboTenantSignatureHeaders(SECRET, JSON.stringify(validEvent), T0.getTime() - 6 * 60_000)],
    ['no signature', () => ({})],
  ])('refuses %s with a bare 401, recording and queueing nothing', async (_name, headers) => {
    const { confirmations, queue, call } = setup();
    const response = await call(post(validEvent, headers()));
    expect(response.statusCode).toBe(401);
    expect((response.body as { error: { message: string } }).error.message).toBe('Unauthorized');
    expect(confirmations.items.size).toBe(0);
    expect(queue.bodies).toHaveLength(0);
  });

  it.each([
    ['event_id', { ...validEvent, event_id: '' }],
    ['event_type', { ...validEvent, event_type: 'landlord_deleted' }],
    ['lead', { ...validEvent, event_type: 'lead_created' }],
    ['occurred_at', { ...validEvent, occurred_at: 'yesterday' }],
  ])('answers 400 naming %s, and records nothing', async (field, body) => {
    const { confirmations, queue, call } = setup();
    const response = await call(post(body));
    expect(response.statusCode).toBe(400);
    expect((response.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toContain(field);
    expect(confirmations.items.size).toBe(0);
    expect(queue.bodies).toHaveLength(0);
  });

  it('answers 503 when the queue refuses, so TurboTenant sends it again (and then it is queued)', async () => {
    const { queue, call } = setup();
    queue.refuseAll = true;
    expect((await call(post(validEvent))).statusCode).toBe(503);
    queue.refuseAll = false;
    expect((await call(post(validEvent))).statusCode).toBe(202);
    expect(queue.bodies).toHaveLength(1);
  });
});

describe('GET /events/turbotenant/{eventId} and GET /mappings/...', () => {
  it('shows pending, and 404 for an unknown event', async () => {
    const { call } = setup();
    await call(post(validEvent));
    const pending = await call(httpEvent({ method: 'GET', route: '/events/turbotenant/{eventId}', path: '/events/turbotenant/evt_01', pathParameters: { eventId: 'evt_01' } }));
    expect(pending.body).toEqual({ status: 'pending', event_id: 'evt_01' });
    const missing = await call(httpEvent({ method: 'GET', route: '/events/turbotenant/{eventId}', path: '/events/turbotenant/nope', pathParameters: { eventId: 'nope' } }));
    expect(missing.statusCode).toBe(404);
  });

  it('shows a mapping in the contract\'s shape, and 404 for an unknown one', async () => {
    const { call } = setup();
    const route = '/mappings/{system}/{type}/{sourceId}';
    const found = await call(httpEvent({ method: 'GET', route, path: '/mappings/turbotenant/property/PROP_1001', pathParameters: { system: 'turbotenant', type: 'property', sourceId: 'PROP_1001' } }));
    expect(found.body).toEqual({ system: 'turbotenant', type: 'property', sourceId: 'PROP_1001', hubspotType: 'deals', hubspotId: 'D1', syncHash: 'h', lastSyncedAt: '2025-10-12T21:53:05Z' });
    const missing = await call(httpEvent({ method: 'GET', route, path: '/mappings/turbotenant/property/X', pathParameters: { system: 'turbotenant', type: 'property', sourceId: 'X' } }));
    expect(missing.statusCode).toBe(404);
  });
});
