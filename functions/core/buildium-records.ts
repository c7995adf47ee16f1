/**
 * Buildium records → HubSpot (issue 5 §2, §3): one page of one Buildium listing at a time.
 *
 * - Rental properties → Listings (`0-420`), upserted by `buildium_property_id`.
 * - Units → the Unit custom object, upserted by `buildium_unit_id`, each associated with its
 *   property's listing.
 * - Tenants → contacts: new ones upserted by email (a tenant who is already a lead or a landlord
 *   stays one person), known ones updated by id (so an email change follows the tenant); each
 *   tenant's emergency contact → a contact with the label "Emergency contact" to the tenant's.
 * - Leases → associations between each tenant's contact and the unit, labeled "Active tenant"
 *   or "Inactive tenant" from the lease status.
 *
 * Change detection: every record's mapped properties are hashed; a record whose hash equals its
 * mapping's is skipped without a HubSpot call. A known record sends only the fields that changed
 * (a field Buildium cleared is sent empty), so one changed field is one small update and fields
 * HubSpot users edit that Buildium did not change are left alone. Per-field hashes of what was
 * last written (never the values: they may be personal data) let the conflict strategies see
 * which fields HubSpot changed since.
 *
 * Records that fail validation (seed 002 §5.1) are recorded as sync errors and not sent. Every
 * write is at most 100 records per call; mappings are written after each call (conditional on
 * their version), so an interrupted page resumes without writing anything twice.
 */
import { createHash } from 'node:crypto';
import { DeadlineError } from './errors.js';
import {
  effectiveMapping,
  mapRecord,
  validateContact,
  type BuildiumEntity,
  type FieldMappingOverride,
} from './buildium-mapping.js';

export type LabelName = 'active_tenant' | 'inactive_tenant' | 'emergency_contact';
export interface AssociationPair {
  readonly fromId: string;
  readonly toId: string;
}
export interface ObjectWriteResult {
  /** By the input's key (upsert) or HubSpot id (update). */
  readonly written: Map<string, { id: string; created: boolean }>;
  readonly rejected: Map<string, string>;
}

/** HubSpot's CRM as this sync needs it (connectors/hubspot/objects.ts). */
export interface HubSpotObjects {
  upsert(objectType: string, idProperty: string, inputs: readonly { key: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult>;
  update(objectType: string, inputs: readonly { id: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult>;
  read(objectType: string, ids: readonly string[], properties: readonly string[]): Promise<Map<string, Record<string, string | null>>>;
  associateDefault(from: string, to: string, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>>;
  associateLabeled(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>>;
  removeLabel(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>>;
}

/** Mapping types on the mapping table (system `buildium`). */
export type MappingType = 'property' | 'unit' | 'tenant' | 'emergency-contact' | 'lease' | 'tenant-email';

export interface BuildiumMapping {
  readonly sourceId: string;
  readonly hubspotType: string;
  readonly hubspotId: string;
  readonly syncHash: string;
  readonly version: number;
  readonly extra: MappingExtra;
}

export interface MappingExtra {
  /** Short hashes of each property's last written value. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Units: the listing the unit is associated with. Emergency contacts: the tenant's contact. */
  readonly linkedTo?: string;
  /** Leases: the labeled contact ↔ unit pairs written. */
  readonly pairs?: readonly LeasePair[];
}

export interface LeasePair {
  readonly contactId: string;
  readonly unitId: string;
  readonly label: LabelName;
}

export interface MappingWrite {
  readonly sourceId: string;
  readonly hubspotType: string;
  readonly hubspotId: string;
  readonly syncHash: string;
  readonly extra: MappingExtra;
  /** The version read (0: none existed). */
  readonly expectedVersion: number;
}

export interface BuildiumMappings {
  getMany(type: MappingType, sourceIds: readonly string[]): Promise<Map<string, BuildiumMapping>>;
  /** The mappings of one type that point at a HubSpot object (the leases of a unit). */
  byHubSpotObject(type: MappingType, hubspotType: string, hubspotId: string): Promise<BuildiumMapping[]>;
  /**
   * Claims each key (a tenant's email) for an owner (the tenant's id) unless another owner holds
   * it; answers every key's owner after the claim.
   */
  claim(type: 'tenant-email', claims: readonly { key: string; owner: string }[]): Promise<Map<string, string>>;
  /** Conditional on each expected version; returns the source ids someone else wrote first. */
  putMany(type: MappingType, writes: readonly MappingWrite[]): Promise<string[]>;
}

export type ConflictStrategy = 'buildium_wins' | 'hubspot_wins' | 'manual_review' | 'merge_fields';

/** Configuration applied without a deploy (stored in the sync-state table, validated with zod). */
export interface SyncConfig {
  readonly overrides: readonly FieldMappingOverride[];
  readonly conflictStrategy: ConflictStrategy;
  /** merge_fields: per HubSpot property, who wins when both sides changed it (default `source`). */
  readonly mergeFields: Readonly<Record<string, 'source' | 'target'>>;
}

export interface ReviewItem {
  readonly entity: MappingType;
  readonly sourceId: string;
  readonly hubspotType: string;
  readonly hubspotId: string;
  /** The properties both sides changed (names only; the values are in Buildium and HubSpot). */
  readonly fields: readonly string[];
}

export interface SyncErrorRecord {
  readonly entity: string;
  readonly sourceId: string;
  readonly errorType: 'validation_error' | 'api_error' | 'mapping_error' | 'misconfigured';
  readonly reason: string;
}

export interface AuditChange {
  readonly entity: MappingType;
  readonly sourceId: string;
  readonly action: 'create' | 'update' | 'associate';
  readonly hubspotId: string;
  /** Property names written (values are not kept: they may be personal data). */
  readonly fields: readonly string[];
}

export type Outcome = 'created' | 'updated' | 'skipped' | 'failed';

export interface PageReport {
  readonly processed: number;
  readonly created: number;
  readonly updated: number;
  readonly skipped: number;
  readonly failed: number;
  readonly invalid: number;
  readonly duplicateEmails: number;
  readonly errors: SyncErrorRecord[];
  readonly audit: AuditChange[];
  readonly reviews: ReviewItem[];
}

export interface RecordDeps {
  readonly hubspot: HubSpotObjects;
  readonly mappings: BuildiumMappings;
  readonly config: SyncConfig;
  /** The Unit custom object's type as the objects API takes it (`p<portalId>_unit` or `2-…`). */
  readonly unitObjectType: string;
  /** Records to write whatever their hash says (a manual review resolved for Buildium, a forced resync). */
  readonly force?: boolean;
  /**
   * HubSpot ids of records this process wrote or read lately (a listing for its units, a unit and
   * tenants for their leases), so a job's later phases do not read back what its earlier phases
   * just wrote. Entries live LINK_TTL_MS; a stale one costs at most a refused association, which
   * is recorded and tried again.
   */
  readonly links?: LinkCache;
  readonly clock?: () => number;
  /** Time left in this invocation (Lambda's getRemainingTimeInMillis); absent: no deadline. */
  readonly remainingMs?: () => number;
}

/**
 * Work a page does not start with less than this left: one HubSpot call's wait for a slot and
 * its timeout (connectors/hubspot/objects.ts, 10 s each), and the mapping writes after it.
 */
export const WORK_RESERVE_MS = 25_000;

/** Throws DeadlineError (the page is handed back, not failed) rather than start HubSpot work that could outlast the invocation. */
function keepToDeadline(deps: RecordDeps): void {
  const left = deps.remainingMs?.();
  if (left !== undefined && left < WORK_RESERVE_MS) throw new DeadlineError(`${left} ms left in the invocation; the rest of the page is handed back`);
}

export type LinkCache = Map<string, { readonly hubspotId: string; readonly at: number }>;
export const LINK_TTL_MS = 10 * 60 * 1000;
/** Bounded: a process keeps at most this many links (oldest dropped first). */
const LINK_CACHE_MAX = 200_000;

/** HubSpot ids by source id: from the link cache where fresh, the mapping table for the rest. */
async function linkedIds(type: MappingType, sourceIds: readonly string[], deps: RecordDeps): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const now = (deps.clock ?? Date.now)();
  const missing: string[] = [];
  for (const id of new Set(sourceIds)) {
    const hit = deps.links?.get(`${type}#${id}`);
    if (hit && now - hit.at < LINK_TTL_MS) out.set(id, hit.hubspotId);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const read = await deps.mappings.getMany(type, missing);
    for (const [id, m] of read) {
      if (!m.hubspotId) continue;
      out.set(id, m.hubspotId);
      remember(type, id, m.hubspotId, deps);
    }
  }
  return out;
}

function remember(type: MappingType, sourceId: string, hubspotId: string, deps: RecordDeps): void {
  const links = deps.links;
  if (!links || !hubspotId) return;
  const key = `${type}#${sourceId}`;
  links.delete(key);
  links.set(key, { hubspotId, at: (deps.clock ?? Date.now)() });
  if (links.size > LINK_CACHE_MAX) links.delete(links.keys().next().value!);
}

export const LISTING_OBJECT = '0-420';
const BATCH = 100;

// ---------------------------------------------------------------- hashing

function digest(value: string, length: number): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, length);
}

export function hashProperties(properties: Readonly<Record<string, string>>): string {
  return digest(JSON.stringify(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : 1))), 32);
}

function fieldHashes(properties: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, digest(v, 12)]));
}

/** The fields of `next` that differ from what was last written, and fields since cleared (sent empty). */
export function changedFields(next: Readonly<Record<string, string>>, written: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (!written) return { ...next };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(next)) if (written[k] !== digest(v, 12)) out[k] = v;
  for (const k of Object.keys(written)) if (!(k in next)) out[k] = '';
  return out;
}

// ---------------------------------------------------------------- the generic object write

interface Candidate {
  readonly sourceId: string;
  /** Upsert key (the unique property's value, or the email for new contacts). */
  readonly key: string;
  readonly properties: Record<string, string>;
  readonly hash: string;
  readonly mapping?: BuildiumMapping;
  readonly extra?: MappingExtra;
}

interface ObjectSpec {
  readonly type: MappingType;
  readonly objectType: string;
  /** Unique property for upserts of new records; known ones are updated by their HubSpot id. */
  readonly idProperty: string;
}

interface WriteOutcome {
  readonly outcome: Outcome;
  readonly hubspotId?: string;
}

class Report {
  processed = 0;
  created = 0;
  updated = 0;
  skipped = 0;
  failed = 0;
  invalid = 0;
  duplicateEmails = 0;
  readonly errors: SyncErrorRecord[] = [];
  readonly audit: AuditChange[] = [];
  readonly reviews: ReviewItem[] = [];

  count(outcome: Outcome): void {
    this[outcome] += 1;
  }

  error(entity: string, sourceId: string, errorType: SyncErrorRecord['errorType'], reason: string): void {
    this.errors.push({ entity, sourceId, errorType, reason });
  }

  done(): PageReport {
    const { processed, created, updated, skipped, failed, invalid, duplicateEmails, errors, audit, reviews } = this;
    return { processed, created, updated, skipped, failed, invalid, duplicateEmails, errors, audit, reviews };
  }
}

/**
 * Writes the candidates that changed, 100 per call, applying the conflict strategy to known ones;
 * writes their mappings after each call. Returns each candidate's outcome by source id.
 */
/**
 * `defer`: collect the mapping writes instead of making them, for records whose links are made
 * after them (units, emergency contacts): a mapping is written only once its record's link is,
 * so a failure in between leaves the record unmapped and the next try makes the link.
 */
async function writeObjects(
  spec: ObjectSpec,
  candidates: readonly Candidate[],
  deps: RecordDeps,
  report: Report,
  defer?: MappingWrite[],
): Promise<Map<string, WriteOutcome>> {
  const outcomes = new Map<string, WriteOutcome>();
  const pending: Candidate[] = [];
  for (const c of candidates) {
    if (!deps.force && c.mapping && c.mapping.syncHash === c.hash) outcomes.set(c.sourceId, { outcome: 'skipped', hubspotId: c.mapping.hubspotId });
    else pending.push(c);
  }
  const known = pending.filter((c) => c.mapping);
  const fresh = pending.filter((c) => !c.mapping);
  const { sends, unchanged } = await resolveConflicts(spec, known, deps, report, outcomes);
  const writes: Promise<void>[] = [record(unchanged.map((c) => ({ c, id: c.mapping!.hubspotId, created: false, sent: {} })), false)];

  for (let i = 0; i < sends.length; i += BATCH) {
    const chunk = sends.slice(i, i + BATCH);
    const result = await deps.hubspot.update(spec.objectType, chunk.map((s) => ({ id: s.candidate.mapping!.hubspotId, properties: s.send })));
    const settled: Array<{ c: Candidate; id: string; created: boolean; sent: Record<string, string> }> = [];
    const lost: Candidate[] = [];
    for (const s of chunk) {
      const id = s.candidate.mapping!.hubspotId;
      if (result.written.has(id)) settled.push({ c: s.candidate, id, created: false, sent: s.send });
      else if (/not.?found|does not exist/i.test(result.rejected.get(id) ?? '')) lost.push(s.candidate);
      else fail(s.candidate, result.rejected.get(id) ?? 'HubSpot refused the update');
    }
    // A known record deleted in HubSpot is written again as new.
    fresh.push(...lost.map((c) => ({ ...c, mapping: { ...c.mapping!, hubspotId: '' } })));
    writes.push(record(settled));
  }

  for (let i = 0; i < fresh.length; i += BATCH) {
    const chunk = fresh.slice(i, i + BATCH);
    const result = await deps.hubspot.upsert(spec.objectType, spec.idProperty, chunk.map((c) => ({ key: c.key, properties: c.properties })));
    const settled: Array<{ c: Candidate; id: string; created: boolean; sent: Record<string, string> }> = [];
    for (const c of chunk) {
      const w = result.written.get(c.key);
      if (w) settled.push({ c, id: w.id, created: w.created || !c.mapping, sent: c.properties });
      else fail(c, result.rejected.get(c.key) ?? 'HubSpot returned no result');
    }
    writes.push(record(settled));
  }
  await Promise.all(writes);
  return outcomes;

  function fail(c: Candidate, reason: string): void {
    outcomes.set(c.sourceId, { outcome: 'failed' });
    report.error(spec.type, c.sourceId, 'api_error', reason);
  }

  async function record(settled: Array<{ c: Candidate; id: string; created: boolean; sent: Record<string, string> }>, written = true): Promise<void> {
    if (settled.length === 0) return;
    for (const s of settled) remember(spec.type, s.c.sourceId, s.id, deps);
    for (const s of written ? settled : []) {
      outcomes.set(s.c.sourceId, { outcome: s.created ? 'created' : 'updated', hubspotId: s.id });
      report.audit.push({ entity: spec.type, sourceId: s.c.sourceId, action: s.created ? 'create' : 'update', hubspotId: s.id, fields: Object.keys(s.sent).sort() });
    }
    const writes = settled.map((s) => ({
      sourceId: s.c.sourceId,
      hubspotType: spec.objectType,
      hubspotId: s.id,
      // Fields HubSpot kept (a conflict it won) keep HubSpot's hash, so they are not flagged again.
      syncHash: s.c.hash,
      extra: { ...s.c.extra, fields: { ...fieldHashes(s.c.properties), ...keptFields(s.c, s.sent) } },
      expectedVersion: s.c.mapping?.version ?? 0,
    }));
    if (defer) {
      defer.push(...writes);
      return;
    }
    const stale = await deps.mappings.putMany(spec.type, writes);
    // Another consumer wrote these first (a duplicate delivery): both wrote the same record by its key.
    if (stale.length > 0) report.error(spec.type, stale.join(','), 'mapping_error', `mapping written concurrently for ${stale.length} record(s); the next sync compares again`);
  }
}

/** The fields a known candidate did not send because HubSpot's value won: their old hashes stay. */
function keptFields(c: Candidate, sent: Readonly<Record<string, string>>): Record<string, string> {
  const old = c.mapping?.extra.fields ?? {};
  const out: Record<string, string> = {};
  const wanted = changedFields(c.properties, c.mapping?.extra.fields);
  for (const k of Object.keys(wanted)) if (!(k in sent) && old[k] !== undefined) out[k] = old[k];
  return out;
}

/**
 * Known records: what to send under the conflict strategy. buildium_wins sends every changed field
 * without reading HubSpot; the others read the records (100 per call) to see which fields HubSpot
 * changed since our last write.
 */
async function resolveConflicts(
  spec: ObjectSpec,
  known: readonly Candidate[],
  deps: RecordDeps,
  report: Report,
  outcomes: Map<string, WriteOutcome>,
): Promise<{ sends: Array<{ candidate: Candidate; send: Record<string, string> }>; unchanged: Candidate[] }> {
  const wanted = known.map((c) => ({ candidate: c, send: changedFields(c.properties, c.mapping!.extra.fields) }));
  const strategy = deps.force ? 'buildium_wins' : deps.config.conflictStrategy;
  if (strategy === 'buildium_wins' || wanted.length === 0) return filterEmpty(wanted);
  const props = [...new Set(wanted.flatMap((w) => Object.keys(w.send)))];
  const current = await deps.hubspot.read(spec.objectType, wanted.map((w) => w.candidate.mapping!.hubspotId), props);
  const out: Array<{ candidate: Candidate; send: Record<string, string> }> = [];
  for (const w of wanted) {
    const theirs = current.get(w.candidate.mapping!.hubspotId);
    const last = w.candidate.mapping!.extra.fields ?? {};
    const editedInHubSpot = theirs
      ? Object.keys(w.send).filter((k) => last[k] !== undefined && digest(theirs[k] ?? '', 12) !== last[k] && (theirs[k] ?? '') !== w.send[k])
      : [];
    if (editedInHubSpot.length === 0) {
      out.push(w);
      continue;
    }
    if (strategy === 'manual_review') {
      report.reviews.push({ entity: spec.type, sourceId: w.candidate.sourceId, hubspotType: spec.objectType, hubspotId: w.candidate.mapping!.hubspotId, fields: editedInHubSpot.sort() });
      outcomes.set(w.candidate.sourceId, { outcome: 'skipped', hubspotId: w.candidate.mapping!.hubspotId });
      continue;
    }
    const keepTheirs = strategy === 'hubspot_wins' ? editedInHubSpot : editedInHubSpot.filter((k) => deps.config.mergeFields[k] === 'target');
    const send = Object.fromEntries(Object.entries(w.send).filter(([k]) => !keepTheirs.includes(k)));
    out.push({ candidate: w.candidate, send });
  }
  return filterEmpty(out);

  /** Nothing left to send (nothing changed, or HubSpot kept every changed field): only the mapping moves on. */
  function filterEmpty(list: Array<{ candidate: Candidate; send: Record<string, string> }>) {
    const unchanged = list.filter((l) => Object.keys(l.send).length === 0).map((l) => l.candidate);
    for (const c of unchanged) outcomes.set(c.sourceId, { outcome: 'skipped', hubspotId: c.mapping!.hubspotId });
    return { sends: list.filter((l) => Object.keys(l.send).length > 0), unchanged };
  }
}

// ---------------------------------------------------------------- per listing

export interface RentalRecord {
  readonly Id: number;
}
export interface UnitRecord {
  readonly Id: number;
  readonly PropertyId: number;
}
export interface TenantRecord {
  readonly Id: number;
  readonly EmergencyContact?: { Name?: string | null; Email?: string | null; Phone?: string | null } | null;
}
export interface LeaseRecord {
  readonly Id: number;
  readonly UnitId: number;
  readonly LeaseStatus: string;
  readonly Tenants?: readonly { Id: number; Status: string }[] | null;
}

function rows(entity: BuildiumEntity, config: SyncConfig) {
  return effectiveMapping(entity, config.overrides);
}

export async function syncRentals(records: readonly RentalRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new Report();
  report.processed = records.length;
  const mapping = rows('property', deps.config);
  const spec: ObjectSpec = { type: 'property', objectType: LISTING_OBJECT, idProperty: 'buildium_property_id' };
  const { candidates, outcomes } = await writeInChunks(records, spec, deps, report, async (chunk) => {
    const known = await deps.mappings.getMany('property', chunk.map((r) => String(r.Id)));
    return chunk.map((r) => {
      const properties = { ...mapRecord(r, mapping), buildium_property_id: String(r.Id) };
      return { sourceId: String(r.Id), key: String(r.Id), properties, hash: hashProperties(properties), ...withMapping(known.get(String(r.Id))) };
    });
  });
  for (const c of candidates) report.count(outcomes.get(c.sourceId)?.outcome ?? 'skipped');
  return report.done();
}

/**
 * Records 100 at a time, so a page's first HubSpot call goes out after 100 records' reads, not
 * 1,000's, and its mapping writes overlap the next chunk's call.
 */
async function writeInChunks<T>(
  records: readonly T[],
  spec: ObjectSpec,
  deps: RecordDeps,
  report: Report,
  prepare: (chunk: readonly T[]) => Promise<Candidate[]>,
  defer?: MappingWrite[],
): Promise<{ candidates: Candidate[]; outcomes: Map<string, WriteOutcome> }> {
  const candidates: Candidate[] = [];
  const outcomes = new Map<string, WriteOutcome>();
  for (let i = 0; i < records.length; i += BATCH) {
    keepToDeadline(deps);
    const prepared = await prepare(records.slice(i, i + BATCH));
    candidates.push(...prepared);
    for (const [k, v] of await writeObjects(spec, prepared, deps, report, defer)) outcomes.set(k, v);
  }
  return { candidates, outcomes };
}

export async function syncUnits(records: readonly UnitRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new Report();
  report.processed = records.length;
  const mapping = rows('unit', deps.config);
  const propertyOf = new Map(records.map((r) => [String(r.Id), r.PropertyId]));
  const spec: ObjectSpec = { type: 'unit', objectType: deps.unitObjectType, idProperty: 'buildium_unit_id' };
  const deferred: MappingWrite[] = [];
  const { candidates, outcomes } = await writeInChunks(records, spec, deps, report, async (chunk) => {
    const [known, listings] = await Promise.all([
      deps.mappings.getMany('unit', chunk.map((r) => String(r.Id))),
      linkedIds('property', chunk.map((r) => String(r.PropertyId)), deps),
    ]);
    return chunk.map((r) => {
      const properties = { ...mapRecord(r, mapping), buildium_unit_id: String(r.Id) };
      const listing = listings.get(String(r.PropertyId));
      // The listing is part of the hash, so a unit whose listing appears later is written (and associated) again.
      return { sourceId: String(r.Id), key: String(r.Id), properties, hash: hashProperties({ ...properties, '@listing': listing ?? '' }), ...withMapping(known.get(String(r.Id))), extra: listing ? { linkedTo: listing } : {} };
    });
  }, deferred);

  // Unit ↔ listing: for every unit in HubSpot whose listing is new to it (created, moved, or its
  // listing has only now appeared).
  const pairs: Array<AssociationPair & { candidate: Candidate }> = [];
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
  await writeLinked('unit', deps.unitObjectType, deferred, refused as Map<AssociationPair & { candidate: Candidate }, string>, deps, report);
  for (const c of candidates) report.count(outcomes.get(c.sourceId)?.outcome ?? 'skipped');
  return report.done();
}

/**
 * The mappings of records with links, written once the link calls are done. A link HubSpot
 * refused is recorded as an error and its record's mapping keeps its old link and an incomplete
 * hash, so the next sync tries again. (A link call that fails outright writes no mapping at all:
 * the retried page finds the records unmapped, upserts them again by their key, and links them.)
 */
async function writeLinked(
  type: MappingType,
  objectType: string,
  deferred: MappingWrite[],
  refused: ReadonlyMap<AssociationPair & { candidate: Candidate }, string>,
  deps: RecordDeps,
  report: Report,
): Promise<void> {
  for (const [pair, reason] of refused) {
    const c = pair.candidate;
    report.error(type, c.sourceId, 'api_error', `association refused: ${reason}`);
    const previous = c.mapping?.extra.linkedTo;
    const write = deferred.find((w) => w.sourceId === c.sourceId);
    const incomplete = {
      sourceId: c.sourceId,
      hubspotType: objectType,
      hubspotId: pair.fromId === c.extra?.linkedTo ? pair.toId : pair.fromId,
      syncHash: `incomplete:${c.hash}`,
      extra: { ...(write?.extra ?? c.mapping?.extra ?? {}), linkedTo: previous },
      expectedVersion: write?.expectedVersion ?? c.mapping?.version ?? 0,
    };
    if (write) deferred.splice(deferred.indexOf(write), 1, incomplete);
    else deferred.push(incomplete);
  }
  if (deferred.length === 0) return;
  const stale = await deps.mappings.putMany(type, deferred);
  if (stale.length > 0) report.error(type, stale.join(','), 'mapping_error', `mapping written concurrently for ${stale.length} record(s); the next sync compares again`);
}

export async function syncTenants(records: readonly TenantRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new Report();
  report.processed = records.length;
  const mapping = rows('tenant', deps.config);
  const byEmail = new Map<string, string>();
  const valid: Candidate[] = [];
  for (const r of [...records].sort((a, b) => a.Id - b.Id)) {
    const sourceId = String(r.Id);
    const properties: Record<string, string> = { ...mapRecord(r, mapping), buildium_tenant_id: sourceId, lead_source_system: 'buildium' };
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
      report.duplicateEmails += 1;
      report.count('failed');
      report.error('tenant', sourceId, 'validation_error', `email: shared with tenant ${first}; HubSpot keeps one contact per email`);
      continue;
    }
    byEmail.set(email, sourceId);
    valid.push({ sourceId, key: email, properties, hash: hashProperties(properties), extra: {} });
  }
  const spec: ObjectSpec = { type: 'tenant', objectType: 'contacts', idProperty: 'email' };
  const { candidates, outcomes } = await writeInChunks(valid, spec, deps, report, async (chunk) => {
    const known = await deps.mappings.getMany('tenant', chunk.map((c) => c.sourceId));
    const prepared = chunk.map((c) => ({ ...c, ...withMapping(known.get(c.sourceId)) }));
    // Across pages and jobs: a new tenant whose email another tenant's contact holds is a
    // duplicate too. Claimed before the upsert, which would otherwise write over that contact.
    const fresh = prepared.filter((c) => !c.mapping);
    if (fresh.length === 0) return prepared;
    // Keyed by a hash of the email: the claim table holds no address.
    const owners = await deps.mappings.claim('tenant-email', fresh.map((c) => ({ key: digest(c.key, 32), owner: c.sourceId })));
    return prepared.filter((c) => {
      const owner = c.mapping ? undefined : owners.get(digest(c.key, 32));
      if (owner === undefined || owner === c.sourceId) return true;
      report.duplicateEmails += 1;
      report.count('failed');
      report.error('tenant', c.sourceId, 'validation_error', `email: shared with tenant ${owner}; HubSpot keeps one contact per email`);
      return false;
    });
  });
  for (const c of candidates) report.count(outcomes.get(c.sourceId)?.outcome ?? 'skipped');

  // Emergency contacts, once their tenant's contact exists.
  const tenantContacts = new Map<string, string>();
  for (const c of candidates) {
    const id = outcomes.get(c.sourceId)?.hubspotId;
    if (id) tenantContacts.set(c.sourceId, id);
  }
  await syncEmergencyContacts(records, tenantContacts, byEmail, deps, report);
  return report.done();
}

async function syncEmergencyContacts(
  tenants: readonly TenantRecord[],
  tenantContacts: ReadonlyMap<string, string>,
  tenantEmails: ReadonlyMap<string, string>,
  deps: RecordDeps,
  report: Report,
): Promise<void> {
  const withContact = tenants.filter((t) => tenantContacts.has(String(t.Id)) && t.EmergencyContact?.Email);
  if (withContact.length === 0) return;
  const known = await deps.mappings.getMany('emergency-contact', withContact.map((t) => String(t.Id)));
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
    candidates.push({ sourceId: String(t.Id), key: email, properties, hash: hashProperties({ ...properties, '@tenant': tenantContact }), ...withMapping(known.get(String(t.Id))), extra: { linkedTo: tenantContact } });
  }
  // Upserted by email: an emergency contact is often someone already in the CRM.
  keepToDeadline(deps);
  const deferred: MappingWrite[] = [];
  const outcomes = await writeObjects({ type: 'emergency-contact', objectType: 'contacts', idProperty: 'email' }, candidates, deps, report, deferred);
  const pairs: Array<AssociationPair & { candidate: Candidate }> = [];
  for (const c of candidates) {
    const o = outcomes.get(c.sourceId);
    const relink = c.mapping?.extra.linkedTo !== c.extra?.linkedTo || c.mapping?.hubspotId !== o?.hubspotId;
    if (o?.hubspotId && o.outcome !== 'failed' && relink) pairs.push({ fromId: c.extra!.linkedTo!, toId: o.hubspotId, candidate: c });
  }
  keepToDeadline(deps);
  const refused = await deps.hubspot.associateLabeled('contacts', 'contacts', 'emergency_contact', pairs);
  await writeLinked('emergency-contact', 'contacts', deferred, refused as Map<AssociationPair & { candidate: Candidate }, string>, deps, report);
}

/** The label a lease gives its tenants' contacts on the unit. */
export function leaseLabel(status: string): LabelName {
  return status === 'Active' ? 'active_tenant' : 'inactive_tenant';
}

export async function syncLeases(records: readonly LeaseRecord[], deps: RecordDeps): Promise<PageReport> {
  const report = new Report();
  report.processed = records.length;
  const tenantIds = [...new Set(records.flatMap((l) => (l.Tenants ?? []).map((t) => String(t.Id))))];
  const [known, units, tenants] = await Promise.all([
    deps.mappings.getMany('lease', records.map((l) => String(l.Id))),
    linkedIds('unit', records.map((l) => String(l.UnitId)), deps),
    linkedIds('tenant', tenantIds, deps),
  ]);

  interface Plan {
    lease: LeaseRecord;
    desired: LeasePair[];
    missing: string[];
    hash: string;
    mapping?: BuildiumMapping;
  }
  const plans: Plan[] = [];
  for (const lease of records) {
    const unit = units.get(String(lease.UnitId));
    const label = leaseLabel(lease.LeaseStatus);
    const missing: string[] = [];
    if (!unit) missing.push(`unit ${lease.UnitId}`);
    const desired: LeasePair[] = [];
    for (const t of lease.Tenants ?? []) {
      const contact = tenants.get(String(t.Id));
      if (!contact) missing.push(`tenant ${t.Id}`);
      else if (unit) desired.push({ contactId: contact, unitId: unit, label });
    }
    const hash = hashProperties({ pairs: JSON.stringify(desired.map(pairKey).sort()), missing: missing.join(',') });
    plans.push({ lease, desired, missing, hash, ...withMapping(known.get(String(lease.Id))) });
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
  await deps.mappings.putMany('lease', writes);
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

function withMapping(mapping: BuildiumMapping | undefined): { mapping?: BuildiumMapping; extra: MappingExtra } {
  return mapping ? { mapping, extra: {} } : { extra: {} };
}

