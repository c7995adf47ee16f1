/**
 * The whole topology on one machine (DESIGN.md "The local stack"): DynamoDB Local, a local SQS
 * server with the same redrive policies, pollers in the role of Lambda's event source mappings,
 * an HTTP server with API Gateway's event shape, schedule timers, and a HubSpot sandbox.
 *
 * Functions run in execution environments as Lambda runs them (execution-environments.ts: a worker
 * thread each, one invocation at a time, stopped at the timeout), or with `environments: 'shared'`
 * as one module instance each in this process. Either way they reach the local services through the
 * standard `AWS_ENDPOINT_URL_*` variables, exactly as they reach AWS when deployed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { HubSpotClient } from '../../functions/connectors/hubspot/client.js';
import { AUTHORIZE_URL_ENV } from '../../functions/connectors/hubspot/oauth.js';
import { contactProperties, dealProperties, ensureProperties } from '../../functions/connectors/hubspot/setup.js';
import { json } from '../../functions/runtime/http.js';
import { TOKEN_KEY_ENV } from '../../functions/runtime/token-cipher.js';
import { bundleAll, FUNCTION_BUNDLE, type FunctionBundle } from '../bundling.js';
import { environments, type EnvironmentSettings } from '../environments.js';
import { buildTopology, type FlowId, type FunctionId, type FunctionSpec, type QueueId, type Topology } from '../topology.js';
import { createTables, localDynamoDbClient, startDynamoDbLocal } from './dynamodb.js';
import { startHttpApi, type HttpApi } from './http-api.js';
import type { DeliveryChaos } from './sandboxes/common/delivery.js';
import { EnvironmentKilledError, startExecutionEnvironments, type ExecutionEnvironments } from './execution-environments.js';
import { createLambdaContext } from './lambda-context.js';
import { startPoller, type Poller } from './poller.js';
import { freePort } from './ports.js';
import { APP_ID as SANDBOX_APP_ID, PORTAL_ID as SANDBOX_PORTAL_ID } from './sandboxes/hubspot/errors.js';
import { startHubSpotSandbox, type HubSpotSandbox, type RateLimit } from './sandboxes/hubspot/index.js';
import { SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_CLIENT_SECRET } from './sandboxes/hubspot/oauth.js';
import { startBuildiumSandbox, type BuildiumSandbox, type BuildiumSandboxOptions } from './sandboxes/buildium/index.js';
import { ensureBuildiumObjects } from '../../functions/connectors/hubspot/setup-buildium.js';
import { startStripeSandbox, type StripeSandbox } from './sandboxes/stripe/index.js';
import { startTurboTenantSandbox, type TurboTenantSandbox } from './sandboxes/turbotenant/index.js';
import { scheduleEvent, startSchedules, type Schedules } from './scheduler.js';
import { createQueues, localSqsClient, startSqsLocal, type QueueAddresses } from './sqs.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The sandbox's credentials; a real portal's come from the environment (CONTRACT.md). */
export const SANDBOX_HUBSPOT_TOKEN = 'pat-local-sandbox-token';
export const SANDBOX_HUBSPOT_CLIENT_SECRET = 'local-sandbox-client-secret';
/** The sandbox's developer API key (Webhooks API of a public app). */
export const SANDBOX_HUBSPOT_DEVELOPER_KEY = 'local-sandbox-developer-key';
export { SANDBOX_PORTAL_ID };
export const SANDBOX_TURBOTENANT_API_KEY = 'tt-local-sandbox-key';
export const SANDBOX_TURBOTENANT_WEBHOOK_SECRET = 'tt-local-sandbox-signing-secret';
export const SANDBOX_STRIPE_API_KEY = 'sk_test_local_sandbox';
export const SANDBOX_BUILDIUM_CLIENT_ID = 'bd-local-client-id';
export const SANDBOX_BUILDIUM_CLIENT_SECRET = 'bd-local-client-secret';
export const SANDBOX_BUILDIUM_WEBHOOK_SECRET = 'bd-local-webhook-secret';

export interface LocalStackOptions {
  /** API port on 127.0.0.1; 0 picks a free one. Default: PORT or 3000. */
  readonly port?: number;
  readonly publicBaseUrl?: string;
  /** DynamoDB Local's directory; null keeps everything in memory. */
  readonly dataDir?: string | null;
  /** Schedule timers (LOCAL_SCHEDULES); schedules can always be fired through the API. */
  readonly schedules?: boolean;
  /** Start with the queue consumers paused (a benchmark fills a queue, then releases it). */
  readonly consumersPaused?: boolean;
  readonly hubspot?: {
    /** A HubSpot (or compatible) API to use instead of the sandbox. */
    readonly baseUrl?: string;
    readonly accessToken?: string;
    readonly clientSecret?: string;
    readonly rateLimit?: RateLimit;
    /** The portal the token belongs to (webhook events of other portals are skipped). Default: asked of HubSpot. */
    readonly portalId?: string;
    /**
     * The sandbox's webhook deliveries of contact changes to this stack (default on). Off, the
     * outbound flow can be measured alone.
     */
    readonly webhooks?: boolean;
    /** The webhook deliveries' chaos: some sent twice, some held back (issue 6). */
    readonly webhookChaos?: DeliveryChaos;
    /** Draws the sandbox's probabilistic faults (seed it for a repeatable run). */
    readonly random?: () => number;
  };
  readonly turbotenant?: {
    /** A TurboTenant API to use instead of the sandbox. */
    readonly baseUrl?: string;
    readonly apiKey?: string;
    readonly webhookSecret?: string;
    /** The sandbox's signed events of its changes to this stack (default on). */
    readonly events?: boolean;
    /** The events' chaos: some sent twice, some held back (issue 6). */
    readonly eventChaos?: DeliveryChaos;
    readonly random?: () => number;
  };
  /**
   * Stripe customer metadata (CONTRACT.md: off unless STRIPE_BASE_URL is set). `baseUrl` turns it
   * on against that API; `sandbox: true` turns it on against the local Stripe sandbox.
   */
  readonly stripe?: { readonly baseUrl?: string; readonly apiKey?: string; readonly sandbox?: boolean };
  readonly buildium?: {
    readonly baseUrl?: string;
    readonly clientId?: string;
    readonly clientSecret?: string;
    readonly webhookSecret?: string;
    /** The sandbox's portfolio: true (default) the demo one, false empty, or sizes. */
    readonly seed?: BuildiumSandboxOptions['seed'];
    /** The sandbox signs webhooks of its changes to the API's /webhooks/buildium (default on). */
    readonly webhooks?: boolean;
    /** Buildium webhook retry delays (the document's 1 min, 10 min, 1 h by default). */
    readonly webhookRetryDelaysMs?: number[];
    readonly random?: () => number;
  };
  /**
   * Chaos (issue 6): the chance that a consumer's invocation "crashes" after it returned and before
   * its messages are deleted (the batch comes back after `redeliverySeconds`, default 1).
   */
  readonly consumerCrashes?: {
    readonly probability: number;
    readonly random?: () => number;
    readonly redeliverySeconds?: number;
    /**
     * Also kill a consumer's execution environment, with the same probability, at a random point
     * of an invocation (issue 13 §1: mid-batch between two HubSpot writes included). Its batch
     * comes back after `redeliverySeconds` too. Isolated environments only; default off.
     */
    readonly midInvocation?: boolean;
  };
  readonly platformSource?: string;
  readonly logLevel?: string;
  /** The flows that run (CONTRACT.md `FLOWS`); all by default. A flow not named has no route, consumer or schedule. */
  readonly flows?: readonly FlowId[];
  /** Overrides of the `local` environment settings (tests shorten retries this way). */
  readonly settings?: Partial<EnvironmentSettings>;
  /**
   * Run the esbuild bundles `cdk deploy` ships (lib/bundling.ts) instead of the TypeScript
   * sources: every function is bundled at start, and removed again at stop.
   */
  readonly bundles?: boolean;
  /**
   * How functions run (issue 13 §1). `isolated` (the default): in Lambda execution environments, a
   * worker thread each with its own module memory, one invocation at a time, stopped at the
   * function's timeout. `shared` (only when asked for, here or with LOCAL_ENVIRONMENTS=shared):
   * each function as one module instance in this process, shared by every invocation, and a
   * timed-out invocation keeps running. It is for a debugger (breakpoints in a handler hit in this
   * process, no worker to attach to) and for a quick look where no cold start should show; it hides
   * what differs between environments (a rate budget, a cache, a client per environment) and what
   * a timeout stops, so tests of those run isolated.
   */
  readonly environments?: 'isolated' | 'shared';
  /**
   * The most execution environments of a function with neither a reserved concurrency nor a queue
   * as its only trigger (those get that concurrency). Default 10.
   */
  readonly maxEnvironments?: number;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly topology: Topology;
  readonly hubspot: { readonly url: string; readonly sandbox?: HubSpotSandbox };
  readonly turbotenant: { readonly url: string; readonly sandbox?: TurboTenantSandbox };
  readonly stripe: { readonly url: string; readonly sandbox: StripeSandbox; readonly enabled: boolean };
  readonly buildium: { readonly url: string; readonly sandbox?: BuildiumSandbox };
  readonly queues: Record<QueueId, QueueAddresses>;
  readonly tables: Record<string, string>;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly pollers: ReadonlyMap<string, Poller>;
  /** The file each function's handler comes from: its TypeScript entry (compiled for execution environments), or its bundle. */
  readonly handlerSources: ReadonlyMap<FunctionId, string>;
  /** Each function's execution environments (empty with `environments: 'shared'`). */
  readonly executionEnvironments: ReadonlyMap<FunctionId, Pick<ExecutionEnvironments, 'stats' | 'provision'>>;
  fireSchedule(id: string): Promise<unknown>;
  stop(): Promise<void>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const DEFAULT_MAX_ENVIRONMENTS = 10;

/**
 * How many environments AWS would run of `fn` at most: its reserved concurrency; for a function
 * invoked only by a queue, the event source mapping's maximum concurrency; otherwise `cap`.
 */
function environmentCap(topology: Topology, fn: FunctionSpec, cap: number): number {
  if (fn.reservedConcurrency !== undefined) return fn.reservedConcurrency;
  const consumer = topology.consumers.find((c) => c.function === fn.id);
  const otherTriggers = topology.routes.some((r) => r.function === fn.id) || topology.schedules.some((s) => s.function === fn.id);
  return consumer && !otherTriggers ? consumer.maxConcurrency : cap;
}

/** Stacks started in this process; each after the first loads its own copy of the handlers. */
let stacksStarted = 0;

/**
 * Where `bundles: true` writes. Under node_modules so that vitest imports the bundles natively, as
 * Lambda does, instead of transforming them like the project's own files (its `server.deps`
 * default: `.mjs` files under node_modules are external). Ignored by git with node_modules.
 */
const BUNDLES_DIR = resolve(ROOT, 'node_modules/.cache/crm-sync/bundles');
/** Where each stack compiles the TypeScript sources for its execution environments; removed at stop. */
const ENVIRONMENT_BUILDS_DIR = resolve(ROOT, 'node_modules/.cache/crm-sync/environments');

/** Bundles every function into a directory of this stack's own; `remove` deletes it. */
async function bundleFunctions(topology: Topology): Promise<{ bundles: Map<FunctionId, FunctionBundle>; remove: () => Promise<void> }> {
  await mkdir(BUNDLES_DIR, { recursive: true });
  const dir = await mkdtemp(resolve(BUNDLES_DIR, 'stack-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    return { bundles: await bundleAll(topology.functions, dir, ROOT), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * What execution environments load when they run the TypeScript sources: every function compiled
 * by esbuild in one build, the code they share split into chunks, with source maps to the sources.
 * Loaded through tsx instead, an environment's init takes about three times as long (tsx's hooks
 * resolve and load each of some 1,200 modules, the AWS SDK's included: about 0.6 s against 0.2 s),
 * and every cold start pays it; the build costs about a second per stack. Settings as the deployed
 * bundles' (lib/bundling.ts), unminified.
 */
async function compileForEnvironments(topology: Topology): Promise<{ files: Map<FunctionId, string>; remove: () => Promise<void> }> {
  await mkdir(ENVIRONMENT_BUILDS_DIR, { recursive: true });
  const dir = await mkdtemp(resolve(ENVIRONMENT_BUILDS_DIR, 'stack-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await build({
      entryPoints: Object.fromEntries(topology.functions.map((fn) => [fn.id, resolve(ROOT, fn.entry)])),
      outdir: dir,
      entryNames: '[name]',
      chunkNames: 'chunks/[name]-[hash]',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      platform: 'node',
      target: FUNCTION_BUNDLE.target,
      format: FUNCTION_BUNDLE.format,
      mainFields: [...FUNCTION_BUNDLE.mainFields],
      banner: { js: FUNCTION_BUNDLE.banner },
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
    });
    return { files: new Map(topology.functions.map((fn) => [fn.id, resolve(dir, `${fn.id}.mjs`)])), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Imports the handler of `file` (a function's TypeScript entry or its bundle). */
async function loadHandler(fn: FunctionSpec, file: string, instance: number): Promise<Handler> {
  // A handler builds its clients once, from the environment of its first call, as in a Lambda
  // execution environment. A second stack in the same process (the benchmark runs two) has other
  // endpoints, so it gets fresh module instances: a distinct URL is a distinct ES module.
  const url = pathToFileURL(file).href + (instance > 1 ? `?stack=${instance}` : '');
  const module = (await import(url)) as { handler?: Handler };
  if (typeof module.handler !== 'function') throw new Error(`${fn.id}: ${file} does not export a handler`);
  return module.handler;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const topology = buildTopology({ ...environments.local, ...options.settings }, options.flows);
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    stoppers.length = 0;
  };

  try {
    const isolated = (options.environments ?? (process.env.LOCAL_ENVIRONMENTS === 'shared' ? 'shared' : 'isolated')) === 'isolated';
    // Bundling starts first; it runs while DynamoDB Local's JVM and the sandboxes start.
    const bundling = options.bundles ? bundleFunctions(topology) : undefined;
    if (bundling) {
      bundling.catch(() => undefined); // awaited below; a failure before then is not unhandled
      stoppers.push(async () => (await bundling).remove());
    }
    const compiling = isolated && !options.bundles ? compileForEnvironments(topology) : undefined;
    if (compiling) {
      compiling.catch(() => undefined);
      stoppers.push(async () => (await compiling).remove());
    }
    const port = options.port ?? 3000;
    const apiPort = port === 0 ? await freePort() : port;
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    const dynamo = await startDynamoDbLocal({ dataDir: options.dataDir ?? null });
    stoppers.push(() => dynamo.close());
    const sqsServer = await startSqsLocal();
    stoppers.push(() => sqsServer.close());

    const region = process.env.AWS_REGION ?? 'us-east-1';
    const tables = await createTables(localDynamoDbClient(dynamo.endpoint), topology.tables);
    const sqs = localSqsClient(sqsServer.endpoint, region);
    const queues = await createQueues(sqs, topology);

    let sandbox: HubSpotSandbox | undefined;
    let hubspotUrl = options.hubspot?.baseUrl;
    const accessToken = options.hubspot?.accessToken ?? SANDBOX_HUBSPOT_TOKEN;
    const clientSecret = options.hubspot?.clientSecret ?? SANDBOX_HUBSPOT_CLIENT_SECRET;
    const publicBaseUrl = options.publicBaseUrl ?? apiUrl;
    if (!hubspotUrl) {
      sandbox = await startHubSpotSandbox({
        accessToken,
        rateLimit: options.hubspot?.rateLimit,
        seed: true,
        developerApiKey: SANDBOX_HUBSPOT_DEVELOPER_KEY,
        ...(options.hubspot?.random ? { random: options.hubspot.random } : {}),
        // Deliveries start once the API is listening (below).
        webhooks: { clientSecret, ...(options.hubspot?.webhookChaos ? { chaos: options.hubspot.webhookChaos } : {}) },
      });
      stoppers.push(() => sandbox!.close());
      hubspotUrl = sandbox.url;
    }

    let turbotenantSandbox: TurboTenantSandbox | undefined;
    let turbotenantUrl = options.turbotenant?.baseUrl;
    const turbotenantKey = options.turbotenant?.apiKey ?? SANDBOX_TURBOTENANT_API_KEY;
    const turbotenantSecret = options.turbotenant?.webhookSecret ?? SANDBOX_TURBOTENANT_WEBHOOK_SECRET;
    if (!turbotenantUrl) {
      turbotenantSandbox = await startTurboTenantSandbox({
        apiKey: turbotenantKey,
        seed: true,
        ...(options.turbotenant?.random ? { random: options.turbotenant.random } : {}),
        events: { webhookSecret: turbotenantSecret, ...(options.turbotenant?.eventChaos ? { chaos: options.turbotenant.eventChaos } : {}) },
      });
      stoppers.push(() => turbotenantSandbox!.close());
      turbotenantUrl = turbotenantSandbox.url;
    }
    // Buildium (issue 5): the sandbox with its seeded portfolio, or the API given.
    let buildiumSandbox: BuildiumSandbox | undefined;
    let buildiumUrl = options.buildium?.baseUrl;
    const buildiumClientId = options.buildium?.clientId ?? SANDBOX_BUILDIUM_CLIENT_ID;
    const buildiumClientSecret = options.buildium?.clientSecret ?? SANDBOX_BUILDIUM_CLIENT_SECRET;
    if (!buildiumUrl) {
      buildiumSandbox = await startBuildiumSandbox({
        clientId: buildiumClientId,
        clientSecret: buildiumClientSecret,
        seed: options.buildium?.seed ?? true,
        ...(options.buildium?.random ? { random: options.buildium.random } : {}),
        webhooks:
          (options.buildium?.webhooks ?? true)
            ? {
                url: `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/buildium`,
                secret: options.buildium?.webhookSecret ?? SANDBOX_BUILDIUM_WEBHOOK_SECRET,
                ...(options.buildium?.webhookRetryDelaysMs ? { retryDelaysMs: options.buildium.webhookRetryDelaysMs } : {}),
              }
            : false,
      });
      stoppers.push(() => buildiumSandbox!.close());
      buildiumUrl = buildiumSandbox.url;
    }
    // The Stripe sandbox always runs (for a look, and for tests); syncing to it is opt-in.
    const stripeSandbox = await startStripeSandbox({ apiKey: SANDBOX_STRIPE_API_KEY, seed: true });
    stoppers.push(() => stripeSandbox.close());
    const stripeUrl = options.stripe?.baseUrl ?? (options.stripe?.sandbox ? stripeSandbox.url : undefined);

    // What the CDK stack binds per function, here for all of them at once (one process).
    const platformSource = options.platformSource ?? 'platform';
    Object.assign(process.env, {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
      HUBSPOT_BASE_URL: hubspotUrl,
      HUBSPOT_ACCESS_TOKEN: accessToken,
      HUBSPOT_CLIENT_SECRET: clientSecret,
      HUBSPOT_APP_ID: process.env.HUBSPOT_APP_ID ?? (sandbox ? String(SANDBOX_APP_ID) : ''),
      // CONTRACT.md: unset, the portal is asked of HubSpot (account details), the sandbox included.
      HUBSPOT_PORTAL_ID: options.hubspot?.portalId ?? process.env.HUBSPOT_PORTAL_ID ?? '',
      PLATFORM_SOURCE_VALUE: platformSource,
      PUBLIC_BASE_URL: publicBaseUrl,
      // The OAuth app (issue 12 §5): the sandbox's, or the one given. Its tokens are sealed with
      // AES-256-GCM under a key of this process (the KMS key's stand-in), unless one is given.
      HUBSPOT_OAUTH_CLIENT_ID: sandbox ? SANDBOX_OAUTH_CLIENT_ID : (process.env.HUBSPOT_OAUTH_CLIENT_ID ?? ''),
      HUBSPOT_OAUTH_CLIENT_SECRET: sandbox ? SANDBOX_OAUTH_CLIENT_SECRET : (process.env.HUBSPOT_OAUTH_CLIENT_SECRET ?? ''),
      HUBSPOT_OAUTH_APP_ID: sandbox ? String(SANDBOX_APP_ID) : (process.env.HUBSPOT_OAUTH_APP_ID ?? ''),
      [AUTHORIZE_URL_ENV]: sandbox ? `${sandbox.url}/oauth/authorize` : (process.env[AUTHORIZE_URL_ENV] ?? ''),
      [TOKEN_KEY_ENV.aesKey]: process.env[TOKEN_KEY_ENV.aesKey] ?? randomBytes(32).toString('base64'),
      TURBOTENANT_BASE_URL: turbotenantUrl,
      TURBOTENANT_API_KEY: turbotenantKey,
      TURBOTENANT_WEBHOOK_SECRET: turbotenantSecret,
      STRIPE_BASE_URL: stripeUrl ?? '',
      BUILDIUM_BASE_URL: buildiumUrl,
      BUILDIUM_CLIENT_ID: buildiumClientId,
      BUILDIUM_CLIENT_SECRET: buildiumClientSecret,
      BUILDIUM_WEBHOOK_SECRET: options.buildium?.webhookSecret ?? SANDBOX_BUILDIUM_WEBHOOK_SECRET,
      STRIPE_API_KEY: options.stripe?.apiKey ?? process.env.STRIPE_API_KEY ?? SANDBOX_STRIPE_API_KEY,
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'true',
    });
    for (const table of topology.tables) process.env[table.envVar] = tables[table.id];
    for (const queue of topology.queues) {
      const q = queues[queue.id];
      Object.assign(process.env, {
        [queue.urlEnvVar]: q.url,
        [queue.arnEnvVar]: q.arn,
        [queue.dlq.urlEnvVar]: q.dlqUrl,
        [queue.dlq.arnEnvVar]: q.dlqArn,
      });
    }
    for (const fn of topology.functions) {
      for (const [key, value] of Object.entries(fn.environment)) {
        if (key === 'POWERTOOLS_SERVICE_NAME') continue;
        process.env[key] = key === 'POWERTOOLS_LOG_LEVEL' ? (options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? value) : value;
      }
    }
    // CONTRACT.md: Stripe sync is off unless a Stripe API is given.
    process.env.STRIPE_SYNC = stripeUrl && topology.flows.includes('stripe') ? 'on' : 'off';

    // The portal objects the flows write to, as `npm run sync -- setup hubspot` creates them.
    const setupClient = new HubSpotClient({ baseUrl: hubspotUrl, accessToken: async () => accessToken });
    await ensureProperties(setupClient, 'contacts', contactProperties(platformSource));
    await ensureProperties(setupClient, 'deals', dealProperties());
    await ensureBuildiumObjects(setupClient, topology.settings.buildium.unitObject);

    const bundles = (await bundling)?.bundles;
    const handlerSources = new Map(topology.functions.map((fn) => [fn.id, bundles?.get(fn.id)?.file ?? resolve(ROOT, fn.entry)]));
    const compiled = (await compiling)?.files;
    const crashes = options.consumerCrashes && options.consumerCrashes.probability > 0 ? options.consumerCrashes : undefined;
    const kills = crashes?.midInvocation ? crashes : undefined;
    const consumerFunctions = new Set(topology.consumers.map((c) => c.function));
    const handlers = new Map<FunctionId, Handler>();
    const pools = new Map<FunctionId, ExecutionEnvironments>();
    if (isolated) {
      // The variables as this stack set them: environments started later (a cold start at any
      // time) still get them, whatever a second stack in this process sets afterwards.
      const env = { ...process.env };
      for (const fn of topology.functions) {
        const pool = startExecutionEnvironments({
          functionName: fn.id,
          file: compiled?.get(fn.id) ?? handlerSources.get(fn.id)!,
          // Mapped to the sources as this process maps its own (tsx does; vitest does not): a map
          // costs each cold start about 0.1 s.
          sourceMaps: compiled !== undefined && process.sourceMapsEnabled,
          timeoutSeconds: fn.timeoutSeconds,
          memoryMb: fn.memoryMb,
          maxEnvironments: environmentCap(topology, fn, options.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS),
          env,
          region,
          ...(kills && consumerFunctions.has(fn.id)
            ? {
                kill: ({ typicalDurationMs }: { typicalDurationMs: number }) => {
                  const random = kills.random ?? Math.random;
                  return random() < kills.probability ? random() * typicalDurationMs : undefined;
                },
              }
            : {}),
        });
        pools.set(fn.id, pool);
        handlers.set(fn.id, (event, context) => pool.invoke(event, context));
      }
      // Registered before the triggers, so it runs after they have stopped.
      stoppers.push(() => Promise.all([...pools.values()].map((pool) => pool.stop())).then(() => undefined));
    } else {
      const instance = (stacksStarted += 1);
      for (const fn of topology.functions) handlers.set(fn.id, await loadHandler(fn, handlerSources.get(fn.id)!, instance));
    }
    const spec = (id: FunctionId) => topology.functions.find((f) => f.id === id)!;

    const schedules: Schedules = startSchedules(
      topology.schedules,
      async (schedule, event) => {
        const fn = spec(schedule.function);
        return handlers.get(fn.id)!(event, createLambdaContext({ functionName: fn.id, timeoutSeconds: fn.timeoutSeconds, memoryMb: fn.memoryMb }));
      },
      { enabled: options.schedules ?? true, onError: (error, s) => console.error(`schedule ${s.id} failed:`, error) },
    );
    stoppers.push(() => schedules.stop());

    const integration = (id: FunctionId) => {
      const fn = spec(id);
      return {
        functionName: fn.id,
        timeoutSeconds: fn.timeoutSeconds,
        memoryMb: fn.memoryMb,
        enforcesTimeout: isolated,
        handler: (event: APIGatewayProxyEventV2, context: Context) => handlers.get(fn.id)!(event, context),
      };
    };
    const api: HttpApi = await startHttpApi({
      port: apiPort,
      host: '127.0.0.1',
      routes: topology.routes.map((route) => ({ method: route.method, path: route.path, auth: route.auth, ...integration(route.function) })),
      defaultRoute: { auth: 'none', ...integration(topology.defaultRoute.function) },
    });
    stoppers.push(() => api.close());

    // Local-only routes: fire a schedule now, and tell the CLI where the sandboxes are.
    api.addRoute({
      method: 'POST',
      path: '/__local/schedules/{id}',
      handler: async (event) => {
        const id = event.pathParameters?.id ?? '';
        if (!schedules.has(id)) return json(404, { error: { code: 'not_found', message: `No schedule ${id}`, details: [] } });
        return json(200, { schedule: id, result: await schedules.fire(id) });
      },
    });
    api.addRoute({
      method: 'GET',
      path: '/__local/info',
      handler: async () =>
        json(200, {
          hubspot: {
            url: hubspotUrl,
            ...(sandbox ? { accessToken, appId: String(SANDBOX_APP_ID), developerApiKey: SANDBOX_HUBSPOT_DEVELOPER_KEY } : {}),
          },
          publicBaseUrl,
          turbotenant: { url: turbotenantUrl },
          stripe: { url: stripeSandbox.url, enabled: stripeUrl !== undefined },
          buildium: { url: buildiumUrl },
          dynamodb: dynamo.endpoint,
          sqs: sqsServer.endpoint,
          queues,
          tables,
          schedules: topology.schedules.map((s) => ({ id: s.id, rateMinutes: s.rateMinutes, event: scheduleEvent(s) })),
        }),
    });

    if (turbotenantSandbox && (options.turbotenant?.events ?? true)) turbotenantSandbox.setEventTarget(`${apiUrl}/events/turbotenant`);
    // The sandbox announces contact changes to the webhook route, so the loop closes locally.
    if (sandbox && (options.hubspot?.webhooks ?? true)) sandbox.setWebhookTarget(`${publicBaseUrl.replace(/\/+$/, '')}/webhooks/hubspot`);

    const pollers = new Map<string, Poller>();
    for (const consumer of topology.consumers) {
      const fn = spec(consumer.function);
      const q = queues[consumer.queue];
      const poller = startPoller({
        sqs,
        queueUrl: q.url,
        queueArn: q.arn,
        consumer,
        functionTimeoutSeconds: fn.timeoutSeconds,
        memoryMb: fn.memoryMb,
        invokeEnforcesTimeout: isolated,
        paused: options.consumersPaused ?? false,
        ...(crashes
          ? {
              crash: () => (crashes.random ?? Math.random)() < crashes.probability,
              crashRedeliverySeconds: crashes.redeliverySeconds ?? 1,
              playedCrash: (error: unknown) => error instanceof EnvironmentKilledError,
            }
          : {}),
        invoke: (event: SQSEvent, context: Context) => handlers.get(fn.id)!(event, context) as Promise<SQSBatchResponse>,
        onError: (error, info) => console.error(`consumer ${fn.id} (${info.phase}) failed:`, error instanceof Error ? error.message : error),
      });
      pollers.set(consumer.function, poller);
      stoppers.push(() => poller.stop());
    }

    return {
      apiUrl,
      topology,
      hubspot: { url: hubspotUrl, sandbox },
      turbotenant: { url: turbotenantUrl, ...(turbotenantSandbox ? { sandbox: turbotenantSandbox } : {}) },
      stripe: { url: stripeUrl ?? stripeSandbox.url, sandbox: stripeSandbox, enabled: stripeUrl !== undefined },
      buildium: { url: buildiumUrl, ...(buildiumSandbox ? { sandbox: buildiumSandbox } : {}) },
      queues,
      tables,
      endpoints: { dynamodb: dynamo.endpoint, sqs: sqsServer.endpoint },
      pollers,
      handlerSources,
      executionEnvironments: pools,
      fireSchedule: (id) => schedules.fire(id),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
