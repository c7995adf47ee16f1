import { describe, expect, it } from 'vitest';
import {
  HubSpotDeliverySchema,
  contactEventType,
  eventKey,
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
