/**
 * The local runtime's stand-in for EventBridge Scheduler: the workflows' `triggers.schedule`
 * slots, each started once. Like Scheduler it follows the expression in its time zone (a time the
 * clocks skip does not run, a repeated one runs once, statemachines/schedule.ts) and does not
 * catch up on slots that passed while nothing ran: the first tick only notes the time.
 */

import type { ScheduledStart } from '../functions/core/triggers/start-scheduled-run.ts';
import { nextRunTimes, parseCron } from '../statemachines/schedule.ts';
import type { Workflow } from '../statemachines/schema.ts';

/** Slots started per workflow and tick at most: a clock jump never floods the runtime. */
const MAX_SLOTS_PER_TICK = 5;

export interface LocalSchedulesOptions {
  /** The workflows as loaded now (reloads included). */
  workflows: () => Workflow[];
  /** Starts one slot's run (the same use case the stack's schedules invoke). */
  start: (start: ScheduledStart) => Promise<unknown>;
  now?: () => number;
  /** How often slots are looked for (default 15 s; 0: only when `tick` is called). */
  tickMs?: number;
  onError?: (workflow: string, error: unknown) => void;
}

export interface LocalSchedules {
  /** Starts every slot due since the last tick; returns the starts it asked for. */
  tick(): Promise<ScheduledStart[]>;
  stop(): Promise<void>;
}

export function startLocalSchedules(options: LocalSchedulesOptions): LocalSchedules {
  const now = options.now ?? Date.now;
  let since = now();
  let running: Promise<ScheduledStart[]> | undefined;

  const due = (until: number): ScheduledStart[] =>
    options.workflows().flatMap((workflow) => {
      const schedule = workflow.triggers.schedule;
      if (!schedule) return [];
      return nextRunTimes(parseCron(schedule.cron), schedule.timezone, since, MAX_SLOTS_PER_TICK)
        .filter((slot) => slot.getTime() <= until)
        .map((slot) => ({
          kind: 'scheduled_start' as const,
          workflow: workflow.name,
          scheduled_time: slot.toISOString(),
        }));
    });

  const tick = (): Promise<ScheduledStart[]> => {
    running ??= (async () => {
      const until = now();
      const starts = due(until);
      since = until;
      for (const start of starts) {
        try {
          await options.start(start);
        } catch (error) {
          options.onError?.(start.workflow, error);
        }
      }
      return starts;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const period = options.tickMs ?? 15_000;
  const timer = period > 0 ? setInterval(() => void tick(), period) : undefined;
  timer?.unref();
  return {
    tick,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
