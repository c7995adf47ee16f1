/**
 * The API versions the sandbox serves. HubSpot moved its CRM APIs to date-based paths
 * (`/crm/objects/2026-09/...`, shared/specs/hubspot/*-2026-09.json) and keeps answering the
 * legacy v3/v4 paths until they end (v4 associations on 2027-03-30, v1–v3 in September 2027), so
 * every CRM route takes both. A request on a dated path is answered as the 2026-09 documents say
 * where they differ from the legacy ones (`CrmRequest.dated`):
 * - batch answers with failed inputs keep the success status (200, or 201 for object creates)
 *   and carry `errors` and `numErrors`; the 2026-09 documents have no 207;
 * - association batch create answers 200, batch archive and label archive 200 with a
 *   BatchResponseVoid instead of 204; the single-pair labeled PUT has no Location header;
 * - a record's association list (`GET …/objects/{type}/{id}/associations/{toType}`) is v4 only;
 * - a schema create needs `allowsSensitiveProperties`, `searchableProperties` and
 *   `secondaryDisplayProperties`;
 * - the portal's validation rules (validation-rules.ts) apply to CRM writes.
 */

export const DATED_VERSION = '2026-09';

/** `/crm/v3/objects` or `/crm/objects/2026-09`, followed by `/{objectType}`. */
export const OBJECTS_BASE = `/crm/(?:v3/objects|objects/${DATED_VERSION})`;
/** `/crm/v3/properties` or `/crm/properties/2026-09`, followed by `/{objectType}`. */
export const PROPERTIES_BASE = `/crm/(?:v3/properties|properties/${DATED_VERSION})`;
/** Association batches: `/crm/v4/associations` or `/crm/associations/2026-09`, followed by `/{from}/{to}/batch/…`. */
export const ASSOCIATIONS_BASE = `/crm/(?:v4/associations|associations/${DATED_VERSION})`;
/** One record's associations: `/crm/v4/objects` or `/crm/objects/2026-09`, followed by `/{type}/{id}/associations/…`. */
export const RECORD_ASSOCIATIONS_BASE = `/crm/(?:v4/objects|objects/${DATED_VERSION})`;
/** The association labels (schema) API: `/crm/associations/v4` or `/crm/associations/2026-09`, followed by `/{from}/{to}/labels`. */
export const LABELS_BASE = `/crm/associations/(?:v4|${DATED_VERSION})`;
/** `/crm-object-schemas/v3/schemas` or `/crm-object-schemas/2026-09/schemas`. */
export const SCHEMAS_BASE = `/crm-object-schemas/(?:v3|${DATED_VERSION})/schemas`;

const DATED_PATH = new RegExp(`^/(?:crm/(?:objects|properties|associations)|crm-object-schemas)/${DATED_VERSION}(?:/|$)`);

/** Whether a CRM path is one of the date-based versions. */
export function isDatedPath(path: string): boolean {
  return DATED_PATH.test(path);
}
