/**
 * Splitting a batch a provider refuses as a whole until the refused inputs stand alone
 * (functions/core/isolate-refusals.ts, issue 14 §1).
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, PermanentError } from '../../functions/core/errors.js';
import { isolateRefusals } from '../../functions/core/isolate-refusals.js';

/** A provider that refuses any batch holding a bad input, naming none of them. */
function provider(bad: ReadonlySet<number>) {
  const written: number[] = [];
  const write = async (batch: readonly number[]) => {
    if (batch.some((n) => bad.has(n))) throw new PermanentError('HubSpot 400: VALIDATION_ERROR: Property values were not valid', 400);
    written.push(...batch);
    return batch.length;
  };
  return { written, write };
}

describe('isolateRefusals', () => {
  it('refuses only the bad input among 100, with the provider\'s message, and writes the 99 others in a few calls', async () => {
    // Prepare
    const inputs = Array.from({ length: 100 }, (_, i) => i);
    const { written, write } = provider(new Set([37]));
    // Act
    const result = await isolateRefusals(inputs, write);
    // Assess
    expect(result.refused.map((r) => [r.input, r.reason])).toEqual([[37, 'HubSpot 400: VALIDATION_ERROR: Property values were not valid']]);
    expect(written.sort((a, b) => a - b)).toEqual(inputs.filter((n) => n !== 37));
    expect(result.calls).toBeLessThanOrEqual(15);
  });

  it('isolates several bad inputs', async () => {
    const { written, write } = provider(new Set([0, 5, 9]));
    const result = await isolateRefusals([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], write);
    expect(result.refused.map((r) => r.input)).toEqual([0, 5, 9]);
    expect(written.sort()).toEqual([1, 2, 3, 4, 6, 7, 8]);
  });

  it('does not split on a conflict: it is about the call, and thrown for a retry', async () => {
    let calls = 0;
    const attempt = isolateRefusals([1, 2, 3], async () => {
      calls += 1;
      throw new ConflictError('HubSpot 409: CONFLICT', 'hubspot_conflict', 409);
    });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    expect(calls).toBe(1);
  });
});
