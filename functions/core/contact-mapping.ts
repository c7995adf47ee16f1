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

export function contactProperties(lead: Lead, platformSource: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [field, property] of LEAD_TO_CONTACT) {
    const value = lead[field];
    if (typeof value === 'string' && value !== '') properties[property] = value;
  }
  properties[ORIGIN_PROPERTY] = platformSource;
  return properties;
}

/** A stable hash of what we write: equal hashes mean HubSpot already holds these values. */
export function propertiesHash(properties: Readonly<Record<string, string>>): string {
  const canonical = JSON.stringify(Object.keys(properties).sort().map((k) => [k, properties[k]]));
  return createHash('sha256').update(canonical).digest('base64url');
}
