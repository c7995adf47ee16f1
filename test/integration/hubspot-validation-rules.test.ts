/**
 * A portal's own validation rules (required properties, value patterns), which HubSpot applies to
 * every CRM write from API version 2026-09 on
 * (https://developers.hubspot.com/changelog/crm-api-write-validation-enforcement): the sandbox
 * enforces them on the dated paths only, refusing a broken input as it refuses an invalid value;
 * the product's lead flow (HubSpotClient.upsertByEmail, then the core lead sync over DynamoDB
 * Local) reports the refused lead alone, with HubSpot's message, and writes the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactProperties, ensureProperties } from '../../functions/connectors/hubspot/setup.js';
import { newLead } from '../../functions/core/lead.js';
import { syncLeadBatch, type LeadSyncDeps } from '../../functions/core/lead-sync.js';
import type { Log } from '../../functions/core/ports.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoLeadStore } from '../../functions/store/lead-store.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb.js';
import { seededRandom } from '../../lib/local/sandboxes/hubspot/index.js';
import { topologyFor } from '../../lib/topology.js';
import { useHubSpotSandbox } from './support/hubspot-sandbox.js';

const TOKEN = 'pat-na1-validation-rules';
const CALL = { maxWaitMs: 0, timeoutMs: 5_000 };
const PHONE_REQUIRED = { objectType: 'contacts', property: 'phone', rule: 'required', message: 'A phone number is required for new contacts.' } as const;
const DATED = '/crm/objects/2026-09';

const hub = useHubSpotSandbox(TOKEN, { random: seededRandom(7) });
const { api } = hub;

const control = (method: string, body?: unknown) => api(method, '/__sandbox/validation-rules', body, null);

describe('the sandbox control API for validation rules', () => {
  it('adds, lists, replaces and clears rules, refusing one it cannot apply', async () => {
    // Act
    const added = await control('POST', PHONE_REQUIRED);
    const replaced = await control('POST', { ...PHONE_REQUIRED, message: 'Phone, please.' });
    const noPattern = await control('POST', { objectType: 'contacts', property: 'phone', rule: 'regex' });
    const badPattern = await control('POST', { objectType: 'contacts', property: 'phone', rule: 'regex', pattern: '(' });
    const unknownType = await control('POST', { objectType: 'tickets', property: 'subject', rule: 'required' });

    // Assess
    expect(added.status).toBe(201);
    expect((await control('GET')).body).toEqual([{ ...PHONE_REQUIRED, message: 'Phone, please.' }]);
    expect(replaced.body).toHaveLength(1);
    for (const refused of [noPattern, badPattern, unknownType]) expect(refused).toMatchObject({ status: 400, body: { category: 'VALIDATION_ERROR' } });
    expect((await control('DELETE')).status).toBe(204);
    expect(hub.sandbox.validationRules()).toEqual([]);
  });
});

describe('writes under a rule', () => {
  it('refuses a single create without the required property on 2026-09 only, and an update that clears it', async () => {
    // Prepare
    hub.sandbox.addValidationRule(PHONE_REQUIRED);

    // Act
    const dated = await api('POST', `${DATED}/contacts`, { properties: { email: 'no.phone@example.com' } });
    const legacy = await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'legacy@example.com' } });
    const withPhone = await api('POST', `${DATED}/contacts`, { properties: { email: 'phone@example.com', phone: '+34600000000' } });
    const rename = await api('PATCH', `${DATED}/contacts/${withPhone.body.id}`, { properties: { firstname: 'Pia' } });
    const cleared = await api('PATCH', `${DATED}/contacts/${withPhone.body.id}`, { properties: { phone: '' } });

    // Assess
    expect(dated.status).toBe(400);
    expect(dated.body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ in: 'phone', code: 'REQUIRED_PROPERTY_MISSING', message: PHONE_REQUIRED.message }] });
    expect(legacy.status).toBe(201);
    expect([withPhone.status, rename.status, cleared.status]).toEqual([201, 200, 400]);
    expect(hub.sandbox.contacts().map((c) => c.properties.email).sort()).toEqual(['legacy@example.com', 'phone@example.com']);
  });

  it('fails only the breaking input of a contact batch upsert (200 with errors on 2026-09), as an invalid email is', async () => {
    // Prepare
    hub.sandbox.addValidationRule({ objectType: 'contacts', property: 'phone', rule: 'regex', pattern: '\\+[0-9]{6,15}' });
    const inputs = [
      { idProperty: 'email', id: 'good@example.com', properties: { phone: '+34600000001' } },
      { idProperty: 'email', id: 'dashes@example.com', properties: { phone: '555-0100' } },
      { idProperty: 'email', id: 'not-an-email', properties: {} },
    ];

    // Act
    const answer = await api('POST', `${DATED}/contacts/batch/upsert`, { inputs });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: any) => r.properties.email)).toEqual(['good@example.com']);
    expect(answer.body.numErrors).toBe(2);
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ category: 'VALIDATION_ERROR', context: { ids: ['dashes@example.com'] }, errors: [expect.objectContaining({ in: 'phone', code: 'INVALID_PROPERTY_VALUE' })] }),
        expect.objectContaining({ category: 'VALIDATION_ERROR', context: { ids: ['not-an-email'] } }),
      ]),
    );
  });

  it('refuses a whole deal batch create without objectWriteTraceIds, and only the breaking input with them', async () => {
    // Prepare
    hub.sandbox.addValidationRule({ objectType: 'deals', property: 'amount', rule: 'required', message: 'Every deal needs an amount.' });
    const deals = [{ properties: { dealname: 'Priced', amount: '1200' } }, { properties: { dealname: 'Unpriced' } }];

    // Act
    const whole = await api('POST', `${DATED}/deals/batch/create`, { inputs: deals.map((d) => ({ ...d, associations: [] })) });
    const traced = await api('POST', `${DATED}/deals/batch/create`, { inputs: deals.map((d, i) => ({ ...d, associations: [], objectWriteTraceId: String(i) })) });
    const unpriced = await api('POST', `${DATED}/deals/batch/update`, { inputs: [{ id: traced.body.results[0].id, properties: { amount: '' } }] });

    // Assess
    expect(whole).toMatchObject({ status: 400, body: { category: 'VALIDATION_ERROR', context: { inputIndex: ['1'] }, errors: [{ in: 'amount', message: 'Every deal needs an amount.' }] } });
    expect(traced.status).toBe(201);
    expect(traced.body.results.map((r: any) => r.objectWriteTraceId)).toEqual(['0']);
    expect(traced.body.errors).toEqual([expect.objectContaining({ context: { objectWriteTraceId: ['1'] } })]);
    expect(unpriced.status).toBe(200);
    expect(unpriced.body.errors).toEqual([expect.objectContaining({ context: { ids: [traced.body.results[0].id] } })]);
    expect(hub.sandbox.deals().map((d) => [d.properties.dealname, d.properties.amount])).toEqual([['Priced', '1200']]);
  });
});

describe('the lead flow under a required-phone rule', () => {
  it('upsertByEmail reports the refused contact with HubSpot\'s message and writes the others', async () => {
    // Prepare: a contact that exists without a phone may still be updated (the rule is for creates).
    await api('POST', `${DATED}/contacts`, { properties: { email: 'known@example.com' } });
    hub.sandbox.addValidationRule(PHONE_REQUIRED);

    // Act
    const result = await hub.client.upsertByEmail(
      [
        { email: 'ana@example.com', properties: { email: 'ana@example.com', phone: '+34600000002' } },
        { email: 'bo@example.com', properties: { email: 'bo@example.com', firstname: 'Bo' } },
        { email: 'known@example.com', properties: { email: 'known@example.com', firstname: 'Kim' } },
      ],
      CALL,
    );

    // Assess
    expect([...result.written.keys()].sort()).toEqual(['ana@example.com', 'known@example.com']);
    expect([...result.rejected.keys()]).toEqual(['bo@example.com']);
    expect(result.rejected.get('bo@example.com')).toMatch(/^VALIDATION_ERROR: /);
    expect(result.rejected.get('bo@example.com')).toContain(PHONE_REQUIRED.message);
    expect(hub.sandbox.contacts().map((c) => c.properties.email).sort()).toEqual(['ana@example.com', 'known@example.com']);
  });

  describe('through the core lead sync and the DynamoDB lead store', () => {
    let dynamo: DynamoDbLocal;
    let leads: DynamoLeadStore;

    beforeAll(async () => {
      dynamo = await startDynamoDbLocal({ dataDir: null });
      const dynamoClient = localDynamoDbClient(dynamo.endpoint);
      const tables = await createTables(dynamoClient, topologyFor('local').tables);
      leads = new DynamoLeadStore(createDocumentClient(dynamoClient), tables.leads);
    });

    afterAll(async () => {
      await dynamo?.close();
    });

    it('leaves the refused lead FAILED with HubSpot\'s message, not retried, and syncs the others in the same batch', async () => {
      // Prepare: the portal as `setup hubspot` leaves it, with a required phone.
      await ensureProperties(hub.client, 'contacts', contactProperties('platform'));
      const at = new Date('2026-09-10T10:00:00.000Z');
      await leads.create(newLead({ email: 'cy@example.com', firstName: 'Cy', phone: '+34600000003' }, 'lead-cy', at));
      await leads.create(newLead({ email: 'di@example.com', firstName: 'Di' }, 'lead-di', at));
      await leads.create(newLead({ email: 'ed@example.com', firstName: 'Ed', phone: '+34600000004' }, 'lead-ed', at));
      hub.sandbox.addValidationRule(PHONE_REQUIRED);
      const retries: { receiptHandle: string; delaySeconds: number }[] = [];
      const warnings: string[] = [];
      const log: Log = { debug: () => undefined, info: () => undefined, warn: (message) => warnings.push(message), error: () => undefined };
      const deps: LeadSyncDeps = {
        leads,
        hubspot: hub.client,
        retries: { retryAfter: async (items) => void retries.push(...items), resend: async () => ({ failed: [] }) },
        requeue: async () => ({ failed: [] }),
        platformSource: 'platform',
        maxReceiveCount: 5,
        now: () => new Date('2026-09-10T10:01:00.000Z'),
        random: () => 0.5,
        remainingTimeMs: () => 25_000,
        log,
      };
      const messages = ['lead-cy', 'lead-di', 'lead-ed'].map((leadId, i) => ({ messageId: `m${i}`, receiptHandle: `rh${i}`, leadId, receiveCount: 1 }));

      // Act
      const report = await syncLeadBatch(messages, deps);

      // Assess
      expect(report.counts).toMatchObject({ synced: 2, rejected: 1, retrying: 0 });
      expect(report.failedMessageIds.size).toBe(0);
      expect(retries).toEqual([]);
      expect(report.hubspotCalls).toBe(1);
      const di = await leads.get('lead-di');
      expect(di?.hubspot).toMatchObject({ syncStatus: 'FAILED' });
      expect(di?.hubspot.error).toContain(PHONE_REQUIRED.message);
      for (const leadId of ['lead-cy', 'lead-ed']) expect((await leads.get(leadId))?.hubspot).toMatchObject({ syncStatus: 'SYNCED', id: expect.any(String) });
      expect(hub.sandbox.contacts().map((c) => c.properties.email).sort()).toEqual(['cy@example.com', 'ed@example.com']);
      expect(warnings).toEqual(['HubSpot rejected the lead']);
    });
  });
});
