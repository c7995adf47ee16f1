/**
 * A bare HTTP caller for the HubSpot sandbox's API in tests: bearer token (null: none), a JSON
 * body (a string is sent as it is), and the answer's status, headers and parsed body.
 */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export type ApiCall = (method: string, path: string, body?: unknown, token?: string | null) => Promise<ApiResponse>;

export function hubspotApi(base: () => string, defaultToken: string): ApiCall {
  return async (method, path, body, token = defaultToken) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${base()}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}
