/**
 * Injected failures of the HubSpot sandbox: the sandboxes' shared core (`../common/faults.ts`:
 * matching, counting, odds) plus HubSpot's 'inputError', which fails single inputs of a batch
 * rather than the whole request, as HubSpot's batch endpoints report errors per input.
 */
import { checkDelay, checkKind, checkOdds, FaultSet as CommonFaultSet, type ActiveFault } from '../common/faults.js';
import type { FaultKind, FaultRule } from './types.js';

const KINDS: readonly FaultKind[] = ['status', 'slow', 'reset', 'rateLimit', 'inputError'];

export interface InputFaults {
  check(candidates: ReadonlyArray<string | undefined>): string | undefined;
  finish(): void;
}

const NO_INPUT_FAULTS: InputFaults = { check: () => undefined, finish: () => undefined };

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
  if (rule.kind === 'inputError' && typeof rule.emailPattern !== 'string') {
    throw new TypeError("an 'inputError' fault needs emailPattern (a RegExp source)");
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
    const rules = this.faults
      .filter((f) => f.rule.kind === 'inputError' && this.matches(f, method, path))
      .map((fault) => ({ fault, pattern: fault.rule.emailPattern !== undefined ? new RegExp(fault.rule.emailPattern) : undefined }));
    if (rules.length === 0) return NO_INPUT_FAULTS;
    const used = new Set<ActiveFault<FaultRule>>();
    return {
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
}
