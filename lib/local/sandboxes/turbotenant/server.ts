import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { badRequest, httpError, notFound, TurboTenantHttpError, unauthorized } from './errors.js';
import { EventDispatcher } from './events.js';
import { FaultSet } from './faults.js';
import { apiRoute, errorReply, type Reply } from './handlers.js';
import { EventTargetInput, FaultRuleInput, parseInput } from './schemas.js';
import { seedTurboTenant } from './seed.js';
import { TurboTenantStore } from './store.js';
import type {
  EventDelivery,
  FaultRule,
  Landlord,
  LandlordInput,
  Lead,
  LeadInput,
  Property,
  PropertyInput,
  RecordedRequest,
  TurboTenantSandbox,
  TurboTenantSandboxOptions,
} from './types.js';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_LOG_ENTRIES = 100_000;
const JSON_TYPE = 'application/json;charset=utf-8';
/** When a rateLimit fault names no Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

type Outcome = Reply | { reset: true };

interface ParsedBody {
  value?: unknown;
  error?: TurboTenantHttpError;
}

function readBody(req: IncomingMessage): Promise<Buffer | TurboTenantHttpError> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? httpError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return {};
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && type !== 'application/json' && !type.endsWith('+json')) {
    return { error: httpError(415, `Content type '${contentType}' is not supported. Send the body as application/json.`) };
  }
  try {
    return { value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (err) {
    return { error: badRequest(`Body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`) };
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  headers['Content-Type'] = JSON_TYPE;
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim();
}

/** Constant-time, as a real API's key check would be. */
function sameKey(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

class Sandbox implements TurboTenantSandbox {
  url = '';
  private readonly server: Server;
  private readonly store = new TurboTenantStore();
  private readonly faults: FaultSet;
  private readonly events: EventDispatcher;
  private readonly timers = new Set<NodeJS.Timeout>();
  private log: RecordedRequest[] = [];
  private closed = false;

  constructor(private readonly options: TurboTenantSandboxOptions) {
    this.faults = new FaultSet(options.random ?? Math.random);
    this.events = new EventDispatcher(options.events);
    this.seed();
    // Only changes made after the seed (through the control routes or the handle) announce events.
    this.store.onChange = (change) => this.events.record(change);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) send(res, errorReply(err));
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
    const shownHost = host.includes(':') ? `[${host}]` : host;
    this.url = `http://${shownHost}:${port}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.events.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  requests(): RecordedRequest[] {
    return this.log.map((r) => ({ ...r }));
  }

  clearRequests(): void {
    this.log = [];
  }

  landlords(): Landlord[] {
    return this.store.landlords();
  }

  properties(): Property[] {
    return this.store.properties();
  }

  leads(): Lead[] {
    return this.store.leads();
  }

  upsertLandlord(input: LandlordInput): Landlord {
    return this.store.upsertLandlord(input).landlord;
  }

  upsertProperty(input: PropertyInput): Property {
    return this.store.upsertProperty(input).property;
  }

  createLead(input: LeadInput): Lead {
    return this.store.createLead(input);
  }

  reset(): void {
    this.store.reset();
    this.faults.clear();
    this.log = [];
    this.events.reset();
    this.seed();
  }

  setEventTarget(targetUrl: string | null): void {
    this.events.setTarget(targetUrl);
  }

  eventDeliveries(): EventDelivery[] {
    return this.events.deliveries();
  }

  flushEvents(): Promise<void> {
    return this.events.flush();
  }

  private seed(): void {
    if (!(this.options.seed ?? true)) return;
    const listener = this.store.onChange;
    this.store.onChange = undefined;
    try {
      seedTurboTenant(this.store);
    } finally {
      this.store.onChange = listener;
    }
  }

  private record(entry: RecordedRequest): void {
    this.log.push(entry);
    if (this.log.length > MAX_LOG_ENTRIES + MAX_LOG_ENTRIES / 10) this.log.splice(0, this.log.length - MAX_LOG_ENTRIES);
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
    const at = Date.now();
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const raw = await readBody(req);

    if (path === '/__sandbox' || path.startsWith('/__sandbox/')) {
      const parsed: ParsedBody = raw instanceof TurboTenantHttpError ? { error: raw } : parseJson(raw, req.headers['content-type']);
      send(res, await this.control(method, path, parsed));
      return;
    }

    let outcome: Outcome;
    try {
      outcome = await this.api(req, method, path, url);
    } catch (err) {
      outcome = errorReply(err);
    }
    if ('reset' in outcome) req.socket.resetAndDestroy();
    else send(res, outcome);
    this.record({
      at,
      method,
      path,
      query: url.search.replace(/^\?/, ''),
      status: 'reset' in outcome ? 0 : outcome.status,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
  }

  /** Auth first (a wrong key is a 401 whatever the faults), then faults, then the route. */
  private async api(req: IncomingMessage, method: string, path: string, url: URL): Promise<Outcome> {
    if (!sameKey(bearerToken(req), this.options.apiKey)) return errorReply(unauthorized());

    const limited = this.faults.take(['rateLimit'], method, path);
    if (limited) {
      const seconds = limited.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
      return errorReply(httpError(429, limited.message ?? `Too many requests; retry after ${seconds} s`, undefined, { 'Retry-After': String(seconds) }));
    }
    const slow = this.faults.take(['slow'], method, path);
    const terminal = this.faults.take(['status', 'reset'], method, path);
    if (slow?.delayMs) await this.delay(slow.delayMs);
    if (terminal?.kind === 'reset') return { reset: true };
    if (terminal?.kind === 'status') {
      const status = terminal.status ?? 500;
      const headers = terminal.retryAfterSeconds !== undefined ? { 'Retry-After': String(terminal.retryAfterSeconds) } : undefined;
      return errorReply(httpError(status, terminal.message, undefined, headers));
    }
    return apiRoute(method, path, url, this.store);
  }

  private async control(method: string, path: string, parsed: ParsedBody): Promise<Reply> {
    try {
      if (parsed.error) throw parsed.error;
      const key = `${method} ${path.replace(/\/+$/, '')}`;
      switch (key) {
        case 'GET /__sandbox/landlords':
          return { status: 200, body: this.store.landlords() };
        case 'POST /__sandbox/landlords': {
          const { landlord, created } = this.store.upsertLandlord(parsed.value);
          return { status: created ? 201 : 200, body: landlord };
        }
        case 'GET /__sandbox/properties':
          return { status: 200, body: this.store.properties() };
        case 'POST /__sandbox/properties': {
          const { property, created } = this.store.upsertProperty(parsed.value);
          return { status: created ? 201 : 200, body: property };
        }
        case 'GET /__sandbox/leads':
          return { status: 200, body: this.store.leads() };
        case 'POST /__sandbox/leads':
          return { status: 201, body: this.store.createLead(parsed.value) };
        case 'GET /__sandbox/faults':
          return { status: 200, body: this.faults.list() };
        case 'POST /__sandbox/faults': {
          const rule = parseInput(FaultRuleInput, parsed.value, 'fault');
          try {
            this.faults.add(rule);
          } catch (err) {
            throw badRequest(err instanceof Error ? err.message : String(err));
          }
          return { status: 201, body: this.faults.list() };
        }
        case 'DELETE /__sandbox/faults':
          this.faults.clear();
          return { status: 204 };
        case 'GET /__sandbox/requests':
          return { status: 200, body: this.log };
        case 'DELETE /__sandbox/requests':
          this.clearRequests();
          return { status: 204 };
        case 'GET /__sandbox/events':
          return { status: 200, body: { targetUrl: this.events.target, deliveries: this.events.deliveries() } };
        case 'POST /__sandbox/events': {
          const { targetUrl } = parseInput(EventTargetInput, parsed.value, 'event target');
          try {
            this.events.setTarget(targetUrl);
          } catch (err) {
            throw badRequest(err instanceof Error ? err.message : String(err));
          }
          return { status: 200, body: { targetUrl: this.events.target } };
        }
        case 'POST /__sandbox/events/flush':
          await this.events.flush();
          return { status: 204 };
        case 'POST /__sandbox/reset':
          this.reset();
          return { status: 204 };
        default:
          throw notFound(`No sandbox control route ${method} ${path}`);
      }
    } catch (err) {
      return errorReply(err);
    }
  }
}

export async function startSandboxServer(options: TurboTenantSandboxOptions): Promise<TurboTenantSandbox> {
  if (!options.apiKey) throw new TypeError('startTurboTenantSandbox needs an apiKey');
  const sandbox = new Sandbox(options);
  await sandbox.listen();
  return sandbox;
}
