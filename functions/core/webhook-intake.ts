/**
 * What the webhook route does with a verified, well-formed delivery (issue 3 §1): queue every
 * event, grouped by portal in messages under the SQS size limit, and only then let the route
 * answer 200. Nothing else happens on this path, so HubSpot gets its answer in milliseconds: the
 * consumer routes each portal's events to its integration, skips (and counts) those of portals
 * this deployment does not serve and types it does not handle, and keeps the statistics.
 */
import { MisconfiguredError } from './errors.js';
import type { MessageSender } from './ports.js';
import { secretProblem, UnsetSecretError } from './secret-policy.js';

export interface IntakeEvent {
  readonly portalId: number;
  readonly subscriptionType: string;
}

export interface IntakeDeps {
  readonly queue: MessageSender;
  /**
   * The delivery's JSON text, already parsed into `events`: when every event is of one portal and
   * it fits one message, it is queued as it came instead of being serialised again.
   */
  readonly rawEvents?: string;
  readonly now: () => Date;
  /** Largest message body; an SQS message holds 256 KB. */
  readonly maxMessageBytes?: number;
}

export interface IntakeResult {
  readonly received: number;
  readonly messages: number;
}

/** Some events could not be queued: the route answers 5xx so HubSpot sends the delivery again. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
}

const DEFAULT_MAX_MESSAGE_BYTES = 200 * 1024;

export async function acceptWebhookEvents<E extends IntakeEvent>(events: readonly E[], deps: IntakeDeps): Promise<IntakeResult> {
  const byPortal = new Map<number, E[]>();
  for (const event of events) byPortal.set(event.portalId, [...(byPortal.get(event.portalId) ?? []), event]);
  const receivedAt = deps.now().toISOString();
  const maxBytes = deps.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const [only] = byPortal.keys();
  const whole = byPortal.size === 1 && deps.rawEvents !== undefined ? `${messageHead(only!, receivedAt)}${deps.rawEvents.trim()}}` : undefined;
  const bodies =
    whole !== undefined && Buffer.byteLength(whole) <= maxBytes
      ? [whole]
      : [...byPortal.entries()].flatMap(([portalId, portalEvents]) => messageBodies(portalId, receivedAt, portalEvents, maxBytes));
  const { failed } = await deps.queue.sendBodies(bodies);
  if (failed.length > 0) throw new QueueUnavailableError(`${failed.length} of ${bodies.length} event messages could not be queued`);
  return { received: events.length, messages: bodies.length };
}

/** The events of one portal as messages of at most maxBytes (a single oversized event travels alone). */
function messageHead(portalId: number, receivedAt: string): string {
  return `{"portalId":${portalId},"receivedAt":${JSON.stringify(receivedAt)},"events":`;
}

function messageBodies(portalId: number, receivedAt: string, events: readonly IntakeEvent[], maxBytes: number): string[] {
  const head = `${messageHead(portalId, receivedAt)}[`;
  const out: string[] = [];
  let current: string[] = [];
  let bytes = Buffer.byteLength(head) + 2;
  const flush = () => {
    if (current.length > 0) out.push(`${head}${current.join(',')}]}`);
    current = [];
    bytes = Buffer.byteLength(head) + 2;
  };
  for (const event of events) {
    const json = JSON.stringify(event);
    const size = Buffer.byteLength(json) + 1;
    if (current.length > 0 && bytes + size > maxBytes) flush();
    current.push(json);
    bytes += size;
  }
  flush();
  return out;
}

/** Whether HubSpot webhooks can work here, and if not, why (the status route; issue 12 §1–2). */
export interface WebhookReadiness {
  readonly enabled: boolean;
  readonly reason?: string;
  /** The portal the access token belongs to, when known. */
  readonly portalId?: string;
}

/**
 * Webhooks work when the app's client secret is a real one (deliveries can be verified) and the
 * portal the token belongs to is known (events can be told ours): the first problem is the reason.
 */
export async function webhookReadiness(deps: { clientSecret: () => Promise<string>; primaryPortalId: () => Promise<string> }): Promise<WebhookReadiness> {
  try {
    const problem = secretProblem(await deps.clientSecret(), { signing: true });
    if (problem) throw new UnsetSecretError('hubspot.clientSecret', problem);
  } catch (error) {
    return { enabled: false, reason: error instanceof MisconfiguredError ? error.message : `The HubSpot client secret could not be read: ${messageOf(error)}` };
  }
  try {
    return { enabled: true, portalId: await deps.primaryPortalId() };
  } catch (error) {
    return { enabled: false, reason: error instanceof MisconfiguredError ? error.message : `HubSpot could not be asked which portal the access token belongs to: ${messageOf(error)}` };
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);
