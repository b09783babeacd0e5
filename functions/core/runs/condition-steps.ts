/**
 * How the condition steps of a run went, as its page shows them: the value tested and the branch
 * taken, such as `cost +$750/month > $500 → finance approval`.
 */
import type { Workflow } from '../../../statemachines/schema.ts';
import {
  type ConditionFacts,
  conditionBranch,
  currencyOf,
  describeOutcome,
  readConditionField,
} from './condition-test.ts';
import type { StepView } from './run-view.ts';

/** A step's name as a branch target reads: its name, or its id in words (`finance approval`). */
function targetName(workflow: Workflow, id: string): string {
  const step = workflow.steps.find((s) => s.id === id);
  return step?.name ?? id.replace(/_/g, ' ');
}

/**
 * One sentence per condition step the run reached, keyed by step id. The branch is the one the
 * run took (the step it entered next) when the history shows it, else the one the value leads to;
 * `facts` are the run data the condition read.
 */
export function describeConditionSteps(
  workflow: Workflow | undefined,
  steps: StepView[],
  facts: (stepId: string) => ConditionFacts,
): Record<string, string> {
  const described: Record<string, string> = {};
  if (!workflow) return described;
  const started = new Set(steps.filter((s) => s.started_at).map((s) => s.id));
  for (const step of workflow.steps) {
    if (step.type !== 'condition' || !started.has(step.id)) continue;
    const test = { step_id: step.id, ...step.if, when_missing: step.when_missing };
    const data = facts(step.id);
    const value = readConditionField(step.if.field, data);
    const taken = started.has(step.then) ? 'then' : started.has(step.else) ? 'else' : undefined;
    const branch = taken ?? conditionBranch(test, value);
    const outcome = describeOutcome(test, value, currencyOf(data.data));
    described[step.id] =
      branch === 'fails'
        ? `${outcome} → the run stops (a missing value fails this condition)`
        : `${outcome} → ${targetName(workflow, branch === 'then' ? step.then : step.else)}`;
  }
  return described;
}
