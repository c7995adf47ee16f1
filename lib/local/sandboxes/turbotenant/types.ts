import type { DeliveryChaos, DeliveryChaosCounts } from '../common/delivery.js';
import type { BaseFaultRule } from '../common/faults.js';
import type { BaseRecordedRequest, SandboxHandle } from '../common/sandbox.js';

/** Records as the sandbox's API returns them (CONTRACT.md, "The TurboTenant API our client reads"). */
export interface Landlord {
  id: string;
  email: string;
  phone: string;
  first_name: string;
  last_name: string;
  /** Absent (not null) for landlords without Stripe, as the contract's `stripe_customer_id?` says. */
  stripe_customer_id?: string;
  updated_at: string;
}

export interface Address {
  street: string;
  city: string;
  state: string;
  zip: string;
}

export interface Property {
  id: string;
  landlord_id: string;
  title: string;
  type: string;
  /** Monthly rent, US dollars. */
  rent: number;
  address: Address;
  updated_at: string;
}

/** A prospective tenant's inquiry about a property. The API has no lead route; leads travel in events. */
export interface Lead {
  id: string;
  property_id: string;
  landlord_id: string;
  email: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  message?: string;
  created_at: string;
}

/** The attribution block of an event (CONTRACT.md, "TurboTenant events"). */
export interface EventMetadata {
  utm_source?: string;
  utm_medium?: string;
  utm_campaign?: string;
  platform_source?: string;
  managed_by?: string;
  created_by?: string;
}

export type EventType = 'property_created' | 'property_updated' | 'lead_created';

/** The body of one event POST, in the contract's key order. */
export interface TurboTenantEventBody {
  event_id: string;
  event_type: EventType;
  occurred_at: string;
  landlord_id: string;
  property_id: string;
  lead?: { id: string; email: string; first_name?: string; last_name?: string; phone?: string; message?: string };
  metadata: EventMetadata;
}

/** Upsert inputs: with an id that exists, only the fields given change; otherwise every field is needed. */
export interface LandlordInput {
  id?: string;
  email?: string;
  phone?: string;
  first_name?: string;
  last_name?: string;
  /** null removes it. */
  stripe_customer_id?: string | null;
}

export interface PropertyInput {
  id?: string;
  landlord_id?: string;
  title?: string;
  type?: string;
  rent?: number;
  /** Merged into the current address on update. */
  address?: Partial<Address>;
  /** The metadata of the event this change emits; default DEFAULT_EVENT_METADATA. */
  metadata?: EventMetadata;
}

export interface LeadInput {
  id?: string;
  property_id: string;
  email: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  message?: string;
  metadata?: EventMetadata;
}

export type FaultKind = 'status' | 'slow' | 'reset' | 'rateLimit';

/**
 * An injected failure of the API (`/api/...`; control routes never fail). `path` matches as a
 * prefix of the request path, `method` exactly; `times` (default unlimited) counts the requests it
 * hits, `probability` (default 1) makes it intermittent.
 * - status: answers `status` (default 500), with Retry-After when retryAfterSeconds is set;
 * - slow: waits delayMs before answering (combines with one of the others);
 * - reset: destroys the connection without an answer;
 * - rateLimit: answers 429 with Retry-After (retryAfterSeconds, default 1).
 */
export interface FaultRule extends BaseFaultRule {
  kind: FaultKind;
}

export interface RecordedRequest extends BaseRecordedRequest {
  /** The query string without '?', '' when none. */
  query: string;
}

export interface EventDelivery {
  at: number;
  eventId: string;
  eventType: EventType;
  /** 1 for the first try. */
  attempt: number;
  /** The receiver's status, 0 for a timeout or a connection error. */
  status: number;
  durationMs: number;
  error?: string;
}

export interface TurboTenantEventOptions {
  /** Signs every event (X-TurboTenant-Signature). */
  webhookSecret: string;
  /** Where events go; without one (or null) nothing is recorded or sent until setEventTarget. */
  targetUrl?: string | null;
  /** maxAttempts counts every attempt, the first included (default 5); delays double from baseDelayMs (default 500) up to maxDelayMs (default 30 s), jittered. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** How long the receiver has to answer (default 5000 ms). */
  timeoutMs?: number;
  /** Events sent twice, or held back so later ones overtake them (off by default). */
  chaos?: DeliveryChaos;
}

export interface TurboTenantSandboxOptions {
  apiKey: string;
  /** Seed the demo landlords and properties (default true); again on reset. */
  seed?: boolean;
  port?: number;
  host?: string;
  /** Signed events of changes made through the sandbox; off until a target is set. */
  events?: TurboTenantEventOptions;
  /** For `probability` faults; default Math.random. */
  random?: () => number;
}

export interface TurboTenantSandbox extends SandboxHandle<FaultRule, RecordedRequest> {
  landlords(): Landlord[];
  properties(): Property[];
  leads(): Lead[];
  /** Creates or updates a landlord (no event: the contract has no landlord events). Throws on invalid input. */
  upsertLandlord(input: LandlordInput): Landlord;
  /** Creates (property_created) or updates (property_updated, only if something changed) a property. */
  upsertProperty(input: PropertyInput): Property;
  /** Records a lead on a property (lead_created). */
  createLead(input: LeadInput): Lead;
  /** Back to the seed: records, faults, request log, pending events; keeps the event target. */
  reset(): void;
  /** Turns events on (or moves them) or, with null, off. Needs events.webhookSecret. */
  setEventTarget(targetUrl: string | null): void;
  /** Every delivery attempt, oldest first. */
  eventDeliveries(): EventDelivery[];
  /** How many events the delivery chaos sent twice or held back. */
  eventChaos(): DeliveryChaosCounts;
  /** Sends what is queued and waits for deliveries in flight (not for retries still waiting). */
  flushEvents(): Promise<void>;
}
