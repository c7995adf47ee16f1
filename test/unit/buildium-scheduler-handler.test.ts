/**
 * The buildium-scheduler's HTTP routes (functions/buildium-scheduler/handler.ts) as a caller,
 * Buildium and a forger see them: starting a job (202 and one `advance` queued, or a contract
 * error), reading a job, Buildium webhooks (bare 401 and nothing queued unless the signature
 * holds; 400 naming the field; one `records` message), the configuration and manual reviews.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeHandler, type BuildiumSchedulerDeps } from '../../functions/buildium-scheduler/handler.js';
import { signBuildium } from '../../functions/connectors/buildium/signature.js';
import { BUILDIUM_CURSOR } from '../../functions/core/buildium-messages.js';
import { InMemoryBuildiumConfig, InMemoryCursors, InMemoryJobLedger, RecordingSyncQueue } from './support/buildium-fakes.js';
import { answer, contractError, httpEvent, lambdaContext, type HttpRequest } from './support/lambda.js';

const NOW = new Date('2025-10-12T10:00:00.000Z');
const SECRET = 'whsec_bd_0c9f1e7a';
const JOB = 'job-7f3a';
const WEBHOOK_JOB = 'webhooks-2025-10-12';

function setup() {
  const jobs = new InMemoryJobLedger(() => NOW);
  const queue = new RecordingSyncQueue();
  const cursors = new InMemoryCursors();
  const config = new InMemoryBuildiumConfig();
  const deps: BuildiumSchedulerDeps = {
    // The handler's deps name the DynamoDB adapters (classes with private members): the
    // in-memory ones implement every method the handler calls.
    jobs: jobs as unknown as BuildiumSchedulerDeps['jobs'],
    cursors: cursors as unknown as BuildiumSchedulerDeps['cursors'],
    config: config as unknown as BuildiumSchedulerDeps['config'],
    queue,
    webhookSecret: async () => SECRET,
    pageSize: 1000,
    overlapSeconds: 120,
    now: () => NOW,
    newId: () => JOB,
  };
  const handler = makeHandler(() => deps);
  const send = async (event: APIGatewayProxyEventV2) => answer(await handler(event, lambdaContext('buildium-scheduler')));
  const call = (request: HttpRequest) => send(httpEvent(request));
  return { jobs, queue, cursors, config, call, send };
}

/** HttpRequest knows GET and POST; the configuration is written with PUT. */
function put(route: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): APIGatewayProxyEventV2 {
  const event = httpEvent({ method: 'POST', route, headers, body });
  return { ...event, routeKey: `PUT ${route}`, requestContext: { ...event.requestContext, routeKey: `PUT ${route}`, http: { ...event.requestContext.http, method: 'PUT' } } };
}

const syncRequest = (body?: string, contentType = 'application/json'): HttpRequest => ({
  method: 'POST',
  route: '/sync/buildium',
  ...(body !== undefined ? { body, headers: { 'content-type': contentType } } : {}),
});

describe('POST /sync/buildium', () => {
  it('opens a full job, answers 202 with its id and queues its first step', async () => {
    // Prepare
    const { call, queue, jobs } = setup();
    // Act
    const response = await call(syncRequest('{"mode":"full"}'));
    // Assess
    expect(response).toMatchObject({ statusCode: 202, body: { jobId: JOB } });
    expect(queue.messages).toEqual([{ kind: 'advance', jobId: JOB, phase: 0 }]);
    expect(await jobs.state(JOB)).toMatchObject({ mode: 'full', status: 'pending', windowTo: NOW.toISOString() });
  });

  it('opens an incremental job from the cursor when there is no body', async () => {
    // Prepare
    const { call, queue, jobs, cursors } = setup();
    await cursors.set(BUILDIUM_CURSOR, '2025-10-12T09:00:00.000Z');
    // Act
    const response = await call(syncRequest());
    // Assess
    expect(response).toMatchObject({ statusCode: 202, body: { jobId: JOB } });
    expect(await jobs.state(JOB)).toMatchObject({ mode: 'incremental', windowFrom: '2025-10-12T08:58:00.000Z' });
    expect(queue.messages).toHaveLength(1);
  });

  it('refuses an unknown mode with a 400 naming mode, and opens nothing', async () => {
    // Prepare
    const { call, queue, jobs } = setup();
    // Act
    const response = await call(syncRequest('{"mode":"nightly"}'));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(contractError(response).details.map((d) => d.path)).toEqual(['mode']);
    expect(queue.messages).toEqual([]);
    expect(await jobs.state(JOB)).toBeUndefined();
  });

  it('refuses a body that is not JSON by its content type with a 415', async () => {
    // Prepare
    const { call, queue } = setup();
    // Act
    const response = await call(syncRequest('mode=full', 'application/x-www-form-urlencoded'));
    // Assess
    expect(response.statusCode).toBe(415);
    expect(contractError(response).code).toBe('unsupported_media_type');
    expect(queue.messages).toEqual([]);
  });

  it('answers 503 when the queue refuses the first step', async () => {
    // Prepare
    const { call, queue } = setup();
    queue.refuseAll = true;
    // Act
    const response = await call(syncRequest('{"mode":"full"}'));
    // Assess
    expect(response.statusCode).toBe(503);
    expect(contractError(response).code).toBe('queue_unavailable');
  });
});

describe('GET /sync/jobs/{jobId}', () => {
  it('answers 404 for a job it does not know', async () => {
    const { call } = setup();
    const response = await call({ method: 'GET', route: '/sync/jobs/{jobId}', path: '/sync/jobs/nope', pathParameters: { jobId: 'nope' } });
    expect(response.statusCode).toBe(404);
    expect(contractError(response)).toMatchObject({ code: 'not_found', message: expect.stringContaining('nope') });
  });

  it('shows a job it opened with its counts', async () => {
    const { call } = setup();
    await call(syncRequest('{"mode":"full"}'));
    const response = await call({ method: 'GET', route: '/sync/jobs/{jobId}', path: `/sync/jobs/${JOB}`, pathParameters: { jobId: JOB } });
    expect(response).toMatchObject({ statusCode: 200, body: { jobId: JOB, mode: 'full', status: 'pending', completedAt: null, counts: { processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 } } });
  });
});

describe('GET /sync/jobs/{jobId}/errors', () => {
  it('lists the sync errors with their retry counts and the data-quality summary', async () => {
    // Prepare
    const { call, jobs } = setup();
    await jobs.open(JOB, 'full');
    jobs.count(JOB, '0#tenants#0', { processed: 3, created: 1, updated: 0, skipped: 0, failed: 2, invalid: 1, duplicateEmails: 1 });
    const errors = [
      { entity: 'tenant', sourceId: '100007', errorType: 'validation_error' as const, reason: 'email: Valid email required' },
      { entity: 'lease', sourceId: '500001', errorType: 'mapping_error' as const, reason: 'not in HubSpot yet: tenant 100007; associated once they are' },
    ];
    await jobs.recordErrors(JOB, errors);
    await jobs.recordErrors(JOB, errors.slice(1));
    // Act
    const response = await call({ method: 'GET', route: '/sync/jobs/{jobId}/errors', path: `/sync/jobs/${JOB}/errors`, pathParameters: { jobId: JOB } });
    // Assess
    expect(response).toMatchObject({
      statusCode: 200,
      body: {
        jobId: JOB,
        quality: { invalid: 1, duplicateEmails: 1, validationErrors: 1, apiErrors: 0, mappingErrors: 1 },
        errors: [
          { ...errors[0], retries: 1, resolved: false },
          { ...errors[1], retries: 2, resolved: false },
        ],
      },
    });
  });
});

describe('POST /sync/jobs/{jobId}/errors/{entity}/{sourceId}/resolve', () => {
  it('marks a sync error resolved, and answers 404 for one the job does not have', async () => {
    // Prepare
    const { call, jobs } = setup();
    await jobs.open(JOB, 'full');
    await jobs.recordErrors(JOB, [{ entity: 'tenant', sourceId: '100007', errorType: 'validation_error', reason: 'email: Valid email required' }]);
    const resolve = (sourceId: string) =>
      call({ method: 'POST', route: '/sync/jobs/{jobId}/errors/{entity}/{sourceId}/resolve', path: `/sync/jobs/${JOB}/errors/tenant/${sourceId}/resolve`, pathParameters: { jobId: JOB, entity: 'tenant', sourceId } });
    // Act
    const missing = await resolve('100008');
    const done = await resolve('100007');
    // Assess
    expect(missing.statusCode).toBe(404);
    expect(done).toMatchObject({ statusCode: 200, body: { resolved: true } });
    expect(await jobs.errors(JOB)).toEqual([expect.objectContaining({ sourceId: '100007', resolved: true, retries: 1 })]);
  });
});

describe('POST /webhooks/buildium', () => {
  const event = { EventName: 'LeaseTenant.Updated', EventDateTime: '2025-10-12T09:59:12.4310000Z', AccountId: 123456, TenantId: 100042 };
  const BODY = JSON.stringify(event);
  const seconds = (date: Date) => String(Math.floor(date.getTime() / 1000));

  function delivery(body: string, options: { timestamp?: string; signedBody?: string; secret?: string; headers?: Record<string, string> } = {}): HttpRequest {
    const timestamp = options.timestamp ?? seconds(NOW);
    return {
      method: 'POST',
      route: '/webhooks/buildium',
      headers: options.headers ?? {
        'content-type': 'application/json',
        'buildium-webhook-timestamp': timestamp,
        'buildium-webhook-signature': signBuildium(options.secret ?? SECRET, timestamp, options.signedBody ?? body),
      },
      body,
    };
  }

  it('queues one records message naming the tenant for a signed event', async () => {
    // Prepare
    const { call, queue, jobs } = setup();
    // Act
    const response = await call(delivery(BODY));
    // Assess
    expect(response).toMatchObject({ statusCode: 200, body: { status: 'queued' } });
    expect(queue.messages).toEqual([{ kind: 'records', jobId: WEBHOOK_JOB, key: expect.any(String), refs: [{ list: 'tenants', id: 100042 }] }]);
    expect(await jobs.state(WEBHOOK_JOB)).toMatchObject({ status: 'running' });
  });

  it('accepts a pretty-printed body signed over its compact form', async () => {
    // Prepare
    const { call, queue } = setup();
    // Act
    const response = await call(delivery(JSON.stringify(event, null, 2), { signedBody: BODY }));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(queue.messages).toMatchObject([{ kind: 'records', refs: [{ list: 'tenants', id: 100042 }] }]);
  });

  it.each<[string, HttpRequest]>([
    ['a body changed after signing', { ...delivery(BODY), body: BODY.replace('100042', '100043') }],
    ['signed with another secret', delivery(BODY, { secret: 'whsec_forged' })],
    ['a timestamp more than 5 minutes old', delivery(BODY, { timestamp: seconds(new Date(NOW.getTime() - 5 * 60_000 - 1000)) })],
    ['no signature headers', delivery(BODY, { headers: { 'content-type': 'application/json' } })],
  ])('answers a bare 401 and queues nothing for %s', async (_name, request) => {
    // Prepare
    const { call, queue, jobs } = setup();
    // Act
    const response = await call(request);
    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body).toEqual({ error: { code: 'unauthorized', message: 'Unauthorized', details: [] } });
    expect(queue.messages).toEqual([]);
    expect(await jobs.state(WEBHOOK_JOB)).toBeUndefined();
  });

  it('answers 400 naming the field for a signed event that names no record', async () => {
    // Prepare
    const { call, queue } = setup();
    const body = JSON.stringify({ EventName: 'Rental.Updated', EventDateTime: '2025-10-12T09:59:12.4310000Z', AccountId: 123456 });
    // Act
    const response = await call(delivery(body));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(contractError(response).details).toEqual([{ path: 'EventName', message: expect.stringMatching(/PropertyId, UnitId, LeaseId or TenantId/) }]);
    expect(queue.messages).toEqual([]);
  });

  it('answers 200 and queues nothing for a deletion', async () => {
    const { call, queue } = setup();
    const response = await call(delivery(JSON.stringify({ EventName: 'Lease.Deleted', EventDateTime: '2025-10-12T09:59:12.4310000Z', AccountId: 123456, LeaseId: 500311 })));
    expect(response).toMatchObject({ statusCode: 200, body: { status: 'ignored' } });
    expect(queue.messages).toEqual([]);
  });
});

describe('GET and PUT /sync/buildium/config', () => {
  it('refuses an invalid override with a 400 naming its path, and keeps the configuration', async () => {
    // Prepare
    const { send, config } = setup();
    const body = JSON.stringify({ overrides: [{ entity: 'tenant', source: 'Comment', property: 'Tenant Notes' }] });
    // Act
    const response = await send(put('/sync/buildium/config', body));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(contractError(response).details.map((d) => d.path)).toEqual(['overrides.0.property']);
    expect(config.stored).toBeUndefined();
  });

  it('stores a valid configuration and GET returns it', async () => {
    // Prepare
    const { send, call } = setup();
    const wanted = {
      overrides: [{ entity: 'tenant', source: 'DateOfBirth', property: 'date_of_birth', active: true }],
      conflictStrategy: 'merge_fields',
      mergeFields: { phone: 'target' },
    };
    // Act
    const response = await send(put('/sync/buildium/config', JSON.stringify(wanted)));
    const read = await call({ method: 'GET', route: '/sync/buildium/config' });
    // Assess
    expect(response).toMatchObject({ statusCode: 200, body: wanted });
    expect(read).toMatchObject({ statusCode: 200, body: wanted });
  });
});

describe('manual reviews', () => {
  it('queues the record again under the chosen side and closes the review', async () => {
    // Prepare
    const { call, jobs, queue } = setup();
    await jobs.open(JOB, 'incremental');
    await jobs.review(JOB, [{ entity: 'tenant', sourceId: '100042', hubspotType: 'contacts', hubspotId: '9001', fields: ['phone'] }]);
    const resolve = (resolution: string): HttpRequest => ({
      method: 'POST',
      route: '/sync/buildium/reviews/{entity}/{sourceId}',
      path: '/sync/buildium/reviews/tenant/100042',
      pathParameters: { entity: 'tenant', sourceId: '100042' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resolution }),
    });
    // Act
    const response = await call(resolve('hubspot'));
    const again = await call(resolve('hubspot'));
    // Assess
    expect(response).toMatchObject({ statusCode: 202, body: { entity: 'tenant', sourceId: '100042', resolution: 'hubspot', status: 'queued' } });
    expect(queue.messages).toMatchObject([{ kind: 'records', jobId: JOB, refs: [{ list: 'tenants', id: 100042 }], strategy: 'hubspot_wins' }]);
    expect((await call({ method: 'GET', route: '/sync/buildium/reviews' })).body).toEqual({ reviews: [] });
    expect(again.statusCode).toBe(404);
  });
});
