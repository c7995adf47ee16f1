/**
 * In-memory adapters of the core's ports (functions/core/ports.ts), so core and handler tests
 * need no module mocking. They behave like the real adapters where a test could tell the
 * difference: the lead store keeps the same columns as DynamoDB, pages `listByStatus` by key
 * (a cursor stays valid while leads move between statuses, as DynamoDB's LastEvaluatedKey does).
 */
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { ConflictError } from '../../../functions/core/errors.js';
import { newLead, LeadInputSchema, type Lead } from '../../../functions/core/lead.js';
import type {
  CrmLeadChange,
  AttentionStatus,
  ContactInput,
  ContactPresence,
  ContactState,
  ContactUpsertResult,
  HubSpotContactReader,
  DeadLetters,
  HubSpotContacts,
  LeadQueue,
  LeadStore,
  LeadSyncResult,
  Log,
  MessageRetries,
  QueueDepth,
  QueueInspector,
  MessageSender,
  WebhookLedger,
  WebhookStats,
  WebhookTotals,
} from '../../../functions/core/ports.js';
import type { EventOutcome } from '../../../functions/core/inbound-contacts.js';

export const T0 = new Date('2025-10-12T10:00:00.000Z');

/** A lead as `POST /leads` would have stored it (the input goes through the contract's schema). */
export function storedLead(
  leadId: string,
  input: Record<string, unknown>,
  overrides: { at?: Date; hubspot?: Partial<Lead['hubspot']>; updatedAt?: string; statusChangedAt?: string } = {},
): Lead {
  const lead = newLead(LeadInputSchema.parse(input), leadId, overrides.at ?? T0);
  return {
    ...lead,
    ...(overrides.updatedAt ? { updatedAt: overrides.updatedAt } : {}),
    ...(overrides.statusChangedAt ? { statusChangedAt: overrides.statusChangedAt } : {}),
    hubspot: { ...lead.hubspot, ...overrides.hubspot },
  };
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

export class RecordingLog implements Log {
  readonly entries: LogEntry[] = [];
  debug(message: string, ...attributes: Record<string, unknown>[]): void {
    this.entries.push({ level: 'debug', message, attributes: Object.assign({}, ...attributes) });
  }
  info(message: string, ...attributes: Record<string, unknown>[]): void {
    this.entries.push({ level: 'info', message, attributes: Object.assign({}, ...attributes) });
  }
  warn(message: string, ...attributes: Record<string, unknown>[]): void {
    this.entries.push({ level: 'warn', message, attributes: Object.assign({}, ...attributes) });
  }
  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.entries.push({ level: 'error', message, attributes: Object.assign({}, ...attributes) });
  }
  at(level: LogEntry['level']): LogEntry[] {
    return this.entries.filter((e) => e.level === level);
  }
}

export class InMemoryLeadStore implements LeadStore {
  readonly leads = new Map<string, Lead>();
  readonly recorded: LeadSyncResult[][] = [];
  readonly operations: string[] = [];
  /** The most items one `listByStatus` page holds, whatever `limit` asks (DynamoDB's 1 MB pages). */
  pageSize = Number.POSITIVE_INFINITY;
  failCreate?: Error;

  constructor(leads: readonly Lead[] = []) {
    for (const lead of leads) this.leads.set(lead.leadId, lead);
  }

  async create(lead: Lead): Promise<void> {
    this.operations.push(`create:${lead.leadId}`);
    if (this.failCreate) throw this.failCreate;
    if (this.leads.has(lead.leadId)) throw new ConflictError(`lead ${lead.leadId} exists`, 'lead_exists');
    this.leads.set(lead.leadId, lead);
  }

  async get(leadId: string): Promise<Lead | undefined> {
    return this.leads.get(leadId);
  }

  /** How many times the consumer read leads. */
  getManyCalls = 0;

  async getMany(leadIds: readonly string[]): Promise<Map<string, Lead>> {
    this.getManyCalls += 1;
    const found = new Map<string, Lead>();
    for (const id of leadIds) {
      const lead = this.leads.get(id);
      if (lead) found.set(id, lead);
    }
    return found;
  }

  async findByEmail(email: string): Promise<Lead[]> {
    this.operations.push(`findByEmail:${email}`);
    return [...this.leads.values()].filter((l) => l.email === email);
  }

  async recordSyncResults(results: readonly LeadSyncResult[]): Promise<void> {
    this.recorded.push([...results]);
    for (const result of results) {
      const lead = this.leads.get(result.leadId);
      if (!lead) continue;
      const attempts = lead.hubspot.attempts + 1;
      let hubspot: Lead['hubspot'];
      switch (result.kind) {
        case 'synced':
          hubspot = { id: result.hubspotId, syncStatus: 'SYNCED', syncedAt: result.at, attempts, lastAttemptAt: result.at, syncedHash: result.hash };
          break;
        case 'retrying':
          hubspot = { ...lead.hubspot, syncStatus: 'RETRYING', error: result.error, failureKind: undefined, attempts, lastAttemptAt: result.at };
          break;
        case 'failed':
          hubspot = { ...lead.hubspot, syncStatus: 'FAILED', error: result.error, failureKind: result.failureKind, attempts, lastAttemptAt: result.at };
          break;
      }
      this.leads.set(lead.leadId, { ...lead, statusChangedAt: result.at, hubspot });
    }
  }

  async listByStatus(
    status: AttentionStatus,
    options: { changedBefore?: string; limit?: number; cursor?: string } = {},
  ): Promise<{ leads: Lead[]; cursor?: string }> {
    const key = (lead: Lead) => `${lead.statusChangedAt}|${lead.leadId}`;
    const matching = [...this.leads.values()]
      .filter((l) => l.hubspot.syncStatus === status)
      .filter((l) => options.changedBefore === undefined || l.statusChangedAt < options.changedBefore)
      .sort((a, b) => key(a).localeCompare(key(b)))
      .filter((l) => options.cursor === undefined || key(l) > options.cursor);
    const size = Math.min(options.limit ?? Number.POSITIVE_INFINITY, this.pageSize);
    const page = matching.slice(0, size);
    const last = page.at(-1);
    return { leads: page, cursor: matching.length > page.length && last ? key(last) : undefined };
  }

  async markPending(leadIds: readonly string[], at: string): Promise<string[]> {
    const marked: string[] = [];
    for (const id of leadIds) {
      const lead = this.leads.get(id);
      if (!lead) continue;
      this.leads.set(id, { ...lead, statusChangedAt: at, hubspot: { ...lead.hubspot, syncStatus: 'PENDING', failureKind: undefined } });
      marked.push(id);
    }
    return marked;
  }

  async countByStatus(): Promise<Record<AttentionStatus, number>> {
    const counts: Record<AttentionStatus, number> = { PENDING: 0, RETRYING: 0, FAILED: 0, UNLINKED: 0 };
    for (const lead of this.leads.values()) {
      if (lead.hubspot.syncStatus !== 'SYNCED') counts[lead.hubspot.syncStatus] += 1;
    }
    return counts;
  }

  async findByHubSpotId(hubspotId: string): Promise<Lead[]> {
    return [...this.leads.values()].filter((l) => l.hubspot.id === hubspotId);
  }

  /** The same rule as the DynamoDB store: a change applies only over an older one. */
  async applyCrmChange(change: CrmLeadChange): Promise<'applied' | 'stale' | 'missing'> {
    this.operations.push(`applyCrmChange:${change.leadId}`);
    const lead = this.leads.get(change.leadId);
    if (!lead) return 'missing';
    const last = lead.crmMetadata.lastModifiedInCrm;
    if (lead.erasedAt !== undefined || (last !== undefined && last >= change.modifiedInCrm)) return 'stale';
    this.leads.set(lead.leadId, {
      ...lead,
      email: change.fields.email ?? lead.email,
      firstName: change.fields.firstName,
      lastName: change.fields.lastName,
      phone: change.fields.phone,
      message: change.fields.message,
      updatedAt: change.at,
      statusChangedAt: change.at,
      hubspot: { ...lead.hubspot, id: change.hubspotId, syncStatus: 'SYNCED', syncedAt: change.at, syncedHash: change.hash, error: undefined, failureKind: undefined, formerId: undefined },
      crmMetadata: { ...lead.crmMetadata, lastSyncDirection: 'from_crm', lastModifiedInCrm: change.modifiedInCrm, syncVersion: lead.crmMetadata.syncVersion + 1 },
    });
    return 'applied';
  }

  async findByFormerHubSpotId(hubspotId: string): Promise<Lead[]> {
    return [...this.leads.values()].filter((l) => l.hubspot.formerId === hubspotId);
  }

  async unlink(leadId: string, at: string, formerHubSpotId?: string): Promise<void> {
    this.operations.push(`unlink:${leadId}`);
    const lead = this.leads.get(leadId);
    if (!lead) return;
    this.leads.set(leadId, {
      ...lead,
      statusChangedAt: at,
      hubspot: { ...lead.hubspot, id: undefined, syncedHash: undefined, error: undefined, failureKind: undefined, syncStatus: 'UNLINKED', formerId: formerHubSpotId ?? lead.hubspot.formerId },
      crmMetadata: { ...lead.crmMetadata, lastSyncDirection: 'from_crm' },
    });
  }

  async repoint(leadId: string, hubspotId: string, at: string): Promise<void> {
    this.operations.push(`repoint:${leadId}:${hubspotId}`);
    const lead = this.leads.get(leadId);
    if (!lead) return;
    this.leads.set(leadId, {
      ...lead,
      statusChangedAt: at,
      hubspot: { ...lead.hubspot, id: hubspotId, syncedHash: undefined, formerId: undefined },
      crmMetadata: { ...lead.crmMetadata, lastSyncDirection: 'from_crm' },
    });
  }

  async erase(leadId: string, at: string, formerHubSpotId: string): Promise<void> {
    this.operations.push(`erase:${leadId}`);
    const lead = this.leads.get(leadId);
    if (!lead) return;
    this.leads.set(leadId, {
      leadId,
      email: '',
      source: lead.source,
      externalId: lead.externalId,
      createdAt: lead.createdAt,
      updatedAt: at,
      statusChangedAt: at,
      erasedAt: at,
      hubspot: { syncStatus: 'UNLINKED', attempts: lead.hubspot.attempts, lastAttemptAt: lead.hubspot.lastAttemptAt, syncedAt: lead.hubspot.syncedAt, formerId: formerHubSpotId },
      crmMetadata: { ...lead.crmMetadata, lastSyncDirection: 'from_crm' },
    });
  }
}

export class RecordingQueue implements LeadQueue {
  readonly sent: { leadIds: string[]; delaySeconds?: number }[] = [];
  /** Ids the queue refuses; `throws` makes every call fail. */
  refuse = new Set<string>();
  throws?: Error;

  constructor(private readonly operations?: string[]) {}

  async enqueue(leadIds: readonly string[], options: { delaySeconds?: number } = {}): Promise<{ failed: string[] }> {
    this.operations?.push(`enqueue:${leadIds.join(',')}`);
    if (this.throws) throw this.throws;
    this.sent.push({ leadIds: [...leadIds], ...options });
    return { failed: leadIds.filter((id) => this.refuse.has(id)) };
  }

  get queuedIds(): string[] {
    return this.sent.flatMap((s) => s.leadIds.filter((id) => !this.refuse.has(id)));
  }
}

export class RecordingRetries implements MessageRetries {
  readonly items: { receiptHandle: string; delaySeconds: number }[] = [];
  /** Fresh copies sent, with their delay. */
  readonly resent: { body: string; delaySeconds: number }[] = [];
  /** Whether SQS refuses fresh copies (they are then kept as they are). */
  refuseResend = false;
  async retryAfter(items: readonly { receiptHandle: string; delaySeconds: number }[]): Promise<void> {
    this.items.push(...items);
  }
  async resend(bodies: readonly string[], delaySeconds: number): Promise<{ failed: number[] }> {
    if (this.refuseResend) return { failed: bodies.map((_, i) => i) };
    this.resent.push(...bodies.map((body) => ({ body, delaySeconds })));
    return { failed: [] };
  }
  delayOf(receiptHandle: string): number | undefined {
    return this.items.find((i) => i.receiptHandle === receiptHandle)?.delaySeconds;
  }
}

export class FakeDeadLetters implements DeadLetters, QueueInspector {
  redrives = 0;
  constructor(public waiting: number) {}
  async redrive(): Promise<number> {
    this.redrives += 1;
    const moved = this.waiting;
    this.waiting = 0;
    return moved;
  }
  async depths(): Promise<{ queue: QueueDepth; deadLetter: QueueDepth }> {
    return { queue: { visible: 0, inFlight: 0, delayed: 0 }, deadLetter: { visible: this.waiting, inFlight: 0, delayed: 0 } };
  }
}

export type UpsertBehaviour = (inputs: readonly ContactInput[]) => ContactUpsertResult | Promise<ContactUpsertResult>;

/**
 * HubSpot as the core sees it. By default every input is written: a new contact id per email the
 * first time, the same id afterwards (HubSpot's upsert by email).
 */
/**
 * HubSpot's contacts as the inbound core reads them: live ones in `contacts`, archived ones (the
 * recycle bin) in `archived`; any other id is gone (deleted for good, merged away).
 */
export class FakeContactReader implements HubSpotContactReader {
  readonly contacts = new Map<string, ContactState>();
  readonly archived = new Set<string>();
  /** Ids of each state read, and of each presence check (destructive events). */
  readonly calls: string[][] = [];
  readonly presenceCalls: string[][] = [];
  readonly options: Array<{ maxWaitMs: number; timeoutMs: number }> = [];
  /** Makes every call throw. */
  fail?: Error;
  async readContacts(ids: readonly string[], _properties: readonly string[] = [], options: { maxWaitMs: number; timeoutMs: number } = { maxWaitMs: 0, timeoutMs: 0 }): Promise<Map<string, ContactState>> {
    this.calls.push([...ids]);
    this.options.push(options);
    if (this.fail) throw this.fail;
    return new Map(ids.flatMap((id) => (this.contacts.has(id) ? [[id, this.contacts.get(id)!] as const] : [])));
  }
  async contactPresence(ids: readonly string[], options: { maxWaitMs: number; timeoutMs: number }): Promise<Map<string, ContactPresence>> {
    this.presenceCalls.push([...ids]);
    this.options.push(options);
    if (this.fail) throw this.fail;
    return new Map(ids.flatMap((id): [string, ContactPresence][] => (this.contacts.has(id) ? [[id, 'live']] : this.archived.has(id) ? [[id, 'archived']] : [])));
  }
  put(id: string, properties: Record<string, string | null>, updatedAt = '2025-10-12T12:00:00.000Z'): void {
    this.archived.delete(id);
    this.contacts.set(id, { id, properties, updatedAt });
  }
  /** The contact goes to the recycle bin (HubSpot's deletion). */
  archive(id: string): void {
    this.contacts.delete(id);
    this.archived.add(id);
  }
  /** The contact is gone for good (GDPR deletion, merged away). */
  remove(id: string): void {
    this.contacts.delete(id);
    this.archived.delete(id);
  }
}

export class FakeHubSpot implements HubSpotContacts {
  readonly calls: ContactInput[][] = [];
  readonly callOptions: { maxWaitMs: number; timeoutMs: number }[] = [];
  readonly contacts = new Map<string, string>();
  private nextId = 1001;
  behaviour: UpsertBehaviour = (inputs) => this.writeAll(inputs);
  /** What `budgetWaitMs` answers: 0 means the rate budget has room now. */
  budgetWait = 0;

  budgetWaitMs(): number {
    return this.budgetWait;
  }

  /** What `holdSlotMs` answers; counts the promises made. */
  heldSlotMs = 5_000;
  slotsHeld = 0;

  holdSlotMs(): number {
    this.slotsHeld += 1;
    return this.heldSlotMs;
  }

  async upsertByEmail(inputs: readonly ContactInput[], options: { maxWaitMs: number; timeoutMs: number }): Promise<ContactUpsertResult> {
    this.callOptions.push(options);
    this.calls.push(inputs.map((i) => ({ email: i.email, properties: { ...i.properties } })));
    return this.behaviour(inputs);
  }

  writeAll(inputs: readonly ContactInput[]): ContactUpsertResult {
    const written = new Map<string, { id: string; created: boolean }>();
    for (const input of inputs) {
      const existing = this.contacts.get(input.email);
      const id = existing ?? String(this.nextId++);
      this.contacts.set(input.email, id);
      written.set(input.email, { id, created: existing === undefined });
    }
    return { written, rejected: new Map() };
  }
}

/** The webhook ledger and statistics in memory, with DynamoWebhookLedger's rules (each key counted once; parked keys settle later). */
export class InMemoryWebhookLedger implements WebhookLedger, WebhookStats {
  readonly settled = new Map<string, EventOutcome>();
  readonly parked = new Set<string>();
  receivedCount = 0;
  processed = 0;
  failedCount = 0;
  readonly skipped: Record<string, number> = {};
  lastReceivedAt: string | null = null;
  /** Makes `settle` throw. */
  failSettle?: Error;

  async seen(keys: readonly string[]): Promise<Set<string>> {
    return new Set(keys.filter((k) => this.settled.has(k)));
  }

  async settle(outcomes: ReadonlyMap<string, EventOutcome>, receivedAt?: string): Promise<void> {
    if (this.failSettle) throw this.failSettle;
    for (const [key, outcome] of outcomes) {
      if (this.settled.has(key)) continue;
      this.settled.set(key, outcome);
      if (this.parked.delete(key)) this.failedCount -= 1;
      else this.receivedCount += 1;
      if (outcome.status === 'processed') this.processed += 1;
      else this.skipped[outcome.reason] = (this.skipped[outcome.reason] ?? 0) + 1;
    }
    this.noteReceived(receivedAt);
  }

  async failed(keys: readonly string[], receivedAt?: string): Promise<void> {
    for (const key of keys) {
      if (this.settled.has(key) || this.parked.has(key)) continue;
      this.parked.add(key);
      this.receivedCount += 1;
      this.failedCount += 1;
    }
    this.noteReceived(receivedAt);
  }

  private noteReceived(at: string | undefined): void {
    if (at !== undefined && (this.lastReceivedAt === null || at > this.lastReceivedAt)) this.lastReceivedAt = at;
  }

  async totals(): Promise<WebhookTotals> {
    return {
      totalReceived: this.receivedCount,
      totalProcessed: this.processed,
      totalSkipped: Object.values(this.skipped).reduce((a, b) => a + b, 0),
      skippedByReason: { ...this.skipped },
      totalFailed: this.failedCount,
      lastReceivedAt: this.lastReceivedAt,
    };
  }
}

/** A queue that keeps what it is sent; `refuse` makes the given indexes fail, `throws` every call. */
export class RecordingSender implements MessageSender {
  readonly bodies: string[] = [];
  refuseAll = false;

  async sendBodies(bodies: readonly string[]): Promise<{ failed: number[] }> {
    if (this.refuseAll) return { failed: bodies.map((_, i) => i) };
    this.bodies.push(...bodies);
    return { failed: [] };
  }

  /** The events queued, message by message. */
  messages(): { portalId: number; events: Record<string, unknown>[] }[] {
    return this.bodies.map((b) => JSON.parse(b) as { portalId: number; events: Record<string, unknown>[] });
  }
}

/**
 * Powertools' idempotency records in a Map, with the conditional put DynamoDB would do so `Idempotency-Key` requests go through Powertools' real path.
 */
export class InMemoryPersistenceLayer extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();

  protected override async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    const inProgressExpired =
      existing?.getStatus() === IdempotencyRecordStatus.INPROGRESS && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < Date.now();
    if (existing && !existing.isExpired() && !inProgressExpired) throw new IdempotencyItemAlreadyExistsError(`record exists for ${record.idempotencyKey}`, existing);
    this.records.set(record.idempotencyKey, record);
  }

  protected override async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}
