/**
 * A small HubSpot CRM client over `fetch`, on the date-based API version of api-paths.ts.
 *
 * Why not `@hubspot/api-client` here: retries belong to SQS (its retry decorator sleeps in
 * process), the rate budget needs every response's headers (its typed calls drop them), each call
 * needs a timeout tied to the function's deadline (its fetch takes no AbortSignal), and its entry
 * point loads every HubSpot API into a consumer's cold start. Responses are parsed with zod.
 */
import type { z } from 'zod';
import { ConflictError, CredentialsRefusedError, PermanentError, RateLimitedError, RetryableError } from '../../core/errors.js';
import type { ContactInput, ContactPresence, ContactState, ContactUpsertResult, HubSpotContactReader, HubSpotContacts } from '../../core/ports.js';
import { fetchFailureReason, parseJson, readText, redactor, retryAfterHeaderMs, unescapePlain } from '../http.js';
import { objectsPath } from './api-paths.js';
import { RollingWindowBudget, type CallSlot, type HubSpotRateBudget } from './rate-budget.js';
import { BatchReadResponseSchema, BatchUpsertResponseSchema, ErrorBodySchema, type StandardError } from './schemas.js';

export { HUBSPOT_BATCH_MAX } from '../../core/ports.js';
import { HUBSPOT_BATCH_MAX } from '../../core/ports.js';

export interface HubSpotClientOptions {
  readonly baseUrl: string;
  readonly accessToken: () => Promise<string>;
  /** Per process when unset; the flows pass the deployment's shared budget (shared-budget.ts). */
  readonly budget?: HubSpotRateBudget;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface HubSpotResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  /** From sending the request to the end of the answer; the wait for rate budget is not in it. */
  readonly durationMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HubSpotClient implements HubSpotContacts, HubSpotContactReader {
  private readonly baseUrl: string;
  private readonly budget: HubSpotRateBudget;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HubSpotClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.budget = options.budget ?? new RollingWindowBudget();
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? sleep;
  }

  async upsertByEmail(
    inputs: readonly ContactInput[],
    options: { maxWaitMs: number; timeoutMs: number },
  ): Promise<ContactUpsertResult> {
    if (inputs.length === 0) return { written: new Map(), rejected: new Map() };
    if (inputs.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} inputs per batch, got ${inputs.length}`);
    const response = await this.send(
      'POST',
      objectsPath('contacts', 'batch/upsert'),
      { inputs: inputs.map((input) => ({ idProperty: 'email', id: input.email, properties: input.properties })) },
      options,
    );
    const parsed = parseAnswer(BatchUpsertResponseSchema, response.body, 'batch upsert response');
    const wanted = new Set(inputs.map((i) => i.email));
    const written = new Map<string, { id: string; created: boolean }>();
    parsed.results.forEach((result, index) => {
      // Results carry the email they were matched on; HubSpot returns them in input order too,
      // which is the fallback when the property is missing.
      const email = result.properties.email?.toLowerCase() ?? (parsed.results.length === inputs.length ? inputs[index]?.email : undefined);
      if (email && wanted.has(email)) written.set(email, { id: result.id, created: result.new });
    });
    const rejected = new Map<string, string>();
    const conflicted = new Map<string, string>();
    for (const error of parsed.errors ?? []) {
      // Another write holds the record (two environments upserting one email): not a refusal of the input.
      const into = isInputConflict(error) ? conflicted : rejected;
      for (const email of errorInputIds(error)) {
        if (wanted.has(email) && !written.has(email)) into.set(email, describeError(error));
      }
    }
    return { written, rejected, ...(conflicted.size > 0 ? { conflicted } : {}), requestMs: response.durationMs };
  }

  /** One batch read (at most 100 ids); contacts HubSpot does not know are absent from the map. */
  async readContacts(
    ids: readonly string[],
    properties: readonly string[],
    options: { maxWaitMs: number; timeoutMs: number },
  ): Promise<Map<string, ContactState>> {
    if (ids.length === 0) return new Map();
    if (ids.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} ids per batch read, got ${ids.length}`);
    const response = await this.send(
      'POST',
      objectsPath('contacts', 'batch/read'),
      { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [], archived: false },
      options,
    );
    const parsed = parseAnswer(BatchReadResponseSchema, response.body, 'batch read response');
    return new Map(parsed.results.map((r) => [r.id, { id: r.id, properties: r.properties, updatedAt: r.updatedAt }]));
  }

  /** Two batch reads at most: the live contacts, then the rest among the archived ones (`?archived=true`). */
  async contactPresence(ids: readonly string[], options: { maxWaitMs: number; timeoutMs: number }): Promise<Map<string, ContactPresence>> {
    if (ids.length > HUBSPOT_BATCH_MAX) throw new Error(`at most ${HUBSPOT_BATCH_MAX} ids per batch read, got ${ids.length}`);
    const found = async (some: readonly string[], archived: boolean): Promise<Set<string>> => {
      if (some.length === 0) return new Set();
      const path = `${objectsPath('contacts', 'batch/read')}?archived=${archived}`;
      const response = await this.send('POST', path, { inputs: some.map((id) => ({ id })), properties: ['hs_object_id'], propertiesWithHistory: [] }, options);
      // Only ids asked for count: a merged-away id read back as its survivor is not itself live.
      const wanted = new Set(some);
      return new Set(parseAnswer(BatchReadResponseSchema, response.body, 'batch read response').results.map((r) => r.id).filter((id) => wanted.has(id)));
    };
    const presence = new Map<string, ContactPresence>();
    for (const id of await found(ids, false)) presence.set(id, 'live');
    for (const id of await found(ids.filter((id) => !presence.has(id)), true)) presence.set(id, 'archived');
    return presence;
  }

  budgetWaitMs(): number {
    return this.budget.waitMs();
  }

  holdSlotMs(): number {
    return this.budget.promise();
  }

  /** The day's quota as the budget last saw it (for metrics and status). */
  dailyQuota(): ReturnType<NonNullable<HubSpotRateBudget['dailyQuota']>> | undefined {
    return this.budget.dailyQuota?.();
  }

  /** A call slot still good when its wait is over; one that overslept is given up and another taken. */
  private async slot(maxWaitMs: number): Promise<CallSlot> {
    for (let tries = 1; ; tries += 1) {
      const slot = await this.budget.acquire(maxWaitMs);
      if (slot.waitMs > 0) await this.sleep(slot.waitMs);
      if (this.budget.stillValid(slot)) return slot;
      if (tries >= 3) throw new RateLimitedError('HubSpot call slots kept passing before the call could leave', 1_000, false);
    }
  }

  /** One request through the rate budget, classified into the core's error types. */
  async send(
    method: string,
    path: string,
    body: unknown,
    options: {
      maxWaitMs: number;
      timeoutMs: number;
      /** A public app's developer API key (Webhooks API), sent as `hapikey` instead of the bearer token. */
      developerApiKey?: string;
    },
  ): Promise<HubSpotResponse> {
    const developerKey = options.developerApiKey;
    // The token first (a refresh may take a while): the call leaves as soon as its slot opens.
    const token = developerKey ?? (await this.options.accessToken());
    const slot = await this.slot(options.maxWaitMs);
    // Error texts end up in logs and in the lead's `hubspot.error`; a proxy or HubSpot echoing the
    // request must not carry the token there (seed 004 runbook: never log it).
    const redact = redactor([token]);
    const url = developerKey ? `${this.baseUrl}${path}${path.includes('?') ? '&' : '?'}hapikey=${encodeURIComponent(developerKey)}` : `${this.baseUrl}${path}`;
    let response: Response;
    const requested = performance.now();
    try {
      response = await this.fetch(url, {
        method,
        headers: {
          ...(developerKey ? {} : { authorization: `Bearer ${token}` }),
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new RetryableError(redact(`HubSpot ${method} ${path} ${fetchFailureReason(error, options.timeoutMs)}`), undefined, { cause: error });
    } finally {
      this.budget.settle(slot);
    }
    const text = await readText(response, `HubSpot ${method} ${path}`);
    // Redacted as text, with needless JSON escapes spelled out first (a secret written with them
    // would parse back whole).
    const payload = parseJson(redact(unescapePlain(text)), { keepText: true });
    const retryAfterMs = retryAfterHeaderMs(response.headers.get('retry-after'));
    const policyName = response.status === 429 ? ErrorBodySchema.safeParse(payload).data?.policyName : undefined;
    await this.budget.learn({ headers: response.headers, status: response.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...(policyName ? { policyName } : {}) });

    if (response.status === 429) {
      // A spent day is held until HubSpot resets it (the budget knows when); a window, until it frees.
      const dayResetsInMs = policyName === 'DAILY' ? this.budget.waitMs() : 0;
      throw new RateLimitedError(
        `HubSpot ${policyName === 'DAILY' ? 'daily limit' : 'rate limit'} (429): ${errorMessage(payload) ?? 'too many requests'}`,
        dayResetsInMs > 0 ? dayResetsInMs : (retryAfterMs ?? this.budget.windowFreesInMs()),
        true,
      );
    }
    if (response.status >= 500 || response.status === 408) {
      throw new RetryableError(`HubSpot ${response.status}: ${errorMessage(payload) ?? 'server error'}`, retryAfterMs);
    }
    if (response.status === 401 || response.status === 403) {
      // A revoked token or missing scope is fixed by an operator, not by dropping the data:
      // retry with backoff until the DLQ, where the resync flow picks it up after the fix.
      throw new CredentialsRefusedError(`HubSpot refused the credentials (${response.status}): ${errorMessage(payload) ?? 'unauthorized'}`, response.status);
    }
    if (isConflict(response.status, payload)) {
      // Concurrent work on the same record (two environments upserting one email, a record being
      // merged): it passes once the other write lands, so it is retried, not failed (issue 14 §1).
      // https://developers.hubspot.com/docs/api/error-handling
      throw new ConflictError(`HubSpot ${response.status}: ${errorMessage(payload) ?? 'conflict'}`, 'hubspot_conflict', response.status, retryAfterMs);
    }
    if (response.status >= 400) {
      throw new PermanentError(`HubSpot ${response.status}: ${errorMessage(payload) ?? 'request refused'}`, response.status);
    }
    return { status: response.status, headers: response.headers, body: payload, durationMs: performance.now() - requested };
  }
}

/** A HubSpot answer read with its schema; one of another shape is retryable, naming the first problem. */
export function parseAnswer<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    // An answer of an unexpected shape is HubSpot's or a proxy's fault, not the lead's: retry.
    throw new RetryableError(`HubSpot ${what} has an unexpected shape: ${result.error.issues[0]?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** HubSpot's error texts are kept to this length in errors (they reach logs and a lead's columns). */
const MAX_ERROR_TEXT = 500;

function errorMessage(payload: unknown): string | undefined {
  const parsed = ErrorBodySchema.safeParse(payload);
  const text = parsed.success ? (parsed.data.category ? `${parsed.data.category}: ${parsed.data.message}` : parsed.data.message) : typeof payload === 'string' ? payload : '';
  return text.trim() === '' ? undefined : text.slice(0, MAX_ERROR_TEXT);
}

/** 409 Conflict, 423 Locked, or a 4xx whose body says category CONFLICT / LOCKED (HubSpot's error categories). */
function isConflict(status: number, payload: unknown): boolean {
  if (status === 409 || status === 423) return true;
  const category = ErrorBodySchema.safeParse(payload).data?.category;
  return status >= 400 && status < 500 && (category === 'CONFLICT' || category === 'LOCKED');
}

/** A batch answer's per-input error that is a conflict (category CONFLICT or LOCKED, status 409 or 423). */
function isInputConflict(error: StandardError): boolean {
  return error.category === 'CONFLICT' || error.category === 'LOCKED' || error.status === '409' || error.status === '423';
}

function errorInputIds(error: StandardError): string[] {
  return (error.context?.ids ?? []).map((id) => id.toLowerCase());
}

/** A batch answer's per-input error (in `errors`, whatever the status) as one line: category, message, details; never empty. */
export function describeError(error: StandardError): string {
  const detail = error.errors?.map((e) => e.message).filter((m) => m !== error.message) ?? [];
  const head = error.category ? `${error.category}: ${error.message}` : error.message;
  const text = [head, ...detail].join('; ').slice(0, 1000);
  // An empty reason would read as "not refused" to a caller testing it.
  return text.trim() === '' ? 'HubSpot refused it without a reason' : text;
}

