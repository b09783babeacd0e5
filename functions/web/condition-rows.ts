/** Reads what the run page says about each condition step: the value tested and the branch taken. */
import type { RunData } from '../../statemachines/contract.ts';
import type { Workflow } from '../../statemachines/schema.ts';
import type { GateView } from '../core/approval/get-gate.ts';
import { ARTIFACT, artifactKey } from '../core/plan/artifact-keys.ts';
import type { StepSummary } from '../core/plan/step-artifacts.ts';
import type { ArtifactStore, RunRecord } from '../core/ports.ts';
import { describeConditionSteps } from '../core/runs/condition-steps.ts';
import type { ConditionFacts } from '../core/runs/condition-test.ts';
import type { StepView } from '../core/runs/run-view.ts';

async function readSummary(artifacts: ArtifactStore, runId: string, stepId: string) {
  try {
    const bytes = await artifacts.get(artifactKey(runId, stepId, ARTIFACT.summary));
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as StepSummary) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One sentence per condition step the run reached. A condition reads the run data as the steps
 * before it left it: the latest plan step's summary (plan, cost, policy) and the latest approval.
 */
export async function loadConditionRows(
  artifacts: ArtifactStore,
  run: RunRecord,
  workflow: Workflow | undefined,
  steps: StepView[],
  gates: GateView[],
): Promise<Record<string, string>> {
  if (!workflow?.steps.some((s) => s.type === 'condition')) return {};
  const started = new Set(steps.filter((s) => s.started_at).map((s) => s.id));
  const planIds = workflow.steps
    .filter((s) => s.type === 'iac' && s.action === 'plan' && started.has(s.id))
    .map((s) => s.id);
  const summaries = new Map(
    await Promise.all(planIds.map(async (id) => [id, await readSummary(artifacts, run.id, id)] as const)),
  );
  const facts = (conditionId: string): ConditionFacts => {
    const before = workflow.steps.slice(
      0,
      workflow.steps.findIndex((s) => s.id === conditionId),
    );
    const data: ConditionFacts['data'] = {};
    const plan = before.filter((s) => summaries.get(s.id)).at(-1);
    const summary = plan ? summaries.get(plan.id) : undefined;
    if (summary) Object.assign(data, { plan: summary.plan, cost: summary.cost, policy: summary.policy });
    const approved = before
      .map((s) => gates.find((g) => g.gate.step_id === s.id && g.gate.status === 'approved')?.gate)
      .filter((g) => g !== undefined)
      .at(-1);
    if (approved) {
      const decision: NonNullable<RunData['approval']> = {
        gate_id: approved.gate_id,
        step_id: approved.step_id,
        status: 'approved',
        approved_by: approved.approved_by,
        approved_by_count: approved.approved_by.length,
        requested_at: approved.requested_at,
        decided_at: approved.closed_at ?? approved.requested_at,
        plan_hash: approved.data.plan?.hash ?? null,
      };
      data.approval = decision;
      // A gate carries the plan data it was shown, for runs whose plan summary is not stored.
      if (!summary)
        Object.assign(
          data,
          approved.data.plan ? { plan: approved.data.plan } : {},
          approved.data.cost ? { cost: approved.data.cost } : {},
        );
    }
    return { run, data };
  };
  return describeConditionSteps(workflow, steps, facts);
}
