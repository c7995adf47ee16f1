/**
 * `npm run sync -- setup hubspot` against the HubSpot sandbox: creates the origin property and,
 * for a public app, the webhook settings and subscriptions; re-running changes nothing
 * (409 → read → only missing options added; subscriptions compared before any write).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotClient } from '../../functions/connectors/hubspot/client.js';
import { contactProperties, ensureProperties } from '../../functions/connectors/hubspot/setup.js';
import { ensureWebhooks, privateAppWebhookSteps } from '../../functions/connectors/hubspot/webhook-setup.js';
import { APP_ID } from '../../lib/local/sandboxes/hubspot/errors.js';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { HUBSPOT_WEBHOOK_EVENTS } from '../../lib/topology.js';

const TOKEN = 'pat-setup-test';
const DEVELOPER_KEY = 'dev-key-setup-test';
let sandbox: HubSpotSandbox;
let client: HubSpotClient;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, seed: false, developerApiKey: DEVELOPER_KEY });
  client = new HubSpotClient({ baseUrl: sandbox.url, accessToken: async () => TOKEN });
});

afterAll(async () => {
  await sandbox?.close();
});

async function originOptions(): Promise<string[]> {
  const response = await fetch(`${sandbox.url}/crm/v3/properties/contacts/lead_source_system`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await response.json()) as { type: string; options: { value: string }[] };
  expect(body.type).toBe('enumeration');
  return body.options.map((o) => o.value).sort();
}

describe('setup hubspot', () => {
  const TURBOTENANT_PROPERTIES = ['property_title', 'property_type', 'monthly_rent', 'lead_source', 'utm_medium', 'utm_campaign', 'created_date', 'platform_source', 'managed_by', 'created_by'];

  it('creates lead_source_system with every origin and the TurboTenant properties, then changes nothing on a re-run', async () => {
    expect(await ensureProperties(client, 'contacts', contactProperties('platform'))).toEqual(
      ['lead_source_system', ...TURBOTENANT_PROPERTIES].map((property) => ({ property, action: 'created' })),
    );
    expect(await originOptions()).toEqual(['buildium', 'hubspot', 'manual', 'platform', 'turbotenant']);
    const rent = (await (await fetch(`${sandbox.url}/crm/v3/properties/contacts/monthly_rent`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { type: string };
    expect(rent.type).toBe('number');
    const writesBefore = sandbox.requests().filter((r) => r.method !== 'GET').length;

    expect((await ensureProperties(client, 'contacts', contactProperties('platform'))).every((a) => a.action === 'unchanged')).toBe(true);
    // Only the refused creates (409) were written; nothing was changed.
    const writes = sandbox.requests().filter((r) => r.method !== 'GET').slice(writesBefore);
    expect(new Set(writes.map((r) => `${r.method} ${r.status}`))).toEqual(new Set(['POST 409']));
  });

  it('adds a new PLATFORM_SOURCE_VALUE to the existing options without dropping any', async () => {
    expect(await ensureProperties(client, 'contacts', contactProperties('beworking'))).toContainEqual({ property: 'lead_source_system', action: 'updated' });
    expect(await originOptions()).toEqual(['beworking', 'buildium', 'hubspot', 'manual', 'platform', 'turbotenant']);
  });
});

describe('setup hubspot: webhooks', () => {
  const options = {
    appId: String(APP_ID),
    developerApiKey: DEVELOPER_KEY,
    targetUrl: 'https://crm-sync.example.com/webhooks/hubspot',
    events: HUBSPOT_WEBHOOK_EVENTS,
    propertyNames: ['email', 'firstname'],
  };

  it('sets the target URL and one active subscription per event (per property for changes), then changes nothing on a re-run', async () => {
    // Act
    const first = await ensureWebhooks(client, options);
    // Assess
    expect(first).toContainEqual({ item: 'settings', action: 'created' });
    expect(sandbox.webhookSettings()).toMatchObject({ targetUrl: options.targetUrl });
    const subscriptions = sandbox.webhookSubscriptions().map((s) => `${s.eventType}${s.propertyName ? `:${s.propertyName}` : ''}:${s.active}`);
    expect(subscriptions.sort()).toEqual(
      [
        'contact.creation:true',
        'contact.deletion:true',
        'contact.merge:true',
        'contact.privacyDeletion:true',
        'contact.propertyChange:email:true',
        'contact.propertyChange:firstname:true',
        'contact.restore:true',
      ].sort(),
    );
    // The developer key travels as hapikey, never as the private app's bearer token.
    const writesBefore = sandbox.requests().filter((r) => r.method !== 'GET').length;
    expect((await ensureWebhooks(client, options)).every((a) => a.action === 'unchanged')).toBe(true);
    expect(sandbox.requests().filter((r) => r.method !== 'GET').length).toBe(writesBefore);
  });

  it('moves the target URL and reactivates a paused subscription', async () => {
    // Prepare: someone paused the deletion subscription in HubSpot.
    await ensureWebhooks(client, options);
    const deletion = sandbox.webhookSubscriptions().find((s) => s.eventType === 'contact.deletion')!;
    await fetch(`${sandbox.url}/webhooks/v3/${APP_ID}/subscriptions/${deletion.id}?hapikey=${DEVELOPER_KEY}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ active: false }),
    });
    // Act
    const actions = await ensureWebhooks(client, { ...options, targetUrl: 'https://other.example.com/webhooks/hubspot' });
    // Assess
    expect(actions).toContainEqual({ item: 'settings', action: 'updated' });
    expect(actions).toContainEqual({ item: 'contact.deletion', action: 'updated' });
    expect(sandbox.webhookSettings()).toMatchObject({ targetUrl: 'https://other.example.com/webhooks/hubspot' });
    expect(sandbox.webhookSubscriptions().find((s) => s.id === deletion.id)?.active).toBe(true);
  });

  it('fails clearly on a wrong developer key', async () => {
    await expect(ensureWebhooks(client, { ...options, developerApiKey: 'wrong' })).rejects.toThrow(/401|credentials/);
  });

  it('prints the exact UI steps for a private app, with the URL and every subscription', () => {
    const steps = privateAppWebhookSteps('https://crm-sync.example.com/webhooks/hubspot', HUBSPOT_WEBHOOK_EVENTS, ['email']);
    expect(steps).toContain('Target URL: https://crm-sync.example.com/webhooks/hubspot');
    for (const event of HUBSPOT_WEBHOOK_EVENTS.filter((e) => e !== 'contact.propertyChange')) expect(steps).toContain(`- ${event}`);
    expect(steps).toContain('- contact.propertyChange (property: email)');
    expect(steps).toContain('clientSecret');
  });
});
