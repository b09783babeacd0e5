/**
 * Frees the project locks a run holds when it ends, whichever way (succeeded, failed, rejected,
 * timed out, stopped): called from recordRunEnd, where every run's end is recorded.
 */
import { lockedProjects } from '../../../statemachines/workflow-graph.ts';
import type { AuditLog, LockStore, RunEnd } from '../ports.ts';
import type { WorkflowCatalog } from '../runs/workflow-catalog.ts';
import { LOCK_ACTOR } from './acquire-project-locks.ts';

/** What releasing needs. */
export interface ReleaseDeps {
  locks: LockStore;
  audit: AuditLog;
  workflows: Pick<WorkflowCatalog, 'get'>;
}

/**
 * Releases each lock of the workflow's projects that `runId` still holds and audits
 * `lock_released`; returns the projects released. Safe to call more than once: a lock that run
 * does not hold is left alone.
 */
export async function releaseProjectLocks(
  deps: ReleaseDeps,
  run: { id: string; workflow: string },
  end: Pick<RunEnd, 'status' | 'stopped_at'>,
): Promise<string[]> {
  const workflow = deps.workflows.get(run.workflow);
  // A workflow no longer deployed: its run's locks go by take-over (the run is not RUNNING).
  if (!workflow) return [];
  const released: string[] = [];
  for (const project of lockedProjects(workflow)) {
    const before = await deps.locks.release(project, run.id, end.stopped_at);
    if (!before) continue;
    released.push(project);
    await deps.audit.append({
      action: 'lock_released',
      actor: LOCK_ACTOR,
      workflow: run.workflow,
      run_id: run.id,
      at: end.stopped_at,
      reason: `the run ended (${end.status})`,
      details: { project, version: before.version },
    });
  }
  return released;
}
