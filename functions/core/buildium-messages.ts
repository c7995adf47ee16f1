/**
 * The buildium-sync queue's messages (one schema, used by the writer and the reader) and the job
 * shape they move along (core/buildium-jobs.ts).
 */
import { z } from 'zod';
import { ConflictStrategySchema, type ConflictStrategy } from './buildium-config.js';

/** The incremental cursor's name in the sync-state table. */
export const BUILDIUM_CURSOR = 'buildium';

export type ListKind = 'rentals' | 'tenants' | 'units' | 'leases';
export const LIST_KINDS: readonly ListKind[] = ['rentals', 'tenants', 'units', 'leases'];
/** A phase's pages as started: one chain per listing with records (1, or 0), and the retry messages. */
export type Plan = Partial<Record<ListKind | 'retries', number>>;
/** Phases, because HubSpot associations need both ends to exist (core/buildium-jobs.ts). */
export const PHASES: readonly (readonly ListKind[])[] = [['rentals'], ['tenants', 'units'], ['leases']];

/** Which listing a mapping type's records come from. */
export const LIST_OF_ENTITY: Readonly<Record<string, ListKind>> = {
  property: 'rentals',
  unit: 'units',
  tenant: 'tenants',
  'emergency-contact': 'tenants',
  lease: 'leases',
};

/** A record an earlier sync failed (a HubSpot refusal), kept until a sync writes it. */
export interface RetryItem {
  readonly entity: string;
  readonly sourceId: string;
}

/** Records per retry message (a tenant's retry may name its emergency contact too). */
export const RETRY_CHUNK = 100;

export type PageMessage = {
  readonly kind: 'page';
  readonly jobId: string;
  readonly phase: number;
  readonly list: ListKind;
  readonly offset: number;
  readonly limit: number;
  /** Pages of jobs opened before paging by id (offset only): a full page queues the next one. */
  readonly chain?: boolean;
  /**
   * The last Id the previous page saw (0: the first page). The page takes the records after it,
   * whatever moved in between; `offset` is only where they are expected to start.
   */
  readonly afterId?: number;
  /** The last Id that is this page's (the next page's afterId); absent on a listing's last page, which chains on while full. */
  readonly upTo?: number;
  /** The page's place in its listing (its key: a redelivered plan with other boundaries does each place once). */
  readonly index?: number;
};

export type RecordsMessage = {
  readonly kind: 'records';
  readonly jobId: string;
  /** Names the message's work (a webhook body's hash), so a redelivery is counted once. */
  readonly key: string;
  readonly refs: readonly { list: ListKind; id: number }[];
  readonly force?: boolean;
  /** A resolved manual review: this strategy for these records. */
  readonly strategy?: ConflictStrategy;
  /** Records an earlier job failed, retried in this job's last phase (one of its pending pages). */
  readonly retry?: { readonly phase: number; readonly items: readonly RetryItem[] };
};

export type SyncMessage = { readonly kind: 'advance'; readonly jobId: string; readonly phase: number } | PageMessage | RecordsMessage;

const ListKindSchema = z.enum(['rentals', 'tenants', 'units', 'leases']);
/** The queue's messages, checked on the way out of SQS. */
export const SyncMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('advance'), jobId: z.string().min(1), phase: z.number().int().min(0) }),
  z.object({
    kind: z.literal('page'),
    jobId: z.string().min(1),
    phase: z.number().int().min(0),
    list: ListKindSchema,
    offset: z.number().int().min(0),
    limit: z.number().int().min(1).max(1000),
    chain: z.boolean().optional(),
    afterId: z.number().int().min(0).optional(),
    upTo: z.number().int().min(0).optional(),
    index: z.number().int().min(0).optional(),
  }),
  z.object({
    kind: z.literal('records'),
    jobId: z.string().min(1),
    key: z.string().min(1),
    refs: z.array(z.object({ list: ListKindSchema, id: z.number().int().positive() })).max(100),
    force: z.boolean().optional(),
    strategy: ConflictStrategySchema.optional(),
    retry: z.object({ phase: z.number().int().min(0), items: z.array(z.object({ entity: z.string().min(1), sourceId: z.string().min(1) })).max(RETRY_CHUNK) }).optional(),
  })
  // Only a retry may name nothing (its records were written meanwhile); it still counts as its page.
  .refine((m) => m.refs.length > 0 || m.retry !== undefined, { message: 'names no record', path: ['refs'] }),
]);

export type JobMode = 'incremental' | 'full';
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface JobState {
  readonly jobId: string;
  readonly mode: JobMode;
  readonly status: JobStatus;
  /** -1 before the first phase starts. */
  readonly phase: number;
  readonly pagesPending: number;
  /** Pages planned per listing for the current phase. */
  readonly plan: Readonly<Plan>;
  /** The delivery (SQS message id) of the step that started the current phase. */
  readonly startedBy?: string;
  readonly windowFrom?: string;
  readonly windowTo: string;
  readonly pageSize: number;
}

/** The `lastupdated` range a job reads Buildium's listings in. */
export interface LastUpdatedWindow {
  readonly from?: string;
  readonly to?: string;
}

export function jobWindow(job: JobState): LastUpdatedWindow {
  return { ...(job.windowFrom ? { from: job.windowFrom } : {}), to: job.windowTo };
}
