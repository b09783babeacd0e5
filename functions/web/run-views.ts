/** Reads what the runs pages show: runs with their live status, one run with steps, plans and gates. */
import type { PlanSummary } from '../../statemachines/contract.ts';
import type { Session } from '../core/auth/sessions.ts';
import { closedReason, isEligible } from '../core/eligibility.ts';
import { sameEmail } from '../core/gate.ts';
import { type GateView, listRunGates } from '../core/get-gate.ts';
import { ARTIFACT, artifactKey } from '../core/plan/artifact-keys.ts';
import type { StepSummary } from '../core/plan/step-artifacts.ts';
import type { GateStatus, RunRecord } from '../core/ports.ts';
import { alreadyVotedReason } from '../core/vote-attempt.ts';
import type { AppDeps } from '../deps.ts';
import { loadPlanChanges, type PlanChanges } from './plan-changes.ts';
import { buildStepRows, type StepRow } from './run-steps.ts';

/** A run with its live status and whether a gate waits on it. */
export interface RunListItem {
  run: RunRecord;
  waiting: boolean;
}

/** One page of runs. */
export interface RunList {
  items: RunListItem[];
  cursor?: string;
}

/** How many runs a page lists. */
const PAGE = 25;
/** Runs shown under "Waiting for approval" (pending gates, oldest request first). */
const WAITING_LIMIT = 200;

/** Runs newest first; `waiting` lists only runs with a pending gate. */
export async function listRunItems(
  deps: AppDeps,
  filter: { waiting: boolean; workflow?: string; cursor?: string },
): Promise<RunList> {
  const pending = await deps.gates.listByStatus('pending', WAITING_LIMIT);
  const waitingIds = new Set(pending.map((g) => g.run.id));
  let runs: RunRecord[];
  let cursor: string | undefined;
  if (filter.waiting) {
    const found = await Promise.all([...waitingIds].map((id) => deps.runs.get(id)));
    runs = found
      .filter((r): r is RunRecord => r !== undefined)
      .filter((r) => !filter.workflow || r.workflow === filter.workflow)
      .sort((a, b) => b.started_at.localeCompare(a.started_at));
  } else {
    const page = await deps.runs.list(filter.workflow ? { workflow: filter.workflow } : {}, {
      limit: PAGE,
      ...(filter.cursor ? { cursor: filter.cursor } : {}),
    });
    runs = page.runs;
    cursor = page.cursor;
  }
  const live = await Promise.all(runs.map((run) => withLiveStatus(deps, run)));
  return {
    items: live.map((run) => ({ run, waiting: waitingIds.has(run.id) })),
    ...(cursor ? { cursor } : {}),
  };
}

/** The run with the execution's status when the record still says RUNNING (the execution is the truth). */
export async function withLiveStatus(deps: AppDeps, run: RunRecord): Promise<RunRecord> {
  if (run.status !== 'RUNNING') return run;
  try {
    const live = await deps.runEngine.describe(run.execution_arn);
    return { ...run, ...stripUndefined(live) };
  } catch {
    return run;
  }
}

/** A gate on the run page, with whether the signed-in person may vote on it. */
export interface RunGate extends GateView {
  cannotVote?: string;
}

/** A plan step's summary and its full plan. */
export interface RunPlan {
  stepId: string;
  plan: PlanSummary;
  changes: PlanChanges;
}

/** Everything the run page shows. */
export interface RunDetail {
  run: RunRecord;
  steps: StepRow[];
  gates: RunGate[];
  plans: RunPlan[];
  historyError?: string;
}

/** One run with steps, gates (with votes) and plans; undefined when there is no such run. */
export async function loadRunDetail(
  deps: AppDeps,
  runId: string,
  session: Session,
): Promise<RunDetail | undefined> {
  const record = await deps.runs.get(runId);
  if (!record) return undefined;
  const run = await withLiveStatus(deps, record);
  const [gates, history] = await Promise.all([
    listRunGates(deps, runId),
    deps.runEngine.history(run.execution_arn).then(
      (h) => ({ ok: true as const, h }),
      () => ({ ok: false as const, h: [] }),
    ),
  ]);
  const workflow = deps.workflows.get(run.workflow);
  const gateStatus: Record<string, GateStatus> = {};
  for (const g of gates) gateStatus[g.gate.step_id] = g.gate.status;
  const steps = buildStepRows(workflow, history.h, run.status, gateStatus);
  const now = deps.now();
  const runGates = gates.map((view): RunGate => {
    const { gate } = view;
    if (gate.status !== 'pending') return { ...view, cannotVote: closedReason(gate) };
    const own = view.votes.find((v) => sameEmail(v.email, session.user.email));
    if (own) return { ...view, cannotVote: alreadyVotedReason(own) };
    const eligibility = isEligible(gate, session.user.email, session.user, now, 'approve');
    if (eligibility.eligible || eligibility.code === 'self_approval') return view;
    return { ...view, cannotVote: eligibility.reason };
  });
  const plans = await loadPlans(deps, run, workflow?.steps ?? [], steps);
  const gatePlan = gates.find((g) => g.gate.data.plan)?.gate.data.plan;
  if (plans.length === 0 && gatePlan) {
    plans.push({
      stepId: gatePlan.step_id,
      plan: gatePlan,
      changes: await loadPlanChanges(deps.artifacts, gatePlan),
    });
  }
  return {
    run,
    steps,
    gates: runGates,
    plans,
    ...(history.ok ? {} : { historyError: 'The execution history could not be read.' }),
  };
}

async function loadPlans(
  deps: AppDeps,
  run: RunRecord,
  workflowSteps: { id: string; type: string; action?: string }[],
  rows: StepRow[],
): Promise<RunPlan[]> {
  const reached = new Set(rows.filter((r) => r.startedAt).map((r) => r.id));
  const planSteps = workflowSteps.filter((s) => s.type === 'iac' && s.action === 'plan' && reached.has(s.id));
  const plans = await Promise.all(
    planSteps.slice(0, 3).map(async (step): Promise<RunPlan | undefined> => {
      try {
        const bytes = await deps.artifacts.get(artifactKey(run.id, step.id, ARTIFACT.summary));
        if (!bytes) return undefined;
        const summary = JSON.parse(new TextDecoder().decode(bytes)) as StepSummary;
        return {
          stepId: step.id,
          plan: summary.plan,
          changes: await loadPlanChanges(deps.artifacts, summary.plan),
        };
      } catch {
        return undefined;
      }
    }),
  );
  return plans.filter((p): p is RunPlan => p !== undefined);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
