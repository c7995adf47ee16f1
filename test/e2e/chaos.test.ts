/**
 * Chaos (issue 6 §1): every flow at once through the local stack while everything around it
 * misbehaves, then the resync flow until the DLQs are empty; then what a sceptical user would check.
 *
 * In: platform leads (`POST /leads`, a tenth sent twice with one Idempotency-Key, a few with an
 * email HubSpot refuses), contacts a person creates in HubSpot and changes twice (announced by
 * webhook), TurboTenant events (properties created and changed, leads), and two Buildium
 * incremental syncs over a portfolio that changes while the first runs and after it.
 *
 * Faults: HubSpot answers 10% 429, 5% 500, 2% later than the client's 10 s timeout (the write
 * still happens), resets 1% of connections; its webhook deliveries are duplicated 10% and held
 * back 10% (later ones, property changes included, overtake them); TurboTenant's events likewise,
 * and its API answers 5% 503; Buildium answers 10% 429; every consumer "crashes" 5% of its
 * invocations after they wrote to HubSpot and before their messages are acknowledged, and has the
 * execution environment of another 5% killed at a random point of the invocation (issue 13 §1:
 * between two HubSpot writes of a batch included; the batch comes back). Queues give up after 3
 * receives, so the DLQs and the resync flow are part of the run.
 *
 * The functions run as Lambda runs them (the local stack's default, isolated execution
 * environments: each its own memory, one invocation at a time), each consumer with as many
 * environments at once as production's event source mapping allows (lib/environments.ts `prod`).
 *
 * CI runs it small (`npm test`); `npm run test:chaos` runs the issue's size (CHAOS_SIZE=full:
 * 5,000 leads, 2,000 HubSpot contacts, 500 TurboTenant events). CHAOS_SEED changes the draws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueDepth } from '../../functions/core/ports.js';
import { SqsQueue } from '../../functions/runtime/sqs-queue.js';
import { mapConcurrent } from '../../functions/core/concurrency.js';
import { environments } from '../../lib/environments.js';
import type { BuildiumSandbox } from '../../lib/local/sandboxes/buildium/index.js';
import { seededRandom, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import type { TurboTenantSandbox } from '../../lib/local/sandboxes/turbotenant/index.js';
import { localSqsClient } from '../../lib/local/sqs.js';
import { SANDBOX_HUBSPOT_TOKEN, startLocalStack, type LocalStack } from '../../lib/local/stack.js';

const FULL = process.env.CHAOS_SIZE === 'full';
const SIZE = FULL
  ? { leads: 5000, rejected: 50, people: 2000, landlords: 100, buildium: { properties: 40, unitsPerProperty: 3, tenants: 200, leases: 100 } }
  : { leads: 300, rejected: 6, people: 100, landlords: 10, buildium: { properties: 4, unitsPerProperty: 2, tenants: 24, leases: 10 } };
/** Per TurboTenant landlord: two properties created, one changed, two leads. */
const EVENTS_PER_LANDLORD = 5;
const RATES = {
  hubspot429: 0.1,
  hubspot5xx: 0.05,
  hubspotTimeout: 0.02,
  hubspotReset: 0.01,
  duplicate: 0.1,
  outOfOrder: 0.1,
  buildium429: 0.1,
  turbotenant5xx: 0.05,
  crash: 0.05,
};
/** Longer than the HubSpot client's 10 s timeout. */
const TIMEOUT_DELAY_MS = 10_500;
const SEED = Number(process.env.CHAOS_SEED ?? 20_261_122);
const MAX_RECEIVES = 3;
const RESYNC_ROUNDS = 8;

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const runId = Date.now().toString(36);
const t0 = Date.now();
/** CHAOS_VERBOSE=1: what the run is doing, on stderr. */
const progress = (message: string) => {
  if (process.env.CHAOS_VERBOSE) process.stderr.write(`[chaos ${((Date.now() - t0) / 1000).toFixed(0)} s] ${message}\n`);
};

let stack: LocalStack;
let hubspot: HubSpotSandbox;
let turbotenant: TurboTenantSandbox;
let buildium: BuildiumSandbox;

// ---- callers ----

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

/** A person working in HubSpot: tries again until HubSpot answers (the faults are for everyone). */
async function inHubSpot(method: string, path: string, body: unknown): Promise<Json> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${stack.hubspot.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${SANDBOX_HUBSPOT_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (response.ok) return JSON.parse(text) as Json;
      if (response.status !== 429 && response.status < 500) throw new Error(`HubSpot ${method} ${path}: ${response.status} ${text}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('HubSpot ')) throw error;
    }
    if (attempt >= 40) throw new Error(`HubSpot ${method} ${path} kept failing`);
    await sleep(250 * Math.min(attempt, 8));
  }
}

const chunks = <T>(items: readonly T[], size: number): T[][] => range(Math.ceil(items.length / size)).map((i) => items.slice(i * size, (i + 1) * size));

async function queueDepths(): Promise<Record<string, { queue: number; dlq: number }>> {
  const sqs = localSqsClient(stack.endpoints.sqs);
  const total = (d: QueueDepth) => d.visible + d.inFlight + d.delayed;
  const out: Record<string, { queue: number; dlq: number }> = {};
  for (const [id, q] of Object.entries(stack.queues)) {
    const { queue, deadLetter } = await new SqsQueue(sqs, { queueUrl: q.url, dlqUrl: q.dlqUrl }).depths();
    out[id] = { queue: total(queue), dlq: total(deadLetter) };
  }
  return out;
}

/** Until the senders have sent everything and every queue is empty and every consumer idle, twice in a row. */
async function settle(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) {
      const pollers = Object.fromEntries([...stack.pollers].map(([id, p]) => [id, { idle: p.idle(), ...p.stats() }]));
      throw new Error(`the stack did not settle: ${JSON.stringify(await queueDepths())}; consumers ${JSON.stringify(pollers)}`);
    }
    await Promise.all([hubspot.flushWebhooks(), turbotenant.flushEvents()]);
    const depths = Object.values(await queueDepths());
    const idle = [...stack.pollers.values()].every((p) => p.idle());
    quiet = idle && depths.every((d) => d.queue === 0) ? quiet + 1 : 0;
    progress(`queues ${depths.map((d) => d.queue).join('/')}, DLQs ${depths.map((d) => d.dlq).join('/')}`);
    await sleep(quiet > 0 ? 1500 : 500);
  }
}

// ---- the traffic ----

interface Sent {
  leads: Array<{ email: string; firstName: string; lastName: string; leadId: string; rejected: boolean }>;
  leadPosts: number;
  people: Array<{ email: string; id: string; firstName: string }>;
  personWrites: number;
  landlordEmails: string[];
  prospectEmails: string[];
  turbotenantPropertyIds: string[];
  jobs: string[];
  buildiumChanges: number;
}

const sent: Sent = { leads: [], leadPosts: 0, people: [], personWrites: 0, landlordEmails: [], prospectEmails: [], turbotenantPropertyIds: [], jobs: [], buildiumChanges: 0 };

async function platformLeads(): Promise<void> {
  const inputs = range(SIZE.leads).map((i) => ({
    email: i < SIZE.rejected ? `rejected.${i}.${runId}@example.com` : `lead.${i}.${runId}@example.com`,
    firstName: `Lee${i}`,
    lastName: 'Platform',
    source: 'chaos',
  }));
  await mapConcurrent(inputs, 8, async (input) => {
    const i = Number(input.firstName.slice(3));
    const key = `chaos-${runId}-${i}`;
    const first = await api('POST', '/leads', input, { 'idempotency-key': key });
    sent.leadPosts++;
    if (first.status !== 202) throw new Error(`POST /leads answered ${first.status}: ${JSON.stringify(first.body)}`);
    if (i % 10 === 3) {
      // A caller that did not hear the answer sends it again: the same lead.
      const again = await api('POST', '/leads', input, { 'idempotency-key': key });
      sent.leadPosts++;
      if (again.body.leadId !== first.body.leadId) throw new Error(`a repeated Idempotency-Key made lead ${again.body.leadId}, not ${first.body.leadId}`);
    }
    sent.leads.push({ ...input, leadId: first.body.leadId as string, rejected: i < SIZE.rejected });
  });
}

async function peopleInHubSpot(): Promise<void> {
  const people = range(SIZE.people).map((i) => ({ email: `person.${i}.${runId}@example.com`, firstName: `Pat${i}` }));
  const ids = new Map<string, string>();
  for (const chunk of chunks(people, 100)) {
    const out = await inHubSpot('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: chunk.map((p) => ({ id: p.email, idProperty: 'email', properties: { email: p.email, firstname: p.firstName, lastname: 'Person' } })),
    });
    sent.personWrites++;
    for (const r of out.results as Json[]) ids.set(String(r.properties.email), String(r.id));
  }
  // Two changes of each, apart enough to be announced in different deliveries (so that a held-back
  // delivery of the first arrives after the second's).
  for (const version of [1, 2]) {
    await sleep(400);
    for (const chunk of chunks(people, 100)) {
      await inHubSpot('POST', '/crm/v3/objects/contacts/batch/update', {
        inputs: chunk.map((p) => ({ id: ids.get(p.email)!, properties: { firstname: `${p.firstName}-v${version}` } })),
      });
      sent.personWrites++;
    }
  }
  sent.people = people.map((p) => ({ email: p.email, id: ids.get(p.email)!, firstName: `${p.firstName}-v2` }));
}

async function turboTenantActivity(): Promise<void> {
  for (const l of range(SIZE.landlords)) {
    const landlordId = `LL_CHAOS_${runId}_${l}`;
    const email = `landlord.${l}.${runId}@example.com`;
    turbotenant.upsertLandlord({ id: landlordId, email, phone: `(512) 555-01${String(l % 100).padStart(2, '0')}`, first_name: `Lana${l}`, last_name: 'Landlord' });
    sent.landlordEmails.push(email);
    for (const k of [0, 1]) {
      const id = `PROP_CHAOS_${runId}_${l}_${k}`;
      turbotenant.upsertProperty({ id, landlord_id: landlordId, title: `Chaos ${l}-${k}`, type: 'apartment', rent: 1000 + l, address: { street: `${l} Main St`, city: 'Austin', state: 'TX', zip: '78704' } });
      sent.turbotenantPropertyIds.push(id);
    }
    await sleep(20);
    for (const k of [0, 1]) {
      const prospect = `prospect.${l}.${k}.${runId}@example.com`;
      turbotenant.createLead({ property_id: `PROP_CHAOS_${runId}_${l}_${k}`, email: prospect, first_name: `Pro${l}`, last_name: `Spect${k}` });
      sent.prospectEmails.push(prospect);
    }
    turbotenant.upsertProperty({ id: `PROP_CHAOS_${runId}_${l}_0`, title: `Chaos ${l}-0 renovated`, rent: 1500 + l });
    await sleep(20);
  }
}

async function buildiumJob(): Promise<Json> {
  const opened = await api('POST', '/sync/buildium', { mode: 'incremental' });
  if (opened.status !== 202) throw new Error(`POST /sync/buildium answered ${opened.status}`);
  const jobId = opened.body.jobId as string;
  sent.jobs.push(jobId);
  for (;;) {
    const job = (await api('GET', `/sync/jobs/${jobId}`)).body;
    if (job.status === 'completed' || job.status === 'failed') return job;
    await sleep(250);
  }
}

async function buildiumSyncs(): Promise<void> {
  const tenants = buildium.tenants();
  const first = buildiumJob();
  // The portfolio changes while the first job runs...
  await sleep(300);
  for (const t of tenants.filter((_, i) => i % 5 === 1)) {
    buildium.updateTenant(t.Id, { FirstName: `${t.FirstName}-during` });
    sent.buildiumChanges++;
  }
  await first;
  // ...and after it.
  for (const t of tenants.filter((_, i) => i % 5 === 2)) {
    buildium.updateTenant(t.Id, { LastName: `${t.LastName}-after` });
    sent.buildiumChanges++;
  }
  for (const r of buildium.rentals().filter((_, i) => i % 2 === 0)) {
    buildium.updateRental(r.Id, { Name: `${r.Name} (renamed)` });
    sent.buildiumChanges++;
  }
  buildium.addTenant({ FirstName: 'Nova', LastName: 'Newcomer', Email: `nova.${runId}@pm.example.com` });
  sent.buildiumChanges++;
  await sleep(1100);
  await buildiumJob();
}

// ---- the run ----

interface Report {
  eventsIn: Record<string, number>;
  faults: Record<string, number>;
  /** Each consumer's execution environments. */
  environments: Record<string, string>;
  lost: string[];
  duplicates: string[];
  checks: Record<string, string[]>;
  resyncRounds: number;
  elapsedSeconds: number;
}

let report: Report;

beforeAll(async () => {
  const random = (salt: number) => seededRandom(SEED + salt);
  const local = environments.local;
  const prod = environments.prod;
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'SILENT',
    hubspot: { random: random(1), webhookChaos: { duplicate: RATES.duplicate, delay: RATES.outOfOrder, delayMs: 1500, random: random(2) } },
    turbotenant: { random: random(3), eventChaos: { duplicate: RATES.duplicate, delay: RATES.outOfOrder, delayMs: 1500, random: random(4) } },
    buildium: { seed: SIZE.buildium, webhooks: false, random: random(5) },
    environments: 'isolated',
    consumerCrashes: { probability: RATES.crash, random: random(6), midInvocation: true },
    settings: {
      leadSync: { ...local.leadSync, maxConcurrency: prod.leadSync.maxConcurrency, maxReceiveCount: MAX_RECEIVES },
      hubspotEvents: { ...local.hubspotEvents, maxConcurrency: prod.hubspotEvents.maxConcurrency, maxReceiveCount: MAX_RECEIVES },
      turbotenant: { ...local.turbotenant, maxConcurrency: prod.turbotenant.maxConcurrency, maxReceiveCount: MAX_RECEIVES },
      buildium: { ...local.buildium, maxConcurrency: prod.buildium.maxConcurrency, maxReceiveCount: MAX_RECEIVES, pageSize: 10 },
    },
  });
  hubspot = stack.hubspot.sandbox!;
  turbotenant = stack.turbotenant.sandbox!;
  buildium = stack.buildium.sandbox!;
  const before = new Set(hubspot.contacts().map((c) => c.properties.email?.toLowerCase()));

  // Prepare: the storm. The rarest faults strike once for sure (a small run makes few requests),
  // on calls only the flows make: a contact read times out, a deal write loses its connection.
  hubspot.addFault({ kind: 'slow', delayMs: TIMEOUT_DELAY_MS, method: 'POST', path: '/crm/objects/2026-09/contacts/batch/read', times: 1 });
  hubspot.addFault({ kind: 'reset', method: 'POST', path: '/crm/objects/2026-09/deals/batch/', times: 1 });
  hubspot.addFault({ kind: 'rateLimit', probability: RATES.hubspot429 });
  hubspot.addFault({ kind: 'slow', delayMs: TIMEOUT_DELAY_MS, probability: RATES.hubspotTimeout });
  hubspot.addFault({ kind: 'status', status: 500, probability: RATES.hubspot5xx });
  hubspot.addFault({ kind: 'reset', probability: RATES.hubspotReset / (1 - RATES.hubspot5xx) });
  hubspot.addFault({ kind: 'inputError', emailPattern: '^rejected\\.', message: 'Email address is on a blocked domain' });
  buildium.addFault({ kind: 'rateLimit', probability: RATES.buildium429, retryAfterSeconds: 1 });
  turbotenant.addFault({ kind: 'status', status: 503, path: '/api/', probability: RATES.turbotenant5xx });

  // Act: every flow at once, then the resync flow until the DLQs are empty.
  const started = Date.now();
  const flow = (name: string, run: () => Promise<void>) => run().then(() => progress(`${name}: sent`));
  const flows = await Promise.allSettled([
    flow('platform leads', platformLeads),
    flow('people in HubSpot', peopleInHubSpot),
    flow('TurboTenant activity', turboTenantActivity),
    flow('Buildium syncs', buildiumSyncs),
  ]);
  for (const flow of flows) if (flow.status === 'rejected') throw flow.reason;
  progress('traffic sent');
  const settleMs = FULL ? 20 * 60_000 : 3 * 60_000;
  let rounds = 0;
  for (; rounds < RESYNC_ROUNDS; rounds++) {
    await settle(settleMs);
    const dlqs = Object.values(await queueDepths()).reduce((n, d) => n + d.dlq, 0);
    const current = await leadsById(sent.leads.filter((l) => !l.rejected).map((l) => l.leadId));
    const failed = [...current.values()].filter((lead) => lead.hubspot?.syncStatus === 'FAILED').length;
    if (rounds > 0 && dlqs === 0 && failed === 0) break;
    progress(`settled: DLQs ${dlqs}, transiently FAILED leads ${failed}; resync`);
    const resync = await api('POST', '/internal/leads/resync-failed');
    if (resync.status !== 200) throw new Error(`resync-failed answered ${resync.status}`);
  }
  report = await assess(before, rounds, (Date.now() - started) / 1000);
  print(report);
}, FULL ? 60 * 60_000 : 10 * 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** The leads as `GET /leads/{id}` shows them, a few requests at a time. */
async function leadsById(ids: readonly string[]): Promise<Map<string, Json>> {
  const out = new Map<string, Json>();
  await mapConcurrent(ids, 8, async (id) => {
    out.set(id, (await api('GET', `/leads/${id}`)).body);
  });
  return out;
}

async function leadsByEmail(emails: readonly string[]): Promise<Map<string, Json[]>> {
  const out = new Map<string, Json[]>();
  await mapConcurrent(emails, 8, async (email) => {
    const { body } = await api('GET', `/leads?email=${encodeURIComponent(email)}`);
    out.set(email, (body.leads ?? []) as Json[]);
  });
  return out;
}

async function assess(before: Set<string | undefined>, resyncRounds: number, elapsedSeconds: number): Promise<Report> {
  const checks: Record<string, string[]> = {};
  const fail = (check: string, what: string) => (checks[check] ??= []).push(what);
  const contacts = hubspot.contacts().filter((c) => !c.archived);
  const byEmail = new Map<string, typeof contacts>();
  for (const c of contacts) {
    const email = c.properties.email?.toLowerCase();
    if (email) byEmail.set(email, [...(byEmail.get(email) ?? []), c]);
  }
  const duplicates = [...byEmail].filter(([, cs]) => cs.length > 1).map(([email, cs]) => `${email} ×${cs.length}`);

  // Platform leads: SYNCED, or FAILED with HubSpot's reason for the emails it refuses; one contact each, with the lead's values.
  const current = await leadsById(sent.leads.map((l) => l.leadId));
  const leads = sent.leads.map((l) => ({ sent: l, lead: current.get(l.leadId)! }));
  const lost: string[] = [];
  for (const { sent: s, lead } of leads) {
    const status = lead.hubspot?.syncStatus;
    if (s.rejected) {
      if (status !== 'FAILED' || !String(lead.hubspot?.error ?? '').includes('blocked domain')) fail('refused leads FAILED with the reason', `${s.email}: ${status} ${lead.hubspot?.error}`);
      continue;
    }
    if (status !== 'SYNCED') fail('platform leads SYNCED', `${s.email}: ${status} ${lead.hubspot?.error ?? ''}`);
    const contact = byEmail.get(s.email)?.[0];
    if (!contact) lost.push(`platform lead ${s.email}`);
    else if (contact.properties.firstname !== s.firstName || contact.properties.lastname !== s.lastName) {
      fail('final values', `contact ${s.email}: ${contact.properties.firstname} ${contact.properties.lastname}`);
    }
    if (lead.crmMetadata?.lastSyncDirection !== 'to_crm') fail('no echo writes', `platform lead ${s.email} written from the CRM (${lead.crmMetadata?.lastSyncDirection})`);
  }
  for (const s of sent.leads.filter((l) => l.rejected)) if (byEmail.has(s.email)) fail('refused leads FAILED with the reason', `${s.email} is in HubSpot`);

  // People's contacts: exactly one lead each, with the latest change; none written back to HubSpot.
  const personLeads = await leadsByEmail(sent.people.map((p) => p.email));
  for (const p of sent.people) {
    if (!byEmail.has(p.email)) lost.push(`HubSpot contact ${p.email}`);
    const found = personLeads.get(p.email) ?? [];
    if (found.length === 0) lost.push(`lead of HubSpot contact ${p.email}`);
    if (found.length > 1) duplicates.push(`leads of ${p.email} ×${found.length}`);
    const lead = found[0];
    if (lead && lead.firstName !== p.firstName) fail('final values', `lead ${p.email}: firstName ${lead.firstName}, latest change ${p.firstName}`);
    if (lead && (lead.hubspot?.attempts ?? 0) > 0) fail('no echo writes', `lead ${p.email} from HubSpot was written back (${lead.hubspot.attempts} attempts)`);
  }

  // TurboTenant: landlords and prospects are contacts, not leads; one deal per property, with its latest values.
  const integrationLeads = await leadsByEmail([...sent.landlordEmails, ...sent.prospectEmails]);
  for (const email of [...sent.landlordEmails, ...sent.prospectEmails]) {
    if (!byEmail.has(email)) lost.push(`TurboTenant contact ${email}`);
    if ((integrationLeads.get(email) ?? []).length > 0) fail('no echo writes', `TurboTenant contact ${email} became a platform lead`);
  }
  const deals = hubspot.deals().filter((d) => !d.archived);
  for (const id of sent.turbotenantPropertyIds) {
    const mine = deals.filter((d) => d.properties.turbotenant_property_id === id);
    const property = turbotenant.properties().find((p) => p.id === id)!;
    if (mine.length === 0) lost.push(`deal of ${id}`);
    if (mine.length > 1) duplicates.push(`deals of ${id} ×${mine.length}`);
    const deal = mine[0];
    if (deal && (deal.properties.dealname !== property.title || Number(deal.properties.amount) !== property.rent)) {
      fail('final values', `deal of ${id}: ${deal.properties.dealname} ${deal.properties.amount}, latest ${property.title} ${property.rent}`);
    }
  }
  const deliveredEvents = new Set(turbotenant.eventDeliveries().map((d) => d.eventId));
  await mapConcurrent([...deliveredEvents], 8, async (eventId) => {
    const { body } = await api('GET', `/events/turbotenant/${encodeURIComponent(eventId)}`);
    if (body.status !== 'success') fail('TurboTenant events confirmed', `${eventId}: ${body.status} ${body.message ?? ''}`);
  });

  // Buildium: every tenant is one contact with its latest names, or a listed error; every rental one listing with its latest name.
  const errored = new Set<string>();
  for (const jobId of sent.jobs) {
    const job = (await api('GET', `/sync/jobs/${jobId}`)).body;
    if (job.status !== 'completed') fail('jobs completed', `${jobId}: ${job.status}`);
    const c = job.counts ?? {};
    if (c.processed !== c.created + c.updated + c.skipped + c.failed) fail('counts add up', `job ${jobId}: ${JSON.stringify(c)}`);
    for (const e of (await api('GET', `/sync/jobs/${jobId}/errors`)).body.errors ?? []) errored.add(`${e.entity}:${e.sourceId}`);
  }
  const tenantEmails: string[] = [];
  for (const t of buildium.tenants()) {
    const mine = contacts.filter((c) => c.properties.buildium_tenant_id === String(t.Id));
    if (mine.length > 1) duplicates.push(`contacts of tenant ${t.Id} ×${mine.length}`);
    if (mine.length === 0 && !errored.has(`tenant:${t.Id}`)) lost.push(`tenant ${t.Id}`);
    const contact = mine[0];
    if (contact && (contact.properties.firstname !== t.FirstName || contact.properties.lastname !== t.LastName)) {
      fail('final values', `tenant ${t.Id}: ${contact.properties.firstname} ${contact.properties.lastname}, latest ${t.FirstName} ${t.LastName}`);
    }
    if (contact && t.Email) tenantEmails.push(t.Email.toLowerCase());
  }
  const tenantLeads = await leadsByEmail(tenantEmails);
  for (const [email, found] of tenantLeads) if (found.length > 0) fail('no echo writes', `Buildium tenant ${email} became a platform lead`);
  const listings = hubspot.objects('0-420');
  for (const r of buildium.rentals()) {
    const mine = listings.filter((l) => l.properties.buildium_property_id === String(r.Id));
    if (mine.length === 0) lost.push(`listing of rental ${r.Id}`);
    if (mine.length > 1) duplicates.push(`listings of rental ${r.Id} ×${mine.length}`);
    if (mine[0] && mine[0].properties.name !== r.Name) fail('final values', `listing of rental ${r.Id}: ${mine[0].properties.name}, latest ${r.Name}`);
  }

  // Contacts nobody sent: neither there before, nor a lead, person, TurboTenant or Buildium record.
  const emergency = new Set(buildium.tenants().flatMap((t) => (t.EmergencyContact?.Email ? [t.EmergencyContact.Email.toLowerCase()] : [])));
  const known = new Set([...sent.leads.map((l) => l.email), ...sent.people.map((p) => p.email), ...sent.landlordEmails, ...sent.prospectEmails, ...tenantEmails]);
  for (const email of byEmail.keys()) if (!before.has(email) && !known.has(email) && !emergency.has(email)) fail('no contact nobody sent', email);

  // HubSpot webhooks: what was received was processed, skipped or failed, and nothing is left failed.
  const status = (await api('GET', '/integrations/hubspot/webhook-status')).body;
  const skippedSum = Object.values((status.skippedByReason ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
  if (status.totalReceived !== status.totalProcessed + status.totalSkipped + status.totalFailed) fail('counts add up', `webhook status ${JSON.stringify(status)}`);
  if (skippedSum !== status.totalSkipped) fail('counts add up', `skippedByReason sums to ${skippedSum}, totalSkipped ${status.totalSkipped}`);
  const depths = await queueDepths();
  for (const [id, d] of Object.entries(depths)) if (d.queue + d.dlq > 0) fail('queues empty', `${id}: ${JSON.stringify(d)}`);

  // What came in, and what was done to it.
  const requests = hubspot.requests();
  const fired = (sandbox: { activeFaults(): Array<{ kind: string; status?: number; fired: number }> }, kind: string) =>
    sandbox.activeFaults().filter((f) => f.kind === kind).reduce((n, f) => n + f.fired, 0);
  const pollerStats = [...stack.pollers.values()].map((p) => p.stats());
  const consumerEnvironments = stack.topology.consumers.map((c) => stack.executionEnvironments.get(c.function)!.stats());
  const killed = consumerEnvironments.reduce((n, s) => n + s.killed, 0);
  const webhookChaos = hubspot.webhookChaos();
  const eventChaos = turbotenant.eventChaos();
  return {
    eventsIn: {
      'platform leads (POST /leads, repeats included)': sent.leadPosts,
      'contacts created in HubSpot by a person': sent.people.length,
      'changes to them in HubSpot': sent.people.length * 2,
      'HubSpot webhook deliveries (attempts)': hubspot.webhookDeliveries().length,
      'HubSpot webhook events received': Number(status.totalReceived),
      'TurboTenant events': deliveredEvents.size,
      'Buildium records at the end': buildium.tenants().length + buildium.rentals().length + buildium.units().length + buildium.leases().length,
      'Buildium changes during and between the syncs': sent.buildiumChanges,
      'HubSpot API requests': requests.length,
    },
    faults: {
      'HubSpot 429 (injected)': fired(hubspot, 'rateLimit'),
      'HubSpot 500': fired(hubspot, 'status'),
      'HubSpot answers after the client timed out': fired(hubspot, 'slow'),
      'HubSpot connection resets': fired(hubspot, 'reset'),
      'HubSpot inputs refused': fired(hubspot, 'inputError'),
      'webhook deliveries duplicated': webhookChaos.duplicated,
      'webhook deliveries held back (out of order)': webhookChaos.delayed,
      'TurboTenant events duplicated': eventChaos.duplicated,
      'TurboTenant events held back (out of order)': eventChaos.delayed,
      'TurboTenant API 503': fired(turbotenant, 'status'),
      'Buildium 429': fired(buildium, 'rateLimit'),
      // A poller counts both kinds of crash; a kill is also an environment's.
      'consumer crashes after writing, before acknowledging': pollerStats.reduce((n, s) => n + s.crashes, 0) - killed,
      'consumer environments killed mid-invocation': killed,
    },
    environments: Object.fromEntries(
      stack.topology.consumers.map((c, i) => {
        const s = consumerEnvironments[i]!;
        return [c.function, `${s.environmentsStarted} started (at most ${c.maxConcurrency} at once), ${s.coldStarts} cold starts, ${s.invocations} invocations, ${s.killed} killed`];
      }),
    ),
    lost,
    duplicates,
    checks,
    resyncRounds,
    elapsedSeconds,
  };
}

function print(r: Report): void {
  const lines = [
    `chaos run (${FULL ? 'full size' : 'CI size'}, seed ${SEED}): ${r.elapsedSeconds.toFixed(0)} s, ${r.resyncRounds} resync round(s)`,
    'events in:',
    ...Object.entries(r.eventsIn).map(([k, v]) => `  ${k}: ${v}`),
    'faults injected:',
    ...Object.entries(r.faults).map(([k, v]) => `  ${k}: ${v}`),
    'consumers\' execution environments:',
    ...Object.entries(r.environments).map(([k, v]) => `  ${k}: ${v}`),
    `records lost: ${r.lost.length}${r.lost.length ? ` (${r.lost.slice(0, 10).join(', ')})` : ''}`,
    `duplicates: ${r.duplicates.length}${r.duplicates.length ? ` (${r.duplicates.slice(0, 10).join(', ')})` : ''}`,
    ...Object.entries(r.checks).map(([k, v]) => `failed check "${k}": ${v.length} (${v.slice(0, 5).join('; ')})`),
  ];
  console.log(lines.join('\n'));
}

describe(`chaos: every flow at once through faults (${FULL ? 'full size' : 'CI size'})`, () => {
  it('injected every kind of fault', () => {
    for (const [kind, count] of Object.entries(report.faults)) {
      // The small run has about 80 consumer invocations, and a 5% kill lands only while its
      // invocation still runs: it may see none (the full run kills about 20; unit and integration
      // tests kill on purpose). Killing more often in the small run kept it from settling in time.
      if (!FULL && kind === 'consumer environments killed mid-invocation') continue;
      expect(count, kind).toBeGreaterThan(0);
    }
  });

  it('lost nothing and duplicated nothing', () => {
    expect(report.lost).toEqual([]);
    expect(report.duplicates).toEqual([]);
  });

  it('left every lead SYNCED, or FAILED with the reason where HubSpot refuses the input', () => {
    expect(report.checks['platform leads SYNCED'] ?? []).toEqual([]);
    expect(report.checks['refused leads FAILED with the reason'] ?? []).toEqual([]);
  });

  it('wrote nothing because of an echo, and created no contact nobody sent', () => {
    expect(report.checks['no echo writes'] ?? []).toEqual([]);
    expect(report.checks['no contact nobody sent'] ?? []).toEqual([]);
  });

  it('left every record with the values of its latest change', () => {
    expect(report.checks['final values'] ?? []).toEqual([]);
  });

  it('completed every job and confirmed every event; the counts add up; the queues and DLQs are empty', () => {
    expect(report.checks['jobs completed'] ?? []).toEqual([]);
    expect(report.checks['TurboTenant events confirmed'] ?? []).toEqual([]);
    expect(report.checks['counts add up'] ?? []).toEqual([]);
    expect(report.checks['queues empty'] ?? []).toEqual([]);
  });
});
