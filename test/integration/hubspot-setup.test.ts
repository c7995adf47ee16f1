/**
 * `npm run sync -- setup hubspot` against the HubSpot sandbox: creates the origin property, and
 * re-running changes nothing (409 → read → only missing options added).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotClient } from '../../functions/connectors/hubspot/client.js';
import { contactProperties, ensureProperties } from '../../functions/connectors/hubspot/setup.js';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';

const TOKEN = 'pat-setup-test';
let sandbox: HubSpotSandbox;
let client: HubSpotClient;

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, seed: false });
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
  it('creates lead_source_system with every origin, then changes nothing on a re-run', async () => {
    expect(await ensureProperties(client, 'contacts', contactProperties('platform'))).toEqual([{ property: 'lead_source_system', action: 'created' }]);
    expect(await originOptions()).toEqual(['buildium', 'hubspot', 'manual', 'platform', 'turbotenant']);
    const writesBefore = sandbox.requests().filter((r) => r.method !== 'GET').length;

    expect(await ensureProperties(client, 'contacts', contactProperties('platform'))).toEqual([{ property: 'lead_source_system', action: 'unchanged' }]);
    // Only the refused create (409) was written; nothing was changed.
    const writes = sandbox.requests().filter((r) => r.method !== 'GET').slice(writesBefore);
    expect(writes.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 409']);
  });

  it('adds a new PLATFORM_SOURCE_VALUE to the existing options without dropping any', async () => {
    expect(await ensureProperties(client, 'contacts', contactProperties('beworking'))).toEqual([{ property: 'lead_source_system', action: 'updated' }]);
    expect(await originOptions()).toEqual(['beworking', 'buildium', 'hubspot', 'manual', 'platform', 'turbotenant']);
  });
});
