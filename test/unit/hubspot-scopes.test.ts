/**
 * `scopeFor` reads both path forms HubSpot answers: the dated ones the connectors call
 * (`/crm/objects/2026-09/…`) and the legacy numbered ones (`/crm/v3/objects/…`), which HubSpot keeps
 * until they end. Which calls the code makes is test/integration/hubspot-scopes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { APP_CREDENTIALS, DEVELOPER_API_KEY, HUBSPOT_SCOPES, requiredScopes, scopeFor } from '../../functions/connectors/hubspot/scopes.js';

const CASES: ReadonlyArray<readonly [method: string, dated: string, legacy: string, scope: string]> = [
  ['POST', '/crm/objects/2026-09/contacts/batch/upsert', '/crm/v3/objects/contacts/batch/upsert', 'crm.objects.contacts.write'],
  ['POST', '/crm/objects/2026-09/contacts/batch/read', '/crm/v3/objects/contacts/batch/read', 'crm.objects.contacts.read'],
  ['POST', '/crm/objects/2026-09/deals/batch/upsert', '/crm/v3/objects/deals/batch/upsert', 'crm.objects.deals.write'],
  ['POST', '/crm/objects/2026-09/0-420/batch/read', '/crm/v3/objects/0-420/batch/read', 'crm.objects.listings.read'],
  ['POST', '/crm/objects/2026-09/p24681357_unit/batch/update', '/crm/v3/objects/p24681357_unit/batch/update', 'crm.objects.custom.write'],
  ['POST', '/crm/objects/2026-09/2-5000001/batch/read', '/crm/v3/objects/2-5000001/batch/read', 'crm.objects.custom.read'],
  ['POST', '/crm/properties/2026-09/contacts', '/crm/v3/properties/contacts', 'crm.schemas.contacts.write'],
  ['PATCH', '/crm/properties/2026-09/contacts/lead_source_system', '/crm/v3/properties/contacts/lead_source_system', 'crm.schemas.contacts.write'],
  // A property read accepts the object's write scope too: no deals read scope is asked for it.
  ['GET', '/crm/properties/2026-09/deals/turbotenant_property_id', '/crm/v3/properties/deals/turbotenant_property_id', 'crm.objects.deals.write'],
  ['POST', '/crm/properties/2026-09/0-420', '/crm/v3/properties/0-420', 'crm.schemas.listings.write'],
  ['POST', '/crm/properties/2026-09/2-5000001', '/crm/v3/properties/2-5000001', 'crm.schemas.custom.write'],
  ['GET', '/crm-object-schemas/2026-09/schemas', '/crm-object-schemas/v3/schemas', 'crm.objects.custom.read'],
  ['POST', '/crm-object-schemas/2026-09/schemas', '/crm-object-schemas/v3/schemas', 'crm.schemas.custom.write'],
  ['POST', '/crm/associations/2026-09/contacts/deals/batch/associate/default', '/crm/v4/associations/contacts/deals/batch/associate/default', 'crm.objects.contacts.read'],
  ['POST', '/crm/associations/2026-09/contacts/2-5000001/batch/labels/archive', '/crm/v4/associations/contacts/2-5000001/batch/labels/archive', 'crm.objects.contacts.read'],
  ['POST', '/crm/associations/2026-09/contacts/contacts/labels', '/crm/associations/v4/contacts/contacts/labels', 'crm.objects.contacts.read'],
  ['GET', '/account-info/2026-03/details', '/account-info/v3/details', 'oauth'],
  ['POST', '/oauth/2026-03/token', '/oauth/v1/token', APP_CREDENTIALS],
  ['POST', '/app-webhooks/2026-09/3141592/subscriptions', '/webhooks/v3/3141592/subscriptions', DEVELOPER_API_KEY],
];

describe('scopeFor', () => {
  it.each(CASES)('%s %s and its legacy form need %s', (method, dated, legacy, scope) => {
    expect(scopeFor(method, dated)).toBe(scope);
    expect(scopeFor(method, `${legacy}?archived=false`)).toBe(scope);
  });

  it('knows no scope for a call outside the list: objects the product does not use, deal reads', () => {
    expect(scopeFor('GET', '/crm/objects/2026-09/companies/1')).toBeUndefined();
    expect(scopeFor('POST', '/crm/v3/objects/deals/batch/read')).toBeUndefined();
    expect(scopeFor('GET', '/marketing/v3/emails')).toBeUndefined();
  });
});

describe('requiredScopes', () => {
  it('is the whole list, or the list without the custom object scopes', () => {
    expect(requiredScopes()).toEqual(HUBSPOT_SCOPES.map((s) => s.scope));
    expect(requiredScopes({ customObjects: false })).toEqual(HUBSPOT_SCOPES.map((s) => s.scope).filter((s) => !/\.custom\./.test(s)));
  });
});
