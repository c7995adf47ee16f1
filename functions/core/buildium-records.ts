/**
 * Buildium records → HubSpot (issue 5 §2, §3): the sync of one page of each Buildium listing.
 *
 * - rentals → listings, units → Unit objects (core/buildium-properties.ts)
 * - tenants → contacts and their emergency contacts (core/buildium-tenants.ts)
 * - leases → labeled tenant ↔ unit associations (core/buildium-leases.ts)
 *
 * Shared by them: the ports (core/buildium-ports.ts), change detection
 * (core/buildium-change-detection.ts), the conflict strategies (core/buildium-conflicts.ts) and
 * the generic object write (core/buildium-object-writes.ts).
 */
import type { ListKind } from './buildium-messages.js';
import { syncLeases } from './buildium-leases.js';
import { syncRentals, syncUnits } from './buildium-properties.js';
import { syncTenants } from './buildium-tenants.js';
import type { LeaseRecord, PageReport, RecordDeps, RentalRecord, TenantRecord, UnitRecord } from './buildium-ports.js';

/** Each listing's sync. */
export const SYNC_BY_LIST: Readonly<Record<ListKind, (records: readonly unknown[], deps: RecordDeps) => Promise<PageReport>>> = {
  rentals: (r, d) => syncRentals(r as RentalRecord[], d),
  tenants: (r, d) => syncTenants(r as TenantRecord[], d),
  units: (r, d) => syncUnits(r as UnitRecord[], d),
  leases: (r, d) => syncLeases(r as LeaseRecord[], d),
};

// Kept for importers not yet moved to the modules above (functions/buildium-sync/handler.ts,
// functions/connectors/hubspot/objects.ts); remove once they import from there.
export { WORK_RESERVE_MS } from './buildium-object-writes.js';
export type { ConflictStrategy } from './buildium-config.js';
export type { AssociationPair, HubSpotObjects, LabelName, LinkCache, ObjectWriteResult } from './buildium-ports.js';
