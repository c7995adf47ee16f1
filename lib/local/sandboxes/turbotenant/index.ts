/**
 * A local TurboTenant: the API our client reads (CONTRACT.md) with bearer auth, paging, seeded
 * demo landlords and properties, fault injection and a request log, plus signed events of the
 * changes made through it, sent to a target such as the local stack's `/events/turbotenant`.
 *
 * Control routes (no auth), for tests and for poking at `npm start` by hand:
 *   GET|POST /__sandbox/landlords      list · upsert (201 created, 200 updated; no event)
 *   GET|POST /__sandbox/properties     list · upsert (property_created / property_updated)
 *   GET|POST /__sandbox/leads          list · create on a property (lead_created)
 *   GET|POST|DELETE /__sandbox/faults  FaultRule (types.ts)
 *   GET|DELETE /__sandbox/requests     the API request log
 *   GET|POST /__sandbox/events         target and deliveries · {"targetUrl": url | null}
 *   POST /__sandbox/events/flush       waits for events in flight
 *   POST /__sandbox/reset              back to the seed
 */
import { startSandboxServer } from './server.js';
import type { TurboTenantSandbox, TurboTenantSandboxOptions } from './types.js';

export type {
  Address,
  EventDelivery,
  EventMetadata,
  EventType,
  FaultKind,
  FaultRule,
  Landlord,
  LandlordInput,
  Lead,
  LeadInput,
  Property,
  PropertyInput,
  RecordedRequest,
  TurboTenantEventBody,
  TurboTenantEventOptions,
  TurboTenantSandbox,
  TurboTenantSandboxOptions,
} from './types.js';
export { DEFAULT_EVENT_RETRY, DEFAULT_EVENT_TIMEOUT_MS } from './events.js';
export { DEFAULT_PER_PAGE, MAX_PER_PAGE } from './handlers.js';
export { DEFAULT_EVENT_METADATA, DEMO_LANDLORD_COUNT, DEMO_PROPERTY_COUNT, demoLandlords, demoProperties } from './seed.js';

export function startTurboTenantSandbox(options: TurboTenantSandboxOptions): Promise<TurboTenantSandbox> {
  return startSandboxServer(options);
}
