/**
 * HubSpot webhook deliveries (`shared/specs/hubspot/SIGNATURES.md`, webhooks-v3.json): a JSON
 * array of events. Contact events are told apart by `subscriptionType`; types this project does
 * not handle are kept as `unknown` (recorded and skipped, never a reason to refuse a delivery).
 */
import { z } from 'zod';
import type { ContactEvent } from '../../core/inbound-contacts.js';

/** HubSpot sends at most 100 events in one request (Webhooks API, "Webhook settings"). */
export const MAX_EVENTS_PER_DELIVERY = 100;

const id = z.number().int().nonnegative();

export const HubSpotEventSchema = z.looseObject({
  eventId: id,
  subscriptionId: id,
  portalId: id,
  appId: id.optional(),
  occurredAt: id,
  subscriptionType: z.string().min(1).max(200),
  attemptNumber: z.number().int().nonnegative().optional(),
  objectId: id,
  objectTypeId: z.string().optional(),
  changeSource: z.string().optional(),
  sourceId: z.string().optional(),
  changeFlag: z.string().optional(),
  propertyName: z.string().optional(),
  /** Always a string, whatever the property's type. */
  propertyValue: z.string().optional(),
  primaryObjectId: id.optional(),
  mergedObjectIds: z.array(id).optional(),
  newObjectId: id.optional(),
});
export type HubSpotEvent = z.infer<typeof HubSpotEventSchema>;

export const HubSpotDeliverySchema = z.array(HubSpotEventSchema).min(1).max(MAX_EVENTS_PER_DELIVERY);

export const CONTACT_EVENT_TYPES = [
  'contact.creation',
  'contact.propertyChange',
  'contact.deletion',
  'contact.merge',
  'contact.associationChange',
  'contact.restore',
  'contact.privacyDeletion',
] as const;
export type ContactEventType = (typeof CONTACT_EVENT_TYPES)[number];

/** HubSpot's object type id of contacts, as generic events name it. */
export const CONTACT_OBJECT_TYPE_ID = '0-1';
const GENERIC_EVENT = /^object\.(creation|propertyChange|deletion|merge|restore|associationChange|privacyDeletion)$/;

/**
 * The event's type in the `contact.*` form the core handles. Developer-platform apps may receive
 * generic events (`object.creation`, `object.propertyChange`, `object.deletion`, `object.merge`,
 * `object.restore`) that name the object type in `objectTypeId`: a contact's (`0-1`) becomes its
 * `contact.*` twin, with the same fields (merges: `primaryObjectId`, `mergedObjectIds`); a generic
 * event of another object type keeps its `object.*` name and is skipped as such.
 */
export function contactSubscriptionType(event: Pick<HubSpotEvent, 'subscriptionType' | 'objectTypeId'>): string {
  const generic = GENERIC_EVENT.exec(event.subscriptionType);
  return generic && event.objectTypeId === CONTACT_OBJECT_TYPE_ID ? `contact.${generic[1]}` : event.subscriptionType;
}

export function contactEventType(event: HubSpotEvent): ContactEventType | 'unknown' {
  const type = contactSubscriptionType(event);
  return (CONTACT_EVENT_TYPES as readonly string[]).includes(type) ? (type as ContactEventType) : 'unknown';
}

/**
 * `eventId` alone is not unique across subscriptions and retries: HubSpot's own guidance is to
 * dedupe on subscription, event, time and object together. The portal is part of the key too: one
 * public app installed in several portals shares its subscription ids across them.
 */
export function eventKey(event: HubSpotEvent): string {
  return `${event.portalId}:${event.subscriptionId}:${event.eventId}:${event.occurredAt}:${event.objectId}`;
}

/**
 * A message of the hubspot-events queue: verified events of one portal, in the order received.
 * The webhook route writes it; the inbound consumer reads it.
 */
export const HubSpotEventsMessageSchema = z.object({
  portalId: id,
  /** When the webhook route accepted the delivery (the status route's lastReceivedAt). */
  receivedAt: z.iso.datetime().optional(),
  events: z.array(HubSpotEventSchema).min(1),
});
export type HubSpotEventsMessage = z.infer<typeof HubSpotEventsMessageSchema>;

/** The event as the inbound core sees it. */
export function toContactEvent(event: HubSpotEvent): ContactEvent {
  return {
    key: eventKey(event),
    subscriptionType: contactSubscriptionType(event),
    objectId: event.objectId,
    occurredAt: event.occurredAt,
    ...(event.primaryObjectId !== undefined ? { primaryObjectId: event.primaryObjectId } : {}),
    ...(event.mergedObjectIds !== undefined ? { mergedObjectIds: event.mergedObjectIds } : {}),
    ...(event.newObjectId !== undefined ? { newObjectId: event.newObjectId } : {}),
  };
}
