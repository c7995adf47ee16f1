/**
 * Injected failures of the sandbox's API, as the TurboTenant sandbox's (`../turbotenant/faults.ts`):
 * this API only reads, so there is no input to refuse. Matching, counting and the odds are the
 * sandboxes' shared core (`../common/faults.ts`).
 */
import { checkDelay, checkKind, checkOdds, FaultSet as CommonFaultSet } from '../common/faults.js';
import type { FaultKind, FaultRule } from './types.js';

const KINDS: readonly FaultKind[] = ['status', 'slow', 'reset', 'rateLimit'];

export function checkFaultRule(rule: FaultRule): void {
  checkKind(rule, KINDS);
  if (rule.kind === 'status' && rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
    throw new TypeError("a 'status' fault needs an HTTP status between 100 and 599");
  }
  checkDelay(rule);
  if (rule.retryAfterSeconds !== undefined && !(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0)) {
    throw new TypeError('retryAfterSeconds must be a non-negative integer');
  }
  checkOdds(rule);
}

export class FaultSet extends CommonFaultSet<FaultRule> {
  constructor(random: () => number) {
    super(random, checkFaultRule);
  }
}
