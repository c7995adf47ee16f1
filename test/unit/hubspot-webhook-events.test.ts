import { describe, expect, it } from 'vitest';
import {
  HubSpotDeliverySchema,
  contactEventType,
  eventKey,
  toContactEvent,
  type HubSpotEvent,
} from '../../functions/connectors/hubspot/webhook-events.js';

const base = { eventId: 1, subscriptionId: 12345, portalId: 62515, appId: 54321, occurredAt: 1564113600000, attemptNumber: 0, objectId: 123 };

describe('HubSpot webhook deliveries', () => {
  it('parses every contact event HubSpot sends, keeping the fields each type carries', () => {
    const delivery = HubSpotDeliverySchema.parse([
      { ...base, subscriptionType: 'contact.creation', changeSource: 'CRM', changeFlag: 'NEW' },
      { ...base, eventId: 2, subscriptionType: 'contact.propertyChange', propertyName: 'firstname', propertyValue: 'Ana' },
      { ...base, eventId: 3, subscriptionType: 'contact.merge', primaryObjectId: 123, mergedObjectIds: [456], newObjectId: 123 },
      { ...base, eventId: 4, subscriptionType: 'contact.privacyDeletion' },
    ]);
    expect(delivery.map(contactEventType)).toEqual(['contact.creation', 'contact.propertyChange', 'contact.merge', 'contact.privacyDeletion']);
    expect(delivery[1]).toMatchObject({ propertyName: 'firstname', propertyValue: 'Ana' });
    expect(delivery[2]).toMatchObject({ mergedObjectIds: [456], newObjectId: 123 });
  });

  it('reads generic object events of contacts (objectTypeId 0-1) exactly as their contact.* twins', () => {
    // Prepare: the developer platform's generic form, merge fields included.
    const delivery = HubSpotDeliverySchema.parse([
      { ...base, subscriptionType: 'object.creation', objectTypeId: '0-1', changeFlag: 'CREATED' },
      { ...base, eventId: 2, subscriptionType: 'object.propertyChange', objectTypeId: '0-1', propertyName: 'firstname', propertyValue: 'Ana' },
      { ...base, eventId: 3, subscriptionType: 'object.deletion', objectTypeId: '0-1' },
      { ...base, eventId: 4, subscriptionType: 'object.merge', objectTypeId: '0-1', primaryObjectId: 123, mergedObjectIds: [456], newObjectId: 789 },
      { ...base, eventId: 5, subscriptionType: 'object.restore', objectTypeId: '0-1' },
    ]);
    // Act
    const events = delivery.map(toContactEvent);
    // Assess
    expect(events.map((e) => e.subscriptionType)).toEqual(['contact.creation', 'contact.propertyChange', 'contact.deletion', 'contact.merge', 'contact.restore']);
    expect(events[3]).toMatchObject({ objectId: 123, primaryObjectId: 123, mergedObjectIds: [456], newObjectId: 789 });
    // The dedupe key is the same composite one (eventId alone is not unique).
    expect(events[0]!.key).toBe(eventKey(delivery[0]!));
  });

  it('keeps generic events of other object types under their own name, so the core skips them', () => {
    const [deal, company] = HubSpotDeliverySchema.parse([
      { ...base, subscriptionType: 'object.creation', objectTypeId: '0-3' },
      { ...base, eventId: 2, subscriptionType: 'object.deletion', objectTypeId: '0-2' },
    ]);
    expect([deal, company].map((e) => toContactEvent(e!).subscriptionType)).toEqual(['object.creation', 'object.deletion']);
    expect(contactEventType(deal!)).toBe('unknown');
  });

  it('keeps types it does not handle as unknown instead of refusing the delivery', () => {
    const [event] = HubSpotDeliverySchema.parse([{ ...base, subscriptionType: 'deal.creation', objectTypeId: '0-3' }]);
    expect(contactEventType(event as HubSpotEvent)).toBe('unknown');
  });

  it.each([
    ['an empty array', []],
    ['an object instead of an array', { ...base, subscriptionType: 'contact.creation' }],
    ['a string objectId', [{ ...base, objectId: '123', subscriptionType: 'contact.creation' }]],
    ['a missing subscriptionType', [{ ...base }]],
    ['a numeric propertyValue', [{ ...base, subscriptionType: 'contact.propertyChange', propertyName: 'x', propertyValue: 5 }]],
    ['more than 100 events', Array.from({ length: 101 }, (_, i) => ({ ...base, eventId: i, subscriptionType: 'contact.creation' }))],
  ])('refuses %s, naming where', (_name, body) => {
    const result = HubSpotDeliverySchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.length).toBeGreaterThan(0);
  });

  it('dedupes on subscription, event, time and object together', () => {
    const a = { ...base, subscriptionType: 'contact.creation' } as HubSpotEvent;
    expect(eventKey(a)).toBe(eventKey({ ...a, attemptNumber: 3 }));
    expect(eventKey(a)).not.toBe(eventKey({ ...a, subscriptionId: 99 }));
    expect(eventKey(a)).not.toBe(eventKey({ ...a, objectId: 124 }));
    expect(eventKey(a)).not.toBe(eventKey({ ...a, occurredAt: a.occurredAt + 1 }));
  });
});
