/**
 * Seed 002 §5.2: known records whose fields HubSpot users changed since our last write. What to
 * send under the conflict strategy: buildium_wins sends every changed field without reading
 * HubSpot; the others read the records (100 per call) to see which fields HubSpot changed.
 */
import { changedFields, fieldHash } from './buildium-change-detection.js';
import type { PageReportBuilder } from './buildium-page-report.js';
import type { RecordDeps } from './buildium-ports.js';
import type { Candidate, ObjectSpec, WriteOutcome } from './buildium-object-writes.js';

export interface Send {
  readonly candidate: Candidate;
  readonly send: Record<string, string>;
}

export async function resolveConflicts(
  spec: ObjectSpec,
  known: readonly Candidate[],
  deps: RecordDeps,
  report: PageReportBuilder,
  outcomes: Map<string, WriteOutcome>,
): Promise<{ sends: Send[]; unchanged: Candidate[] }> {
  const wanted = known.map((c) => ({ candidate: c, send: changedFields(c.properties, c.mapping!.extra.fields) }));
  const strategy = deps.force ? 'buildium_wins' : deps.config.conflictStrategy;
  if (strategy === 'buildium_wins' || wanted.length === 0) return filterEmpty(wanted);
  const props = [...new Set(wanted.flatMap((w) => Object.keys(w.send)))];
  const current = await deps.hubspot.read(spec.objectType, wanted.map((w) => w.candidate.mapping!.hubspotId), props);
  const out: Send[] = [];
  for (const w of wanted) {
    const theirs = current.get(w.candidate.mapping!.hubspotId);
    const last = w.candidate.mapping!.extra.fields ?? {};
    const editedInHubSpot = theirs
      ? Object.keys(w.send).filter((k) => last[k] !== undefined && fieldHash(theirs[k] ?? '') !== last[k] && (theirs[k] ?? '') !== w.send[k])
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
  function filterEmpty(list: Send[]) {
    const unchanged = list.filter((l) => Object.keys(l.send).length === 0).map((l) => l.candidate);
    for (const c of unchanged) outcomes.set(c.sourceId, { outcome: 'skipped', hubspotId: c.mapping!.hubspotId });
    return { sends: list.filter((l) => Object.keys(l.send).length > 0), unchanged };
  }
}

/** The fields a known candidate did not send because HubSpot's value won: their old hashes stay. */
export function keptFields(c: Candidate, sent: Readonly<Record<string, string>>): Record<string, string> {
  const old = c.mapping?.extra.fields ?? {};
  const out: Record<string, string> = {};
  const wanted = changedFields(c.properties, c.mapping?.extra.fields);
  for (const k of Object.keys(wanted)) if (!(k in sent) && old[k] !== undefined) out[k] = old[k];
  return out;
}
