/**
 * Isolating the input a provider refuses (issue 14 §1). HubSpot answers some invalid inputs of a
 * batch write with a 400 for the whole batch that names none of them (an unparsable email, an
 * association to an object that does not exist), and a flow that settles the whole batch on it
 * fails every record for one bad one. Splitting the refused batch in two, and each refused half
 * again, leaves the refused input standing alone: it is refused with the provider's message, and
 * every other input is written. One bad input among 100 costs about 2·log2(100) ≈ 14 extra calls;
 * N bad ones, about N times that.
 *
 * Only refusals are split (PermanentError by default): a conflict (ConflictError), a rate limit,
 * a timeout or a deadline is about the call, not an input, and is thrown to the caller as it is.
 * Sub-batches written before such an error were accepted; a write repeated on retry must therefore
 * be idempotent (an upsert by a unique key, an association), as every HubSpot write that uses this is.
 */
import { PermanentError } from './errors.js';

export interface RefusedInput<T> {
  readonly input: T;
  /** The provider's message for the batch of this one input. */
  readonly reason: string;
  readonly error: Error;
}

export interface IsolatedWrite<T, A> {
  /** Each sub-batch the provider accepted, with its answer (per-input refusals inside an answer are the caller's to read). */
  readonly accepted: readonly { readonly inputs: readonly T[]; readonly answer: A }[];
  /** Inputs refused alone, in input order. */
  readonly refused: readonly RefusedInput<T>[];
  /** Calls made, the refused ones included. */
  readonly calls: number;
}

export interface IsolateOptions {
  /** Whether an error refuses the batch's inputs (split it) rather than the call (throw it). PermanentError by default. */
  readonly isRefusal?: (error: unknown) => boolean;
}

const refusedByDefault = (error: unknown): boolean => error instanceof PermanentError;

/**
 * Writes `inputs` with `write` (one call per batch it is given), splitting any batch refused as a
 * whole until the refused inputs stand alone. To keep to a deadline, let `write` throw before its
 * call (e.g. a DeadlineError): that error, like any that is not a refusal, ends the whole write.
 */
export async function isolateRefusals<T, A>(inputs: readonly T[], write: (batch: readonly T[]) => Promise<A>, options: IsolateOptions = {}): Promise<IsolatedWrite<T, A>> {
  const isRefusal = options.isRefusal ?? refusedByDefault;
  const accepted: { inputs: readonly T[]; answer: A }[] = [];
  const refused: RefusedInput<T>[] = [];
  let calls = 0;
  const attempt = async (batch: readonly T[]): Promise<void> => {
    if (batch.length === 0) return;
    calls += 1;
    try {
      accepted.push({ inputs: batch, answer: await write(batch) });
    } catch (error) {
      if (!isRefusal(error)) throw error;
      if (batch.length === 1) {
        refused.push({ input: batch[0]!, reason: error instanceof Error ? error.message : String(error), error: error instanceof Error ? error : new Error(String(error)) });
        return;
      }
      const middle = Math.ceil(batch.length / 2);
      await attempt(batch.slice(0, middle));
      await attempt(batch.slice(middle));
    }
  };
  await attempt(inputs);
  return { accepted, refused, calls };
}
