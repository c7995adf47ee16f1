import { request } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHttpApi, type HttpApi, type HttpRoute } from '../../lib/local/http-api.js';
import { scheduleEvent, startSchedules, UnknownScheduleError } from '../../lib/local/scheduler.js';
import { topologyFor } from '../../lib/topology.js';

let api: HttpApi;
let events: APIGatewayProxyEventV2[] = [];
let contexts: Context[] = [];
let nextResult: (event: APIGatewayProxyEventV2) => Promise<unknown> = async () => ({ statusCode: 204 });

const record: HttpRoute['handler'] = async (event, context) => {
  events.push(event);
  contexts.push(context);
  return nextResult(event);
};

beforeAll(async () => {
  api = await startHttpApi({
    port: 0,
    host: '127.0.0.1',
    integrationTimeoutSeconds: 0.5,
    onError: () => {},
    routes: [
      { method: 'GET', path: '/leads/{leadId}', handler: record, functionName: 'lead-events', timeoutSeconds: 10, auth: 'iam' },
      { method: 'GET', path: '/leads/export', handler: record },
      { method: 'POST', path: '/leads', handler: record },
      { method: 'GET', path: '/files/{path+}', handler: record },
      { method: 'GET', path: '/slow', handler: record, timeoutSeconds: 0.2 },
      { method: 'GET', path: '/slower', handler: record, timeoutSeconds: 60 },
    ],
  });
});

afterAll(async () => {
  await api?.close();
});

beforeEach(() => {
  events = [];
  contexts = [];
  nextResult = async () => ({ statusCode: 204 });
});

/** A raw request, so repeated headers reach the server as separate lines. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the payload 2.0 event', () => {
  it('carries the route, decoded path parameters, query, headers and cookies like API Gateway', async () => {
    const before = Date.now();
    const res = await raw('/leads/lead%201?email=ana%2Bx%40example.com&tag=a&tag=b+c&empty=', {
      headers: {
        'User-Agent': 'test-agent',
        'X-Multi': ['one', 'two'],
        Cookie: ['session=abc; theme=dark', 'other=1'],
      },
    });
    expect(res.status).toBe(204);
    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /leads/{leadId}',
      rawPath: '/leads/lead%201',
      rawQueryString: 'email=ana%2Bx%40example.com&tag=a&tag=b+c&empty=',
      cookies: ['session=abc', 'theme=dark', 'other=1'],
      queryStringParameters: { email: 'ana+x@example.com', tag: 'a,b c', empty: '' },
      pathParameters: { leadId: 'lead 1' },
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.stringMatching(/^\d{12}$/),
        apiId: expect.any(String),
        domainName: new URL(api.url).host,
        http: { method: 'GET', path: '/leads/lead%201', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent' },
        requestId: expect.any(String),
        routeKey: 'GET /leads/{leadId}',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
      },
    });
    expect(event!.body).toBeUndefined();
    expect(event!.headers['x-multi']).toBe('one,two');
    expect(event!.headers['user-agent']).toBe('test-agent');
    expect(event!.headers.cookie).toBeUndefined();
    expect(event!.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(Object.keys(event!.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event!.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(res.headers['apigw-requestid']).toBe(event!.requestContext.requestId);
    expect(contexts[0]).toMatchObject({ functionName: 'lead-events' });
    expect(contexts[0]!.getRemainingTimeInMillis()).toBeGreaterThan(9000);
  });

  it('leaves out query, path parameters and cookies when there are none', async () => {
    await raw('/leads/export');
    const [event] = events;
    expect(event!.routeKey).toBe('GET /leads/export');
    expect(event!.rawQueryString).toBe('');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('cookies');
  });

  it('matches greedy path variables', async () => {
    await raw('/files/a/b%2Fc.txt');
    expect(events[0]).toMatchObject({ routeKey: 'GET /files/{path+}', pathParameters: { path: 'a/b/c.txt' } });
  });

  it('passes JSON and text bodies as UTF-8 and base64-encodes binary ones', async () => {
    await raw('/leads', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"email":"ñ@example.com"}' });
    await raw('/leads', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hola' });
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await raw('/leads', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    await raw('/leads', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' });
    expect(events.map((e) => [e.body, e.isBase64Encoded])).toEqual([
      ['{"email":"ñ@example.com"}', false],
      ['hola', false],
      [bytes.toString('base64'), true],
      [Buffer.from('a=1&b=2').toString('base64'), true],
    ]);
  });
});

describe('the answer', () => {
  it('uses statusCode, headers, cookies and body of a structured result', async () => {
    nextResult = async () => ({
      statusCode: 202,
      headers: { 'Content-Type': 'application/json', 'X-Count': 3 },
      cookies: ['a=1; Path=/', 'b=2'],
      body: '{"leadId":"l1","status":"PENDING"}',
    });
    const res = await fetch(`${api.url}/leads`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-count')).toBe('3');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(await res.json()).toEqual({ leadId: 'l1', status: 'PENDING' });
  });

  it('decodes a base64 body', async () => {
    const bytes = Buffer.from([137, 80, 78, 71]);
    nextResult = async () => ({ statusCode: 200, headers: { 'content-type': 'image/png' }, body: bytes.toString('base64'), isBase64Encoded: true });
    const res = await fetch(`${api.url}/leads/export`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it('turns a result without statusCode into 200 JSON', async () => {
    nextResult = async () => ({ leads: [] });
    let res = await fetch(`${api.url}/leads/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"leads":[]}');

    nextResult = async () => 'Hello from Lambda!';
    res = await fetch(`${api.url}/leads/export`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello from Lambda!');
  });

  it('answers 404 for a path or method without a route', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['DELETE', '/leads/l1'],
      ['GET', '/leads/l1/extra'],
    ] as const) {
      const res = await fetch(`${api.url}${path}`, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
    }
    expect(events).toHaveLength(0);
  });

  it('answers 500 when the handler throws, returns a malformed result or times out', async () => {
    nextResult = async () => {
      throw new Error('boom');
    };
    let res = await fetch(`${api.url}/leads/export`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });

    nextResult = async () => ({ statusCode: 'two hundred' });
    res = await fetch(`${api.url}/leads/export`);
    expect(res.status).toBe(500);

    nextResult = () => new Promise((r) => setTimeout(() => r({ statusCode: 200 }), 1000));
    res = await fetch(`${api.url}/slow`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 503 when a function outlives the integration timeout', async () => {
    nextResult = () => new Promise((r) => setTimeout(() => r({ statusCode: 200 }), 1000));
    const res = await fetch(`${api.url}/slower`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('answers 413 for a body over 10 MB, declared or streamed, without invoking', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    let res = await raw('/leads', { method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': String(big.length) }, body: big });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString())).toEqual({ message: 'Request Entity Too Large' });

    res = await raw('/leads', { method: 'POST', headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, body: big });
    expect(res.status).toBe(413);

    const fits = Buffer.alloc(10 * 1024 * 1024, 0x61);
    res = await raw('/leads', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: fits });
    expect(res.status).toBe(204);
    expect(events).toHaveLength(1);
    expect(events[0]!.body).toHaveLength(fits.length);
  });

  it('serves routes added while running', async () => {
    api.addRoute({ method: 'POST', path: '/__local/schedules/{id}', handler: async (event) => ({ fired: event.pathParameters?.id }) });
    const res = await fetch(`${api.url}/__local/schedules/lead-reconcile`, { method: 'POST' });
    expect(await res.json()).toEqual({ fired: 'lead-reconcile' });
  });
});

describe('local schedules (EventBridge rate rules)', () => {
  const spec = topologyFor('local').schedules[0]!;

  it('first runs one period after start, then every period, with the rule’s input as the event', async () => {
    vi.useFakeTimers();
    try {
      const calls: unknown[] = [];
      const schedules = startSchedules([spec], async (s, event) => void calls.push([s.id, event]), { enabled: true });
      await vi.advanceTimersByTimeAsync(spec.rateMinutes * 60_000 - 1);
      expect(calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toEqual([[spec.id, { schedule: spec.id, ...spec.detail }]]);
      await vi.advanceTimersByTimeAsync(spec.rateMinutes * 60_000);
      expect(calls).toHaveLength(2);
      await schedules.stop();
      await vi.advanceTimersByTimeAsync(spec.rateMinutes * 60_000 * 3);
      expect(calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs only on demand when disabled, and fire() returns what the handler returned', async () => {
    const events: unknown[] = [];
    const schedules = startSchedules([spec], async (_s, event) => {
      events.push(event);
      return { requeued: 2 };
    }, { enabled: false });
    expect(await schedules.fire(spec.id)).toEqual({ requeued: 2 });
    expect(events).toEqual([scheduleEvent(spec)]);
    await expect(schedules.fire('nope')).rejects.toBeInstanceOf(UnknownScheduleError);
    await schedules.stop();
  });
});
