/**
 * In-memory ports of the Buildium sync (core/buildium-ports.ts, core/buildium-jobs.ts) with the
 * rules of the real adapters the sync relies on, and Buildium records shaped as the seeded sandbox
 * returns them (lib/local/sandboxes/buildium/types.ts).
 *
 * - FakeHubSpotObjects: upsert by a unique property (emails caseless, as HubSpot's), update by id
 *   (an unknown id is refused as HubSpot refuses it), batch read, associations as sets. Like
 *   HubSpotObjectsAdapter, a call with no inputs is no request: it is neither logged nor counted.
 * - InMemoryBuildiumMappings: versioned, each write conditional on the version read.
 * - InMemoryJobLedger: DynamoSyncJobs' rules (a page is done once, status only moves forward,
 *   startPhase only from the previous phase with nothing pending, one error item per record).
 */
import type { JobLedger, PageWrite } from '../../../functions/core/buildium-jobs.js';
import { SyncMessageSchema, type JobMode, type JobState, type JobStatus, type LastUpdatedWindow, type ListKind, type Plan, type RetryItem, type SyncMessage } from '../../../functions/core/buildium-messages.js';
import type { BuildiumReader } from '../../../functions/core/buildium-paging.js';
import type { StoredSyncConfig } from '../../../functions/core/buildium-config.js';
import {
  mappingRefKey,
  type AssociationPair,
  type AuditChange,
  type BuildiumMapping,
  type BuildiumMappings,
  type HubSpotObjects,
  type LabelName,
  type MappingRef,
  type MappingType,
  type MappingWrite,
  type ObjectWriteResult,
  type PageCounts,
  type ReviewItem,
  type SyncErrorRecord,
} from '../../../functions/core/buildium-ports.js';
import { RetryableError } from '../../../functions/core/errors.js';
import type { AddressMessage, LeaseMessage, RentalMessage, RentalUnitMessage, TenantMessage } from '../../../lib/local/sandboxes/buildium/types.js';

// ---------------------------------------------------------------- HubSpot

export type HubSpotMethod = 'upsert' | 'update' | 'read' | 'associateDefault' | 'associateLabeled' | 'removeLabel';
export const WRITE_METHODS: readonly HubSpotMethod[] = ['upsert', 'update', 'associateDefault', 'associateLabeled', 'removeLabel'];

export interface HubSpotCall {
  readonly method: HubSpotMethod;
  readonly objectType: string;
  /** Associations: the other end's type. */
  readonly toObjectType?: string;
  readonly label?: LabelName;
  readonly inputs: readonly unknown[];
}

export interface StoredObject {
  readonly id: string;
  readonly properties: Record<string, string>;
}

/** HubSpot's answer for an id it does not have (batch update, `OBJECT_NOT_FOUND`). */
export const NOT_FOUND_REASON = 'OBJECT_NOT_FOUND: Object not found. objectId are usually numeric.';

export class FakeHubSpotObjects implements HubSpotObjects {
  readonly log: HubSpotCall[] = [];
  /** Upsert keys and object ids HubSpot refuses, with its reason. */
  readonly refuse = new Map<string, string>();
  private readonly objects = new Map<string, Map<string, StoredObject>>();
  private readonly associations = new Map<string, Set<string>>();
  private readonly interruptions: Array<{ method: HubSpotMethod; remaining: number }> = [];
  private nextId = 9001;

  get calls(): number {
    return this.log.length;
  }

  /** Calls of these methods (default: every write). */
  callsOf(...methods: HubSpotMethod[]): HubSpotCall[] {
    const wanted = methods.length > 0 ? methods : WRITE_METHODS;
    return this.log.filter((c) => wanted.includes(c.method));
  }

  /** The `nth` next call of `method` throws (a timeout, a 502) before HubSpot writes anything; once. */
  interrupt(method: HubSpotMethod, nth: number): void {
    this.interruptions.push({ method, remaining: nth });
  }

  all(objectType: string): StoredObject[] {
    return [...(this.objects.get(objectType)?.values() ?? [])];
  }

  get(objectType: string, id: string): StoredObject | undefined {
    return this.objects.get(objectType)?.get(id);
  }

  /** The object whose `property` is `value` (caseless for emails). */
  find(objectType: string, property: string, value: string): StoredObject | undefined {
    const norm = (v: string) => (property === 'email' ? v.toLowerCase() : v);
    return this.all(objectType).find((o) => o.properties[property] !== undefined && norm(o.properties[property]!) === norm(value));
  }

  /** A HubSpot user edits a record. */
  edit(objectType: string, id: string, properties: Record<string, string>): void {
    Object.assign(this.objects.get(objectType)!.get(id)!.properties, properties);
  }

  /** A HubSpot user deletes a record. */
  delete(objectType: string, id: string): void {
    this.objects.get(objectType)?.delete(id);
  }

  /** Pairs `fromId|toId` associated from → to: `label` or, when absent, the default association. */
  associated(from: string, to: string, label?: LabelName): string[] {
    return [...(this.associations.get(`${from}|${to}|${label ?? 'default'}`) ?? [])].sort();
  }

  async upsert(objectType: string, idProperty: string, inputs: readonly { key: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult> {
    const result: ObjectWriteResult = { written: new Map(), rejected: new Map() };
    if (!this.request('upsert', objectType, inputs)) return result;
    for (const input of inputs) {
      const refused = this.refuse.get(input.key);
      if (refused) {
        result.rejected.set(input.key, refused);
        continue;
      }
      const existing = this.find(objectType, idProperty, input.key);
      const properties = withoutCleared({ ...existing?.properties, ...input.properties, [idProperty]: input.key });
      const id = existing?.id ?? String(this.nextId++);
      this.store(objectType).set(id, { id, properties });
      result.written.set(input.key, { id, created: !existing });
    }
    return result;
  }

  async update(objectType: string, inputs: readonly { id: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult> {
    const result: ObjectWriteResult = { written: new Map(), rejected: new Map() };
    if (!this.request('update', objectType, inputs)) return result;
    for (const input of inputs) {
      const existing = this.get(objectType, input.id);
      const refused = this.refuse.get(input.id) ?? (existing ? undefined : NOT_FOUND_REASON);
      if (refused || !existing) {
        result.rejected.set(input.id, refused ?? NOT_FOUND_REASON);
        continue;
      }
      this.store(objectType).set(input.id, { id: input.id, properties: withoutCleared({ ...existing.properties, ...input.properties }) });
      result.written.set(input.id, { id: input.id, created: false });
    }
    return result;
  }

  async read(objectType: string, ids: readonly string[], properties: readonly string[]): Promise<Map<string, Record<string, string | null>>> {
    const out = new Map<string, Record<string, string | null>>();
    if (!this.request('read', objectType, ids)) return out;
    for (const id of ids) {
      const found = this.get(objectType, id);
      // HubSpot's batch read leaves out ids it does not have, and answers null for an empty property.
      if (found) out.set(id, Object.fromEntries(properties.map((p) => [p, found.properties[p] ?? null])));
    }
    return out;
  }

  async associateDefault(from: string, to: string, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>> {
    return this.pairs('associateDefault', from, to, undefined, pairs, (set, key) => set.add(key));
  }

  async associateLabeled(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>> {
    return this.pairs('associateLabeled', from, to, label, pairs, (set, key) => set.add(key));
  }

  async removeLabel(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>> {
    return this.pairs('removeLabel', from, to, label, pairs, (set, key) => set.delete(key));
  }

  private async pairs(
    method: HubSpotMethod,
    from: string,
    to: string,
    label: LabelName | undefined,
    pairs: readonly AssociationPair[],
    apply: (set: Set<string>, key: string) => void,
  ): Promise<Map<AssociationPair, string>> {
    const refused = new Map<AssociationPair, string>();
    if (!this.request(method, from, pairs, to, label)) return refused;
    const key = `${from}|${to}|${label ?? 'default'}`;
    const set = this.associations.get(key) ?? new Set<string>();
    this.associations.set(key, set);
    for (const pair of pairs) {
      const reason = this.refuse.get(pair.fromId) ?? this.refuse.get(pair.toId);
      if (reason) refused.set(pair, reason);
      else apply(set, `${pair.fromId}|${pair.toId}`);
    }
    return refused;
  }

  /** Logs a request; false when there is nothing to send (the adapter makes no call then). */
  private request(method: HubSpotMethod, objectType: string, inputs: readonly unknown[], toObjectType?: string, label?: LabelName): boolean {
    if (inputs.length === 0) return false;
    // HubSpot's batch upsert and update take at most 100 inputs (the adapter throws beyond that; read chunks itself).
    if (inputs.length > 100 && (method === 'upsert' || method === 'update')) {
      throw new Error(`at most 100 inputs per ${method}, got ${inputs.length}`);
    }
    const interruption = this.interruptions.find((i) => i.method === method);
    if (interruption && --interruption.remaining === 0) {
      this.interruptions.splice(this.interruptions.indexOf(interruption), 1);
      throw new RetryableError(`HubSpot ${method} timed out`);
    }
    this.log.push({ method, objectType, inputs: structuredClone([...inputs]), ...(toObjectType ? { toObjectType } : {}), ...(label ? { label } : {}) });
    return true;
  }

  private store(objectType: string): Map<string, StoredObject> {
    const found = this.objects.get(objectType) ?? new Map<string, StoredObject>();
    this.objects.set(objectType, found);
    return found;
  }
}

/** HubSpot keeps no empty values: a property set to '' is cleared. */
function withoutCleared(properties: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== ''));
}

// ---------------------------------------------------------------- mappings

export class InMemoryBuildiumMappings implements BuildiumMappings {
  private readonly items = new Map<string, BuildiumMapping>();

  get(type: MappingType, sourceId: string | number): BuildiumMapping | undefined {
    return this.items.get(`${type}#${sourceId}`);
  }

  all(type: MappingType): BuildiumMapping[] {
    return [...this.items.entries()].filter(([k]) => k.startsWith(`${type}#`)).map(([, m]) => m);
  }

  async getMany(type: MappingType, sourceIds: readonly string[]): Promise<Map<string, BuildiumMapping>> {
    const out = new Map<string, BuildiumMapping>();
    for (const id of sourceIds) {
      const found = this.get(type, id);
      if (found) out.set(id, structuredClone(found));
    }
    return out;
  }

  async getAll(refs: readonly MappingRef[]): Promise<Map<string, BuildiumMapping>> {
    const out = new Map<string, BuildiumMapping>();
    for (const ref of refs) {
      const found = this.get(ref.type, ref.sourceId);
      if (found) out.set(mappingRefKey(ref.type, ref.sourceId), structuredClone(found));
    }
    return out;
  }

  async putMany(type: MappingType, writes: readonly MappingWrite[]): Promise<string[]> {
    const stale: string[] = [];
    for (const w of writes) {
      const current = this.get(type, w.sourceId)?.version ?? 0;
      if (current !== w.expectedVersion) {
        stale.push(w.sourceId);
        continue;
      }
      this.items.set(`${type}#${w.sourceId}`, {
        sourceId: w.sourceId,
        hubspotType: w.hubspotType,
        hubspotId: w.hubspotId,
        syncHash: w.syncHash,
        extra: structuredClone(w.extra),
        version: current + 1,
      });
    }
    return stale;
  }

  async byHubSpotObject(type: MappingType, hubspotType: string, hubspotId: string): Promise<BuildiumMapping[]> {
    return this.all(type).filter((m) => m.hubspotType === hubspotType && m.hubspotId === hubspotId).map((m) => structuredClone(m));
  }

  async claim(type: 'tenant-email', claims: readonly { key: string; owner: string }[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const c of claims) {
      const held = this.get(type, c.key);
      if (held) owners.set(c.key, held.hubspotId);
      else {
        await this.putMany(type, [{ sourceId: c.key, hubspotType: 'tenant', hubspotId: c.owner, syncHash: '-', extra: {}, expectedVersion: 0 }]);
        owners.set(c.key, c.owner);
      }
    }
    return owners;
  }
}

// ---------------------------------------------------------------- job ledger, queue, cursor, config

const COUNTS = ['processed', 'created', 'updated', 'skipped', 'failed'] as const;
const QUALITY = ['invalid', 'duplicateEmails'] as const;

interface JobItem {
  jobId: string;
  mode: JobMode;
  status: JobStatus;
  startedAt: string;
  completedAt?: string;
  phase: number;
  pagesPending: number;
  plan: Plan;
  startedBy?: string;
  windowFrom?: string;
  windowTo: string;
  pageSize: number;
  counts: Record<(typeof COUNTS)[number] | (typeof QUALITY)[number], number>;
}

export interface StoredError extends SyncErrorRecord {
  readonly jobId: string;
  readonly retries: number;
  readonly resolved: boolean;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

export type StoredReview = ReviewItem & { jobId: string; status: string; at: string; resolution?: string };

/** DynamoSyncJobs in memory: the ledger the messages move a job with, and what the scheduler reads. */
export class InMemoryJobLedger implements JobLedger {
  private readonly jobs = new Map<string, JobItem>();
  /** Page markers in the order the pages were done: `jobId|pageKey`. */
  readonly pagesDone: string[] = [];
  readonly errorItems = new Map<string, StoredError>();
  readonly auditEntries: Array<{ jobId: string; pageKey: string; changes: readonly AuditChange[] }> = [];
  readonly reviewItems = new Map<string, StoredReview>();

  constructor(private readonly now: () => Date = () => new Date('2025-10-12T10:00:00.000Z')) {}

  async open(jobId: string, mode: JobMode, options: { windowFrom?: string; windowTo?: string; pageSize?: number } = {}): Promise<boolean> {
    if (this.jobs.has(jobId)) return false;
    const startedAt = this.now().toISOString();
    this.jobs.set(jobId, {
      jobId,
      mode,
      status: 'pending',
      startedAt,
      phase: -1,
      pagesPending: 0,
      plan: {},
      windowTo: options.windowTo ?? startedAt,
      pageSize: options.pageSize ?? 1000,
      ...(options.windowFrom ? { windowFrom: options.windowFrom } : {}),
      counts: { processed: 0, created: 0, updated: 0, skipped: 0, failed: 0, invalid: 0, duplicateEmails: 0 },
    });
    return true;
  }

  async state(jobId: string): Promise<(JobState & { quality: { invalid: number; duplicateEmails: number } }) | undefined> {
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    return {
      jobId,
      mode: job.mode,
      status: job.status,
      phase: job.phase,
      pagesPending: job.pagesPending,
      plan: { ...job.plan },
      ...(job.startedBy ? { startedBy: job.startedBy } : {}),
      windowTo: job.windowTo,
      pageSize: job.pageSize,
      ...(job.windowFrom ? { windowFrom: job.windowFrom } : {}),
      quality: { invalid: job.counts.invalid, duplicateEmails: job.counts.duplicateEmails },
    };
  }

  /** The job as `GET /sync/jobs/{jobId}` shows it. */
  async get(jobId: string) {
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    const { processed, created, updated, skipped, failed } = job.counts;
    return { jobId, mode: job.mode, status: job.status, startedAt: job.startedAt, completedAt: job.completedAt ?? null, counts: { processed, created, updated, skipped, failed } };
  }

  async startPhase(jobId: string, phase: number, plan: Plan, pages: number, startedBy?: string): Promise<boolean> {
    const job = this.jobs.get(jobId);
    if (!job || job.phase !== phase - 1 || job.pagesPending !== 0) return false;
    Object.assign(job, { phase, plan: { ...plan }, pagesPending: pages, startedBy });
    return true;
  }

  async pageStart(jobId: string, pageKey: string): Promise<{ job: JobState; done: boolean } | undefined> {
    const job = await this.state(jobId);
    return job && { job, done: this.pagesDone.includes(`${jobId}|${pageKey}`) };
  }

  async finishPage(jobId: string, pageKey: string, write: PageWrite, options: { planned: boolean; morePages?: number }): Promise<{ counted: boolean; job?: JobState }> {
    if (write.errors.length > 0) await this.recordErrors(jobId, write.errors);
    if (write.hold.length > 0) await this.holdForRetry(jobId, write.hold);
    if (write.audit.length > 0) await this.audit(jobId, pageKey, write.audit);
    if (write.reviews.length > 0) await this.review(jobId, write.reviews);
    if (write.release) await this.release(write.release);
    const counted = this.count(jobId, pageKey, write.counts, options.planned ? (options.morePages ?? 0) - 1 : 0);
    return { counted, ...(options.planned ? { job: (await this.state(jobId))! } : {}) };
  }

  /** Marks a page done, adds its counts and moves the pending pages by `delta`; false when it was done already. */
  count(jobId: string, pageKey: string, counts: PageCounts, delta = -1): boolean {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    const marker = `${jobId}|${pageKey}`;
    if (this.pagesDone.includes(marker)) return false;
    this.pagesDone.push(marker);
    for (const name of [...COUNTS, ...QUALITY]) job.counts[name] += counts[name];
    job.pagesPending += delta;
    return true;
  }

  async setStatus(jobId: string, status: 'running' | 'completed' | 'failed'): Promise<void> {
    const job = this.jobs.get(jobId);
    const allowedFrom: Record<typeof status, JobStatus[]> = { running: ['pending'], completed: ['pending', 'running', 'failed'], failed: ['pending', 'running'] };
    if (!job || !allowedFrom[status].includes(job.status)) return;
    job.status = status;
    if (status !== 'running') job.completedAt = this.now().toISOString();
  }

  readonly links = new Map<string, { afterId: number; offset: number }>();
  /** Records held for retry by `entity#sourceId`, with the job that failed them. */
  readonly held = new Map<string, RetryItem & { jobId: string }>();

  async chainPage(jobId: string, pageKey: string, next: { afterId: number; offset: number }): Promise<{ afterId: number; offset: number }> {
    const key = `${jobId}|${pageKey}`;
    const found = this.links.get(key);
    if (found) return found;
    this.links.set(key, next);
    this.jobs.get(jobId)!.pagesPending += 1;
    return next;
  }

  async holdForRetry(jobId: string, items: readonly RetryItem[]): Promise<void> {
    for (const i of items) this.held.set(`${i.entity}#${i.sourceId}`, { entity: i.entity, sourceId: i.sourceId, jobId });
  }

  async heldForRetry(): Promise<Array<RetryItem & { jobId: string }>> {
    return [...this.held.values()];
  }

  async release(items: readonly RetryItem[]): Promise<void> {
    for (const i of items) {
      const found = this.held.get(`${i.entity}#${i.sourceId}`);
      if (!found) continue;
      this.held.delete(`${i.entity}#${i.sourceId}`);
      await this.resolveError(found.jobId, i.entity, i.sourceId);
    }
  }

  async recordErrors(jobId: string, errors: readonly SyncErrorRecord[]): Promise<void> {
    const at = this.now().toISOString();
    for (const e of errors) {
      const key = `${jobId}|${e.entity}|${e.sourceId}`;
      const before = this.errorItems.get(key);
      this.errorItems.set(key, { ...e, jobId, retries: (before?.retries ?? 0) + 1, resolved: false, firstSeenAt: before?.firstSeenAt ?? at, lastSeenAt: at });
    }
  }

  async errors(jobId: string): Promise<StoredError[]> {
    return [...this.errorItems.values()].filter((e) => e.jobId === jobId);
  }

  async resolveError(jobId: string, entity: string, sourceId: string): Promise<void> {
    const key = `${jobId}|${entity}|${sourceId}`;
    const found = this.errorItems.get(key);
    if (found) this.errorItems.set(key, { ...found, resolved: true });
  }

  async audit(jobId: string, pageKey: string, changes: readonly AuditChange[]): Promise<void> {
    this.auditEntries.push({ jobId, pageKey, changes: structuredClone([...changes]) });
  }

  async review(jobId: string, items: readonly ReviewItem[]): Promise<void> {
    const at = this.now().toISOString();
    for (const item of items) this.reviewItems.set(`${item.entity}#${item.sourceId}`, { ...item, jobId, status: 'open', at });
  }

  async reviews(): Promise<StoredReview[]> {
    return [...this.reviewItems.values()];
  }

  async resolveReview(entity: string, sourceId: string, resolution: 'buildium' | 'hubspot'): Promise<boolean> {
    const item = this.reviewItems.get(`${entity}#${sourceId}`);
    if (item?.status !== 'open') return false;
    this.reviewItems.set(`${entity}#${sourceId}`, { ...item, status: 'resolved', resolution });
    return true;
  }
}

/** The buildium-sync queue: what the core sends, and the scheduler's bodies (parsed as the consumer parses them). */
export class RecordingSyncQueue {
  readonly messages: SyncMessage[] = [];
  refuseAll = false;

  async send(messages: readonly SyncMessage[]): Promise<void> {
    if (this.refuseAll) throw new RetryableError('SQS refused the batch');
    this.messages.push(...structuredClone([...messages]));
  }

  async sendBodies(bodies: readonly string[]): Promise<{ failed: number[] }> {
    if (this.refuseAll) return { failed: bodies.map((_, i) => i) };
    this.messages.push(...bodies.map((b) => SyncMessageSchema.parse(JSON.parse(b)) as SyncMessage));
    return { failed: [] };
  }

  /** The oldest message not yet taken. */
  take(): SyncMessage | undefined {
    return this.messages.shift();
  }
}

/** Named cursors that only move forward (DynamoCursors). */
export class InMemoryCursors {
  readonly values = new Map<string, string>();
  async get(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }
  async set(name: string, value: string): Promise<void> {
    const current = this.values.get(name);
    if (current === undefined || current < value) this.values.set(name, value);
  }
}

export class InMemoryBuildiumConfig {
  stored: StoredSyncConfig | undefined;
  async get(): Promise<StoredSyncConfig | undefined> {
    return this.stored && structuredClone(this.stored);
  }
  async put(config: StoredSyncConfig): Promise<void> {
    this.stored = structuredClone(config);
  }
}

// ---------------------------------------------------------------- Buildium

/** Buildium's listings in memory: sorted by Id, limit/offset, X-Total-Count or none. */
export class FakeBuildiumReader implements BuildiumReader {
  readonly lists: Record<ListKind, Array<{ Id: number }>> = { rentals: [], tenants: [], units: [], leases: [] };
  /** false: Buildium sends no X-Total-Count. */
  totals = true;
  readonly reads: Array<{ list: ListKind; offset: number; limit: number; window: LastUpdatedWindow }> = [];
  /** Called as each page is read (to observe what else had happened by then). */
  onPage?: (list: ListKind, offset: number) => void;

  constructor(records: Partial<Record<ListKind, ReadonlyArray<{ Id: number }>>> = {}) {
    for (const [list, items] of Object.entries(records) as [ListKind, Array<{ Id: number }>][]) this.lists[list] = [...items];
  }

  async count(list: ListKind): Promise<number | null> {
    return this.totals ? this.lists[list].length : null;
  }

  async page(list: ListKind, offset: number, limit: number, window: LastUpdatedWindow): Promise<readonly unknown[]> {
    this.reads.push({ list, offset, limit, window });
    this.onPage?.(list, offset);
    return structuredClone([...this.lists[list]].sort((a, b) => a.Id - b.Id).slice(offset, offset + limit));
  }

  async byId(list: ListKind, id: number): Promise<unknown> {
    const found = this.lists[list].find((r) => r.Id === id);
    return found && structuredClone(found);
  }
}

const FIRST_NAMES = ['Maria', 'James', 'Priya', 'Andre', 'Mei', 'Diego', 'Fatima', 'Sean'];
const LAST_NAMES = ['Garcia', 'Okafor', 'Patel', 'Washington', 'Chen', 'Rossi', 'Haddad', "O'Connor"];

export function address(line1: string, line2: string | null = null, city = 'Austin', postalCode = '78704'): AddressMessage {
  return { AddressLine1: line1, AddressLine2: line2, AddressLine3: null, City: city, State: 'TX', PostalCode: postalCode, Country: 'UnitedStates' };
}

/** A TenantMessage as `/v1/leases/tenants` lists it (sandbox ids start at 100001). */
export function tenantMessage(id: number, fields: Partial<TenantMessage> = {}): TenantMessage {
  const first = FIRST_NAMES[id % FIRST_NAMES.length]!;
  const last = LAST_NAMES[id % LAST_NAMES.length]!;
  return {
    Id: id,
    FirstName: first,
    LastName: last,
    Email: `${first.toLowerCase()}.${last.toLowerCase().replace(/'/g, '')}${id}@example.com`,
    AlternateEmail: null,
    PhoneNumbers: [
      { Number: `(512) 555-01${String(id % 100).padStart(2, '0')}`, Type: 'Cell' },
      { Number: '(512) 555-0199', Type: 'Home' },
    ],
    CreatedDateTime: '2024-03-18T14:02:11Z',
    EmergencyContact: null,
    DateOfBirth: '1988-04-02',
    SMSOptInStatus: 'OptedIn',
    Address: address('4410 Maple Ave', 'Unit 101'),
    AlternateAddress: null,
    MailingPreference: 'PrimaryAddress',
    Leases: null,
    Comment: null,
    TaxId: null,
    ...fields,
  };
}

/** A RentalMessage as `/v1/rentals` lists it (sandbox ids start at 1001). */
export function rentalMessage(id: number, fields: Partial<RentalMessage> = {}): RentalMessage {
  return {
    Id: id,
    Name: `Maple Commons ${id}`,
    StructureDescription: '12-unit garden-style building',
    NumberUnits: 12,
    IsActive: true,
    OperatingBankAccountId: 11,
    Reserve: 2500,
    Address: address(`${id} Maple Ave`),
    YearBuilt: 1998,
    RentalType: 'Residential',
    RentalSubType: 'MultiFamily',
    RentalManager: null,
    ...fields,
  };
}

/** A RentalUnitMessage as `/v1/rentals/units` lists it (sandbox ids start at 20001). */
export function unitMessage(id: number, propertyId: number, fields: Partial<RentalUnitMessage> = {}): RentalUnitMessage {
  return {
    Id: id,
    PropertyId: propertyId,
    BuildingName: 'Building A',
    UnitNumber: `1${String(id % 100).padStart(2, '0')}`,
    Description: 'Renovated unit with in-unit laundry',
    MarketRent: 1875,
    Address: address(`${propertyId} Maple Ave`, `Unit 1${String(id % 100).padStart(2, '0')}`),
    UnitBedrooms: 'TwoBed',
    UnitBathrooms: 'OnePointFiveBath',
    UnitSize: 950,
    IsUnitListed: false,
    IsUnitOccupied: true,
    ...fields,
  };
}

/** A LeaseMessage as `/v1/leases` lists it (sandbox ids start at 500001). */
export function leaseMessage(id: number, unit: { Id: number; PropertyId: number }, tenantIds: readonly number[], fields: Partial<LeaseMessage> = {}): LeaseMessage {
  const status = fields.LeaseStatus ?? 'Active';
  return {
    Id: id,
    PropertyId: unit.PropertyId,
    UnitId: unit.Id,
    UnitNumber: '101',
    LeaseFromDate: '2025-03-01',
    LeaseToDate: '2026-02-28',
    LeaseType: 'Fixed',
    LeaseStatus: status,
    IsEvictionPending: false,
    TermType: 'Standard',
    RenewalOfferStatus: status === 'Active' ? 'NotStarted' : null,
    CurrentTenants: null,
    CurrentNumberOfOccupants: tenantIds.length,
    AccountDetails: { SecurityDeposit: 1875, Rent: 1875 },
    Cosigners: [],
    AutomaticallyMoveOutTenants: false,
    CreatedDateTime: '2025-02-08T16:20:00Z',
    LastUpdatedDateTime: '2025-09-30T12:00:00Z',
    MoveOutData: [],
    PaymentDueDay: 1,
    Tenants: tenantIds.map((t) => ({ Id: t, Status: status === 'Past' ? 'MovedOut' : status === 'Future' ? 'Future' : 'Current', MoveInDate: '2025-03-01' })),
    ...fields,
  };
}
