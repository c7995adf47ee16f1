/** Lambda events and context as AWS delivers them, for calling handlers directly. */
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';

export function lambdaContext(functionName: string, remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/10/12/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route template, as API Gateway's routeKey names it. */
  readonly route: string;
  /** The concrete path; defaults to the route. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
}

/** An API Gateway HTTP API (payload 2.0) event. */
export function httpEvent(request: HttpRequest): APIGatewayProxyEventV2 {
  const path = request.path ?? request.route;
  const rawQueryString = new URLSearchParams(request.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.route}`,
    rawPath: path,
    rawQueryString,
    headers: { host: 'api.example.test', ...(request.headers ?? {}) },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api123',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: request.method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'vitest' },
      requestId: `api-req-${Math.random().toString(36).slice(2)}`,
      routeKey: `${request.method} ${request.route}`,
      stage: '$default',
      time: '12/Oct/2025:10:00:00 +0000',
      timeEpoch: Date.parse('2025-10-12T10:00:00Z'),
    },
    ...(request.body !== undefined ? { body: request.body } : {}),
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}

export interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: unknown;
}

const StructuredResult = z.object({
  statusCode: z.number(),
  headers: z.record(z.string(), z.unknown()).optional(),
  body: z.string().optional(),
});

/** The handler's answer (API Gateway payload 2.0 structured result) with its JSON body parsed. */
export function answer(result: unknown): Answer {
  const structured = StructuredResult.parse(result);
  return {
    statusCode: structured.statusCode,
    headers: structured.headers ?? {},
    body: structured.body ? JSON.parse(structured.body) : undefined,
  };
}

/** CONTRACT.md's error body: `{"error":{"code","message","details":[{"path","message"}]}}`. */
const ContractError = z.strictObject({
  error: z.strictObject({
    code: z.string().min(1),
    message: z.string().min(1),
    details: z.array(z.strictObject({ path: z.string(), message: z.string() })),
  }),
});

/** The error of an answer, checked against the contract's shape. */
export function contractError(response: Answer): z.infer<typeof ContractError>['error'] {
  expectJsonContentType(response);
  return ContractError.parse(response.body).error;
}

function expectJsonContentType(response: Answer): void {
  const contentType = Object.entries(response.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (typeof contentType !== 'string' || !contentType.startsWith('application/json')) {
    throw new Error(`expected a JSON answer, got content-type ${String(contentType)}`);
  }
}

export function sqsRecord(messageId: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1760263200000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1760263200001',
    },
    messageAttributes: {},
    md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:lead-sync',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(records: readonly SQSRecord[]): SQSEvent {
  return { Records: [...records] };
}
