import { describe, expect, it } from 'vitest';
import { RateLimitedError, RetryableError } from '../../functions/core/errors.js';
import { backoffSeconds, DEFAULT_BACKOFF, redeliver, redeliveryFor } from '../../functions/core/retry-policy.js';
import { RecordingRetries } from './support/fakes.js';

const lowest = () => 0;
const highest = () => 0.999_999;
const policy = { baseSeconds: 10, maxSeconds: 60 };

describe('backoffSeconds', () => {
  it('doubles the window with each receive, jittered between half and all of it', () => {
    // Prepare
    const windows = [
      [1, 10],
      [2, 20],
      [3, 40],
    ] as const;

    for (const [receiveCount, window] of windows) {
      // Act
      const low = backoffSeconds(receiveCount, lowest, undefined, policy);
      const high = backoffSeconds(receiveCount, highest, undefined, policy);

      // Assess
      expect(low).toBeGreaterThanOrEqual(window / 2);
      expect(high).toBeLessThanOrEqual(window);
      expect(high).toBeGreaterThan(low);
    }
  });

  it('never waits longer than the policy maximum, however often a message came back', () => {
    // Act
    const delay = backoffSeconds(30, highest, undefined, policy);

    // Assess
    expect(delay).toBeLessThanOrEqual(60);
    expect(delay).toBeGreaterThanOrEqual(30);
  });

  it('never retries at once, even on the first receive with the smallest jitter', () => {
    // Act
    const delay = backoffSeconds(1, lowest);

    // Assess
    expect(delay).toBeGreaterThanOrEqual(1);
    expect(delay).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.baseSeconds / 2);
  });

  it('gives whole seconds, as SQS visibility timeouts are', () => {
    // Act
    const delays = [1, 2, 3, 4, 5].map((n) => backoffSeconds(n, () => 0.37));

    // Assess
    for (const delay of delays) expect(Number.isInteger(delay)).toBe(true);
  });

  it('never retries sooner than the provider asked (Retry-After), rounding up', () => {
    // Act
    const asked = backoffSeconds(1, highest, 90_000, policy);
    const fraction = backoffSeconds(1, lowest, 7_200, { baseSeconds: 1, maxSeconds: 1 });

    // Assess
    expect(asked).toBeGreaterThanOrEqual(90);
    expect(fraction).toBe(8);
  });

  it('stays within the 12 hours SQS accepts for a visibility timeout', () => {
    // Act
    const delay = backoffSeconds(1, lowest, 48 * 3_600_000);

    // Assess
    expect(delay).toBe(12 * 3600);
  });
});

describe('redeliveryFor', () => {
  it('holds a message back by a rate limit without an attempt, as long as the limit asks (at most 15 minutes)', () => {
    expect(redeliveryFor(new RateLimitedError('429', 30_000, true), 1, 8, lowest)).toEqual({ kind: 'defer', delaySeconds: 30, resend: false });
    expect(redeliveryFor(new RateLimitedError('daily', 6 * 3_600_000, true), 1, 8, lowest)).toEqual({ kind: 'defer', delaySeconds: 900, resend: false });
    // At its last receives: a fresh copy, so waiting for a limit never lands it in the DLQ.
    expect(redeliveryFor(new RateLimitedError('budget', 2_000, false), 7, 8, lowest)).toMatchObject({ kind: 'defer', resend: true });
    expect(redeliveryFor(new RateLimitedError('budget', 2_000, false), 8, 8, lowest)).toMatchObject({ kind: 'defer', resend: true });
  });

  it('retries other failures with backoff, and parks them at the last receive', () => {
    expect(redeliveryFor(new RetryableError('503', 20_000), 2, 8, lowest)).toEqual({ kind: 'retry', delaySeconds: 20 });
    expect(redeliveryFor(new Error('socket hang up'), 8, 8, lowest)).toEqual({ kind: 'park' });
  });
});

describe('redeliver', () => {
  const log = { warn: () => undefined };

  it('shows parked messages again at once, retried ones after their delay, and sends fresh copies of deferred ones at their last receive', async () => {
    const retries = new RecordingRetries();

    const failing = await redeliver(
      [
        { message: { messageId: 'p', receiptHandle: 'rh-p' }, redelivery: { kind: 'park' } },
        { message: { messageId: 'r', receiptHandle: 'rh-r' }, redelivery: { kind: 'retry', delaySeconds: 40 } },
        { message: { messageId: 'd', receiptHandle: 'rh-d', body: 'D' }, redelivery: { kind: 'defer', delaySeconds: 60, resend: false } },
        { message: { messageId: 'f', receiptHandle: 'rh-f', body: 'F' }, redelivery: { kind: 'defer', delaySeconds: 60, resend: true } },
      ],
      retries,
      log,
    );

    expect([...failing].sort()).toEqual(['d', 'p', 'r']);
    expect(retries.items).toEqual([
      { receiptHandle: 'rh-p', delaySeconds: 0 },
      { receiptHandle: 'rh-r', delaySeconds: 40 },
      { receiptHandle: 'rh-d', delaySeconds: 60 },
    ]);
    expect(retries.resent).toEqual([{ body: 'F', delaySeconds: 60 }]);
  });
});
