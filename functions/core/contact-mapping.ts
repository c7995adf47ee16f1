import { createHash } from 'node:crypto';
import type { Lead } from './lead.js';

/**
 * Lead → HubSpot contact properties (seed 004 "Payload Reference", plus `lastname` and the
 * origin marker of seeds 001/003). Absent lead fields are not sent, so a value a person set in
 * HubSpot is never blanked by an empty one.
 */
export const LEAD_TO_CONTACT: ReadonlyArray<readonly [keyof Lead, string]> = [
  ['email', 'email'],
  ['firstName', 'firstname'],
  ['lastName', 'lastname'],
  ['phone', 'phone'],
  ['message', 'message'],
];

export const ORIGIN_PROPERTY = 'lead_source_system';

/**
 * The origin marker goes only on contacts of leads that started on the platform: a lead that came
 * from HubSpot keeps the marker its contact has.
 */
export function contactProperties(lead: Lead, platformSource: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [field, property] of LEAD_TO_CONTACT) {
    const value = lead[field];
    if (typeof value === 'string' && value !== '') properties[property] = value;
  }
  if (lead.crmMetadata.sourceSystem === 'platform') properties[ORIGIN_PROPERTY] = platformSource;
  return properties;
}

export type LeadFields = Partial<Record<'email' | 'firstName' | 'lastName' | 'phone' | 'message', string>>;

/** Contact → lead fields: the same table read the other way (empty values are absent). */
export function leadFieldsOf(contact: Readonly<Record<string, string | null | undefined>>): LeadFields {
  const fields: LeadFields = {};
  for (const [field, property] of LEAD_TO_CONTACT) {
    const value = contact[property];
    if (typeof value === 'string' && value.trim() !== '') fields[field as keyof LeadFields] = field === 'email' ? value.trim().toLowerCase() : value;
  }
  return fields;
}

/**
 * What `contactProperties` would write for a lead holding these values, from the contact's side:
 * equal to the lead's `syncedHash` when the contact only repeats what the platform last wrote.
 */
export function contactHash(contact: Readonly<Record<string, string | null | undefined>>, platformOrigin: boolean): string {
  const properties: Record<string, string> = {};
  const fields = leadFieldsOf(contact);
  for (const [field, property] of LEAD_TO_CONTACT) {
    const value = fields[field as keyof LeadFields];
    if (value !== undefined) properties[property] = value;
  }
  const origin = contact[ORIGIN_PROPERTY];
  if (platformOrigin && typeof origin === 'string' && origin !== '') properties[ORIGIN_PROPERTY] = origin;
  return propertiesHash(properties);
}

/** A stable hash of what we write: equal hashes mean HubSpot already holds these values. */
export function propertiesHash(properties: Readonly<Record<string, string>>): string {
  const canonical = JSON.stringify(Object.keys(properties).sort().map((k) => [k, properties[k]]));
  return createHash('sha256').update(canonical).digest('base64url');
}
