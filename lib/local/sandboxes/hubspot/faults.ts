/**
 * Injected failures of the HubSpot sandbox: the sandboxes' shared core (`../common/faults.ts`:
 * matching, counting, odds) plus three of HubSpot's own:
 *
 * - 'inputError' fails single inputs of a batch, as HubSpot's batch endpoints report some errors
 *   per input (named by `context.ids`).
 * - 'batchRefusal' refuses the whole batch over one input: HubSpot answers a batch holding one
 *   invalid property value (an unparsable email, say) with a 400 VALIDATION_ERROR for all of it,
 *   writes none of it, and names no input in `context`; the caller has to find the bad one.
 *   https://developers.hubspot.com/docs/api/error-handling
 * - 'concurrentWrite' holds a contact write for `delayMs` before it lands; another write of one of
 *   its emails meanwhile is answered 409 CONFLICT, as HubSpot answers the loser of two requests
 *   writing one record at once (the server does the holding: see `heldWrites`).
 */
import { checkDelay, checkKind, checkOdds, FaultSet as CommonFaultSet, type ActiveFault } from '../common/faults.js';
import { validationError } from './errors.js';
import type { FaultKind, FaultRule } from './types.js';

const KINDS: readonly FaultKind[] = ['status', 'slow', 'reset', 'rateLimit', 'inputError', 'batchRefusal', 'concurrentWrite'];

/**
 * What HubSpot's whole-batch refusal says when a rule gives no message: the property problem,
 * without the input it was found in.
 */
export const BATCH_REFUSAL_MESSAGE = 'Property values were not valid: [{"isValid":false,"message":"Property value is not valid","error":"INVALID_PROPERTY_VALUE"}]';

export interface InputFaults {
  check(candidates: ReadonlyArray<string | undefined>): string | undefined;
  /**
   * Throws the 400 of a 'batchRefusal' rule if any input (its candidates: ids, emails, names)
   * matches one, before the handler writes anything. Counted once per request it refused.
   */
  refuseBatch(inputs: ReadonlyArray<ReadonlyArray<string | undefined>>): void;
  finish(): void;
}

const NO_INPUT_FAULTS: InputFaults = { check: () => undefined, refuseBatch: () => undefined, finish: () => undefined };

const needsPattern = new Set<FaultKind>(['inputError', 'batchRefusal']);

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function checkFaultRule(rule: FaultRule): void {
  checkKind(rule, KINDS);
  if (rule.kind === 'status' && (!Number.isInteger(rule.status) || rule.status! < 100 || rule.status! > 599)) {
    throw new TypeError("a 'status' fault needs an HTTP status between 100 and 599");
  }
  checkDelay(rule);
  if (needsPattern.has(rule.kind) && typeof rule.emailPattern !== 'string') {
    throw new TypeError(`an '${rule.kind}' fault needs emailPattern (a RegExp source)`);
  }
  if (rule.kind === 'concurrentWrite' && !(typeof rule.delayMs === 'number' && rule.delayMs > 0)) {
    throw new TypeError("a 'concurrentWrite' fault needs delayMs > 0 (how long it holds the write)");
  }
  if (rule.emailPattern !== undefined) new RegExp(rule.emailPattern);
  checkOdds(rule);
}

export class FaultSet extends CommonFaultSet<FaultRule> {
  constructor(random: () => number) {
    super(random, checkFaultRule);
  }

  /**
   * The 'inputError' rules for one request. A rule is used up once per request that it failed
   * inputs of (in `finish`), however many inputs it failed, as `times` counts requests.
   */
  inputFaults(method: string, path: string): InputFaults {
    const withPattern = (kind: FaultKind) =>
      this.faults
        .filter((f) => f.rule.kind === kind && this.matches(f, method, path))
        .map((fault) => ({ fault, pattern: fault.rule.emailPattern !== undefined ? new RegExp(fault.rule.emailPattern) : undefined }));
    const rules = withPattern('inputError');
    const refusals = withPattern('batchRefusal');
    if (rules.length === 0 && refusals.length === 0) return NO_INPUT_FAULTS;
    const used = new Set<ActiveFault<FaultRule>>();
    return {
      refuseBatch: (inputs) => {
        for (const { fault, pattern } of refusals) {
          if (fault.remaining <= 0 || !pattern) continue;
          const hit = inputs.some((candidates) => candidates.some((c) => c !== undefined && pattern.test(c)));
          if (!hit || !this.roll(fault)) continue;
          this.use(fault);
          // No context: the whole batch is refused, and HubSpot does not say which input did it.
          throw validationError(fault.rule.message ?? BATCH_REFUSAL_MESSAGE);
        }
      },
      check: (candidates) => {
        for (const { fault, pattern } of rules) {
          if (fault.remaining <= 0 || !pattern) continue;
          const hit = candidates.some((c) => c !== undefined && pattern.test(c));
          if (!hit || !this.roll(fault)) continue;
          used.add(fault);
          return fault.rule.message ?? 'Injected input error';
        }
        return undefined;
      },
      finish: () => {
        for (const fault of used) this.use(fault);
      },
    };
  }

  /**
   * The 'concurrentWrite' rule that holds a contact write of these emails, if one applies and wins
   * its roll (used up then); the server holds the emails for its `delayMs`.
   */
  concurrentWrite(method: string, path: string, emails: readonly string[]): FaultRule | undefined {
    for (const fault of this.faults) {
      if (fault.rule.kind !== 'concurrentWrite' || !this.matches(fault, method, path)) continue;
      const pattern = fault.rule.emailPattern !== undefined ? new RegExp(fault.rule.emailPattern) : undefined;
      if (pattern && !emails.some((e) => pattern.test(e))) continue;
      if (!this.roll(fault)) continue;
      this.use(fault);
      return fault.rule;
    }
    return undefined;
  }
}
