/**
 * A new user's first run (issue 12 §1, §2, §3, §6): the local stack given only what a
 * developer-platform app hands out — a static access token and the app's client secret, no portal
 * id. The portal is asked of HubSpot (the sandbox's account details); signed deliveries of legacy
 * `contact.*` and generic `object.*` events become leads; a Buildium full sync writes the Unit
 * custom object of the portal found; a forged privacy deletion of a live contact erases nothing;
 * and no flow calls a legacy (v3/v4) HubSpot path. Then the same stack with the stack's placeholder
 * in the secret: the status says why nothing can work, a Buildium job fails with that reason
 * instead of staying `running`, and the webhook route refuses deliveries signed with the
 * placeholder. Only the stack's HTTP API and the sandboxes' handles are used.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededPropertyCreated, stackApi } from './support/stack-api.js';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { PORTAL_ID } from '../../lib/local/sandboxes/hubspot/errors.js';
import type { HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { SANDBOX_HUBSPOT_CLIENT_SECRET, SANDBOX_HUBSPOT_TOKEN, SANDBOX_TURBOTENANT_WEBHOOK_SECRET, startLocalStack, type LocalStack } from '../../lib/local/stack.js';

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LEGACY_PATH = /\/crm\/v[34]\/|\/crm-object-schemas\/v3\/|\/associations\/v4\//;

/** The API of the stack given (this file starts two). */
const api = (stack: LocalStack, ...args: Parameters<ReturnType<typeof stackApi>>) => stackApi(() => stack.apiUrl)(...args);

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function runJob(stack: LocalStack, mode: 'full' | 'incremental'): Promise<Json> {
  const opened = await api(stack, 'POST', '/sync/buildium', { mode });
  expect(opened.status).toBe(202);
  return until(`job ${opened.body.jobId}`, async () => {
    const job = (await api(stack, 'GET', `/sync/jobs/${opened.body.jobId}`)).body;
    return job.status === 'completed' || job.status === 'failed' ? job : undefined;
  }, 60_000);
}

/** A delivery as a HubSpot app sends it, signed (v3) with `secret`. */
async function deliver(stack: LocalStack, events: readonly Json[], secret = SANDBOX_HUBSPOT_CLIENT_SECRET): Promise<number> {
  const body = JSON.stringify(events);
  const url = `${stack.apiUrl}/webhooks/hubspot`;
  const timestamp = String(Date.now());
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signV3(secret, 'POST', url, body, timestamp), 'x-hubspot-request-timestamp': timestamp },
    body,
  });
  return response.status;
}

/**
 * The stack given only a token and a client secret: nothing names the portal, neither the options
 * nor the environment. This file posts the deliveries itself (legacy and generic alike), so the
 * sandboxes send none.
 */
function startWithHubSpotSecret(accessToken: string, clientSecret: string): Promise<LocalStack> {
  delete process.env.HUBSPOT_PORTAL_ID;
  return startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'SILENT',
    hubspot: { accessToken, clientSecret, webhooks: false },
    turbotenant: { events: false },
    buildium: { webhooks: false },
  });
}

let nextEvent = 1;
const hubspotEvent = (subscriptionType: string, objectId: string, extra: Json = {}): Json => ({
  eventId: 880_000 + nextEvent,
  subscriptionId: 4242,
  portalId: PORTAL_ID,
  appId: 1,
  occurredAt: Date.now() + (nextEvent++),
  subscriptionType,
  attemptNumber: 0,
  objectId: Number(objectId),
  ...extra,
});

// A job or a flow meets cold execution environments first; runJob waits up to 60 s.
describe('the local stack with only an access token and a client secret', { timeout: 90_000 }, () => {
  let stack: LocalStack;
  let sandbox: HubSpotSandbox;

  beforeAll(async () => {
    stack = await startWithHubSpotSecret(SANDBOX_HUBSPOT_TOKEN, SANDBOX_HUBSPOT_CLIENT_SECRET);
    sandbox = stack.hubspot.sandbox!;
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('finds the portal from the token and says webhooks are enabled', async () => {
    const status = (await api(stack, 'GET', '/integrations/hubspot/webhook-status')).body;
    expect(status).toMatchObject({ enabled: true, portalId: String(PORTAL_ID) });
    expect(status).not.toHaveProperty('reason');
    expect(sandbox.requests().some((r) => r.method === 'GET' && r.path === '/account-info/2026-03/details')).toBe(true);
  });

  it('turns legacy contact.* and generic object.* events of contacts into leads, and skips other object types', async () => {
    // Prepare: two contacts a person created in HubSpot.
    const created = async (email: string, firstname: string) => {
      const response = await fetch(`${stack.hubspot.url}/crm/objects/2026-09/contacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_HUBSPOT_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { email, firstname } }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    };
    const legacyId = await created('lea.legacy@example.com', 'Lea');
    const genericId = await created('gus.generic@example.com', 'Gus');

    // Act
    expect(await deliver(stack, [hubspotEvent('contact.creation', legacyId)])).toBe(200);
    expect(await deliver(stack, [hubspotEvent('object.creation', genericId, { objectTypeId: '0-1' }), hubspotEvent('object.creation', '777', { objectTypeId: '0-3' })])).toBe(200);

    // Assess
    const leadOf = (email: string) => until(`a lead for ${email}`, async () => ((await api(stack, 'GET', `/leads?email=${email}`)).body.leads as Json[])[0]);
    expect(await leadOf('lea.legacy@example.com')).toMatchObject({ firstName: 'Lea', hubspot: { id: legacyId, syncStatus: 'SYNCED' }, crmMetadata: { sourceSystem: 'hubspot' } });
    expect(await leadOf('gus.generic@example.com')).toMatchObject({ firstName: 'Gus', hubspot: { id: genericId, syncStatus: 'SYNCED' } });
    const status = await until('the deal event counted', async () => {
      const s = (await api(stack, 'GET', '/integrations/hubspot/webhook-status')).body;
      return s.skippedByReason?.unsupported_object_type === 1 ? s : undefined;
    });
    expect(status.totalProcessed).toBeGreaterThanOrEqual(2);
  });

  it('does not erase a lead on a privacy deletion of a contact HubSpot still has (a forged or stale event)', async () => {
    // Prepare
    const [lead] = (await api(stack, 'GET', '/leads?email=lea.legacy@example.com')).body.leads as Json[];
    const before = (await api(stack, 'GET', '/integrations/hubspot/webhook-status')).body.totalReceived as number;
    // Act: signed correctly, but the contact is alive in HubSpot.
    expect(await deliver(stack, [hubspotEvent('contact.privacyDeletion', lead!.hubspot.id), hubspotEvent('object.deletion', lead!.hubspot.id, { objectTypeId: '0-1' })])).toBe(200);
    await until('both events counted', async () => ((await api(stack, 'GET', '/integrations/hubspot/webhook-status')).body.totalReceived as number) >= before + 2);
    // Assess
    const after = (await api(stack, 'GET', `/leads/${lead!.leadId}`)).body;
    expect(after).toMatchObject({ email: 'lea.legacy@example.com', firstName: 'Lea', hubspot: { id: lead!.hubspot.id, syncStatus: 'SYNCED' } });
  });

  it('runs a Buildium full sync into the Unit object of the portal it found', async () => {
    const job = await runJob(stack, 'full');
    expect(job).toMatchObject({ status: 'completed' });
    expect(job.counts.created).toBeGreaterThan(0);
    expect(sandbox.objects(`p${PORTAL_ID}_unit`).length).toBeGreaterThan(0);
  });

  it('syncs a platform lead and a TurboTenant property, and no flow called a legacy HubSpot path', async () => {
    const accepted = await api(stack, 'POST', '/leads', { email: 'pia.platform@example.com', firstName: 'Pia' });
    expect(accepted.status).toBe(202);
    await until('the lead synced', async () => (await api(stack, 'GET', `/leads/${accepted.body.leadId}`)).body.hubspot?.syncStatus === 'SYNCED');
    const event = seededPropertyCreated('evt_token_only_1', (raw) => turboTenantSignatureHeaders(SANDBOX_TURBOTENANT_WEBHOOK_SECRET, raw));
    const posted = await api(stack, 'POST', '/events/turbotenant', event.body, event.headers);
    expect(posted.status).toBe(202);
    const confirmed = await until('the TurboTenant event settled', async () => {
      const c = (await api(stack, 'GET', '/events/turbotenant/evt_token_only_1')).body;
      return c.status !== 'pending' ? c : undefined;
    });
    expect(confirmed).toMatchObject({ status: 'success' });
    const legacy = sandbox.requests().filter((r) => LEGACY_PATH.test(r.path));
    expect(legacy.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });
});

describe('the local stack with the stack placeholder in its HubSpot secret', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startWithHubSpotSecret('REPLACE_ME', 'REPLACE_ME');
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('says webhooks are disabled and why, naming the field', async () => {
    const status = (await api(stack, 'GET', '/integrations/hubspot/webhook-status')).body;
    expect(status).toMatchObject({ enabled: false, reason: expect.stringContaining('Secret hubspot.clientSecret still holds the placeholder REPLACE_ME') });
  });

  it('`npm run sync -- status` prints why HubSpot webhooks cannot work, and exits non-zero', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // Asynchronous: the stack answering the CLI runs in this process.
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'bin/sync.ts'), 'status'], { env: { ...process.env, API_URL: stack.apiUrl } });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('close', (exit) => done({ code: exit, stdout: out }));
    });
    expect(stdout).toContain('HubSpot webhooks: DISABLED: Secret hubspot.clientSecret still holds the placeholder REPLACE_ME');
    expect(code).toBe(1);
  }, 30_000);

  it('refuses a delivery signed with the placeholder (anyone can compute it) and counts nothing', async () => {
    expect(await deliver(stack, [hubspotEvent('contact.creation', '1')], 'REPLACE_ME')).toBe(401);
    expect((await api(stack, 'GET', '/integrations/hubspot/webhook-status')).body.totalReceived).toBe(0);
  });

  it('fails a Buildium job with the reason instead of leaving it running', async () => {
    const job = await runJob(stack, 'full');
    expect(job).toMatchObject({ status: 'failed', reason: expect.stringMatching(/hubspot\.accessToken still holds the placeholder/) });
  });
});
