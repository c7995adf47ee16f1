/**
 * The Webhooks API v3 of a public app (`shared/specs/hubspot/webhooks-v3.json`): the app's settings
 * (target URL, throttling) and its event subscriptions, kept in memory.
 *
 * The server authenticates these calls by the developer API key (`hapikey`), not the private app's
 * bearer token, and checks the appId before handing them here.
 *
 * What is set here is only recorded: the sandbox's WebhookDispatcher keeps to the options it was
 * started with (see webhooks.ts), so deliveries never depend on what the code under test set up.
 */
import type { z } from 'zod';
import { httpError, validationError } from './errors.js';
import type { Reply } from './handlers.js';
import { parseBody, SettingsChangeInput, SubscriptionCreateInput, SubscriptionPatchInput } from './schemas.js';
import type { WebhookSettings, WebhookSubscription } from './types.js';
import { checkTargetUrl } from './webhooks.js';

type SettingsChange = z.output<typeof SettingsChangeInput>;
type SubscriptionCreate = z.output<typeof SubscriptionCreateInput>;
type SubscriptionPatch = z.output<typeof SubscriptionPatchInput>;

const iso = (ms: number) => new Date(ms).toISOString();

const copySettings = (s: WebhookSettings): WebhookSettings => ({ ...s, throttling: { ...s.throttling } });

/** Subscriptions are unique by event type and, for property changes, property. */
const subscriptionKey = (eventType: string, propertyName: string | undefined) => `${eventType}\u0000${propertyName ?? ''}`;

function subscriptionNotFound(id: string): never {
  throw httpError(404, 'OBJECT_NOT_FOUND', `Failed to find subscription by id \`${id}\`. Try again using a different subscriptionId.`, {
    context: { subscriptionIds: [id] },
  });
}

/** One app's webhook settings and subscriptions. */
export class WebhookAppConfig {
  private settings: WebhookSettings | null = null;
  private readonly subscriptions = new Map<string, WebhookSubscription>();
  private nextId = 1;

  reset(): void {
    this.settings = null;
    this.subscriptions.clear();
    this.nextId = 1;
  }

  currentSettings(): WebhookSettings | null {
    return this.settings && copySettings(this.settings);
  }

  /**
   * Sets the target URL and throttling. A PUT that changes nothing changes nothing, updatedAt
   * included, so that repeating it (an app's setup run twice) is idempotent.
   */
  putSettings(input: SettingsChange, now = Date.now()): WebhookSettings {
    let targetUrl: string;
    try {
      targetUrl = checkTargetUrl(input.targetUrl);
    } catch (err) {
      throw validationError(err instanceof Error ? err.message : String(err), { errors: [{ message: 'invalid URL', in: 'targetUrl' }] });
    }
    const throttling: WebhookSettings['throttling'] = { maxConcurrentRequests: input.throttling.maxConcurrentRequests };
    if (input.throttling.period !== undefined) throttling.period = input.throttling.period;
    const current = this.settings;
    const same =
      current !== null &&
      current.targetUrl === targetUrl &&
      current.throttling.maxConcurrentRequests === throttling.maxConcurrentRequests &&
      current.throttling.period === throttling.period;
    if (!same) {
      this.settings = { targetUrl, throttling, createdAt: current?.createdAt ?? iso(now), updatedAt: iso(now) };
    }
    return copySettings(this.settings!);
  }

  /** HubSpot keeps the subscriptions (paused until settings are set again); so does the sandbox, flags unchanged. */
  deleteSettings(): void {
    this.settings = null;
  }

  list(): WebhookSubscription[] {
    return [...this.subscriptions.values()].map((s) => ({ ...s }));
  }

  get(id: string): WebhookSubscription {
    const found = this.subscriptions.get(id);
    if (!found) subscriptionNotFound(id);
    return { ...found };
  }

  create(input: SubscriptionCreate, now = Date.now()): WebhookSubscription {
    const isPropertyChange = input.eventType.endsWith('.propertyChange');
    if (isPropertyChange && input.propertyName === undefined) {
      throw validationError(`A ${input.eventType} subscription needs a propertyName.`, { errors: [{ message: 'required', in: 'propertyName' }] });
    }
    if (!isPropertyChange && input.propertyName !== undefined) {
      throw validationError(`propertyName only applies to propertyChange subscriptions, not ${input.eventType}.`, {
        errors: [{ message: 'not allowed', in: 'propertyName' }],
      });
    }
    const key = subscriptionKey(input.eventType, input.propertyName);
    const existing = [...this.subscriptions.values()].find((s) => subscriptionKey(s.eventType, s.propertyName) === key);
    if (existing) {
      // The spec names no status for a duplicate; 409 as the CRM API answers an existing object.
      const what = input.propertyName === undefined ? input.eventType : `${input.eventType} of ${input.propertyName}`;
      throw httpError(409, 'CONFLICT', `A subscription to ${what} already exists. Existing ID: ${existing.id}`);
    }
    const id = String(this.nextId++);
    const subscription: WebhookSubscription = {
      id,
      eventType: input.eventType,
      ...(input.propertyName !== undefined ? { propertyName: input.propertyName } : {}),
      active: input.active ?? false,
      createdAt: iso(now),
      updatedAt: iso(now),
    };
    this.subscriptions.set(id, subscription);
    return { ...subscription };
  }

  /** Pauses or resumes a subscription; updatedAt only moves when `active` actually changes. */
  patch(id: string, input: SubscriptionPatch, now = Date.now()): WebhookSubscription {
    const found = this.subscriptions.get(id);
    if (!found) subscriptionNotFound(id);
    if (input.active !== undefined && input.active !== found.active) {
      found.active = input.active;
      found.updatedAt = iso(now);
    }
    return { ...found };
  }

  delete(id: string): void {
    if (!this.subscriptions.delete(id)) subscriptionNotFound(id);
  }
}

const SETTINGS = /^\/webhooks\/v3\/([^/]+)\/settings\/?$/;
const SUBSCRIPTIONS = /^\/webhooks\/v3\/([^/]+)\/subscriptions\/?$/;
const SUBSCRIPTION = /^\/webhooks\/v3\/([^/]+)\/subscriptions\/(\d+)\/?$/;

function methodNotAllowed(method: string, path: string, allowed: string[]): never {
  throw httpError(405, 'VALIDATION_ERROR', `HTTP method ${method} is not supported by ${path}. Supported: ${allowed.join(', ')}`);
}

/** The app's id in the path must be the sandbox app's: another app is not found. */
function checkApp(rawAppId: string, appId: number): void {
  if (rawAppId !== String(appId)) {
    throw httpError(404, 'OBJECT_NOT_FOUND', `App ${decodeURIComponent(rawAppId)} not found. This sandbox only serves app ${appId}.`, {
      context: { appId: [decodeURIComponent(rawAppId)] },
    });
  }
}

function settingsRoute(method: string, path: string, body: unknown, config: WebhookAppConfig): Reply {
  switch (method) {
    case 'GET': {
      const settings = config.currentSettings();
      if (!settings) throw httpError(404, 'OBJECT_NOT_FOUND', 'No webhook settings found for this app. Set them with PUT first.');
      return { status: 200, body: settings };
    }
    case 'PUT':
      return { status: 200, body: config.putSettings(parseBody(SettingsChangeInput, body)) };
    case 'DELETE':
      config.deleteSettings();
      return { status: 204 };
    default:
      return methodNotAllowed(method, path, ['GET', 'PUT', 'DELETE']);
  }
}

function subscriptionsRoute(method: string, path: string, body: unknown, config: WebhookAppConfig): Reply {
  switch (method) {
    case 'GET':
      return { status: 200, body: { results: config.list() } };
    case 'POST':
      return { status: 201, body: config.create(parseBody(SubscriptionCreateInput, body)) };
    default:
      return methodNotAllowed(method, path, ['GET', 'POST']);
  }
}

function subscriptionRoute(method: string, path: string, id: string, body: unknown, config: WebhookAppConfig): Reply {
  switch (method) {
    case 'GET':
      return { status: 200, body: config.get(id) };
    case 'PATCH':
      return { status: 200, body: config.patch(id, parseBody(SubscriptionPatchInput, body)) };
    case 'DELETE':
      config.delete(id);
      return { status: 204 };
    default:
      return methodNotAllowed(method, path, ['GET', 'PATCH', 'DELETE']);
  }
}

/** Answers an authenticated Webhooks API v3 call for the app `appId`. */
export function webhooksApi(method: string, path: string, body: unknown, appId: number, config: WebhookAppConfig): Reply {
  let m = SETTINGS.exec(path);
  if (m) {
    checkApp(m[1]!, appId);
    return settingsRoute(method, path, body, config);
  }
  m = SUBSCRIPTIONS.exec(path);
  if (m) {
    checkApp(m[1]!, appId);
    return subscriptionsRoute(method, path, body, config);
  }
  m = SUBSCRIPTION.exec(path);
  if (m) {
    checkApp(m[1]!, appId);
    return subscriptionRoute(method, path, m[2]!, body, config);
  }
  throw httpError(404, 'OBJECT_NOT_FOUND', `No HubSpot sandbox route for ${method} ${path}. Only the Webhooks API v3 settings and subscriptions are implemented.`);
}
