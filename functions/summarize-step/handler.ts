/**
 * Lambda for the summarize task after every iac build: reads the build's artifacts and returns the
 * run's new data. A failed step throws a StepFailedError whose `name` (PlanFailed, PolicyFailed,
 * PlanDrift, ApplyFailed) Lambda reports as the error type, which the state machine's Catch matches.
 */
import type { RunData, SummarizeStepInput } from '../../statemachines/contract.ts';
import { type SummarizeStepDeps, summarizeStep } from '../core/plan/summarize-step.ts';
import { depsFor } from '../wiring/scope.ts';
import { createSummarizeStepDeps } from './deps.ts';

/** Builds the handler over deps looked up per call (the local runtime swaps them in). */
export function createSummarizeStepHandler(deps: () => SummarizeStepDeps) {
  return async (event: SummarizeStepInput): Promise<RunData> => {
    const { artifacts, audit, runs, now } = deps();
    return summarizeStep({ artifacts, audit, runs, now }, event);
  };
}

/** The Lambda entry point. */
export const handler = createSummarizeStepHandler(depsFor(createSummarizeStepDeps));
