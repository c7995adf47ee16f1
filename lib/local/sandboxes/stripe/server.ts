import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { answer, elapsedMs, readBody, requestTarget, sameKey, sendJson, type Outcome } from '../common/http-server.js';
import { SandboxBase } from '../common/sandbox.js';
import { forStatus, invalidApiKey, missingApiKey, rateLimited, StripeHttpError, unrecognizedUrl, type JsonBody } from './errors.js';
import { FaultSet } from './faults.js';
import { fingerprint, parseForm } from './form.js';
import { IdempotencyKeys, type SavedAnswer } from './idempotency.js';
import { seedCustomers } from './seed.js';
import { customerObject, CustomerStore } from './store.js';
import type { FaultRule, RecordedRequest, StripeSandbox, StripeSandboxOptions } from './types.js';

/** Far above anything a customer update needs; Stripe refuses large bodies too. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_LOG_ENTRIES = 100_000;
const CUSTOMER_PATH = /^\/v1\/customers\/([^/]+)$/;

interface Reply {
  status: number;
  body: JsonBody;
  headers?: Record<string, string>;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const requestId = () => `req_${[...randomBytes(14)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')}`;

function errorReply(err: unknown): Reply {
  if (err instanceof StripeHttpError) return { status: err.status, body: err.body, headers: err.headers };
  return { status: 500, body: forStatus(500, `internal error: ${err instanceof Error ? err.message : String(err)}`).body };
}

/** Stripe takes the key as a bearer token or as the user name of Basic auth (`curl -u sk_...:`). */
function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization?.trim();
  if (!header) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  return undefined;
}

class Sandbox extends SandboxBase<FaultRule, RecordedRequest> implements StripeSandbox {
  private readonly now: () => number;
  private readonly store: CustomerStore;
  private readonly idempotency: IdempotencyKeys;

  constructor(private readonly options: StripeSandboxOptions) {
    super(options, new FaultSet(options.random ?? Math.random), MAX_LOG_ENTRIES);
    this.now = options.now ?? Date.now;
    this.store = new CustomerStore(this.now);
    this.idempotency = new IdempotencyKeys(this.now);
    this.seed();
  }

  customers() {
    return this.store.snapshot();
  }

  /** The params are copied too: they are the one nested object of an entry. */
  override requests(): RecordedRequest[] {
    return this.log.copy((r) => ({ ...r, ...(r.params ? { params: { ...r.params } } : {}) }));
  }

  reset(): void {
    this.store.clear();
    this.idempotency.clear();
    this.faults.clear();
    this.log.clear();
    this.seed();
  }

  private seed(): void {
    if (this.options.seed ?? true) seedCustomers(this.store);
  }

  /** Every answer carries its Request-Id (the log keeps it too); Stripe's Content-Type has no charset. */
  private send(res: ServerResponse, reply: Reply, id: string): void {
    sendJson(res, reply.status, { 'Request-Id': id, ...reply.headers }, reply.body, 'application/json');
  }

  protected override fallback(res: ServerResponse, err: unknown): void {
    this.send(res, errorReply(err), requestId());
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.now();
    const started = performance.now();
    const { method, url } = requestTarget(req);
    const path = url.pathname;
    const raw = await readBody(req, MAX_BODY_BYTES, () => forStatus(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`));
    const id = requestId();
    const headerKey = req.headers['idempotency-key'];
    // Stripe ignores idempotency keys on GET and DELETE.
    const idempotencyKey = method === 'POST' && typeof headerKey === 'string' ? headerKey : undefined;
    const pairs: Array<[string, string]> = raw instanceof StripeHttpError || method !== 'POST' ? [] : [...new URLSearchParams(raw.toString('utf8'))];

    let replayed = false;
    let outcome: Outcome<Reply>;
    try {
      if (raw instanceof StripeHttpError) throw raw;
      outcome = await this.api(req, method, path, raw.toString('utf8'), pairs, idempotencyKey, id, () => (replayed = true));
    } catch (err) {
      outcome = errorReply(err);
    }
    const status = answer(req, res, outcome, (r, reply) => this.send(r, reply, id));

    this.log.push({
      at,
      method,
      path,
      status,
      ...(method === 'POST' ? { params: Object.fromEntries(pairs) } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(replayed ? { replayed } : {}),
      requestId: id,
      durationMs: elapsedMs(started),
    });
  }

  private async api(
    req: IncomingMessage,
    method: string,
    path: string,
    body: string,
    pairs: Array<[string, string]>,
    idempotencyKey: string | undefined,
    id: string,
    markReplayed: () => void,
  ): Promise<Outcome<Reply>> {
    const key = presentedKey(req);
    if (key === undefined) throw missingApiKey();
    if (!sameKey(key, this.options.apiKey)) throw invalidApiKey(key);

    const limited = this.faults.take(['rateLimit'], method, path);
    if (limited) throw withFaultHeaders(rateLimited(limited.message), limited);

    const print = fingerprint(method, path, pairs);
    if (idempotencyKey !== undefined) {
      const found = this.idempotency.lookup(idempotencyKey, print);
      if ('replay' in found) {
        markReplayed();
        return {
          status: found.replay.status,
          body: found.replay.body,
          headers: { 'Idempotency-Key': idempotencyKey, 'Idempotent-Replayed': 'true', 'Original-Request': found.replay.requestId },
        };
      }
      this.idempotency.begin(idempotencyKey);
    }
    let saved: SavedAnswer | undefined;
    try {
      const failure = await this.faults.failure(method, path, (ms) => this.http.delay(ms));
      if (failure && !failure.afterExecution) return failure.kind === 'reset' ? { reset: true } : faultReply(failure);

      const reply = this.execute(method, path, body);
      saved = { status: reply.status, body: reply.body, requestId: id };
      if (failure?.kind === 'reset') return { reset: true };
      if (failure) {
        const faulted = faultReply(failure);
        saved = { status: faulted.status, body: faulted.body, requestId: id };
        return faulted;
      }
      return idempotencyKey === undefined ? reply : { ...reply, headers: { ...reply.headers, 'Idempotency-Key': idempotencyKey } };
    } finally {
      if (idempotencyKey !== undefined) this.idempotency.finish(idempotencyKey, print, saved);
    }
  }

  /** The endpoint itself; a StripeHttpError it throws is its answer (and saved like one). */
  private execute(method: string, path: string, body: string): Reply {
    try {
      if (path === '/v1/customers' && method === 'POST') {
        return { status: 200, body: customerObject(this.store.create(parseForm(body))) };
      }
      const m = CUSTOMER_PATH.exec(path);
      const customerId = m ? decodedSegment(m[1]!) : undefined;
      if (customerId !== undefined) {
        if (method === 'GET') return { status: 200, body: customerObject(this.store.get(customerId)) };
        if (method === 'POST') return { status: 200, body: customerObject(this.store.update(customerId, parseForm(body))) };
      }
      throw unrecognizedUrl(method, path);
    } catch (err) {
      return errorReply(err);
    }
  }
}

function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function withFaultHeaders(error: StripeHttpError, rule: FaultRule): StripeHttpError {
  if (rule.retryAfterSeconds !== undefined) error.headers['Retry-After'] = String(rule.retryAfterSeconds);
  if (rule.shouldRetry !== undefined) error.headers['Stripe-Should-Retry'] = String(rule.shouldRetry);
  return error;
}

function faultReply(rule: FaultRule): Reply {
  return errorReply(withFaultHeaders(forStatus(rule.status ?? 500, rule.message), rule));
}

export async function startSandboxServer(options: StripeSandboxOptions): Promise<StripeSandbox> {
  if (!options.apiKey) throw new TypeError('startStripeSandbox needs an apiKey');
  const sandbox = new Sandbox(options);
  await sandbox.listen();
  return sandbox;
}
