import { isPlaceholder, placeholdersIn } from './placeholders.ts';
import {
  type ApprovalStep,
  type Directory,
  type IacStep,
  type Projects,
  parseDuration,
  ROLES,
  type Workflow,
} from './schema.ts';
import { planStepFor } from './workflow-graph.ts';
import type { PathSegment, Problem, YamlSource } from './yaml-source.ts';
import { label } from './zod-problems.ts';

const MIN_TIMEOUT = 60;
const MAX_TIMEOUT = 365 * 86400;

/** Checks what the schema alone cannot: references between steps, people, projects, cycles. */
export function checkWorkflow(
  workflow: Workflow,
  source: YamlSource,
  context: { directory: Directory; projects: Projects },
): Problem[] {
  const problems: Problem[] = [];
  const report = (path: PathSegment[], message: string) => problems.push(source.problem(path, message));

  if (workflow.steps.length === 0) report(['steps'], 'steps: a workflow needs at least one step');

  for (const [i, role] of (workflow.triggers.manual?.roles ?? []).entries()) {
    if (!(ROLES as readonly string[]).includes(role))
      report(
        ['triggers', 'manual', 'roles', i],
        `triggers.manual.roles[${i}]: unknown role "${role}"; roles are ${ROLES.join(', ')}`,
      );
  }

  const firstIndex = new Map<string, number>();
  workflow.steps.forEach((step, i) => {
    const prior = firstIndex.get(step.id);
    if (prior !== undefined)
      report(['steps', i, 'id'], `steps[${i}].id: "${step.id}" is already the id of steps[${prior}]`);
    else firstIndex.set(step.id, i);
  });

  workflow.steps.forEach((step, i) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['steps', i, ...rest];
    const name = (field: string) => `steps[${i}] (${step.id}).${field}`;
    switch (step.type) {
      case 'iac':
        checkIac(workflow, step, i, context.projects, (field, msg) =>
          report(at(field), `${name(field)}: ${msg}`),
        );
        break;
      case 'approval':
        checkApproval(step, context.directory, (path, msg) =>
          report(at(...path), `${name(label(path))}: ${msg}`),
        );
        break;
      case 'condition': {
        for (const field of ['then', 'else'] as const) {
          const target = firstIndex.get(step[field]);
          if (target === undefined) report(at(field), `${name(field)}: no step has the id "${step[field]}"`);
          else if (target <= i)
            report(
              at(field),
              `${name(field)}: goes back to "${step[field]}", which makes a cycle; a condition may only jump forward`,
            );
        }
        const root = step.if.field.split('.')[0];
        const earlier = workflow.steps.slice(0, i);
        const hasPlan = earlier.some((s) => s.type === 'iac' && s.action === 'plan');
        if ((root === 'plan' || root === 'cost' || root === 'policy') && !hasPlan)
          report(at('if', 'field'), `${name('if.field')}: "${step.if.field}" needs an earlier plan step`);
        if (root === 'approval' && !earlier.some((s) => s.type === 'approval'))
          report(at('if', 'field'), `${name('if.field')}: "${step.if.field}" needs an earlier approval step`);
        if (['gt', 'gte', 'lt', 'lte'].includes(step.if.op) && typeof step.if.value !== 'number')
          report(
            at('if', 'value'),
            `${name('if.value')}: op ${step.if.op} compares numbers, got ${JSON.stringify(step.if.value)}`,
          );
        break;
      }
      case 'http':
        for (const placeholder of placeholdersIn(step.body ?? '')) {
          if (!isPlaceholder(placeholder))
            report(
              at('body'),
              `${name('body')}: unknown placeholder {{${placeholder}}}; see the README for the list`,
            );
        }
        break;
    }
  });
  return problems;
}

function checkIac(
  workflow: Workflow,
  step: IacStep,
  index: number,
  projects: Projects,
  report: (field: string, message: string) => void,
): void {
  if (!projects.projects.some((p) => p.name === step.project)) {
    const known = projects.projects.map((p) => p.name).join(', ') || 'none';
    report('project', `unknown project "${step.project}" (config/projects.yaml has: ${known})`);
  }
  if (step.action === 'plan') {
    if (step.plan_from) report('plan_from', 'only an apply step takes plan_from');
    return;
  }
  if (planStepFor(workflow, step)) return;
  if (step.plan_from) {
    const target = workflow.steps.findIndex((s) => s.id === step.plan_from);
    const why =
      target === -1
        ? `no step has the id "${step.plan_from}"`
        : target >= index
          ? `"${step.plan_from}" comes after this step`
          : `"${step.plan_from}" is not a plan of project ${step.project}`;
    report('plan_from', `${why}; an apply needs an earlier plan step of the same project`);
  } else {
    report('action', `apply of project "${step.project}" has no earlier plan step of the same project`);
  }
}

function checkApproval(
  step: ApprovalStep,
  directory: Directory,
  report: (path: PathSegment[], message: string) => void,
): void {
  const eligible = new Set<string>();
  const resolve = (refs: string[], path: PathSegment[]) => {
    refs.forEach((ref, j) => {
      const [kind, ...rest] = ref.split(':');
      const value = rest.join(':');
      if (kind === 'user') {
        const user = directory.users.find((u) => u.email.toLowerCase() === value.toLowerCase());
        if (!user) report([...path, j], `${ref}: no such user in config/directory.yaml`);
        else if (user.role === 'viewer')
          report([...path, j], `${ref}: is a viewer, and viewers cannot approve`);
        else eligible.add(user.email.toLowerCase());
      } else if (kind === 'team') {
        const members = directory.teams[value];
        if (!members) {
          const known = Object.keys(directory.teams).join(', ') || 'none';
          report([...path, j], `${ref}: no such team (config/directory.yaml has: ${known})`);
        } else {
          for (const m of members) {
            const user = directory.users.find((u) => u.email.toLowerCase() === m.toLowerCase());
            if (user && user.role !== 'viewer') eligible.add(user.email.toLowerCase());
          }
        }
      } else if (value === 'viewer') {
        report([...path, j], `${ref}: viewers cannot approve; use role:developer or role:admin`);
      } else if (value !== 'developer' && value !== 'admin') {
        report(
          [...path, j],
          `${ref}: unknown role "${value}"; approvers may be role:developer or role:admin`,
        );
      } else {
        for (const u of directory.users) if (u.role === value) eligible.add(u.email.toLowerCase());
      }
    });
  };
  resolve(step.approvers, ['approvers']);
  if (step.required > eligible.size)
    report(
      ['required'],
      `requires ${step.required} approval(s) but the approvers include only ${eligible.size} people who can approve (viewers excluded)`,
    );
  const timeout = parseDuration(step.timeout);
  if (timeout < MIN_TIMEOUT || timeout > MAX_TIMEOUT)
    report(['timeout'], `${step.timeout} is out of range; a timeout is between 1m and 365d`);
  step.escalation.forEach((e, k) => {
    if (parseDuration(e.after) >= timeout)
      report(
        ['escalation', k, 'after'],
        `${e.after} is not before the timeout (${step.timeout}); the gate would already be closed`,
      );
    resolve(e.approvers, ['escalation', k, 'approvers']);
  });
  if (!step.notify.email && !step.notify.slack)
    report(['notify'], 'notifies nobody: set notify.slack to a channel or leave notify.email true');
}
