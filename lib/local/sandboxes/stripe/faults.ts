import type { FaultRule } from './types.js';

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
}

const KINDS: readonly FaultRule['kind'][] = ['status', 'rateLimit', 'slow', 'reset'];

export function checkFaultRule(rule: FaultRule): void {
  if (!KINDS.includes(rule.kind)) throw new TypeError(`fault kind must be one of ${KINDS.join(', ')}`);
  if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) {
    throw new TypeError("a 'status' fault's status must be an HTTP error status (400 to 599)");
  }
  if (rule.kind === 'slow' && !(typeof rule.delayMs === 'number' && rule.delayMs >= 0)) throw new TypeError("a 'slow' fault needs delayMs >= 0");
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) throw new TypeError('probability must be between 0 and 1');
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) throw new TypeError('times must be a non-negative integer');
}

export class FaultSet {
  private faults: ActiveFault[] = [];

  constructor(private readonly random: () => number) {}

  add(rule: FaultRule): void {
    checkFaultRule(rule);
    this.faults.push({ rule: { ...rule }, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first rule of one of `kinds` that matches and wins its roll; it counts as used. */
  take(kinds: readonly FaultRule['kind'][], method: string, path: string): FaultRule | undefined {
    for (const fault of this.faults) {
      const { rule } = fault;
      if (fault.remaining <= 0 || !kinds.includes(rule.kind)) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.path !== undefined && !path.startsWith(rule.path)) continue;
      const p = rule.probability ?? 1;
      if (p < 1 && !(this.random() < p)) continue;
      fault.remaining--;
      return rule;
    }
    return undefined;
  }
}
