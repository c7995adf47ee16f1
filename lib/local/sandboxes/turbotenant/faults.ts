/**
 * Injected failures of the sandbox's API, as the HubSpot sandbox's (`../hubspot/faults.ts`) minus
 * its per-input errors: this API only reads, so there is no input to refuse.
 */
import type { FaultKind, FaultRule } from './types.js';

const KINDS: readonly FaultKind[] = ['status', 'slow', 'reset', 'rateLimit'];

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
}

export function checkFaultRule(rule: FaultRule): void {
  if (!KINDS.includes(rule.kind)) throw new TypeError(`fault kind must be one of ${KINDS.join(', ')}`);
  if (rule.kind === 'status' && rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
    throw new TypeError("a 'status' fault needs an HTTP status between 100 and 599");
  }
  if (rule.kind === 'slow' && (typeof rule.delayMs !== 'number' || !(rule.delayMs >= 0))) {
    throw new TypeError("a 'slow' fault needs delayMs >= 0");
  }
  if (rule.retryAfterSeconds !== undefined && !(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0)) {
    throw new TypeError('retryAfterSeconds must be a non-negative integer');
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new TypeError('probability must be between 0 and 1');
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
    throw new TypeError('times must be a non-negative integer');
  }
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

  list(): Array<FaultRule & { remaining: number | null }> {
    return this.faults.map((f) => ({ ...f.rule, remaining: Number.isFinite(f.remaining) ? f.remaining : null }));
  }

  /** The first rule of one of `kinds` that applies to this request, counted as used. */
  take(kinds: readonly FaultKind[], method: string, path: string): FaultRule | undefined {
    for (const fault of this.faults) {
      const { rule } = fault;
      if (!kinds.includes(rule.kind) || fault.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined && !path.startsWith(rule.path)) continue;
      const p = rule.probability ?? 1;
      if (p < 1 && !(p > 0 && this.random() < p)) continue;
      fault.remaining--;
      return rule;
    }
    return undefined;
  }
}
