/**
 * `npm run bench`: the platform leads → HubSpot flow through the local stack (issue 2 §6), and
 * HubSpot webhooks → leads (issue 3 §6, `./webhooks.ts`).
 *
 * 1. Ingest: post BENCH_LEADS leads (default 10,000) to `POST /leads` while the consumer is
 *    paused; report leads/s accepted.
 * 2. Sync: release the queue and time until every lead reads SYNCED, with the HubSpot sandbox
 *    limited to 20 requests per rolling 10 s. The limit bounds the run: K batch calls at L per
 *    window W cannot finish in less than (ceil(K/L) - 1) × W; the bench prints bound/actual.
 * 3. Baseline: the seed's way (one search by email, then one create or update per lead) on a
 *    sample, against the same limit.
 * 4. Each function's bundle (as the CDK stack bundles it) and its module load time.
 * 5. Load (issue 6 §4, `./load.ts`): the stack under sustained leads and webhook deliveries.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { bundleFunction } from '../../lib/bundling.js';
import { startLocalStack } from '../../lib/local/stack.js';
import { topologyFor } from '../../lib/topology.js';
import { objectsPath } from '../../functions/connectors/hubspot/api-paths.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoLeadStore } from '../../functions/store/lead-store.js';
import { localDynamoDbClient } from '../../lib/local/dynamodb.js';
import { localSqsClient } from '../../lib/local/sqs.js';
import { SqsLeadQueue } from '../../functions/runtime/sqs-queue.js';
import { mapConcurrent } from '../../functions/core/concurrency.js';
import { webhookBench } from './webhooks.js';
import { turbotenantBench } from './turbotenant.js';
import { buildiumBench } from './buildium.js';
import { budgetBench } from './budget.js';
import { loadBench } from './load.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = resolve(ROOT, 'test/bench/out');
const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const BASELINE_SAMPLE = Number(process.env.BENCH_BASELINE_SAMPLE ?? 50);
const RATE = { max: 20, intervalMs: 10_000 };
const INGEST_CONCURRENCY = 8;
const BATCH = 100;
/**
 * Issue 6 §4's size: 5 minutes of 100 leads/s and 50 webhook deliveries/s. BENCH_LOAD_SECONDS
 * shortens it; BENCH_LOAD_LEADS and BENCH_LOAD_DELIVERIES change the rates.
 */
const LOAD_FULL = { durationSeconds: 300, leadsPerSecond: 100, webhookDeliveriesPerSecond: 50 };
const LOAD = {
  durationSeconds: Number(process.env.BENCH_LOAD_SECONDS ?? LOAD_FULL.durationSeconds),
  leadsPerSecond: Number(process.env.BENCH_LOAD_LEADS ?? LOAD_FULL.leadsPerSecond),
  webhookDeliveriesPerSecond: Number(process.env.BENCH_LOAD_DELIVERIES ?? LOAD_FULL.webhookDeliveriesPerSecond),
};

const rows: Array<[string, string, string, string]> = [];
const row = (figure: string, value: string, baseline = '', target = '') => rows.push([figure, value, baseline, target]);
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function flowBench(): Promise<void> {
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    consumersPaused: true,
    // The outbound flow alone: the sandbox's webhook echoes would spend the same rate budget.
    hubspot: { rateLimit: RATE, webhooks: false },
    logLevel: 'ERROR',
  });
  try {
    const sandbox = stack.hubspot.sandbox!;
    const store = new DynamoLeadStore(createDocumentClient(localDynamoDbClient(stack.endpoints.dynamodb)), stack.tables.leads!);
    const runId = Date.now().toString(36);

    // 0. A deployment that has synced before: HubSpot's limits and the portal's time zone are
    // known (each is asked once per deployment, not once per burst). One lead syncs first.
    const poller = stack.pollers.get('lead-outbound')!;
    poller.resume();
    const warmUp = await fetch(`${stack.apiUrl}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${runId}-warm-up` },
      body: JSON.stringify({ email: `warm-up.${runId}@example.org`, firstName: 'Warm', lastName: 'Up', source: 'bench' }),
    });
    const { leadId: warmUpId } = z.object({ leadId: z.string() }).parse(await warmUp.json());
    for (const started = performance.now(); (await store.get(warmUpId))?.hubspot.syncStatus !== 'SYNCED'; await sleep(200)) {
      if (performance.now() - started > 60_000) throw new Error('the warm-up lead did not sync within a minute');
    }
    poller.pause();
    while (!poller.idle()) await sleep(100);
    // Its environments warm, as a deployment in use has them (or provisioned concurrency): a
    // burst on this 2-core machine otherwise pays four cold starts that share its CPU with
    // DynamoDB Local, SQS and the sandbox, which Lambda's environments never do. The cold starts
    // are printed on their own below.
    if (!process.env.BENCH_COLD) await stack.executionEnvironments.get('lead-outbound')?.provision(stack.topology.settings.leadSync.maxConcurrency);

    // 1. Ingest
    const indexes = Array.from({ length: LEADS }, (_, i) => i);
    progress(`posting ${LEADS} leads`);
    const ingestStart = performance.now();
    let rejected = 0;
    await mapConcurrent(indexes, INGEST_CONCURRENCY, async (i) => {
      const response = await fetch(`${stack.apiUrl}/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${runId}-${i}` },
        body: JSON.stringify({ email: `Lead${i}.${runId}@Example.com`, firstName: `Lead${i}`, lastName: 'Bench', source: 'bench' }),
      });
      if (response.status !== 202) rejected += 1;
      await response.arrayBuffer();
    });
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    progress(`ingested ${LEADS} leads in ${ingestSeconds.toFixed(1)} s`);
    if (rejected > 0) throw new Error(`${rejected} leads were not accepted`);
    row('ingest: leads accepted per second (POST /leads, Idempotency-Key)', fmt(LEADS / ingestSeconds), '', '');

    // 2. Sync, from the release of the queue until every lead reads SYNCED.
    sandbox.clearRequests();
    // Start from an empty rate window, as a fresh run would.
    sandbox.setRateLimit(RATE);
    await sleep(RATE.intervalMs);
    const released = performance.now();
    poller.resume();
    // Every lead's columns are written before its message is deleted, so an empty queue means
    // every lead has its outcome. Watching the queue (not the table) keeps the bench's own reads
    // off DynamoDB Local while the consumer works; the table is checked once at the end.
    const { url: queueUrl, dlqUrl } = stack.queues['lead-sync'];
    const queue = new SqsLeadQueue(localSqsClient(stack.endpoints.sqs), { queueUrl, dlqUrl });
    let lastReport = performance.now();
    for (;;) {
      const { queue: depth } = await queue.depths();
      const waiting = depth.visible + depth.inFlight + depth.delayed;
      if (waiting === 0 && poller.idle()) break;
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        progress(`sync t=${((lastReport - released) / 1000).toFixed(0)}s: ${waiting} messages waiting, HubSpot calls so far ${sandbox.requests().length}`);
      }
      if (performance.now() - released > 600_000) throw new Error(`queue not drained after 10 minutes: ${waiting} messages`);
      await sleep(100);
    }
    const actual = (performance.now() - released) / 1000;
    const counts = await store.countByStatus();
    if (counts.PENDING + counts.RETRYING + counts.FAILED > 0) throw new Error(`not every lead is SYNCED: ${JSON.stringify(counts)}`);
    const contacts = sandbox.contacts().filter((c) => c.properties.email?.endsWith(`.${runId}@example.com`)).length;
    if (contacts !== LEADS) throw new Error(`HubSpot holds ${contacts} contacts for ${LEADS} leads`);
    const calls = sandbox.requests().filter((r) => r.path.startsWith('/crm/'));
    const upserts = calls.filter((r) => r.path === objectsPath('contacts', 'batch/upsert') && r.status < 300);
    const throttled = calls.filter((r) => r.status === 429).length;
    const k = Math.ceil(LEADS / BATCH);
    const bound = (Math.ceil(k / RATE.max) - 1) * (RATE.intervalMs / 1000);
    const ourRate = LEADS / actual;
    const ourCallsPer100 = (calls.length / LEADS) * 100;
    row(`sync: seconds from release until all ${LEADS} SYNCED`, fmt(actual, 2), '', '');
    row(`rate-limit bound (${k} batch calls at ${RATE.max}/${RATE.intervalMs / 1000} s), seconds`, fmt(bound, 2), '', '');
    row('bound / actual', fmt(bound / actual, 3), '', '>= 0.9');
    row('HubSpot calls per 100 leads (all requests, 429s included)', fmt(ourCallsPer100, 2), '', '<= 1.1');
    // The sandbox injects no 429 here: every one is our own overshoot.
    row('  of which batch upserts / 429 answers (all our own overshoot)', `${upserts.length} / ${throttled}`, '', '0 × 429');
    const outbound = stack.executionEnvironments.get('lead-outbound')?.stats();
    if (outbound) row('  lead-outbound execution environments (at most its queue concurrency) / invocations', `${outbound.environmentsStarted} / ${outbound.invocations}`, '1 (one shared instance, before issue 13)', '');
    // Cold starts as the stack saw them: each environment's init, from its thread to its handler loaded.
    for (const [fn, pool] of stack.executionEnvironments) {
      const init = [...pool.stats().initMs].sort((a, b) => a - b);
      if (init.length > 0) row(`cold start ${fn}: init ms, median (environments)`, `${fmt(init[Math.floor(init.length / 2)]!, 0)} (${init.length})`, '', '');
    }
    const baseline = await baselineBench(stack.hubspot.url, runId);
    row('leads synced per second', fmt(ourRate), fmt(baseline.leadsPerSecond, 2), '');
    row('HubSpot calls per 100 leads vs the seed’s way', fmt(ourCallsPer100, 2), fmt(baseline.callsPer100, 1), '');
    row('speed-up over the seed’s way (leads/s)', `${fmt(ourRate / baseline.leadsPerSecond, 0)}×`, '1×', '>= 100×');
  } finally {
    await stack.stop();
  }
}

const SearchResult = z.object({ total: z.number(), results: z.array(z.object({ id: z.string() })) });

/**
 * The seed's way (004 "HubspotService"): per lead, search by email, then create or update,
 * waiting out 429s in process. Same sandbox, same limit, a fresh window.
 */
async function baselineBench(baseUrl: string, runId: string): Promise<{ leadsPerSecond: number; callsPer100: number }> {
  await sleep(RATE.intervalMs);
  let calls = 0;
  const call = async (method: string, path: string, body: unknown): Promise<unknown> => {
    for (;;) {
      calls += 1;
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${process.env.HUBSPOT_ACCESS_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status === 429) {
        await sleep(1000);
        continue;
      }
      if (!response.ok) throw new Error(`baseline ${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    }
  };
  const started = performance.now();
  for (let i = 0; i < BASELINE_SAMPLE; i += 1) {
    const email = `seed${i}.${runId}@example.com`;
    const found = SearchResult.parse(
      await call('POST', '/crm/v3/objects/contacts/search', {
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
        limit: 1,
      }),
    );
    const properties = { email, firstname: `Seed${i}`, lead_source_system: 'platform' };
    if (found.results[0]) await call('PATCH', `/crm/v3/objects/contacts/${found.results[0].id}`, { properties });
    else await call('POST', '/crm/v3/objects/contacts', { properties });
  }
  const seconds = (performance.now() - started) / 1000;
  return { leadsPerSecond: BASELINE_SAMPLE / seconds, callsPer100: (calls / BASELINE_SAMPLE) * 100 };
}

/** Bundles each function as the CDK stack does (lib/bundling.ts), then times its import. */
async function bundleBench(): Promise<void> {
  const topology = topologyFor('dev');
  for (const fn of topology.functions) {
    const { file: outfile, metafile } = await bundleFunction(fn, OUT, ROOT);
    const inputs = Object.keys(metafile.inputs);
    const loadsHubSpotClient = inputs.some((p) => p.includes('@hubspot/api-client'));
    const loads: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const probe = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const t=performance.now();await import(${JSON.stringify(pathToFileURL(outfile).href)});console.log(performance.now()-t)`],
        { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } },
      );
      if (probe.status !== 0) throw new Error(`loading ${fn.id} failed: ${probe.stderr}`);
      loads.push(Number(probe.stdout.trim()));
    }
    loads.sort((a, b) => a - b);
    const kb = statSync(outfile).size / 1024;
    const target = fn.id === 'lead-events' ? 'no @hubspot/api-client' : '';
    row(
      `bundle ${fn.id}: size KB / module load ms (median of 5)${loadsHubSpotClient ? ' / LOADS @hubspot/api-client' : ''}`,
      `${fmt(kb)} / ${fmt(loads[2] ?? 0, 1)}`,
      '',
      target,
    );
  }
}

function print(): void {
  const header: [string, string, string, string] = ['figure', 'value', 'baseline', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(`\nnode ${process.version}, ${LEADS} leads, HubSpot sandbox limit ${RATE.max} requests / ${RATE.intervalMs / 1000} s rolling (leads flow)`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

// BENCH_ONLY=bundles|leads|budget|webhooks|turbotenant|buildium|load (comma-separated) runs a part; all by default.
const only = new Set((process.env.BENCH_ONLY ?? 'bundles,leads,budget,webhooks,turbotenant,buildium,load').split(',').map((s) => s.trim()));
if (only.has('bundles')) await bundleBench();
if (only.has('leads')) await flowBench();
if (only.has('budget')) await budgetBench(row, fmt, progress);
if (only.has('webhooks')) await webhookBench(row, fmt, progress);
if (only.has('turbotenant')) await turbotenantBench(row, fmt, progress);
if (only.has('buildium')) await buildiumBench(row, fmt, progress);
if (only.has('load')) {
  // The README shows the full-size run's chart; another size's goes to test/bench/out.
  mkdirSync(OUT, { recursive: true });
  const full = (Object.keys(LOAD_FULL) as (keyof typeof LOAD)[]).every((k) => LOAD[k] === LOAD_FULL[k]);
  const svgPath = resolve(full ? resolve(ROOT, 'test/bench') : OUT, 'load.svg');
  await loadBench(row, fmt, progress, { ...LOAD, drainTimeoutSeconds: 1800, svgPath });
}
print();
