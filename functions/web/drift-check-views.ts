/**
 * What the runs list and the project pages show of the drift checks: each checked project's latest
 * check, and one project's history. (Not plan drift, an apply blocked because its re-plan differs
 * from the approved plan: that is `drift-views.ts`.)
 */
import type { Workflow } from '../../statemachines/schema.ts';
import type { DriftCheckRecord, DriftCheckStore } from '../core/drift-checks/drift-check-store.ts';

/** How many checks a project page lists. */
export const PROJECT_HISTORY = 50;

/** A project some workflow checks for drift, with its latest check (none yet: undefined). */
export interface ProjectDriftStatus {
  project: string;
  latest?: DriftCheckRecord;
}

/** The projects the workflows' drift checks plan, sorted, each once. */
export function checkedProjects(workflows: Workflow[]): string[] {
  const projects = workflows.flatMap((w) =>
    w.steps.flatMap((s) => (s.type === 'iac' && s.mode === 'drift' ? [s.project] : [])),
  );
  return [...new Set(projects)].sort();
}

/** Every checked project's drift status: its latest check, one read per project. */
export async function loadDriftStatus(deps: {
  driftChecks: DriftCheckStore;
  workflows: { all(): Workflow[] };
}): Promise<ProjectDriftStatus[]> {
  return Promise.all(
    checkedProjects(deps.workflows.all()).map(async (project) => {
      const [latest] = await deps.driftChecks.history(project, 1);
      return latest ? { project, latest } : { project };
    }),
  );
}
