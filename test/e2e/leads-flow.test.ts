/**
 * Platform leads → HubSpot through the local stack's HTTP API only (as a caller sees it):
 * DynamoDB Local, the local SQS server with its redrive policy, the poller, the HubSpot sandbox.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsLeadQueue } from '../../functions/runtime/sqs-queue.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PORTAL_ID, startLocalStack, type LocalStack } from '../../lib/local/stack.js';
import { localSqsClient } from '../../lib/local/sqs.js';
import { localDynamoDbClient } from '../../lib/local/dynamodb.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoLeadStore } from '../../functions/store/lead-store.js';
import { newLead } from '../../functions/core/lead.js';
import { runSyncCli } from './support/sync-cli.js';

let stack: LocalStack;
let run = 0;
const unique = (name: string) => `${name}.${Date.now().toString(36)}.${(run += 1)}@example.com`;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'SILENT',
    // The outbound flow alone: the sandbox's webhook echoes (test/e2e/hubspot-webhooks.test.ts)
    // would add contact reads to the request counts asserted here.
    hubspot: { webhooks: false },
    // Two receives before the DLQ keeps the exhausted-retries path within a test's time.
    settings: { leadSync: { batchSize: 100, maxBatchingWindowSeconds: 1, maxConcurrency: 2, maxReceiveCount: 2 } },
  });
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(() => {
  stack.hubspot.sandbox!.clearFaults();
});

async function postLead(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function getLead(leadId: string) {
  const response = await fetch(`${stack.apiUrl}/leads/${leadId}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function waitForStatus(leadId: string, status: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getLead(leadId);
    if (body.hubspot?.syncStatus === status) return body;
    if (Date.now() > until) throw new Error(`lead ${leadId} is ${body.hubspot?.syncStatus}, not ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const contactByEmail = (email: string) => stack.hubspot.sandbox!.contacts().filter((c) => c.properties.email === email);

async function queueDepths() {
  const { url, dlqUrl } = stack.queues['lead-sync'];
  const { queue, deadLetter } = await new SqsLeadQueue(localSqsClient(stack.endpoints.sqs), { queueUrl: url, dlqUrl }).depths();
  return { queue: queue.visible + queue.inFlight, dlq: deadLetter.visible + deadLetter.inFlight };
}

describe('POST /leads → HubSpot contact', () => {
  it('stores the lead PENDING, then upserts a contact marked with the platform origin and reads SYNCED', async () => {
    // Prepare
    const email = unique('Ana.Ruiz');
    // Act
    const accepted = await postLead({ email: `  ${email.toUpperCase()} `, firstName: 'Ana', lastName: 'Ruiz', phone: '+341234567', message: 'Interested' });
    // Assess
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ leadId: expect.any(String), status: 'PENDING' });
    const lead = await waitForStatus(accepted.body.leadId, 'SYNCED');
    expect(lead.email).toBe(email.toLowerCase());
    expect(lead.hubspot).toMatchObject({ id: expect.any(String), error: null, attempts: 1, syncedAt: expect.any(String) });
    expect(lead.crmMetadata).toMatchObject({ sourceSystem: 'platform', lastSyncDirection: 'to_crm', syncVersion: 1 });
    const contacts = contactByEmail(email.toLowerCase());
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.id).toBe(lead.hubspot.id);
    expect(contacts[0]!.properties).toMatchObject({
      firstname: 'Ana',
      lastname: 'Ruiz',
      phone: '+341234567',
      message: 'Interested',
      lead_source_system: 'platform',
    });
  });

  it('answers a repeated Idempotency-Key with the same lead, and stores it once', async () => {
    const email = unique('repeat');
    const first = await postLead({ email }, { 'idempotency-key': `key-${email}` });
    const second = await postLead({ email }, { 'idempotency-key': `key-${email}` });
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    const conflict = await postLead({ email, firstName: 'Other' }, { 'idempotency-key': `key-${email}` });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_key_reused');
    const listed = (await (await fetch(`${stack.apiUrl}/leads?email=${encodeURIComponent(email)}`)).json()) as { leads: unknown[] };
    expect(listed.leads).toHaveLength(1);
  });

  it('fails only the lead HubSpot rejects in a batch (a per-input error) and syncs the rest', async () => {
    const sandbox = stack.hubspot.sandbox!;
    sandbox.addFault({ kind: 'inputError', emailPattern: '^rejected\\.', message: 'Email domain is blocked' });
    const bad = await postLead({ email: unique('rejected') });
    const good = await postLead({ email: unique('accepted') });
    const failed = await waitForStatus(bad.body.leadId, 'FAILED');
    const synced = await waitForStatus(good.body.leadId, 'SYNCED');
    expect(failed.hubspot.error).toContain('Email domain is blocked');
    expect(failed.hubspot.id).toBeNull();
    expect(synced.hubspot.id).toEqual(expect.any(String));
  });

  it('retries a HubSpot 500 with backoff, then syncs without a duplicate contact', async () => {
    stack.hubspot.sandbox!.addFault({ kind: 'status', status: 500, path: '/crm/objects/2026-09/contacts/batch/upsert', times: 1 });
    const email = unique('flaky');
    const { body } = await postLead({ email });
    const lead = await waitForStatus(body.leadId, 'SYNCED', 30_000);
    expect(lead.hubspot.attempts).toBe(2);
    expect(contactByEmail(email)).toHaveLength(1);
  });

  it('waits out a HubSpot 429 with the Retry-After it gave, then syncs', async () => {
    stack.hubspot.sandbox!.addFault({ kind: 'rateLimit', retryAfterSeconds: 1, path: '/crm/objects/2026-09/contacts/batch/upsert', times: 1 });
    const email = unique('throttled');
    const { body } = await postLead({ email });
    const lead = await waitForStatus(body.leadId, 'SYNCED', 30_000);
    // The 429 was a deferral, not an attempt (issue 13 §3): only the write that succeeded counts.
    expect(lead.hubspot.attempts).toBe(1);
    expect(contactByEmail(email)).toHaveLength(1);
    const statuses = stack.hubspot.sandbox!.requests().filter((r) => r.path.endsWith('/batch/upsert')).map((r) => r.status);
    expect(statuses).toContain(429);
  });

  it('marks a lead FAILED with HubSpot\'s message when HubSpot refuses the request itself (400)', async () => {
    stack.hubspot.sandbox!.addFault({ kind: 'status', status: 400, path: '/crm/objects/2026-09/contacts/batch/upsert', times: 1, message: 'Property values were not valid' });
    const { body } = await postLead({ email: unique('refused') });
    const failed = await waitForStatus(body.leadId, 'FAILED');
    expect(failed.hubspot.error).toMatch(/HubSpot 400: .*Property values were not valid/);
    expect(failed.hubspot.attempts).toBe(1);
  });

  it('parks a lead whose retries run out as FAILED with its message in the DLQ; resync-failed brings it back once', async () => {
    // Prepare: HubSpot keeps failing until the two receives are spent.
    stack.hubspot.sandbox!.addFault({ kind: 'status', status: 503, path: '/crm/objects/2026-09/contacts/batch/upsert' });
    const email = unique('exhausted');
    const { body } = await postLead({ email });
    const failed = await waitForStatus(body.leadId, 'FAILED', 40_000);
    expect(failed.hubspot.error).toMatch(/Retries exhausted after 2 attempts: HubSpot 503/);
    await expect.poll(async () => (await queueDepths()).dlq, { timeout: 15_000, interval: 250 }).toBe(1);
    stack.hubspot.sandbox!.clearFaults();
    // Act
    const response = await fetch(`${stack.apiUrl}/internal/leads/resync-failed`, { method: 'POST' });
    // Assess
    expect(response.status).toBe(200);
    // Every FAILED lead is requeued, including those earlier tests left; this one's message is the only one in the DLQ.
    const report = (await response.json()) as { requeued: number; redriven: number };
    expect(report.requeued).toBeGreaterThanOrEqual(1);
    expect(report.redriven).toBe(1);
    await waitForStatus(body.leadId, 'SYNCED', 30_000);
    await expect.poll(async () => queueDepths(), { timeout: 15_000, interval: 250 }).toEqual({ queue: 0, dlq: 0 });
    expect(contactByEmail(email)).toHaveLength(1);
  }, 90_000);

  it('the reconciliation schedule queues a lead that was stored but never queued', async () => {
    // Prepare: a lead left PENDING an hour ago with no message (its enqueue failed).
    const store = new DynamoLeadStore(createDocumentClient(localDynamoDbClient(stack.endpoints.dynamodb)), stack.tables.leads!);
    const email = unique('orphan');
    const lead = newLead({ email }, `orphan-${run}`, new Date(Date.now() - 60 * 60_000));
    await store.create(lead);
    // Act
    const fired = await fetch(`${stack.apiUrl}/__local/schedules/lead-reconcile`, { method: 'POST' });
    // Assess
    expect(fired.status).toBe(200);
    expect(((await fired.json()) as { result: { requeued: number } }).result.requeued).toBeGreaterThanOrEqual(1);
    await waitForStatus(lead.leadId, 'SYNCED');
    expect(contactByEmail(email)).toHaveLength(1);
  });

  it('a duplicate delivery of a synced lead makes no HubSpot call', async () => {
    const email = unique('dup');
    const { body } = await postLead({ email });
    await waitForStatus(body.leadId, 'SYNCED');
    const sandbox = stack.hubspot.sandbox!;
    const before = sandbox.requests().length;
    const sqs = localSqsClient(stack.endpoints.sqs);
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.queues['lead-sync'].url, MessageBody: JSON.stringify({ leadId: body.leadId }) }));
    await expect.poll(async () => (await queueDepths()).queue, { timeout: 15_000, interval: 200 }).toBe(0);
    expect(sandbox.requests().length).toBe(before);
    expect((await getLead(body.leadId)).body.hubspot.attempts).toBe(1);
  });
});

describe('operator CLI (npm run sync -- ...)', () => {
  it('status and resync-failed talk to the running stack', async () => {
    const { codes, lines: printed } = await runSyncCli(stack.apiUrl, ['status'], ['resync-failed'], ['setup', 'hubspot']);
    expect(codes).toEqual([0, 0, 0]);
    const status = JSON.parse(printed[0]!) as { leads: Record<string, number>; queues: Record<string, unknown> };
    expect(Object.keys(status.leads).sort()).toEqual(['FAILED', 'PENDING', 'RETRYING', 'UNLINKED']);
    expect(status.queues['lead-sync']).toMatchObject({ queue: { visible: expect.any(Number) }, deadLetter: { visible: expect.any(Number) } });
    // The HubSpot side, as webhook-status sees it: the portal was found from the token.
    expect(printed[1]).toBe(`HubSpot webhooks: enabled (portal ${SANDBOX_PORTAL_ID})`);
    // The portal's daily quota, as the lead flow last saw it in HubSpot's headers (issue 13 §3).
    expect(printed[2]).toMatch(/^HubSpot API daily quota: \d+ of \d+ remaining \(as of .+\)$/);
    expect(printed[3]).toMatch(/^requeued \d+ failed lead\(s\); redriven \d+ message\(s\) from the DLQ$/);
    // The stack ran the setup when it started, so a second run changes nothing.
    expect(printed[4]).toBe('contacts.lead_source_system: unchanged');
  });
});

describe('bad input changes nothing', () => {
  const cases: Array<[string, { body: string; contentType?: string }, number, string, string | undefined]> = [
    ['malformed JSON', { body: '{"email": ' }, 400, 'malformed_json', undefined],
    ['missing email', { body: JSON.stringify({ firstName: 'Ana' }) }, 400, 'validation_error', 'email'],
    ['invalid email', { body: JSON.stringify({ email: 'not-an-email' }) }, 400, 'validation_error', 'email'],
    ['wrong type', { body: JSON.stringify({ email: 'ok@example.com', firstName: 42 }) }, 400, 'validation_error', 'firstName'],
    ['unknown field', { body: JSON.stringify({ email: 'ok@example.com', budget: 100 }) }, 400, 'validation_error', 'budget'],
    ['wrong content type', { body: JSON.stringify({ email: 'ok@example.com' }), contentType: 'text/plain' }, 415, 'unsupported_media_type', 'headers.content-type'],
    ['body over 256 KB', { body: JSON.stringify({ email: 'ok@example.com', message: 'x'.repeat(300 * 1024) }) }, 413, 'payload_too_large', undefined],
  ];

  it.each(cases)('%s → %i %s', async (_name, request, status, code, path) => {
    const before = await queueDepths();
    const contactsBefore = stack.hubspot.sandbox!.contacts().length;
    const response = await fetch(`${stack.apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': request.contentType ?? 'application/json' },
      body: request.body,
    });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; message: string; details: Array<{ path: string }> } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
    if (path) expect(body.error.details.map((d) => d.path)).toContain(path);
    const listed = (await (await fetch(`${stack.apiUrl}/leads?email=ok%40example.com`)).json()) as { leads: unknown[] };
    expect(listed.leads).toEqual([]);
    expect((await queueDepths()).queue).toBe(before.queue);
    expect(stack.hubspot.sandbox!.contacts().length).toBe(contactsBefore);
  });

  it('GET /leads/{id} of an unknown lead → 404; GET /leads without a valid email → 400 naming it', async () => {
    const missing = await getLead('no-such-lead');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const response = await fetch(`${stack.apiUrl}/leads?email=nope`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.details[0].path).toBe('email');
  });
});
