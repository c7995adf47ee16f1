import { describe, expect, it } from 'vitest';
import { makeHandler, type LeadEventsDeps } from '../../functions/lead-events/handler.js';
import { InMemoryLeadStore, InMemoryPersistenceLayer, RecordingQueue, storedLead, T0 } from './support/fakes.js';
import { answer, contractError, httpEvent, lambdaContext, type HttpRequest } from './support/lambda.js';


function setup(existing: ConstructorParameters<typeof InMemoryLeadStore>[0] = []) {
  const store = new InMemoryLeadStore(existing);
  const queue = new RecordingQueue();
  const idempotencyStore = new InMemoryPersistenceLayer();
  let n = 0;
  const deps: LeadEventsDeps = { leads: store, queue, idempotencyStore, newId: () => `lead-${(n += 1)}`, now: () => T0 };
  const handler = makeHandler(() => deps);
  const call = async (request: HttpRequest) => answer(await handler(httpEvent(request), lambdaContext('lead-events')));
  return { store, queue, idempotencyStore, call };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const postLead = (body: unknown, headers: Record<string, string> = JSON_HEADERS): HttpRequest => ({
  method: 'POST',
  route: '/leads',
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const CONTRACT_LEAD = {
  email: 'ana@example.com',
  firstName: 'Ana',
  lastName: 'Ruiz',
  phone: '+341234567',
  message: 'Interested in ...',
  source: 'web_form',
  externalId: 'optional-caller-id',
};

describe('lead-events handler', () => {
  describe('POST /leads', () => {
    it('answers 202 {leadId, status: PENDING}, stores the lead with a trimmed, lower-cased email and queues it', async () => {
      // Prepare
      const { store, queue, call } = setup();

      // Act
      const response = await call(postLead({ ...CONTRACT_LEAD, email: '  Ana@Example.COM ' }));

      // Assess
      expect(response.statusCode).toBe(202);
      expect(response.body).toEqual({ leadId: 'lead-1', status: 'PENDING' });
      expect(store.leads.get('lead-1')).toMatchObject({ ...CONTRACT_LEAD, email: 'ana@example.com', hubspot: { syncStatus: 'PENDING' } });
      expect(queue.queuedIds).toEqual(['lead-1']);
    });

    it('accepts a JSON content type with a charset', async () => {
      // Prepare
      const { call } = setup();

      // Act
      const response = await call(postLead({ email: 'ana@example.com' }, { 'Content-Type': 'application/json; charset=utf-8' }));

      // Assess
      expect(response.statusCode).toBe(202);
    });

    it('still answers 202 when the queue is down: the lead waits PENDING for the reconciliation', async () => {
      // Prepare
      const { store, queue, call } = setup();
      queue.throws = new Error('SQS unavailable');

      // Act
      const response = await call(postLead({ email: 'ana@example.com' }));

      // Assess
      expect(response.statusCode).toBe(202);
      expect(store.leads.get('lead-1')!.hubspot.syncStatus).toBe('PENDING');
    });

    it.each([
      ['missing email', { firstName: 'Ana' }, 'email'],
      ['invalid email', { email: 'not-an-email' }, 'email'],
      ['email of the wrong type', { email: 42 }, 'email'],
      ['a name of the wrong type', { email: 'ana@example.com', firstName: ['Ana'] }, 'firstName'],
      ['an unknown field', { email: 'ana@example.com', favouriteColour: 'blue' }, 'favouriteColour'],
    ])('answers 400 validation_error naming the field for %s; nothing stored or queued', async (_what, body, path) => {
      // Prepare
      const { store, queue, call } = setup();

      // Act
      const response = await call(postLead(body));

      // Assess
      expect(response.statusCode).toBe(400);
      const error = contractError(response);
      expect(error.code).toBe('validation_error');
      expect(error.details.map((d) => d.path)).toContain(path);
      expect(store.leads.size).toBe(0);
      expect(queue.sent).toEqual([]);
    });

    it.each([
      ['malformed JSON', postLead('{"email": "ana@example.com"'), 400, 'malformed_json'],
      ['an empty body', postLead(''), 400, 'malformed_json'],
      ['a text content type', postLead({ email: 'ana@example.com' }, { 'content-type': 'text/plain' }), 415, undefined],
      ['a form content type', postLead('email=ana%40example.com', { 'content-type': 'application/x-www-form-urlencoded' }), 415, undefined],
      ['no content type', postLead({ email: 'ana@example.com' }, {}), 415, undefined],
      [
        'a body over 256 KB',
        postLead({ email: 'ana@example.com', message: 'x'.repeat(256 * 1024) }),
        413,
        undefined,
      ],
    ] as const)('answers %s with its status in the error shape; nothing stored or queued', async (_what, request, status, code) => {
      // Prepare
      const { store, queue, call } = setup();

      // Act
      const response = await call(request);

      // Assess
      expect(response.statusCode).toBe(status);
      const error = contractError(response);
      if (code) expect(error.code).toBe(code);
      expect(store.leads.size).toBe(0);
      expect(queue.sent).toEqual([]);
    });

    it('reads a base64-encoded body as API Gateway may send it', async () => {
      // Prepare
      const { store, call } = setup();
      const body = Buffer.from(JSON.stringify({ email: 'Bo@Example.com', firstName: 'Bö' })).toString('base64');

      // Act
      const response = await call({ ...postLead(''), body, isBase64Encoded: true });

      // Assess
      expect(response.statusCode).toBe(202);
      expect(store.leads.get('lead-1')).toMatchObject({ email: 'bo@example.com', firstName: 'Bö' });
    });

    describe('Idempotency-Key', () => {
      it('answers a repeated key with the same answer and stores and queues one lead', async () => {
        // Prepare
        const { store, queue, call } = setup();
        const request = postLead(CONTRACT_LEAD, { ...JSON_HEADERS, 'Idempotency-Key': 'order-7781' });

        // Act
        const first = await call(request);
        const second = await call(request);

        // Assess
        expect(first.statusCode).toBe(202);
        expect(second.statusCode).toBe(202);
        expect(second.body).toEqual(first.body);
        expect(store.leads.size).toBe(1);
        expect(queue.queuedIds).toHaveLength(1);
      });

      it('treats the same lead with a differently written email as the same request', async () => {
        // Prepare
        const { store, call } = setup();

        // Act
        const first = await call(postLead({ email: 'ana@example.com' }, { ...JSON_HEADERS, 'idempotency-key': 'k-1' }));
        const second = await call(postLead({ email: ' ANA@example.com' }, { ...JSON_HEADERS, 'idempotency-key': 'k-1' }));

        // Assess
        expect(second.body).toEqual(first.body);
        expect(store.leads.size).toBe(1);
      });

      it('answers 409 idempotency_key_reused when the key comes back with a different lead', async () => {
        // Prepare
        const { store, queue, call } = setup();
        await call(postLead({ email: 'ana@example.com' }, { ...JSON_HEADERS, 'Idempotency-Key': 'k-2' }));

        // Act
        const reused = await call(postLead({ email: 'bo@example.com' }, { ...JSON_HEADERS, 'Idempotency-Key': 'k-2' }));

        // Assess
        expect(reused.statusCode).toBe(409);
        expect(contractError(reused).code).toBe('idempotency_key_reused');
        expect(store.leads.size).toBe(1);
        expect(queue.queuedIds).toHaveLength(1);
      });

      it('keeps different keys apart', async () => {
        // Prepare
        const { store, call } = setup();

        // Act
        await call(postLead({ email: 'ana@example.com' }, { ...JSON_HEADERS, 'Idempotency-Key': 'k-a' }));
        await call(postLead({ email: 'ana@example.com' }, { ...JSON_HEADERS, 'Idempotency-Key': 'k-b' }));

        // Assess
        expect(store.leads.size).toBe(2);
      });

      it('lets a key be used again after the first attempt failed', async () => {
        // Prepare
        const { store, call } = setup();
        const request = postLead({ email: 'ana@example.com' }, { ...JSON_HEADERS, 'Idempotency-Key': 'k-retry' });
        store.failCreate = new Error('DynamoDB throttled');
        const failed = await call(request);
        store.failCreate = undefined;

        // Act
        const retried = await call(request);

        // Assess
        expect(failed.statusCode).toBe(500);
        expect(retried.statusCode).toBe(202);
        expect(store.leads.size).toBe(1);
      });
    });
  });

  describe('reading leads', () => {
    const synced = storedLead(
      'lead-9',
      { email: 'ana@example.com', firstName: 'Ana', source: 'web_form' },
      { hubspot: { syncStatus: 'SYNCED', id: '501', syncedAt: '2025-10-12T10:00:05.000Z', attempts: 1, lastAttemptAt: '2025-10-12T10:00:05.000Z', syncedHash: 'internal' } },
    );

    it('GET /leads/{leadId} answers 200 with the lead in the contract\'s shape', async () => {
      // Prepare
      const { call } = setup([synced]);

      // Act
      const response = await call({ method: 'GET', route: '/leads/{leadId}', path: '/leads/lead-9', pathParameters: { leadId: 'lead-9' } });

      // Assess
      expect(response.statusCode).toBe(200);
      const body = response.body as Record<string, unknown>;
      expect(body).toMatchObject({
        leadId: 'lead-9',
        email: 'ana@example.com',
        firstName: 'Ana',
        lastName: null,
        phone: null,
        message: null,
        source: 'web_form',
        createdAt: T0.toISOString(),
        updatedAt: T0.toISOString(),
      });
      // CONTRACT.md "The lead as read back": exactly these keys, absent values null.
      expect(body.hubspot).toEqual({
        id: '501',
        syncStatus: 'SYNCED',
        syncedAt: '2025-10-12T10:00:05.000Z',
        error: null,
        attempts: 1,
        lastAttemptAt: '2025-10-12T10:00:05.000Z',
      });
      expect(body.crmMetadata).toEqual({ sourceSystem: 'platform', lastSyncDirection: null, syncVersion: 0, lastModifiedInCrm: null });
    });

    it('GET /leads/{leadId} answers 404 in the error shape for an unknown lead', async () => {
      // Prepare
      const { call } = setup([synced]);

      // Act
      const response = await call({ method: 'GET', route: '/leads/{leadId}', path: '/leads/nobody', pathParameters: { leadId: 'nobody' } });

      // Assess
      expect(response.statusCode).toBe(404);
      expect(contractError(response).code).toBe('not_found');
    });

    it('GET /leads?email= matches the normalised email and lists the leads', async () => {
      // Prepare
      const other = storedLead('lead-10', { email: 'bo@example.com' });
      const { store, call } = setup([synced, other]);

      // Act
      const response = await call({ method: 'GET', route: '/leads', query: { email: '  ANA@Example.com ' } });

      // Assess
      expect(response.statusCode).toBe(200);
      const { leads } = response.body as { leads: { leadId: string; hubspot: { syncStatus: string } }[] };
      expect(leads.map((l) => l.leadId)).toEqual(['lead-9']);
      expect(leads[0]!.hubspot.syncStatus).toBe('SYNCED');
      expect(store.operations).toContain('findByEmail:ana@example.com');
    });

    it('GET /leads?email= answers an empty list when nobody has that email', async () => {
      // Prepare
      const { call } = setup([synced]);

      // Act
      const response = await call({ method: 'GET', route: '/leads', query: { email: 'nobody@example.com' } });

      // Assess
      expect(response).toMatchObject({ statusCode: 200, body: { leads: [] } });
    });

    it('GET /leads without a valid email answers 400 naming the parameter', async () => {
      // Prepare
      const { call } = setup([synced]);

      // Act
      const response = await call({ method: 'GET', route: '/leads', query: { email: 'nope' } });

      // Assess
      expect(response.statusCode).toBe(400);
      expect(contractError(response).details.map((d) => d.path)).toContain('email');
    });
  });
});
