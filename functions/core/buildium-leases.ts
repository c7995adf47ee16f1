/**
 * Leases → associations between each tenant's contact and the unit, labeled "Active tenant" or
 * "Inactive tenant" from the lease status (issue 5 §2). A page reads its leases' mappings and the
 * HubSpot ids of their units and tenants once; a label comes off only if no other lease of the
 * unit still wants it.
 */
import { syncHashOf } from './buildium-change-detection.js';
import { readPageMappings } from './buildium-links.js';
import { keepToDeadline, withMapping } from './buildium-object-writes.js';
import { PageReportBuilder } from './buildium-page-report.js';
import { mappingRefKey, type AssociationPair, type BuildiumMapping, type LabelName, type LeasePair, type LeaseRecord, type MappingWrite, type PageReport, type RecordDeps } from './buildium-ports.js';

/** The label a lease gives its tenants' contacts on the unit. */
function leaseLabel(status: string): LabelName {
  return status === 'Active' ? 'active_tenant' : 'inactive_tenant';
}

interface Plan {
  lease: LeaseRecord;
  desired: LeasePair[];
  missing: string[];
  hash: string;
  mapping?: BuildiumMapping;
}

export async function syncLeases(records: readonly LeaseRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new PageReportBuilder(records.length);
  const tenantIds = [...new Set(records.flatMap((l) => (l.Tenants ?? []).map((t) => String(t.Id))))];
  const { known, links } = await readPageMappings(
    records.map((l) => ({ type: 'lease', sourceId: String(l.Id) })),
    [...records.map((l) => ({ type: 'unit' as const, sourceId: String(l.UnitId) })), ...tenantIds.map((id) => ({ type: 'tenant' as const, sourceId: id }))],
    deps,
  );

  const plans: Plan[] = [];
  for (const lease of records) {
    const unit = links.get(mappingRefKey('unit', String(lease.UnitId)));
    const label = leaseLabel(lease.LeaseStatus);
    const missing: string[] = [];
    if (!unit) missing.push(`unit ${lease.UnitId}`);
    const desired: LeasePair[] = [];
    for (const t of lease.Tenants ?? []) {
      const contact = links.get(mappingRefKey('tenant', String(t.Id)));
      if (!contact) missing.push(`tenant ${t.Id}`);
      else if (unit) desired.push({ contactId: contact, unitId: unit, label });
    }
    const hash = syncHashOf({ pairs: JSON.stringify(desired.map(pairKey).sort()), missing: missing.join(',') });
    plans.push({ lease, desired, missing, hash, ...withMapping(known.get(mappingRefKey('lease', String(lease.Id)))) });
  }

  const changed = plans.filter((p) => deps.force || p.missing.length > 0 || p.mapping?.syncHash !== p.hash);
  for (const p of plans) if (!changed.includes(p)) report.count('skipped');
  const add = new Map<LabelName, Array<AssociationPair & { plan: Plan }>>();
  const remove = new Map<LabelName, Array<AssociationPair & { plan: Plan }>>();
  for (const p of changed) {
    const before = new Set((p.mapping?.extra.pairs ?? []).map(pairKey));
    const after = new Set(p.desired.map(pairKey));
    for (const pair of p.desired) if (!before.has(pairKey(pair)) || deps.force) push(add, pair.label, { fromId: pair.contactId, toId: pair.unitId, plan: p });
    for (const pair of p.mapping?.extra.pairs ?? []) if (!after.has(pairKey(pair))) push(remove, pair.label, { fromId: pair.contactId, toId: pair.unitId, plan: p });
  }
  keepToDeadline(deps);
  await keepLabelsOtherLeasesWant(remove, deps);
  const refusedPlans = new Map<Plan, string>();
  for (const [label, pairs] of remove) {
    for (const [pair, reason] of await deps.hubspot.removeLabel('contacts', deps.unitObjectType, label, pairs)) refusedPlans.set((pair as (typeof pairs)[number]).plan, reason);
  }
  for (const [label, pairs] of add) {
    for (const [pair, reason] of await deps.hubspot.associateLabeled('contacts', deps.unitObjectType, label, pairs)) refusedPlans.set((pair as (typeof pairs)[number]).plan, reason);
  }

  const writes: MappingWrite[] = [];
  for (const p of changed) {
    const sourceId = String(p.lease.Id);
    const refused = refusedPlans.get(p);
    if (refused !== undefined) {
      report.count('failed');
      report.error('lease', sourceId, 'api_error', `association refused: ${refused}`);
      continue;
    }
    if (p.missing.length > 0) report.error('lease', sourceId, 'mapping_error', `not in HubSpot yet: ${p.missing.join(', ')}; associated once they are`);
    report.count(p.desired.length === 0 && p.missing.length > 0 ? 'failed' : p.mapping ? 'updated' : 'created');
    if (p.desired.length > 0) report.audit.push({ entity: 'lease', sourceId, action: 'associate', hubspotId: p.desired[0]!.unitId, fields: [...new Set(p.desired.map((d) => d.label))] });
    writes.push({
      sourceId,
      hubspotType: deps.unitObjectType,
      hubspotId: p.desired[0]?.unitId ?? p.mapping?.hubspotId ?? '',
      // A lease with parts missing never matches, so the next sync tries again.
      syncHash: p.missing.length > 0 ? `incomplete:${p.hash}` : p.hash,
      extra: { pairs: p.desired },
      expectedVersion: p.mapping?.version ?? 0,
    });
  }
  if (writes.length > 0) await deps.mappings.putMany('lease', writes);
  return report.done();
}

/**
 * A label comes off a contact ↔ unit pair only if no other lease of that unit still wants it (a
 * renewal's Active lease beside the old Past one, whichever is synced first).
 */
async function keepLabelsOtherLeasesWant(remove: Map<LabelName, Array<AssociationPair & { plan: { lease: LeaseRecord } }>>, deps: RecordDeps): Promise<void> {
  const wantedByUnit = new Map<string, Promise<Map<string, Set<string>>>>();
  const wanted = (unitId: string) => {
    let found = wantedByUnit.get(unitId);
    if (!found) {
      found = deps.mappings.byHubSpotObject('lease', deps.unitObjectType, unitId).then((leases) => {
        const byPair = new Map<string, Set<string>>();
        for (const l of leases) for (const p of l.extra.pairs ?? []) {
          const key = pairKey(p);
          byPair.set(key, (byPair.get(key) ?? new Set()).add(l.sourceId));
        }
        return byPair;
      });
      wantedByUnit.set(unitId, found);
    }
    return found;
  };
  for (const [label, pairs] of remove) {
    const keep: typeof pairs = [];
    for (const pair of pairs) {
      const others = (await wanted(pair.toId)).get(pairKey({ contactId: pair.fromId, unitId: pair.toId, label }));
      if (others && [...others].some((id) => id !== String(pair.plan.lease.Id))) continue;
      keep.push(pair);
    }
    remove.set(label, keep);
  }
}

function pairKey(p: LeasePair): string {
  return `${p.contactId}|${p.unitId}|${p.label}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
