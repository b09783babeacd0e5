/** The run's data after a drift check: its verdict beside the others, never a failure. */
import type { RunData, SummarizeStepInput } from '../../../statemachines/contract.ts';
import type { DriftCheckSummary, RunDrift } from '../../../statemachines/drift-contract.ts';
import { StepFailedError } from '../errors.ts';
import type { StepSummary } from '../plan/step-artifacts.ts';

/** `$.data.drift` with this check added (a retried summarize replaces its own entry). */
export function addDriftCheck(drift: RunDrift | undefined, check: DriftCheckSummary): RunDrift {
  const checks = [...(drift?.checks ?? []).filter((c) => c.step_id !== check.step_id), check];
  return { status: checks.some((c) => c.status === 'drifted') ? 'drifted' : 'in_sync', checks };
}

/**
 * The run's new data: the plan (so the notifications' plan placeholders read it), the verdict at
 * `$.data.drift`, and the step's counts. Drift is what a drift check is for, so it returns; only a
 * build that left no verdict fails, as a failed plan.
 */
export function withDriftCheck(
  input: SummarizeStepInput,
  summary: StepSummary,
  source: RunData['source'],
): RunData {
  const check = summary.drift_check;
  if (!check)
    throw new StepFailedError(
      'PlanFailed',
      `the drift check of ${input.project} left no verdict in its summary`,
    );
  const { plan, cost } = summary;
  return {
    ...input.data,
    ...(source ? { source } : {}),
    plan,
    cost,
    drift: addDriftCheck(input.data.drift, check),
    steps: {
      ...input.data.steps,
      [input.step_id]: {
        action: 'plan',
        mode: 'drift',
        project: input.project,
        hash: plan.hash,
        status: check.status,
        drifted: check.drifted,
        changes: plan.add + plan.change + plan.destroy + plan.replace,
      },
    },
  };
}
