/**
 * HubSpot webhooks → leads through the local stack (issue 3 §6).
 *
 * Setup (not measured): half the contacts are created in the sandbox "by a person", the other
 * half come from platform leads the outbound flow has synced. Then:
 * 1. Ingest: BENCH_DELIVERIES signed deliveries (default 100) of 100 events each (a creation and
 *    an email change per contact), 10 in flight, to `POST /webhooks/hubspot` while the consumer is
 *    paused (in AWS it runs on its own compute); latency per delivery, p50/p99, events/s.
 * 2. Apply: release the consumer and time until every event is processed or skipped; HubSpot
 *    calls per 100 events (contact batch reads), and HubSpot writes during the run, which must be
 *    zero: the platform's own contacts come back as echoes and change nothing on either side.
 *    Ingest and apply run twice, the people's contacts (new leads) first, then the platform's
 *    (echoes), so each rate is measured alone; then the lead store's DynamoDB requests per 100
 *    new-contact events are counted in process (issue 14 §2).
 * Baseline: the seed's handler (001) reads each event's contact to check its origin: 100 reads
 * per 100 events.
 */
import { Worker } from 'node:worker_threads';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { mapConcurrent } from '../../functions/core/concurrency.js';
import { SqsQueue } from '../../functions/runtime/sqs-queue.js';
import { localSqsClient } from '../../lib/local/sqs.js';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
import { objectsPath } from '../../functions/connectors/hubspot/api-paths.js';
import { applyContactEvents } from '../../functions/core/inbound-contacts.js';
import type { ContactState, HubSpotContactReader } from '../../functions/core/ports.js';
import { createDocumentClient } from '../../functions/store/dynamo-client.js';
import { DynamoLeadStore } from '../../functions/store/lead-store.js';
import { localDynamoDbClient } from '../../lib/local/dynamodb.js';
import { PORTAL_ID } from '../../lib/local/sandboxes/hubspot/errors.js';
import { SANDBOX_HUBSPOT_CLIENT_SECRET, SANDBOX_HUBSPOT_TOKEN, startLocalStack, type LocalStack } from '../../lib/local/stack.js';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 100);
const EVENTS_PER_DELIVERY = 100;
const IN_FLIGHT = 10;
const WARM_UP_DELIVERIES = 20;

export type Row = (figure: string, value: string, baseline?: string, target?: string) => void;
export type Fmt = (n: number, digits?: number) => string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export async function hubspot(stack: LocalStack, method: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${stack.hubspot.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SANDBOX_HUBSPOT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function status(stack: LocalStack): Promise<{ totalReceived: number; totalProcessed: number; totalSkipped: number; skippedByReason: Record<string, number>; totalFailed: number }> {
  return (await (await fetch(`${stack.apiUrl}/integrations/hubspot/webhook-status`)).json()) as never;
}

export function postDelivery(stack: Pick<LocalStack, 'apiUrl'>, events: readonly Record<string, unknown>[], signal?: AbortSignal): Promise<Response> {
  const url = `${stack.apiUrl}/webhooks/hubspot`;
  const body = JSON.stringify(events);
  const timestamp = String(Date.now());
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signV3(SANDBOX_HUBSPOT_CLIENT_SECRET, 'POST', url, body, timestamp),
      'x-hubspot-request-timestamp': timestamp,
    },
    body,
    signal,
  });
}

/** Deliveries posted from a worker thread, `IN_FLIGHT` at a time: each one's latency and status, and the seconds for all. */
async function ingest(stack: LocalStack, deliveries: readonly (readonly Record<string, unknown>[])[]): Promise<{ latencies: number[]; statuses: number[]; seconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./webhook-client.ts', import.meta.url), {
      workerData: {
        url: `${stack.apiUrl}/webhooks/hubspot`,
        clientSecret: SANDBOX_HUBSPOT_CLIENT_SECRET,
        bodies: deliveries.map((d) => JSON.stringify(d)),
        inFlight: IN_FLIGHT,
      },
      execArgv: ['--import', 'tsx'],
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/**
 * The lead store's share of applying new contacts, counted where the stack's functions cannot be:
 * 1,000 new contacts (two events each, as above) applied in process against the stack's DynamoDB,
 * reads answered by a stand-in, every DynamoDB request counted.
 */
async function storeRequests(stack: LocalStack, runId: string): Promise<{ perHundred: number }> {
  const client = localDynamoDbClient(stack.endpoints.dynamodb);
  let requests = 0;
  client.middlewareStack.add((next) => async (args) => {
    requests += 1;
    return next(args);
  }, { step: 'initialize' });
  const store = new DynamoLeadStore(createDocumentClient(client), stack.tables.leads!);
  const contacts = new Map<string, ContactState>();
  for (let i = 0; i < 1_000; i += 1) {
    const id = String(900_000_000 + i);
    contacts.set(id, { id, properties: { email: `store${i}.${runId}@example.com`, firstname: `Store${i}` }, updatedAt: new Date().toISOString() });
  }
  const reader: HubSpotContactReader = {
    readContacts: async (ids) => new Map(ids.flatMap((id) => (contacts.has(id) ? [[id, contacts.get(id)!] as const] : []))),
    contactPresence: async () => new Map(),
  };
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const ids = [...contacts.keys()];
  let events = 0;
  for (let i = 0; i < ids.length; i += EVENTS_PER_DELIVERY / 2) {
    const chunk = ids.slice(i, i + EVENTS_PER_DELIVERY / 2).flatMap((id) => [
      { key: `bench-c:${id}`, subscriptionType: 'contact.creation', objectId: Number(id), occurredAt: 1 },
      { key: `bench-p:${id}`, subscriptionType: 'contact.propertyChange', objectId: Number(id), occurredAt: 2 },
    ]);
    events += chunk.length;
    const report = await applyContactEvents(chunk, { leads: store, batches: store, contacts: reader, platformSource: 'bench', conflictRule: 'hubspot_wins', now: () => new Date(), log: quiet, portalId: String(PORTAL_ID) });
    if (report.created !== chunk.length / 2) throw new Error(`store bench: ${report.created} of ${chunk.length / 2} leads created`);
  }
  return { perHundred: (requests / events) * 100 };
}

export async function webhookBench(row: Row, fmt: Fmt, progress: (m: string) => void): Promise<void> {
  const contacts = (DELIVERIES * EVENTS_PER_DELIVERY) / 2;
  const personContacts = Math.floor(contacts / 2);
  const platformLeads = contacts - personContacts;
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    consumersPaused: true,
    // The bench sends the deliveries itself; the sandbox's own are off.
    hubspot: { webhooks: false, rateLimit: { max: 190, intervalMs: 10_000 } },
    logLevel: 'ERROR',
  });
  try {
    const sandbox = stack.hubspot.sandbox!;
    const runId = Date.now().toString(36);

    // Setup: contacts made by people, and platform leads synced to HubSpot.
    progress(`setup: ${personContacts} contacts made in HubSpot, ${platformLeads} platform leads synced`);
    const ids: number[] = [];
    for (let i = 0; i < personContacts; i += 100) {
      const inputs = Array.from({ length: Math.min(100, personContacts - i) }, (_, j) => ({
        properties: { email: `person${i + j}.${runId}@example.com`, firstname: `Person${i + j}` },
      }));
      const created = await hubspot(stack, 'POST', '/crm/v3/objects/contacts/batch/create', { inputs });
      ids.push(...(created.results as { id: string }[]).map((r) => Number(r.id)));
    }
    await mapConcurrent(
      Array.from({ length: platformLeads }, (_, i) => i),
      8,
      async (i) => {
        const response = await fetch(`${stack.apiUrl}/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `platform${i}.${runId}@example.com`, firstName: `Platform${i}` }),
        });
        if (response.status !== 202) throw new Error(`lead ${i}: ${response.status}`);
        await response.arrayBuffer();
      },
    );
    const outbound = stack.pollers.get('lead-outbound')!;
    outbound.resume();
    const platformEmails = new Set(Array.from({ length: platformLeads }, (_, i) => `platform${i}.${runId}@example.com`));
    for (const deadline = Date.now() + 300_000; ; ) {
      const synced = sandbox.contacts().filter((c) => platformEmails.has(c.properties.email ?? ''));
      if (synced.length === platformLeads && outbound.idle()) {
        ids.push(...synced.map((c) => Number(c.id)));
        break;
      }
      if (Date.now() > deadline) throw new Error(`only ${synced.length} of ${platformLeads} platform leads reached HubSpot`);
      await sleep(200);
    }
    // Let the outbound consumer record its writes before the echoes arrive.
    await sleep(2_000);

    // The deliveries: per contact a creation and an email change, as HubSpot announces them.
    let eventId = 1;
    const at = Date.now();
    const events = ids.flatMap((objectId) => {
      const base = { portalId: PORTAL_ID, appId: 3141592, occurredAt: at, attemptNumber: 0, objectId, changeSource: 'CRM_UI' };
      return [
        { eventId: eventId++, subscriptionId: 1, subscriptionType: 'contact.creation', changeFlag: 'NEW', ...base },
        { eventId: eventId++, subscriptionId: 2, subscriptionType: 'contact.propertyChange', propertyName: 'email', propertyValue: 'x', ...base },
      ];
    });
    const deliveries = Array.from({ length: DELIVERIES }, (_, d) => events.slice(d * EVENTS_PER_DELIVERY, (d + 1) * EVENTS_PER_DELIVERY));

    // Warm-up (cold start of the handler, connections): events of another portal, skipped at the door.
    for (let i = 0; i < WARM_UP_DELIVERIES; i += 1) {
      const response = await postDelivery(stack, [{ ...events[0]!, portalId: 1, eventId: 10_000_000 + i }]);
      await response.arrayBuffer();
    }
    const before = await status(stack);

    // The local SQS emulator's own time for the same messages, at the same concurrency: a floor
    // under the ingest latency that AWS's SQS does not share (it does not run on this machine's cores).
    const sqs = localSqsClient(stack.endpoints.sqs);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `bench-floor-${runId}` }));
    const floorQueue = new SqsQueue(sqs, { queueUrl: QueueUrl! });
    const floor: number[] = [];
    await mapConcurrent(deliveries, IN_FLIGHT, async (delivery) => {
      const t = performance.now();
      await floorQueue.sendBodies([JSON.stringify({ portalId: PORTAL_ID, events: delivery })]);
      floor.push(performance.now() - t);
    });
    floor.sort((a, b) => a - b);

    // 1. Ingest, sent from a worker thread (HubSpot's side must not share the stack's event loop),
    // and 2. apply, in two rounds: the contacts people made (new leads), then the platform's own
    // contacts (echoes), so each kind's rate is measured alone.
    const inbound = stack.pollers.get('hubspot-inbound')!;
    const personDeliveries = deliveries.slice(0, Math.ceil((personContacts * 2) / EVENTS_PER_DELIVERY));
    const echoDeliveries = deliveries.slice(personDeliveries.length);
    sandbox.clearRequests();
    let ingestSeconds = 0;
    const allLatencies: number[] = [];
    const rounds: { events: number; seconds: number }[] = [];
    let after = before;
    for (const round of [personDeliveries, echoDeliveries]) {
      progress(`ingest: ${round.length} deliveries of ${EVENTS_PER_DELIVERY} events, ${IN_FLIGHT} in flight`);
      const result = await ingest(stack, round);
      const refused = result.statuses.filter((s) => s !== 200).length;
      if (refused > 0) throw new Error(`${refused} deliveries were not answered 200`);
      ingestSeconds += result.seconds;
      allLatencies.push(...result.latencies);
      const events = round.reduce((n, d) => n + d.length, 0);
      const from = after;
      const released = performance.now();
      inbound.resume();
      for (const deadline = Date.now() + 600_000; ; ) {
        after = await status(stack);
        const settled = after.totalProcessed - from.totalProcessed + (after.totalSkipped - from.totalSkipped);
        if (settled >= events && inbound.idle()) break;
        if (Date.now() > deadline) throw new Error(`only ${settled} of ${events} events settled after 10 minutes`);
        await sleep(100);
      }
      rounds.push({ events, seconds: (performance.now() - released) / 1000 });
      inbound.pause();
    }
    const latencies = allLatencies.sort((a, b) => a - b);
    const sent = DELIVERIES * EVENTS_PER_DELIVERY;
    const applySeconds = rounds.reduce((t, r) => t + r.seconds, 0);
    const calls = sandbox.requests().filter((r) => r.path.startsWith('/crm/'));
    const readPath = objectsPath('contacts', 'batch/read');
    const reads = calls.filter((r) => r.path.split('?')[0] === readPath);
    const writes = calls.filter((r) => r.method !== 'GET' && r.path.split('?')[0] !== readPath);
    const echoes = (after.skippedByReason.echo ?? 0) - (before.skippedByReason.echo ?? 0);
    const processed = after.totalProcessed - before.totalProcessed;
    if (after.totalFailed > 0) throw new Error(`${after.totalFailed} events failed`);
    if (processed !== personContacts * 2 || echoes !== platformLeads * 2) {
      throw new Error(`expected ${personContacts * 2} processed and ${platformLeads * 2} echoes, got ${processed} and ${echoes}`);
    }
    const store = await storeRequests(stack, runId);

    row(`webhook ingest: ms per delivery of ${EVENTS_PER_DELIVERY} events, p50 / p99 (${IN_FLIGHT} in flight)`, `${fmt(percentile(latencies, 50), 1)} / ${fmt(percentile(latencies, 99), 1)}`, '', 'p99 <= 50');
    row('webhook ingest: events accepted per second', fmt(sent / ingestSeconds, 0), '', '');
    row(`  of which the local SQS emulator alone: ms per message, p50 / p99 (${IN_FLIGHT} in flight)`, `${fmt(percentile(floor, 50), 1)} / ${fmt(percentile(floor, 99), 1)}`, '', '');
    row(`webhook apply: seconds for ${sent} events (${personContacts} new leads, ${platformLeads} echoed platform contacts)`, fmt(applySeconds, 2), '', '');
    row('webhook apply: events applied per second', fmt(sent / applySeconds, 0), '', '');
    row(`  new contacts (a lead created per contact): events per second`, fmt(rounds[0]!.events / rounds[0]!.seconds, 0), '~50 (issue 14: three lookups and a write per contact)', '>= 250');
    row(`  the platform's own contacts (echoes): events per second`, fmt(rounds[1]!.events / rounds[1]!.seconds, 0), '', '');
    row('  DynamoDB requests per 100 new-contact events (lead store, in process)', fmt(store.perHundred, 1), '200.0 (two events per contact: three lookups and a write)', '');
    row('HubSpot read calls per 100 events', fmt((reads.length / sent) * 100, 2), '100.00 (seed 001: one GET per event)', '<= 1.1');
    row('HubSpot writes caused by echoes', String(writes.length), '', '0');
  } finally {
    await stack.stop();
  }
}
