/**
 * Deals and their associations with contacts, over `HubSpotClient.send` (rate budget, timeouts and
 * error classification as for contacts: 429 → RateLimitedError, 5xx/timeouts → RetryableError, a
 * refused batch → PermanentError). Answers are zod-parsed (`deal-schemas.ts`).
 *
 * HubSpot returns batch create results in no particular order, so every input carries an
 * `objectWriteTraceId` (its index): results are matched by it, and it is also what turns on
 * per-input errors (in the answer's `errors`) instead of a 400 for the whole batch when one input
 * is invalid. Paths are the 2026-09 ones of api-paths.ts (crm-deals-2026-09, crm-associations-2026-09).
 */
import type { z } from 'zod';
import { PermanentError, RetryableError } from '../../core/errors.js';
import { associationsPath, objectsPath } from './api-paths.js';
import { describeError, HUBSPOT_BATCH_MAX, type HubSpotClient } from './client.js';
import { DealBatchResponseSchema, DefaultAssociationBatchResponseSchema } from './deal-schemas.js';
import type { StandardError } from './schemas.js';
import { chunks } from '../../core/concurrency.js';

/** HubSpot's default (unlabeled) association types between deals and contacts. */
export const DEAL_TO_CONTACT_TYPE_ID = 3;
export const CONTACT_TO_DEAL_TYPE_ID = 4;

export interface CallOptions {
  readonly maxWaitMs: number;
  readonly timeoutMs: number;
}

export interface NewDeal {
  readonly properties: Readonly<Record<string, string>>;
  /** Contacts to associate the new deal with in the same call (default deal → contact association). */
  readonly contactIds?: readonly string[];
}

export interface DealUpdate {
  readonly id: string;
  readonly properties: Readonly<Record<string, string>>;
}

/** What became of one input: the deal's id, or HubSpot's reason for refusing that input. */
export type DealWriteOutcome = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly error: string };

export interface DealBatchResult {
  /** One per input, in input order. */
  readonly results: DealWriteOutcome[];
  /** How long HubSpot took to answer (the request alone, not the wait for rate budget). */
  readonly requestMs: number;
}

export interface DealState {
  readonly id: string;
  readonly properties: Readonly<Record<string, string | null>>;
  /** HubSpot's `updatedAt` (the deal's hs_lastmodifieddate), ISO 8601. */
  readonly updatedAt: string;
}

export interface ContactDealPair {
  readonly contactId: string;
  readonly dealId: string;
}

export interface AssociationResult {
  /** Distinct pairs HubSpot associated (asking again for an associated pair is harmless and counts). */
  readonly associated: number;
  /** Pairs HubSpot refused (a contact or deal that does not exist), with its reason. */
  readonly rejected: Array<ContactDealPair & { readonly error: string }>;
  /** Requests made: one per 100 distinct pairs. */
  readonly calls: number;
}

/**
 * Creates up to 100 deals in one call, each optionally associated with contacts. Returns each
 * input's deal id or HubSpot's reason for refusing it, in input order. More than 100 inputs is a
 * programming error (thrown before any call): splitting here would leave the caller unable to
 * tell which part was created when a later call fails, and a retry would create duplicates.
 *
 * An answer that cannot be read after HubSpot accepted the call is a PermanentError, not a
 * retryable one: the deals may exist, and creating them again would duplicate them.
 */
export async function batchCreateDeals(client: HubSpotClient, inputs: readonly NewDeal[], options: CallOptions): Promise<DealBatchResult> {
  if (inputs.length === 0) return { results: [], requestMs: 0 };
  if (inputs.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} deals per batch create, got ${inputs.length}`);
  const body = {
    inputs: inputs.map((input, index) => ({
      objectWriteTraceId: String(index),
      properties: input.properties,
      associations: [...new Set(input.contactIds ?? [])].map((id) => ({
        to: { id },
        types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: DEAL_TO_CONTACT_TYPE_ID }],
      })),
    })),
  };
  const response = await client.send('POST', objectsPath('deals', 'batch/create'), body, options);
  const parsed = parse(DealBatchResponseSchema, response.body, 'deal batch create response', (message) => new PermanentError(`${message}; the deals may have been created`, response.status));
  const ids = new Map<string, string>();
  for (const result of parsed.results) if (result.objectWriteTraceId !== undefined) ids.set(result.objectWriteTraceId, result.id);
  if (inputs.length === 1 && parsed.results.length === 1) ids.set('0', parsed.results[0]!.id);
  const refused = new Map<string, string>();
  for (const error of parsed.errors ?? []) {
    for (const trace of [...(error.context?.objectWriteTraceId ?? []), ...(error.context?.ids ?? [])]) refused.set(trace, describeError(error));
  }
  const results = inputs.map((_, index): DealWriteOutcome => {
    const key = String(index);
    const id = ids.get(key);
    if (id !== undefined) return { ok: true, id };
    return { ok: false, error: refused.get(key) ?? 'HubSpot answered without this input (no result or error with its objectWriteTraceId); the deal may have been created' };
  });
  return { results, requestMs: response.durationMs };
}

/** Updates up to 100 deals by id in one call; each input's outcome in input order (a missing deal is a refusal). */
export async function batchUpdateDeals(client: HubSpotClient, inputs: readonly DealUpdate[], options: CallOptions): Promise<DealBatchResult> {
  if (inputs.length === 0) return { results: [], requestMs: 0 };
  if (inputs.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} deals per batch update, got ${inputs.length}`);
  const duplicate = inputs.find((input, i) => inputs.findIndex((other) => other.id === input.id) !== i);
  // HubSpot refuses the whole batch when an id repeats.
  if (duplicate) throw new Error(`deal ${duplicate.id} appears twice in one batch update`);
  const response = await client.send(
    'POST',
    objectsPath('deals', 'batch/update'),
    { inputs: inputs.map((input) => ({ id: input.id, properties: input.properties })) },
    options,
  );
  const parsed = parse(DealBatchResponseSchema, response.body, 'deal batch update response');
  const written = new Set(parsed.results.map((r) => r.id));
  const refused = new Map<string, string>();
  for (const error of parsed.errors ?? []) for (const id of error.context?.ids ?? []) refused.set(id, describeError(error));
  const results = inputs.map((input): DealWriteOutcome => {
    if (written.has(input.id)) return { ok: true, id: input.id };
    return { ok: false, error: refused.get(input.id) ?? 'HubSpot answered without this deal (no result or error with its id)' };
  });
  return { results, requestMs: response.durationMs };
}

/**
 * Reads deals (one call per 100 distinct ids). Keyed by the id asked for: the record id, or with
 * `idProperty` the value of that unique property. Deals HubSpot does not know are absent.
 */
export async function readDeals(
  client: HubSpotClient,
  ids: readonly string[],
  properties: readonly string[],
  options: CallOptions & { readonly idProperty?: string },
): Promise<Map<string, DealState>> {
  const { idProperty, ...callOptions } = options;
  const wanted = idProperty && !properties.includes(idProperty) ? [...properties, idProperty] : [...properties];
  const found = new Map<string, DealState>();
  for (const chunk of chunks([...new Set(ids)], HUBSPOT_BATCH_MAX)) {
    const response = await client.send(
      'POST',
      objectsPath('deals', 'batch/read'),
      { inputs: chunk.map((id) => ({ id })), properties: wanted, propertiesWithHistory: [], ...(idProperty ? { idProperty } : {}) },
      callOptions,
    );
    const parsed = parse(DealBatchResponseSchema, response.body, 'deal batch read response');
    for (const r of parsed.results) {
      const key = idProperty ? r.properties[idProperty] : r.id;
      if (key) found.set(key, { id: r.id, properties: r.properties, updatedAt: r.updatedAt });
    }
  }
  return found;
}

/**
 * Associates contacts with deals with HubSpot's default association (batch, one call per 100
 * distinct pairs). Pairs HubSpot refuses are listed with its reason; a call that fails throws, and
 * calling again with the same pairs is harmless (an association is only made once).
 */
export async function associateContactsWithDeals(client: HubSpotClient, pairs: readonly ContactDealPair[], options: CallOptions): Promise<AssociationResult> {
  const distinct = [...new Map(pairs.map((p) => [`${p.contactId}|${p.dealId}`, p])).values()];
  const rejected: Array<ContactDealPair & { error: string }> = [];
  let associated = 0;
  let calls = 0;
  for (const chunk of chunks(distinct, HUBSPOT_BATCH_MAX)) {
    const response = await client.send(
      'POST',
      associationsPath('contacts', 'deals', 'batch/associate/default'),
      { inputs: chunk.map((p) => ({ from: { id: p.contactId }, to: { id: p.dealId } })) },
      options,
    );
    calls += 1;
    const parsed = parse(DefaultAssociationBatchResponseSchema, response.body, 'batch association response');
    const refused = new Map<ContactDealPair, string>();
    for (const error of parsed.errors ?? []) {
      for (const pair of pairsNamedBy(error, chunk)) refused.set(pair, describeError(error));
    }
    for (const pair of chunk) {
      const reason = refused.get(pair);
      if (reason === undefined) associated += 1;
      else rejected.push({ ...pair, error: reason });
    }
  }
  return { associated, rejected, calls };
}

/** The pairs an error is about: by its `fromObjectId` (contact) and `toObjectId` (deal), either alone narrowing. */
function pairsNamedBy(error: StandardError, chunk: readonly ContactDealPair[]): ContactDealPair[] {
  const from = error.context?.fromObjectId;
  const to = error.context?.toObjectId;
  if (!from && !to) return [];
  return chunk.filter((p) => (!from || from.includes(p.contactId)) && (!to || to.includes(p.dealId)));
}

/** An answer of an unexpected shape is HubSpot's or a proxy's fault: retryable unless the caller says otherwise. */
function parse<T>(schema: z.ZodType<T>, body: unknown, what: string, fail: (message: string) => Error = (m) => new RetryableError(m)): T {
  const result = schema.safeParse(body);
  if (!result.success) throw fail(`HubSpot ${what} has an unexpected shape: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

