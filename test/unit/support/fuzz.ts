/**
 * Property-based fuzzing of the HTTP routes (issue 6 §2 "Bad input, everywhere"): generators of
 * hostile requests (fast-check) and, per route of `lib/topology.ts`, the route's function built
 * with `makeHandler(getDeps)` over the in-memory fakes of this folder, with a fingerprint of
 * everything the fakes hold that a request could have written or queued.
 *
 * A generated request is a `FuzzCase`: the API Gateway v2 event plus what the generator knows
 * about it by construction (the raw body's size, whether its content type is JSON, whether and
 * how it is signed, how deeply its JSON nests), so the properties never re-derive it with the
 * code under test.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { makeHandler as makeBuildiumScheduler, type BuildiumSchedulerDeps } from '../../../functions/buildium-scheduler/handler.js';
import { signBuildium } from '../../../functions/connectors/buildium/signature.js';
import { signV1, signV3 } from '../../../functions/connectors/hubspot/signature.js';
import { CONTACT_EVENT_TYPES } from '../../../functions/connectors/hubspot/webhook-events.js';
import { signTurboTenant, turboTenantSignatureHeaders } from '../../../functions/connectors/turbotenant/signature.js';
import { BUILDIUM_CURSOR } from '../../../functions/core/buildium-messages.js';
import { handler as healthHandler } from '../../../functions/health/handler.js';
import { makeHandler as makeHubSpotWebhook } from '../../../functions/hubspot-webhook/handler.js';
import { makeHandler as makeHubSpotOAuth } from '../../../functions/hubspot-oauth/handler.js';
import { makeHandler as makeLeadEvents } from '../../../functions/lead-events/handler.js';
import { makeHandler as makeOperations } from '../../../functions/lead-operations/handler.js';
import type { Confirmation } from '../../../functions/store/event-confirmations.js';
import { makeHandler as makeTurboTenantEvents } from '../../../functions/turbotenant-events/handler.js';
import type { RouteSpec } from '../../../lib/topology.js';
import { InMemoryBuildiumConfig, InMemoryCursors, InMemoryJobLedger, RecordingSyncQueue } from './buildium-fakes.js';
import { FakeDeadLetters, InMemoryLeadStore, InMemoryPersistenceLayer, InMemoryWebhookLedger, RecordingQueue, RecordingSender, storedLead, T0 } from './fakes.js';
import { httpEvent, lambdaContext } from './lambda.js';
import { InMemoryInstalls, InMemoryStates } from './oauth-fakes.js';

// ---------------------------------------------------------------- run settings

/** Runs per route: `FUZZ_RUNS` raises (or lowers) it; CI runs the default. */
export const FUZZ_RUNS = positiveInteger(process.env.FUZZ_RUNS) ?? 150;
/** A fixed seed keeps CI deterministic; `FUZZ_SEED` replays the seed a failure printed. */
export const FUZZ_SEED = integer(process.env.FUZZ_SEED) ?? 20_251_012;
/** One run (one request) that has not answered by then has hung. */
export const RUN_TIMEOUT_MS = 5_000;
/**
 * The most one route's property may take, shrinking included: past it, fast-check stops and
 * reports what it has (a hang's shrinking would otherwise outlast the test's timeout and lose the
 * seed), and a route that did not finish its runs in time fails.
 */
export const ROUTE_BUDGET_MS = 20_000 + FUZZ_RUNS * 100;

/** fast-check's parameters for one route: seed, runs, per-run timeout, time budget; `FUZZ_PATH` replays one shrunk case. */
export function fuzzParameters(): fc.Parameters<[FuzzCase]> {
  const path = process.env.FUZZ_PATH?.trim();
  return {
    seed: FUZZ_SEED,
    numRuns: FUZZ_RUNS,
    timeout: RUN_TIMEOUT_MS,
    // The plugin only times the run; it never looks at the generated values.
    plugins: [fc.interruptAfterTimeLimit(ROUTE_BUDGET_MS, { failOnInterrupt: true }) as fc.Plugin<[FuzzCase]>],
    ...(path ? { path, endOnFailure: true } : {}),
  };
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`not an integer: ${value}`);
  return n;
}

function positiveInteger(value: string | undefined): number | undefined {
  const n = integer(value);
  if (n !== undefined && n < 1) throw new Error(`not a positive integer: ${value}`);
  return n;
}

// ---------------------------------------------------------------- JSON text with hostile tokens

/** JSON text emitted verbatim: numbers JSON.stringify cannot write (-0, 1e400), escapes, deep nesting. */
export class Raw {
  constructor(
    readonly text: string,
    readonly depth = 0,
  ) {}
}

/** An object as a list of entries, so keys such as `__proto__` are written as keys. */
export class Obj {
  constructor(readonly entries: readonly (readonly [string, Json])[]) {}
}

export type Json = null | boolean | number | string | Raw | Obj | readonly Json[] | { readonly [key: string]: Json };

export function render(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(render).join(',')}]`;
  if (value !== null && typeof value === 'object') return render(new Obj(Object.entries(value)));
  // JSON.stringify writes a lone surrogate as a \uXXXX escape (well-formed JSON.stringify), NaN and ±Infinity as null.
  return JSON.stringify(value) ?? 'null';
}

export function depthOf(value: Json): number {
  if (value instanceof Raw) return value.depth;
  if (value instanceof Obj) return 1 + Math.max(0, ...value.entries.map(([, v]) => depthOf(v)));
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Strings no field should choke on: unicode (lone surrogates too), control characters, injections, huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 12 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\t\n',
      '\u0000',
      '\u2028\u2029',
      '\ufeff',
      '\ud800',
      '\udfff\ud800',
      '😀',
      'e\u0301',
      '<script>alert(1)</script>',
      "' OR 1=1 --",
      '../../etc/passwd',
      '%00',
      '%2F..%2F',
      'null',
      'undefined',
      'NaN',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '0',
      '-1',
      '1e3',
      '9007199254740993',
      'ANA@EXAMPLE.COM ',
      'a@b',
      'ana@example.com\u0000',
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1_000, 65_537, 300_000), fc.constantFrom('x', 'é', '😀', '\ud800')).map(([n, c]) => c.repeat(n)) },
);

/** Numbers at JSON's edges; the Raw ones are valid JSON text JSON.stringify would not write. */
export const hostileNumber: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(new Raw('-0'), new Raw('1e400'), new Raw('-1e400'), new Raw('1E308'), new Raw('123456789012345678901234567890'), new Raw('1e-400'), new Raw('0.0')),
);

/** Deeply nested arrays or objects: a few levels, or more than any recursive walk of them survives. */
export const deepNesting: fc.Arbitrary<Raw> = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 2, max: 64 }) }, { weight: 2, arbitrary: fc.constantFrom(1_000, 4_500, 20_000, 100_000) }), fc.boolean())
  .map(([n, arrays]) => (arrays ? new Raw(`${'['.repeat(n)}${']'.repeat(n)}`, n) : new Raw(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, n)));

const smallJson = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

/** Any value in a field: wrong types, edge numbers, hostile strings, deep nesting, arrays of objects. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: smallJson },
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.array(fc.dictionary(fc.string({ maxLength: 8 }), smallJson, { maxKeys: 4 }), { maxLength: 30 }) as fc.Arbitrary<Json> },
);

const MISSING = Symbol('missing');
type Field = Json | typeof MISSING;

/**
 * An object shaped like a route's body: each field mostly valid, sometimes of a wrong type or
 * missing, and sometimes extra fields beside them.
 */
export function shaped(fields: Record<string, fc.Arbitrary<Field>>, validWeight = 14): fc.Arbitrary<Obj> {
  const model: Record<string, fc.Arbitrary<Field>> = {};
  for (const [name, valid] of Object.entries(fields)) {
    model[name] = fc.oneof(
      { weight: validWeight, arbitrary: valid },
      { weight: 1, arbitrary: hostileValue as fc.Arbitrary<Field> },
      { weight: 1, arbitrary: fc.constant<Field>(MISSING) },
    );
  }
  const extras = fc.oneof(
    { weight: 6, arbitrary: fc.constant<(readonly [string, Json])[]>([]) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '')), hostileValue), { minLength: 1, maxLength: 3 }),
    },
  );
  return fc.tuple(fc.record(model), extras).map(([record, extra]) => {
    const entries = Object.entries(record).filter((e): e is [string, Json] => e[1] !== MISSING);
    const names = new Set(entries.map(([k]) => k));
    return new Obj([...entries, ...extra.filter(([k]) => !names.has(k))]);
  });
}

/** An optional field: present or absent, evenly. */
const optional = (arb: fc.Arbitrary<Json>): fc.Arbitrary<Field> => fc.oneof(arb as fc.Arbitrary<Field>, fc.constant<Field>(MISSING));

// ---------------------------------------------------------------- route bodies

const validEmail = fc.oneof(
  fc.constantFrom('ana@example.com', ' ANA@Example.COM ', 'o.brien+tag@mail.example.org', 'x@y.io'),
  fc.tuple(fc.stringMatching(/^[a-z0-9]{1,20}$/), fc.stringMatching(/^[a-z]{1,10}$/)).map(([local, domain]) => `${local}@${domain}.com`),
);
const text = (max: number) => fc.string({ minLength: 1, maxLength: Math.min(max, 60) }).filter((s) => s.trim().length > 0);
const isoDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const positiveId = fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER));

const leadBody = shaped({
  email: validEmail,
  firstName: optional(text(100)),
  lastName: optional(text(100)),
  phone: optional(text(40)),
  message: optional(text(65_536)),
  source: optional(text(100)),
  externalId: optional(text(200)),
});

const hubspotEvent = shaped({
  eventId: fc.nat(),
  subscriptionId: fc.nat(),
  portalId: fc.oneof(fc.constantFrom(1, 2, 3), fc.nat()),
  occurredAt: fc.nat(),
  subscriptionType: fc.oneof(fc.constantFrom(...CONTACT_EVENT_TYPES, 'deal.creation', 'company.propertyChange'), fc.string({ minLength: 1, maxLength: 30 })),
  objectId: fc.nat(),
  attemptNumber: optional(fc.nat()),
  propertyName: optional(fc.constantFrom('email', 'firstname', 'phone')),
  propertyValue: optional(fc.string({ maxLength: 30 })),
  changeSource: optional(fc.constantFrom('CRM_UI', 'INTEGRATION', 'API')),
}, 40);
const hubspotDelivery: fc.Arbitrary<Json> = fc.oneof(
  { weight: 8, arbitrary: fc.array(hubspotEvent, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.array(hubspotEvent, { minLength: 101, maxLength: 103 }) },
  { weight: 1, arbitrary: hubspotEvent },
);

const turbotenantMetadata = shaped({
  utm_source: optional(fc.string({ maxLength: 20 })),
  utm_medium: optional(fc.string({ maxLength: 20 })),
  utm_campaign: optional(fc.string({ maxLength: 20 })),
  platform_source: optional(fc.string({ maxLength: 20 })),
  managed_by: optional(fc.string({ maxLength: 20 })),
});
const turbotenantLead = shaped({
  id: text(128),
  email: validEmail,
  first_name: optional(fc.string({ maxLength: 30 })),
  phone: optional(fc.string({ maxLength: 30 })),
  message: optional(fc.string({ maxLength: 100 })),
});
const turbotenantEvent = fc.constantFrom('property_created', 'property_updated', 'lead_created').chain((type) =>
  shaped({
    event_id: fc.oneof(fc.constantFrom('evt_known', 'evt_new'), text(128)),
    event_type: fc.constant(type),
    occurred_at: fc.oneof(isoDate, fc.constantFrom('2025-10-12T21:53:00+02:00', '2025-10-12T21:53:00.123456Z')),
    landlord_id: text(128),
    property_id: text(128),
    metadata: turbotenantMetadata,
    // `lead` belongs to lead_created only: usually so, sometimes not.
    lead: type === 'lead_created' ? turbotenantLead : optional(turbotenantLead),
  }),
);

const buildiumEvent = shaped({
  EventName: fc.oneof(fc.constantFrom('LeaseTenant.Updated', 'Rental.Created', 'RentalUnit.Updated', 'Lease.Deleted', 'Tenant.Created'), fc.string({ minLength: 1, maxLength: 30 })),
  EventDateTime: optional(isoDate),
  AccountId: optional(fc.integer()),
  PropertyId: optional(positiveId),
  UnitId: optional(positiveId),
  LeaseId: optional(positiveId),
  TenantId: positiveId,
});

const syncRequest = shaped({ mode: fc.constantFrom('incremental', 'full') });

const mappingOverride = shaped({
  entity: fc.constantFrom('tenant', 'property', 'unit'),
  source: fc.constantFrom('Email', 'PhoneNumbers[0].Number', 'Address.City', 'MoveInDate'),
  property: fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/),
  active: optional(fc.boolean()),
});
const syncConfig = shaped({
  overrides: fc.array(mappingOverride, { maxLength: 4 }),
  conflictStrategy: optional(fc.constantFrom('buildium_wins', 'hubspot_wins', 'manual_review', 'merge_fields')),
  mergeFields: optional(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), fc.constantFrom('source', 'target'), { maxKeys: 3 }) as fc.Arbitrary<Json>),
});

const reviewResolution = shaped({ resolution: fc.constantFrom('buildium', 'hubspot') });

/** What a route's body looks like when well formed (fields still mutated by `shaped`); hostile values otherwise. */
function bodyShape(route: RouteSpec): fc.Arbitrary<Json> {
  switch (`${route.method} ${route.path}`) {
    case 'POST /leads':
      return leadBody;
    case 'POST /webhooks/hubspot':
      return hubspotDelivery;
    case 'POST /events/turbotenant':
      return turbotenantEvent;
    case 'POST /webhooks/buildium':
      return buildiumEvent;
    case 'POST /sync/buildium':
      return syncRequest;
    case 'PUT /sync/buildium/config':
      return syncConfig;
    case 'POST /sync/buildium/reviews/{entity}/{sourceId}':
      return reviewResolution;
    default:
      return hostileValue;
  }
}

/** CONTRACT.md: 1 MB on `/webhooks/*`, 256 KB elsewhere. */
export function bodyLimit(route: RouteSpec): number {
  return route.path.startsWith('/webhooks/') ? 1024 * 1024 : 256 * 1024;
}

/** Routes whose handler reads a JSON body (the others ignore whatever is sent). */
export const BODY_ROUTES: ReadonlySet<string> = new Set([
  'POST /leads',
  'POST /webhooks/hubspot',
  'POST /events/turbotenant',
  'POST /webhooks/buildium',
  'POST /sync/buildium',
  'PUT /sync/buildium/config',
  'POST /sync/buildium/reviews/{entity}/{sourceId}',
]);

/** Where the size check comes before the signature check. */
export const SIZE_BEFORE_SIGNATURE: ReadonlySet<string> = new Set(['POST /webhooks/hubspot', 'POST /webhooks/buildium']);

type Transport = 'text' | 'base64' | 'bogus-base64' | 'none';

export interface GeneratedBody {
  readonly kind: string;
  readonly transport: Transport;
  /** What goes into `event.body`. */
  readonly body?: string;
  /** The bytes the handler sees (base64-decoded when the event says so). */
  readonly bytes: Buffer;
  readonly deepest: number;
}

const textBody = (kind: string, raw: string, deepest = 0): GeneratedBody => ({ kind, transport: 'text', body: raw, bytes: Buffer.from(raw, 'utf8'), deepest });
const base64Body = (kind: string, bytes: Buffer, deepest = 0): GeneratedBody => ({ kind, transport: 'base64', body: bytes.toString('base64'), bytes, deepest });

const notJson = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 50 }),
  fc.constantFrom('', ' ', '\n', 'undefined', 'NaN', 'Infinity', '{', '[1,]', "{'email':'a@b.co'}", '{"email":"a@b.co",}', '\ufeff{"email":"ana@example.com"}', 'email=ana%40example.com', '<xml/>', '\u0000', '{"a":1}{"a":2}', '"\\ud800"', '[]', '{}', 'null', '0', '-0', '1e400', 'true'),
);

function bodies(route: RouteSpec): fc.Arbitrary<GeneratedBody> {
  const shape = bodyShape(route);
  const limit = bodyLimit(route);
  const padded = (target: number) =>
    shape.map((value) => {
      const raw = render(value);
      return { raw: raw + ' '.repeat(Math.max(0, target - Buffer.byteLength(raw))), deepest: depthOf(value) };
    });
  return fc.oneof(
    { weight: 10, arbitrary: shape.map((v) => textBody('shaped', render(v), depthOf(v))) },
    { weight: 2, arbitrary: hostileValue.map((v) => textBody('any-json', render(v), depthOf(v))) },
    { weight: 2, arbitrary: notJson.map((s) => textBody('not-json', s)) },
    { weight: 1, arbitrary: shape.map((v) => base64Body('shaped-base64', Buffer.from(render(v), 'utf8'), depthOf(v))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => base64Body('bytes-base64', Buffer.from(b))) },
    // Says base64 but is not: the decoder drops what is not base64 and reads the rest.
    { weight: 1, arbitrary: shape.map((v): GeneratedBody => ({ kind: 'bogus-base64', transport: 'bogus-base64', body: render(v), bytes: Buffer.from(render(v), 'base64'), deepest: 0 })) },
    { weight: 1, arbitrary: fc.constant<GeneratedBody>({ kind: 'none', transport: 'none', bytes: Buffer.alloc(0), deepest: 0 }) },
    // Just over the route's limit, and exactly at it (whitespace after valid JSON keeps it valid).
    { weight: 1, arbitrary: fc.tuple(padded(limit), fc.integer({ min: 1, max: 64 })).map(([p, over]) => textBody('oversize', p.raw + ' '.repeat(over), p.deepest)) },
    { weight: 1, arbitrary: padded(limit + 1).map((p) => base64Body('oversize-base64', Buffer.from(p.raw, 'utf8'), p.deepest)) },
    { weight: 1, arbitrary: padded(limit).map((p) => textBody('at-limit', p.raw, p.deepest)) },
  );
}

// ---------------------------------------------------------------- headers, paths, queries

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8', ' application/json ', 'application/vnd.hubspot+json'];
const OTHER_TYPES = ['', 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', 'application/xml', 'application/json-patch', '*/*'];

interface ContentType {
  readonly json: boolean;
  readonly headers: Record<string, string>;
}

const contentType: fc.Arbitrary<ContentType> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom(...JSON_TYPES), fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE')).map(([v, k]) => ({ json: true, headers: { [k]: v } })) },
  { weight: 2, arbitrary: fc.constant({ json: false, headers: {} }) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...OTHER_TYPES), fc.string({ maxLength: 30 }).filter((s) => !/json/i.test(s))).map((v) => ({ json: false, headers: { 'content-type': v } })) },
);

const RESERVED_HEADERS = /^(content-type|idempotency-key|host|x-hubspot-.*|x-turbotenant-.*|buildium-webhook-.*)$/i;
const extraHeaders = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), hostileString), { maxLength: 3 })
      .map((pairs) => Object.fromEntries(pairs.filter(([k]) => !RESERVED_HEADERS.test(k)))),
  },
);

const idempotencyKey = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>(undefined) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 255 }).filter((s) => s.trim().length > 0) },
  { weight: 2, arbitrary: fc.oneof(hostileString, fc.constantFrom('', '   ', 'k'.repeat(256))) },
);

/** Path parameter values that find something, per route; random ones find nothing (404). */
export function knownParameters(route: RouteSpec): Record<string, string> {
  if (route.path.startsWith('/leads/')) return { leadId: 'lead-1' };
  if (route.path.startsWith('/events/turbotenant/')) return { eventId: 'evt_known' };
  if (route.path.startsWith('/mappings/')) return { system: 'turbotenant', type: 'property', sourceId: 'PROP_1' };
  return { jobId: 'job-1', entity: 'tenant', sourceId: '7' };
}

function parameterNames(route: RouteSpec): string[] {
  return [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** The path segment as API Gateway's rawPath carries it: percent-encoded UTF-8 (a lone surrogate as U+FFFD's bytes). */
function encodeSegment(value: string): string {
  return encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
}

function pathParameters(route: RouteSpec): fc.Arbitrary<Record<string, string> | undefined> {
  const names = parameterNames(route);
  if (names.length === 0) return fc.constant(undefined);
  const known = knownParameters(route);
  const model: Record<string, fc.Arbitrary<string>> = {};
  for (const name of names) model[name] = fc.oneof({ weight: 3, arbitrary: fc.constant(known[name] ?? 'x') }, { weight: 2, arbitrary: hostileString });
  return fc.oneof({ weight: 12, arbitrary: fc.record(model) as fc.Arbitrary<Record<string, string> | undefined> }, { weight: 1, arbitrary: fc.constant(undefined) });
}

function query(route: RouteSpec): fc.Arbitrary<Record<string, string> | undefined> {
  const random = fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('email', 'limit', 'cursor', '__proto__')), hostileString, { maxKeys: 4 });
  if (route.method === 'GET' && route.path === '/leads') {
    return fc
      .tuple(fc.oneof({ weight: 3, arbitrary: validEmail }, { weight: 2, arbitrary: hostileString }, { weight: 1, arbitrary: fc.constant(undefined) }), fc.option(random, { nil: undefined }))
      .map(([email, rest]) => ({ ...(rest ?? {}), ...(email !== undefined ? { email } : {}) }));
  }
  if (route.method === 'GET' && route.path === '/oauth/hubspot/callback') {
    // The state the harness issued, or anything; a code, or anything, or none.
    const maybe = (known: string) => fc.option(fc.oneof({ weight: 2, arbitrary: fc.constant(known) }, { weight: 1, arbitrary: hostileString }), { nil: undefined });
    return fc
      .tuple(maybe(OAUTH_STATE), maybe('fuzz-code'), fc.option(random, { nil: undefined }))
      .map(([state, code, rest]) => ({ ...(rest ?? {}), ...(state !== undefined ? { state } : {}), ...(code !== undefined ? { code } : {}) }));
  }
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: random });
}

// ---------------------------------------------------------------- signatures

export const PUBLIC_BASE_URL = 'https://api.example.com';
/** The OAuth state the hubspot-oauth harness has issued. */
const OAUTH_STATE = 'fuzz-oauth-state';
export const SECRETS = { hubspot: 'fuzz-hubspot-client-secret', turbotenant: 'fuzz-tt-webhook-secret', buildium: 'fuzz-bd-webhook-secret' } as const;

/** How a signature route's request is signed; only `valid` (and Buildium's `valid-ms`) should pass. */
export type SignatureMode = 'valid' | 'valid-ms' | 'none' | 'wrong-secret' | 'stale' | 'future' | 'tampered' | 'other-url' | 'legacy-v1' | 'ms-timestamp' | 'garbage';

export function signatureKind(route: RouteSpec): 'hubspot' | 'turbotenant' | 'buildium' | undefined {
  if (route.auth !== 'signature') return undefined;
  if (route.path === '/webhooks/hubspot') return 'hubspot';
  if (route.path === '/events/turbotenant') return 'turbotenant';
  if (route.path === '/webhooks/buildium') return 'buildium';
  throw new Error(`no signer for ${route.path}`);
}

export function signatureValid(mode: SignatureMode | undefined): boolean {
  return mode === 'valid' || mode === 'valid-ms';
}

const TEN_MINUTES = 10 * 60 * 1000;

function signatureModes(kind: 'hubspot' | 'turbotenant' | 'buildium'): fc.Arbitrary<SignatureMode> {
  const common: SignatureMode[] = ['none', 'wrong-secret', 'stale', 'future', 'tampered', 'garbage'];
  const extra: SignatureMode[] = kind === 'hubspot' ? ['other-url', 'legacy-v1'] : kind === 'turbotenant' ? ['ms-timestamp'] : [];
  const valid: fc.Arbitrary<SignatureMode> = kind === 'buildium' ? fc.constantFrom<SignatureMode>('valid', 'valid', 'valid-ms') : fc.constant<SignatureMode>('valid');
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 3, arbitrary: fc.constantFrom(...common, ...extra) });
}

function signatureHeaders(kind: 'hubspot' | 'turbotenant' | 'buildium', mode: SignatureMode, event: APIGatewayProxyEventV2, bytes: Buffer, garbage: string): Record<string, string> {
  const now = T0.getTime();
  const at = mode === 'stale' ? now - TEN_MINUTES : mode === 'future' ? now + TEN_MINUTES : now;
  const secret = mode === 'wrong-secret' ? 'not-the-secret' : SECRETS[kind];
  const signed = mode === 'tampered' ? Buffer.concat([bytes, Buffer.from(' ')]) : bytes;
  if (mode === 'none') return {};
  switch (kind) {
    case 'hubspot': {
      if (mode === 'garbage') return { 'X-HubSpot-Signature-v3': garbage, 'X-HubSpot-Request-Timestamp': garbage };
      if (mode === 'legacy-v1') return { 'X-HubSpot-Signature': signV1(secret, signed), 'X-HubSpot-Signature-Version': 'v1' };
      const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
      const uri = mode === 'other-url' ? `https://elsewhere.example.com${event.rawPath}${query}` : `${PUBLIC_BASE_URL}${event.rawPath}${query}`;
      const timestamp = String(at);
      return { 'X-HubSpot-Signature-v3': signV3(secret, 'POST', uri, signed, timestamp), 'X-HubSpot-Request-Timestamp': timestamp };
    }
    case 'turbotenant': {
      if (mode === 'garbage') return { 'X-TurboTenant-Timestamp': garbage, 'X-TurboTenant-Signature': `v1=${garbage}` };
      if (mode === 'ms-timestamp') return { 'X-TurboTenant-Timestamp': String(at), 'X-TurboTenant-Signature': `v1=${signTurboTenant(secret, String(at), signed)}` };
      return turboTenantSignatureHeaders(secret, signed, at);
    }
    case 'buildium': {
      if (mode === 'garbage') return { 'buildium-webhook-timestamp': garbage, 'buildium-webhook-signature': garbage };
      const timestamp = mode === 'valid-ms' ? String(at) : String(Math.floor(at / 1000));
      return { 'buildium-webhook-timestamp': timestamp, 'buildium-webhook-signature': signBuildium(secret, timestamp, signed) };
    }
  }
}

// ---------------------------------------------------------------- the generated request

export interface FuzzCase {
  readonly route: RouteSpec;
  readonly event: APIGatewayProxyEventV2;
  readonly body: GeneratedBody;
  /** Byte length of the body the handler sees. */
  readonly bodyBytes: number;
  readonly jsonContentType: boolean;
  readonly idempotencyKey?: string;
  readonly signature?: SignatureMode;
}

function summary(c: FuzzCase): string {
  const cut = (s: string, n = 160) => (s.length > n ? `${JSON.stringify(s.slice(0, n))}…(${s.length} chars)` : JSON.stringify(s));
  const headers = Object.fromEntries(Object.entries(c.event.headers).map(([k, v]) => [k, v !== undefined && v.length > 80 ? `${v.slice(0, 80)}…(${v.length} chars)` : v]));
  return [
    `${c.event.routeKey} rawPath=${cut(c.event.rawPath)} query=${cut(c.event.rawQueryString)}`,
    `pathParameters=${JSON.stringify(c.event.pathParameters)}`,
    `headers=${JSON.stringify(headers)}`,
    `body kind=${c.body.kind} transport=${c.body.transport} isBase64Encoded=${c.event.isBase64Encoded} bytes=${c.bodyBytes} deepest=${c.body.deepest}`,
    `body=${c.event.body === undefined ? 'undefined' : cut(c.event.body, 400)}`,
    `signature=${c.signature ?? 'n/a'}`,
  ].join('\n  ');
}

/** Requests for one route: its body (or anything), content types, base64, sizes, path parameters, queries, signatures. */
export function requests(route: RouteSpec): fc.Arbitrary<FuzzCase> {
  const kind = signatureKind(route);
  const isLeadPost = route.method === 'POST' && route.path === '/leads';
  return fc
    .record({
      body: bodies(route),
      contentType,
      extra: extraHeaders,
      idempotencyKey: isLeadPost ? idempotencyKey : fc.constant(undefined),
      pathParameters: pathParameters(route),
      query: query(route),
      signature: kind ? signatureModes(kind) : fc.constant(undefined),
      garbage: fc.oneof(hostileString, fc.constantFrom('v1=', 'sha256=abc', '1760263200', '0'.repeat(64))),
    })
    .map((g) => {
      const params = g.pathParameters;
      let path = route.path;
      for (const [name, value] of Object.entries(params ?? knownParameters(route))) path = path.replace(`{${name}}`, encodeSegment(value));
      const base = httpEvent({
        method: route.method,
        route: route.path,
        path,
        headers: {
          ...g.extra,
          ...g.contentType.headers,
          ...(g.idempotencyKey !== undefined ? { 'Idempotency-Key': g.idempotencyKey } : {}),
        },
        ...(g.body.body !== undefined ? { body: g.body.body } : {}),
        isBase64Encoded: g.body.transport === 'base64' || g.body.transport === 'bogus-base64',
        ...(params ? { pathParameters: params } : {}),
        ...(g.query ? { query: g.query } : {}),
      });
      const event: APIGatewayProxyEventV2 =
        kind && g.signature ? { ...base, headers: { ...base.headers, ...signatureHeaders(kind, g.signature, base, g.body.bytes, g.garbage) } } : base;
      const c: FuzzCase = {
        route,
        event,
        body: g.body,
        bodyBytes: g.body.bytes.byteLength,
        jsonContentType: g.contentType.json,
        ...(g.idempotencyKey !== undefined ? { idempotencyKey: g.idempotencyKey } : {}),
        ...(g.signature ? { signature: g.signature } : {}),
      };
      return Object.assign(c, { [fc.toStringMethod]: () => summary(c) });
    });
}

// ---------------------------------------------------------------- fakes and handlers per route


/** TurboTenant confirmations in memory, with DynamoEventConfirmations' rule (written only if absent). */
export class InMemoryConfirmations {
  readonly items = new Map<string, Confirmation>();
  async accept(eventId: string): Promise<'new' | 'known'> {
    if (this.items.has(eventId)) return 'known';
    this.items.set(eventId, { eventId, status: 'pending', acceptedAt: T0.toISOString() });
    return 'new';
  }
  async get(eventId: string): Promise<Confirmation | undefined> {
    return this.items.get(eventId);
  }
}

/** A deterministic, cycle-safe text of a fake's state: Maps, Sets and class instances (private fields too). */
export function fingerprint(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && Object.is(v, -0)) return '-0';
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Date) return ['Date', v.toISOString()];
    if (seen.has(v)) return '[seen]';
    seen.add(v);
    if (v instanceof Map) return ['Map', [...v.entries()].map(([k, x]) => [walk(k), walk(x)])];
    if (v instanceof Set) return ['Set', [...v].map(walk)];
    if (Array.isArray(v)) return v.map(walk);
    const record = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, walk(record[k])]));
  };
  return JSON.stringify(walk(value));
}

export interface RouteHarness {
  readonly invoke: (event: APIGatewayProxyEventV2) => Promise<unknown>;
  /** Everything the fakes hold that a request could have written or queued. */
  readonly writes: () => string;
  /** Whether a store was asked for a key DynamoDB would have refused (see `keyLimited`). */
  readonly keyRefused: () => boolean;
}

/**
 * DynamoDB refuses a partition key over 2,048 bytes with a ValidationException (checked against
 * DynamoDB Local: "Hash primary key values must be under 2048 bytes, and range primary key values
 * must be under 1024 bytes"). The in-memory fakes know no such limit; `keyLimited` adds it.
 */
export const DYNAMODB_MAX_PARTITION_KEY_BYTES = 2048;

export class KeyLimit {
  refused = false;

  check(partitionKey: string): void {
    if (Buffer.byteLength(partitionKey, 'utf8') <= DYNAMODB_MAX_PARTITION_KEY_BYTES) return;
    this.refused = true;
    throw Object.assign(new Error('Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes'), {
      name: 'ValidationException',
      $fault: 'client',
    });
  }
}

/**
 * The fake with DynamoDB's key limit on the named methods: each maps the call's arguments to the
 * partition key the DynamoDB adapter would build (functions/store/*).
 */
export function keyLimited<T extends object>(target: T, limit: KeyLimit, keys: Partial<Record<keyof T & string, (...args: never[]) => string>>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      const keyOf = typeof property === 'string' ? (keys as Record<string, ((...args: unknown[]) => string) | undefined>)[property] : undefined;
      if (!keyOf || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        limit.check(keyOf(...args));
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

/** The route's function over fresh fakes, seeded so that the known path parameters find something. */
export async function harnessFor(route: RouteSpec): Promise<RouteHarness> {
  switch (route.function) {
    case 'health':
      return { invoke: () => healthHandler(), writes: () => '', keyRefused: () => false };
    case 'lead-events': {
      const limit = new KeyLimit();
      const leads = new InMemoryLeadStore([storedLead('lead-1', { email: 'ana@example.com' })]);
      const queue = new RecordingQueue();
      const idempotencyStore = new InMemoryPersistenceLayer();
      let n = 1;
      const handler = makeLeadEvents(() => ({
        leads: keyLimited(leads, limit, { get: (leadId: string) => leadId }),
        queue,
        idempotencyStore,
        newId: () => `lead-${(n += 1)}`,
        now: () => T0,
      }));
      return {
        invoke: (event) => handler(event, lambdaContext('lead-events')),
        writes: () => fingerprint({ leads: leads.leads, recorded: leads.recorded, sent: queue.sent, idempotency: idempotencyStore.records }),
        keyRefused: () => limit.refused,
      };
    }
    case 'lead-operations': {
      const leads = new InMemoryLeadStore([
        storedLead('lead-1', { email: 'ana@example.com' }),
        storedLead('lead-2', { email: 'bo@example.com' }, { hubspot: { syncStatus: 'FAILED', error: 'rejected', failureKind: 'rejected' } }),
      ]);
      const queue = new RecordingQueue();
      const dlqs = [new FakeDeadLetters(2), new FakeDeadLetters(0), new FakeDeadLetters(1), new FakeDeadLetters(0)] as const;
      const handler = makeOperations(() => ({
        leads,
        queue,
        deadLetters: dlqs[0],
        inspector: dlqs[0],
        eventsInspector: dlqs[1],
        turbotenantInspector: dlqs[2],
        buildiumInspector: dlqs[3],
        stuckAfterMinutes: 15,
        now: () => T0,
      }));
      return {
        invoke: (event) => handler(event, lambdaContext('lead-operations')),
        writes: () => fingerprint({ leads: leads.leads, recorded: leads.recorded, sent: queue.sent, dlqs }),
        keyRefused: () => false,
      };
    }
    case 'hubspot-webhook': {
      const queue = new RecordingSender();
      const stats = new InMemoryWebhookLedger();
      const handler = makeHubSpotWebhook(() => ({
        clientSecret: async () => SECRETS.hubspot,
        primaryPortalId: async () => '62515',
        publicBaseUrl: PUBLIC_BASE_URL,
        acceptLegacySignatures: false,
        subscribedEvents: [...CONTACT_EVENT_TYPES],
        queue,
        stats,
        dailyQuota: async () => undefined,
        now: () => T0,
      }));
      return { invoke: (event) => handler(event, lambdaContext('hubspot-webhook')), writes: () => fingerprint({ queued: queue.bodies, stats }), keyRefused: () => false };
    }
    case 'turbotenant-events': {
      const limit = new KeyLimit();
      const confirmations = new InMemoryConfirmations();
      await confirmations.accept('evt_known');
      const queue = new RecordingSender();
      const mappings = {
        get: async (system: string, type: string, sourceId: string) =>
          system === 'turbotenant' && type === 'property' && sourceId === 'PROP_1'
            ? { system, type, sourceId, hubspotType: 'deals', hubspotId: 'D1', syncHash: 'h', lastSyncedAt: T0.toISOString() }
            : undefined,
      };
      const handler = makeTurboTenantEvents(() => ({
        webhookSecret: async () => SECRETS.turbotenant,
        confirmations: keyLimited(confirmations, limit, { accept: (eventId: string) => `turbotenant-event#${eventId}`, get: (eventId: string) => `turbotenant-event#${eventId}` }),
        mappings: keyLimited(mappings, limit, { get: (system: string, type: string, sourceId: string) => `${system}#${type}#${sourceId}` }),
        queue,
        now: () => T0,
      }));
      return {
        invoke: (event) => handler(event, lambdaContext('turbotenant-events')),
        writes: () => fingerprint({ confirmations: confirmations.items, queued: queue.bodies }),
        keyRefused: () => limit.refused,
      };
    }
    case 'buildium-scheduler': {
      const limit = new KeyLimit();
      const jobs = new InMemoryJobLedger(() => T0);
      await jobs.open('job-1', 'full');
      await jobs.recordErrors('job-1', [{ entity: 'tenant', sourceId: '7', errorType: 'validation_error', reason: 'email: Valid email required' }]);
      await jobs.review('job-1', [{ entity: 'tenant', sourceId: '7', hubspotType: 'contacts', hubspotId: 'C1', fields: ['phone'] }]);
      const cursors = new InMemoryCursors();
      await cursors.set(BUILDIUM_CURSOR, '2025-10-12T09:00:00.000Z');
      const config = new InMemoryBuildiumConfig();
      const queue = new RecordingSyncQueue();
      let n = 1;
      const deps: BuildiumSchedulerDeps = {
        // The deps name the DynamoDB adapters (classes with private members); the in-memory ones implement every method used.
        jobs: keyLimited(jobs, limit, { get: (jobId: string) => `sync-job#${jobId}`, state: (jobId: string) => `sync-job#${jobId}` }) as unknown as BuildiumSchedulerDeps['jobs'],
        cursors: cursors as unknown as BuildiumSchedulerDeps['cursors'],
        config: config as unknown as BuildiumSchedulerDeps['config'],
        queue,
        webhookSecret: async () => SECRETS.buildium,
        pageSize: 1000,
        overlapSeconds: 120,
        now: () => T0,
        newId: () => `job-${(n += 1)}`,
      };
      const handler = makeBuildiumScheduler(() => deps);
      return {
        invoke: (event) => handler(event, lambdaContext('buildium-scheduler')),
        writes: () => fingerprint({ jobs, cursors: cursors.values, config: config.stored, queued: queue.messages }),
        keyRefused: () => limit.refused,
      };
    }
    case 'hubspot-oauth': {
      const states = new InMemoryStates(() => T0);
      await states.create(OAUTH_STATE, new Date(T0.getTime() + 60_000));
      const installs = new InMemoryInstalls(() => T0);
      const handler = makeHubSpotOAuth(() => ({
        clientId: async () => 'fuzz-client',
        scopes: ['oauth'],
        authorizeBaseUrl: 'https://app.hubspot.com/oauth/authorize',
        redirectUri: `${PUBLIC_BASE_URL}/oauth/hubspot/callback`,
        states,
        installs,
        oauth: { exchangeCode: async () => ({ accessToken: 'a', refreshToken: 'r', expiresInSeconds: 1800, portalId: '62515' }), portalOf: async () => '62515' },
        newState: () => 'fuzz-new-state',
        now: () => T0,
      }));
      // Installs only: the single-use states are OAuth's CSRF nonces (RFC 6749 §10.12), which the
      // install route issues and every callback uses up, refused or not.
      return { invoke: (event) => handler(event, lambdaContext('hubspot-oauth')), writes: () => fingerprint(installs.items), keyRefused: () => false };
    }
    default:
      throw new Error(`no fuzz harness for function ${route.function}`);
  }
}
