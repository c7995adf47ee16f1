/**
 * Tenants → contacts (issue 5 §2): new ones upserted by email (a tenant who is already a lead or a
 * landlord stays one person), known ones updated by id (so an email change follows the tenant);
 * each tenant's emergency contact → a contact with the label "Emergency contact" to the tenant's.
 * Tenants that fail validation (seed 002 §5.1) or share an email (§5.3) are sync errors, not sent.
 * A page reads its tenants' and emergency contacts' mappings once, claims the new tenants' emails
 * once, then writes.
 */
import { emailClaimKey, syncHashOf } from './buildium-change-detection.js';
import { readPageMappings } from './buildium-links.js';
import { effectiveMapping, mapRecord, validateContact } from './buildium-mapping.js';
import { keepToDeadline, withMapping, writeLinked, writeObjects, type Candidate, type LinkPair } from './buildium-object-writes.js';
import { PageReportBuilder } from './buildium-page-report.js';
import { mappingRefKey, type BuildiumMapping, type MappingWrite, type PageReport, type RecordDeps, type TenantRecord } from './buildium-ports.js';

export async function syncTenants(records: readonly TenantRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new PageReportBuilder(records.length);
  const rows = effectiveMapping('tenant', deps.config.overrides);
  const byEmail = new Map<string, string>();
  const valid: Array<Omit<Candidate, 'mapping'>> = [];
  for (const r of [...records].sort((a, b) => a.Id - b.Id)) {
    const sourceId = String(r.Id);
    const properties: Record<string, string> = { ...mapRecord(r, rows), buildium_tenant_id: sourceId, lead_source_system: 'buildium' };
    const issues = validateContact(properties);
    if (issues.length > 0) {
      report.invalid += 1;
      report.count('failed');
      report.error('tenant', sourceId, 'validation_error', issues.map((i) => `${i.field}: ${i.message}`).join('; '));
      continue;
    }
    const email = properties.email!;
    const first = byEmail.get(email);
    if (first !== undefined) {
      // Seed 002 §5.3: a duplicate by email. HubSpot keeps one contact per email; the first tenant has it.
      duplicate(report, sourceId, first);
      continue;
    }
    byEmail.set(email, sourceId);
    valid.push({ sourceId, key: email, properties, hash: syncHashOf(properties), extra: {} });
  }
  if (valid.length === 0) return report.done();

  keepToDeadline(deps);
  const withEmergency = records.filter((t) => t.EmergencyContact?.Email).map((t) => String(t.Id));
  const { known } = await readPageMappings(
    [...valid.map((c) => ({ type: 'tenant' as const, sourceId: c.sourceId })), ...withEmergency.map((id) => ({ type: 'emergency-contact' as const, sourceId: id }))],
    [],
    deps,
  );
  const prepared: Candidate[] = valid.map((c) => ({ ...c, ...withMapping(known.get(mappingRefKey('tenant', c.sourceId))) }));
  // Across pages and jobs: a new tenant whose email another tenant's contact holds is a duplicate
  // too. Claimed before the upsert, which would otherwise write over that contact.
  const fresh = prepared.filter((c) => !c.mapping);
  const owners = fresh.length > 0 ? await deps.mappings.claim('tenant-email', fresh.map((c) => ({ key: emailClaimKey(c.key), owner: c.sourceId }))) : new Map<string, string>();
  const candidates = prepared.filter((c) => {
    const owner = c.mapping ? undefined : owners.get(emailClaimKey(c.key));
    if (owner === undefined || owner === c.sourceId) return true;
    duplicate(report, c.sourceId, owner);
    return false;
  });
  const outcomes = await writeObjects({ type: 'tenant', objectType: 'contacts', idProperty: 'email' }, candidates, deps, report);
  for (const c of candidates) report.count(outcomes.get(c.sourceId)?.outcome ?? 'skipped');

  // Emergency contacts, once their tenant's contact exists.
  const tenantContacts = new Map<string, string>();
  for (const c of candidates) {
    const id = outcomes.get(c.sourceId)?.hubspotId;
    if (id) tenantContacts.set(c.sourceId, id);
  }
  await syncEmergencyContacts(records, tenantContacts, byEmail, known, deps, report);
  return report.done();
}

function duplicate(report: PageReportBuilder, sourceId: string, owner: string): void {
  report.duplicateEmails += 1;
  report.count('failed');
  report.error('tenant', sourceId, 'validation_error', `email: shared with tenant ${owner}; HubSpot keeps one contact per email`);
}

async function syncEmergencyContacts(
  tenants: readonly TenantRecord[],
  tenantContacts: ReadonlyMap<string, string>,
  tenantEmails: ReadonlyMap<string, string>,
  known: ReadonlyMap<string, BuildiumMapping>,
  deps: RecordDeps,
  report: PageReportBuilder,
): Promise<void> {
  const withContact = tenants.filter((t) => tenantContacts.has(String(t.Id)) && t.EmergencyContact?.Email);
  if (withContact.length === 0) return;
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const t of withContact) {
    const ec = t.EmergencyContact!;
    const email = ec.Email!.trim().toLowerCase();
    // Their own email, another tenant's, or one already in this page: that contact exists already.
    if (tenantEmails.has(email) || seen.has(email) || validateContact({ email, firstname: 'x', lastname: 'x' }).length > 0) continue;
    seen.add(email);
    const [firstname, ...rest] = (ec.Name ?? '').trim().split(/\s+/);
    const properties: Record<string, string> = { email, lead_source_system: 'buildium' };
    if (firstname) properties.firstname = firstname;
    if (rest.length > 0) properties.lastname = rest.join(' ');
    if (ec.Phone?.trim()) properties.phone = ec.Phone.trim();
    const tenantContact = tenantContacts.get(String(t.Id))!;
    const mapping = known.get(mappingRefKey('emergency-contact', String(t.Id)));
    candidates.push({ sourceId: String(t.Id), key: email, properties, hash: syncHashOf({ ...properties, '@tenant': tenantContact }), ...withMapping(mapping), extra: { linkedTo: tenantContact } });
  }
  // Upserted by email: an emergency contact is often someone already in the CRM.
  keepToDeadline(deps);
  const deferred: MappingWrite[] = [];
  const outcomes = await writeObjects({ type: 'emergency-contact', objectType: 'contacts', idProperty: 'email' }, candidates, deps, report, deferred);
  const pairs: LinkPair[] = [];
  for (const c of candidates) {
    const o = outcomes.get(c.sourceId);
    const relink = c.mapping?.extra.linkedTo !== c.extra?.linkedTo || c.mapping?.hubspotId !== o?.hubspotId;
    if (o?.hubspotId && o.outcome !== 'failed' && relink) pairs.push({ fromId: c.extra!.linkedTo!, toId: o.hubspotId, candidate: c });
  }
  keepToDeadline(deps);
  const refused = await deps.hubspot.associateLabeled('contacts', 'contacts', 'emergency_contact', pairs);
  await writeLinked('emergency-contact', 'contacts', deferred, refused as Map<LinkPair, string>, deps, report);
}
