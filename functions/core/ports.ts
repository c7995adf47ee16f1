/**
 * What the core needs from the outside world. Adapters live in `functions/store` (DynamoDB),
 * `functions/runtime` (SQS) and `functions/connectors` (HubSpot); tests pass in-memory fakes.
 */
import type { LeadFields } from './contact-mapping.js';
import type { EventOutcome } from './inbound-contacts.js';
import type { FailureKind, Lead, SyncStatus } from './lead.js';

/** HubSpot's batch endpoints (upsert, update, create, read, associations) take at most 100 inputs (CRM API, "Batch" limits). */
export const HUBSPOT_BATCH_MAX = 100;

/** Structured logging, as Powertools' Logger offers it. */
export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** Sync states a lead can wait in; SYNCED leads are not listed (the index is sparse). */
export type AttentionStatus = Exclude<SyncStatus, 'SYNCED'>;

export type LeadSyncResult =
  | { kind: 'synced'; leadId: string; hubspotId: string; hash: string; created: boolean; at: string }
  | { kind: 'retrying'; leadId: string; error: string; at: string }
  | { kind: 'failed'; leadId: string; error: string; failureKind: FailureKind; at: string };

export interface LeadStore {
  /** Stores a new lead; fails with a ConflictError (code lead_exists) if the id is taken. */
  create(lead: Lead): Promise<void>;
  get(leadId: string): Promise<Lead | undefined>;
  getMany(leadIds: readonly string[]): Promise<Map<string, Lead>>;
  findByEmail(email: string): Promise<Lead[]>;
  /** Writes each lead's HubSpot columns; a lead deleted meanwhile is skipped. */
  recordSyncResults(results: readonly LeadSyncResult[]): Promise<void>;
  /** Leads waiting in `status` whose status changed before `changedBefore` (all when omitted), oldest first, a page at a time. */
  listByStatus(
    status: AttentionStatus,
    options?: { changedBefore?: string; limit?: number; cursor?: string },
  ): Promise<{ leads: Lead[]; cursor?: string }>;
  /** Puts leads back to PENDING for another sync (resync); returns the ids that still exist. */
  markPending(leadIds: readonly string[], at: string): Promise<string[]>;
  countByStatus(): Promise<Record<AttentionStatus, number>>;
  /** The leads linked to a contact (several leads of one person share it). */
  findByHubSpotId(hubspotId: string): Promise<Lead[]>;
  /**
   * Applies a change made in HubSpot unless the lead already holds one at least as new
   * ('stale'); 'missing' when the lead is gone.
   */
  applyCrmChange(change: CrmLeadChange): Promise<'applied' | 'stale' | 'missing'>;
  /** The lead an UNLINKED lead's contact was (its id kept aside by `unlink`). */
  findByFormerHubSpotId(hubspotId: string): Promise<Lead[]>;
  /** The contact is gone from HubSpot: UNLINKED, HubSpot id cleared (kept aside as the former id), the lead kept. */
  unlink(leadId: string, at: string, formerHubSpotId?: string): Promise<void>;
  /** The lead's contact was merged into another: link it to the survivor; its next state is applied anew. */
  repoint(leadId: string, hubspotId: string, at: string): Promise<void>;
  /**
   * Privacy deletion (GDPR) in HubSpot: the person's data is removed, the lead kept UNLINKED and
   * empty, with the contact's id (not personal data) kept aside so later events find it and change nothing.
   */
  erase(leadId: string, at: string, formerHubSpotId: string): Promise<void>;
}

export interface CrmLeadChange {
  readonly leadId: string;
  readonly hubspotId: string;
  readonly fields: LeadFields;
  /** The contact's lastmodifieddate: changes apply only in this order. */
  readonly modifiedInCrm: string;
  /** contactHash of the contact: what the lead now holds, so it is not sent back (no echo). */
  readonly hash: string;
  readonly at: string;
}

/** The lead-sync queue as the producers see it. */
export interface LeadQueue {
  /** Queues one message per lead; returns the ids whose message could not be queued. */
  enqueue(leadIds: readonly string[], options?: { delaySeconds?: number }): Promise<{ failed: string[] }>;
}

/** What the consumer may do with a received message besides acknowledging it. */
export interface MessageRetries {
  /** Keep the message and show it again after `delaySeconds` (SQS visibility change). */
  retryAfter(items: readonly { receiptHandle: string; delaySeconds: number }[]): Promise<void>;
  /** Sends fresh copies of messages (their receive count starts again), shown after `delaySeconds`; answers the indexes not sent. */
  resend(bodies: readonly string[], delaySeconds: number): Promise<{ failed: number[] }>;
}

export interface DeadLetters {
  /** Moves every message of the DLQ back to its queue; returns how many were waiting. */
  redrive(): Promise<number>;
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export interface QueueInspector {
  depths(): Promise<{ queue: QueueDepth; deadLetter: QueueDepth }>;
}

export interface ContactInput {
  /** Normalised email: the upsert key. */
  readonly email: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface ContactUpsertResult {
  /** Per email: the contact id and whether HubSpot created it. */
  readonly written: ReadonlyMap<string, { id: string; created: boolean }>;
  /** Per email: HubSpot's reason for refusing that input. */
  readonly rejected: ReadonlyMap<string, string>;
  /**
   * Per email: HubSpot's reason for not writing that input now because another write holds the
   * record (a per-input error of category CONFLICT or LOCKED, or status 409/423): retried, not refused.
   */
  readonly conflicted?: ReadonlyMap<string, string>;
  /** How long HubSpot took to answer (the request alone, not the wait for rate budget). */
  readonly requestMs?: number;
}

export interface ContactState {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
  /** HubSpot's `updatedAt` (the contact's lastmodifieddate), ISO 8601. */
  readonly updatedAt: string;
}

export interface HubSpotContactReader {
  /** Current state of up to 100 contacts in one call; ids HubSpot does not know are absent. */
  readContacts(
    ids: readonly string[],
    properties: readonly string[],
    options: { maxWaitMs: number; timeoutMs: number },
  ): Promise<Map<string, ContactState>>;
  /**
   * Which of up to 100 contacts HubSpot still has: `live`, or `archived` (in the recycle bin);
   * contacts it no longer has at all (deleted for good, merged away) are absent. Destructive
   * events are checked with it before they change a lead (issue 12 §2).
   */
  contactPresence(ids: readonly string[], options: { maxWaitMs: number; timeoutMs: number }): Promise<Map<string, ContactPresence>>;
}

export type ContactPresence = 'live' | 'archived';

export interface HubSpotContacts {
  /** How long until the rate budget has room for a call (0: now). Reserves nothing. */
  budgetWaitMs(): number;
  /** For a batch that goes back to the queue: the ms until it should come back for a call slot (a budget per process promises it that slot; the shared budget holds none). */
  holdSlotMs(): number;
  /**
   * Creates or updates contacts by email in one call (at most 100 inputs).
   * Throws RateLimitedError (`attempted: false` when the rate budget was spent before calling),
   * RetryableError for 429/5xx/timeouts, PermanentError when HubSpot refused the whole batch.
   */
  upsertByEmail(inputs: readonly ContactInput[], options: { maxWaitMs: number; timeoutMs: number }): Promise<ContactUpsertResult>;
}

/** Counters of the HubSpot webhook (CONTRACT.md `GET /integrations/hubspot/webhook-status`). */
export interface WebhookTotals {
  readonly totalReceived: number;
  readonly totalProcessed: number;
  readonly totalSkipped: number;
  readonly skippedByReason: Readonly<Record<string, number>>;
  readonly totalFailed: number;
  readonly lastReceivedAt: string | null;
}

export interface WebhookStats {
  totals(): Promise<WebhookTotals>;
}

/**
 * Which HubSpot events were settled already (dedupe), and the statistics. Every event is counted
 * received once, when it is settled or parked, together with its outcome: the webhook route does
 * no database write (it must answer fast), and a re-sent event is not counted twice.
 */
export interface WebhookLedger {
  /** The keys among these that were settled before (parked ones are not: a redrive applies them). */
  seen(keys: readonly string[]): Promise<Set<string>>;
  /**
   * Marks events settled and counts them (received, and processed or skipped by reason), each key
   * once even when two consumers settle it at the same time; an event parked before moves from
   * failed to its outcome. The record outlives HubSpot's 24 h of retries.
   */
  settle(outcomes: ReadonlyMap<string, EventOutcome>, receivedAt?: string): Promise<void>;
  /** Events whose last attempt failed: parked in the DLQ for a redrive, counted received and failed once. */
  failed(keys: readonly string[], receivedAt?: string): Promise<void>;
}

/** Queues JSON message bodies; returns the indexes that could not be queued. */
export interface MessageSender {
  sendBodies(bodies: readonly string[]): Promise<{ failed: number[] }>;
}

/** A portal's HubSpot API limit as HubSpot states it (`X-HubSpot-RateLimit-Max`, `-Interval-Milliseconds`). */
export interface RateLimits {
  readonly max: number;
  readonly intervalMs: number;
}

/** A portal's daily API quota as last seen (`X-HubSpot-RateLimit-Daily`, `-Daily-Remaining`). */
export interface DailyQuota {
  readonly limit?: number;
  readonly remaining?: number;
  /** Epoch ms of the answer that said so. */
  readonly observedAt: number;
  /** Epoch ms until which the day's quota is spent (midnight in the portal's time zone). */
  readonly exhaustedUntil?: number;
}

/** Everything stored about one portal's shared rate budget. */
export interface RateBudgetState {
  /** When each call token was last taken (epoch ms), by token number. */
  readonly tokens: ReadonlyMap<number, number>;
  readonly limits?: RateLimits;
  readonly daily?: DailyQuota;
  /** The portal's IANA time zone (account details): its day, and so its daily quota, ends at midnight there. */
  readonly timeZone?: string;
}

/**
 * The HubSpot rate budget shared by every function and execution environment of a deployment,
 * one per portal (issue 13 §3). A call takes one of `max` tokens, and a token is taken again only
 * a whole interval (and a margin) after its last use, so no rolling window ever holds more than
 * `max` calls however many environments call at once.
 */
export interface RateBudgetStore {
  load(portalId: string): Promise<RateBudgetState>;
  /** Takes `token` for a call at `at` if it was last taken at or before `freeAtOrBefore`; otherwise answers when it was. */
  takeToken(portalId: string, token: number, at: number, freeAtOrBefore: number): Promise<{ taken: true } | { taken: false; usedAt: number }>;
  saveLimits(portalId: string, limits: RateLimits): Promise<void>;
  saveDaily(portalId: string, daily: DailyQuota): Promise<void>;
  saveTimeZone(portalId: string, timeZone: string): Promise<void>;
}
