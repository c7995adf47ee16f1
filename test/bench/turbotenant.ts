/**
 * TurboTenant events → HubSpot contacts and deals through the local stack (issue 4 §6).
 *
 * Setup (not measured): 200 landlords and 400 properties in the TurboTenant sandbox, 300 of the
 * properties changed since their creation, and the 1,000 events that announce it all: 400
 * property_created, 300 property_updated, 300 lead_created (distinct lead emails).
 * 1. Ingest: the events, signed, 10 in flight from a worker thread, to `POST /events/turbotenant`
 *    while the consumer is paused; latency per event, p50/p99.
 * 2. Sync: release `turbotenant-sync` and time until the queue is empty (each confirmation is
 *    written before its message is deleted); then every confirmation is read once and must say
 *    success. HubSpot calls per event: every request to the sandbox's /crm/ paths, 429s included.
 * 3. Baseline: the seed's steps one event at a time (GET landlord, GET property, then one HubSpot
 *    call per field group: contact search, contact create or update, deal lookup, deal create or
 *    update, association; a lead's contact and association besides) on a sample, same sandbox,
 *    same limit, a fresh window.
 * 4. Reconcile: the schedule fired twice; the first pass may sync what never had an event (the
 *    sandbox's seeded properties, the baseline's), the second passes over unchanged properties
 *    and must make no HubSpot call.
 * Correctness is asserted before any figure is printed: every event success, one deal per
 * property, no two contacts with one email.
 */
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { TurboTenantClient } from '../../functions/connectors/turbotenant/client.js';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { landlordContactProperties, leadContactProperties, propertyDealProperties } from '../../functions/core/turbotenant-mapping.js';
import type { TurboTenantEventBody } from '../../lib/local/sandboxes/turbotenant/index.js';
import { mapConcurrent } from '../../functions/core/concurrency.js';
import { SqsQueue } from '../../functions/runtime/sqs-queue.js';
import { localSqsClient } from '../../lib/local/sqs.js';
import {
  SANDBOX_HUBSPOT_TOKEN,
  SANDBOX_TURBOTENANT_API_KEY,
  SANDBOX_TURBOTENANT_WEBHOOK_SECRET,
  startLocalStack,
  type LocalStack,
} from '../../lib/local/stack.js';

const LANDLORDS = 200;
const PROPERTIES = 400;
const UPDATES = 300;
const LEADS = 300;
const EVENTS = PROPERTIES + UPDATES + LEADS;
const IN_FLIGHT = 10;
const RATE = { max: 190, intervalMs: 10_000 };
const BASELINE = { created: 20, updated: 15, leads: 15 };
const BASELINE_SAMPLE = BASELINE.created + BASELINE.updated + BASELINE.leads;
const WARM_UP = 20;
const DEAL = { pipeline: 'default', stage: 'appointmentscheduled' };
const METADATA = { utm_source: 'connectlinx', utm_medium: 'form', utm_campaign: 'landlord_property_onboarding', platform_source: 'viviaturbo.live', managed_by: 'bench' };
const CITIES = [
  { city: 'Austin', state: 'TX', zip: '78704' },
  { city: 'Denver', state: 'CO', zip: '80205' },
  { city: 'Chicago', state: 'IL', zip: '60614' },
  { city: 'Atlanta', state: 'GA', zip: '30308' },
];

type Row = (figure: string, value: string, baseline?: string, target?: string) => void;
type Fmt = (n: number, digits?: number) => string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const landlordId = (prefix: number, i: number) => `LL_${prefix + i}`;
const propertyId = (prefix: number, i: number) => `PROP_${prefix + i}`;

/** Landlords and their properties (landlord i owns properties i and i + landlords), then the changes. */
function seedSource(stack: LocalStack, runId: string, tag: string, prefix: number, landlords: number, properties: number, updated: number): void {
  const tt = stack.turbotenant.sandbox!;
  for (let i = 0; i < landlords; i += 1) {
    tt.upsertLandlord({
      id: landlordId(prefix, i),
      email: `${tag}.landlord${i}.${runId}@example.com`,
      phone: `(512) 555-${String(i).padStart(4, '0')}`,
      first_name: `Landlord${i}`,
      last_name: tag === 'tt' ? 'Bench' : 'Baseline',
    });
  }
  for (let p = 0; p < properties; p += 1) {
    const place = CITIES[p % CITIES.length]!;
    tt.upsertProperty({
      id: propertyId(prefix, p),
      landlord_id: landlordId(prefix, p % landlords),
      title: `${1 + (p % 4)}BR Apartment on Bench St #${p}`,
      type: 'apartment',
      rent: 1_000 + (p % 40) * 25,
      address: { street: `${100 + p} Bench St`, city: place.city, state: place.state, zip: place.zip },
    });
  }
  // The change each property_updated announces (the consumer reads the property as it is now).
  for (let p = 0; p < updated; p += 1) tt.upsertProperty({ id: propertyId(prefix, p), rent: 1_000 + (p % 40) * 25 + 50 });
}

function event(type: TurboTenantEventBody['event_type'], id: string, at: number, prefix: number, p: number, landlords: number, lead?: TurboTenantEventBody['lead']): TurboTenantEventBody {
  return {
    event_id: id,
    event_type: type,
    occurred_at: new Date(at).toISOString(),
    landlord_id: landlordId(prefix, p % landlords),
    property_id: propertyId(prefix, p),
    ...(lead ? { lead } : {}),
    metadata: METADATA,
  };
}

async function hubspotCalls(stack: LocalStack): Promise<number> {
  return stack.hubspot.sandbox!.requests().filter((r) => r.path.startsWith('/crm/')).length;
}

const ConfirmationSchema = z.union([
  z.object({ status: z.literal('success'), hubspot_contact_id: z.string(), hubspot_deal_id: z.string(), property_id: z.string(), synced_at: z.string() }),
  z.object({ status: z.enum(['error', 'pending']), message: z.string().optional() }),
]);

export async function turbotenantBench(row: Row, fmt: Fmt, progress: (m: string) => void): Promise<void> {
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    consumersPaused: true,
    hubspot: { webhooks: false, rateLimit: RATE },
    // The bench sends the events itself; the sandbox's own are off.
    turbotenant: { events: false },
    logLevel: 'ERROR',
  });
  try {
    const sandbox = stack.hubspot.sandbox!;
    const runId = Date.now().toString(36);
    const PREFIX = 5001;

    // Setup: the source records, and the 1,000 events announcing them.
    progress(`turbotenant setup: ${LANDLORDS} landlords, ${PROPERTIES} properties (${UPDATES} changed), ${EVENTS} events`);
    seedSource(stack, runId, 'tt', PREFIX, LANDLORDS, PROPERTIES, UPDATES);
    const events: TurboTenantEventBody[] = [];
    const base = Date.now() - 60_000;
    // In the order TurboTenant would send them: a property's creation before its update or lead.
    for (let k = 0; k < PROPERTIES; k += 1) {
      events.push(event('property_created', `evt_created_${runId}_${k}`, base + k * 3, PREFIX, k, LANDLORDS));
      if (k >= PROPERTIES - UPDATES) {
        const p = k - (PROPERTIES - UPDATES);
        events.push(event('property_updated', `evt_updated_${runId}_${p}`, base + k * 3 + 1, PREFIX, p, LANDLORDS));
      }
      if (k >= PROPERTIES - LEADS) {
        const l = k - (PROPERTIES - LEADS);
        const lead = { id: `LD_B${l}`, email: `tenant${l}.${runId}@example.com`, first_name: `Tenant${l}`, last_name: 'Bench', message: 'Is it still available?' };
        events.push(event('lead_created', `evt_lead_${runId}_${l}`, base + k * 3 + 2, PREFIX, k, LANDLORDS, lead));
      }
    }
    if (events.length !== EVENTS) throw new Error(`built ${events.length} events, not ${EVENTS}`);

    // Warm-up (cold start of the handler, its clients): signed bodies that fail validation, and confirmation reads.
    for (let i = 0; i < WARM_UP; i += 1) {
      const body = JSON.stringify({ event_id: `warm-${i}` });
      const posted = await fetch(`${stack.apiUrl}/events/turbotenant`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...turboTenantSignatureHeaders(SANDBOX_TURBOTENANT_WEBHOOK_SECRET, body) },
        body,
      });
      if (posted.status !== 400) throw new Error(`warm-up POST answered ${posted.status}`);
      await posted.arrayBuffer();
      await (await fetch(`${stack.apiUrl}/events/turbotenant/warm-${i}`)).arrayBuffer();
    }

    // 1. Ingest, from a worker thread.
    progress(`turbotenant ingest: ${EVENTS} signed events, ${IN_FLIGHT} in flight`);
    const ingest = await new Promise<{ latencies: number[]; statuses: number[]; seconds: number }>((resolve, reject) => {
      const worker = new Worker(new URL('./turbotenant-client.ts', import.meta.url), {
        workerData: {
          url: `${stack.apiUrl}/events/turbotenant`,
          secret: SANDBOX_TURBOTENANT_WEBHOOK_SECRET,
          bodies: events.map((e) => JSON.stringify(e)),
          inFlight: IN_FLIGHT,
        },
        execArgv: ['--import', 'tsx'],
      });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const refused = ingest.statuses.filter((s) => s !== 202).length;
    if (refused > 0) throw new Error(`${refused} events were not answered 202: ${[...new Set(ingest.statuses)].join(', ')}`);
    const latencies = [...ingest.latencies].sort((a, b) => a - b);

    // 2. Sync: from the release of the consumer until the queue is empty and the poller idle.
    sandbox.clearRequests();
    const poller = stack.pollers.get('turbotenant-sync')!;
    const { url: queueUrl, dlqUrl } = stack.queues['turbotenant-events'];
    const queue = new SqsQueue(localSqsClient(stack.endpoints.sqs), { queueUrl, dlqUrl });
    const released = performance.now();
    poller.resume();
    let lastReport = released;
    for (;;) {
      const { queue: depth, deadLetter } = await queue.depths();
      const waiting = depth.visible + depth.inFlight + depth.delayed;
      if (waiting === 0 && poller.idle()) {
        if (deadLetter.visible + deadLetter.inFlight > 0) throw new Error(`${deadLetter.visible + deadLetter.inFlight} events went to the DLQ`);
        break;
      }
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        progress(`turbotenant sync t=${((lastReport - released) / 1000).toFixed(0)}s: ${waiting} messages waiting, HubSpot calls so far ${await hubspotCalls(stack)}`);
      }
      if (performance.now() - released > 120_000) throw new Error(`turbotenant queue not drained after 2 minutes: ${waiting} messages`);
      await sleep(50);
    }
    const syncSeconds = (performance.now() - released) / 1000;
    const syncRequests = sandbox.requests().filter((r) => r.path.startsWith('/crm/'));
    const stats = poller.stats();

    // Every confirmation, once.
    const checkStart = performance.now();
    const confirmations = new Map<string, z.infer<typeof ConfirmationSchema>>();
    await mapConcurrent(events, IN_FLIGHT, async (e) => {
      const response = await fetch(`${stack.apiUrl}/events/turbotenant/${e.event_id}`);
      if (response.status !== 200) throw new Error(`confirmation of ${e.event_id}: ${response.status} ${await response.text()}`);
      confirmations.set(e.event_id, ConfirmationSchema.parse(await response.json()));
    });
    const checkSeconds = (performance.now() - checkStart) / 1000;
    const notSuccess = events.filter((e) => confirmations.get(e.event_id)?.status !== 'success');
    if (notSuccess.length > 0) {
      const first = confirmations.get(notSuccess[0]!.event_id);
      throw new Error(`${notSuccess.length} of ${EVENTS} events are not success; first ${notSuccess[0]!.event_id}: ${JSON.stringify(first)}`);
    }

    // One deal per property, each confirmation naming it; no two contacts with one email.
    const ourProperties = new Set(Array.from({ length: PROPERTIES }, (_, p) => propertyId(PREFIX, p)));
    const dealsByProperty = new Map<string, string[]>();
    for (const deal of sandbox.deals()) {
      if (deal.archived) continue;
      const key = deal.properties.turbotenant_property_id ?? '';
      if (ourProperties.has(key)) dealsByProperty.set(key, [...(dealsByProperty.get(key) ?? []), deal.id]);
    }
    const wrongDeals = [...ourProperties].filter((p) => dealsByProperty.get(p)?.length !== 1);
    if (wrongDeals.length > 0) throw new Error(`${wrongDeals.length} properties do not have exactly one deal, e.g. ${wrongDeals[0]}: ${JSON.stringify(dealsByProperty.get(wrongDeals[0]!) ?? [])}`);
    for (const e of events) {
      const c = confirmations.get(e.event_id)!;
      if (c.status === 'success' && (c.property_id !== e.property_id || c.hubspot_deal_id !== dealsByProperty.get(e.property_id)![0])) {
        throw new Error(`confirmation of ${e.event_id} names deal ${c.hubspot_deal_id} of ${c.property_id}`);
      }
    }
    assertNoDuplicateContacts(stack);
    const emails = new Set(sandbox.contacts().map((c) => (c.properties.email ?? '').toLowerCase()));
    const missing = [
      ...Array.from({ length: LANDLORDS }, (_, i) => `tt.landlord${i}.${runId}@example.com`),
      ...Array.from({ length: LEADS }, (_, l) => `tenant${l}.${runId}@example.com`),
    ].filter((email) => !emails.has(email));
    if (missing.length > 0) throw new Error(`${missing.length} landlords or leads have no contact, e.g. ${missing[0]}`);

    // 3. Baseline, on its own landlords and properties, from a fresh rate window.
    progress(`turbotenant baseline: ${BASELINE_SAMPLE} events the seed's way`);
    await sleep(RATE.intervalMs);
    const baseline = await baselineBench(stack, runId);

    // 4. Reconcile, twice.
    progress('turbotenant reconcile: two passes');
    const passes: { calls: number; seconds: number; report: { properties: number; synced: number; unchanged: number; failed: number; hubspotCalls: number } }[] = [];
    for (let pass = 0; pass < 2; pass += 1) {
      sandbox.clearRequests();
      const t = performance.now();
      const report = (await stack.fireSchedule('turbotenant-reconcile')) as (typeof passes)[number]['report'];
      passes.push({ calls: await hubspotCalls(stack), seconds: (performance.now() - t) / 1000, report });
      if (report.failed > 0) throw new Error(`reconcile pass ${pass + 1}: ${report.failed} properties failed`);
    }
    assertNoDuplicateContacts(stack);

    const ourRate = EVENTS / syncSeconds;
    const ourCallsPerEvent = syncRequests.length / EVENTS;
    const byPath = new Map<string, number>();
    for (const r of syncRequests) {
      const key = r.path.replace(/\/\d+/g, '/{id}');
      byPath.set(key, (byPath.get(key) ?? 0) + 1);
    }
    const throttled = syncRequests.filter((r) => r.status === 429).length;
    const [first, second] = passes as [(typeof passes)[0], (typeof passes)[0]];

    row(`— turbotenant (issue 4 §6): ${EVENTS} events (${PROPERTIES} property_created, ${UPDATES} property_updated, ${LEADS} lead_created; ${LANDLORDS} landlords), HubSpot sandbox limit ${RATE.max} requests / ${RATE.intervalMs / 1000} s rolling`, '', '', '');
    row(`turbotenant ingest: ms per event, p50 / p99 (${IN_FLIGHT} in flight, consumer paused)`, `${fmt(percentile(latencies, 50), 1)} / ${fmt(percentile(latencies, 99), 1)}`, '', '');
    row('turbotenant ingest: events accepted per second', fmt(EVENTS / ingest.seconds, 0), '', '');
    row(`turbotenant sync: seconds from release until all ${EVENTS} confirmed (queue empty)`, fmt(syncSeconds, 2), '', '');
    row('turbotenant sync: events per second to confirmation', fmt(ourRate, 0), fmt(baseline.eventsPerSecond, 2), '');
    row('  speed-up over the seed’s way (events/s)', `${fmt(ourRate / baseline.eventsPerSecond, 0)}×`, '1×', '');
    row(`  then reading all ${EVENTS} confirmations once (GET /events/turbotenant/{id}, ${IN_FLIGHT} in flight), seconds`, fmt(checkSeconds, 2), '', '');
    row(`  consumer batches / max at once / records retried`, `${stats.batches} / ${stats.maxInFlight} / ${stats.failedRecords}`, '', '');
    row('HubSpot calls per event (all /crm/ requests, 429s included)', fmt(ourCallsPerEvent, 3), fmt(baseline.callsPerEvent, 2), '<= 3');
    row(
      '  of which',
      [...byPath].map(([path, n]) => `${n} ${path.replace('/crm/v3/objects/', '').replace('/crm/v4/associations/', 'assoc ')}`).join(', ') + ` (429: ${throttled})`,
      `${baseline.calls} calls for ${BASELINE_SAMPLE} events (429: ${baseline.throttled})`,
      '',
    );
    row(
      'reconcile pass 1 (everything since the epoch): properties read / synced / unchanged / HubSpot calls',
      `${first.report.properties} / ${first.report.synced} / ${first.report.unchanged} / ${first.calls}`,
      '',
      '',
    );
    row(
      'reconcile pass 2 (unchanged properties): properties read / HubSpot calls',
      `${second.report.properties} / ${second.calls}`,
      '',
      '0 calls',
    );
    if (second.calls !== 0) throw new Error(`the second reconcile pass made ${second.calls} HubSpot calls`);
  } finally {
    await stack.stop();
  }
}

function assertNoDuplicateContacts(stack: LocalStack): void {
  const seen = new Map<string, string>();
  for (const contact of stack.hubspot.sandbox!.contacts()) {
    if (contact.archived) continue;
    const email = contact.properties.email?.toLowerCase();
    if (!email) continue;
    if (seen.has(email)) throw new Error(`two contacts with ${email}: ${seen.get(email)} and ${contact.id}`);
    seen.set(email, contact.id);
  }
}

const SearchResult = z.object({ total: z.number(), results: z.array(z.object({ id: z.string() })) });
const ObjectResult = z.object({ id: z.string() });

/**
 * The seed's way (000: steps 1–4 per event, one HubSpot call per field group): read the landlord
 * and the property, search the landlord's contact by email and create or update it, look the
 * property's deal up and create or update it, associate them; a lead's contact is searched and
 * created or updated and associated with the deal. 429s are waited out in process.
 */
async function baselineBench(stack: LocalStack, runId: string): Promise<{ eventsPerSecond: number; callsPerEvent: number; calls: number; throttled: number }> {
  const PREFIX = 9001;
  const landlords = BASELINE.created / 2;
  seedSource(stack, runId, 'naive', PREFIX, landlords, BASELINE.created, BASELINE.updated);
  const base = Date.now();
  const events: TurboTenantEventBody[] = [];
  for (let p = 0; p < BASELINE.created; p += 1) events.push(event('property_created', `naive_c${p}`, base + p, PREFIX, p, landlords));
  for (let p = 0; p < BASELINE.updated; p += 1) events.push(event('property_updated', `naive_u${p}`, base + 100 + p, PREFIX, p, landlords));
  for (let l = 0; l < BASELINE.leads; l += 1) {
    const p = BASELINE.created - 1 - l;
    const lead = { id: `LD_N${l}`, email: `naive.tenant${l}.${runId}@example.com`, first_name: `Tenant${l}`, last_name: 'Baseline' };
    events.push(event('lead_created', `naive_l${l}`, base + 200 + l, PREFIX, p, landlords, lead));
  }

  const source = new TurboTenantClient({ baseUrl: stack.turbotenant.url, apiKey: async () => SANDBOX_TURBOTENANT_API_KEY });
  let calls = 0;
  let throttled = 0;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    for (;;) {
      calls += 1;
      const response = await fetch(`${stack.hubspot.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${SANDBOX_HUBSPOT_TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status === 429) {
        throttled += 1;
        await sleep(1000);
        continue;
      }
      if (response.status === 404 && method === 'GET') return undefined;
      if (!response.ok) throw new Error(`baseline ${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : undefined;
    }
  };
  const upsertContact = async (properties: Record<string, string>): Promise<string> => {
    const found = SearchResult.parse(
      await call('POST', '/crm/v3/objects/contacts/search', {
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: properties.email }] }],
        limit: 1,
      }),
    );
    const id = found.results[0]?.id;
    if (id) return ObjectResult.parse(await call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties })).id;
    return ObjectResult.parse(await call('POST', '/crm/v3/objects/contacts', { properties })).id;
  };

  const started = performance.now();
  for (const e of events) {
    const landlord = await source.getLandlord(e.landlord_id);
    const property = await source.getProperty(e.property_id);
    const contactId = await upsertContact(landlordContactProperties({ landlord, property, metadata: e.metadata, occurredAt: e.occurred_at }));
    const dealProperties = propertyDealProperties(property, DEAL);
    const existing = (await call('GET', `/crm/v3/objects/deals/${encodeURIComponent(property.id)}?idProperty=turbotenant_property_id`)) as { id: string } | undefined;
    const dealId = existing
      ? ObjectResult.parse(await call('PATCH', `/crm/v3/objects/deals/${existing.id}`, { properties: dealProperties })).id
      : ObjectResult.parse(await call('POST', '/crm/v3/objects/deals', { properties: dealProperties })).id;
    await call('PUT', `/crm/v4/objects/contacts/${contactId}/associations/default/deals/${dealId}`);
    if (e.event_type === 'lead_created' && e.lead) {
      const leadId = await upsertContact(leadContactProperties(e.lead, e.metadata));
      await call('PUT', `/crm/v4/objects/contacts/${leadId}/associations/default/deals/${dealId}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { eventsPerSecond: BASELINE_SAMPLE / seconds, callsPerEvent: calls / BASELINE_SAMPLE, calls, throttled };
}
