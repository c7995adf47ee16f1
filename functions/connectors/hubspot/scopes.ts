/**
 * The HubSpot scopes this product needs, each with the calls that need it: the one list the
 * developer-platform project asks for (project.ts, `requiredScopes`) and that the scope tests hold
 * the code's calls against.
 *
 * Many endpoints accept any one of several scopes ("This API requires one of the following scopes":
 * HubSpot's API reference; here the `security` of each operation in shared/specs/hubspot/*.json).
 * `acceptedScopes` gives that set for each family of calls, `scopeFor` the one of this list a call
 * goes through. The list is as short as the calls allow: a scope is on it only if some call accepts
 * no other scope of the list. So there is no `crm.objects.deals.read`: no flow reads deals (deals
 * are upserted by key), and property reads also accept the object's write scope
 * (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes).
 */

export interface ScopeNeed {
  readonly scope: string;
  /** The calls that need it. */
  readonly why: string;
  /**
   * Only grantable where the account has custom objects (Marketing, Sales, Service, Content or
   * Data Hub Enterprise); a static-auth app cannot be installed with scopes its account lacks.
   */
  readonly customObjects?: true;
}

export const HUBSPOT_SCOPES = [
  {
    scope: 'oauth',
    why: 'GET /account-info/2026-03/details: the portal a token belongs to (when HUBSPOT_PORTAL_ID is unset) and the account checks of setup hubspot',
  },
  { scope: 'crm.objects.contacts.read', why: 'contact batch read: the inbound flow reads the contacts webhook events name' },
  {
    scope: 'crm.objects.contacts.write',
    why: 'contact batch upsert and update: platform leads, TurboTenant landlords and leads, Buildium tenants and emergency contacts; associations from contacts and their labels',
  },
  { scope: 'crm.schemas.contacts.write', why: 'setup: the contact properties (lead_source_system, the TurboTenant and Buildium properties)' },
  { scope: 'crm.objects.deals.write', why: 'deal batch upsert: TurboTenant properties as deals' },
  { scope: 'crm.schemas.deals.write', why: 'setup: the deal property turbotenant_property_id' },
  { scope: 'crm.objects.listings.read', why: 'Listing (0-420) batch read: Buildium properties edited in HubSpot' },
  { scope: 'crm.objects.listings.write', why: 'Listing (0-420) batch upsert and update: Buildium properties' },
  { scope: 'crm.schemas.listings.write', why: 'setup: the Listing properties (buildium_property_id and the Buildium property fields)' },
  { scope: 'crm.objects.custom.read', why: 'Unit batch read: Buildium units edited in HubSpot; the custom object schemas (setup)', customObjects: true },
  { scope: 'crm.objects.custom.write', why: 'Unit batch upsert and update: Buildium units; Unit–Listing associations', customObjects: true },
  { scope: 'crm.schemas.custom.write', why: 'setup: the Unit object schema and its properties', customObjects: true },
] as const satisfies readonly ScopeNeed[];

export type HubSpotScope = (typeof HUBSPOT_SCOPES)[number]['scope'];

/** The scopes a deployment asks for: all of them, or without custom objects (accounts below Enterprise). */
export function requiredScopes(options: { customObjects: boolean } = { customObjects: true }): HubSpotScope[] {
  return HUBSPOT_SCOPES.filter((s: ScopeNeed) => options.customObjects || !s.customObjects).map((s) => s.scope);
}

/** A call authorised by a public app's developer API key (the legacy Webhooks API): no portal scope. */
export const DEVELOPER_API_KEY = 'developer API key';
/** A call authorised by the app's client id and secret (the OAuth token endpoint): no portal scope. */
export const APP_CREDENTIALS = 'app client credentials';

export type ScopeRequirement = HubSpotScope | typeof DEVELOPER_API_KEY | typeof APP_CREDENTIALS;

type ObjectKind = 'contacts' | 'deals' | 'listings' | 'custom';
const OBJECT_KINDS: readonly ObjectKind[] = ['contacts', 'deals', 'listings', 'custom'];

/** contacts / 0-1, deals / 0-3, listings / 0-420, and custom objects by id (`2-…`) or fully qualified name (`p{portal}_{name}`). */
function objectKind(objectType: string): ObjectKind | undefined {
  const type = decodeURIComponent(objectType).toLowerCase();
  if (type === 'contacts' || type === 'contact' || type === '0-1') return 'contacts';
  if (type === 'deals' || type === 'deal' || type === '0-3') return 'deals';
  if (type === 'listings' || type === 'listing' || type === '0-420') return 'listings';
  if (/^2-\d+$/.test(type) || /^p\d+_[a-z0-9_]+$/.test(type)) return 'custom';
  return undefined;
}

const objectScopes = (kind: ObjectKind | undefined, access: 'read' | 'write') => (kind ? [`crm.objects.${kind}.${access}`] : []);
/** The associations APIs accept the object scopes, read or write, of the objects they join. */
const joinScopes = (...kinds: Array<ObjectKind | undefined>) => [...new Set(kinds.flatMap((k) => [...objectScopes(k, 'read'), ...objectScopes(k, 'write')]))];

function isRead(method: string, suffix: string): boolean {
  return method === 'GET' || (method === 'POST' && /^\/(?:batch\/read|search)$/.test(suffix));
}

/** Both path forms: the legacy numbered version or a date (`/crm/v3/objects/…`, `/crm/objects/2026-09/…`). */
const DATE = '\\d{4}-\\d{2}';
const FAMILIES: ReadonlyArray<{ readonly pattern: RegExp; readonly accepted: (method: string, match: RegExpExecArray) => readonly string[] }> = [
  { pattern: new RegExp(`^/account-info/(?:v3|${DATE})/details$`), accepted: () => ['oauth'] },
  { pattern: new RegExp(`^/oauth/(?:v1|${DATE})/token$`), accepted: () => [APP_CREDENTIALS] },
  // The legacy Webhooks API (webhooks-v3.json) and its dated successor take the developer API key.
  { pattern: new RegExp(`^/(?:webhooks/v3|app-webhooks/${DATE})/[^/]+/(?:settings|subscriptions)(?:/.*)?$`), accepted: () => [DEVELOPER_API_KEY] },
  // Limits tracking accepts any CRM object scope (limits-tracking guide, "Scope requirements").
  { pattern: new RegExp(`^/crm/(?:v3/limits|limits/${DATE})/`), accepted: (method) => (method === 'GET' ? joinScopes(...OBJECT_KINDS) : []) },
  {
    pattern: new RegExp(`^/crm-object-schemas/(?:v3|${DATE})/schemas(/.*)?$`),
    accepted: (method, m) => (isRead(method, m[1] ?? '') ? ['crm.objects.custom.read', 'crm.schemas.custom.read'] : ['crm.schemas.custom.write']),
  },
  // Association labels: `/crm/associations/v4/{from}/{to}/labels` or `/crm/associations/2026-09/{from}/{to}/labels`.
  {
    pattern: new RegExp(`^/crm/associations/(?:v4|${DATE})/([^/]+)/([^/]+)/labels(?:/.*)?$`),
    accepted: (_method, m) => joinScopes(objectKind(m[1]!), objectKind(m[2]!)),
  },
  // Association batches: `/crm/v4/associations/{from}/{to}/batch/…` or `/crm/associations/2026-09/{from}/{to}/batch/…`.
  {
    pattern: new RegExp(`^/crm/(?:v4/associations|associations/${DATE})/([^/]+)/([^/]+)/batch/`),
    accepted: (_method, m) => joinScopes(objectKind(m[1]!), objectKind(m[2]!)),
  },
  // One record's associations: `/crm/v4/objects/{type}/{id}/associations/{toType}…` or the dated form.
  {
    pattern: new RegExp(`^/crm/(?:v4/objects|objects/${DATE})/([^/]+)/[^/]+/associations/(?:default/)?([^/]+)`),
    accepted: (_method, m) => joinScopes(objectKind(m[1]!), objectKind(m[2]!)),
  },
  {
    pattern: new RegExp(`^/crm/(?:v3/objects|objects/${DATE})/([^/]+)(/.*)?$`),
    accepted: (method, m) => objectScopes(objectKind(m[1]!), isRead(method, m[2] ?? '') ? 'read' : 'write'),
  },
  {
    pattern: new RegExp(`^/crm/(?:v3/properties|properties/${DATE})/([^/]+)(/.*)?$`),
    accepted: (method, m) => {
      const kind = objectKind(m[1]!);
      if (!kind) return [];
      return isRead(method, m[2] ?? '') ? [`crm.objects.${kind}.read`, `crm.objects.${kind}.write`, `crm.schemas.${kind}.read`] : [`crm.schemas.${kind}.write`];
    },
  },
];

/**
 * The scopes any one of which lets a call through (the query string is ignored); undefined for a
 * call this table does not know, which the scope tests treat as a failure: a new kind of call must
 * be added here.
 */
export function acceptedScopes(method: string, path: string): readonly string[] | undefined {
  const bare = path.split('?')[0]!;
  const verb = method.toUpperCase();
  for (const family of FAMILIES) {
    const match = family.pattern.exec(bare);
    if (match) {
      const accepted = family.accepted(verb, match);
      return accepted.length > 0 ? accepted : undefined;
    }
  }
  return undefined;
}

const LISTED: ReadonlySet<string> = new Set<string>([...HUBSPOT_SCOPES.map((s) => s.scope), DEVELOPER_API_KEY, APP_CREDENTIALS]);

/** The scope of `HUBSPOT_SCOPES` a call goes through (or the credentials it takes instead); undefined when none would let it through. */
export function scopeFor(method: string, path: string): ScopeRequirement | undefined {
  return acceptedScopes(method, path)?.find((scope): scope is ScopeRequirement => LISTED.has(scope));
}
