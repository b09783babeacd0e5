/**
 * The drift of a run's apply steps for the run page: an apply that refused because its re-plan
 * differs from the approved plan wrote drift.json, and its re-plan's plan.json; the approved
 * plan is the plan step's plan.json. Both are diffed per resource (functions/core/plan/diff-plans.ts).
 */
import { ARTIFACT, artifactKey } from '../core/plan/artifact-keys.ts';
import { diffPlans, type PlanDiff } from '../core/plan/diff-plans.ts';
import type { DriftReport } from '../core/plan/step-artifacts.ts';
import { parseTerraformPlan, type TerraformPlan } from '../core/plan/terraform-plan.ts';
import type { ArtifactStore } from '../core/ports.ts';
import type { StepView } from '../core/runs/run-view.ts';

/** One apply step's drift: the hashes, the step the approved plan came from, and the diff (or why it is missing). */
export interface RunDrift {
  stepId: string;
  report: DriftReport;
  diff: PlanDiff | { error: string };
}

/** The drift of every apply step of the run that was reached and left a drift report. */
export async function loadDrifts(
  artifacts: ArtifactStore,
  runId: string,
  workflowSteps: readonly { id: string; type: string; action?: string }[],
  rows: readonly StepView[],
): Promise<RunDrift[]> {
  const reached = new Set(rows.filter((r) => r.started_at).map((r) => r.id));
  const applies = workflowSteps.filter((s) => s.type === 'iac' && s.action === 'apply' && reached.has(s.id));
  const drifts = await Promise.all(applies.map((s) => loadDrift(artifacts, runId, s.id)));
  return drifts.filter((d): d is RunDrift => d !== undefined);
}

async function readText(artifacts: ArtifactStore, key: string): Promise<string | undefined> {
  const bytes = await artifacts.get(key);
  return bytes ? new TextDecoder().decode(bytes) : undefined;
}

async function loadDrift(
  artifacts: ArtifactStore,
  runId: string,
  stepId: string,
): Promise<RunDrift | undefined> {
  let report: DriftReport;
  try {
    const text = await readText(artifacts, artifactKey(runId, stepId, ARTIFACT.drift));
    if (!text) return undefined;
    report = JSON.parse(text) as DriftReport;
  } catch {
    return undefined;
  }
  const plan = async (step: string): Promise<TerraformPlan | string> => {
    try {
      const text = await readText(artifacts, artifactKey(runId, step, ARTIFACT.planJson));
      return text ? parseTerraformPlan(text) : `The plan of step ${step} is not in the artifact store.`;
    } catch {
      return `The plan of step ${step} could not be read.`;
    }
  };
  const [approved, current] = await Promise.all([plan(report.plan_from), plan(stepId)]);
  if (typeof approved === 'string') return { stepId, report, diff: { error: approved } };
  if (typeof current === 'string') return { stepId, report, diff: { error: current } };
  return { stepId, report, diff: diffPlans(approved, current) };
}
