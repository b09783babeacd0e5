/**
 * The schedule trigger: EventBridge Scheduler (in AWS) or the local runtime's timer asks for the
 * run of one slot of a workflow's `triggers.schedule`. One run per slot: the slot is the run's
 * dedup key, so a retried delivery (Scheduler retries a failed invocation, "at least once")
 * starts nothing more. The slot is the scheduled time to the minute, not the time of the call.
 */
import type { StartRunDeps, StartRunOutcome } from '../runs/start-run.ts';
import { startRun } from '../runs/start-run.ts';

/** What a schedule delivers: the workflow, and the time the slot was scheduled for. */
export interface ScheduledStart {
  kind: 'scheduled_start';
  workflow: string;
  /** ISO time; EventBridge Scheduler fills it from `<aws.scheduler.scheduled-time>`. */
  scheduled_time: string;
}

/** The actor of runs a schedule starts. */
export const SCHEDULE_ACTOR = { email: 'system:schedule', name: 'Schedule' } as const;

/** Starts the run of one slot, or returns the run already started for it, or says why not. */
export async function startScheduledRun(deps: StartRunDeps, start: ScheduledStart): Promise<StartRunOutcome> {
  const workflow = deps.workflows.get(start.workflow);
  const schedule = workflow?.triggers.schedule;
  if (!workflow || !schedule)
    return {
      kind: 'refused',
      status: 404,
      message: `no workflow named "${start.workflow}" runs on a schedule`,
    };
  const at = Date.parse(start.scheduled_time);
  if (Number.isNaN(at))
    return {
      kind: 'refused',
      status: 400,
      message: `scheduled_time "${start.scheduled_time}" is not a time`,
    };
  const slot = new Date(Math.floor(at / 60_000) * 60_000).toISOString();
  return startRun(deps, {
    workflow: workflow.name,
    trigger: { type: 'schedule', slot, cron: schedule.cron, timezone: schedule.timezone },
    actor: SCHEDULE_ACTOR,
    reason: `scheduled for ${slot} (${schedule.cron}, ${schedule.timezone})`,
    dedupKey: `schedule:${slot}`,
  });
}
