/**
 * A local Buildium: the read API our client uses, as the official OpenAPI document
 * (`shared/specs/buildium/buildium-openapi.json`) describes it, with its auth
 * (`x-buildium-client-id` / `x-buildium-client-secret`), limit/offset paging with X-Total-Count,
 * the `lastupdatedfrom` / `lastupdatedto` windows (the sandbox keeps each record's last-updated
 * time itself), its rate limit (429 past 10 requests in a rolling second), fault injection, a
 * request log and a seeded portfolio (seed.ts). With `webhooks: {url, secret}` it sends Buildium's
 * signed webhooks (webhooks.ts) of the changes made through it: `Rental.*` (PropertyId),
 * `RentalUnit.*` (UnitId), `Lease.*` (LeaseId) and `LeaseTenant.*` (TenantId), each
 * Created / Updated / Deleted.
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
 *   PATCH /__sandbox/{tenants|rentals|units|leases}/{id}   JSON object of fields: the handle's update
 *   DELETE /__sandbox/{tenants|rentals|units|leases}/{id}  the handle's delete (409 while units/leases hang on it)
 *   GET /__sandbox/webhooks            {url, deliveries}
 * Records change through the handle (add*, update*, delete*) or those routes.
 */
import { startSandboxServer } from './server.js';
import type { BuildiumSandbox, BuildiumSandboxOptions } from './types.js';

export type * from './types.js';
export { DEFAULT_RATE_PER_SECOND } from './server.js';
export { DEFAULT_LIMIT, MAX_LIMIT } from './handlers.js';
export { DEMO_SEED_SIZE } from './seed.js';
export { DEFAULT_ACCOUNT_ID, DEFAULT_WEBHOOK_RETRY_DELAYS_MS, DEFAULT_WEBHOOK_TIMEOUT_MS } from './webhooks.js';
export { FIRST_IDS } from './store.js';

export function startBuildiumSandbox(options: BuildiumSandboxOptions): Promise<BuildiumSandbox> {
  return startSandboxServer(options);
}
