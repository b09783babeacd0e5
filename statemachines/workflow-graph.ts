import type { IacStep, Step, Workflow } from './schema.ts';

/** The ids a step may go to next on success (none for the last step). */
export function successors(workflow: Workflow, index: number): string[] {
  const step = workflow.steps[index];
  if (!step) return [];
  if (step.type === 'condition') return [step.then, step.else];
  const next = workflow.steps[index + 1];
  return next ? [next.id] : [];
}

/** The plan step whose saved plan an apply step applies: `plan_from`, else the latest earlier plan of its project. */
export function planStepFor(workflow: Workflow, apply: IacStep): IacStep | undefined {
  const index = workflow.steps.indexOf(apply);
  const earlier = workflow.steps
    .slice(0, index)
    .filter((s): s is IacStep => s.type === 'iac' && s.action === 'plan');
  if (apply.plan_from) return earlier.find((s) => s.id === apply.plan_from && s.project === apply.project);
  return earlier.filter((s) => s.project === apply.project).at(-1);
}

/** The plan steps before `step` in workflow order: the plans whose changes a gate there is about. */
export function plansBefore(workflow: Workflow, step: Step): IacStep[] {
  return workflow.steps
    .slice(0, workflow.steps.indexOf(step))
    .filter((s): s is IacStep => s.type === 'iac' && s.action === 'plan');
}

/**
 * Whether every path from `from` to `target` passes through an approval step (used to
 * decide whether an apply must match the plan hash an approver saw).
 */
export function alwaysGatedBetween(workflow: Workflow, from: Step, target: Step): boolean {
  const index = new Map(workflow.steps.map((s, i) => [s.id, i]));
  const seen = new Set<string>();
  const stack = [from.id];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    if (id === target.id) return false;
    const i = index.get(id);
    if (i === undefined || workflow.steps[i]?.type === 'approval') continue;
    stack.push(...successors(workflow, i));
  }
  return true;
}

/** The steps reachable from the first one, in workflow order. */
export function reachableSteps(workflow: Workflow): Set<string> {
  const index = new Map(workflow.steps.map((s, i) => [s.id, i]));
  const seen = new Set<string>();
  const stack = workflow.steps[0] ? [workflow.steps[0].id] : [];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    const i = index.get(id);
    if (seen.has(id) || i === undefined) continue;
    seen.add(id);
    stack.push(...successors(workflow, i));
  }
  return seen;
}

/** The IaC projects a workflow plans or applies, sorted: the project locks a run of it takes, in that order. */
export function lockedProjects(workflow: Pick<Workflow, 'steps'>): string[] {
  return [...new Set(workflow.steps.flatMap((s) => (s.type === 'iac' ? [s.project] : [])))].sort();
}
