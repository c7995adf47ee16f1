/**
 * Buildium → HubSpot through the local stack (issue 5 §6).
 *
 * Setup (not measured): the Buildium sandbox seeded with 2,000 rental properties × 5 units
 * (10,000 units), 10,000 tenants and 8,000 leases; HubSpot's sandbox limited to 100 requests per
 * 10 s; `setup hubspot` done by the stack at start.
 * 1. Full sync: `POST /sync/buildium {"mode":"full"}`, timed until the job says completed. Every
 *    request to the HubSpot sandbox's /crm paths is a call (429s included); the rate-limit bound
 *    is calls ÷ (100 / 10 s). Peak memory: the stack's one process (every consumer runs in it),
 *    sampled every 50 ms.
 * 2. Incremental, 1% changed: 100 tenants, 20 properties, 100 units and 80 leases (status) changed
 *    in Buildium, then `{"mode":"incremental"}`: its HubSpot calls and time, against the target
 *    ceil(changed/100) per object type plus associations.
 * 3. Incremental, nothing changed: must make no HubSpot call.
 * Correctness is asserted before any figure is printed: every job completed, one listing per
 * property and one unit object per unit, no two contacts with one buildium_tenant_id.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SANDBOX_PORTAL_ID, startLocalStack, type LocalStack } from '../../lib/local/stack.js';
import { localDynamoDbClient } from '../../lib/local/dynamodb.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoBuildiumMappings } from '../../functions/store/buildium-mappings.js';
import { DynamoSyncJobs } from '../../functions/store/sync-jobs.js';
import { handleSyncMessage, openJob, type JobDeps } from '../../functions/core/buildium-jobs.js';
import { createTables } from '../../lib/local/dynamodb.js';
import { FakeBuildiumReader, FakeHubSpotObjects, RecordingSyncQueue } from '../unit/support/buildium-fakes.js';
import { RecordingLog } from '../unit/support/fakes.js';

/** BUILDIUM_BENCH_SCALE=0.1 runs a tenth of the portfolio (a quick look, not the figure). */
const SCALE = Number(process.env.BUILDIUM_BENCH_SCALE ?? 1);
const SIZE = { properties: Math.round(2000 * SCALE), unitsPerProperty: 5, tenants: Math.round(10_000 * SCALE), leases: Math.round(8000 * SCALE) };
const RATE = { max: 100, intervalMs: 10_000 };
const CHANGED = { tenants: 100, properties: 20, units: 100, leases: 80 };

type Row = (figure: string, value: string, baseline?: string, target?: string) => void;
type Fmt = (n: number, digits?: number) => string;

interface Job {
  status: string;
  counts: { processed: number; created: number; updated: number; skipped: number; failed: number };
}

async function runJob(stack: LocalStack, mode: 'full' | 'incremental', onTick?: () => void): Promise<{ job: Job; jobId: string; seconds: number; startedAt: number; endedAt: number }> {
  const started = performance.now();
  const startedAt = Date.now();
  const opened = await fetch(`${stack.apiUrl}/sync/buildium`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
  if (opened.status !== 202) throw new Error(`POST /sync/buildium answered ${opened.status}: ${await opened.text()}`);
  const { jobId } = (await opened.json()) as { jobId: string };
  for (;;) {
    onTick?.();
    const job = (await (await fetch(`${stack.apiUrl}/sync/jobs/${jobId}`)).json()) as Job;
    if (job.status === 'completed') return { job, jobId, seconds: (performance.now() - started) / 1000, startedAt, endedAt: Date.now() };
    if (job.status === 'failed') {
      const errors = await (await fetch(`${stack.apiUrl}/sync/jobs/${jobId}/errors`)).text();
      throw new Error(`${mode} job failed: ${errors.slice(0, 1000)}`);
    }
    await sleep(50);
  }
}

/**
 * DynamoDB Local's own pace on this machine, for the mapping items a sync reads and writes:
 * 5,000 new mappings written (batches of 25, 8 at once), 5,000 conditional claims (transactions
 * of 100), and 5,000 read back (100 per call), as the sync's store does it.
 */
async function dynamoPace(stack: LocalStack): Promise<{ readsPerSecond: number; writesPerSecond: number; conditionalPerSecond: number }> {
  const store = new DynamoBuildiumMappings(createDocumentClient(localDynamoDbClient(stack.endpoints.dynamodb)), stack.tables.mappings!);
  const N = 5000;
  const ids = Array.from({ length: N }, (_, i) => `bench-${i}`);
  const write = (type: 'unit' | 'tenant-email') => ids.map((id) => ({ sourceId: id, hubspotType: 'contacts', hubspotId: id, syncHash: 'x'.repeat(32), extra: { fields: Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`property_${k}`, 'abcdefabcdef'])) }, expectedVersion: 0 }));
  const lanes = async <T>(items: T[], size: number, run: (chunk: T[]) => Promise<unknown>) => {
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => { while (next < chunks.length) await run(chunks[next++]!); }));
  };
  let t = performance.now();
  await lanes(write('unit'), 1000, (chunk) => store.putMany('unit', chunk));
  const writesPerSecond = N / ((performance.now() - t) / 1000);
  t = performance.now();
  await lanes(ids.map((id) => ({ key: id, owner: id })), 1000, (chunk) => store.claim('tenant-email', chunk));
  const conditionalPerSecond = N / ((performance.now() - t) / 1000);
  t = performance.now();
  await lanes(ids, 1000, (chunk) => store.getMany('unit', chunk));
  const readsPerSecond = N / ((performance.now() - t) / 1000);
  return { readsPerSecond, writesPerSecond, conditionalPerSecond };
}

/**
 * DynamoDB requests per 100 records of a full sync: the stack's functions run in their own
 * execution environments, out of reach of a counter, so a tenth of the same portfolio is synced
 * here through the same core and stores (pages of 1,000, on the stack's DynamoDB Local, tables of
 * their own), HubSpot in memory, every request counted by a middleware on the client.
 */
async function storeRequests(stack: LocalStack): Promise<{ records: number; requests: Map<string, number> }> {
  const buildium = stack.buildium.sandbox!;
  const client = localDynamoDbClient(stack.endpoints.dynamodb);
  const tables = await createTables(client, stack.topology.tables, 'bench-count-');
  const requests = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const rentals = buildium.rentals().slice(0, Math.round(SIZE.properties / 10));
  const propertyIds = new Set(rentals.map((r) => r.Id));
  const units = buildium.units().filter((u) => propertyIds.has(u.PropertyId));
  const unitIds = new Set(units.map((u) => u.Id));
  const tenants = buildium.tenants().slice(0, Math.round(SIZE.tenants / 10));
  const tenantIds = new Set(tenants.map((t) => t.Id));
  // Leases whose unit and tenants are all in the tenth (others would only be "not in HubSpot yet" errors).
  const leases = buildium.leases().filter((l) => unitIds.has(l.UnitId) && (l.Tenants ?? []).every((t) => tenantIds.has(t.Id)));
  const db = createDocumentClient(client);
  const jobs = new DynamoSyncJobs(db, tables['sync-state']!);
  const mappings = new DynamoBuildiumMappings(db, tables.mappings!);
  const hubspot = new FakeHubSpotObjects();
  const queue = new RecordingSyncQueue();
  const deps: JobDeps = {
    reader: new FakeBuildiumReader({ rentals, units, tenants, leases }),
    jobs,
    queue,
    cursor: { set: async () => undefined },
    records: async () => ({ hubspot, mappings, unitObjectType: `p${SANDBOX_PORTAL_ID}_unit`, config: { overrides: [], conflictStrategy: 'buildium_wins', mergeFields: {} }, links: new Map() }),
    log: new RecordingLog(),
  };
  requests.clear();
  await openJob('full', { jobs, cursor: { get: async () => undefined }, queue, newId: () => 'bench-count', now: () => new Date(), pageSize: 1000, overlapSeconds: 120 });
  for (let m = queue.take(); m; m = queue.take()) await handleSyncMessage(m, deps);
  return { records: rentals.length + units.length + tenants.length + leases.length, requests };
}

function crmCalls(stack: LocalStack): number {
  return stack.hubspot.sandbox!.requests().filter((r) => r.path.startsWith('/crm')).length;
}

/** Where the time went: before the first HubSpot call, idle gaps between calls, after the last. */
function gaps(stack: LocalStack, startedAt: number, endedAt: number): Record<string, number> {
  const at = stack.hubspot.sandbox!.requests().filter((r) => r.path.startsWith('/crm')).map((r) => r.at).sort((a, b) => a - b);
  if (at.length === 0) return {};
  let idle = 0;
  for (let i = 1; i < at.length; i++) if (at[i]! - at[i - 1]! > 300) idle += at[i]! - at[i - 1]!;
  const perSecond: number[] = [];
  for (const t of at) {
    const s = Math.floor((t - startedAt) / 1000);
    while (perSecond.length <= s) perSecond.push(0);
    perSecond[s]! += 1;
  }
  return { firstCallAfterMs: at[0]! - startedAt, idleGapsOver300msMs: idle, afterLastCallMs: endedAt - at.at(-1)!, spanMs: at.at(-1)! - at[0]!, perSecond: perSecond.join(',') as unknown as number };
}

function callsByKind(stack: LocalStack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of stack.hubspot.sandbox!.requests()) {
    if (!r.path.startsWith('/crm')) continue;
    const kind = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, '/{id}').replace(/p\d+_/, 'p{portal}_')}${r.status === 429 ? ' (429)' : ''}`;
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

export async function buildiumBench(row: Row, fmt: Fmt, progress: (m: string) => void): Promise<void> {
  progress(`buildium setup: ${SIZE.properties} properties, ${SIZE.properties * SIZE.unitsPerProperty} units, ${SIZE.tenants} tenants, ${SIZE.leases} leases`);
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    hubspot: { webhooks: false, rateLimit: RATE },
    buildium: { seed: SIZE, webhooks: false },
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'WARN',
  });
  try {
    const hubspot = stack.hubspot.sandbox!;
    const buildium = stack.buildium.sandbox!;
    const records = SIZE.properties + SIZE.properties * SIZE.unitsPerProperty + SIZE.tenants + SIZE.leases;

    const pace = await dynamoPace(stack);

    // 1. Full sync.
    progress('buildium full sync');
    hubspot.clearRequests();
    let peakRss = 0;
    let peakHeap = 0;
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);
    const full = await runJob(stack, 'full');
    clearInterval(sample);
    const fullCalls = crmCalls(stack);
    const timeline = gaps(stack, full.startedAt, full.endedAt);
    const fullKinds = callsByKind(stack);
    const buildiumReads = buildium.requests().filter((r) => r.at >= full.startedAt && r.at <= full.endedAt).length;
    const bound = fullCalls / (RATE.max / (RATE.intervalMs / 1000));

    // Correctness before any figure.
    const listings = hubspot.objects('0-420');
    const units = hubspot.objects(`p${SANDBOX_PORTAL_ID}_unit`);
    if (listings.length !== SIZE.properties) throw new Error(`${listings.length} listings for ${SIZE.properties} properties`);
    if (units.length !== SIZE.properties * SIZE.unitsPerProperty) throw new Error(`${units.length} unit objects for ${SIZE.properties * SIZE.unitsPerProperty} units`);
    const tenantIds = hubspot.contacts().map((c) => c.properties.buildium_tenant_id).filter((v): v is string => Boolean(v));
    if (new Set(tenantIds).size !== tenantIds.length) throw new Error('two contacts carry one buildium_tenant_id');
    if (full.job.counts.processed !== records) {
      const errors = await (await fetch(`${stack.apiUrl}/sync/jobs/${full.jobId}/errors`)).text();
      throw new Error(`full job processed ${full.job.counts.processed} of ${records} records: ${JSON.stringify(full.job)} ${errors.slice(0, 2000)}`);
    }

    const counted = await storeRequests(stack);
    const totalRequests = [...counted.requests.values()].reduce((a, b) => a + b, 0);

    // 2. Incremental with 1% changed.
    progress('buildium incremental: 1% changed');
    const tenants = buildium.tenants();
    const rentals = buildium.rentals();
    const unitRecords = buildium.units();
    const leases = buildium.leases();
    for (const t of tenants.slice(0, CHANGED.tenants)) buildium.updateTenant(t.Id, { Comment: `changed ${Date.now()}` });
    for (const r of rentals.slice(0, CHANGED.properties)) buildium.updateRental(r.Id, { YearBuilt: (r.YearBuilt ?? 1990) + 1 });
    for (const u of unitRecords.slice(0, CHANGED.units)) buildium.updateUnit(u.Id, { MarketRent: (u.MarketRent ?? 1000) + 25 });
    const activeLeases = leases.filter((l) => l.LeaseStatus === 'Active').slice(0, CHANGED.leases);
    for (const l of activeLeases) buildium.updateLease(l.Id, { LeaseStatus: 'Past' });
    // Buildium's lastupdated filters have whole seconds: the changes are after the full job's start.
    hubspot.clearRequests();
    const incremental = await runJob(stack, 'incremental');
    const incCalls = crmCalls(stack);
    const incTimeline = gaps(stack, incremental.startedAt, incremental.endedAt);
    const bdRequests = buildium.requests().filter((r) => r.at >= incremental.startedAt).map((r) => `${r.at - incremental.startedAt}:${r.path.split('/').pop()}:${r.status}`);
    const incKinds = callsByKind(stack);
    // Target: ceil(changed/100) per object type (contacts, listings, units) plus associations
    // (per label: one add, one removal) and the label lookup a process makes once.
    const target = Math.ceil(CHANGED.tenants / 100) + Math.ceil(CHANGED.properties / 100) + Math.ceil(CHANGED.units / 100) + 2 + 1;

    // 3. Nothing changed.
    progress('buildium incremental: nothing changed');
    hubspot.clearRequests();
    const idle = await runJob(stack, 'incremental');
    const idleCalls = crmCalls(stack);

    row('Buildium full sync: records', fmt(records, 0), '', '10k tenants, 2k properties, 10k units, 8k leases');
    row('Buildium full sync: elapsed (s)', fmt(full.seconds, 1), `bound ${fmt(bound, 1)}`, `≤ ${fmt(bound * 1.15, 1)} (1.15× bound)`);
    row('Buildium full sync: elapsed / bound', fmt(full.seconds / bound, 3), '1.000', '≤ 1.15');
    row('Buildium full sync: HubSpot calls', fmt(fullCalls, 0), `${fmt((fullCalls / records) * 100, 2)} per 100 records`, '');
    row('Buildium full sync: Buildium requests (counts + pages)', fmt(buildiumReads, 0), '', `${SIZE.properties * 0 + 4} counts + ${Math.ceil(SIZE.properties / 1000) + Math.ceil(SIZE.tenants / 1000) + Math.ceil((SIZE.properties * SIZE.unitsPerProperty) / 1000) + Math.ceil(SIZE.leases / 1000)} pages`);
    // What the sync's store does for this portfolio (first sync: every mapping new): reads of each
    // record's mapping (and a claim per tenant), writes of each mapping, a conditional claim per tenant.
    const tenantsWithEmergency = buildium.tenants().filter((t) => t.EmergencyContact?.Email).length;
    const reads = SIZE.properties + 2 * SIZE.tenants + tenantsWithEmergency + SIZE.properties * SIZE.unitsPerProperty + SIZE.leases;
    const writes = SIZE.properties + SIZE.tenants + tenantsWithEmergency + SIZE.properties * SIZE.unitsPerProperty + SIZE.leases;
    const dynamoSeconds = reads / pace.readsPerSecond + writes / pace.writesPerSecond + SIZE.tenants / pace.conditionalPerSecond;
    row(
      'DynamoDB Local here: mapping reads / writes / conditional claims per s',
      `${fmt(pace.readsPerSecond, 0)} / ${fmt(pace.writesPerSecond, 0)} / ${fmt(pace.conditionalPerSecond, 0)}`,
      '',
      `the full sync's ${fmt(reads, 0)} reads, ${fmt(writes, 0)} writes, ${fmt(SIZE.tenants, 0)} claims: ${fmt(dynamoSeconds, 1)} s at this pace (4 requests in flight)`,
    );
    row(
      'Buildium full sync: DynamoDB requests per 100 records',
      fmt((totalRequests / counted.records) * 100, 2),
      `${fmt(totalRequests, 0)} for ${fmt(counted.records, 0)} records`,
      '≥ 5: one BatchGetItem per 100 mappings read, one BatchWriteItem per 25 written (+1 transaction per 100 new tenants\' claims)',
    );
    row('Buildium full sync: peak RSS / heap (MB, whole stack)', `${fmt(peakRss / 2 ** 20, 0)} / ${fmt(peakHeap / 2 ** 20, 0)}`, '', '');
    row('Buildium incremental 1%: HubSpot calls', fmt(incCalls, 0), `target ≤ ${target}`, `changed: ${Object.values(CHANGED).reduce((a, b) => a + b, 0)}`);
    row('Buildium incremental 1%: elapsed (s)', fmt(incremental.seconds, 1), '', '');
    row('Buildium incremental, nothing changed: HubSpot calls', fmt(idleCalls, 0), 'target 0', `${fmt(idle.seconds, 1)} s`);
    progress(`buildium full calls by kind: ${JSON.stringify(fullKinds)}`);
    progress(`buildium DynamoDB requests by kind (a tenth of the portfolio, in process): ${JSON.stringify(Object.fromEntries(counted.requests))}`);
    progress(`buildium full timeline: ${JSON.stringify(timeline)}`);
    progress(`buildium incremental timeline: ${JSON.stringify(incTimeline)}; Buildium requests (ms after start): ${bdRequests.join(' ')}`);
    progress(`buildium incremental calls by kind: ${JSON.stringify(incKinds)}; counts ${JSON.stringify(incremental.job.counts)}`);
  } finally {
    await stack.stop();
  }
}
