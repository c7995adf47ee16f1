import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { answer, elapsedMs, isControlPath, parseJsonBody, readBody, requestTarget, sameKey, sendReply, type Outcome, type ParsedBody } from '../common/http-server.js';
import { SandboxBase, seedQuietly } from '../common/sandbox.js';
import { BuildiumHttpError, badRequest, httpError, notFound, unauthorized } from './errors.js';
import { ReadOnlyFaultSet } from '../common/faults.js';
import { apiRoute, errorReply, type Reply } from './handlers.js';
import { seedBuildium, seedSize } from './seed.js';
import { BuildiumStore, ConflictError, isoSeconds } from './store.js';
import { WebhookSender } from './webhooks.js';
import type {
  BuildiumRecordType,
  BuildiumSandbox,
  BuildiumSandboxOptions,
  FaultRule,
  LeaseMessage,
  LeasePatch,
  RecordedRequest,
  RentalMessage,
  RentalPatch,
  RentalUnitMessage,
  TenantMessage,
  TenantPatch,
  UnitPatch,
  WebhookDelivery,
} from './types.js';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_LOG_ENTRIES = 100_000;
export const DEFAULT_RATE_PER_SECOND = 10;

const FaultRuleInput = z.object({
  method: z.string().optional(),
  path: z.string().optional(),
  kind: z.enum(['status', 'slow', 'reset', 'rateLimit']),
  status: z.number().int().min(100).max(599).optional(),
  delayMs: z.number().min(0).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  message: z.string().optional(),
  times: z.number().int().min(0).optional(),
  probability: z.number().min(0).max(1).optional(),
});

function parseRule(value: unknown): FaultRule {
  const result = FaultRuleInput.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(result.error.issues.slice(0, 20).map((i) => ({ Key: i.path.map(String).join('.') || '(body)', Value: i.message })));
}

function parseJson(raw: Buffer, contentType: string | undefined): ParsedBody<BuildiumHttpError> {
  return parseJsonBody(raw, contentType, {
    unsupported: (type) => httpError(415, `Content type '${type}' is not supported. Send the body as application/json.`),
    invalid: (reason) => badRequest([{ Key: '(body)', Value: `Body is not valid JSON: ${reason}` }]),
  });
}

/** Buildium's limit: at most `perSecond` requests in any rolling second; refused requests do not count. */
class RollingLimit {
  private stamps: number[] = [];
  constructor(private readonly perSecond: number) {}
  admit(now = performance.now()): boolean {
    while (this.stamps.length && now - this.stamps[0]! >= 1000) this.stamps.shift();
    if (this.stamps.length >= this.perSecond) return false;
    this.stamps.push(now);
    return true;
  }
  clear(): void {
    this.stamps = [];
  }
}

/** The records the control routes change, by the path segment that names them. */
const RECORD_ROUTE: Record<string, BuildiumRecordType> = { tenants: 'tenant', rentals: 'rental', units: 'unit', leases: 'lease' };
const RECORD_PATH = /^\/__sandbox\/(tenants|rentals|units|leases)\/([^/]+)$/;

/** JSON's kind of a value, to refuse a patch that would put, say, a string where a record has an array. */
function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function one(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

class Sandbox extends SandboxBase<FaultRule, RecordedRequest> implements BuildiumSandbox {
  private readonly store = new BuildiumStore();
  private readonly limit: RollingLimit | undefined;
  private readonly webhooks: WebhookSender;

  constructor(private readonly options: BuildiumSandboxOptions) {
    super(options, new ReadOnlyFaultSet<FaultRule>(options.random ?? Math.random), MAX_LOG_ENTRIES);
    this.webhooks = new WebhookSender(options.webhooks);
    this.store.onChange = (change) => this.webhooks.record(change);
    const perSecond = options.rateLimit === false ? undefined : (options.rateLimit?.perSecond ?? DEFAULT_RATE_PER_SECOND);
    if (perSecond !== undefined && !(Number.isInteger(perSecond) && perSecond >= 1)) throw new TypeError('rateLimit.perSecond must be a positive integer');
    this.limit = perSecond === undefined ? undefined : new RollingLimit(perSecond);
    this.seed();
  }

  tenants(): TenantMessage[] {
    return this.store.tenantsAll();
  }

  rentals(): RentalMessage[] {
    return this.store.rentalsAll();
  }

  units(): RentalUnitMessage[] {
    return this.store.unitsAll();
  }

  leases(): LeaseMessage[] {
    return this.store.leasesAll();
  }

  updateTenant(id: number, patch: TenantPatch): TenantMessage {
    return this.store.updateTenant(id, patch);
  }

  updateRental(id: number, patch: RentalPatch): RentalMessage {
    return this.store.updateRental(id, patch);
  }

  updateUnit(id: number, patch: UnitPatch): RentalUnitMessage {
    return this.store.updateUnit(id, patch);
  }

  updateLease(id: number, patch: LeasePatch): LeaseMessage {
    return this.store.updateLease(id, patch);
  }

  addRental(fields: RentalPatch = {}): RentalMessage {
    return this.store.createRental(fields);
  }

  addUnit(propertyId: number, fields: UnitPatch = {}): RentalUnitMessage {
    return this.store.createUnit(propertyId, fields);
  }

  addTenant(fields: TenantPatch = {}): TenantMessage {
    return this.store.createTenant(fields);
  }

  addLease(unitId: number, tenantIds: number[], fields: LeasePatch = {}): LeaseMessage {
    return this.store.createLease(unitId, tenantIds, fields);
  }

  deleteRental(id: number): void {
    this.store.deleteRental(id);
  }

  deleteUnit(id: number): void {
    this.store.deleteUnit(id);
  }

  deleteTenant(id: number): void {
    this.store.deleteTenant(id);
  }

  deleteLease(id: number): void {
    this.store.deleteLease(id);
  }

  webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  flushWebhooks(): Promise<void> {
    return this.webhooks.flush();
  }

  lastUpdated(type: BuildiumRecordType, id: number): string | undefined {
    const ms = this.store.lastUpdated(type, id);
    return ms === undefined ? undefined : isoSeconds(ms);
  }

  reset(): void {
    this.store.reset();
    this.faults.clear();
    this.log.clear();
    this.limit?.clear();
    this.webhooks.reset();
    this.seed();
  }

  protected override beforeClose(): Promise<void> {
    return this.webhooks.close();
  }

  protected override fallback(res: ServerResponse, err: unknown): void {
    sendReply(res, errorReply(err));
  }

  /** The seed is the portfolio as it stands, not changes: it sends no webhooks. */
  private seed(): void {
    seedQuietly(this.store, () => seedBuildium(this.store, seedSize(this.options.seed)));
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const started = performance.now();
    const { method, url } = requestTarget(req);
    const path = url.pathname;
    const raw = await readBody(req, MAX_BODY_BYTES, () => httpError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`));

    if (isControlPath(path)) {
      const parsed = raw instanceof BuildiumHttpError ? { error: raw } : parseJson(raw, req.headers['content-type']);
      sendReply(res, this.control(method, path, parsed));
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

  /** Auth first (wrong credentials are a 401 whatever the faults), then the rate limit, then faults, then the route. */
  private async api(req: IncomingMessage, method: string, path: string, url: URL): Promise<Outcome<Reply>> {
    const idOk = sameKey(one(req.headers['x-buildium-client-id']), this.options.clientId);
    const secretOk = sameKey(one(req.headers['x-buildium-client-secret']), this.options.clientSecret);
    if (!idOk || !secretOk) return errorReply(unauthorized());

    if (this.limit && !this.limit.admit()) return errorReply(httpError(429));
    const limited = this.faults.take(['rateLimit'], method, path);
    if (limited) {
      const headers = limited.retryAfterSeconds !== undefined ? { 'Retry-After': String(limited.retryAfterSeconds) } : undefined;
      return errorReply(httpError(429, limited.message, undefined, headers));
    }
    const terminal = await this.faults.failure(method, path, (ms) => this.http.delay(ms));
    if (terminal?.kind === 'reset') return { reset: true };
    if (terminal?.kind === 'status') {
      const headers = terminal.retryAfterSeconds !== undefined ? { 'Retry-After': String(terminal.retryAfterSeconds) } : undefined;
      return errorReply(httpError(terminal.status ?? 500, terminal.message, undefined, headers));
    }
    return apiRoute(method, path, url, this.store);
  }

  /**
   * GET|POST|DELETE /__sandbox/faults, GET|DELETE /__sandbox/requests, POST /__sandbox/reset,
   * PATCH|DELETE /__sandbox/{tenants|rentals|units|leases}/{id}, GET /__sandbox/webhooks (no auth, no rate limit).
   */
  private control(method: string, path: string, parsed: ParsedBody<BuildiumHttpError>): Reply {
    try {
      if (parsed.error) throw parsed.error;
      const key = `${method} ${path.replace(/\/+$/, '')}`;
      const common = this.faultAndLogRoute(key, parsed.value, parseRule, (message) => badRequest([{ Key: 'fault', Value: message }]));
      if (common) return common;
      if (key === 'POST /__sandbox/reset') {
        this.reset();
        return { status: 204 };
      }
      if (key === 'GET /__sandbox') return { status: 200, body: this.store.counts() };
      if (key === 'GET /__sandbox/webhooks') return { status: 200, body: { url: this.options.webhooks ? this.options.webhooks.url : null, deliveries: this.webhooks.deliveries() } };
      const record = RECORD_PATH.exec(path.replace(/\/+$/, ''));
      if (record && (method === 'PATCH' || method === 'DELETE')) return this.recordRoute(method, RECORD_ROUTE[record[1]!]!, record[2]!, parsed.value);
      throw notFound(`No sandbox control route ${method} ${path}`);
    } catch (err) {
      return errorReply(err);
    }
  }

  /** PATCH (a JSON object of the record's own fields: the handle's update) or DELETE one record. */
  private recordRoute(method: 'PATCH' | 'DELETE', type: BuildiumRecordType, rawId: string, body: unknown): Reply {
    if (!/^\d{1,10}$/.test(rawId)) throw badRequest([{ Key: 'id', Value: `'${rawId}' is not a valid integer id.` }]);
    const id = Number(rawId);
    const current = this.readRecord(type, id);
    if (current === undefined) throw notFound(`No ${type} ${id}`);
    if (method === 'DELETE') {
      try {
        this.deleteRecord(type, id);
      } catch (err) {
        if (err instanceof ConflictError) throw httpError(409, err.message);
        throw err;
      }
      return { status: 204 };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest([{ Key: '(body)', Value: 'The body must be a JSON object of the fields to change.' }]);
    const problems: Array<{ Key: string; Value: string }> = [];
    for (const [field, value] of Object.entries(body)) {
      const was = (current as Record<string, unknown>)[field];
      if (value !== null && was !== null && was !== undefined && kindOf(value) !== kindOf(was)) problems.push({ Key: field, Value: `${field} must be a ${kindOf(was)}, not a ${kindOf(value)}.` });
    }
    if (problems.length) throw badRequest(problems);
    try {
      return { status: 200, body: this.updateRecord(type, id, body) };
    } catch (err) {
      if (err instanceof TypeError) throw badRequest([{ Key: '(body)', Value: err.message }]);
      throw err;
    }
  }

  private readRecord(type: BuildiumRecordType, id: number): unknown {
    switch (type) {
      case 'tenant':
        return this.store.tenant(id);
      case 'rental':
        return this.store.rental(id);
      case 'unit':
        return this.store.unit(id);
      case 'lease':
        return this.store.lease(id);
    }
  }

  private updateRecord(type: BuildiumRecordType, id: number, patch: object): unknown {
    switch (type) {
      case 'tenant':
        return this.updateTenant(id, patch);
      case 'rental':
        return this.updateRental(id, patch);
      case 'unit':
        return this.updateUnit(id, patch);
      case 'lease':
        return this.updateLease(id, patch);
    }
  }

  private deleteRecord(type: BuildiumRecordType, id: number): void {
    switch (type) {
      case 'tenant':
        return this.deleteTenant(id);
      case 'rental':
        return this.deleteRental(id);
      case 'unit':
        return this.deleteUnit(id);
      case 'lease':
        return this.deleteLease(id);
    }
  }
}

export async function startSandboxServer(options: BuildiumSandboxOptions): Promise<BuildiumSandbox> {
  if (!options.clientId || !options.clientSecret) throw new TypeError('startBuildiumSandbox needs a clientId and a clientSecret');
  const sandbox = new Sandbox(options);
  await sandbox.listen();
  return sandbox;
}
