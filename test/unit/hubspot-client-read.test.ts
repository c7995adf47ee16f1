import { describe, expect, it } from 'vitest';
import { HubSpotClient } from '../../functions/connectors/hubspot/client.js';
import { RetryableError } from '../../functions/core/errors.js';

function clientAnswering(status: number, body: unknown) {
  const requests: { url: string; body: unknown }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    requests.push({ url, body: JSON.parse(String(init.body)) });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { client: new HubSpotClient({ baseUrl: 'https://hubspot.test', accessToken: async () => 'pat', fetch }), requests };
}

const OPTIONS = { maxWaitMs: 0, timeoutMs: 1000 };

describe('HubSpotClient.readContacts (batch read)', () => {
  it('reads contacts by id in one call and leaves out those HubSpot does not know (207)', async () => {
    // Prepare
    const { client, requests } = clientAnswering(207, {
      status: 'COMPLETE',
      results: [{ id: '501', properties: { email: 'ana@example.com', firstname: null }, updatedAt: '2025-10-12T12:00:00.000Z', archived: false }],
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects', context: { ids: ['502'] } }],
    });
    // Act
    const contacts = await client.readContacts(['501', '502'], ['email', 'firstname'], OPTIONS);
    // Assess
    expect(requests[0]).toMatchObject({ url: 'https://hubspot.test/crm/objects/2026-09/contacts/batch/read', body: { inputs: [{ id: '501' }, { id: '502' }], properties: ['email', 'firstname'] } });
    expect([...contacts.keys()]).toEqual(['501']);
    expect(contacts.get('501')).toEqual({ id: '501', properties: { email: 'ana@example.com', firstname: null }, updatedAt: '2025-10-12T12:00:00.000Z' });
  });

  it('refuses more than 100 ids and fails clearly on an answer of another shape', async () => {
    const { client } = clientAnswering(200, { results: 'nope' });
    await expect(client.readContacts(Array.from({ length: 101 }, (_, i) => String(i)), [], OPTIONS)).rejects.toThrow(/at most 100/);
    await expect(client.readContacts(['1'], [], OPTIONS)).rejects.toBeInstanceOf(RetryableError);
  });
});
