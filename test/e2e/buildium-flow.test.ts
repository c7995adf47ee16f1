/**
 * Buildium → HubSpot through the local stack, as an operator, Buildium and a HubSpot user see it
 * (issue 5, seed 002): jobs opened with `POST /sync/buildium` and followed with
 * `GET /sync/jobs/{id}`, Buildium's signed webhooks on `POST /webhooks/buildium`, and what lands
 * in the HubSpot sandbox (contacts, listings, Unit objects, labeled associations). Only the
 * stack's HTTP API and the sandboxes' handles are used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackApi } from './support/stack-api.js';
import { signBuildium } from '../../functions/connectors/buildium/signature.js';
import type { BuildiumSandbox, TenantMessage } from '../../lib/local/sandboxes/buildium/index.js';
import type { HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';
import { SANDBOX_BUILDIUM_WEBHOOK_SECRET, SANDBOX_PORTAL_ID, startLocalStack, type LocalStack } from '../../lib/local/stack.js';

const SIZE = { properties: 4, unitsPerProperty: 3, tenants: 14, leases: 9 };
const UNIT = `p${SANDBOX_PORTAL_ID}_unit`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stack: LocalStack;
let hubspot: HubSpotSandbox;
let buildium: BuildiumSandbox;
let firstJob: Job;
const logLines: string[] = [];

type Json = Record<string, any>;
interface Job {
  jobId: string;
  mode: string;
  status: string;
  startedAt: string;
  completedAt: string | null;
  counts: { processed: number; created: number; updated: number; skipped: number; failed: number };
}

const api = stackApi(() => stack.apiUrl);

async function runJob(mode: 'full' | 'incremental'): Promise<Job> {
  const opened = await api('POST', '/sync/buildium', { mode });
  expect(opened.status).toBe(202);
  const jobId = opened.body.jobId as string;
  for (let i = 0; i < 600; i++) {
    const job = (await api('GET', `/sync/jobs/${jobId}`)).body as Job;
    if (job.status === 'completed' || job.status === 'failed') return job;
    await sleep(100);
  }
  throw new Error(`job ${jobId} did not finish`);
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const crmWrites = () => hubspot.requests().filter((r) => r.path.startsWith('/crm') && r.method !== 'GET' && !r.path.endsWith('/batch/read'));
const contactOf = (tenantId: number) => hubspot.contacts().find((c) => c.properties.buildium_tenant_id === String(tenantId));
const validTenant = (t: TenantMessage) => Boolean(t.Email && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(t.Email) && t.FirstName && t.LastName);
/** Seed 002 §5.3: one contact per email; the tenant with the lowest Id has it. */
function emailOwners(tenants: readonly TenantMessage[]): Map<string, number> {
  const owners = new Map<string, number>();
  for (const t of [...tenants].sort((a, b) => a.Id - b.Id)) if (validTenant(t) && !owners.has(t.Email!.toLowerCase())) owners.set(t.Email!.toLowerCase(), t.Id);
  return owners;
}

beforeAll(async () => {
  // Every log line of the stack (Powertools writes through the console), to show no personal data is logged.
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      logLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      if (level === 'error') original(...args);
    };
  }
  stack = await startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'DEBUG',
    hubspot: { webhooks: false },
    buildium: { seed: SIZE, webhooks: true, webhookRetryDelaysMs: [200, 500] },
  });
  hubspot = stack.hubspot.sandbox!;
  buildium = stack.buildium.sandbox!;
  firstJob = await runJob('full');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a full sync', () => {
  it('completes with every Buildium record counted once', () => {
    const records = SIZE.properties + SIZE.properties * SIZE.unitsPerProperty + SIZE.tenants + SIZE.leases;
    expect(firstJob.status).toBe('completed');
    expect(firstJob.mode).toBe('full');
    expect(firstJob.completedAt).not.toBeNull();
    const c = firstJob.counts;
    expect(c.processed).toBe(records);
    expect(c.created + c.updated + c.skipped + c.failed).toBe(c.processed);
  });

  it('makes one listing per rental property and one Unit object per unit, each unit associated with its listing', () => {
    const listings = hubspot.objects('0-420');
    expect(listings.map((l) => l.properties.buildium_property_id).sort()).toEqual(buildium.rentals().map((r) => String(r.Id)).sort());
    const rental = buildium.rentals()[0]!;
    const listing = listings.find((l) => l.properties.buildium_property_id === String(rental.Id))!;
    expect(listing.properties.name).toBe(rental.Name);
    const units = hubspot.objects(UNIT);
    expect(units).toHaveLength(SIZE.properties * SIZE.unitsPerProperty);
    const links = hubspot.associationsBetween(UNIT, '0-420');
    for (const unit of buildium.units()) {
      const object = units.find((u) => u.properties.buildium_unit_id === String(unit.Id))!;
      const listingOf = listings.find((l) => l.properties.buildium_property_id === String(unit.PropertyId))!;
      expect(links.some((a) => a.fromObjectId === object.id && a.toObjectId === listingOf.id)).toBe(true);
    }
  });

  it('makes one contact per valid tenant, marked as Buildium, and records invalid and duplicate tenants as errors', async () => {
    const tenants = buildium.tenants();
    const owners = emailOwners(tenants);
    const duplicates = tenants.filter((t) => validTenant(t) && owners.get(t.Email!.toLowerCase()) !== t.Id);
    expect(duplicates.length).toBeGreaterThan(0); // the seed shares one email between two tenants
    for (const t of tenants.filter((t) => validTenant(t) && !duplicates.includes(t))) {
      const contact = contactOf(t.Id);
      expect(contact?.properties.email).toBe(t.Email!.toLowerCase());
      expect(contact?.properties.lead_source_system).toBe('buildium');
      expect(contact?.properties.firstname).toBe(t.FirstName);
    }
    for (const t of duplicates) expect(contactOf(t.Id)).toBeUndefined();
    const errors = await api('GET', `/sync/jobs/${firstJob.jobId}/errors`);
    expect(errors.status).toBe(200);
    const invalid = tenants.filter((t) => !validTenant(t));
    expect(errors.body.quality.invalid).toBe(invalid.length);
    expect(errors.body.quality.duplicateEmails).toBe(duplicates.length);
    for (const t of [...invalid, ...duplicates]) {
      expect(errors.body.errors).toContainEqual(expect.objectContaining({ entity: 'tenant', sourceId: String(t.Id), errorType: 'validation_error', resolved: false }));
    }
  });

  it('labels each lease tenant on the unit: active for active leases, inactive otherwise', () => {
    const labeled = hubspot.associationsBetween('contacts', UNIT);
    const units = hubspot.objects(UNIT);
    for (const lease of buildium.leases()) {
      const unit = units.find((u) => u.properties.buildium_unit_id === String(lease.UnitId))!;
      for (const t of lease.Tenants ?? []) {
        const contact = contactOf(t.Id);
        if (!contact) continue;
        const labels = labeled.filter((a) => a.fromObjectId === contact.id && a.toObjectId === unit.id).map((a) => a.label);
        expect(labels).toContain(lease.LeaseStatus === 'Active' ? 'Active tenant' : 'Inactive tenant');
      }
    }
  });

  it("links each tenant's emergency contact to the tenant's contact", () => {
    const withEmergency = buildium.tenants().filter((t) => validTenant(t) && t.EmergencyContact?.Email && t.EmergencyContact.Email.toLowerCase() !== t.Email!.toLowerCase());
    expect(withEmergency.length).toBeGreaterThan(0);
    const links = hubspot.associationsBetween('contacts', 'contacts').filter((a) => a.label === 'Emergency contact');
    for (const t of withEmergency) {
      const tenant = contactOf(t.Id)!;
      const emergency = hubspot.contacts().find((c) => c.properties.email === t.EmergencyContact!.Email!.toLowerCase())!;
      expect(links.some((a) => a.fromObjectId === tenant.id && a.toObjectId === emergency.id)).toBe(true);
    }
  });

  it('never sends dates of birth or tax ids to HubSpot, and never logs them', () => {
    const tenants = buildium.tenants();
    const taxIds = tenants.map((t) => t.TaxId).filter((v): v is string => Boolean(v));
    const births = tenants.map((t) => t.DateOfBirth).filter((v): v is string => Boolean(v));
    expect(taxIds.length).toBeGreaterThan(0);
    for (const c of hubspot.contacts()) {
      expect(c.properties.date_of_birth ?? null).toBeNull();
      expect(c.properties.tax_id ?? null).toBeNull();
    }
    const logs = logLines.join('');
    expect(logs).toContain('Buildium');
    for (const value of [...taxIds, ...births]) expect(logs).not.toContain(value);
  });
});

describe('incremental syncs', () => {
  it('write nothing to HubSpot when nothing changed', async () => {
    hubspot.clearRequests();
    const job = await runJob('incremental');
    expect(job.status).toBe('completed');
    expect(crmWrites()).toHaveLength(0);
  });

  it('send one changed field as one small update, and pick up only what changed', async () => {
    const tenant = buildium.tenants().find(validTenant)!;
    const before = contactOf(tenant.Id)!;
    await sleep(1100); // Buildium's lastupdated filters have whole seconds.
    buildium.updateTenant(tenant.Id, { Comment: 'Moved to the corner unit' });
    await buildium.flushWebhooks();
    // The webhook syncs it within seconds...
    await waitFor('the webhook to update the contact', () => contactOf(tenant.Id)?.properties.buildium_comment === 'Moved to the corner unit');
    // ...and the incremental job that follows finds nothing left to write.
    hubspot.clearRequests();
    const job = await runJob('incremental');
    expect(job.status).toBe('completed');
    expect(crmWrites()).toHaveLength(0);
    const after = contactOf(tenant.Id)!;
    expect(after.id).toBe(before.id);
    expect(after.properties.email).toBe(before.properties.email);
  });

  it('move a lease tenant from active to inactive when the lease ends', async () => {
    const lease = buildium.leases().find((l) => l.LeaseStatus === 'Active' && (l.Tenants ?? []).some((t) => contactOf(t.Id)))!;
    buildium.updateLease(lease.Id, { LeaseStatus: 'Past' });
    await buildium.flushWebhooks();
    const unit = hubspot.objects(UNIT).find((u) => u.properties.buildium_unit_id === String(lease.UnitId))!;
    const contact = contactOf((lease.Tenants ?? []).find((t) => contactOf(t.Id))!.Id)!;
    await waitFor('the inactive label', () => {
      const labels = hubspot
        .associationsBetween('contacts', UNIT)
        .filter((a) => a.fromObjectId === contact.id && a.toObjectId === unit.id)
        .map((a) => a.label);
      return labels.includes('Inactive tenant') && !labels.includes('Active tenant');
    });
  });

  it('leave undated unit flags to the full reconcile, which catches them', async () => {
    const unit = buildium.units().find((u) => u.IsUnitListed === false)!;
    buildium.updateUnit(unit.Id, { IsUnitListed: true });
    const object = () => hubspot.objects(UNIT).find((u) => u.properties.buildium_unit_id === String(unit.Id))!;
    expect((await runJob('incremental')).status).toBe('completed');
    expect(object().properties.listing_status).toBe('unlisted');
    expect((await runJob('full')).status).toBe('completed');
    expect(object().properties.listing_status).toBe('listed');
  });
});

describe('the routes refuse bad input and change nothing', () => {
  it('answers 400 naming the field for a bad mode, 404 for an unknown job', async () => {
    const bad = await api('POST', '/sync/buildium', { mode: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('mode');
    expect((await api('GET', '/sync/jobs/no-such-job')).status).toBe(404);
  });

  it('answers a bare 401 to an unsigned or tampered Buildium webhook, and 200 to a signed one', async () => {
    const body = JSON.stringify({ EventName: 'LeaseTenant.Updated', EventDateTime: new Date().toISOString(), AccountId: 1, TenantId: buildium.tenants()[0]!.Id });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = signBuildium(SANDBOX_BUILDIUM_WEBHOOK_SECRET, ts, body);
    expect((await api('POST', '/webhooks/buildium', body)).status).toBe(401);
    const tampered = await api('POST', '/webhooks/buildium', body.replace('"AccountId":1', '"AccountId":2'), { 'buildium-webhook-timestamp': ts, 'buildium-webhook-signature': signature });
    expect(tampered.status).toBe(401);
    expect(tampered.body.error.code).toBe('unauthorized');
    const ok = await api('POST', '/webhooks/buildium', body, { 'buildium-webhook-timestamp': ts, 'buildium-webhook-signature': signature });
    expect(ok.status).toBe(200);
  });
});
