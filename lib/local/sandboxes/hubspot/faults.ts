import type { FaultRule } from './types.js';

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
  pattern?: RegExp;
}

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
  const kinds = ['status', 'slow', 'reset', 'rateLimit', 'inputError'];
  if (!kinds.includes(rule.kind)) throw new TypeError(`fault kind must be one of ${kinds.join(', ')}`);
  if (rule.kind === 'status' && (!Number.isInteger(rule.status) || rule.status! < 100 || rule.status! > 599)) {
    throw new TypeError("a 'status' fault needs an HTTP status between 100 and 599");
  }
  if (rule.kind === 'slow' && (typeof rule.delayMs !== 'number' || !(rule.delayMs >= 0))) {
    throw new TypeError("a 'slow' fault needs delayMs >= 0");
  }
  if (rule.kind === 'inputError' && typeof rule.emailPattern !== 'string') {
    throw new TypeError("an 'inputError' fault needs emailPattern (a RegExp source)");
  }
  if (rule.emailPattern !== undefined) new RegExp(rule.emailPattern);
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
    const copy: FaultRule = { ...rule };
    this.faults.push({
      rule: copy,
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
      ...(rule.emailPattern !== undefined ? { pattern: new RegExp(rule.emailPattern) } : {}),
    });
  }

  clear(): void {
    this.faults = [];
  }

  list(): Array<FaultRule & { remaining: number | null }> {
    return this.faults.map((f) => ({ ...f.rule, remaining: Number.isFinite(f.remaining) ? f.remaining : null }));
  }

  take(kinds: ReadonlyArray<FaultRule['kind']>, method: string, path: string): FaultRule | undefined {
    for (const fault of this.faults) {
      if (!kinds.includes(fault.rule.kind) || !this.matches(fault, method, path)) continue;
      if (!this.roll(fault)) continue;
      fault.remaining--;
      return fault.rule;
    }
    return undefined;
  }

  inputFaults(method: string, path: string): InputFaults {
    const rules = this.faults.filter((f) => f.rule.kind === 'inputError' && this.matches(f, method, path));
    if (rules.length === 0) return NO_INPUT_FAULTS;
    const used = new Set<ActiveFault>();
    return {
      check: (candidates) => {
        for (const fault of rules) {
          if (fault.remaining <= 0 || !fault.pattern) continue;
          const hit = candidates.some((c) => c !== undefined && fault.pattern!.test(c));
          if (!hit || !this.roll(fault)) continue;
          used.add(fault);
          return fault.rule.message ?? 'Injected input error';
        }
        return undefined;
      },
      finish: () => {
        for (const fault of used) fault.remaining--;
      },
    };
  }

  private matches(fault: ActiveFault, method: string, path: string): boolean {
    const { rule } = fault;
    if (fault.remaining <= 0) return false;
    if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
    if (rule.path !== undefined && !path.startsWith(rule.path)) return false;
    return true;
  }

  private roll(fault: ActiveFault): boolean {
    const p = fault.rule.probability ?? 1;
    if (p >= 1) return true;
    if (p <= 0) return false;
    return this.random() < p;
  }
}
