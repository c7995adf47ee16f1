import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { APP_ID, bodyForStatus, HubSpotHttpError, INVALID_API_KEY_MESSAGE, rateLimitBody, unauthorized, validationError, type JsonBody } from './errors.js';
import { FaultSet } from './faults.js';
import { restoreContact, route, type Reply } from './handlers.js';
import { AssociationStore } from './associations.js';
import { dealPropertyStore, DealStore } from './deals.js';
import { PropertyStore } from './properties.js';
import { DEFAULT_RATE_LIMIT, RollingWindowLimiter } from './rate-limit.js';
import { FaultRuleInput, parseBody, RateLimitInput } from './schemas.js';
import { seedContacts } from './seed.js';
import { ContactStore } from './store.js';
import type {
  AssociationSnapshot,
  DealSnapshot,
  FaultRule,
  HubSpotSandbox,
  HubSpotSandboxOptions,
  RateLimit,
  RecordedRequest,
  WebhookDelivery,
  WebhookSettings,
  WebhookSubscription,
} from './types.js';
import { WebhookAppConfig, webhooksApi } from './webhook-settings.js';
import { WebhookDispatcher, WebhookTargetInput } from './webhooks.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_LOG_ENTRIES = 100_000;
const JSON_TYPE = 'application/json;charset=utf-8';
/** The Webhooks API (developer API key auth) rather than the CRM API (bearer token). */
const WEBHOOKS_API_PREFIX = '/webhooks/';
const RESTORE_ROUTE = /^POST \/__sandbox\/contacts\/([^/]+)\/restore$/;

type Outcome = Reply | { reset: true };

interface ParsedBody {
  value?: unknown;
  error?: HubSpotHttpError;
}

function readBody(req: IncomingMessage): Promise<Buffer | HubSpotHttpError> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) resolve(new HubSpotHttpError(413, { status: 'error', message: `Request body exceeds ${MAX_BODY_BYTES} bytes`, correlationId: randomUUID(), category: 'VALIDATION_ERROR' }));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return {};
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && type !== 'application/json' && !type.endsWith('+json')) {
    return { error: new HubSpotHttpError(415, { status: 'error', message: `Content type '${contentType}' is not supported. Send the body as application/json.`, correlationId: randomUUID(), category: 'VALIDATION_ERROR' }) };
  }
  const text = raw.toString('utf8');
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(reason);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      where = ` on line ${line}, column ${column}`;
    }
    return { error: validationError(`Invalid input JSON${where}: ${reason}`) };
  }
}

function inputCount(body: unknown): number | undefined {
  if (body && typeof body === 'object' && Array.isArray((body as { inputs?: unknown }).inputs)) {
    return (body as { inputs: unknown[] }).inputs.length;
  }
  return undefined;
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

function errorReply(err: unknown): Reply {
  if (err instanceof HubSpotHttpError) return { status: err.status, body: err.body, headers: err.headers };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: bodyForStatus(500, `internal error: ${message}`) };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1]?.trim();
}

class Sandbox implements HubSpotSandbox {
  url = '';
  private readonly server: Server;
  private readonly properties = new PropertyStore();
  private readonly store = new ContactStore(this.properties);
  private readonly dealProperties = dealPropertyStore();
  private readonly dealStore = new DealStore(this.dealProperties);
  private readonly associationStore = new AssociationStore();
  private readonly random: () => number;
  private readonly faults: FaultSet;
  private readonly limiter: RollingWindowLimiter;
  private readonly webhooks: WebhookDispatcher;
  /** What the Webhooks API set; independent of the dispatcher (see webhook-settings.ts). */
  private readonly webhookApp = new WebhookAppConfig();
  private readonly timers = new Set<NodeJS.Timeout>();
  private log: RecordedRequest[] = [];
  private closed = false;

  constructor(private readonly options: HubSpotSandboxOptions) {
    this.random = options.random ?? Math.random;
    this.faults = new FaultSet(this.random);
    this.limiter = new RollingWindowLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.webhooks = new WebhookDispatcher(options.webhooks);
    this.seed();
    // Only API writes announce changes: the seed above (and on reset) does not.
    this.store.onChange = (change) => this.webhooks.record(change);
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
    await this.webhooks.close();
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

  setRateLimit(limit: RateLimit): void {
    this.limiter.set(limit);
  }

  contacts() {
    return this.store.snapshot();
  }

  deals(): DealSnapshot[] {
    return this.dealStore.snapshot();
  }

  associations(): AssociationSnapshot[] {
    return this.associationStore.snapshot();
  }

  reset(): void {
    this.store.reset();
    this.properties.reset();
    this.dealStore.reset();
    this.dealProperties.reset();
    this.associationStore.reset();
    this.faults.clear();
    this.limiter.reset();
    this.log = [];
    this.webhooks.reset();
    this.webhookApp.reset();
    this.seed();
  }

  setWebhookTarget(targetUrl: string | null): void {
    this.webhooks.setTarget(targetUrl);
  }

  webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  flushWebhooks(): Promise<void> {
    return this.webhooks.flush();
  }

  webhookSettings(): WebhookSettings | null {
    return this.webhookApp.currentSettings();
  }

  webhookSubscriptions(): WebhookSubscription[] {
    return this.webhookApp.list();
  }

  private seed(): void {
    if (!(this.options.seed ?? true)) return;
    const listener = this.store.onChange;
    this.store.onChange = undefined;
    try {
      seedContacts(this.store);
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
      const reply = raw instanceof HubSpotHttpError ? errorReply(raw) : this.control(method, path, parseJson(raw, req.headers['content-type']));
      send(res, reply);
      return;
    }

    const parsed: ParsedBody = raw instanceof HubSpotHttpError ? { error: raw } : parseJson(raw, req.headers['content-type']);
    const inputs = inputCount(parsed.value);
    let outcome: Outcome;
    try {
      outcome = path.startsWith(WEBHOOKS_API_PREFIX) ? await this.developer(method, path, url, parsed) : await this.crm(req, method, path, url, parsed);
    } catch (err) {
      outcome = errorReply(err);
    }
    if ('reset' in outcome) {
      req.socket.resetAndDestroy();
    } else {
      const correlationId = (outcome.body as JsonBody | undefined)?.correlationId;
      outcome.headers = { 'X-HubSpot-Correlation-Id': typeof correlationId === 'string' ? correlationId : randomUUID(), ...outcome.headers };
      send(res, outcome);
    }
    this.record({
      at,
      method,
      path,
      status: 'reset' in outcome ? 0 : outcome.status,
      ...(inputs !== undefined ? { inputs } : {}),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
  }

  private async crm(req: IncomingMessage, method: string, path: string, url: URL, parsed: ParsedBody): Promise<Outcome> {
    if (bearerToken(req) !== this.options.accessToken) return errorReply(unauthorized());

    const injected429 = this.injectedRateLimit(method, path);
    if (injected429) return injected429;
    const decision = this.limiter.take();
    if (!decision.allowed) return { status: 429, body: rateLimitBody(), headers: decision.headers };
    const rateHeaders = decision.headers;
    const failure = await this.injectedFailure(method, path, rateHeaders);
    if (failure) return failure;

    try {
      const { handler, params } = route(method, path);
      if (parsed.error) throw parsed.error;
      const reply = handler(
        { method, url, body: parsed.value, params, inputFaults: this.faults.inputFaults(method, path), baseUrl: this.url },
        {
          contacts: this.store,
          properties: this.properties,
          deals: this.dealStore,
          dealProperties: this.dealProperties,
          associations: this.associationStore,
          random: this.random,
        },
      );
      return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
    } catch (err) {
      const reply = errorReply(err);
      return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
    }
  }

  /**
   * The Webhooks API v3: authenticated by the developer API key in `hapikey` (never the bearer
   * token); a missing key, a wrong one, or any key while the sandbox has no developerApiKey is a
   * 401. Faults apply as to the CRM API; the private app's rate limit does not, as HubSpot counts
   * developer API key calls apart.
   */
  private async developer(method: string, path: string, url: URL, parsed: ParsedBody): Promise<Outcome> {
    const key = url.searchParams.get('hapikey');
    if (!key) return errorReply(unauthorized());
    if (!this.options.developerApiKey || key !== this.options.developerApiKey) return errorReply(unauthorized(INVALID_API_KEY_MESSAGE));
    const fault = this.injectedRateLimit(method, path) ?? (await this.injectedFailure(method, path, {}));
    if (fault) return fault;
    try {
      if (parsed.error) throw parsed.error;
      return webhooksApi(method, path, parsed.value, this.options.webhooks?.appId ?? APP_ID, this.webhookApp);
    } catch (err) {
      return errorReply(err);
    }
  }

  /** A 'rateLimit' fault's 429, if one applies; checked before the limiter and not counted by it. */
  private injectedRateLimit(method: string, path: string): Reply | undefined {
    const fault = this.faults.take(['rateLimit'], method, path);
    if (!fault) return undefined;
    const headers = this.limiter.peek();
    if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
    return { status: 429, body: rateLimitBody(fault.message), headers };
  }

  /** Waits out a 'slow' fault, then answers for a 'status' or 'reset' fault, if one applies. */
  private async injectedFailure(method: string, path: string, rateHeaders: Record<string, string>): Promise<Outcome | undefined> {
    const slow = this.faults.take(['slow'], method, path);
    const terminal = this.faults.take(['status', 'reset'], method, path);
    if (slow?.delayMs) await this.delay(slow.delayMs);
    if (terminal?.kind === 'reset') return { reset: true };
    if (terminal?.kind === 'status') {
      const status = terminal.status ?? 500;
      const headers = { ...rateHeaders };
      if (terminal.retryAfterSeconds !== undefined) headers['Retry-After'] = String(terminal.retryAfterSeconds);
      return { status, body: bodyForStatus(status, terminal.message), headers };
    }
    return undefined;
  }

  private control(method: string, path: string, parsed: ParsedBody): Reply {
    try {
      if (parsed.error) throw parsed.error;
      const key = `${method} ${path.replace(/\/+$/, '')}`;
      const restore = RESTORE_ROUTE.exec(key);
      if (restore) return restoreContact(decodeURIComponent(restore[1]!), this.store);
      switch (key) {
        case 'GET /__sandbox/faults':
          return { status: 200, body: this.faults.list() };
        case 'POST /__sandbox/faults': {
          const rule = parseBody(FaultRuleInput, parsed.value) as FaultRule;
          try {
            this.faults.add(rule);
          } catch (err) {
            throw validationError(err instanceof Error ? err.message : String(err));
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
        case 'GET /__sandbox/rate-limit':
          return { status: 200, body: this.limiter.current };
        case 'PUT /__sandbox/rate-limit':
          this.limiter.set(parseBody(RateLimitInput, parsed.value));
          return { status: 200, body: this.limiter.current };
        case 'GET /__sandbox/contacts':
          return { status: 200, body: this.store.snapshot() };
        case 'GET /__sandbox/deals':
          return { status: 200, body: this.dealStore.snapshot() };
        case 'GET /__sandbox/associations':
          return { status: 200, body: this.associationStore.snapshot() };
        case 'GET /__sandbox/webhooks':
          return { status: 200, body: this.webhooks.deliveries() };
        case 'POST /__sandbox/webhooks': {
          const { targetUrl } = parseBody(WebhookTargetInput, parsed.value);
          try {
            this.webhooks.setTarget(targetUrl);
          } catch (err) {
            throw validationError(err instanceof Error ? err.message : String(err));
          }
          return { status: 200, body: { targetUrl: this.webhooks.target } };
        }
        case 'POST /__sandbox/reset':
          this.reset();
          return { status: 204 };
        default:
          return { status: 404, body: { status: 'error', message: `No sandbox control route ${method} ${path}`, category: 'OBJECT_NOT_FOUND' } };
      }
    } catch (err) {
      return errorReply(err);
    }
  }
}

export async function startSandboxServer(options: HubSpotSandboxOptions): Promise<HubSpotSandbox> {
  if (!options.accessToken) throw new TypeError('startHubSpotSandbox needs an accessToken');
  const sandbox = new Sandbox(options);
  await sandbox.listen();
  return sandbox;
}
