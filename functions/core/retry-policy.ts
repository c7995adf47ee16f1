/**
 * When a failed record is tried again. Exponential backoff with jitter ("Exponential Backoff And
 * Jitter", AWS Architecture Blog), never sooner than the provider asked (Retry-After or the
 * rate-limit window), and within SQS's 12-hour visibility limit.
 */
import { DeadlineError, RateLimitedError, RetryableError } from './errors.js';
import type { Log, MessageRetries } from './ports.js';

export interface BackoffPolicy {
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 5, maxSeconds: 900 };

/** SQS ChangeMessageVisibility accepts at most 12 hours. */
const SQS_MAX_VISIBILITY_SECONDS = 43_200;

export function backoffSeconds(
  receiveCount: number,
  random: () => number,
  retryAfterMs?: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const exponential = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  // "Equal jitter": half fixed, half random, so retries spread out but never collapse to zero.
  const jittered = exponential / 2 + random() * (exponential / 2);
  const floor = retryAfterMs ? retryAfterMs / 1000 : 0;
  return Math.min(SQS_MAX_VISIBILITY_SECONDS, Math.ceil(Math.max(jittered, floor)));
}

/**
 * What becomes of a queued message whose work failed (issue 13 §3, issue 14 §1):
 * - `defer`: the rate limit held it back (a 429, or the shared budget spent), or the invocation's
 *   deadline came before its calls could start (DeadlineError): not an attempt. It
 *   comes back when the limit has room; near the queue's maxReceiveCount a fresh copy is sent
 *   instead (`resend`), so waiting for a limit, even a spent day, never lands it in the DLQ;
 * - `park`: its last attempt failed: shown again at once, so SQS moves it to the DLQ;
 * - `retry`: another attempt after a backoff.
 */
export type Redelivery = { kind: 'retry'; delaySeconds: number } | { kind: 'defer'; delaySeconds: number; resend: boolean } | { kind: 'park' };

/** SQS SendMessage's DelaySeconds maximum, and the longest a deferral waits before looking again. */
export const MAX_DEFER_SECONDS = 900;

/** Whether a message held back without an attempt goes back as a fresh copy: at its last receives, where one more receive would land it in the DLQ. */
export function resendsInsteadOfWaiting(receiveCount: number, maxReceiveCount: number): boolean {
  return receiveCount >= maxReceiveCount - 1;
}

export function redeliveryFor(error: unknown, receiveCount: number, maxReceiveCount: number, random: () => number): Redelivery {
  if (error instanceof RateLimitedError || error instanceof DeadlineError) {
    // A little jitter, so messages held by one limit do not all come back in the same second.
    const wait = ((error.retryAfterMs ?? 1_000) / 1000) * (1 + random() * 0.1);
    return { kind: 'defer', delaySeconds: Math.min(MAX_DEFER_SECONDS, Math.max(1, Math.ceil(wait))), resend: resendsInsteadOfWaiting(receiveCount, maxReceiveCount) };
  }
  if (receiveCount >= maxReceiveCount) return { kind: 'park' };
  return { kind: 'retry', delaySeconds: backoffSeconds(receiveCount, random, error instanceof RetryableError ? error.retryAfterMs : undefined) };
}

export interface RedeliveredMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The message as queued, for a fresh copy. */
  readonly body?: string;
}

/**
 * Carries out each message's redelivery; answers the ids of the messages to report as failed (the
 * others, resent as fresh copies, are done with). Visibility changes that fail are not fatal: the
 * message comes back after the queue's visibility timeout.
 */
export async function redeliver(plans: readonly { message: RedeliveredMessage; redelivery: Redelivery }[], retries: MessageRetries, log: Pick<Log, 'warn'>): Promise<Set<string>> {
  const failed = new Set<string>();
  const visibility: { receiptHandle: string; delaySeconds: number }[] = [];
  const resend = new Map<number, { message: RedeliveredMessage; body: string }[]>();
  for (const { message, redelivery } of plans) {
    if (redelivery.kind === 'defer' && redelivery.resend && message.body !== undefined) {
      resend.set(redelivery.delaySeconds, [...(resend.get(redelivery.delaySeconds) ?? []), { message, body: message.body }]);
      continue;
    }
    failed.add(message.messageId);
    visibility.push({ receiptHandle: message.receiptHandle, delaySeconds: redelivery.kind === 'park' ? 0 : redelivery.delaySeconds });
  }
  for (const [delaySeconds, copies] of resend) {
    const { failed: notSent } = await retries.resend(
      copies.map((c) => c.body),
      delaySeconds,
    );
    for (const index of notSent) {
      // Not re-sent: the original stays and comes back, its receive count one higher.
      const { message } = copies[index]!;
      failed.add(message.messageId);
      visibility.push({ receiptHandle: message.receiptHandle, delaySeconds });
    }
  }
  if (visibility.length > 0) {
    await retries.retryAfter(visibility).catch((e: unknown) => log.warn('Backoff not applied', { error: e instanceof Error ? e.message : String(e) }));
  }
  return failed;
}
