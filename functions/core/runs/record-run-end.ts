/**
 * A run's execution ended: record how on the run (once, whoever notices first: the Step Functions
 * status-change event in AWS, the local server's event, or a reader) and audit `run_finished`,
 * so the trail says how every run ended.
 */
import type { VoteDeps } from '../approval/approval-deps.ts';
import { cancelGateOfEndedRun } from '../approval/cancel-gate.ts';
import { type ReleaseDeps, releaseProjectLocks } from '../locks/release-project-locks.ts';
import type { AuditLog, RunEnd, RunStore } from '../ports.ts';

const ENGINE_ACTOR = { email: 'system:engine', name: 'Step Functions' } as const;

/**
 * Records the end of a run; true when this call recorded it (and audited it). With the gate deps
 * (every function that sees runs end but the triggers, whose runs never started), the run's
 * still-pending gates are cancelled first, so the trail reads gate_cancelled, then run_finished.
 * With the lock deps, the run's project locks are released too, even when another caller recorded
 * the end first (it may have stopped before releasing): a release only frees a lock the run holds.
 */
export async function recordRunEnd(
  deps: { runs: RunStore; audit: AuditLog } & Partial<VoteDeps> & Partial<ReleaseDeps>,
  runId: string,
  end: RunEnd,
): Promise<boolean> {
  const recorded = await deps.runs.finish(runId, end);
  const run = await deps.runs.get(runId);
  if (run && deps.locks && deps.workflows) {
    // The recorded end, not this caller's view of it, when someone else got there first.
    const ended = recorded
      ? end
      : {
          status: run.status === 'RUNNING' ? end.status : run.status,
          stopped_at: run.stopped_at ?? end.stopped_at,
        };
    await releaseProjectLocks(deps as ReleaseDeps, run, ended);
  }
  if (!recorded) return false;
  if (!run) return true;
  if (deps.gates && deps.notifier) {
    const gateDeps = deps as VoteDeps;
    for (const gate of await gateDeps.gates.listByRun(runId)) {
      if (gate.status === 'pending') await cancelGateOfEndedRun(gateDeps, gate, end);
    }
  }
  await deps.audit.append({
    action: 'run_finished',
    actor: ENGINE_ACTOR,
    workflow: run.workflow,
    run_id: runId,
    at: end.stopped_at,
    ...(end.error ? { reason: end.cause ? `${end.error}: ${end.cause}` : end.error } : {}),
    response_time_ms: Math.max(0, Date.parse(end.stopped_at) - Date.parse(run.started_at)),
    details: {
      status: end.status,
      ...(end.error ? { error: end.error } : {}),
      ...(run.bypass ? { bypass: true } : {}),
    },
  });
  return true;
}

/** The run id of a Step Functions execution ARN (its execution name). */
export function runIdOfExecution(executionArn: string): string {
  return executionArn.split(':').at(-1) ?? executionArn;
}
