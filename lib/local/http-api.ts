import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { RouteAuth } from '../topology.js';
import { createLambdaContext, LambdaTimeoutError, LOCAL_ACCOUNT_ID, withTimeout } from './lambda-context.js';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2 | unknown>;

export interface HttpRoute {
  /** An HTTP method, or ANY. */
  method: string;
  /** API Gateway path template: `/leads/{leadId}`, `/files/{path+}`. */
  path: string;
  handler: HttpHandler;
  /** For the Lambda context; defaults to the route key. */
  functionName?: string;
  /** The function's timeout: a handler still running then answers 500, like a Lambda timeout behind API Gateway. */
  timeoutSeconds?: number;
  memoryMb?: number;
  /** `iam` adds a local caller identity as requestContext.authorizer.iam (SigV4 is not checked locally). */
  auth?: RouteAuth;
  /**
   * The handler stops itself at the function's timeout (an execution environment, whose init is not
   * part of it); the API then waits for it up to its integration timeout only.
   */
  enforcesTimeout?: boolean;
}

export interface HttpApiOptions {
  port: number;
  host?: string;
  routes: readonly HttpRoute[];
  /** API Gateway's `$default` route: invoked (route key `$default`) for a request no route matches. */
  defaultRoute?: Omit<HttpRoute, 'method' | 'path'>;
  /** API Gateway's HTTP API payload limit is 10 MB. */
  maxBodyBytes?: number;
  /** API Gateway's HTTP API integration timeout is 30 s. */
  integrationTimeoutSeconds?: number;
  apiId?: string;
  onError?: (error: unknown, info: { routeKey: string; requestId: string }) => void;
}

export interface HttpApi {
  url: string;
  port: number;
  /** Registers another route (e.g. a local-only one) while the server runs. */
  addRoute(route: HttpRoute): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const INTEGRATION_TIMEOUT_SECONDS = 30;

interface CompiledRoute {
  route: HttpRoute;
  routeKey: string;
  segments: Array<{ kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string }>;
}

function compile(route: HttpRoute): CompiledRoute {
  const method = route.method.toUpperCase();
  const parts = route.path.split('/').slice(1);
  const segments = parts.map((part, i) => {
    const greedy = /^\{([^{}]+)\+\}$/.exec(part);
    if (greedy) {
      if (i !== parts.length - 1) throw new Error(`route ${route.path}: a greedy variable must be the last segment`);
      return { kind: 'greedy' as const, name: greedy[1]! };
    }
    const param = /^\{([^{}+]+)\}$/.exec(part);
    if (param) return { kind: 'param' as const, name: param[1]! };
    return { kind: 'literal' as const, value: part };
  });
  return { route: { ...route, method }, routeKey: `${method} ${route.path}`, segments };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function match(compiled: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const { segments } = compiled;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i]!;
    if (segment.kind === 'greedy') {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      params[segment.name] = safeDecode(rest.join('/'));
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (segment.value !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.name] = safeDecode(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
}

/** API Gateway prefers literal segments over variables, variables over greedy ones, and a method over ANY. */
function specificity(compiled: CompiledRoute): number[] {
  const rank = { literal: 0, param: 1, greedy: 2 } as const;
  return [...compiled.segments.map((s) => rank[s.kind]), compiled.route.method === 'ANY' ? 1 : 0];
}

function moreSpecific(a: CompiledRoute, b: CompiledRoute): number {
  const sa = specificity(a);
  const sb = specificity(b);
  for (let i = 0; i < Math.max(sa.length, sb.length); i += 1) {
    const d = (sa[i] ?? -1) - (sb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * HTTP APIs pass the body as text only for these media types and base64-encode everything else,
 * including a missing content type and form posts. AWS documents the flag ("isBase64Encoded: true
 * if the body is binary") but not the list; this one was measured against a real HTTP API
 * (github.com/ministackorg/ministack pull request 766).
 */
function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || ['application/json', 'application/xml', 'application/javascript'].includes(type);
}

function requestId(): string {
  return randomBytes(10).toString('base64');
}

function clfTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

function traceId(now: number): string {
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

function sourceIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function parseQuery(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    // A literal `+` arrives as a space, as API Gateway decodes query strings (aws/aws-cdk issue 19827).
    const key = safeDecode((eq === -1 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
    const value = safeDecode((eq === -1 ? '' : pair.slice(eq + 1)).replaceAll('+', ' '));
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function buildHeaders(req: IncomingMessage): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter((c) => c !== ''));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

class MalformedProxyResponseError extends Error {
  constructor(message: string) {
    super(`malformed Lambda proxy response: ${message}`);
    this.name = 'MalformedProxyResponseError';
  }
}

interface HttpReply {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** How API Gateway turns a payload 2.0 function result into an HTTP response. */
export function toHttpReply(result: unknown): HttpReply {
  const structured =
    result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2 & { cookies?: unknown })
      : undefined;
  if (!structured) {
    // "If your Lambda function returns valid JSON and doesn't return a statusCode", API Gateway
    // answers 200 with content-type application/json and the result as the body (API Gateway
    // Developer Guide, "Lambda function response for format 2.0").
    const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body, 'utf8') };
  }
  const { statusCode } = structured;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedProxyResponseError(`statusCode ${JSON.stringify(statusCode)}`);
  }
  if (structured.body !== undefined && structured.body !== null && typeof structured.body !== 'string') {
    throw new MalformedProxyResponseError('body must be a string');
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = String(value);
  }
  if (structured.cookies !== undefined && structured.cookies !== null) {
    if (!Array.isArray(structured.cookies)) throw new MalformedProxyResponseError('cookies must be an array');
    const setCookie = structured.cookies.map(String);
    const existing = headers['set-cookie'];
    headers['set-cookie'] = existing === undefined ? setCookie : [...[existing].flat(), ...setCookie];
  }
  const text = structured.body ?? '';
  const body = structured.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode, headers, body };
}

class PayloadTooLargeError extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(new PayloadTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', (error) => {
      if (!done) {
        done = true;
        reject(error);
      }
    });
  });
}

/** A local stand-in for an API Gateway HTTP API (payload format 2.0, stage `$default`). */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const integrationTimeout = options.integrationTimeoutSeconds ?? INTEGRATION_TIMEOUT_SECONDS;
  const apiId = options.apiId ?? 'local';
  const onError =
    options.onError ??
    ((error: unknown, info: { routeKey: string; requestId: string }) => {
      console.error(`[http-api] ${info.routeKey} (${info.requestId}) failed:`, error);
    });
  const routes: CompiledRoute[] = options.routes.map(compile);

  const findRoute = (method: string, rawPath: string) => {
    const parts = rawPath.split('/').slice(1);
    let best: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
    for (const compiled of routes) {
      if (compiled.route.method !== method && compiled.route.method !== 'ANY') continue;
      const params = match(compiled, parts);
      if (!params) continue;
      if (!best || moreSpecific(compiled, best.compiled) < 0) best = { compiled, params };
    }
    if (!best && options.defaultRoute) {
      return { compiled: { route: { ...options.defaultRoute, method: 'ANY', path: '$default' }, routeKey: '$default', segments: [] }, params: {} };
    }
    return best;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const now = new Date();
    const id = requestId();
    const reply = (status: number, message: string) => {
      sendJson(res, status, { message }, { 'apigw-requestid': id });
    };

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) {
      res.setHeader('connection', 'close');
      reply(413, 'Request Entity Too Large');
      req.resume();
      return;
    }

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = (q === -1 ? url : url.slice(0, q)).split('#')[0]!;
    const rawQueryString = q === -1 ? '' : url.slice(q + 1).split('#')[0]!;
    const method = (req.method ?? 'GET').toUpperCase();
    const found = findRoute(method, rawPath);
    if (!found) {
      req.resume();
      reply(404, 'Not Found');
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        res.setHeader('connection', 'close');
        reply(413, 'Request Entity Too Large');
        req.resume();
        return;
      }
      throw error;
    }

    const { compiled, params } = found;
    const { route, routeKey } = compiled;
    const { headers, cookies } = buildHeaders(req);
    const ip = sourceIp(req);
    headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
    headers['x-forwarded-proto'] ??= 'http';
    headers['x-forwarded-port'] ??= String(req.socket.localPort ?? '');
    headers['x-amzn-trace-id'] ??= traceId(now.getTime());
    const domainName = headers.host ?? `${host}:${req.socket.localPort ?? ''}`;
    const textual = isTextual(headers['content-type']);
    const queryStringParameters = parseQuery(rawQueryString);

    const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
      version: '2.0',
      routeKey,
      rawPath,
      rawQueryString,
      ...(cookies.length > 0 ? { cookies } : {}),
      headers,
      ...(queryStringParameters ? { queryStringParameters } : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID,
        apiId,
        ...(route.auth === 'iam'
          ? {
              authorizer: {
                iam: {
                  accessKey: 'LOCALACCESSKEY',
                  accountId: LOCAL_ACCOUNT_ID,
                  callerId: 'LOCALCALLER',
                  cognitoIdentity: null,
                  principalOrgId: null,
                  userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local`,
                  userId: 'LOCALCALLER',
                },
              },
            }
          : {}),
        domainName,
        domainPrefix: domainName.split('.')[0]!.split(':')[0]!,
        http: {
          method,
          path: rawPath,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: ip,
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: id,
        routeKey,
        stage: '$default',
        time: clfTime(now),
        timeEpoch: now.getTime(),
      },
      ...(body.length > 0 ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
      ...(Object.keys(params).length > 0 ? { pathParameters: params } : {}),
      isBase64Encoded: body.length > 0 && !textual,
    };

    const functionTimeout = route.timeoutSeconds ?? integrationTimeout;
    const timeoutSeconds = route.enforcesTimeout ? integrationTimeout : Math.min(functionTimeout, integrationTimeout);
    const context = createLambdaContext({
      functionName: route.functionName ?? routeKey,
      timeoutSeconds: functionTimeout,
      memoryMb: route.memoryMb,
      startedAt: now.getTime(),
    });
    let result: unknown;
    try {
      result = await withTimeout(() => route.handler(event, context), now.getTime() + timeoutSeconds * 1000, timeoutSeconds);
    } catch (error) {
      onError(error, { routeKey, requestId: id });
      // A Lambda error or timeout becomes 500; a function outliving the 30 s integration timeout
      // makes an HTTP API answer 503.
      if (error instanceof LambdaTimeoutError && error.timeoutSeconds < functionTimeout) reply(503, 'Service Unavailable');
      else reply(500, 'Internal Server Error');
      return;
    }

    let out: HttpReply;
    try {
      out = toHttpReply(result);
    } catch (error) {
      onError(error, { routeKey, requestId: id });
      reply(500, 'Internal Server Error');
      return;
    }
    res.writeHead(out.statusCode, { ...out.headers, 'content-length': out.body.length, 'apigw-requestid': id });
    res.end(method === 'HEAD' ? undefined : out.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onError(error, { routeKey: `${req.method} ${req.url}`, requestId: '' });
      sendJson(res, 500, { message: 'Internal Server Error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : options.port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    addRoute(route) {
      routes.push(compile(route));
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      return closing;
    },
  };
}
