/**
 * The generic object write of a page of Buildium records: candidates whose hash changed are
 * written to HubSpot 100 per call (known ones updated by id under the conflict strategy, new ones
 * upserted by their unique key), and their mappings written behind the calls, so the page's next
 * HubSpot call does not wait for the store. Mappings are conditional on the version read, so an
 * interrupted page resumes without writing anything twice.
 */
import { DeadlineError } from './errors.js';
import { fieldHashes } from './buildium-change-detection.js';
import { keptFields, resolveConflicts } from './buildium-conflicts.js';
import { rememberLink } from './buildium-links.js';
import type { PageReportBuilder } from './buildium-page-report.js';
import type { AssociationPair, BuildiumMapping, MappingExtra, MappingType, MappingWrite, Outcome, RecordDeps } from './buildium-ports.js';

/** HubSpot's batch limit (upsert, update, read). */
const HUBSPOT_BATCH = 100;

/**
 * Work a page does not start with less than this left: one HubSpot call's wait for a slot and
 * its timeout (connectors/hubspot/objects.ts, 10 s each), and the mapping writes after it.
 */
export const WORK_RESERVE_MS = 25_000;

/** Throws DeadlineError (the page is handed back, not failed) rather than start HubSpot work that could outlast the invocation. */
export function keepToDeadline(deps: RecordDeps): void {
  const left = deps.remainingMs?.();
  if (left !== undefined && left < WORK_RESERVE_MS) throw new DeadlineError(`${left} ms left in the invocation; the rest of the page is handed back`);
}

export interface Candidate {
  readonly sourceId: string;
  /** Upsert key (the unique property's value, or the email for new contacts). */
  readonly key: string;
  readonly properties: Record<string, string>;
  readonly hash: string;
  readonly mapping?: BuildiumMapping;
  readonly extra?: MappingExtra;
}

export interface ObjectSpec {
  readonly type: MappingType;
  readonly objectType: string;
  /** Unique property for upserts of new records; known ones are updated by their HubSpot id. */
  readonly idProperty: string;
}

export interface WriteOutcome {
  readonly outcome: Outcome;
  readonly hubspotId?: string;
}

export type LinkPair = AssociationPair & { readonly candidate: Candidate };

export function withMapping(mapping: BuildiumMapping | undefined): { mapping?: BuildiumMapping; extra: MappingExtra } {
  return mapping ? { mapping, extra: {} } : { extra: {} };
}

interface Settled {
  readonly c: Candidate;
  readonly id: string;
  readonly created: boolean;
  readonly sent: Record<string, string>;
}

/**
 * Writes the candidates that changed, applying the conflict strategy to known ones. Returns each
 * candidate's outcome by source id.
 *
 * `defer`: collect the mapping writes instead of making them, for records whose links are made
 * after them (units, emergency contacts): a mapping is written only once its record's link is,
 * so a failure in between leaves the record unmapped and the next try makes the link.
 */
export async function writeObjects(
  spec: ObjectSpec,
  candidates: readonly Candidate[],
  deps: RecordDeps,
  report: PageReportBuilder,
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
  if (known.length > 0) keepToDeadline(deps);
  const { sends, unchanged } = await resolveConflicts(spec, known, deps, report, outcomes);
  const writes: Promise<void>[] = [];
  const behind = (work: Promise<void>) => {
    // Handled here so a failure before the final await is not an unhandled rejection; it still fails the page there.
    work.catch(() => undefined);
    writes.push(work);
  };
  behind(record(unchanged.map((c) => ({ c, id: c.mapping!.hubspotId, created: false, sent: {} })), false));

  for (let i = 0; i < sends.length; i += HUBSPOT_BATCH) {
    const chunk = sends.slice(i, i + HUBSPOT_BATCH);
    keepToDeadline(deps);
    const result = await deps.hubspot.update(spec.objectType, chunk.map((s) => ({ id: s.candidate.mapping!.hubspotId, properties: s.send })));
    const settled: Settled[] = [];
    const lost: Candidate[] = [];
    for (const s of chunk) {
      const id = s.candidate.mapping!.hubspotId;
      if (result.written.has(id)) settled.push({ c: s.candidate, id, created: false, sent: s.send });
      else if (/not.?found|does not exist/i.test(result.rejected.get(id) ?? '')) lost.push(s.candidate);
      else fail(s.candidate, result.rejected.get(id) ?? 'HubSpot refused the update');
    }
    // A known record deleted in HubSpot is written again as new.
    fresh.push(...lost.map((c) => ({ ...c, mapping: { ...c.mapping!, hubspotId: '' } })));
    behind(record(settled));
  }

  for (let i = 0; i < fresh.length; i += HUBSPOT_BATCH) {
    const chunk = fresh.slice(i, i + HUBSPOT_BATCH);
    keepToDeadline(deps);
    const result = await deps.hubspot.upsert(spec.objectType, spec.idProperty, chunk.map((c) => ({ key: c.key, properties: c.properties })));
    const settled: Settled[] = [];
    for (const c of chunk) {
      const w = result.written.get(c.key);
      if (w) settled.push({ c, id: w.id, created: w.created || !c.mapping, sent: c.properties });
      else fail(c, result.rejected.get(c.key) ?? 'HubSpot returned no result');
    }
    behind(record(settled));
  }
  await Promise.all(writes);
  return outcomes;

  function fail(c: Candidate, reason: string): void {
    outcomes.set(c.sourceId, { outcome: 'failed' });
    report.error(spec.type, c.sourceId, 'api_error', reason);
  }

  async function record(settled: readonly Settled[], written = true): Promise<void> {
    if (settled.length === 0) return;
    for (const s of settled) rememberLink(spec.type, s.c.sourceId, s.id, deps);
    for (const s of written ? settled : []) {
      outcomes.set(s.c.sourceId, { outcome: s.created ? 'created' : 'updated', hubspotId: s.id });
      report.audit.push({ entity: spec.type, sourceId: s.c.sourceId, action: s.created ? 'create' : 'update', hubspotId: s.id, fields: Object.keys(s.sent).sort() });
    }
    const mappingWrites = settled.map((s) => ({
      sourceId: s.c.sourceId,
      hubspotType: spec.objectType,
      hubspotId: s.id,
      // Fields HubSpot kept (a conflict it won) keep HubSpot's hash, so they are not flagged again.
      syncHash: s.c.hash,
      extra: { ...s.c.extra, fields: { ...fieldHashes(s.c.properties), ...keptFields(s.c, s.sent) } },
      expectedVersion: s.c.mapping?.version ?? 0,
    }));
    if (defer) {
      defer.push(...mappingWrites);
      return;
    }
    const stale = await deps.mappings.putMany(spec.type, mappingWrites);
    // Another consumer wrote these first (a duplicate delivery): both wrote the same record by its key.
    if (stale.length > 0) report.error(spec.type, stale.join(','), 'mapping_error', `mapping written concurrently for ${stale.length} record(s); the next sync compares again`);
  }
}

/**
 * The mappings of records with links, written once the link calls are done. A link HubSpot
 * refused is recorded as an error and its record's mapping keeps its old link and an incomplete
 * hash, so the next sync tries again. (A link call that fails outright writes no mapping at all:
 * the retried page finds the records unmapped, upserts them again by their key, and links them.)
 */
export async function writeLinked(
  type: MappingType,
  objectType: string,
  deferred: MappingWrite[],
  refused: ReadonlyMap<LinkPair, string>,
  deps: RecordDeps,
  report: PageReportBuilder,
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
