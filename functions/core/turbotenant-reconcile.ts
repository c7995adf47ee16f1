/**
 * The TurboTenant redundancy sync (seed 000 "Schedule background sync every 15 minutes"; issue 4
 * §3): read the properties TurboTenant changed since the last cursor, and run each through the
 * same sync as an event. What HubSpot already holds hashes equal and costs no call, so a pass over
 * unchanged properties makes none; a change whose event was lost is synced within one period.
 *
 * The cursor moves, to the pass's start, only when every property was settled: synced, or refused
 * for good by HubSpot or TurboTenant (listed in the report with the reason; retrying the same
 * input cannot help, and the property's next change brings it back). A property that failed for a
 * retryable reason (a 5xx, a conflict, the deadline) holds the cursor, so the next pass reads it
 * again; so does a pass the deadline cut short. The window starts a minute before the cursor so a
 * change written while the last pass ran is not missed (a repeat is harmless: its hash is equal).
 */
import { DeadlineError } from './errors.js';
import type { TurboTenantProperty } from './turbotenant-mapping.js';
import { callLimits, syncTurboTenantEvents, type TurboTenantEvent, type TurboTenantSyncDeps } from './turbotenant-sync.js';

export interface PropertyFeed {
  /** Properties updated at or after `since`, a page (at most 100) at a time. */
  propertiesUpdatedSince(since: string): AsyncIterable<readonly TurboTenantProperty[]>;
}

export interface Cursors {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}

export interface ReconcileDeps extends TurboTenantSyncDeps {
  readonly feed: PropertyFeed;
  readonly cursors: Cursors;
}

export interface ReconcileReport {
  readonly since: string;
  readonly properties: number;
  readonly synced: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly retried: number;
  /** Properties refused for good, with the reason (what their events' confirmations would say). */
  readonly refused: readonly { readonly propertyId: string; readonly reason: string }[];
  /** Whether the deadline ended the pass before every page was read. */
  readonly cutShort: boolean;
  /** The new cursor, when the pass succeeded. */
  readonly cursor?: string;
}

export const RECONCILE_CURSOR = 'turbotenant-properties';
const OVERLAP_MS = 60_000;
const EPOCH = '1970-01-01T00:00:00.000Z';

export async function reconcileTurboTenant(deps: ReconcileDeps): Promise<ReconcileReport> {
  const startedAt = deps.now().toISOString();
  const cursor = await deps.cursors.get(RECONCILE_CURSOR);
  const since = cursor ? new Date(new Date(cursor).getTime() - OVERLAP_MS).toISOString() : EPOCH;
  let properties = 0;
  let synced = 0;
  let unchanged = 0;
  let failed = 0;
  let retried = 0;
  let cutShort = false;
  const refused: { propertyId: string; reason: string }[] = [];
  for await (const page of deps.feed.propertiesUpdatedSince(since)) {
    if (!hasTimeForCalls(deps)) {
      cutShort = true;
      break;
    }
    properties += page.length;
    const known = await deps.mappings.getMany(page.map((p) => p.id));
    const events: TurboTenantEvent[] = page.map((property) => {
      const source = known.get(property.id)?.source;
      return {
        eventId: `reconcile:${property.id}:${property.updated_at}`,
        type: 'property_updated',
        occurredAt: source?.firstOccurredAt ?? property.updated_at,
        landlordId: property.landlord_id,
        propertyId: property.id,
        metadata: source?.metadata ?? {},
      };
    });
    const report = await syncTurboTenantEvents(events, deps);
    unchanged += report.unchanged;
    retried += report.retry.size;
    for (const event of events) {
      const result = report.results.get(event.eventId);
      if (result?.status !== 'error') continue;
      failed += 1;
      refused.push({ propertyId: event.propertyId, reason: result.message });
    }
    synced += [...report.results.values()].filter((r) => r.status === 'success').length - report.unchanged;
  }
  const ok = retried === 0 && !cutShort;
  if (ok) await deps.cursors.set(RECONCILE_CURSOR, startedAt);
  return { since, properties, synced: Math.max(0, synced), unchanged, failed, retried, refused, cutShort, ...(ok ? { cursor: startedAt } : {}) };
}

function hasTimeForCalls(deps: ReconcileDeps): boolean {
  try {
    callLimits(deps);
    return true;
  } catch (error) {
    if (error instanceof DeadlineError) return false;
    throw error;
  }
}
