/**
 * Stripe's v1 idempotency (https://docs.stripe.com/api/idempotent_requests): the first answer to
 * a POST with an `Idempotency-Key` is saved once the endpoint starts executing; a retry with the
 * same key and the same parameters gets that answer again (status and body, with
 * `Idempotent-Replayed: true`); the same key with other parameters or another endpoint is a 400
 * `idempotency_error`; a retry while the first is still running is a 409 `idempotency_key_in_use`.
 * Keys are at most 255 characters and are kept for 24 hours.
 *
 * Answers to invalid parameters (400) are not saved, as Stripe saves nothing when "incoming
 * parameters failed validation": a corrected retry with the same key goes through.
 */
import { invalidRequest, StripeHttpError, type JsonBody } from './errors.js';

export const IDEMPOTENCY_KEY_MAX = 255;
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface SavedAnswer {
  status: number;
  body: JsonBody;
  requestId: string;
}

interface Entry extends SavedAnswer {
  fingerprint: string;
  savedAt: number;
}

export type Lookup = { replay: SavedAnswer } | { fresh: true };

export class IdempotencyKeys {
  private readonly saved = new Map<string, Entry>();
  private readonly running = new Set<string>();

  constructor(private readonly now: () => number) {}

  /** Throws the Stripe error for a key that is too long, in use, or reused with other parameters. */
  lookup(key: string, fingerprint: string): Lookup {
    if (key.length > IDEMPOTENCY_KEY_MAX) {
      throw invalidRequest(`Invalid Idempotency-Key: keys can be at most ${IDEMPOTENCY_KEY_MAX} characters long, but yours has ${key.length}.`, 'Idempotency-Key');
    }
    const entry = this.saved.get(key);
    if (entry && this.now() - entry.savedAt >= IDEMPOTENCY_TTL_MS) this.saved.delete(key);
    else if (entry) {
      if (entry.fingerprint !== fingerprint) {
        throw new StripeHttpError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      return { replay: entry };
    }
    if (this.running.has(key)) {
      throw new StripeHttpError(409, {
        type: 'invalid_request_error',
        code: 'idempotency_key_in_use',
        message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
      });
    }
    return { fresh: true };
  }

  begin(key: string): void {
    this.running.add(key);
  }

  /** Ends the run; saves the answer unless it refused the parameters (400) or never executed (undefined). */
  finish(key: string, fingerprint: string, answer: SavedAnswer | undefined): void {
    this.running.delete(key);
    if (answer && answer.status !== 400) this.saved.set(key, { ...answer, fingerprint, savedAt: this.now() });
  }

  clear(): void {
    this.saved.clear();
    this.running.clear();
  }
}
