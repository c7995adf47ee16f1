/**
 * Bad input, everywhere (issue 6 §2): every HTTP route of `lib/topology.ts`, called through its
 * function's `makeHandler(getDeps)` over in-memory fakes, with generated requests (fast-check):
 * arbitrary and hostile JSON, wrong types, missing and extra fields, non-JSON, wrong or missing
 * content types, base64 bodies, bodies just over and at the route's limit, random path parameters
 * and query strings, and, on the signature routes, correctly signed bodies too, so the fuzzing
 * reaches the validation behind the signature.
 *
 * For every request: no 5xx; an answer within the run's timeout; JSON; a 4xx is CONTRACT.md's
 * error shape (a signature's 401 is the bare `unauthorized`); and a refused request stores and
 * queues nothing (CONTRACT.md: "A rejected request stores and queues nothing").
 *
 * Deterministic by default (fixed seed); `FUZZ_SEED=<seed>` (with `FUZZ_PATH=<path>` for the
 * shrunk case) replays a printed failure, and `FUZZ_RUNS=<n>` runs more cases per route.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { topologyFor, type RouteSpec } from '../../lib/topology.js';
import {
  BODY_ROUTES,
  FUZZ_RUNS,
  PUBLIC_BASE_URL,
  ROUTE_BUDGET_MS,
  SECRETS,
  SIZE_BEFORE_SIGNATURE,
  bodyLimit,
  fuzzParameters,
  harnessFor,
  requests,
  signatureValid,
  type FuzzCase,
  type RouteHarness,
} from './support/fuzz.js';
import { T0 } from './support/fakes.js';
import { answer, contractError, httpEvent, type Answer } from './support/lambda.js';

const ROUTES = topologyFor('dev').routes;
const key = (route: RouteSpec) => `${route.method} ${route.path}`;

/** One request that takes longer than this (synchronously, which the run's timeout cannot interrupt) is a hang. */
const SLOW_RUN_MS = 3_000;

const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'Unauthorized', details: [] } };

/** GET routes that read a store by a key taken from the path (see the key-limit finding below). */
const KEYED_READS = new Set(['GET /leads/{leadId}', 'GET /events/turbotenant/{eventId}', 'GET /mappings/{system}/{type}/{sourceId}', 'GET /sync/jobs/{jobId}', 'GET /sync/jobs/{jobId}/errors']);

/**
 * OAuth's browser redirects (RFC 6749 §4.1: the authorization request and its response are GETs):
 * the install answers 302 to HubSpot, and the callback stores the portal's tokens.
 */
const OAUTH_INSTALL = 'GET /oauth/hubspot/install';
const OAUTH_CALLBACK = 'GET /oauth/hubspot/callback';

function contentTypeOf(response: Answer): unknown {
  return Object.entries(response.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
}

async function check(c: FuzzCase, statuses: Map<number, number>): Promise<void> {
  const route = c.route;
  const harness = await harnessFor(route);
  const before = harness.writes();
  const started = performance.now();
  const response = answer(await harness.invoke(c.event));
  const took = performance.now() - started;
  const after = harness.writes();
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);

  // It completes, promptly.
  expect(took, 'the request took too long').toBeLessThan(SLOW_RUN_MS);
  // Never a 5xx: the only documented one is the 503 of a queue that refuses, and these fakes never do.
  expect(response.statusCode, `a 5xx: ${JSON.stringify(response.body)}`).toBeLessThan(500);
  expect(response.statusCode).toBeGreaterThanOrEqual(200);
  if (key(route) === OAUTH_INSTALL && response.statusCode === 302) expect(response.body).toBeUndefined();
  else expect(String(contentTypeOf(response))).toMatch(/^application\/json/);

  const refused = response.statusCode >= 400;
  if (refused) {
    // CONTRACT.md's error shape: a non-empty code and message, details of {path, message}.
    const error = contractError(response);
    expect(error.code.length).toBeGreaterThan(0);
    expect(error.message.length).toBeGreaterThan(0);
    if (response.statusCode === 401) {
      expect(route.auth, 'a 401 from a route without a signature').toBe('signature');
      expect(response.body).toEqual(UNAUTHORIZED);
    }
    // A refused request stores and queues nothing.
    expect(after, 'a refused request wrote or queued something').toBe(before);
  }

  // Reads write nothing, whatever they answer.
  if (route.method === 'GET' && !(key(route) === OAUTH_CALLBACK && !refused)) expect(after, 'a GET wrote or queued something').toBe(before);

  // The signature gate: an unsigned or badly signed request gets the bare 401 (or the 413 of a size check that comes first).
  if (route.auth === 'signature' && !signatureValid(c.signature)) {
    const sizeFirst = SIZE_BEFORE_SIGNATURE.has(key(route)) && c.bodyBytes > bodyLimit(route);
    expect(response.statusCode).toBe(sizeFirst ? 413 : 401);
  }

  // The size limit: never 413 at or under it; a JSON body over it is refused with 413 where a body is read.
  if (c.bodyBytes <= bodyLimit(route)) expect(response.statusCode).not.toBe(413);
  if (BODY_ROUTES.has(key(route)) && c.bodyBytes > bodyLimit(route)) {
    expect(response.statusCode, 'a body over the limit was accepted').toBeGreaterThanOrEqual(400);
    const reachesRead =
      SIZE_BEFORE_SIGNATURE.has(key(route)) ||
      (c.jsonContentType && c.idempotencyKey === undefined && (route.auth !== 'signature' || signatureValid(c.signature)));
    if (reachesRead) expect(response.statusCode).toBe(413);
  }
}

describe.each(ROUTES.map((r) => [key(r), r] as const))('fuzz %s', (_name, route) => {
  it(`answers ${FUZZ_RUNS} generated requests within the contract, writing nothing when it refuses`, { timeout: ROUTE_BUDGET_MS + 10_000 }, async () => {
    // Prepare
    const statuses = new Map<number, number>();

    // Act and assess
    await fc.assert(
      fc.asyncProperty(requests(route), (c) => check(c, statuses)),
      fuzzParameters(),
    );

    // Assess: the generators reached past the door: some requests were accepted, and behind a signature some were refused by validation.
    const seen = [...statuses.keys()];
    expect(seen.some((s) => s >= 200 && s < (key(route) === OAUTH_INSTALL ? 303 : 300)), `only ${seen.join(', ')}`).toBe(true);
    if (route.auth === 'signature') expect(seen.some((s) => s === 400), `no signed request was refused by validation: ${seen.join(', ')}`).toBe(true);
    if (BODY_ROUTES.has(key(route))) expect(seen, 'no body reached the validation').toContain(400);
  });
});

describe('fuzz: unknown route keys', () => {
  const functions = [...new Map(ROUTES.filter((r) => r.function !== 'health').map((r) => [r.function, r])).values()];

  it.each(functions.map((r) => [r.function, r] as const))('%s answers an unknown route with the contract\'s 404 and writes nothing', async (_fn, route) => {
    // Prepare
    const harness = await harnessFor(route);
    const before = harness.writes();
    const base = httpEvent({ method: 'POST', route: route.path, headers: { 'content-type': 'application/json' }, body: '{}' });
    const event: APIGatewayProxyEventV2 = { ...base, routeKey: 'DELETE /nowhere' };

    // Act
    const response = answer(await harness.invoke(event));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(contractError(response).code).toBe('not_found');
    expect(harness.writes()).toBe(before);
  });
});

describe('fuzz findings', () => {
  // FOUND BY THIS FUZZ (fixed): the GET routes below pass a path parameter straight to a
  // DynamoDB GetItem. A parameter that makes the partition key longer than 2,048 bytes (e.g. a
  // 2,100-character leadId; an HTTP API takes a request line and headers of up to 10,240 bytes)
  // is refused by DynamoDB with a ValidationException ("Hash primary key values must be under
  // 2048 bytes ..."), which errorResponse answers 500 internal_error. Reproduced against DynamoDB
  // Local with the real adapters (DynamoLeadStore.get, DynamoEventConfirmations.get,
  // DynamoMappingStore.get, DynamoSyncJobs.get/state); here the fakes carry the same limit
  // (support/fuzz.ts `keyLimited`). Suggested fix: bound path ids in the handlers (e.g. at most
  // 1,024 bytes, as TurboTenant event ids are bounded to 128 characters) and answer 404 (or 400)
  // before reading. Fixed: handlers bound path ids at 1,024 bytes (runtime/http.ts pathParams) → 404.
  it.each([
    ['GET /leads/{leadId}', { leadId: 'x'.repeat(2_100) }],
    ['GET /events/turbotenant/{eventId}', { eventId: 'x'.repeat(2_100) }],
    ['GET /mappings/{system}/{type}/{sourceId}', { system: 'turbotenant', type: 'property', sourceId: 'x'.repeat(2_100) }],
    ['GET /sync/jobs/{jobId}', { jobId: 'x'.repeat(2_100) }],
    ['GET /sync/jobs/{jobId}/errors', { jobId: 'x'.repeat(2_100) }],
  ] as const)('%s with a path parameter over DynamoDB\'s key size is not answered 5xx', async (routeKey, pathParameters) => {
    // Prepare
    const route = ROUTES.find((r) => key(r) === routeKey)!;
    const harness = await harnessFor(route);
    const request = httpEvent({ method: route.method, route: route.path, pathParameters: { ...pathParameters } });

    // Act
    const response = answer(await harness.invoke(request));

    // Assess
    expect(response.statusCode).toBeLessThan(500);
  });

  // FOUND BY THIS FUZZ (fixed): POST /webhooks/hubspot answers 500 to a correctly signed,
  // well-formed delivery when an event carries an unknown field nested ~4,200+ levels deep (an
  // 8 KB body) and the delivery is not queued verbatim (events of more than one portal, or a
  // message over 200 KB). HubSpotEventSchema is a looseObject, so the unknown field is kept, and
  // core/webhook-intake.ts `messageBodies` re-serialises each event with JSON.stringify, which
  // throws RangeError "Maximum call stack size exceeded". HubSpot then retries the delivery for
  // ever. Suggested fix: bound the nesting before queueing (e.g. refuse with 400, or strip unknown
  // keys with z.object instead of z.looseObject), or catch the RangeError in messageBodies and
  // answer 400. Fixed: every JSON body nested deeper than 64 levels is refused with 400 too_deep
  // before it is parsed (runtime/http.ts readJsonBody).
  it('a signed HubSpot delivery with a deeply nested unknown field is not answered 5xx', async () => {
    // Prepare
    const route = ROUTES.find((r) => key(r) === 'POST /webhooks/hubspot')!;
    const harness = await harnessFor(route);
    const before = harness.writes();
    const depth = 5_000;
    const event = (portalId: number, extra = '') =>
      `{"eventId":1,"subscriptionId":2,"portalId":${portalId},"occurredAt":4,"subscriptionType":"contact.creation","objectId":5${extra}}`;
    const body = `[${event(1, `,"x":${'['.repeat(depth)}${']'.repeat(depth)}`)},${event(2)}]`;
    const timestamp = String(T0.getTime());
    const request = httpEvent({
      method: 'POST',
      route: '/webhooks/hubspot',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signV3(SECRETS.hubspot, 'POST', `${PUBLIC_BASE_URL}/webhooks/hubspot`, body, timestamp),
        'x-hubspot-request-timestamp': timestamp,
      },
      body,
    });

    // Act
    const response = answer(await harness.invoke(request));

    // Assess
    expect(harness.writes()).toBe(before);
    expect(response.statusCode).toBeLessThan(500);
  });
});
