/**
 * The HubSpot sandbox's whole-batch refusals and concurrent-write conflicts (issue 14 §4), as the
 * chaos run uses them: one bad input among many makes HubSpot answer 400 VALIDATION_ERROR for the
 * whole batch, write none of it and name no input; two requests writing one contact at once get
 * the second a 409 CONFLICT. https://developers.hubspot.com/docs/api/error-handling
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { hubspotApi } from './support/hubspot-api.js';

const TOKEN = 'pat-na1-sandbox-batch-refusals-token';
const CONTACTS = '/crm/objects/2026-09/contacts';
const DEALS = '/crm/objects/2026-09/deals';

let sandbox: HubSpotSandbox;
const api = hubspotApi(() => sandbox.url, TOKEN);

const upsertInputs = (emails: readonly string[]) => ({ inputs: emails.map((email) => ({ idProperty: 'email', id: email, properties: { firstname: 'Batch' } })) });
const emails = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}.${i}@example.com`);
const live = (email: string) => sandbox.contacts().some((c) => !c.archived && c.properties.email === email);

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, port: 0, rateLimit: { max: 100_000, intervalMs: 10_000 }, random: seededRandom(11) });
  // The deal key the TurboTenant flow upserts by (`setup hubspot` creates it).
  const dealKey = { name: 'turbotenant_property_id', label: 'TurboTenant property ID', type: 'string', fieldType: 'text', groupName: 'dealinformation', hasUniqueValue: true };
  const key = await api('POST', '/crm/properties/2026-09/deals', dealKey);
  expect(key.status).toBe(201);
});

afterEach(() => sandbox.clearFaults());

afterAll(async () => {
  await sandbox?.close();
});

describe("a 'batchRefusal' fault", () => {
  it('refuses a whole contact upsert over one input, naming none, and writes nothing', async () => {
    // Prepare
    sandbox.addFault({ kind: 'batchRefusal', emailPattern: '^bad\\.', message: 'Property values were not valid: email address is invalid' });
    const good = emails('upsert-good', 99);

    // Act
    const refused = await api('POST', `${CONTACTS}/batch/upsert`, upsertInputs([...good.slice(0, 50), 'bad.0@example.com', ...good.slice(50)]));
    const alone = await api('POST', `${CONTACTS}/batch/upsert`, upsertInputs(good));

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: 'Property values were not valid: email address is invalid' });
    expect(refused.body.context).toBeUndefined();
    expect(JSON.stringify(refused.body)).not.toContain('bad.0@example.com');
    expect(alone.status).toBe(200);
    expect(alone.body.results).toHaveLength(99);
    expect(live('bad.0@example.com')).toBe(false);
    expect(sandbox.activeFaults()[0]!.fired).toBe(1);
  });

  it('refuses contact batch creates and updates as a whole too', async () => {
    sandbox.addFault({ kind: 'batchRefusal', emailPattern: '^bad\\.' });
    const created = await api('POST', `${CONTACTS}/batch/create`, { inputs: ['create-good.1@example.com', 'bad.1@example.com'].map((email) => ({ properties: { email } })) });
    expect(created.status).toBe(400);
    expect(created.body.category).toBe('VALIDATION_ERROR');
    expect(live('create-good.1@example.com')).toBe(false);

    const updated = await api('POST', `${CONTACTS}/batch/update`, {
      inputs: [
        { idProperty: 'email', id: 'upsert-good.1@example.com', properties: { firstname: 'Changed' } },
        { idProperty: 'email', id: 'upsert-good.2@example.com', properties: { email: 'bad.2@example.com' } },
      ],
    });
    expect(updated.status).toBe(400);
    expect(sandbox.contacts().find((c) => c.properties.email === 'upsert-good.1@example.com')!.properties.firstname).toBe('Batch');
  });

  it('refuses a whole deal upsert over one deal, matched by its name', async () => {
    sandbox.addFault({ kind: 'batchRefusal', path: `${DEALS}/batch/`, emailPattern: '^Refused ' });
    const inputs = ['Fine 1', 'Refused 2', 'Fine 3'].map((dealname, i) => ({ idProperty: 'turbotenant_property_id', id: `tt-refusal-${i}`, properties: { dealname } }));

    const refused = await api('POST', `${DEALS}/batch/upsert`, { inputs });
    const rest = await api('POST', `${DEALS}/batch/upsert`, { inputs: inputs.filter((i) => !i.properties.dealname.startsWith('Refused')) });

    expect(refused.status).toBe(400);
    expect(refused.body.category).toBe('VALIDATION_ERROR');
    expect(refused.body.context).toBeUndefined();
    expect(rest.status).toBe(200);
    expect(sandbox.deals().map((d) => d.properties.dealname).sort()).toEqual(['Fine 1', 'Fine 3']);
  });

  it('refuses a deal batch create even with multi-status trace ids', async () => {
    sandbox.addFault({ kind: 'batchRefusal', emailPattern: '^Refused ' });
    const refused = await api('POST', `${DEALS}/batch/create`, {
      inputs: ['Fine 4', 'Refused 5'].map((dealname, i) => ({ objectWriteTraceId: `t${i}`, properties: { dealname } })),
    });
    expect(refused.status).toBe(400);
    expect(sandbox.deals().some((d) => d.properties.dealname === 'Fine 4')).toBe(false);
  });

  it('refuses a whole association batch over one pair, matched by the contact’s email', async () => {
    const contacts = await api('POST', `${CONTACTS}/batch/upsert`, upsertInputs(['link-good@example.com', 'link-refused@example.com']));
    const deal = sandbox.deals().find((d) => d.properties.dealname === 'Fine 1')!;
    const ids = new Map<string, string>(contacts.body.results.map((r: any) => [r.properties.email, r.id]));
    sandbox.addFault({ kind: 'batchRefusal', path: '/crm/associations/', emailPattern: '^link-refused@' });
    const inputs = [...ids.values()].map((id) => ({ from: { id }, to: { id: deal.id } }));

    const refused = await api('POST', '/crm/associations/2026-09/contacts/deals/batch/associate/default', { inputs });
    const labeled = await api('POST', '/crm/associations/2026-09/contacts/deals/batch/create', {
      inputs: inputs.map((i) => ({ ...i, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }] })),
    });

    expect(refused.status).toBe(400);
    expect(labeled.status).toBe(400);
    expect(sandbox.associationsBetween('contacts', 'deals')).toEqual([]);
  });

  it('refuses only as often as its probability says, and takes no rule without a pattern', async () => {
    expect(() => sandbox.addFault({ kind: 'batchRefusal' })).toThrow(/emailPattern/);
    sandbox.addFault({ kind: 'batchRefusal', emailPattern: '^sometimes\\.', probability: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await api('POST', `${CONTACTS}/batch/upsert`, upsertInputs([`sometimes.${i}@example.com`]))).status);
    expect(statuses).toContain(400);
    expect(statuses).toContain(200);
  });
});

describe("a 'concurrentWrite' fault", () => {
  it('holds one contact write; a second write of the same email meanwhile gets 409 CONFLICT, and the first lands', async () => {
    // Prepare
    sandbox.addFault({ kind: 'concurrentWrite', emailPattern: '^twin@', delayMs: 300, times: 1 });

    // Act: two environments upserting one email at once.
    const first = api('POST', `${CONTACTS}/batch/upsert`, upsertInputs(['twin@example.com']));
    await new Promise((r) => setTimeout(r, 50));
    const second = await api('POST', `${CONTACTS}/batch/upsert`, upsertInputs(['twin@example.com', 'bystander@example.com']));
    const firstAnswer = await first;
    const again = await api('POST', `${CONTACTS}/batch/upsert`, upsertInputs(['twin@example.com', 'bystander@example.com']));

    // Assess
    expect(second.status).toBe(409);
    expect(second.body.category).toBe('CONFLICT');
    expect(firstAnswer.status).toBe(200);
    expect(firstAnswer.body.results[0].new).toBe(true);
    expect(again.status).toBe(200);
    expect(sandbox.contacts().filter((c) => c.properties.email === 'twin@example.com')).toHaveLength(1);
  });

  it('leaves writes of other emails alone while it holds one', async () => {
    sandbox.addFault({ kind: 'concurrentWrite', emailPattern: '^held@', delayMs: 300, times: 1 });
    const held = api('POST', `${CONTACTS}/batch/upsert`, upsertInputs(['held@example.com']));
    await new Promise((r) => setTimeout(r, 50));
    const other = await api('POST', `${CONTACTS}/batch/upsert`, upsertInputs(['not-held@example.com']));
    expect(other.status).toBe(200);
    expect((await held).status).toBe(200);
    expect(() => sandbox.addFault({ kind: 'concurrentWrite' })).toThrow(/delayMs/);
  });
});
