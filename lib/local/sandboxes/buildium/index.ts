/**
 * A local Buildium: the read API our client uses, as the official OpenAPI document
 * (`shared/specs/buildium/buildium-openapi.json`) describes it, with its auth
 * (`x-buildium-client-id` / `x-buildium-client-secret`), limit/offset paging with X-Total-Count,
 * the `lastupdatedfrom` / `lastupdatedto` windows (the sandbox keeps each record's last-updated
 * time itself), its rate limit (429 past 10 requests in a rolling second), fault injection, a
 * request log and a seeded portfolio (seed.ts).
 *
 *   GET /v1/leases/tenants[/{tenantId}]   TenantMessage
 *   GET /v1/rentals[/{propertyId}]        RentalMessage
 *   GET /v1/rentals/units[/{unitId}]      RentalUnitMessage
 *   GET /v1/leases[/{leaseId}]            LeaseMessage
 *
 * Control routes (no auth, no rate limit):
 *   GET /__sandbox                     record counts
 *   GET|POST|DELETE /__sandbox/faults  FaultRule (types.ts)
 *   GET|DELETE /__sandbox/requests     the API request log
 *   POST /__sandbox/reset              back to the seed
 * Records change through the handle (updateTenant, updateRental, updateUnit, updateLease).
 */
import { startSandboxServer } from './server.js';
import type { BuildiumSandbox, BuildiumSandboxOptions } from './types.js';

export type * from './types.js';
export { DEFAULT_RATE_PER_SECOND } from './server.js';
export { DEFAULT_LIMIT, MAX_LIMIT } from './handlers.js';
export { DEMO_SEED_SIZE, FIRST_IDS } from './seed.js';

export function startBuildiumSandbox(options: BuildiumSandboxOptions): Promise<BuildiumSandbox> {
  return startSandboxServer(options);
}
