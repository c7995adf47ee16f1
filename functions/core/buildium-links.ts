/**
 * HubSpot ids of records a process wrote or read lately (a listing for its units, a unit and
 * tenants for their leases), so a job's later phases do not read back what its earlier phases just
 * wrote. Bounded, and each entry lives LINK_TTL_MS: a stale one costs at most a refused
 * association, which is recorded and tried again.
 */
import { mappingRefKey, type BuildiumMapping, type MappingRef, type MappingType, type RecordDeps } from './buildium-ports.js';

export const LINK_TTL_MS = 10 * 60 * 1000;
/** Bounded: a process keeps at most this many links (oldest dropped first). */
const LINK_CACHE_MAX = 200_000;

/** The refs the link cache cannot answer (fresh entries are answered into `out`, keyed `type#sourceId`). */
export function cachedLinks(refs: readonly MappingRef[], deps: RecordDeps, out: Map<string, string>): MappingRef[] {
  const now = (deps.clock ?? Date.now)();
  const missing: MappingRef[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    const key = mappingRefKey(ref.type, ref.sourceId);
    if (seen.has(key)) continue;
    seen.add(key);
    const hit = deps.links?.get(key);
    if (hit && now - hit.at < LINK_TTL_MS) out.set(key, hit.hubspotId);
    else missing.push(ref);
  }
  return missing;
}

/** Links answered by the mapping table, remembered. */
export function linksFrom(read: ReadonlyMap<string, BuildiumMapping>, refs: readonly MappingRef[], deps: RecordDeps, out: Map<string, string>): void {
  for (const ref of refs) {
    const key = mappingRefKey(ref.type, ref.sourceId);
    const m = read.get(key);
    if (!m?.hubspotId) continue;
    out.set(key, m.hubspotId);
    rememberLink(ref.type, ref.sourceId, m.hubspotId, deps);
  }
}

export function rememberLink(type: MappingType, sourceId: string, hubspotId: string, deps: RecordDeps): void {
  const links = deps.links;
  if (!links || !hubspotId) return;
  const key = mappingRefKey(type, sourceId);
  links.delete(key);
  links.set(key, { hubspotId, at: (deps.clock ?? Date.now)() });
  if (links.size > LINK_CACHE_MAX) links.delete(links.keys().next().value!);
}

/**
 * A page's one read: the mappings of its records (`own`) and the HubSpot ids of what they link to
 * (`linked`; from the link cache where fresh), in one batch of reads. Mappings keyed `type#sourceId`.
 */
export async function readPageMappings(
  own: readonly MappingRef[],
  linked: readonly MappingRef[],
  deps: RecordDeps,
): Promise<{ known: Map<string, BuildiumMapping>; links: Map<string, string> }> {
  const links = new Map<string, string>();
  const missing = cachedLinks(linked, deps, links);
  const known = own.length + missing.length > 0 ? await deps.mappings.getAll([...own, ...missing]) : new Map<string, BuildiumMapping>();
  linksFrom(known, missing, deps, links);
  return { known, links };
}
