/**
 * Webhook settings and subscriptions of a public HubSpot app (Webhooks API v3,
 * `shared/specs/hubspot/webhooks-v3.json`), set idempotently by `npm run sync -- setup hubspot`
 * when HUBSPOT_APP_ID and a developer API key are given. A private app's webhooks can only be set
 * in HubSpot's UI: `privateAppWebhookSteps` prints the exact steps instead.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.js';
import type { HubSpotClient } from './client.js';

export interface WebhookSetupOptions {
  readonly appId: string;
  readonly developerApiKey: string;
  readonly targetUrl: string;
  /** e.g. contact.creation, contact.propertyChange (one subscription per property below). */
  readonly events: readonly string[];
  /** Properties whose changes are announced (contact.propertyChange needs one subscription each). */
  readonly propertyNames: readonly string[];
  /** How many deliveries HubSpot may have in flight to us (its default is 10). */
  readonly maxConcurrentRequests?: number;
}

export interface WebhookSetupAction {
  readonly item: string;
  readonly action: 'created' | 'updated' | 'unchanged';
}

const Settings = z.looseObject({ targetUrl: z.string(), throttling: z.looseObject({ maxConcurrentRequests: z.number() }) });
const Subscription = z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), eventType: z.string(), propertyName: z.string().optional(), active: z.boolean() });
const Subscriptions = z.looseObject({ results: z.array(Subscription) });

const CALL = { maxWaitMs: 10_000, timeoutMs: 10_000 };

/** The subscriptions wanted: one per event type, and one per announced property for property changes. */
export function wantedSubscriptions(events: readonly string[], propertyNames: readonly string[]): { eventType: string; propertyName?: string }[] {
  return events.flatMap((eventType) =>
    eventType.endsWith('.propertyChange') ? propertyNames.map((propertyName) => ({ eventType, propertyName })) : [{ eventType }],
  );
}

export async function ensureWebhooks(client: HubSpotClient, options: WebhookSetupOptions): Promise<WebhookSetupAction[]> {
  const call = { ...CALL, developerApiKey: options.developerApiKey };
  const base = `/webhooks/v3/${encodeURIComponent(options.appId)}`;
  const actions: WebhookSetupAction[] = [];
  const throttling = { maxConcurrentRequests: options.maxConcurrentRequests ?? 10, period: 'SECONDLY' };

  let current: z.infer<typeof Settings> | undefined;
  try {
    current = Settings.parse((await client.send('GET', `${base}/settings`, undefined, call)).body);
  } catch (error) {
    // No settings yet: HubSpot answers 404.
    if (!(error instanceof PermanentError && error.status === 404)) throw error;
  }
  if (current?.targetUrl === options.targetUrl && current.throttling.maxConcurrentRequests === throttling.maxConcurrentRequests) {
    actions.push({ item: 'settings', action: 'unchanged' });
  } else {
    await client.send('PUT', `${base}/settings`, { targetUrl: options.targetUrl, throttling }, call);
    actions.push({ item: 'settings', action: current ? 'updated' : 'created' });
  }

  const existing = Subscriptions.parse((await client.send('GET', `${base}/subscriptions`, undefined, call)).body).results;
  for (const wanted of wantedSubscriptions(options.events, options.propertyNames)) {
    const item = wanted.propertyName ? `${wanted.eventType}:${wanted.propertyName}` : wanted.eventType;
    const found = existing.find((s) => s.eventType === wanted.eventType && (s.propertyName ?? undefined) === wanted.propertyName);
    if (!found) {
      await client.send('POST', `${base}/subscriptions`, { ...wanted, active: true }, call);
      actions.push({ item, action: 'created' });
    } else if (!found.active) {
      await client.send('PATCH', `${base}/subscriptions/${encodeURIComponent(found.id)}`, { active: true }, call);
      actions.push({ item, action: 'updated' });
    } else {
      actions.push({ item, action: 'unchanged' });
    }
  }
  return actions;
}

/** A private app's webhooks are configured in HubSpot's UI only; these are the steps, exactly. */
export function privateAppWebhookSteps(targetUrl: string, events: readonly string[], propertyNames: readonly string[]): string {
  const lines = wantedSubscriptions(events, propertyNames).map((s) => `       - ${s.eventType}${s.propertyName ? ` (property: ${s.propertyName})` : ''}`);
  return [
    'Private app: HubSpot only lets you set its webhooks in the UI. In HubSpot:',
    '  1. Settings (gear) → Integrations → Private Apps → your app → Webhooks tab.',
    `  2. Target URL: ${targetUrl}`,
    '  3. Event throttling: 10 concurrent requests (the default) is fine.',
    '  4. Create subscriptions (object type Contacts), then make each one active:',
    ...lines,
    '  5. Commit changes. Then copy the app\'s client secret (Auth tab) into the `hubspot` secret\'s',
    '     "clientSecret" (locally HUBSPOT_CLIENT_SECRET): the webhook route verifies every delivery with it.',
    '  6. Check: GET /integrations/hubspot/webhook-status shows totalReceived growing after a contact change.',
  ].join('\n');
}
