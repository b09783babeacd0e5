/**
 * Keeps the project locks of a run whose apply was interrupted (the local runtime found the
 * build cut off by a crash): nobody knows what the apply changed, so no other run may plan or
 * apply the project until an admin has looked and released the lock (`signoff unlock`).
 */
import { lockedProjects } from '../../../statemachines/workflow-graph.ts';
import type { AuditLog, Clock, LockStore, RunStore } from '../ports.ts';
import type { WorkflowCatalog } from '../runs/workflow-catalog.ts';
import { LOCK_ACTOR } from './acquire-project-locks.ts';

/** What holding needs. */
export interface HoldDeps {
  locks: LockStore;
  audit: AuditLog;
  runs: Pick<RunStore, 'get'>;
  workflows: Pick<WorkflowCatalog, 'get'>;
  now: Clock;
}

/** Holds every lock `runId` still has for an admin, audited `lock_held`; returns those projects. */
export async function holdProjectLocks(deps: HoldDeps, runId: string, reason: string): Promise<string[]> {
  const run = await deps.runs.get(runId);
  const workflow = run ? deps.workflows.get(run.workflow) : undefined;
  if (!run || !workflow) return [];
  const held: string[] = [];
  for (const project of lockedProjects(workflow)) {
    if (!(await deps.locks.hold(project, runId, reason))) continue;
    held.push(project);
    await deps.audit.append({
      action: 'lock_held',
      actor: LOCK_ACTOR,
      workflow: run.workflow,
      run_id: runId,
      at: new Date(deps.now()).toISOString(),
      reason,
      details: { project },
    });
  }
  return held;
}
