import type { APIGatewayProxyResultV2 } from 'aws-lambda';

/** GET /health: answers without touching any dependency, so it measures only that the API is up. */
export const handler = async (): Promise<APIGatewayProxyResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'ok' }),
});
