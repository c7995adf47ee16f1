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
 * Baseline: the seed's handler (001) reads each event's contact to check its origin: 100 reads
 * per 100 events.
 */
import { Worker } from 'node:worker_threads';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { mapConcurrent } from '../../functions/core/concurrency.js';
import { SqsQueue } from '../../functions/runtime/sqs-queue.js';
import { localSqsClient } from '../../lib/local/sqs.js';
import { signV3 } from '../../functions/connectors/hubspot/signature.js';
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

    // 1. Ingest, sent from a worker thread (HubSpot's side must not share the stack's event loop).
    progress(`ingest: ${DELIVERIES} deliveries of ${EVENTS_PER_DELIVERY} events, ${IN_FLIGHT} in flight`);
    const result = await new Promise<{ latencies: number[]; statuses: number[]; seconds: number }>((resolve, reject) => {
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
    const refused = result.statuses.filter((s) => s !== 200).length;
    if (refused > 0) throw new Error(`${refused} deliveries were not answered 200`);
    const ingestSeconds = result.seconds;
    const latencies = [...result.latencies].sort((a, b) => a - b);
    const sent = DELIVERIES * EVENTS_PER_DELIVERY;

    // 2. Apply
    sandbox.clearRequests();
    const inbound = stack.pollers.get('hubspot-inbound')!;
    const released = performance.now();
    inbound.resume();
    let after = await status(stack);
    for (const deadline = Date.now() + 600_000; ; ) {
      after = await status(stack);
      const settled = after.totalProcessed - before.totalProcessed + (after.totalSkipped - before.totalSkipped);
      if (settled >= sent && inbound.idle()) break;
      if (Date.now() > deadline) throw new Error(`only ${settled} of ${sent} events settled after 10 minutes`);
      await sleep(100);
    }
    const applySeconds = (performance.now() - released) / 1000;
    const calls = sandbox.requests().filter((r) => r.path.startsWith('/crm/'));
    const reads = calls.filter((r) => r.path === '/crm/v3/objects/contacts/batch/read');
    const writes = calls.filter((r) => r.method !== 'GET' && r.path !== '/crm/v3/objects/contacts/batch/read');
    const echoes = (after.skippedByReason.echo ?? 0) - (before.skippedByReason.echo ?? 0);
    const processed = after.totalProcessed - before.totalProcessed;
    if (after.totalFailed > 0) throw new Error(`${after.totalFailed} events failed`);
    if (processed !== personContacts * 2 || echoes !== platformLeads * 2) {
      throw new Error(`expected ${personContacts * 2} processed and ${platformLeads * 2} echoes, got ${processed} and ${echoes}`);
    }

    row(`webhook ingest: ms per delivery of ${EVENTS_PER_DELIVERY} events, p50 / p99 (${IN_FLIGHT} in flight)`, `${fmt(percentile(latencies, 50), 1)} / ${fmt(percentile(latencies, 99), 1)}`, '', 'p99 <= 50');
    row('webhook ingest: events accepted per second', fmt(sent / ingestSeconds, 0), '', '');
    row(`  of which the local SQS emulator alone: ms per message, p50 / p99 (${IN_FLIGHT} in flight)`, `${fmt(percentile(floor, 50), 1)} / ${fmt(percentile(floor, 99), 1)}`, '', '');
    row(`webhook apply: seconds for ${sent} events (${personContacts} new leads, ${platformLeads} echoed platform contacts)`, fmt(applySeconds, 2), '', '');
    row('webhook apply: events applied per second', fmt(sent / applySeconds, 0), '', '');
    row('HubSpot read calls per 100 events', fmt((reads.length / sent) * 100, 2), '100.00 (seed 001: one GET per event)', '<= 1.1');
    row('HubSpot writes caused by echoes', String(writes.length), '', '0');
  } finally {
    await stack.stop();
  }
}
