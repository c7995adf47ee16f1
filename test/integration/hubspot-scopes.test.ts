/**
 * The scope list (functions/connectors/hubspot/scopes.ts) against the calls the code makes: every
 * HubSpot call the flows and `setup hubspot` make, driven through their connectors against the
 * HubSpot sandbox and read back from its request log, must go through a scope of the list, and
 * every scope of the list must be the only one of the list that some call accepts.
 *
 * Which connector operations each flow uses is a static list (the `flows` below, one entry per port
 * method a flow calls); which HubSpot paths those operations call, and so which scopes they need,
 * comes from the requests themselves, whatever path form the connectors use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/sync.js';
import { readAccountDetails } from '../../functions/connectors/hubspot/account.js';
import { HubSpotClient } from '../../functions/connectors/hubspot/client.js';
import { HubSpotCrmAdapter } from '../../functions/connectors/hubspot/crm.js';
import { HubSpotObjectsAdapter } from '../../functions/connectors/hubspot/objects.js';
import { acceptedScopes, HUBSPOT_SCOPES, scopeFor } from '../../functions/connectors/hubspot/scopes.js';
import { ensureWebhooks } from '../../functions/connectors/hubspot/webhook-setup.js';
import { CONTACT_READ_PROPERTIES } from '../../functions/core/inbound-contacts.js';
import { seededRandom, startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { HUBSPOT_WEBHOOK_EVENTS } from '../../lib/topology.js';

const TOKEN = 'pat-na1-scopes-test-token';
const DEVELOPER_KEY = 'scopes-test-developer-key';
const CALL = { maxWaitMs: 10_000, timeoutMs: 10_000 };

let sandbox: HubSpotSandbox;
const listed = new Set<string>(HUBSPOT_SCOPES.map((s) => s.scope));

/** Runs the operator CLI in this process against the sandbox, its output kept out of the test log. */
async function setupHubSpot(): Promise<number> {
  const saved = { ...process.env };
  const [log, error] = [console.log, console.error];
  Object.assign(process.env, { HUBSPOT_BASE_URL: sandbox.url, HUBSPOT_ACCESS_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://crm.example.com' });
  console.log = console.error = () => undefined;
  try {
    return await main(['setup', 'hubspot']);
  } finally {
    [console.log, console.error] = [log, error];
    for (const key of ['HUBSPOT_BASE_URL', 'HUBSPOT_ACCESS_TOKEN', 'PUBLIC_BASE_URL']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, port: 0, rateLimit: { max: 100_000, intervalMs: 10_000 }, random: seededRandom(12), developerApiKey: DEVELOPER_KEY });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('HubSpot scopes against the calls the code makes', () => {
  it('every call goes through a scope of the list, and each scope of the list is the only way through for some call', async () => {
    // Setup, as an operator runs it: twice, the second run reading what the first created.
    expect(await setupHubSpot()).toBe(0);
    expect(await setupHubSpot()).toBe(0);

    const client = new HubSpotClient({ baseUrl: sandbox.url, accessToken: async () => TOKEN });
    const portalId = (await readAccountDetails(client)).portalId;
    const unitType = `p${portalId}_unit`;
    const crm = new HubSpotCrmAdapter(client);
    const objects = new HubSpotObjectsAdapter(client);

    const flows: Record<string, () => Promise<unknown>> = {
      // lead-outbound: platform leads to contacts.
      'leads: upsert contacts by email': () => client.upsertByEmail([{ email: 'ana@example.com', properties: { firstname: 'Ana' } }], CALL),
      // hubspot-inbound: the contacts webhook events name.
      'inbound: read contacts': async () => {
        const { written } = await client.upsertByEmail([{ email: 'bea@example.com', properties: { firstname: 'Bea' } }], CALL);
        return client.readContacts([written.get('bea@example.com')!.id], CONTACT_READ_PROPERTIES, CALL);
      },
      // turbotenant-sync: landlords and leads as contacts, properties as deals, and their associations.
      'turbotenant: contacts, deals, associations': async () => {
        const contacts = await crm.upsertContacts([{ email: 'landlord@example.com', properties: { firstname: 'Lee' } }]);
        const deals = await crm.upsertDeals([{ propertyId: 'PROP_1', properties: { dealname: 'Flat 1' } }]);
        await crm.associateContactsWithDeals([{ contactId: contacts.ids.get('landlord@example.com')!, dealId: deals.deals.get('PROP_1')!.id }]);
      },
      // buildium-sync: properties as listings, units, tenants, their associations and labels.
      'buildium: listings, units, tenants, associations': async () => {
        const listing = (await objects.upsert('0-420', 'buildium_property_id', [{ key: 'BP-1', properties: { name: 'Elm Court' } }])).written.get('BP-1')!.id;
        const unit = (await objects.upsert(unitType, 'buildium_unit_id', [{ key: 'BU-1', properties: { unit_number: '1A' } }])).written.get('BU-1')!.id;
        const tenant = (await objects.upsert('contacts', 'email', [{ key: 'tenant@example.com', properties: { buildium_tenant_id: 'T-1' } }])).written.get('tenant@example.com')!.id;
        const emergency = (await objects.upsert('contacts', 'email', [{ key: 'sos@example.com', properties: { firstname: 'Sam' } }])).written.get('sos@example.com')!.id;
        await objects.update('0-420', [{ id: listing, properties: { name: 'Elm Court East' } }]);
        await objects.update(unitType, [{ id: unit, properties: { unit_number: '1B' } }]);
        await objects.read('0-420', [listing], ['name']);
        await objects.read(unitType, [unit], ['unit_number']);
        await objects.read('contacts', [tenant], ['email']);
        await objects.associateDefault(unitType, '0-420', [{ fromId: unit, toId: listing }]);
        await objects.associateLabeled('contacts', unitType, 'active_tenant', [{ fromId: tenant, toId: unit }]);
        await objects.removeLabel('contacts', unitType, 'active_tenant', [{ fromId: tenant, toId: unit }]);
        await objects.associateLabeled('contacts', 'contacts', 'emergency_contact', [{ fromId: tenant, toId: emergency }]);
      },
      // A legacy public app already installed: its webhooks through the Webhooks API.
      'legacy public app: webhooks': () =>
        ensureWebhooks(client, {
          appId: '3141592',
          developerApiKey: DEVELOPER_KEY,
          targetUrl: 'https://crm.example.com/webhooks/hubspot',
          events: HUBSPOT_WEBHOOK_EVENTS,
          propertyNames: ['email'],
        }),
    };
    for (const [flow, run] of Object.entries(flows)) {
      await run().catch((error: unknown) => {
        throw new Error(`${flow}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }

    const calls = [...new Map(sandbox.requests().map((r) => [`${r.method} ${r.path}`, r])).values()];

    // (a) Every call goes through a scope of the list (or takes the app's own credentials).
    expect(calls.filter((c) => scopeFor(c.method, c.path) === undefined).map((c) => `${c.method} ${c.path} accepts ${acceptedScopes(c.method, c.path)?.join(' | ') ?? 'nothing known'}`)).toEqual([]);

    // (b) Each scope of the list is the only scope of the list some call accepts.
    const soleScopes = new Set(
      calls.map((c) => (acceptedScopes(c.method, c.path) ?? []).filter((s) => listed.has(s))).flatMap((inList) => (inList.length === 1 ? inList : [])),
    );
    expect(HUBSPOT_SCOPES.map((s) => s.scope).filter((s) => !soleScopes.has(s))).toEqual([]);
  });
});
