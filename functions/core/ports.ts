/**
 * What the core needs from the outside world. Adapters live in `functions/store` (DynamoDB),
 * `functions/runtime` (SQS) and `functions/connectors` (HubSpot); tests pass in-memory fakes.
 */
import type { LeadFields } from './contact-mapping.js';
import type { FailureKind, Lead, SyncStatus } from './lead.js';

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
  /** Stores a new lead; fails if the id is taken. */
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
  findByHubSpotId(hubspotId: string): Promise<Lead | undefined>;
  /**
   * Applies a change made in HubSpot unless the lead already holds one at least as new
   * ('stale'); 'missing' when the lead is gone.
   */
  applyCrmChange(change: CrmLeadChange): Promise<'applied' | 'stale' | 'missing'>;
  /** The contact is gone from HubSpot: UNLINKED, HubSpot id cleared, the lead kept. */
  unlink(leadId: string, at: string): Promise<void>;
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
}

export interface HubSpotContacts {
  /** How long until the rate budget has room for a call (0: now). Reserves nothing. */
  budgetWaitMs(): number;
  /** Promises the next free call slot to a batch that goes back to the queue; returns the ms until it. */
  holdSlotMs(): number;
  /**
   * Creates or updates contacts by email in one call (at most 100 inputs).
   * Throws RateLimitedError (`attempted: false` when the rate budget was spent before calling),
   * RetryableError for 429/5xx/timeouts, PermanentError when HubSpot refused the whole batch.
   */
  upsertByEmail(inputs: readonly ContactInput[], options: { maxWaitMs: number; timeoutMs: number }): Promise<ContactUpsertResult>;
}
