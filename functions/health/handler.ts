import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/** Longest part of the asked path that the 404's message repeats. */
const SHOWN_PATH_CHARS = 200;

/**
 * GET /health: answers without touching any dependency, so it measures only that the API is up.
 * Also the API's `$default` route: a request no route matches gets the contract's 404 body
 * (CONTRACT.md, "Errors are JSON") instead of API Gateway's own `{"message":"Not Found"}`.
 */
export const handler = async (event?: Partial<APIGatewayProxyEventV2>): Promise<APIGatewayProxyResultV2> => {
  if (event?.routeKey === '$default') {
    const method = event.requestContext?.http?.method ?? 'GET';
    // JSON.stringify escapes what the path holds (control characters included); the path is cut short, never echoed whole.
    const path = (event.rawPath ?? '/').slice(0, SHOWN_PATH_CHARS);
    return {
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: 'not_found', message: `No route ${method} ${path}`, details: [] } }),
    };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'ok' }) };
};
