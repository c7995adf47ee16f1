/**
 * HubSpot CRM objects of any type, as the Buildium sync needs them (`HubSpotObjects` in
 * core/buildium-records.ts): batch upsert by a unique property, batch update by id, batch read,
 * and associations (default, labeled, label removal), each at most 100 records per call
 * (associations at most ASSOCIATION_BATCH_MAX) and counted, over `HubSpotClient.send` (rate
 * budget, timeouts, error classification).
 *
 * Paths are the 2026-09 ones of api-paths.ts, as the official documents in shared/specs/hubspot
 * give them: crm-objects-2026-09 (any object type, `0-420` for listings, a custom object by its
 * fully qualified name) and crm-associations-2026-09; association labels on
 * `/crm/associations/2026-09/{from}/{to}/labels`.
 *
 * Refusals are isolated (issue 14 §1): per-record refusals (a batch answer's errors naming
 * inputs) come back as `rejected` with HubSpot's reason; a batch HubSpot refuses as a whole (a
 * 400/422, or an error in its answer that names no input) is split in halves, down to the input it
 * refuses, which comes back rejected with HubSpot's message while the others are written. Every
 * write here is idempotent (upsert by key, update by id, associations as sets), so sending a half
 * again is harmless. A conflict (409, 423, category CONFLICT or LOCKED) is concurrent work on the
 * record, not a bad input: it is retryable as a whole (ConflictError), never split or failed. An
 * answer of an unexpected shape is retryable as a whole.
 * https://developers.hubspot.com/docs/api/error-handling
 */
import { z } from 'zod';
import { ConflictError, PermanentError } from '../../core/errors.js';
import { isolateRefusals } from '../../core/isolate-refusals.js';
import type { AssociationPair, HubSpotObjects, LabelName, ObjectWriteResult } from '../../core/buildium-records.js';
import { associationsPath, labelsPath, objectsPath } from './api-paths.js';
import { describeError, HUBSPOT_BATCH_MAX, parseAnswer, type HubSpotClient } from './client.js';
import { BatchReadResponseSchema, BatchUpsertResponseSchema, StandardErrorSchema, type StandardError } from './schemas.js';

/** Inputs per association batch call; HubSpot takes up to 2,000 (sandbox and docs), we send 1,000 at most. */
export const ASSOCIATION_BATCH_MAX = 1000;

const CallResponseSchema = z.object({ status: z.string().optional(), results: z.array(z.unknown()).optional(), errors: z.array(StandardErrorSchema).optional() });
const LabelsSchema = z.object({
  results: z.array(z.object({ category: z.string(), typeId: z.number().int(), label: z.string().nullable().optional(), name: z.string().optional() })),
});

export interface CallOptions {
  readonly maxWaitMs: number;
  readonly timeoutMs: number;
}

/** The association labels `setup hubspot` creates between contacts and units (see setup-buildium.ts). */
export const LABEL_NAMES: Readonly<Record<LabelName, string>> = {
  active_tenant: 'active_tenant',
  inactive_tenant: 'inactive_tenant',
  emergency_contact: 'emergency_contact',
};

/** Association label type ids per `from|to` pair of object types, as read from HubSpot. */
export type LabelCache = Map<string, Promise<Map<LabelName, number>>>;

export class HubSpotObjectsAdapter implements HubSpotObjects {
  calls = 0;

  constructor(
    private readonly client: HubSpotClient,
    private readonly options: CallOptions = { maxWaitMs: 10_000, timeoutMs: 10_000 },
    /** Label type ids by from|to; pass one map per process so labels are read once. */
    private readonly labelIds: LabelCache = new Map(),
  ) {}

  async upsert(objectType: string, idProperty: string, inputs: readonly { key: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult> {
    const written = new Map<string, { id: string; created: boolean }>();
    const rejected = new Map<string, string>();
    if (inputs.length === 0) return { written, rejected };
    if (inputs.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} inputs per upsert, got ${inputs.length}`);
    const caseless = idProperty === 'email';
    const norm = (v: string) => (caseless ? v.toLowerCase() : v);
    const { refused } = await isolateRefusals(
      inputs,
      async (chunk) => {
        this.calls += 1;
        const response = await this.client.send(
          'POST',
          objectsPath(objectType, 'batch/upsert'),
          { inputs: chunk.map((i) => ({ idProperty, id: i.key, properties: { ...i.properties, [idProperty]: i.key } })) },
          this.options,
        );
        const answer = parseAnswer(BatchUpsertResponseSchema, response.body, `${objectType} upsert response`);
        const wanted = new Map(chunk.map((i) => [norm(i.key), i.key]));
        const done = new Map<string, { id: string; created: boolean }>();
        answer.results.forEach((result, index) => {
          const value = result.properties[idProperty];
          const key = value ? wanted.get(norm(value)) : answer.results.length === chunk.length ? chunk[index]?.key : undefined;
          if (key !== undefined) done.set(key, { id: result.id, created: result.new });
        });
        const named = refusedInputs(answer.errors, chunk.map((i) => i.key), done, norm);
        for (const [k, v] of done) written.set(k, v);
        for (const [k, v] of named) rejected.set(k, v);
      },
      { isRefusal: refusesInputs },
    );
    for (const r of refused) rejected.set(r.input.key, r.reason);
    return { written, rejected };
  }

  async update(objectType: string, inputs: readonly { id: string; properties: Readonly<Record<string, string>> }[]): Promise<ObjectWriteResult> {
    const written = new Map<string, { id: string; created: boolean }>();
    const rejected = new Map<string, string>();
    if (inputs.length === 0) return { written, rejected };
    if (inputs.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} inputs per update, got ${inputs.length}`);
    const { refused } = await isolateRefusals(
      inputs,
      async (chunk) => {
        this.calls += 1;
        const response = await this.client.send('POST', objectsPath(objectType, 'batch/update'), { inputs: chunk.map((i) => ({ id: i.id, properties: i.properties })) }, this.options);
        const answer = parseAnswer(BatchReadResponseSchema, response.body, `${objectType} update response`);
        const done = new Map<string, { id: string; created: boolean }>();
        for (const result of answer.results) done.set(result.id, { id: result.id, created: false });
        const named = refusedInputs(answer.errors, chunk.map((i) => i.id), done, (v) => v);
        for (const [k, v] of done) written.set(k, v);
        for (const [k, v] of named) rejected.set(k, v);
      },
      { isRefusal: refusesInputs },
    );
    for (const r of refused) rejected.set(r.input.id, r.reason);
    return { written, rejected };
  }

  async read(objectType: string, ids: readonly string[], properties: readonly string[]): Promise<Map<string, Record<string, string | null>>> {
    const out = new Map<string, Record<string, string | null>>();
    for (let i = 0; i < ids.length; i += HUBSPOT_BATCH_MAX) {
      const chunk = ids.slice(i, i + HUBSPOT_BATCH_MAX);
      this.calls += 1;
      const response = await this.client.send(
        'POST',
        objectsPath(objectType, 'batch/read'),
        { inputs: chunk.map((id) => ({ id })), properties, propertiesWithHistory: [], archived: false },
        this.options,
      );
      const answer = parseAnswer(BatchReadResponseSchema, response.body, `${objectType} read response`);
      for (const r of answer.results) out.set(r.id, r.properties);
    }
    return out;
  }

  /** Default (unlabeled) associations; returns the pairs HubSpot refused with its reason. */
  async associateDefault(from: string, to: string, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>> {
    return this.pairCalls(associationsPath(from, to, 'batch/associate/default'), pairs, (p) => ({ from: { id: p.fromId }, to: { id: p.toId } }));
  }

  /** Labeled associations (the label is added; other labels on the pair stay). */
  async associateLabeled(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>> {
    if (pairs.length === 0) return new Map();
    const typeId = await this.labelTypeId(from, to, label);
    return this.pairCalls(associationsPath(from, to, 'batch/create'), pairs, (p) => ({
      from: { id: p.fromId },
      to: { id: p.toId },
      types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }],
    }));
  }

  /** Removes one label from each pair, keeping the association and its other labels. */
  async removeLabel(from: string, to: string, label: LabelName, pairs: readonly AssociationPair[]): Promise<Map<AssociationPair, string>> {
    if (pairs.length === 0) return new Map();
    const typeId = await this.labelTypeId(from, to, label);
    return this.pairCalls(associationsPath(from, to, 'batch/labels/archive'), pairs, (p) => ({
      from: { id: p.fromId },
      to: { id: p.toId },
      types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }],
    }));
  }

  /** A label's type id, read once per process and pair of types (only when an association is to be written). */
  private async labelTypeId(from: string, to: string, label: LabelName): Promise<number> {
    const key = `${from}|${to}`;
    let labels = this.labelIds.get(key);
    if (!labels) {
      labels = this.readLabels(from, to);
      this.labelIds.set(key, labels);
      // A failed read is not remembered: the next message reads again.
      labels.catch(() => this.labelIds.delete(key));
    }
    const id = (await labels).get(label);
    if (id === undefined) {
      this.labelIds.delete(key);
      throw new PermanentError(`HubSpot has no "${labelText(label)}" association label (${LABEL_NAMES[label]}) from ${from} to ${to}: run \`npm run sync -- setup hubspot\``);
    }
    return id;
  }

  private async readLabels(from: string, to: string): Promise<Map<LabelName, number>> {
    this.calls += 1;
    const response = await this.client.send('GET', labelsPath(from, to), undefined, this.options);
    const answer = parseAnswer(LabelsSchema, response.body, `association labels response`);
    const found = new Map<LabelName, number>();
    for (const t of answer.results) {
      if (t.category !== 'USER_DEFINED') continue;
      const label = (Object.keys(LABEL_NAMES) as LabelName[]).find((l) => LABEL_NAMES[l] === t.name || labelText(l) === t.label);
      if (label) found.set(label, t.typeId);
    }
    return found;
  }

  private async pairCalls(path: string, pairs: readonly AssociationPair[], input: (p: AssociationPair) => unknown): Promise<Map<AssociationPair, string>> {
    const refused = new Map<AssociationPair, string>();
    for (let i = 0; i < pairs.length; i += ASSOCIATION_BATCH_MAX) {
      const alone = await isolateRefusals(
        pairs.slice(i, i + ASSOCIATION_BATCH_MAX),
        async (chunk) => {
          this.calls += 1;
          const response = await this.client.send('POST', path, { inputs: chunk.map(input) }, this.options);
          const answer = parseAnswer(CallResponseSchema, response.body ?? {}, `${path} response`);
          const found = new Map<AssociationPair, string>();
          for (const error of answer.errors ?? []) {
            const ids = new Set(Object.values(error.context ?? {}).flat());
            const named = chunk.filter((p) => ids.has(p.fromId) || ids.has(p.toId));
            if (named.length === 0) unnamedRefusal(error, chunk.length);
            for (const p of named.length > 0 ? named : chunk) found.set(p, describeError(error));
          }
          for (const [p, reason] of found) refused.set(p, reason);
        },
        { isRefusal: refusesInputs },
      );
      for (const r of alone.refused) refused.set(r.input, r.reason);
    }
    return refused;
  }
}

/** The human label setup gives each label name. */
export function labelText(label: LabelName): string {
  return { active_tenant: 'Active tenant', inactive_tenant: 'Inactive tenant', emergency_contact: 'Emergency contact' }[label];
}

/**
 * The inputs an answer refuses, with HubSpot's reason; an input neither written nor named is
 * refused too ("no result"). An error naming no input is settled by unnamedRefusal.
 */
function refusedInputs(errors: readonly StandardError[] | undefined, keys: readonly string[], written: ReadonlyMap<string, unknown>, norm: (v: string) => string): Map<string, string> {
  const rejected = new Map<string, string>();
  for (const error of errors ?? []) {
    const named = new Set(Object.values(error.context ?? {}).flat().map(norm));
    const hits = keys.filter((key) => !written.has(key) && !rejected.has(key) && named.has(norm(key)));
    if (hits.length === 0 && !keys.some((key) => named.has(norm(key)))) {
      unnamedRefusal(error, keys.length);
      for (const key of keys) if (!written.has(key) && !rejected.has(key)) rejected.set(key, describeError(error));
    }
    for (const key of hits) rejected.set(key, describeError(error));
  }
  for (const key of keys) if (!written.has(key) && !rejected.has(key)) rejected.set(key, 'HubSpot returned no result for it');
  return rejected;
}

/**
 * An error in a batch answer that names no input: a conflict is retried as a whole; any other
 * refusal of a call with several inputs is thrown as a refusal of the call, so isolateRefusals
 * (core/isolate-refusals.ts) splits it; a call of one input is that input's refusal (the caller records it).
 */
function unnamedRefusal(error: StandardError, inputs: number): void {
  if (error.category === 'CONFLICT' || error.category === 'LOCKED') throw new ConflictError(`HubSpot: ${describeError(error)}`, 'hubspot_conflict');
  if (inputs > 1) throw new PermanentError(`HubSpot: ${describeError(error)}`, 400);
}

/** Statuses with which HubSpot refuses a batch for its inputs (a bad value, a bad id): worth splitting. */
const INPUT_REFUSALS = new Set([400, 422]);

/** HubSpot refused the batch for its inputs; anything else (a conflict, a 5xx, a rate limit, a 404 path) is about the call. */
function refusesInputs(error: unknown): boolean {
  return error instanceof PermanentError && INPUT_REFUSALS.has(error.status ?? 400);
}
