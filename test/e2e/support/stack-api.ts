/** A caller of the local stack's HTTP API, as the e2e tests use it: JSON in, status and JSON out. */
export type Json = Record<string, any>;

export function stackApi(apiUrl: () => string) {
  return async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${apiUrl()}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
}

/**
 * A `property_created` event for a property the TurboTenant sandbox seeds (PROP_1005 of LL_1005),
 * as TurboTenant would post it: the raw body and its signature headers.
 */
export function seededPropertyCreated(eventId: string, sign: (rawBody: string) => Record<string, string>): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    event_id: eventId,
    event_type: 'property_created',
    occurred_at: new Date().toISOString(),
    landlord_id: 'LL_1005',
    property_id: 'PROP_1005',
    metadata: { utm_source: 'connectlinx', utm_medium: 'form', utm_campaign: 'landlord_property_onboarding', platform_source: 'viviaturbo.live' },
  });
  return { body, headers: sign(body) };
}
