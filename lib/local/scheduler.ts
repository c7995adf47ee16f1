import type { ScheduleSpec } from '../topology.js';

/** The event the CDK rule's target input sends to the function: `{ schedule: id, ...detail }`. */
export type ScheduleEvent = { schedule: string } & Record<string, unknown>;

export function scheduleEvent(spec: ScheduleSpec): ScheduleEvent {
  return { schedule: spec.id, ...spec.detail };
}

export type ScheduleInvoke = (spec: ScheduleSpec, event: ScheduleEvent) => Promise<unknown>;

export interface SchedulesOptions {
  /** false: no timers; schedules run only through fire(). */
  enabled: boolean;
  onError?: (error: unknown, spec: ScheduleSpec) => void;
}

export interface Schedules {
  /** Runs one schedule now and resolves with what its handler returned. */
  fire(id: string): Promise<unknown>;
  has(id: string): boolean;
  /** Clears the timers and waits for runs in progress. */
  stop(): Promise<void>;
}

export class UnknownScheduleError extends Error {
  constructor(readonly id: string) {
    super(`unknown schedule ${id}`);
    this.name = 'UnknownScheduleError';
  }
}

/**
 * Timers for `rate(N minutes)` schedules. As with an EventBridge rate expression, the first run
 * comes one period after the rule is created, and a run starts on time even if the previous one
 * is still going.
 */
export function startSchedules(schedules: readonly ScheduleSpec[], invoke: ScheduleInvoke, options: SchedulesOptions): Schedules {
  const byId = new Map(schedules.map((s) => [s.id, s]));
  const running = new Set<Promise<unknown>>();
  const onError =
    options.onError ??
    ((error: unknown, spec: ScheduleSpec) => {
      console.error(`[schedule ${spec.id}] run failed:`, error);
    });

  const run = (spec: ScheduleSpec): Promise<unknown> => {
    const task = Promise.resolve().then(() => invoke(spec, scheduleEvent(spec)));
    running.add(task);
    void task.then(
      () => running.delete(task),
      () => running.delete(task),
    );
    return task;
  };

  const timers: NodeJS.Timeout[] = [];
  if (options.enabled) {
    for (const spec of schedules) {
      const timer = setInterval(() => {
        run(spec).catch((error: unknown) => onError(error, spec));
      }, spec.rateMinutes * 60_000);
      timer.unref();
      timers.push(timer);
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    fire(id) {
      const spec = byId.get(id);
      if (!spec) return Promise.reject(new UnknownScheduleError(id));
      return run(spec);
    },
    has(id) {
      return byId.has(id);
    },
    stop() {
      stopping ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        while (running.size > 0) await Promise.allSettled([...running]);
      })();
      return stopping;
    },
  };
}
