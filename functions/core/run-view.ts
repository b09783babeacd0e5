/**
 * Read side of runs for the API, the CLI and the pages: a run with its workflow steps (folded
 * from the execution history) and its gates with their votes. Never a task token.
 */
import type { Workflow } from '../../statemachines/schema.ts';
import type { VoteDeps } from './approval-deps.ts';
import { type GateView, listRunGates } from './get-gate.ts';
import type { RunEngine, RunRecord, RunStore, StepRecord } from './ports.ts';
import type { WorkflowCatalog } from './workflow-catalog.ts';

/** What reading runs needs. */
export type RunViewDeps = Pick<VoteDeps, 'gates' | 'votes' | 'now'> & {
  runs: RunStore;
  runEngine: RunEngine;
  workflows: WorkflowCatalog;
};

/** How one workflow step went in a run. */
export interface StepView {
  id: string;
  type: Workflow['steps'][number]['type'];
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
  started_at?: string;
  ended_at?: string;
  duration_ms?: number;
  error?: string;
}

/** A run with its steps and gates. */
export interface RunView {
  run: RunRecord;
  steps: StepView[];
  gates: GateView[];
}

/** A run's record, its status brought up to date from the engine while it shows RUNNING. */
export async function refreshRun(
  deps: Pick<RunViewDeps, 'runs' | 'runEngine'>,
  run: RunRecord,
): Promise<RunRecord> {
  if (run.status !== 'RUNNING') return run;
  try {
    const now = await deps.runEngine.describe(run.execution_arn);
    if (now.status === 'RUNNING') return run;
    const end = {
      status: now.status,
      stopped_at: now.stopped_at ?? new Date().toISOString(),
      error: now.error,
      cause: now.cause,
    };
    await deps.runs.finish(run.id, end);
    return { ...run, ...end };
  } catch (error) {
    // The execution may not exist yet (a start in flight) or the engine may be down: show what we have.
    if ((error as Error).name === 'ExecutionDoesNotExist') return run;
    throw error;
  }
}

/** Folds state-level history into one row per workflow step (`plan`, `plan.summarize` -> `plan`). */
export function foldSteps(
  workflow: Workflow | undefined,
  history: StepRecord[],
  runEnded: boolean,
): StepView[] {
  const ids = workflow?.steps.map((s) => s.id) ?? [
    ...new Set(history.map((h) => h.state.split('.')[0] as string)),
  ];
  return ids.map((id) => {
    const type = workflow?.steps.find((s) => s.id === id)?.type ?? 'iac';
    // Failure-path copies of http steps (`notify.failed`) count as the step too.
    const records = history.filter((h) => h.state === id || h.state.startsWith(`${id}.`));
    if (records.length === 0) return { id, type, status: runEnded ? 'skipped' : 'pending' };
    const first = records[0] as StepRecord;
    const last = records.at(-1) as StepRecord;
    const failed = records.find((r) => r.status === 'failed' || r.status === 'caught');
    const running = records.some((r) => r.status === 'running') && !runEnded;
    const status: StepView['status'] = running ? 'running' : failed ? 'failed' : 'succeeded';
    const view: StepView = { id, type, status, started_at: first.entered_at };
    if (!running && last.exited_at) {
      view.ended_at = last.exited_at;
      view.duration_ms = Date.parse(last.exited_at) - Date.parse(first.entered_at);
    }
    if (failed?.error) view.error = failed.error;
    return view;
  });
}

/** One run with its steps and gates, or undefined when there is no such run. */
export async function getRunView(deps: RunViewDeps, runId: string): Promise<RunView | undefined> {
  const stored = await deps.runs.get(runId);
  if (!stored) return undefined;
  const run = await refreshRun(deps, stored);
  let history: StepRecord[] = [];
  try {
    history = await deps.runEngine.history(run.execution_arn);
  } catch (error) {
    if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
  }
  const steps = foldSteps(deps.workflows.get(run.workflow), history, run.status !== 'RUNNING');
  const gates = await listRunGates(deps, run.id);
  return { run, steps, gates };
}

/** Runs newest first (status refreshed), optionally only those waiting at a pending gate. */
export async function listRunViews(
  deps: RunViewDeps,
  filter: { workflow?: string; waiting?: boolean },
  page: { limit?: number; cursor?: string } = {},
): Promise<{ runs: (RunRecord & { waiting_gate?: string })[]; cursor?: string }> {
  if (filter.waiting) {
    const pending = await deps.gates.listByStatus('pending', page.limit ?? 50);
    const runs = await Promise.all(
      pending
        .filter((g) => !filter.workflow || g.workflow === filter.workflow)
        .map(async (g) => {
          const run = await deps.runs.get(g.run.id);
          return run ? { ...(await refreshRun(deps, run)), waiting_gate: g.gate_id } : undefined;
        }),
    );
    return { runs: runs.filter((r): r is RunRecord & { waiting_gate: string } => r?.status === 'RUNNING') };
  }
  const { runs, cursor } = await deps.runs.list({ workflow: filter.workflow }, page);
  return { runs: await Promise.all(runs.map((r) => refreshRun(deps, r))), cursor };
}
