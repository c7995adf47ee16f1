/**
 * The HubSpot API paths this project calls, on HubSpot's date-based versions.
 *
 * HubSpot replaced its numeric path versions (`/crm/v3/`, `/crm/v4/`) with dated ones
 * (`/crm/objects/2026-09/...`): the v4 associations APIs stop on 2027-03-30 and the v1–v3 APIs in
 * September 2027 (https://developers.hubspot.com/docs/api-reference/legacy/migration-guide,
 * https://developers.hubspot.com/changelog/introducing-date-based-api-versioning). From 2026-09,
 * HubSpot also applies a portal's own validation rules to every CRM write
 * (https://developers.hubspot.com/changelog/crm-api-write-validation-enforcement): a refused input
 * comes back as a per-input error like any invalid value. The documents are in
 * shared/specs/hubspot/*-2026-09.json.
 *
 * Only the legacy Webhooks API of legacy public apps (webhook-setup.ts) keeps its v3 path.
 */

/** The one API version every CRM call uses; moving to the next version starts here. */
export const HUBSPOT_API_VERSION = '2026-09';

/**
 * The account details API (portalId, timeZone, accountType, companyCurrency, uiDomain,
 * dataHostingLocation, ...); its current version is 2026-03
 * (https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details).
 */
export const ACCOUNT_INFO_PATH = '/account-info/2026-03/details';

const segment = (value: string) => encodeURIComponent(value);
const tail = (suffix: string) => (suffix === '' ? '' : `/${suffix.replace(/^\/+/, '')}`);

/** `/crm/objects/2026-09/{objectType}[/suffix]`: `objectsPath('contacts', 'batch/upsert')`. */
export function objectsPath(objectType: string, suffix = ''): string {
  return `/crm/objects/${HUBSPOT_API_VERSION}/${segment(objectType)}${tail(suffix)}`;
}

/** `/crm/properties/2026-09/{objectType}[/{propertyName}]`. */
export function propertiesPath(objectType: string, propertyName?: string): string {
  return `/crm/properties/${HUBSPOT_API_VERSION}/${segment(objectType)}${propertyName === undefined ? '' : `/${segment(propertyName)}`}`;
}

/** `/crm-object-schemas/2026-09/schemas[/suffix]`. */
export function schemasPath(suffix = ''): string {
  return `/crm-object-schemas/${HUBSPOT_API_VERSION}/schemas${tail(suffix)}`;
}

/** `/crm/associations/2026-09/{from}/{to}/{suffix}`: `associationsPath('contacts', 'deals', 'batch/create')`. */
export function associationsPath(fromObjectType: string, toObjectType: string, suffix: string): string {
  return `/crm/associations/${HUBSPOT_API_VERSION}/${segment(fromObjectType)}/${segment(toObjectType)}${tail(suffix)}`;
}

/** The association labels (schema) API: `/crm/associations/2026-09/{from}/{to}/labels`. */
export function labelsPath(fromObjectType: string, toObjectType: string): string {
  return associationsPath(fromObjectType, toObjectType, 'labels');
}
