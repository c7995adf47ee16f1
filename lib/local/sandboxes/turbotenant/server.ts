import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { DeliveryChaosCounts } from '../common/delivery.js';
import { answer, bearerToken, elapsedMs, isControlPath, parseJsonBody, readBody, requestTarget, sameKey, sendReply, type Outcome, type ParsedBody } from '../common/http-server.js';
import { refusedAs, SandboxBase, seedQuietly } from '../common/sandbox.js';
import { badRequest, httpError, notFound, TurboTenantHttpError, unauthorized } from './errors.js';
import { EventDispatcher } from './events.js';
import { ReadOnlyFaultSet } from '../common/faults.js';
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
/** When a rateLimit fault names no Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

function parseJson(raw: Buffer, contentType: string | undefined): ParsedBody<TurboTenantHttpError> {
  return parseJsonBody(raw, contentType, {
    unsupported: (type) => httpError(415, `Content type '${type}' is not supported. Send the body as application/json.`),
    invalid: (reason) => badRequest(`Body is not valid JSON: ${reason}`),
  });
}

class Sandbox extends SandboxBase<FaultRule, RecordedRequest> implements TurboTenantSandbox {
  private readonly store = new TurboTenantStore();
  private readonly events: EventDispatcher;

  constructor(private readonly options: TurboTenantSandboxOptions) {
    super(options, new ReadOnlyFaultSet<FaultRule>(options.random ?? Math.random), MAX_LOG_ENTRIES);
    this.events = new EventDispatcher(options.events);
    this.seed();
    // Only changes made after the seed (through the control routes or the handle) announce events.
    this.store.onChange = (change) => this.events.record(change);
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
    this.log.clear();
    this.events.reset();
    this.seed();
  }

  setEventTarget(targetUrl: string | null): void {
    this.events.setTarget(targetUrl);
  }

  eventDeliveries(): EventDelivery[] {
    return this.events.deliveries();
  }

  eventChaos(): DeliveryChaosCounts {
    return this.events.chaosStats();
  }

  flushEvents(): Promise<void> {
    return this.events.flush();
  }

  protected override beforeClose(): Promise<void> {
    return this.events.close();
  }

  protected override fallback(res: ServerResponse, err: unknown): void {
    sendReply(res, errorReply(err));
  }

  private seed(): void {
    if (this.options.seed ?? true) seedQuietly(this.store, () => seedTurboTenant(this.store));
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const started = performance.now();
    const { method, url } = requestTarget(req);
    const path = url.pathname;
    const raw = await readBody(req, MAX_BODY_BYTES, () => httpError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`));

    if (isControlPath(path)) {
      const parsed = raw instanceof TurboTenantHttpError ? { error: raw } : parseJson(raw, req.headers['content-type']);
      sendReply(res, await this.control(method, path, parsed));
      return;
    }

    let outcome: Outcome<Reply>;
    try {
      outcome = await this.api(req, method, path, url);
    } catch (err) {
      outcome = errorReply(err);
    }
    const status = answer(req, res, outcome, sendReply);
    this.log.push({ at, method, path, query: url.search.replace(/^\?/, ''), status, durationMs: elapsedMs(started) });
  }

  /** Auth first (a wrong key is a 401 whatever the faults), then faults, then the route. */
  private async api(req: IncomingMessage, method: string, path: string, url: URL): Promise<Outcome<Reply>> {
    if (!sameKey(bearerToken(req), this.options.apiKey)) return errorReply(unauthorized());

    const limited = this.faults.take(['rateLimit'], method, path);
    if (limited) {
      const seconds = limited.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
      return errorReply(httpError(429, limited.message ?? `Too many requests; retry after ${seconds} s`, undefined, { 'Retry-After': String(seconds) }));
    }
    const terminal = await this.faults.failure(method, path, (ms) => this.http.delay(ms));
    if (terminal?.kind === 'reset') return { reset: true };
    if (terminal?.kind === 'status') {
      const status = terminal.status ?? 500;
      const headers = terminal.retryAfterSeconds !== undefined ? { 'Retry-After': String(terminal.retryAfterSeconds) } : undefined;
      return errorReply(httpError(status, terminal.message, undefined, headers));
    }
    return apiRoute(method, path, url, this.store);
  }

  private async control(method: string, path: string, parsed: ParsedBody<TurboTenantHttpError>): Promise<Reply> {
    try {
      if (parsed.error) throw parsed.error;
      const key = `${method} ${path.replace(/\/+$/, '')}`;
      const common = this.faultAndLogRoute(key, parsed.value, (value) => parseInput(FaultRuleInput, value, 'fault'), badRequest);
      if (common) return common;
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
        case 'GET /__sandbox/events':
          return { status: 200, body: { targetUrl: this.events.target, deliveries: this.events.deliveries() } };
        case 'POST /__sandbox/events': {
          const { targetUrl } = parseInput(EventTargetInput, parsed.value, 'event target');
          refusedAs(() => this.events.setTarget(targetUrl), badRequest);
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
