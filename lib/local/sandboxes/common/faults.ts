/**
 * The core of every sandbox's injected failures: rules matched by method and path prefix, used up
 * after `times` requests, firing with a `probability` drawn from the sandbox's random source (a
 * seeded one makes a test's faults repeat). Each sandbox keeps its own rule type and checks in its
 * `faults.ts`, as the statuses and headers an API may answer differ; what a fault answers is the
 * sandbox server's business.
 */

/**
 * What every sandbox's FaultRule has; a sandbox narrows `kind` to its kinds and adds its own
 * fields (emailPattern, shouldRetry, ...).
 */
export interface BaseFaultRule {
  kind: string;
  /** Any method when absent; compared without case. */
  method?: string;
  /** A prefix of the request path; any path when absent. */
  path?: string;
  /** 'status': the HTTP status to answer (default 500). */
  status?: number;
  /** 'slow': how long to wait before answering (combined with a 'status' or 'reset' fault, or the real answer). */
  delayMs?: number;
  retryAfterSeconds?: number;
  message?: string;
  /** How many requests it applies to (default: every one until cleared). */
  times?: number;
  /** Default 1; below that the fault is intermittent. */
  probability?: number;
}

export interface ActiveFault<R extends BaseFaultRule> {
  rule: R;
  /** Infinity while the rule has no `times`. */
  remaining: number;
  /** How many times it struck (requests, or batch requests for per-input rules). */
  fired: number;
}

export function checkKind(rule: BaseFaultRule, kinds: readonly string[]): void {
  if (!kinds.includes(rule.kind)) throw new TypeError(`fault kind must be one of ${kinds.join(', ')}`);
}

export function checkDelay(rule: BaseFaultRule): void {
  if (rule.kind === 'slow' && !(typeof rule.delayMs === 'number' && rule.delayMs >= 0)) throw new TypeError("a 'slow' fault needs delayMs >= 0");
}

/** `probability` and `times`, checked last by every sandbox. */
export function checkOdds(rule: BaseFaultRule): void {
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) throw new TypeError('probability must be between 0 and 1');
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) throw new TypeError('times must be a non-negative integer');
}

/** The rules in force, in the order added: the first that applies to a request wins. */
export class FaultSet<R extends BaseFaultRule> {
  protected faults: Array<ActiveFault<R>> = [];

  /** `check` throws a TypeError for a rule the sandbox does not take (its control route answers 400). */
  constructor(
    protected readonly random: () => number,
    private readonly check: (rule: R) => void,
  ) {}

  add(rule: R): void {
    this.check(rule);
    this.faults.push({ rule: { ...rule }, remaining: rule.times ?? Number.POSITIVE_INFINITY, fired: 0 });
  }

  clear(): void {
    this.faults = [];
  }

  list(): Array<R & { remaining: number | null; fired: number }> {
    return this.faults.map((f) => ({ ...f.rule, remaining: Number.isFinite(f.remaining) ? f.remaining : null, fired: f.fired }));
  }

  /** The first rule of one of `kinds` that applies to this request and wins its roll; it counts as used. */
  take(kinds: ReadonlyArray<R['kind']>, method: string, path: string): R | undefined {
    return this.pick(kinds, method, path);
  }

  /**
   * Takes a 'slow' fault and a 'status' or 'reset' fault for this request, waits out the slow one,
   * and returns the other for the sandbox to answer. Both are taken before the wait, so that
   * requests arriving during it do not use up the same rules.
   */
  async failure(method: string, path: string, wait: (ms: number) => Promise<void>): Promise<R | undefined> {
    const slow = this.pick(['slow'], method, path);
    const terminal = this.pick(['status', 'reset'], method, path);
    if (slow?.delayMs) await wait(slow.delayMs);
    return terminal;
  }

  protected matches(fault: ActiveFault<R>, method: string, path: string): boolean {
    const { rule } = fault;
    if (fault.remaining <= 0) return false;
    if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
    if (rule.path !== undefined && !path.startsWith(rule.path)) return false;
    return true;
  }

  /** A rule struck once: one use fewer left, one more counted. */
  protected use(fault: ActiveFault<R>): void {
    fault.remaining--;
    fault.fired++;
  }

  /** A rule without a probability always fires; one of 0 never does, and draws no number. */
  protected roll(fault: ActiveFault<R>): boolean {
    const p = fault.rule.probability ?? 1;
    if (p >= 1) return true;
    if (p <= 0) return false;
    return this.random() < p;
  }

  private pick(kinds: readonly string[], method: string, path: string): R | undefined {
    for (const fault of this.faults) {
      if (!kinds.includes(fault.rule.kind) || !this.matches(fault, method, path)) continue;
      if (!this.roll(fault)) continue;
      this.use(fault);
      return fault.rule;
    }
    return undefined;
  }
}

/** The faults of an API that only reads (TurboTenant's, Buildium's): there is no input to refuse. */
const READ_ONLY_KINDS = ['status', 'slow', 'reset', 'rateLimit'] as const;

export function checkReadOnlyFaultRule(rule: BaseFaultRule): void {
  checkKind(rule, READ_ONLY_KINDS);
  if (rule.kind === 'status' && rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
    throw new TypeError("a 'status' fault needs an HTTP status between 100 and 599");
  }
  checkDelay(rule);
  if (rule.retryAfterSeconds !== undefined && !(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0)) {
    throw new TypeError('retryAfterSeconds must be a non-negative integer');
  }
  checkOdds(rule);
}

/** The fault set of a read-only API's sandbox. */
export class ReadOnlyFaultSet<R extends BaseFaultRule> extends FaultSet<R> {
  constructor(random: () => number) {
    super(random, checkReadOnlyFaultRule);
  }
}
