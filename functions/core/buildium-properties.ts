/**
 * Rental properties → Listings (`0-420`), upserted by `buildium_property_id`; units → the Unit
 * custom object, upserted by `buildium_unit_id`, each associated with its property's listing
 * (issue 5 §2). Each page is read once (its mappings and its units' listings), written to HubSpot
 * 100 records per call, and its mappings written behind the calls.
 */
import { syncHashOf } from './buildium-change-detection.js';
import { readPageMappings } from './buildium-links.js';
import { effectiveMapping, mapRecord } from './buildium-mapping.js';
import { keepToDeadline, withMapping, writeLinked, writeObjects, type Candidate, type LinkPair, type ObjectSpec } from './buildium-object-writes.js';
import { PageReportBuilder } from './buildium-page-report.js';
import { mappingRefKey, type MappingWrite, type PageReport, type RecordDeps, type RentalRecord, type UnitRecord } from './buildium-ports.js';

export const LISTING_OBJECT = '0-420';

export async function syncRentals(records: readonly RentalRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new PageReportBuilder(records.length);
  const rows = effectiveMapping('property', deps.config.overrides);
  const spec: ObjectSpec = { type: 'property', objectType: LISTING_OBJECT, idProperty: 'buildium_property_id' };
  if (records.length > 0) keepToDeadline(deps);
  const { known } = await readPageMappings(records.map((r) => ({ type: 'property', sourceId: String(r.Id) })), [], deps);
  const candidates: Candidate[] = records.map((r) => {
    const properties = { ...mapRecord(r, rows), buildium_property_id: String(r.Id) };
    return { sourceId: String(r.Id), key: String(r.Id), properties, hash: syncHashOf(properties), ...withMapping(known.get(mappingRefKey('property', String(r.Id)))) };
  });
  const outcomes = await writeObjects(spec, candidates, deps, report);
  for (const c of candidates) report.count(outcomes.get(c.sourceId)?.outcome ?? 'skipped');
  return report.done();
}

export async function syncUnits(records: readonly UnitRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new PageReportBuilder(records.length);
  const rows = effectiveMapping('unit', deps.config.overrides);
  const propertyOf = new Map(records.map((r) => [String(r.Id), r.PropertyId]));
  const spec: ObjectSpec = { type: 'unit', objectType: deps.unitObjectType, idProperty: 'buildium_unit_id' };
  if (records.length > 0) keepToDeadline(deps);
  const { known, links } = await readPageMappings(
    records.map((r) => ({ type: 'unit', sourceId: String(r.Id) })),
    records.map((r) => ({ type: 'property', sourceId: String(r.PropertyId) })),
    deps,
  );
  const candidates: Candidate[] = records.map((r) => {
    const properties = { ...mapRecord(r, rows), buildium_unit_id: String(r.Id) };
    const listing = links.get(mappingRefKey('property', String(r.PropertyId)));
    // The listing is part of the hash, so a unit whose listing appears later is written (and associated) again.
    return { sourceId: String(r.Id), key: String(r.Id), properties, hash: syncHashOf({ ...properties, '@listing': listing ?? '' }), ...withMapping(known.get(mappingRefKey('unit', String(r.Id)))), extra: listing ? { linkedTo: listing } : {} };
  });
  const deferred: MappingWrite[] = [];
  const outcomes = await writeObjects(spec, candidates, deps, report, deferred);

  // Unit ↔ listing: for every unit in HubSpot whose listing is new to it (created, moved, or its
  // listing has only now appeared).
  const pairs: LinkPair[] = [];
  for (const c of candidates) {
    const o = outcomes.get(c.sourceId);
    if (!o?.hubspotId || o.outcome === 'failed') continue;
    const listing = c.extra?.linkedTo;
    if (!listing) {
      report.error('unit', c.sourceId, 'mapping_error', `rental property ${propertyOf.get(c.sourceId)} is not in HubSpot yet; the unit is associated with its listing once it is`);
      continue;
    }
    // A new link, or a unit HubSpot lost and that was written again under a new id.
    if (c.mapping?.extra.linkedTo !== listing || c.mapping.hubspotId !== o.hubspotId) pairs.push({ fromId: o.hubspotId, toId: listing, candidate: c });
  }
  keepToDeadline(deps);
  const refused = await deps.hubspot.associateDefault(deps.unitObjectType, LISTING_OBJECT, pairs);
  await writeLinked('unit', deps.unitObjectType, deferred, refused as Map<LinkPair, string>, deps, report);
  for (const c of candidates) report.count(outcomes.get(c.sourceId)?.outcome ?? 'skipped');
  return report.done();
}
