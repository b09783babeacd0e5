/** Reads what the runs pages show: runs with their live status, one run with steps, plans and gates. */
import type { PlanSummary } from '../../statemachines/contract.ts';
import { listGatesAwaitingVote } from '../core/approval/awaiting-vote.ts';
import { closedReason, isEligible } from '../core/approval/eligibility.ts';
import { freshSigninPath, sameEmail } from '../core/approval/gate.ts';
import type { GateView } from '../core/approval/get-gate.ts';
import { alreadyVotedReason } from '../core/approval/vote-attempt.ts';
import type { Session } from '../core/auth/sessions.ts';
import { ARTIFACT, artifactKey } from '../core/plan/artifact-keys.ts';
import type { StepSummary } from '../core/plan/step-artifacts.ts';
import type { RunRecord } from '../core/ports.ts';
import {
  getRunView,
  listRunViews,
  type RunListEntry,
  type RunView,
  type StepView,
} from '../core/runs/run-view.ts';
import type { WebDeps } from '../wiring/http.ts';
import { loadConditionRows } from './condition-rows.ts';
import { loadDrifts, type RunDrift } from './drift-views.ts';
import { loadPlanChanges, type PlanChanges } from './plan-changes.ts';

/** How many runs a page lists. */
const PAGE = 25;
/** Pending gates read for "Waiting for approval" (oldest request first). */
const WAITING_LIMIT = 200;

/** The runs page's tabs: the gates awaiting my vote, every run waiting for approval, all runs. */
export type RunsTab = 'mine' | 'waiting' | 'all';

/**
 * Runs newest first, each with its live status; `waiting` lists only runs held by a pending gate,
 * `mine` only those whose pending gate `email` may approve now.
 */
export async function listRunItems(
  deps: WebDeps,
  filter: { tab: RunsTab; email: string; workflow?: string; cursor?: string },
): Promise<{ runs: RunListEntry[]; cursor?: string }> {
  const waiting = filter.tab !== 'all';
  const gates =
    filter.tab === 'mine' ? await listGatesAwaitingVote(deps, filter.email, WAITING_LIMIT) : undefined;
  return listRunViews(
    deps,
    { waiting, ...(gates ? { gates } : {}), ...(filter.workflow ? { workflow: filter.workflow } : {}) },
    { limit: waiting ? WAITING_LIMIT : PAGE, ...(filter.cursor ? { cursor: filter.cursor } : {}) },
    { tolerateEngineErrors: true },
  );
}

/** A gate on the run page, with whether the signed-in person may vote on it. */
export interface RunGate extends GateView {
  cannotVote?: string;
  /** Where a sign-in recent enough for this gate starts, when that is what stands in the way. */
  signinHref?: string;
}

/** A plan step's summary and its full plan. */
export interface RunPlan {
  stepId: string;
  plan: PlanSummary;
  changes: PlanChanges;
}

/** Everything the run page shows. */
export interface RunDetail extends Omit<RunView, 'gates'> {
  gates: RunGate[];
  plans: RunPlan[];
  /** Per condition step reached: the value tested and the branch taken. */
  conditions?: Record<string, string>;
  /** Apply steps that refused because the re-plan differs from the approved plan. */
  drifts?: RunDrift[];
}

/** One run with steps, gates (with votes) and plans; undefined when there is no such run. */
export async function loadRunDetail(
  deps: WebDeps,
  runId: string,
  session: Session,
): Promise<RunDetail | undefined> {
  const view = await getRunView(deps, runId, { tolerateEngineErrors: true });
  if (!view) return undefined;
  const { run, gates, steps } = view;
  const workflow = deps.workflows.get(run.workflow);
  const now = deps.now();
  const runGates = gates.map((g): RunGate => {
    const { gate } = g;
    if (gate.status !== 'pending') return { ...g, cannotVote: closedReason(gate) };
    const own = g.votes.find((v) => sameEmail(v.email, session.user.email));
    if (own) return { ...g, cannotVote: alreadyVotedReason(own) };
    const eligibility = isEligible(gate, session.user.email, session.user, now, 'approve', {
      directory: session.directory,
      channel: 'web',
      ...(session.signin ? { signin: session.signin } : {}),
    });
    if (eligibility.eligible || eligibility.code === 'self_approval') return g;
    return {
      ...g,
      cannotVote: eligibility.reason,
      ...(eligibility.code === 'fresh_signin_required' ? { signinHref: freshSigninPath(gate) } : {}),
    };
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
  const conditions = await loadConditionRows(deps.artifacts, run, workflow, steps, gates);
  const drifts = await loadDrifts(deps.artifacts, run.id, workflow?.steps ?? [], steps);
  return { ...view, gates: runGates, plans, conditions, drifts };
}

async function loadPlans(
  deps: WebDeps,
  run: RunRecord,
  workflowSteps: { id: string; type: string; action?: string }[],
  rows: StepView[],
): Promise<RunPlan[]> {
  const reached = new Set(rows.filter((r) => r.started_at).map((r) => r.id));
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
