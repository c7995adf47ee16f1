/**
 * The operator CLI: `npm run sync -- <command>`.
 *
 *   setup hubspot [--project-dir DIR]
 *                     check the account, then create the properties, the Unit object and association
 *                     labels the flows need (idempotent); with --project-dir, also write the HubSpot
 *                     developer-platform project (the app, its scopes and webhook subscriptions)
 *   resync-failed     requeue FAILED leads and redrive every DLQ
 *   sync buildium [--full]   open a Buildium sync job and follow it
 *   status            leads waiting per sync status, queue and DLQ depths
 *
 * It talks to the product's HTTP API at API_URL (default http://127.0.0.1:$PORT, the local
 * stack). A deployed API's internal routes use IAM authorization: requests to a non-loopback
 * URL are signed with SigV4 using the usual AWS credential chain.
 */
import { createHash, createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { z } from 'zod';
import { readAccountDetails } from '../functions/connectors/hubspot/account.js';
import { HubSpotClient } from '../functions/connectors/hubspot/client.js';
import { hubspotProject, writeHubSpotProject } from '../functions/connectors/hubspot/project.js';
import { requiredScopes } from '../functions/connectors/hubspot/scopes.js';
import { contactProperties, dealProperties, ensureProperties } from '../functions/connectors/hubspot/setup.js';
import { customObjectSupport, ensureBuildiumObjects, type CustomObjectSupport } from '../functions/connectors/hubspot/setup-buildium.js';
import { ensureWebhooks, privateAppWebhookSteps } from '../functions/connectors/hubspot/webhook-setup.js';
import { LEAD_TO_CONTACT, ORIGIN_PROPERTY } from '../functions/core/contact-mapping.js';
import { HUBSPOT_WEBHOOK_EVENTS } from '../lib/topology.js';
import { DEFAULT_PLATFORM_SOURCE } from '../functions/runtime/config.js';

const USAGE = `usage: npm run sync -- <command>

commands:
  setup hubspot [--project-dir DIR] [--project-name NAME] [--no-custom-objects]
                    check the HubSpot account (its details; whether it has custom objects), then
                    create the contact, deal and Listing properties, the Unit custom object and the
                    association labels the flows need (safe to re-run). Custom objects need Marketing,
                    Sales, Service, Content or Data Hub Enterprise: without them the Unit object is
                    left out and the Buildium unit flow stays off.
                    --project-dir DIR  also write a HubSpot developer-platform project (platform
                        2026.03) into DIR: hsproject.json, src/app/app-hsmeta.json (a private app with
                        a static token and the scopes the code needs) and
                        src/app/webhooks/webhooks-hsmeta.json (target $PUBLIC_BASE_URL/webhooks/hubspot,
                        the contact events the flows handle), ready for \`hs project upload\`
                        (DIR/README.md has the steps). Without HUBSPOT_ACCESS_TOKEN only the project
                        is written: the token comes from installing the app.
                    --project-name NAME  the project's name in HubSpot (default crm-sync)
                    --no-custom-objects  an account without custom objects: no Unit object, and no
                        custom object scopes in the project (an app cannot be installed with a scope
                        its account lacks)
  resync-failed     requeue FAILED leads and redrive every DLQ (leads, HubSpot events, TurboTenant, Buildium)
  sync buildium [--full] [--no-wait]
                    open a Buildium sync job (incremental from the last successful one, or full)
                    and follow it until it ends
  status            leads waiting per sync status, queue and DLQ depths

environment:
  API_URL                 the product's API (default http://127.0.0.1:\${PORT:-3000})
  HUBSPOT_BASE_URL        HubSpot API for setup (default: api.hubapi.com with HUBSPOT_ACCESS_TOKEN;
                          without a token, the running local stack's sandbox)
  HUBSPOT_ACCESS_TOKEN    the token setup uses: the developer-platform app's static token (the app
                          --project-dir writes; it receives the webhooks); or a service key (HubSpot
                          Settings → Integrations → Service Keys, with the same scopes) for a
                          deployment that needs no webhooks: service keys get none; or the token of
                          a legacy private app already in the account
  HUBSPOT_APP_ID, HUBSPOT_DEVELOPER_API_KEY
                          only for a legacy public app already installed: setup sets its webhook
                          settings and subscriptions through the legacy Webhooks API with the
                          developer API key. New apps declare their webhooks in the project.
  PUBLIC_BASE_URL         the URL HubSpot reaches the API at (webhook target: $PUBLIC_BASE_URL/webhooks/hubspot)
  PLATFORM_SOURCE_VALUE   the lead_source_system value of platform leads (default "platform")
  BUILDIUM_UNIT_OBJECT    the Unit custom object's name (default "unit")
  AWS_REGION              region of a deployed API (SigV4 signing)`;

const apiUrl = () => (process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');

/** SigV4 wants a hash class; node:crypto provides SHA-256 and HMAC-SHA256. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data)
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

class Sha256 {
  private hash: { update(data: Uint8Array): unknown; digest(): Buffer };
  constructor(private readonly secret?: SourceData) {
    this.hash = this.start();
  }
  private start() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.start();
  }
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function callApi(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const url = new URL(`${apiUrl()}${path}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  let headers: Record<string, string> = { host: url.host, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) };
  if (!isLoopback(url)) {
    const region = process.env.AWS_REGION ?? url.hostname.split('.')[2];
    if (!region) throw new Error('Set AWS_REGION to sign requests to the deployed API');
    const signer = new SignatureV4({ service: 'execute-api', region, credentials: defaultProvider(), sha256: Sha256 });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(payload ? { body: payload } : {}),
    });
    headers = signed.headers as Record<string, string>;
  }
  const response = await fetch(url, { method, headers, ...(payload ? { body: payload } : {}) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

const LocalInfo = z.object({
  hubspot: z.object({ url: z.string(), accessToken: z.string().optional(), appId: z.string().optional(), developerApiKey: z.string().optional() }),
  publicBaseUrl: z.string().optional(),
});

interface HubSpotTarget {
  readonly baseUrl: string;
  readonly token: string;
  readonly appId?: string;
  readonly developerApiKey?: string;
  /** Where HubSpot should deliver webhooks. */
  readonly webhookUrl: string;
}

const webhookUrlOf = (baseUrl: string) => `${baseUrl.replace(/\/+$/, '')}/webhooks/hubspot`;

async function hubspotTarget(): Promise<HubSpotTarget> {
  const env = process.env;
  const webhookUrl = webhookUrlOf(env.PUBLIC_BASE_URL ?? apiUrl());
  const app = { appId: env.HUBSPOT_APP_ID || undefined, developerApiKey: env.HUBSPOT_DEVELOPER_API_KEY || undefined };
  // A token names a portal: HubSpot itself unless told otherwise. Without one, the local stack
  // says where its HubSpot sandbox listens and which token it takes.
  if (!env.HUBSPOT_BASE_URL && !env.HUBSPOT_ACCESS_TOKEN && isLoopback(new URL(apiUrl()))) {
    const info = LocalInfo.parse(await callApi('GET', '/__local/info'));
    return {
      baseUrl: info.hubspot.url,
      token: info.hubspot.accessToken ?? '',
      appId: app.appId ?? info.hubspot.appId,
      developerApiKey: app.developerApiKey ?? info.hubspot.developerApiKey,
      webhookUrl: env.PUBLIC_BASE_URL ? webhookUrl : webhookUrlOf(info.publicBaseUrl ?? apiUrl()),
    };
  }
  const token = env.HUBSPOT_ACCESS_TOKEN;
  if (!token) throw new Error('Set HUBSPOT_ACCESS_TOKEN');
  return { baseUrl: env.HUBSPOT_BASE_URL ?? 'https://api.hubapi.com', token, ...app, webhookUrl };
}

interface SetupOptions {
  readonly projectDir?: string;
  readonly projectName: string;
  /** False: the account has no custom objects (or the app was written without their scopes). */
  readonly customObjects: boolean;
}

/** The contact properties whose changes HubSpot announces: those the inbound flow applies. */
const ANNOUNCED_PROPERTIES = [...LEAD_TO_CONTACT.map(([, property]) => property), ORIGIN_PROPERTY];

/** Writes the developer-platform project, its webhooks addressed to $PUBLIC_BASE_URL/webhooks/hubspot. */
async function writeProject(dir: string, options: SetupOptions): Promise<void> {
  const webhookUrl = webhookUrlOf(process.env.PUBLIC_BASE_URL ?? apiUrl());
  if (new URL(webhookUrl).protocol !== 'https:') {
    console.error(`warning: the webhook target ${webhookUrl} is not HTTPS; set PUBLIC_BASE_URL to the URL HubSpot reaches the API at`);
  }
  const files = hubspotProject({
    projectName: options.projectName,
    webhookUrl,
    events: HUBSPOT_WEBHOOK_EVENTS,
    propertyNames: ANNOUNCED_PROPERTIES,
    scopes: requiredScopes({ customObjects: options.customObjects }),
  });
  for (const path of await writeHubSpotProject(dir, files)) console.log(`wrote ${path}`);
  console.log(`webhooks: ${webhookUrl}; next: cd ${dir} && hs project upload, then install the app (${resolve(dir, 'README.md')})`);
}

async function setupHubSpot(options: SetupOptions): Promise<void> {
  if (options.projectDir) {
    await writeProject(options.projectDir, options);
    // The token comes from installing the app just written: the portal part waits for it.
    if (!process.env.HUBSPOT_ACCESS_TOKEN) return;
  }
  const target = await hubspotTarget();
  const client = new HubSpotClient({ baseUrl: target.baseUrl, accessToken: async () => target.token });
  const unitName = process.env.BUILDIUM_UNIT_OBJECT ?? 'unit';

  // What the account can do, before anything is created (notes on stderr: stdout lists what changed).
  const account = await readAccountDetails(client);
  console.error(`HubSpot account ${account.portalId} (${account.accountType ?? 'type unknown'}, ${account.timeZone ?? 'time zone unknown'})`);
  if (account.accountType === 'APP_DEVELOPER') console.error('warning: a developer account holds no CRM data; run setup with a token of the account the product syncs');
  const units: CustomObjectSupport = options.customObjects ? await customObjectSupport(client, unitName) : { available: false, reason: '--no-custom-objects' };
  if (!units.available) {
    console.error(
      `custom objects are not available (${units.reason}): custom objects need Marketing, Sales, Service, Content or Data Hub Enterprise; the Unit object is left out and the Buildium unit flow stays off`,
    );
  }

  const actions = await ensureProperties(client, 'contacts', contactProperties(process.env.PLATFORM_SOURCE_VALUE ?? DEFAULT_PLATFORM_SOURCE));
  for (const { property, action } of actions) console.log(`contacts.${property}: ${action}`);
  for (const { property, action } of await ensureProperties(client, 'deals', dealProperties())) console.log(`deals.${property}: ${action}`);
  const buildium = await ensureBuildiumObjects(client, unitName, { unitObject: units.available });
  for (const { property, action } of buildium.actions) console.log(`buildium.${property}: ${action}`);
  for (const l of buildium.labels) console.log(`labels.${l.from}→${l.to} "${l.label}": ${l.action}`);
  if (target.appId && target.developerApiKey) {
    // A legacy public app already installed: its webhooks are set through the legacy Webhooks API.
    const webhooks = await ensureWebhooks(client, {
      appId: target.appId,
      developerApiKey: target.developerApiKey,
      targetUrl: target.webhookUrl,
      events: HUBSPOT_WEBHOOK_EVENTS,
      propertyNames: ANNOUNCED_PROPERTIES,
    });
    for (const { item, action } of webhooks) console.log(`webhooks.${item}: ${action}`);
  } else if (options.projectDir) {
    console.log(`webhooks: declared in ${resolve(options.projectDir, 'src/app/webhooks/webhooks-hsmeta.json')}`);
  } else {
    console.log(
      [
        'Webhooks: a developer-platform app declares them in its project (npm run sync -- setup hubspot --project-dir DIR);',
        'a service key gets none. For a legacy private app already in the account:',
        privateAppWebhookSteps(target.webhookUrl, HUBSPOT_WEBHOOK_EVENTS, ANNOUNCED_PROPERTIES),
      ].join('\n'),
    );
  }
}

const JobSchema = z.object({
  jobId: z.string(),
  mode: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
  counts: z.object({ processed: z.number(), created: z.number(), updated: z.number(), skipped: z.number(), failed: z.number() }),
  reason: z.string().optional(),
});

const WebhookStatusSchema = z.looseObject({
  enabled: z.boolean(),
  reason: z.string().optional(),
  portalId: z.string().optional(),
  dailyQuota: z.object({ limit: z.number().optional(), remaining: z.number().nullable(), observedAt: z.string(), spentUntil: z.string().optional() }).optional(),
});

/** Opens a Buildium sync job and, unless told not to, follows it until it ends. */
async function syncBuildium(mode: 'incremental' | 'full', wait: boolean): Promise<number> {
  const { jobId } = z.object({ jobId: z.string() }).parse(await callApi('POST', '/sync/buildium', { mode }));
  console.log(`Buildium ${mode} sync job ${jobId} opened`);
  if (!wait) return 0;
  const deadline = Date.now() + Number(process.env.SYNC_WAIT_SECONDS ?? 3600) * 1000;
  let last = '';
  for (;;) {
    const job = JobSchema.parse(await callApi('GET', `/sync/jobs/${encodeURIComponent(jobId)}`));
    const line = `${job.status}: processed ${job.counts.processed}, created ${job.counts.created}, updated ${job.counts.updated}, skipped ${job.counts.skipped}, failed ${job.counts.failed}`;
    if (line !== last) console.log(line);
    last = line;
    if (job.status === 'completed' || job.status === 'failed') {
      if (job.reason) console.log(`failed: ${job.reason}`);
      if (job.counts.failed > 0 || job.status === 'failed') console.log(`errors: GET /sync/jobs/${jobId}/errors`);
      return job.status === 'completed' ? 0 : 1;
    }
    if (Date.now() > deadline) {
      console.log(`still ${job.status}; follow it with GET /sync/jobs/${jobId}`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** A command line that breaks a command's rules: the error and the usage are printed, and the exit code is 2. */
class UsageError extends Error {}

/** A command's own arguments, strictly: an unknown flag or a stray argument is an error naming it. */
function commandArgs<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export async function main(args: readonly string[]): Promise<number> {
  try {
    return await run(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}

async function run(args: readonly string[]): Promise<number> {
  const [command, target, ...rest] = args;
  switch (command) {
    case 'setup': {
      if (target !== 'hubspot') break;
      const { values } = commandArgs(rest, {
        'project-dir': { type: 'string' },
        'project-name': { type: 'string', default: 'crm-sync' },
        'no-custom-objects': { type: 'boolean', default: false },
      });
      await setupHubSpot({ projectDir: values['project-dir'], projectName: values['project-name'], customObjects: !values['no-custom-objects'] });
      return 0;
    }
    case 'resync-failed': {
      commandArgs(args.slice(1), {});
      const report = z.object({ requeued: z.number(), redriven: z.number() }).parse(await callApi('POST', '/internal/leads/resync-failed'));
      console.log(`requeued ${report.requeued} failed lead(s); redriven ${report.redriven} message(s) from the DLQ`);
      return 0;
    }
    case 'status': {
      commandArgs(args.slice(1), {});
      console.log(JSON.stringify(await callApi('GET', '/internal/status'), null, 2));
      // A configuration that cannot work is said here, not found in a log (issue 12 §1).
      const hubspot = WebhookStatusSchema.parse(await callApi('GET', '/integrations/hubspot/webhook-status'));
      console.log(hubspot.enabled ? `HubSpot webhooks: enabled (portal ${hubspot.portalId ?? 'unknown'})` : `HubSpot webhooks: DISABLED: ${hubspot.reason ?? 'no reason given'}`);
      const quota = hubspot.dailyQuota;
      if (quota) {
        const of = quota.limit === undefined ? '' : ` of ${quota.limit}`;
        console.log(
          quota.spentUntil
            ? `HubSpot API daily quota: SPENT${of}; HubSpot work waits until ${quota.spentUntil}`
            : `HubSpot API daily quota: ${quota.remaining ?? 'unknown'}${of} remaining (as of ${quota.observedAt})`,
        );
      }
      return hubspot.enabled ? 0 : 1;
    }
    case 'sync': {
      if (target !== 'buildium') break;
      const { values } = commandArgs(rest, { full: { type: 'boolean', default: false }, 'no-wait': { type: 'boolean', default: false } });
      return syncBuildium(values.full ? 'full' : 'incremental', !values['no-wait']);
    }
    default:
      break;
  }
  console.error(USAGE);
  return 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
