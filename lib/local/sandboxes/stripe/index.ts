/**
 * A local Stripe for the customer endpoints the TurboTenant sync uses: `GET /v1/customers/{id}`,
 * `POST /v1/customers/{id}` (form-encoded, metadata merged as Stripe merges it, Stripe's limits
 * and error shapes), `POST /v1/customers` (for seeding and tests), bearer or Basic auth,
 * idempotency keys as Stripe keeps them, fault injection and a request log.
 */
import { startSandboxServer } from './server.js';
import type { StripeSandbox, StripeSandboxOptions } from './types.js';

export type { CustomerSnapshot, FaultKind, FaultRule, RecordedRequest, StripeSandbox, StripeSandboxOptions } from './types.js';
export { DEMO_STRIPE_CUSTOMER_IDS, DEMO_STRIPE_CUSTOMERS, type DemoStripeCustomer } from './seed.js';
export { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_TTL_MS } from './idempotency.js';
export { MAX_KEY_LENGTH, MAX_METADATA_KEYS, MAX_VALUE_LENGTH } from './store.js';

export function startStripeSandbox(options: StripeSandboxOptions): Promise<StripeSandbox> {
  return startSandboxServer(options);
}
