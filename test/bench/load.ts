/**
 * The local stack under sustained load (issue 6 §4): platform leads and HubSpot webhook deliveries
 * at fixed rates for a while, then the time it takes to settle everything.
 *
 * Setup (not measured): contacts made "by a person" in the HubSpot sandbox (no
 * `lead_source_system`), which the deliveries' events are about. The sandbox's own webhook
 * deliveries are off (the outbound flow's writes would come back as extra deliveries), and its rate
 * limit is 1,000 requests per 10 s, so HubSpot is not what is being measured. Then a warm-up (ten
 * seconds' worth of each request, 8 at a time, settled) so that the clock starts on a warm JVM.
 *
 * Load, open loop: a worker thread (the callers' side must not share the stack's event loop, as it
 * never shares a Lambda's CPU) fires `POST /leads` (unique emails) and v3-signed
 * `POST /webhooks/hubspot` deliveries on a fixed timetable, whether or not earlier requests have
 * been answered. Requests over the in-flight cap are not sent, and counted. Each answer's latency
 * (send to last byte) and status are kept.
 *
 * Meanwhile, every `sampleEveryMs`: the depth of the lead-sync and hubspot-events queues (visible,
 * in flight and delayed), and memory: this process's RSS and heap (the stack, the in-process SQS
 * emulator, the sandboxes and the load's worker thread all run in it) and DynamoDB Local's (a JVM)
 * RSS from /proc. Each sample also gets the p50/p99 latency of the requests sent since the previous.
 *
 * After the load: until every accepted lead reads SYNCED and every accepted event is processed or
 * skipped (webhook-status), with both queues empty; "lost" counts what never got there.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { mapConcurrent } from '../../functions/core/concurrency.js';
import { DynamoLeadStore } from '../../functions/store/lead-store.js';
import { SqsQueue } from '../../functions/runtime/sqs-queue.js';
import { localDynamoDbClient } from '../../lib/local/dynamodb.js';
import { APP_ID, PORTAL_ID } from '../../lib/local/sandboxes/hubspot/errors.js';
import { localSqsClient } from '../../lib/local/sqs.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.js';
import type { QueueId } from '../../lib/topology.js';
import { hubspot, percentile, postDelivery, status as webhookStatus, type Fmt, type Row } from './webhooks.js';

export interface LoadOptions {
  readonly durationSeconds: number;
  readonly webhookDeliveriesPerSecond: number;
  readonly leadsPerSecond: number;
  /** Events per webhook delivery (default 5). */
  readonly eventsPerDelivery?: number;
  /** Default 1,000. */
  readonly sampleEveryMs?: number;
  /** Where to write the chart (SVG); none when absent. */
  readonly svgPath?: string;
  /** Requests in flight beyond which the timetable's next request is not sent (and counted). Default 256. */
  readonly maxInFlight?: number;
  /** How long to wait for everything to settle after the load. Default 600 s. */
  readonly drainTimeoutSeconds?: number;
  readonly progress?: (message: string) => void;
}

type Kind = 'leads' | 'webhooks';
const KINDS: readonly Kind[] = ['leads', 'webhooks'];
const QUEUES = ['lead-sync', 'hubspot-events'] as const satisfies readonly QueueId[];
type LoadQueue = (typeof QUEUES)[number];

/** The sandbox's limit during the run: far above what the load needs (about 1 call/s for leads, 5/s for events). */
const HUBSPOT_RATE = { max: 1000, intervalMs: 10_000 };
/** Longer than API Gateway's 30 s integration timeout, so its 503 is seen rather than our own give-up. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Each contact is the subject of about this many events: its creation, then property changes. */
const EVENTS_PER_CONTACT = 4;
const MAX_CONTACTS = 5000;
/** The warm-up: this many seconds of each rate, at most this many requests of each kind. */
const WARM_UP_SECONDS = 10;
const WARM_UP_MAX = 1000;
const WARM_UP_EVENT_IDS = 100_000_000;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface QueueSample {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** visible + in flight + delayed. */
  readonly depth: number;
}

export interface LatencySample {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
}

export interface LoadSample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly phase: 'load' | 'drain';
  readonly queues: Record<LoadQueue, QueueSample>;
  /** Latency of the requests sent since the previous sample; null when none was. */
  readonly latency: Record<Kind, LatencySample | null>;
  /** Bytes. Heap figures are the main thread's; `nodeExternal` is memory outside V8's heaps held by JS objects (buffers). */
  readonly memory: {
    readonly nodeRss: number;
    readonly nodeHeapUsed: number;
    readonly nodeHeapTotal: number;
    readonly nodeExternal: number;
    /** The load's sender thread's heap, part of nodeRss. */
    readonly senderHeapTotal: number;
    readonly dynamoDbRss: number | null;
  };
}

export interface MemoryGrowth {
  /** Bytes: the average over the first stable window (10–20 % into the load) and the last 10 %. */
  readonly start: number;
  readonly end: number;
  readonly peak: number;
  readonly growthPercent: number;
  /** The last 10 % against 45–55 % into the load. */
  readonly fromMiddlePercent: number;
}

/** One kind of request on the timetable: what became of it at the door. */
export interface IngestFigures {
  readonly scheduled: number;
  readonly sent: number;
  /** Answered 202 (leads) or 200 (webhook deliveries). */
  readonly accepted: number;
  /** Answered anything else (0: no answer within 60 s). */
  readonly rejected: number;
  readonly statuses: Record<string, number>;
  /** Not sent: the in-flight cap was reached when they were due. */
  readonly overCap: number;
  /** Latency in ms, send to last byte. */
  readonly p50: number;
  readonly p99: number;
}

export interface LoadReport {
  readonly options: Required<Omit<LoadOptions, 'svgPath' | 'progress'>>;
  readonly contacts: number;
  /** Requests sent before the clock started (closed loop, 8 at a time), then settled. */
  readonly warmUp: { readonly leads: number; readonly deliveries: number };
  readonly leads: IngestFigures & {
    readonly acceptedPerSecond: number;
    readonly synced: number;
    /** Accepted leads SYNCED per second, from the load's start until the last one was. */
    readonly syncedPerSecond: number;
    /** Accepted leads by their final status. */
    readonly finalStatuses: Record<string, number>;
  };
  readonly webhooks: IngestFigures & {
    readonly eventsAccepted: number;
    readonly eventsPerSecond: number;
    readonly processed: number;
    readonly skipped: number;
    readonly skippedByReason: Record<string, number>;
    readonly failed: number;
    /** Events settled per second, from the load's start until the last one was. */
    readonly settledPerSecond: number;
    /** webhook-status after the run: totalReceived = processed + skipped + failed. */
    readonly totalsBalance: boolean;
    /**
     * The contacts the events were about, by how many leads are linked to each now: one each is
     * right (a contact a person made becomes one lead, whatever else is said about it).
     */
    readonly leadsPerContact: { readonly none: number; readonly one: number; readonly several: number };
  };
  /** How far behind its timetable the load's sender ran, ms. */
  readonly senderLag: { readonly p99: number; readonly max: number };
  /** The stack's event loop (this process's main thread) during the load, ms. */
  readonly eventLoopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  /** CPU time over the load and drain, in cores (1 = one core busy all the time). */
  readonly cpu: { readonly node: number; readonly dynamoDb: number | null; readonly cores: number };
  readonly maxQueueDepth: Record<LoadQueue, number>;
  readonly endDepths: Record<LoadQueue, { readonly queue: number; readonly deadLetter: number }>;
  readonly loadSeconds: number;
  /** From the last answer until everything settled (or the drain timeout). */
  readonly drainSeconds: number;
  readonly drained: boolean;
  readonly memory: {
    readonly nodeRss: MemoryGrowth;
    readonly nodeHeapUsed: MemoryGrowth;
    readonly nodeHeapTotal: MemoryGrowth;
    readonly nodeExternal: MemoryGrowth;
    readonly senderHeapTotal: MemoryGrowth;
    readonly dynamoDbRss: MemoryGrowth | null;
  };
  /** The local SQS server (local-aws-sqs) runs inside this process, so its memory is in nodeRss. */
  readonly sqsInProcess: true;
  /** Seconds into the run when DynamoDB Local's process was found gone (ended from outside); absent if it ran throughout. */
  readonly dynamoDbExitedAt?: number;
  readonly lost: { readonly leads: number; readonly events: number; readonly total: number };
  readonly samples: readonly LoadSample[];
  readonly svgPath?: string;
}

// ---- the sender (worker thread) ----

interface SenderJob {
  readonly loadSender: true;
  readonly apiUrl: string;
  readonly runId: string;
  readonly durationSeconds: number;
  readonly leadsPerSecond: number;
  readonly webhookDeliveriesPerSecond: number;
  readonly eventsPerDelivery: number;
  readonly contactIds: readonly number[];
  readonly maxInFlight: number;
}

interface Answer {
  readonly kind: Kind;
  /** Its place on its kind's timetable. */
  readonly index: number;
  /** ms since the load's start. */
  readonly sentAt: number;
  /** How late against the timetable, ms. */
  readonly lagMs: number;
  readonly latencyMs: number;
  /** 0: no answer (timeout, connection error). */
  readonly status: number;
}

interface SenderProgress {
  readonly type: 'progress';
  readonly sent: number;
  readonly answered: number;
  readonly refused: number;
  readonly inFlight: number;
  /** The sender thread's own V8 heap (it counts in the process's RSS, but is not the stack's). */
  readonly heapTotal: number;
}

interface SenderResult {
  readonly type: 'done';
  readonly answers: Answer[];
  readonly leadIds: string[];
  readonly eventsAccepted: number;
  readonly scheduled: Record<Kind, number>;
  readonly overCap: Record<Kind, number>;
  /** ms since the load's start. */
  readonly lastAnswerAt: number;
}

/** Epoch ms with sub-ms precision, comparable across threads. */
const clock = () => performance.timeOrigin + performance.now();

/** The contact the run's `n`th event is about: each in turn. */
const subjectOf = (contactIds: readonly number[], n: number) => contactIds[n % contactIds.length]!;

/**
 * The events of delivery `d`: about each contact in turn, its creation first, then changes of its
 * first name. `eventIdBase` keeps the warm-up's events apart from the run's.
 */
function deliveryEvents(contactIds: readonly number[], eventsPerDelivery: number, d: number, eventIdBase = 0): Record<string, unknown>[] {
  const pool = contactIds.length;
  return Array.from({ length: eventsPerDelivery }, (_, j) => {
    const n = d * eventsPerDelivery + j;
    const base = { eventId: eventIdBase + n + 1, portalId: PORTAL_ID, appId: APP_ID, occurredAt: Date.now(), attemptNumber: 0, objectId: subjectOf(contactIds, n), changeSource: 'CRM_UI' };
    return n < pool
      ? { ...base, subscriptionId: 1, subscriptionType: 'contact.creation', changeFlag: 'NEW' }
      : { ...base, subscriptionId: 2, subscriptionType: 'contact.propertyChange', propertyName: 'firstname', propertyValue: `Person${n % pool}` };
  });
}

async function runSender(job: SenderJob): Promise<void> {
  const port = parentPort!;
  // The main thread starts the clock once this thread has loaded and said so.
  const startAt = await new Promise<number>((resolve) => {
    port.once('message', (message: { startAt: number }) => resolve(message.startAt));
    port.postMessage({ type: 'ready' });
  });
  const answers: Answer[] = [];
  const leadIds: string[] = [];
  const overCap: Record<Kind, number> = { leads: 0, webhooks: 0 };
  let eventsAccepted = 0;
  let inFlight = 0;
  let sent = 0;
  let refused = 0;
  let lastAnswerAt = 0;
  const running = new Set<Promise<void>>();

  const request = (kind: Kind, index: number, signal: AbortSignal): Promise<Response> =>
    kind === 'leads'
      ? fetch(`${job.apiUrl}/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `load-${job.runId}-${index}` },
          body: JSON.stringify({ email: `load${index}.${job.runId}@example.com`, firstName: `Load${index}`, lastName: 'Bench', source: 'load' }),
          signal,
        })
      : postDelivery({ apiUrl: job.apiUrl }, deliveryEvents(job.contactIds, job.eventsPerDelivery, index), signal);

  const fire = (kind: Kind, index: number, lagMs: number) => {
    if (inFlight >= job.maxInFlight) {
      overCap[kind] += 1;
      return;
    }
    inFlight += 1;
    sent += 1;
    const started = clock();
    const done = (async () => {
      let status = 0;
      try {
        const response = await request(kind, index, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
        const text = await response.text();
        status = response.status;
        if (kind === 'leads' && status === 202) leadIds.push((JSON.parse(text) as { leadId: string }).leadId);
        if (kind === 'webhooks' && status === 200) eventsAccepted += (JSON.parse(text) as { received: number }).received;
      } catch {
        status = 0;
      }
      const answeredAt = clock();
      lastAnswerAt = Math.max(lastAnswerAt, answeredAt - startAt);
      if (status !== (kind === 'leads' ? 202 : 200)) refused += 1;
      answers.push({ kind, index, sentAt: started - startAt, lagMs, latencyMs: answeredAt - started, status });
      inFlight -= 1;
    })();
    running.add(done);
    void done.finally(() => running.delete(done));
  };

  const rates: Record<Kind, number> = { leads: job.leadsPerSecond, webhooks: job.webhookDeliveriesPerSecond };
  const total = (kind: Kind) => Math.floor(job.durationSeconds * rates[kind]);
  const dueAt = (kind: Kind, i: number) => (i * 1000) / rates[kind];
  const next: Record<Kind, number> = { leads: 0, webhooks: 0 };
  const report = setInterval(() => port.postMessage({ type: 'progress', sent, answered: answers.length, refused, inFlight, heapTotal: getHeapStatistics().total_heap_size } satisfies SenderProgress), 1000);
  for (;;) {
    const now = clock() - startAt;
    for (const kind of KINDS) {
      // Open loop: whatever is due goes now, late or not.
      while (next[kind] < total(kind) && dueAt(kind, next[kind]) <= now) {
        fire(kind, next[kind], now - dueAt(kind, next[kind]));
        next[kind] += 1;
      }
    }
    const upcoming = KINDS.filter((k) => next[k] < total(k)).map((k) => dueAt(k, next[k]));
    if (upcoming.length === 0) break;
    await sleep(Math.max(0, Math.min(...upcoming) - (clock() - startAt)));
  }
  while (running.size > 0) await Promise.all([...running]);
  clearInterval(report);
  port.postMessage({ type: 'done', answers, leadIds, eventsAccepted, scheduled: { leads: total('leads'), webhooks: total('webhooks') }, overCap, lastAnswerAt } satisfies SenderResult);
}

interface Sender {
  /** Resolves once the worker has loaded. */
  readonly ready: Promise<void>;
  start(startAt: number): void;
  readonly result: Promise<SenderResult>;
  stop(): Promise<void>;
}

function startSender(job: SenderJob, onProgress: (p: SenderProgress) => void): Sender {
  const worker = new Worker(new URL(import.meta.url), { workerData: job, execArgv: ['--import', 'tsx'] });
  let ready!: () => void;
  let failed!: (error: Error) => void;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const result = new Promise<SenderResult>((resolve, reject) => {
    worker.on('message', (message: { type: string }) => {
      if (message.type === 'ready') ready();
      else if (message.type === 'progress') onProgress(message as SenderProgress);
      else if (message.type === 'done') resolve(message as SenderResult);
    });
    const fail = (error: Error) => {
      failed(error);
      reject(error);
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the load's sender exited (${code}) before it finished`)));
  });
  // Whoever awaits `ready` hears of an early failure; `result` is awaited later, if at all.
  result.catch(() => undefined);
  return { ready: readyPromise, start: (startAt) => worker.postMessage({ startAt }), result, stop: async () => void (await worker.terminate()) };
}

// ---- measurements ----

/** DynamoDB Local's JVM: the stack does not expose its pid, so it is found by its command line and port. */
function dynamoDbLocalPid(endpoint: string): number | null {
  const port = new URL(endpoint).port;
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const portAt = args.indexOf('-port');
    if (args.some((a) => a.includes('DynamoDBLocal')) && portAt >= 0 && args[portAt + 1] === port) return Number(entry);
  }
  return null;
}

function rssOf(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** User + system CPU seconds of a process (/proc/<pid>/stat fields 14 and 15). */
function cpuSecondsOf(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * The local SQS server counts messages in flight in ApproximateNumberOfMessages too (README, "Where
 * the local SQS server differs"), so the visible ones are that minus the in-flight ones.
 */
async function queueSample(queue: SqsQueue): Promise<{ queue: QueueSample; deadLetter: number }> {
  const { queue: q, deadLetter } = await queue.depths();
  const visible = Math.max(0, q.visible - q.inFlight);
  return { queue: { visible, inFlight: q.inFlight, delayed: q.delayed, depth: visible + q.inFlight + q.delayed }, deadLetter: deadLetter.visible + deadLetter.delayed };
}

function latencyOf(values: number[]): LatencySample | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99) };
}

function growthOf(samples: readonly LoadSample[], durationSeconds: number, pick: (s: LoadSample) => number | null): MemoryGrowth | null {
  const values = samples.filter((s) => s.phase === 'load').map((s) => ({ t: s.t, v: pick(s) })).filter((s): s is { t: number; v: number } => s.v !== null);
  if (values.length === 0) return null;
  const average = (from: number, to: number) => {
    const window = values.filter((s) => s.t >= from && s.t <= to);
    // A run too short for the window: the sample nearest to it.
    const chosen = window.length > 0 ? window : [values.reduce((a, b) => (Math.abs(b.t - from) < Math.abs(a.t - from) ? b : a))];
    return chosen.reduce((sum, s) => sum + s.v, 0) / chosen.length;
  };
  // After warm-up (handlers loaded, connections and JIT settled), against the run's last tenth;
  // and from the middle, which tells a ramp that levels off from growth that goes on.
  const start = average(0.1 * durationSeconds, 0.2 * durationSeconds);
  const middle = average(0.45 * durationSeconds, 0.55 * durationSeconds);
  const end = average(0.9 * durationSeconds, durationSeconds);
  return { start, end, peak: Math.max(...values.map((s) => s.v)), growthPercent: (end / start - 1) * 100, fromMiddlePercent: (end / middle - 1) * 100 };
}

/** Contacts a person made in HubSpot (no lead_source_system), through the sandbox's API, 100 per call. */
async function createPersonContacts(stack: LocalStack, count: number, emailPrefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i += 100) {
    const inputs = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({
      properties: { email: `${emailPrefix}${i + j}@example.com`, firstname: `Person${i + j}`, lastname: 'Load' },
    }));
    const created = (await hubspot(stack, 'POST', '/crm/v3/objects/contacts/batch/create', { inputs })) as { results: { id: string }[] };
    ids.push(...created.results.map((r) => Number(r.id)));
  }
  return ids;
}

type WebhookTotals = Awaited<ReturnType<typeof webhookStatus>>;

interface Settling {
  readonly stack: LocalStack;
  readonly queues: Record<LoadQueue, SqsQueue>;
  readonly store: DynamoLeadStore;
  /** The webhook statistics before the events now expected. */
  readonly before: WebhookTotals;
  readonly events: number;
}

const settledEvents = (before: WebhookTotals, after: WebhookTotals) => after.totalProcessed - before.totalProcessed + (after.totalSkipped - before.totalSkipped);

/**
 * Until both queues are empty and their consumers idle, the expected events are processed or
 * skipped, and no lead waits (a lead's message is deleted only after its outcome is written), or
 * the timeout. Answers whether it got there, and the webhook statistics then.
 */
async function waitUntilSettled(s: Settling, timeoutSeconds: number): Promise<{ settled: boolean; after: WebhookTotals }> {
  const deadline = clock() + timeoutSeconds * 1000;
  while (clock() < deadline) {
    const depths = await Promise.all(QUEUES.map((id) => queueSample(s.queues[id])));
    if (depths.every((d) => d.queue.depth === 0) && ['lead-outbound', 'hubspot-inbound'].every((fn) => s.stack.pollers.get(fn)!.idle())) {
      const after = await webhookStatus(s.stack);
      const counts = await s.store.countByStatus();
      if (settledEvents(s.before, after) >= s.events && counts.PENDING + counts.RETRYING === 0) return { settled: true, after };
    }
    await sleep(250);
  }
  return { settled: false, after: await webhookStatus(s.stack) };
}

/**
 * Before the clock starts: a few seconds' worth of both requests, 8 at a time, then everything
 * settled. DynamoDB Local's JVM compiles its hot paths over the first few thousand requests (its
 * pace doubles or triples), as the stack's handlers make their clients; neither is the steady state.
 */
async function warmUp(s: Omit<Settling, 'before' | 'events'>, o: { leads: number; deliveries: number; eventsPerDelivery: number; runId: string }): Promise<void> {
  const contactIds = await createPersonContacts(s.stack, Math.max(1, o.deliveries * o.eventsPerDelivery), `warm.${o.runId}.`);
  const before = await webhookStatus(s.stack);
  let events = 0;
  const expect = async (response: Response, status: number, what: string) => {
    const text = await response.text();
    if (response.status !== status) throw new Error(`warm-up ${what}: ${response.status} ${text.slice(0, 300)}`);
    return text;
  };
  await Promise.all([
    mapConcurrent(Array.from({ length: o.leads }, (_, i) => i), 8, async (i) => {
      const response = await fetch(`${s.stack.apiUrl}/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `warm${i}.${o.runId}@example.com`, firstName: `Warm${i}` }),
      });
      await expect(response, 202, 'lead');
    }),
    mapConcurrent(Array.from({ length: o.deliveries }, (_, d) => d), 8, async (d) => {
      const text = await expect(await postDelivery(s.stack, deliveryEvents(contactIds, o.eventsPerDelivery, d, WARM_UP_EVENT_IDS)), 200, 'delivery');
      events += (JSON.parse(text) as { received: number }).received;
    }),
  ]);
  if (!(await waitUntilSettled({ ...s, before, events }, 600)).settled) throw new Error('the warm-up did not settle within 10 minutes');
}

const tally = (values: readonly (number | string)[]) => values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [String(v)]: (acc[String(v)] ?? 0) + 1 }), {});

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const settings = {
    durationSeconds: options.durationSeconds,
    webhookDeliveriesPerSecond: options.webhookDeliveriesPerSecond,
    leadsPerSecond: options.leadsPerSecond,
    eventsPerDelivery: options.eventsPerDelivery ?? 5,
    sampleEveryMs: options.sampleEveryMs ?? 1000,
    maxInFlight: options.maxInFlight ?? 256,
    drainTimeoutSeconds: options.drainTimeoutSeconds ?? 600,
  };
  const progress = options.progress ?? (() => undefined);
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'ERROR',
    hubspot: { webhooks: false, rateLimit: HUBSPOT_RATE },
  });
  let sender: Sender | undefined;
  try {
    const runId = Date.now().toString(36);
    const sqs = localSqsClient(stack.endpoints.sqs);
    const queues = Object.fromEntries(QUEUES.map((id) => [id, new SqsQueue(sqs, { queueUrl: stack.queues[id].url, dlqUrl: stack.queues[id].dlqUrl })])) as Record<LoadQueue, SqsQueue>;
    const store = new DynamoLeadStore(createDocumentClient(localDynamoDbClient(stack.endpoints.dynamodb)), stack.tables.leads!);
    const dynamoPid = dynamoDbLocalPid(stack.endpoints.dynamodb);

    const totalEvents = Math.floor(settings.durationSeconds * settings.webhookDeliveriesPerSecond) * settings.eventsPerDelivery;
    const contactCount = Math.max(1, Math.min(MAX_CONTACTS, Math.ceil(totalEvents / EVENTS_PER_CONTACT)));
    const warm = {
      leads: Math.min(WARM_UP_MAX, Math.ceil(settings.leadsPerSecond * WARM_UP_SECONDS)),
      deliveries: Math.min(WARM_UP_MAX, Math.ceil(settings.webhookDeliveriesPerSecond * WARM_UP_SECONDS)),
    };
    progress(`load: warm-up, ${warm.leads} leads and ${warm.deliveries} deliveries, 8 at a time, until settled`);
    const warmStarted = clock();
    await warmUp({ stack, queues, store }, { ...warm, eventsPerDelivery: settings.eventsPerDelivery, runId });
    progress(`load: warm-up settled in ${((clock() - warmStarted) / 1000).toFixed(1)} s`);
    progress(`load: setup, ${contactCount} contacts made by a person in HubSpot`);
    const contactIds = await createPersonContacts(stack, contactCount, `person.${runId}.`);
    const before = await webhookStatus(stack);

    const latest = { sent: 0, answered: 0, refused: 0, inFlight: 0, heapTotal: 0 };
    sender = startSender(
      {
        loadSender: true,
        apiUrl: stack.apiUrl,
        runId,
        durationSeconds: settings.durationSeconds,
        leadsPerSecond: settings.leadsPerSecond,
        webhookDeliveriesPerSecond: settings.webhookDeliveriesPerSecond,
        eventsPerDelivery: settings.eventsPerDelivery,
        contactIds,
        maxInFlight: settings.maxInFlight,
      },
      (p) => Object.assign(latest, p),
    );
    await sender.ready;

    // Samples on a fixed timetable from the load's start; one that falls a whole interval behind is skipped.
    const raw: Array<Omit<LoadSample, 'latency'>> = [];
    const startAt = clock() + 200;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const cpuBefore = { node: process.cpuUsage(), dynamoDb: cpuSecondsOf(dynamoPid) };
    let sampling = true;
    let loading = true;
    let lastProgress = 0;
    let dynamoDbExitedAt: number | undefined;
    const sampler = (async () => {
      for (let k = 1; sampling; k += 1) {
        const due = startAt + k * settings.sampleEveryMs;
        await sleep(Math.max(0, due - clock()));
        if (!sampling) break;
        if (clock() > due + settings.sampleEveryMs) continue;
        const depths = await Promise.all(QUEUES.map((id) => queueSample(queues[id])));
        const memory = process.memoryUsage();
        const dynamoDbRss = rssOf(dynamoPid);
        const t = (clock() - startAt) / 1000;
        raw.push({
          t,
          phase: t <= settings.durationSeconds ? 'load' : 'drain',
          queues: Object.fromEntries(QUEUES.map((id, i) => [id, depths[i]!.queue])) as Record<LoadQueue, QueueSample>,
          memory: { nodeRss: memory.rss, nodeHeapUsed: memory.heapUsed, nodeHeapTotal: memory.heapTotal, nodeExternal: memory.external, senderHeapTotal: latest.heapTotal, dynamoDbRss },
        });
        // Another process on this machine may end it (a stray `pkill`): every later figure would be about that.
        if (dynamoDbRss === null && dynamoPid !== null) dynamoDbExitedAt ??= t;
        if (t - lastProgress >= 10) {
          lastProgress = t;
          const q = QUEUES.map((id, i) => `${id} ${depths[i]!.queue.depth}`).join(', ');
          const doing = loading ? `sent ${latest.sent}, answered ${latest.answered} (${latest.refused} not 2xx), in flight ${latest.inFlight}` : 'draining';
          progress(`load t=${t.toFixed(0)}s: ${doing}; queues ${q}; RSS ${(memory.rss / 2 ** 20).toFixed(0)} MB${dynamoDbRss === null ? '; DynamoDB Local GONE' : ''}`);
        }
      }
    })();

    progress(`load: ${settings.durationSeconds} s of ${settings.leadsPerSecond} leads/s and ${settings.webhookDeliveriesPerSecond} deliveries/s of ${settings.eventsPerDelivery} events`);
    loopDelay.enable();
    sender.start(startAt);
    const sent = await sender.result;
    loading = false;
    loopDelay.disable();
    const loadSeconds = sent.lastAnswerAt / 1000;

    progress(`load: sent; draining (queues ${QUEUES.map((id) => `${id} ${raw.at(-1)?.queues[id].depth ?? '?'}`).join(', ')})`);
    const drainStarted = clock();
    const { settled: drained, after } = await waitUntilSettled({ stack, queues, store, before, events: sent.eventsAccepted }, settings.drainTimeoutSeconds);
    const drainSeconds = (clock() - drainStarted) / 1000;
    sampling = false;
    await sampler;
    const cpuSeconds = (clock() - startAt) / 1000;
    const nodeCpu = process.cpuUsage(cpuBefore.node);
    const dynamoCpuAfter = cpuSecondsOf(dynamoPid);

    // What became of everything accepted.
    const leadsNow = await store.getMany(sent.leadIds);
    const finalStatuses = tally(sent.leadIds.map((id) => leadsNow.get(id)?.hubspot.syncStatus ?? 'MISSING'));
    const synced = finalStatuses.SYNCED ?? 0;
    const processed = after.totalProcessed - before.totalProcessed;
    const skippedByReason = Object.fromEntries(
      Object.entries(after.skippedByReason)
        .map(([reason, n]) => [reason, n - (before.skippedByReason[reason] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );
    const failed = after.totalFailed - before.totalFailed;
    const settled = settledEvents(before, after);
    const leadsPerContact = { none: 0, one: 0, several: 0 };
    const announced = new Set<number>();
    for (const a of sent.answers) {
      if (a.kind !== 'webhooks' || a.status !== 200) continue;
      for (let j = 0; j < settings.eventsPerDelivery; j += 1) announced.add(subjectOf(contactIds, a.index * settings.eventsPerDelivery + j));
    }
    await mapConcurrent([...announced], 8, async (id) => {
      const linked = (await store.findByHubSpotId(String(id))).length;
      leadsPerContact[linked === 0 ? 'none' : linked === 1 ? 'one' : 'several'] += 1;
    });
    const endDepths = Object.fromEntries(
      await Promise.all(QUEUES.map(async (id) => [id, await queueSample(queues[id]).then((s) => ({ queue: s.queue.depth, deadLetter: s.deadLetter }))] as const)),
    ) as LoadReport['endDepths'];

    // Latency per sample interval, by send time.
    const samples: LoadSample[] = raw.map((sample, i) => {
      const from = i === 0 ? -Infinity : raw[i - 1]!.t * 1000;
      const to = sample.t * 1000;
      const latency = Object.fromEntries(
        KINDS.map((kind) => [kind, latencyOf(sent.answers.filter((a) => a.kind === kind && a.sentAt > from && a.sentAt <= to).map((a) => a.latencyMs))]),
      ) as Record<Kind, LatencySample | null>;
      return { ...sample, latency };
    });
    const byKind = (kind: Kind): IngestFigures => {
      const answers = sent.answers.filter((a) => a.kind === kind);
      const ok = kind === 'leads' ? 202 : 200;
      const latencies = answers.map((a) => a.latencyMs).sort((a, b) => a - b);
      return {
        scheduled: sent.scheduled[kind],
        sent: answers.length,
        accepted: answers.filter((a) => a.status === ok).length,
        rejected: answers.filter((a) => a.status !== ok).length,
        statuses: tally(answers.map((a) => a.status)),
        overCap: sent.overCap[kind],
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
      };
    };
    const leads = byKind('leads');
    const webhooks = byKind('webhooks');
    const untilSettled = loadSeconds + drainSeconds;
    const lags = sent.answers.map((a) => a.lagMs).sort((a, b) => a - b);
    const ms = (ns: number) => ns / 1e6;

    const report: LoadReport = {
      options: settings,
      contacts: contactCount,
      warmUp: warm,
      leads: { ...leads, acceptedPerSecond: leads.accepted / loadSeconds, synced, syncedPerSecond: synced / untilSettled, finalStatuses },
      webhooks: {
        ...webhooks,
        eventsAccepted: sent.eventsAccepted,
        eventsPerSecond: sent.eventsAccepted / loadSeconds,
        processed,
        skipped: settled - processed,
        skippedByReason,
        failed,
        settledPerSecond: settled / untilSettled,
        totalsBalance: after.totalReceived === after.totalProcessed + after.totalSkipped + after.totalFailed,
        leadsPerContact,
      },
      senderLag: { p99: percentile(lags, 99), max: lags.at(-1) ?? 0 },
      eventLoopDelay: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
      cpu: {
        node: (nodeCpu.user + nodeCpu.system) / 1e6 / cpuSeconds,
        dynamoDb: dynamoCpuAfter !== null && cpuBefore.dynamoDb !== null ? (dynamoCpuAfter - cpuBefore.dynamoDb) / cpuSeconds : null,
        cores: cpus().length,
      },
      maxQueueDepth: Object.fromEntries(QUEUES.map((id) => [id, Math.max(0, ...samples.map((s) => s.queues[id].depth))])) as Record<LoadQueue, number>,
      endDepths,
      loadSeconds,
      drainSeconds,
      drained,
      memory: {
        nodeRss: growthOf(samples, settings.durationSeconds, (s) => s.memory.nodeRss)!,
        nodeHeapUsed: growthOf(samples, settings.durationSeconds, (s) => s.memory.nodeHeapUsed)!,
        nodeHeapTotal: growthOf(samples, settings.durationSeconds, (s) => s.memory.nodeHeapTotal)!,
        nodeExternal: growthOf(samples, settings.durationSeconds, (s) => s.memory.nodeExternal)!,
        senderHeapTotal: growthOf(samples, settings.durationSeconds, (s) => s.memory.senderHeapTotal)!,
        dynamoDbRss: growthOf(samples, settings.durationSeconds, (s) => s.memory.dynamoDbRss),
      },
      sqsInProcess: true,
      ...(dynamoDbExitedAt !== undefined ? { dynamoDbExitedAt } : {}),
      lost: { leads: leads.accepted - synced, events: Math.max(0, sent.eventsAccepted - settled), total: leads.accepted - synced + Math.max(0, sent.eventsAccepted - settled) },
      samples,
      ...(options.svgPath ? { svgPath: options.svgPath } : {}),
    };
    if (options.svgPath) writeFileSync(options.svgPath, loadChartSvg(report));
    return report;
  } finally {
    await sender?.stop();
    await stack.stop();
  }
}

// ---- the chart ----

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round axis maximum and step (1, 2 or 5 × 10^k) giving about `ticks` intervals. */
function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step) * step, step };
}

interface Series {
  readonly id: string;
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/**
 * Two panels over one time axis: queue depth (top) and ingest latency (bottom), a dashed line
 * where the load stops. Hand-written SVG: one polyline per series, `data-series` naming it.
 */
export function loadChartSvg(report: LoadReport): string {
  const { samples, options: o } = report;
  const width = 1000;
  const left = 80;
  const plotWidth = 660;
  const panelHeight = 210;
  const tops = [70, 360];
  const height = 640;
  const x = niceScale(Math.max(o.durationSeconds, samples.at(-1)?.t ?? 1), 10);
  const px = (t: number) => left + (t / x.max) * plotWidth;
  const fmt1 = (n: number) => n.toFixed(1);
  const out: string[] = [];
  const title = `Local stack under load: ${o.leadsPerSecond} leads/s + ${o.webhookDeliveriesPerSecond} webhook deliveries/s (${o.eventsPerDelivery} events each), ${o.durationSeconds} s`;
  const subtitle = `open loop, sampled every ${o.sampleEveryMs} ms; ${report.leads.accepted} leads and ${report.webhooks.eventsAccepted} events accepted, lost ${report.lost.total}; drained ${fmt1(report.drainSeconds)} s after the last answer; ${report.cpu.cores} cores`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${width / 2}" y="44" text-anchor="middle" fill="#555">${escapeXml(subtitle)}</text>`,
  );
  /** A linear axis from 0, or (latency, which spans milliseconds to seconds) a log axis by decades. */
  const panel = (top: number, yLabel: string, series: readonly Series[], scale: 'linear' | 'log') => {
    const values = series.flatMap((s) => s.points.map(([, v]) => v));
    let ticks: number[];
    let py: (v: number) => number;
    if (scale === 'log') {
      const low = Math.floor(Math.log10(Math.max(1, Math.min(...values, 10))));
      const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...values, 10))));
      ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
      py = (v: number) => top + panelHeight - ((Math.log10(Math.max(v, 10 ** low)) - low) / (high - low)) * panelHeight;
    } else {
      const y = niceScale(Math.max(0, ...values));
      ticks = Array.from({ length: Math.round(y.max / y.step) + 1 }, (_, i) => i * y.step);
      py = (v: number) => top + panelHeight - (v / y.max) * panelHeight;
    }
    out.push(`<g stroke="#ddd">`);
    for (const v of ticks) out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${fmt1(py(v))}" y2="${fmt1(py(v))}"/>`);
    out.push(`</g>`, `<g text-anchor="end" fill="#333">`);
    for (const v of ticks) out.push(`<text x="${left - 6}" y="${fmt1(py(v) + 4)}">${Number(v.toPrecision(6)).toLocaleString('en-US')}</text>`);
    out.push(`</g>`, `<g text-anchor="middle" fill="#333">`);
    for (let t = 0; t <= x.max + x.step / 2; t += x.step) out.push(`<text x="${fmt1(px(t))}" y="${top + panelHeight + 16}">${Number(t.toPrecision(6))}</text>`);
    out.push(
      `</g>`,
      `<rect x="${left}" y="${top}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#333"/>`,
      `<line x1="${fmt1(px(o.durationSeconds))}" x2="${fmt1(px(o.durationSeconds))}" y1="${top}" y2="${top + panelHeight}" stroke="#888" stroke-dasharray="6 4"/>`,
      `<text x="${fmt1(px(o.durationSeconds) + 4)}" y="${top + 12}" fill="#666">load stops</text>`,
      `<text transform="translate(${left - 52} ${top + panelHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
      `<text x="${left + plotWidth / 2}" y="${top + panelHeight + 34}" text-anchor="middle">time since the load started (s)</text>`,
    );
    series.forEach((s, i) => {
      const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
      out.push(
        `<polyline data-series="${s.id}" fill="none" stroke="${s.color}" stroke-width="1.5"${dash} points="${s.points.map(([t, v]) => `${fmt1(px(t))},${fmt1(py(v))}`).join(' ')}"/>`,
        `<line x1="${left + plotWidth + 16}" x2="${left + plotWidth + 40}" y1="${top + 10 + i * 20}" y2="${top + 10 + i * 20}" stroke="${s.color}" stroke-width="2"${dash}/>`,
        `<text x="${left + plotWidth + 46}" y="${top + 14 + i * 20}">${escapeXml(s.label)}</text>`,
      );
    });
  };
  const queueColors: Record<LoadQueue, string> = { 'lead-sync': '#1f77b4', 'hubspot-events': '#d62728' };
  panel(
    tops[0]!,
    'queue depth (messages)',
    QUEUES.map((id) => ({ id: `queue:${id}`, label: `${id} queue`, color: queueColors[id], points: samples.map((s) => [s.t, s.queues[id].depth] as const) })),
    'linear',
  );
  const latencyColors: Record<Kind, string> = { leads: '#2ca02c', webhooks: '#9467bd' };
  const routes: Record<Kind, string> = { leads: 'POST /leads', webhooks: 'POST /webhooks/hubspot' };
  panel(
    tops[1]!,
    'ingest latency (ms, log scale)',
    KINDS.flatMap((kind) =>
      (['p50', 'p99'] as const).map((p) => ({
        id: `latency:${kind}:${p}`,
        label: `${routes[kind]} ${p}`,
        color: latencyColors[kind],
        dashed: p === 'p50',
        points: samples.flatMap((s) => (s.latency[kind] ? [[s.t, s.latency[kind][p]] as const] : [])),
      })),
    ),
    'log',
  );
  out.push('</svg>', '');
  return out.join('\n');
}

// ---- `npm run bench` ----

export async function loadBench(row: Row, fmt: Fmt, progress: (m: string) => void, options: LoadOptions): Promise<LoadReport> {
  const r = await runLoad({ ...options, progress });
  const o = r.options;
  const mb = (bytes: number) => fmt(bytes / 2 ** 20, 0);
  const signed = (percent: number) => `${percent >= 0 ? '+' : ''}${fmt(percent, 1)}`;
  const memoryRow = (what: string, m: MemoryGrowth | null) =>
    row(
      `load memory: ${what}, MB, 10–20 % into the load → last 10 % (peak); growth (from mid-run)`,
      m ? `${mb(m.start)} → ${mb(m.end)} (${mb(m.peak)}); ${signed(m.growthPercent)} % (${signed(m.fromMiddlePercent)} %)` : 'not found',
      '',
      '≤ +20 %',
    );
  const latencyRow = (route: string, k: { p50: number; p99: number }) => row(`load ingest: ${route} ms, p50 / p99 (send to last byte)`, `${fmt(k.p50, 1)} / ${fmt(k.p99, 1)}`, '', '');
  const overTime = (id: LoadQueue) => {
    const step = Math.max(1, Math.round(r.samples.length / 12));
    return r.samples.filter((_, i) => i % step === 0).map((s) => `${fmt(s.t, 0)}s:${s.queues[id].depth}`).join(' ');
  };
  const skipped = Object.entries(r.webhooks.skippedByReason).map(([reason, n]) => `${reason} ${n}`).join(', ');
  row(
    `— load (issue 6 §4): ${o.durationSeconds} s open loop, ${o.leadsPerSecond} leads/s (POST /leads) + ${o.webhookDeliveriesPerSecond} deliveries/s of ${o.eventsPerDelivery} events (POST /webhooks/hubspot, v3-signed) about ${r.contacts} contacts made by a person, after a warm-up (${r.warmUp.leads} leads, ${r.warmUp.deliveries} deliveries, settled); sent from a worker thread, at most ${o.maxInFlight} in flight; HubSpot sandbox limit ${HUBSPOT_RATE.max} / ${HUBSPOT_RATE.intervalMs / 1000} s (not the bottleneck), its own webhooks off; SQS emulator in-process`,
    '',
    '',
    '',
  );
  const refusals = (statuses: Record<string, number>, ok: number) => {
    const others = Object.entries(statuses).filter(([status]) => Number(status) !== ok);
    return others.length === 0 ? '0' : others.map(([status, n]) => `${n} × ${status === '0' ? 'no answer' : status}`).join(', ');
  };
  row('load: leads accepted (202) / scheduled; not 2xx; not sent (in-flight cap)', `${r.leads.accepted} / ${r.leads.scheduled}; ${refusals(r.leads.statuses, 202)}; ${r.leads.overCap}`, '', `${r.leads.scheduled}; 0; 0`);
  row('load: webhook deliveries accepted (200) / scheduled; not 2xx; not sent (in-flight cap)', `${r.webhooks.accepted} / ${r.webhooks.scheduled}; ${refusals(r.webhooks.statuses, 200)}; ${r.webhooks.overCap}`, '', `${r.webhooks.scheduled}; 0; 0`);
  row('load throughput: leads accepted per second / events accepted per second', `${fmt(r.leads.acceptedPerSecond, 1)} / ${fmt(r.webhooks.eventsPerSecond, 1)}`, '', `${o.leadsPerSecond} / ${o.webhookDeliveriesPerSecond * o.eventsPerDelivery} offered`);
  row('load throughput: leads SYNCED per second / events settled per second (from the start until the last one)', `${fmt(r.leads.syncedPerSecond, 1)} / ${fmt(r.webhooks.settledPerSecond, 1)}`, '', '');
  latencyRow('POST /leads', r.leads);
  latencyRow('POST /webhooks/hubspot', r.webhooks);
  row('load sender: ms behind its timetable, p99 / max', `${fmt(r.senderLag.p99, 1)} / ${fmt(r.senderLag.max, 1)}`, '', '');
  row('load: the stack\'s event loop delay, ms, p50 / p99 / max', `${fmt(r.eventLoopDelay.p50, 1)} / ${fmt(r.eventLoopDelay.p99, 1)} / ${fmt(r.eventLoopDelay.max, 1)}`, '', '');
  row(`load: CPU, cores busy on average (of ${r.cpu.cores}): node process / DynamoDB Local`, `${fmt(r.cpu.node, 2)} / ${r.cpu.dynamoDb === null ? 'n/a' : fmt(r.cpu.dynamoDb, 2)}`, '', '');
  row('load: max queue depth (visible + in flight + delayed), lead-sync / hubspot-events', `${r.maxQueueDepth['lead-sync']} / ${r.maxQueueDepth['hubspot-events']}`, '', '');
  row('load: lead-sync depth over time', overTime('lead-sync'), '', '');
  row('load: hubspot-events depth over time', overTime('hubspot-events'), '', '');
  row('load: drain, seconds from the last answer until everything settled', r.drained ? fmt(r.drainSeconds, 1) : `NOT DRAINED after ${fmt(r.drainSeconds, 0)} s`, '', '');
  memoryRow('node process RSS (stack, SQS emulator, sandboxes, sender thread)', r.memory.nodeRss);
  memoryRow('node heap used (main thread)', r.memory.nodeHeapUsed);
  const m = r.memory;
  row(
    '  of the node RSS, MB, start → end: main heap reserved / external (buffers) / the sender thread\'s heap / the rest (code, stacks, allocator)',
    [m.nodeHeapTotal, m.nodeExternal, m.senderHeapTotal].map((g) => `${mb(g.start)} → ${mb(g.end)}`).join(' / ') +
      ` / ${mb(m.nodeRss.start - m.nodeHeapTotal.start - m.nodeExternal.start - m.senderHeapTotal.start)} → ${mb(m.nodeRss.end - m.nodeHeapTotal.end - m.nodeExternal.end - m.senderHeapTotal.end)}`,
    '',
    '',
  );
  memoryRow('DynamoDB Local (JVM, in-memory tables) RSS', r.memory.dynamoDbRss);
  row('load: webhook events processed / skipped (reasons) / failed', `${r.webhooks.processed} / ${r.webhooks.skipped} (${skipped}) / ${r.webhooks.failed}`, '', '');
  const perContact = r.webhooks.leadsPerContact;
  row('load: contacts the events were about: with one lead / none / several', `${perContact.one} / ${perContact.none} / ${perContact.several}`, '', `${perContact.one + perContact.none + perContact.several} / 0 / 0`);
  row('load: queues / DLQs at the end, lead-sync and hubspot-events', `${r.endDepths['lead-sync'].queue}, ${r.endDepths['hubspot-events'].queue} / ${r.endDepths['lead-sync'].deadLetter}, ${r.endDepths['hubspot-events'].deadLetter}`, '', '0, 0 / 0, 0');
  row(
    r.drained ? 'load: lost (accepted leads never SYNCED + accepted events never processed or skipped)' : `load: NOT SETTLED after the ${o.drainTimeoutSeconds} s drain timeout (accepted leads not SYNCED + accepted events not processed or skipped)`,
    `${r.lost.total} (${r.lost.leads} leads: ${JSON.stringify(r.leads.finalStatuses)}; ${r.lost.events} events)`,
    '',
    '0',
  );
  if (r.dynamoDbExitedAt !== undefined) row('load: DynamoDB Local\'s process ended during the run (from outside), at second', fmt(r.dynamoDbExitedAt, 0), '', 'never');
  if (r.svgPath) row('load: chart of queue depth and latency over time', r.svgPath, '', '');
  return r;
}

if (!isMainThread && (workerData as Partial<SenderJob> | null)?.loadSender === true) await runSender(workerData as SenderJob);
