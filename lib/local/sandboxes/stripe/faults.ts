/**
 * Injected failures of the Stripe sandbox. Matching, counting and the odds are the sandboxes'
 * shared core (`../common/faults.ts`); Stripe's rules add `shouldRetry` and `afterExecution`
 * (types.ts), which the server acts on.
 */
import { checkDelay, checkKind, checkOdds, FaultSet as CommonFaultSet, type ActiveFault } from '../common/faults.js';
import type { FaultRule } from './types.js';

const KINDS: readonly FaultRule['kind'][] = ['status', 'rateLimit', 'slow', 'reset'];

export function checkFaultRule(rule: FaultRule): void {
  checkKind(rule, KINDS);
  if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) {
    throw new TypeError("a 'status' fault's status must be an HTTP error status (400 to 599)");
  }
  checkDelay(rule);
  checkOdds(rule);
}

export class FaultSet extends CommonFaultSet<FaultRule> {
  constructor(random: () => number) {
    super(random, checkFaultRule);
  }

  /**
   * Unlike the other sandboxes', this one draws a number for a rule of probability 0 too; kept so
   * that a seeded run fails the same requests as it always did.
   */
  protected override roll(fault: ActiveFault<FaultRule>): boolean {
    const p = fault.rule.probability ?? 1;
    return p >= 1 || this.random() < p;
  }
}
