/**
 * The operator CLI: `npm run sync -- <command>`.
 *
 *   setup hubspot     create the properties, the Unit object, association labels and webhook
 *                     subscriptions the flows need (idempotent)
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
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { z } from 'zod';
import { HubSpotClient } from '../functions/connectors/hubspot/client.js';
import { contactProperties, dealProperties, ensureProperties } from '../functions/connectors/hubspot/setup.js';
import { ensureBuildiumObjects } from '../functions/connectors/hubspot/setup-buildium.js';
import { ensureWebhooks, privateAppWebhookSteps } from '../functions/connectors/hubspot/webhook-setup.js';
import { LEAD_TO_CONTACT, ORIGIN_PROPERTY } from '../functions/core/contact-mapping.js';
import { HUBSPOT_WEBHOOK_EVENTS } from '../lib/topology.js';
import { DEFAULT_PLATFORM_SOURCE } from '../functions/runtime/config.js';

const USAGE = `usage: npm run sync -- <command>

commands:
  setup hubspot     create the HubSpot contact properties the flows need and, for a public app,
                    the webhook settings and subscriptions (safe to re-run); for a private app
                    it prints the webhook steps to follow in HubSpot's UI
  resync-failed     requeue FAILED leads and redrive every DLQ (leads, HubSpot events, TurboTenant, Buildium)
  sync buildium [--full] [--no-wait]
                    open a Buildium sync job (incremental from the last successful one, or full)
                    and follow it until it ends
  status            leads waiting per sync status, queue and DLQ depths

environment:
  API_URL                 the product's API (default http://127.0.0.1:\${PORT:-3000})
  HUBSPOT_BASE_URL        HubSpot API for setup (default: the local stack's sandbox, else api.hubapi.com)
  HUBSPOT_ACCESS_TOKEN    HubSpot private app token for setup
  HUBSPOT_APP_ID, HUBSPOT_DEVELOPER_API_KEY
                          a public app's id and developer API key: setup then sets its webhooks
  PUBLIC_BASE_URL         the URL HubSpot reaches the API at (webhook target: $PUBLIC_BASE_URL/webhooks/hubspot)
  PLATFORM_SOURCE_VALUE   the lead_source_system value of platform leads (default "platform")
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

async function hubspotTarget(): Promise<HubSpotTarget> {
  const env = process.env;
  const webhookUrl = `${(env.PUBLIC_BASE_URL ?? apiUrl()).replace(/\/+$/, '')}/webhooks/hubspot`;
  const app = { appId: env.HUBSPOT_APP_ID || undefined, developerApiKey: env.HUBSPOT_DEVELOPER_API_KEY || undefined };
  if (!env.HUBSPOT_BASE_URL && isLoopback(new URL(apiUrl()))) {
    // The local stack says where its HubSpot sandbox listens.
    const info = LocalInfo.parse(await callApi('GET', '/__local/info'));
    return {
      baseUrl: info.hubspot.url,
      token: env.HUBSPOT_ACCESS_TOKEN ?? info.hubspot.accessToken ?? '',
      appId: app.appId ?? info.hubspot.appId,
      developerApiKey: app.developerApiKey ?? info.hubspot.developerApiKey,
      webhookUrl: env.PUBLIC_BASE_URL ? webhookUrl : `${(info.publicBaseUrl ?? apiUrl()).replace(/\/+$/, '')}/webhooks/hubspot`,
    };
  }
  const token = env.HUBSPOT_ACCESS_TOKEN;
  if (!token) throw new Error('Set HUBSPOT_ACCESS_TOKEN');
  return { baseUrl: env.HUBSPOT_BASE_URL ?? 'https://api.hubapi.com', token, ...app, webhookUrl };
}

async function setupHubSpot(): Promise<void> {
  const target = await hubspotTarget();
  const client = new HubSpotClient({ baseUrl: target.baseUrl, accessToken: async () => target.token });
  const actions = await ensureProperties(client, 'contacts', contactProperties(process.env.PLATFORM_SOURCE_VALUE ?? DEFAULT_PLATFORM_SOURCE));
  for (const { property, action } of actions) console.log(`contacts.${property}: ${action}`);
  for (const { property, action } of await ensureProperties(client, 'deals', dealProperties())) console.log(`deals.${property}: ${action}`);
  const buildium = await ensureBuildiumObjects(client, process.env.BUILDIUM_UNIT_OBJECT ?? 'unit');
  for (const { property, action } of buildium.actions) console.log(`buildium.${property}: ${action}`);
  for (const l of buildium.labels) console.log(`labels.${l.from}→${l.to} "${l.label}": ${l.action}`);
  const propertyNames = [...LEAD_TO_CONTACT.map(([, property]) => property), ORIGIN_PROPERTY];
  if (target.appId && target.developerApiKey) {
    const webhooks = await ensureWebhooks(client, {
      appId: target.appId,
      developerApiKey: target.developerApiKey,
      targetUrl: target.webhookUrl,
      events: HUBSPOT_WEBHOOK_EVENTS,
      propertyNames,
    });
    for (const { item, action } of webhooks) console.log(`webhooks.${item}: ${action}`);
  } else {
    console.log(privateAppWebhookSteps(target.webhookUrl, HUBSPOT_WEBHOOK_EVENTS, propertyNames));
  }
}

const JobSchema = z.object({
  jobId: z.string(),
  mode: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  startedAt: z.string(),
  completedAt: z.string().nullable(),
  counts: z.object({ processed: z.number(), created: z.number(), updated: z.number(), skipped: z.number(), failed: z.number() }),
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

export async function main(args: readonly string[]): Promise<number> {
  const [command, target] = args;
  switch (command) {
    case 'setup': {
      if (target !== 'hubspot') break;
      await setupHubSpot();
      return 0;
    }
    case 'resync-failed': {
      const report = z.object({ requeued: z.number(), redriven: z.number() }).parse(await callApi('POST', '/internal/leads/resync-failed'));
      console.log(`requeued ${report.requeued} failed lead(s); redriven ${report.redriven} message(s) from the DLQ`);
      return 0;
    }
    case 'status': {
      console.log(JSON.stringify(await callApi('GET', '/internal/status'), null, 2));
      return 0;
    }
    case 'sync': {
      if (target !== 'buildium') break;
      return syncBuildium(args.includes('--full') ? 'full' : 'incremental', !args.includes('--no-wait'));
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
