import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
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
type Outcome = Reply | { reset: true };

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const requestId = () => `req_${[...randomBytes(14)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')}`;

function errorReply(err: unknown): Reply {
  if (err instanceof StripeHttpError) return { status: err.status, body: err.body, headers: err.headers };
  return { status: 500, body: forStatus(500, `internal error: ${err instanceof Error ? err.message : String(err)}`).body };
}

function readBody(req: IncomingMessage): Promise<Buffer | StripeHttpError> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? forStatus(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
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

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

class Sandbox implements StripeSandbox {
  url = '';
  private readonly server: Server;
  private readonly now: () => number;
  private readonly store: CustomerStore;
  private readonly idempotency: IdempotencyKeys;
  private readonly faults: FaultSet;
  private readonly timers = new Set<NodeJS.Timeout>();
  private log: RecordedRequest[] = [];
  private closed = false;

  constructor(private readonly options: StripeSandboxOptions) {
    this.now = options.now ?? Date.now;
    this.store = new CustomerStore(this.now);
    this.idempotency = new IdempotencyKeys(this.now);
    this.faults = new FaultSet(options.random ?? Math.random);
    this.seed();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) this.send(res, errorReply(err), requestId());
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  customers() {
    return this.store.snapshot();
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  requests(): RecordedRequest[] {
    return this.log.map((r) => ({ ...r, ...(r.params ? { params: { ...r.params } } : {}) }));
  }

  clearRequests(): void {
    this.log = [];
  }

  reset(): void {
    this.store.clear();
    this.idempotency.clear();
    this.faults.clear();
    this.log = [];
    this.seed();
  }

  private seed(): void {
    if (this.options.seed ?? true) seedCustomers(this.store);
  }

  private send(res: ServerResponse, reply: Reply, id: string): void {
    const payload = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Request-Id': id,
      ...reply.headers,
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(payload)),
    });
    res.end(payload);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.now();
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const path = new URL(req.url ?? '/', 'http://sandbox.local').pathname;
    const raw = await readBody(req);
    const id = requestId();
    const headerKey = req.headers['idempotency-key'];
    // Stripe ignores idempotency keys on GET and DELETE.
    const idempotencyKey = method === 'POST' && typeof headerKey === 'string' ? headerKey : undefined;
    const pairs: Array<[string, string]> = raw instanceof StripeHttpError || method !== 'POST' ? [] : [...new URLSearchParams(raw.toString('utf8'))];

    let replayed = false;
    let outcome: Outcome;
    try {
      if (raw instanceof StripeHttpError) throw raw;
      outcome = await this.api(req, method, path, raw.toString('utf8'), pairs, idempotencyKey, id, () => (replayed = true));
    } catch (err) {
      outcome = errorReply(err);
    }
    if ('reset' in outcome) req.socket.resetAndDestroy();
    else this.send(res, outcome, id);

    this.record({
      at,
      method,
      path,
      status: 'reset' in outcome ? 0 : outcome.status,
      ...(method === 'POST' ? { params: Object.fromEntries(pairs) } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(replayed ? { replayed } : {}),
      requestId: id,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
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
  ): Promise<Outcome> {
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
      const slow = this.faults.take(['slow'], method, path);
      const failure = this.faults.take(['status', 'reset'], method, path);
      if (slow?.delayMs) await this.delay(slow.delayMs);
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

  private record(entry: RecordedRequest): void {
    this.log.push(entry);
    if (this.log.length > MAX_LOG_ENTRIES + MAX_LOG_ENTRIES / 10) this.log.splice(0, this.log.length - MAX_LOG_ENTRIES);
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
