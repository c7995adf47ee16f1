import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotClient } from '../../functions/connectors/hubspot/client.js';
import { associateContactsWithDeals, batchCreateDeals, batchUpdateDeals, readDeals } from '../../functions/connectors/hubspot/deals.js';
import { PermanentError, RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import { seededRandom, startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';

const TOKEN = 'pat-na1-deals-client-token';
const ROOMY = { max: 100_000, intervalMs: 10_000 };
const CALL = { maxWaitMs: 0, timeoutMs: 5_000 };

let sandbox: HubSpotSandbox;
let hubspot: HubSpotClient;

function clientFor(url: string, fetchImpl?: typeof fetch): HubSpotClient {
  return new HubSpotClient({ baseUrl: url, accessToken: async () => TOKEN, sleep: async () => undefined, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a failure');
}

/** Contacts created straight in the sandbox, for the deals to be associated with. */
async function contacts(count: number, prefix: string): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com`);
  const ids = new Map<string, string>();
  for (let start = 0; start < count; start += 100) {
    const res = await fetch(`${sandbox.url}/crm/v3/objects/contacts/batch/create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ inputs: emails.slice(start, start + 100).map((email) => ({ properties: { email } })) }),
    });
    const body = (await res.json()) as { results: Array<{ id: string; properties: { email: string } }> };
    for (const r of body.results) ids.set(r.properties.email, r.id);
  }
  return emails.map((email) => ids.get(email)!);
}

function dealName(id: string): string | null | undefined {
  return sandbox.deals().find((d) => d.id === id)?.properties.dealname;
}

beforeAll(async () => {
  // Seeded: batch create results come back shuffled, the same way on every run.
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, rateLimit: ROOMY, random: seededRandom(7) });
  hubspot = clientFor(sandbox.url);
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
});

describe('batchCreateDeals', () => {
  it('returns the deal ids in input order although HubSpot answers in another order', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => ({ properties: { dealname: `Property ${i}`, amount: String(1000 + i), dealstage: 'appointmentscheduled' } }));
    let answered: Array<{ objectWriteTraceId: string }> = [];
    const watching: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      answered = ((await res.clone().json()) as { results: typeof answered }).results;
      return res;
    };
    const { results } = await batchCreateDeals(clientFor(sandbox.url, watching), inputs, CALL);
    expect(answered.map((r) => r.objectWriteTraceId)).not.toEqual(inputs.map((_, i) => String(i)));
    expect(results).toHaveLength(12);
    results.forEach((r, i) => {
      expect(r.ok).toBe(true);
      if (r.ok) expect(dealName(r.id)).toBe(`Property ${i}`);
    });
    const [request] = sandbox.requests();
    expect(request).toMatchObject({ method: 'POST', path: '/crm/objects/2026-09/deals/batch/create', status: 201, inputs: 12 });
  });

  it('associates each new deal with its contacts in the same call', async () => {
    const [landlord] = await contacts(1, 'landlord-create-');
    sandbox.clearRequests();
    const { results } = await batchCreateDeals(hubspot, [{ properties: { dealname: '7 Oak Ave' }, contactIds: [landlord!, landlord!] }], CALL);
    const id = results[0]!.ok ? results[0]!.id : '';
    expect(sandbox.associations()).toContainEqual({ fromObjectType: 'contacts', fromObjectId: landlord, toObjectType: 'deals', toObjectId: id, category: 'HUBSPOT_DEFINED', associationTypeId: 4 });
    expect(sandbox.requests()).toHaveLength(1);
  });

  it("surfaces HubSpot's per-input errors (a 201 with errors on 2026-09) against the right inputs and keeps the others' ids", async () => {
    const { results } = await batchCreateDeals(
      hubspot,
      [{ properties: { dealname: 'Good 1' } }, { properties: { dealname: 'Bad stage', dealstage: 'lease_signed' } }, { properties: { dealname: 'Good 2' } }],
      CALL,
    );
    expect(sandbox.requests()[0]!.status).toBe(201);
    expect(results[0]!.ok && dealName(results[0]!.id)).toBe('Good 1');
    expect(results[2]!.ok && dealName(results[2]!.id)).toBe('Good 2');
    expect(results[1]).toEqual({ ok: false, error: expect.stringContaining('lease_signed was not one of the allowed options') });
    expect(results[1]!.ok ? '' : results[1]!.error).toMatch(/^VALIDATION_ERROR: /);
    expect(sandbox.deals().some((d) => d.properties.dealname === 'Bad stage')).toBe(false);
  });

  it('refuses more than 100 inputs before calling HubSpot', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ properties: { dealname: `Too many ${i}` } }));
    await expect(batchCreateDeals(hubspot, inputs, CALL)).rejects.toThrow('at most 100 deals per batch create, got 101');
    expect(sandbox.requests()).toEqual([]);
  });

  it('classifies failures as the contact calls do: 429 rate limited, 5xx retryable, a refused batch permanent', async () => {
    const input = [{ properties: { dealname: 'Classified' } }];
    // A client of its own: a 429 holds back the client's rate budget for the Retry-After.
    sandbox.addFault({ kind: 'rateLimit', path: '/crm/objects/2026-09/deals', times: 1, retryAfterSeconds: 2 });
    const limited = await failureOf(batchCreateDeals(clientFor(sandbox.url), input, CALL));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(2000);

    sandbox.addFault({ kind: 'status', status: 502, path: '/crm/objects/2026-09/deals', times: 1 });
    const failed = await failureOf(batchCreateDeals(hubspot, input, CALL));
    expect(failed).toBeInstanceOf(RetryableError);
    expect(failed).not.toBeInstanceOf(RateLimitedError);

    sandbox.addFault({ kind: 'status', status: 400, path: '/crm/objects/2026-09/deals', times: 1, message: 'Invalid input' });
    const refused = await failureOf(batchCreateDeals(hubspot, input, CALL));
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused.message).toContain('Invalid input');

    const wrongToken = new HubSpotClient({ baseUrl: sandbox.url, accessToken: async () => 'revoked', sleep: async () => undefined });
    expect(await failureOf(batchCreateDeals(wrongToken, input, CALL))).toBeInstanceOf(RetryableError);
    expect(sandbox.deals().some((d) => d.properties.dealname === 'Classified')).toBe(false);
  });

  it('an unreadable answer to a create is permanent (the deals may exist: a retry would duplicate them)', async () => {
    const garbled: typeof fetch = async () => new Response(JSON.stringify({ status: 'COMPLETE', results: [{ id: 1 }] }), { status: 201, headers: { 'content-type': 'application/json' } });
    const error = await failureOf(batchCreateDeals(clientFor('https://hubspot.test', garbled), [{ properties: { dealname: 'x' } }], CALL));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('the deals may have been created');
    // The same for an update is retryable: writing it again is harmless.
    const update = await failureOf(batchUpdateDeals(clientFor('https://hubspot.test', garbled), [{ id: '1', properties: { dealname: 'x' } }], CALL));
    expect(update).toBeInstanceOf(RetryableError);
  });
});

describe('batchUpdateDeals', () => {
  it('updates deals and reports a missing deal and an invalid stage against their own inputs, in input order', async () => {
    const created = await batchCreateDeals(hubspot, [{ properties: { dealname: 'Upd A' } }, { properties: { dealname: 'Upd B' } }], CALL);
    const [a, b] = created.results.map((r) => (r.ok ? r.id : ''));
    const { results } = await batchUpdateDeals(
      hubspot,
      [
        { id: '999999', properties: { amount: '1' } },
        { id: a!, properties: { dealstage: 'closedwon', amount: '2400' } },
        { id: b!, properties: { dealstage: 'moved_in' } },
      ],
      CALL,
    );
    expect(results[0]).toEqual({ ok: false, error: expect.stringContaining('OBJECT_NOT_FOUND') });
    expect(results[1]).toEqual({ ok: true, id: a });
    expect(results[2]).toEqual({ ok: false, error: expect.stringContaining('moved_in') });
    expect(sandbox.deals().find((d) => d.id === a)?.properties).toMatchObject({ dealstage: 'closedwon', amount: '2400' });
  });

  it('refuses a batch that names a deal twice before calling HubSpot', async () => {
    await expect(batchUpdateDeals(hubspot, [{ id: '1', properties: {} }, { id: '1', properties: {} }], CALL)).rejects.toThrow('appears twice');
    expect(sandbox.requests()).toEqual([]);
  });
});

describe('readDeals', () => {
  it('reads the properties asked for, leaves unknown ids out, and splits over 100 ids', async () => {
    const created = await batchCreateDeals(hubspot, [{ properties: { dealname: 'Read me', amount: '1500' } }], CALL);
    const id = created.results[0]!.ok ? created.results[0]!.id : '';
    sandbox.clearRequests();
    const ids = [id, ...Array.from({ length: 120 }, (_, i) => String(900_000 + i))];
    const found = await readDeals(hubspot, ids, ['dealname', 'amount'], CALL);
    expect([...found.keys()]).toEqual([id]);
    expect(found.get(id)).toMatchObject({ id, properties: { dealname: 'Read me', amount: '1500' } });
    expect(sandbox.requests().map((r) => r.inputs)).toEqual([100, 21]);
  });

  it('reads by a unique property, keyed by its value', async () => {
    await fetch(`${sandbox.url}/crm/v3/properties/deals`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'turbotenant_property_id', label: 'TurboTenant property ID', type: 'string', fieldType: 'text', groupName: 'dealinformation', hasUniqueValue: true }),
    });
    const created = await batchCreateDeals(hubspot, [{ properties: { dealname: 'By key', turbotenant_property_id: 'tt-41' } }], CALL);
    const found = await readDeals(hubspot, ['tt-41', 'tt-missing'], ['dealname'], { ...CALL, idProperty: 'turbotenant_property_id' });
    expect([...found.keys()]).toEqual(['tt-41']);
    expect(found.get('tt-41')?.id).toBe(created.results[0]!.ok ? created.results[0]!.id : 'none');
  });
});

describe('associateContactsWithDeals', () => {
  it('associates 150 pairs in two calls (100 + 50), visible from both sides', async () => {
    const contactIds = await contacts(150, 'assoc-');
    const created = await batchCreateDeals(hubspot, Array.from({ length: 75 }, (_, i) => ({ properties: { dealname: `Assoc ${i}` } })), CALL);
    const dealIds = created.results.map((r) => (r.ok ? r.id : ''));
    const pairs = contactIds.map((contactId, i) => ({ contactId, dealId: dealIds[i % 75]! }));
    sandbox.clearRequests();

    const result = await associateContactsWithDeals(hubspot, [...pairs, pairs[0]!], CALL);
    expect(result).toEqual({ associated: 150, rejected: [], calls: 2 });
    expect(sandbox.requests().map((r) => [r.path, r.inputs])).toEqual([
      ['/crm/associations/2026-09/contacts/deals/batch/associate/default', 100],
      ['/crm/associations/2026-09/contacts/deals/batch/associate/default', 50],
    ]);
    const dealToContacts = sandbox.associations().filter((a) => a.fromObjectType === 'deals' && a.fromObjectId === dealIds[0]);
    expect(dealToContacts.map((a) => [a.toObjectId, a.associationTypeId])).toEqual([
      [contactIds[0], 3],
      [contactIds[75], 3],
    ]);
  });

  it('reports the pair HubSpot refuses (a deal that does not exist) and associates the others', async () => {
    const [c1, c2] = await contacts(2, 'assoc-refused-');
    const created = await batchCreateDeals(hubspot, [{ properties: { dealname: 'Real deal' } }], CALL);
    const deal = created.results[0]!.ok ? created.results[0]!.id : '';
    const result = await associateContactsWithDeals(
      hubspot,
      [
        { contactId: c1!, dealId: deal },
        { contactId: c2!, dealId: '31337' },
      ],
      CALL,
    );
    expect(result.associated).toBe(1);
    expect(result.rejected).toEqual([{ contactId: c2, dealId: '31337', error: expect.stringContaining('No deal with ID 31337') }]);
    expect(sandbox.associations().some((a) => a.fromObjectId === c1 && a.toObjectId === deal)).toBe(true);
  });

  it('makes no call for no pairs', async () => {
    expect(await associateContactsWithDeals(hubspot, [], CALL)).toEqual({ associated: 0, rejected: [], calls: 0 });
    expect(sandbox.requests()).toEqual([]);
  });
});
