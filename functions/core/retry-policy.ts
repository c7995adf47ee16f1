/**
 * When a failed record is tried again. Exponential backoff with jitter ("Exponential Backoff And
 * Jitter", AWS Architecture Blog), never sooner than the provider asked (Retry-After or the
 * rate-limit window), and within SQS's 12-hour visibility limit.
 */
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
