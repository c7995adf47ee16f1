import type { BaseFaultRule } from '../common/faults.js';
import type { BaseRecordedRequest, SandboxHandle } from '../common/sandbox.js';

export interface StripeSandboxOptions {
  /** The secret key callers must present (Bearer, or Basic with the key as user name, as Stripe takes). */
  apiKey: string;
  port?: number;
  host?: string;
  /** Start with the demo customers of {@link DEMO_STRIPE_CUSTOMERS} (default true). */
  seed?: boolean;
  /** Clock for `created` and idempotency key expiry (default Date.now). */
  now?: () => number;
  /** For faults with a probability (default Math.random). */
  random?: () => number;
}

export type FaultKind = 'status' | 'rateLimit' | 'slow' | 'reset';

/**
 * An injected failure. Unless `afterExecution` is set, a fault acts in front of the API, before
 * Stripe starts executing the request: its answer is not saved under an idempotency key, and a
 * retry with the same key goes through.
 */
export interface FaultRule extends BaseFaultRule {
  kind: FaultKind;
  /** A path prefix, e.g. `/v1/customers`. */
  path?: string;
  /** Sets the `Stripe-Should-Retry` header on the answer. */
  shouldRetry?: boolean;
  /**
   * 'status' and 'reset' only: execute the request first (the customer changes and the answer is
   * saved under its idempotency key), then answer with the fault, as when Stripe's answer is lost
   * on the way back. A 'status' fault's error is what is saved, as Stripe saves a 500.
   */
  afterExecution?: boolean;
}

export interface RecordedRequest extends BaseRecordedRequest {
  /** The form parameters as decoded, for POSTs (never the Authorization header). */
  params?: Record<string, string>;
  idempotencyKey?: string;
  /** True when the answer was a replay of the one saved under the idempotency key. */
  replayed?: boolean;
  requestId: string;
}

export interface CustomerSnapshot {
  id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  metadata: Record<string, string>;
  created: number;
}

export interface StripeSandbox extends SandboxHandle<FaultRule, RecordedRequest> {
  customers(): CustomerSnapshot[];
  /** Back to the seeded customers, with no faults, saved idempotency keys or request log. */
  reset(): void;
}
