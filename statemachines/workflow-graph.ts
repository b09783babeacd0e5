import type { FollowingGate } from './contract.ts';
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
    .filter((s): s is IacStep => s.type === 'iac' && s.action === 'plan' && s.mode !== 'drift');
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

/**
 * The IaC projects a workflow applies, sorted: the project locks a run of it takes, in that order.
 * A lock keeps what was approved true until it is applied; a run that only plans (a pull request's
 * run) changes nothing, so it takes none and never holds a deploy back.
 */
export function lockedProjects(workflow: Pick<Workflow, 'steps'>): string[] {
  const applied = workflow.steps.flatMap((s) =>
    s.type === 'iac' && s.action === 'apply' ? [s.project] : [],
  );
  return [...new Set(applied)].sort();
}

/** At most this many following gates are kept on a gate (they travel in every request payload). */
const MAX_FOLLOWING = 10;

/**
 * The approval steps a run can reach after `gate` without passing another approval, each with the
 * condition steps on the way and the branch each takes to get there (conditions only jump forward,
 * so the walk ends).
 */
export function followingGates(workflow: Workflow, gate: Step): FollowingGate[] {
  const index = new Map(workflow.steps.map((s, i) => [s.id, i]));
  const found: FollowingGate[] = [];
  const walk = (id: string, when: FollowingGate['when']) => {
    const i = index.get(id);
    const step = i === undefined ? undefined : workflow.steps[i];
    if (!step || i === undefined || found.length >= MAX_FOLLOWING) return;
    if (step.type === 'approval') {
      found.push({
        step_id: step.id,
        name: step.name ?? step.id,
        approvers: step.approvers,
        required: step.required,
        when,
      });
      return;
    }
    if (step.type === 'condition') {
      const test = {
        step_id: step.id,
        field: step.if.field,
        op: step.if.op,
        value: step.if.value,
        when_missing: step.when_missing,
      };
      walk(step.then, [...when, { ...test, branch: 'then' }]);
      walk(step.else, [...when, { ...test, branch: 'else' }]);
      return;
    }
    for (const next of successors(workflow, i)) walk(next, when);
  };
  const start = index.get(gate.id);
  if (start !== undefined) for (const next of successors(workflow, start)) walk(next, []);
  return found;
}
