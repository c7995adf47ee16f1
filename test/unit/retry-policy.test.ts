import { describe, expect, it } from 'vitest';
import { backoffSeconds, DEFAULT_BACKOFF } from '../../functions/core/retry-policy.js';

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
