/** Read side of project locks: who holds each project a run's workflow locks, and whether the run waits for it. */
import { lockedProjects } from '../../../statemachines/workflow-graph.ts';
import type { LockStore, RunRecord } from '../ports.ts';
import type { WorkflowCatalog } from '../runs/workflow-catalog.ts';

/** One project lock as a run sees it. */
export interface RunLockView {
  project: string;
  /** `holds`: this run holds it; `waits`: this run is running and another run holds it; `none`: neither. */
  this_run: 'holds' | 'waits' | 'none';
  held_by?: {
    run_id: string;
    workflow: string;
    since: string;
    expires_at: string;
    /** Why only an admin may release it (the holder's apply was interrupted). */
    held_for_admin?: string;
  };
}

/** Every project lock, for listing. */
export interface ProjectLockView {
  project: string;
  held_by?: RunLockView['held_by'];
  released_at?: string;
}

type LockViewDeps = { locks: LockStore; workflows: Pick<WorkflowCatalog, 'get' | 'all'> };

/** Reads each lock once per call, however many runs name its project. */
function cachedReader(deps: LockViewDeps) {
  const cache = new Map<string, ReturnType<LockStore['get']>>();
  return (project: string) => {
    let read = cache.get(project);
    if (!read) {
      read = deps.locks.get(project);
      cache.set(project, read);
    }
    return read;
  };
}

/** The locks of each run's projects as that run sees them, in the runs' order. */
export async function runLockViews(deps: LockViewDeps, runs: RunRecord[]): Promise<RunLockView[][]> {
  const read = cachedReader(deps);
  return Promise.all(
    runs.map(async (run) => {
      const workflow = deps.workflows.get(run.workflow);
      if (!workflow) return [];
      return Promise.all(
        lockedProjects(workflow).map(async (project): Promise<RunLockView> => {
          const holder = (await read(project))?.holder;
          const this_run =
            holder?.run_id === run.id ? 'holds' : holder && run.status === 'RUNNING' ? 'waits' : 'none';
          return {
            project,
            this_run,
            ...(holder
              ? {
                  held_by: {
                    run_id: holder.run_id,
                    workflow: holder.workflow,
                    since: holder.acquired_at,
                    expires_at: holder.expires_at,
                    ...(holder.held_for_admin ? { held_for_admin: holder.held_for_admin } : {}),
                    ...(holder.held_for_admin ? { held_for_admin: holder.held_for_admin } : {}),
                  },
                }
              : {}),
          };
        }),
      );
    }),
  );
}

/** Every project some deployed workflow locks, with its holder if any, sorted by project. */
export async function listProjectLocks(deps: LockViewDeps): Promise<ProjectLockView[]> {
  const projects = [...new Set(deps.workflows.all().flatMap((w) => lockedProjects(w)))].sort();
  return Promise.all(
    projects.map(async (project): Promise<ProjectLockView> => {
      const lock = await deps.locks.get(project);
      const holder = lock?.holder;
      return {
        project,
        ...(holder
          ? {
              held_by: {
                run_id: holder.run_id,
                workflow: holder.workflow,
                since: holder.acquired_at,
                expires_at: holder.expires_at,
                ...(holder.held_for_admin ? { held_for_admin: holder.held_for_admin } : {}),
              },
            }
          : {}),
        ...(lock?.released_at ? { released_at: lock.released_at } : {}),
      };
    }),
  );
}
