import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { DeliveryChaosCounts } from '../common/delivery.js';
import {
  answer,
  bearerToken,
  elapsedMs,
  isControlPath,
  parseJsonBody,
  readBody,
  requestTarget,
  sendReply,
  type Outcome as SandboxOutcome,
  type ParsedBody as SandboxParsedBody,
} from '../common/http-server.js';
import { refusedAs, SandboxBase, seedQuietly } from '../common/sandbox.js';
import { accountDetails, AccountSettingsInput, type AccountSettings, type AccountType } from './account.js';
import { APP_ID, PORTAL_ID, bodyForStatus, httpError, HubSpotHttpError, INVALID_API_KEY_MESSAGE, rateLimitBody, unauthorized, validationError, type JsonBody } from './errors.js';
import { contactWriteEmails, HeldWrites } from './concurrent-writes.js';
import { FaultSet } from './faults.js';
import { SandboxOAuth } from './oauth.js';
import { restoreContact, route, type Reply } from './handlers.js';
import { AssociationTypes } from './association-types.js';
import { AssociationStore } from './associations.js';
import { dealPropertyStore, DealStore } from './deals.js';
import { ObjectTypes } from './object-types.js';
import { PropertyStore } from './properties.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RequestScope } from './rate-limit.js';
import { schemaView } from './schemas-api.js';
import { DailyUsedInput, FaultRuleInput, parseBody, RateLimitClockInput, RateLimitInput } from './schemas.js';
import { seedContacts } from './seed.js';
import { ContactStore } from './store.js';
import { NO_PORTAL_RULES, ValidationRuleInput, ValidationRules, type ValidationRule } from './validation-rules.js';
import { isDatedPath } from './versions.js';
import type {
  AssociationSnapshot,
  DealSnapshot,
  FaultRule,
  HubSpotSandbox,
  HubSpotSandboxOptions,
  ObjectSchemaSnapshot,
  ObjectSnapshot,
  RateLimit,
  RateLimitUsage,
  RecordedRequest,
  WebhookDelivery,
  WebhookSettings,
  WebhookSubscription,
} from './types.js';
import { WebhookAppConfig, webhooksApi } from './webhook-settings.js';
import { WebhookDispatcher, WebhookTargetInput } from './webhooks.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_LOG_ENTRIES = 100_000;
/** The Webhooks API (developer API key auth) rather than the CRM API (bearer token). */
const WEBHOOKS_API_PREFIX = '/webhooks/';
const RESTORE_ROUTE = /^POST \/__sandbox\/contacts\/([^/]+)\/restore$/;
const OBJECTS_ROUTE = /^GET \/__sandbox\/objects\/([^/]+)$/;

type Outcome = SandboxOutcome<Reply>;
type ParsedBody = SandboxParsedBody<HubSpotHttpError>;

function tooLarge(): HubSpotHttpError {
  return new HubSpotHttpError(413, { status: 'error', message: `Request body exceeds ${MAX_BODY_BYTES} bytes`, correlationId: randomUUID(), category: 'VALIDATION_ERROR' });
}

/** HubSpot says where invalid JSON broke, as a line and column. */
function parseJson(raw: Buffer, contentType: string | undefined): ParsedBody {
  return parseJsonBody(raw, contentType, {
    unsupported: (type) =>
      new HubSpotHttpError(415, { status: 'error', message: `Content type '${type}' is not supported. Send the body as application/json.`, correlationId: randomUUID(), category: 'VALIDATION_ERROR' }),
    invalid: (reason, text) => {
      const pos = /position (\d+)/.exec(reason);
      let where = '';
      if (pos) {
        const before = text.slice(0, Number(pos[1]));
        const line = before.split('\n').length;
        const column = before.length - before.lastIndexOf('\n');
        where = ` on line ${line}, column ${column}`;
      }
      return validationError(`Invalid input JSON${where}: ${reason}`);
    },
  });
}

function inputCount(body: unknown): number | undefined {
  if (body && typeof body === 'object' && Array.isArray((body as { inputs?: unknown }).inputs)) {
    return (body as { inputs: unknown[] }).inputs.length;
  }
  return undefined;
}

function errorReply(err: unknown): Reply {
  if (err instanceof HubSpotHttpError) return { status: err.status, body: err.body, headers: err.headers };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: bodyForStatus(500, `internal error: ${message}`) };
}

/** Every API answer has a correlation id header: the body's, when the body (an error) has one. */
function withCorrelationId(reply: Reply): Reply {
  const correlationId = (reply.body as JsonBody | undefined)?.correlationId;
  return { ...reply, headers: { 'X-HubSpot-Correlation-Id': typeof correlationId === 'string' ? correlationId : randomUUID(), ...reply.headers } };
}

class Sandbox extends SandboxBase<FaultRule, RecordedRequest, FaultSet> implements HubSpotSandbox {
  private readonly properties = new PropertyStore();
  private readonly store = new ContactStore(this.properties);
  private readonly dealProperties = dealPropertyStore();
  private readonly dealStore = new DealStore(this.dealProperties);
  private readonly associationTypes = new AssociationTypes();
  private readonly associationStore = new AssociationStore(this.associationTypes);
  /** Deals, listings and custom object types by their path names (contacts for associations). */
  private readonly objectTypes = new ObjectTypes(this.store, this.dealStore);
  private readonly random: () => number;
  /** Contact writes a 'concurrentWrite' fault holds (concurrent-writes.ts). */
  private readonly heldWrites = new HeldWrites();
  private readonly limiter: RateLimiter;
  private readonly webhooks: WebhookDispatcher;
  /** What the Webhooks API set; independent of the dispatcher (see webhook-settings.ts). */
  private readonly webhookApp = new WebhookAppConfig();
  /** The OAuth app's installs: authorize, token, and the access tokens they issue (oauth.ts). */
  private readonly oauth = new SandboxOAuth();
  /** The portal's validation rules, enforced on writes through the dated paths. */
  private readonly portalRules = new ValidationRules(this.objectTypes);
  private readonly account: AccountSettings;

  constructor(private readonly options: HubSpotSandboxOptions) {
    super(options, new FaultSet(options.random ?? Math.random), MAX_LOG_ENTRIES);
    this.random = options.random ?? Math.random;
    this.limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, { timeZone: options.timeZone, now: options.rateLimitClock });
    this.webhooks = new WebhookDispatcher(options.webhooks);
    // One time zone for the account details API and the daily limit's midnight.
    this.account = { accountType: options.accountType ?? 'STANDARD', timeZone: this.limiter.timeZone };
    this.seed();
    // Only API writes announce changes: the seed above (and on reset) does not.
    this.store.onChange = (change) => this.webhooks.record(change);
  }

  setRateLimit(limit: RateLimit): void {
    this.limiter.set(limit);
  }

  setDailyUsed(used: number): void {
    this.limiter.setDailyUsed(used);
  }

  advanceRateLimitClock(ms: number): void {
    this.limiter.advance(ms);
  }

  rateLimitUsage(): RateLimitUsage {
    return this.limiter.usage();
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

  associationsBetween(fromType: string, toType: string): AssociationSnapshot[] {
    const [from, to] = [this.objectTypes.handleKey(fromType), this.objectTypes.handleKey(toType)];
    return this.associationStore.snapshot().filter((a) => a.fromObjectType === from && a.toObjectType === to);
  }

  objects(objectType: string): ObjectSnapshot[] {
    return this.objectTypes.snapshot(objectType);
  }

  schemas(): ObjectSchemaSnapshot[] {
    return this.objectTypes.customTypes().map((t) => schemaView({ objectTypes: this.objectTypes, associationTypes: this.associationTypes }, t));
  }

  reset(): void {
    this.store.reset();
    this.properties.reset();
    this.dealStore.reset();
    this.dealProperties.reset();
    this.objectTypes.reset();
    this.associationTypes.reset();
    this.associationStore.reset();
    this.faults.clear();
    this.limiter.reset();
    this.log.clear();
    this.webhooks.reset();
    this.webhookApp.reset();
    this.oauth.reset();
    this.portalRules.clear();
    this.account.accountType = this.options.accountType ?? 'STANDARD';
    this.seed();
  }

  setWebhookTarget(targetUrl: string | null): void {
    this.webhooks.setTarget(targetUrl);
  }

  webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  webhookChaos(): DeliveryChaosCounts {
    return this.webhooks.chaosStats();
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

  setAccountType(accountType: AccountType): void {
    this.account.accountType = AccountSettingsInput.parse({ accountType }).accountType;
  }

  addValidationRule(rule: ValidationRule): void {
    this.portalRules.add(rule);
  }

  validationRules(): ValidationRule[] {
    return this.portalRules.list();
  }

  clearValidationRules(): void {
    this.portalRules.clear();
  }

  protected override beforeClose(): Promise<void> {
    return this.webhooks.close();
  }

  protected override fallback(res: ServerResponse, err: unknown): void {
    sendReply(res, errorReply(err));
  }

  private seed(): void {
    if (this.options.seed ?? true) seedQuietly(this.store, () => seedContacts(this.store));
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const started = performance.now();
    const { method, url } = requestTarget(req);
    const path = url.pathname;
    const raw = await readBody(req, MAX_BODY_BYTES, tooLarge);

    // Form-encoded (the token endpoint) or bodiless: answered before the JSON parsing below.
    if (SandboxOAuth.handles(path)) {
      const reply = raw instanceof HubSpotHttpError ? errorReply(raw) : this.oauth.answer(method, url, raw, req.headers['content-type']);
      if (isControlPath(path)) {
        sendReply(res, reply);
        return;
      }
      sendReply(res, withCorrelationId(reply));
      this.log.push({ at, method, path, status: reply.status, durationMs: elapsedMs(started) });
      return;
    }

    if (isControlPath(path)) {
      const reply = raw instanceof HubSpotHttpError ? errorReply(raw) : this.control(method, path, parseJson(raw, req.headers['content-type']));
      sendReply(res, reply);
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
    const status = answer(req, res, outcome, (r, reply) => sendReply(r, withCorrelationId(reply)));
    const portalId = this.portalOf(bearerToken(req));
    this.log.push({ at, method, path, status, ...(inputs !== undefined ? { inputs } : {}), ...(portalId !== undefined ? { portalId } : {}), durationMs: elapsedMs(started) });
  }

  /** The portal a bearer token acts in: the sandbox's for its static token, an OAuth install's for the tokens it issued. */
  private portalOf(token: string | undefined): number | undefined {
    if (token === undefined) return undefined;
    return token === this.options.accessToken ? PORTAL_ID : this.oauth.portalOf(token);
  }

  private async crm(req: IncomingMessage, method: string, path: string, url: URL, parsed: ParsedBody): Promise<Outcome> {
    const token = bearerToken(req);
    if (token !== this.options.accessToken) {
      const refused = this.oauth.refusal(token);
      if (refused) return errorReply(refused);
    }

    // The private app's token counts against the account's daily limit; OAuth apps have none.
    const scope: RequestScope = { daily: token === this.options.accessToken };
    const injected429 = this.injectedRateLimit(method, path, scope);
    if (injected429) return injected429;
    const decision = this.limiter.take(scope);
    if (!decision.allowed) return { status: 429, body: rateLimitBody(undefined, decision.policy), headers: decision.headers };
    const rateHeaders = decision.headers;
    const failure = await this.injectedFailure(method, path, rateHeaders);
    if (failure) return failure;

    const emails = parsed.error ? [] : contactWriteEmails(method, path, parsed.value);
    const clash = this.heldWrites.conflict(emails);
    if (clash) {
      const reply = errorReply(clash);
      return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
    }
    const hold = emails.length > 0 ? this.faults.concurrentWrite(method, path, emails) : undefined;
    const release = hold ? this.heldWrites.hold(emails) : () => undefined;
    try {
      if (hold) await this.http.delay(hold.delayMs!);
      const { handler, params } = route(method, path);
      if (parsed.error) throw parsed.error;
      const dated = isDatedPath(path);
      const reply = handler(
        { method, url, body: parsed.value, params, inputFaults: this.faults.inputFaults(method, path), baseUrl: this.url, dated },
        {
          contacts: this.store,
          properties: this.properties,
          associations: this.associationStore,
          associationTypes: this.associationTypes,
          objectTypes: this.objectTypes,
          random: this.random,
          // HubSpot applies a portal's own rules to API writes from 2026-09 on (validation-rules.ts).
          portalRules: dated ? this.portalRules : NO_PORTAL_RULES,
          account: { ...this.account, portalId: this.portalOf(token) ?? PORTAL_ID },
        },
      );
      return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
    } catch (err) {
      const reply = errorReply(err);
      return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
    } finally {
      release();
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
    const fault = this.injectedRateLimit(method, path, { daily: false }) ?? (await this.injectedFailure(method, path, {}));
    if (fault) return fault;
    try {
      if (parsed.error) throw parsed.error;
      return webhooksApi(method, path, parsed.value, this.options.webhooks?.appId ?? APP_ID, this.webhookApp);
    } catch (err) {
      return errorReply(err);
    }
  }

  /** A 'rateLimit' fault's 429, if one applies; checked before the limiter and not counted by it. */
  private injectedRateLimit(method: string, path: string, scope: RequestScope): Reply | undefined {
    const fault = this.faults.take(['rateLimit'], method, path);
    if (!fault) return undefined;
    const headers = this.limiter.peek(scope);
    if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
    return { status: 429, body: rateLimitBody(fault.message), headers };
  }

  /** Waits out a 'slow' fault, then answers for a 'status' or 'reset' fault, if one applies. */
  private async injectedFailure(method: string, path: string, rateHeaders: Record<string, string>): Promise<Outcome | undefined> {
    const terminal = await this.faults.failure(method, path, (ms) => this.http.delay(ms));
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
      const objects = OBJECTS_ROUTE.exec(key);
      if (objects) return { status: 200, body: refusedAs(() => this.objects(decodeURIComponent(objects[1]!)), (message) => httpError(404, 'OBJECT_NOT_FOUND', message)) };
      const common = this.faultAndLogRoute(key, parsed.value, (value) => parseBody(FaultRuleInput, value) as FaultRule, validationError);
      if (common) return common;
      switch (key) {
        case 'GET /__sandbox/rate-limit':
          return { status: 200, body: this.limiter.usage() };
        case 'PUT /__sandbox/rate-limit':
          this.limiter.set(parseBody(RateLimitInput, parsed.value));
          return { status: 200, body: this.limiter.usage() };
        case 'PUT /__sandbox/rate-limit/daily-used':
          this.limiter.setDailyUsed(parseBody(DailyUsedInput, parsed.value).used);
          return { status: 200, body: this.limiter.usage() };
        case 'POST /__sandbox/rate-limit/clock':
          this.limiter.advance(parseBody(RateLimitClockInput, parsed.value).advanceSeconds * 1000);
          return { status: 200, body: this.limiter.usage() };
        case 'GET /__sandbox/contacts':
          return { status: 200, body: this.store.snapshot() };
        case 'GET /__sandbox/deals':
          return { status: 200, body: this.dealStore.snapshot() };
        case 'GET /__sandbox/associations':
          return { status: 200, body: this.associationStore.snapshot() };
        case 'GET /__sandbox/schemas':
          return { status: 200, body: this.schemas() };
        case 'GET /__sandbox/validation-rules':
          return { status: 200, body: this.portalRules.list() };
        case 'POST /__sandbox/validation-rules': {
          const rule = parseBody(ValidationRuleInput, parsed.value);
          return { status: 201, body: refusedAs(() => this.portalRules.add(rule), validationError) };
        }
        case 'DELETE /__sandbox/validation-rules':
          this.portalRules.clear();
          return { status: 204 };
        case 'GET /__sandbox/account':
          return { status: 200, body: accountDetails(this.account) };
        case 'PUT /__sandbox/account':
          this.account.accountType = parseBody(AccountSettingsInput, parsed.value).accountType;
          return { status: 200, body: accountDetails(this.account) };
        case 'GET /__sandbox/webhooks':
          return { status: 200, body: this.webhooks.deliveries() };
        case 'POST /__sandbox/webhooks': {
          const { targetUrl } = parseBody(WebhookTargetInput, parsed.value);
          refusedAs(() => this.webhooks.setTarget(targetUrl), validationError);
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
