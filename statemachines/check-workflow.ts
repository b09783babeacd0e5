import { canMeet, fewestApprovals } from '../functions/core/approval/quorum.ts';
import { checkRuleExpression } from '../functions/core/plan/plan-rules.ts';
import { isProduction } from './environment.ts';
import { isPlaceholder, placeholdersIn } from './placeholders.ts';
import { checkTimeZone, parseCron, ScheduleError } from './schedule.ts';
import {
  type ApprovalStep,
  type Directory,
  type Environments,
  type IacStep,
  type Projects,
  parseDuration,
  ROLES,
  type Role,
  type Step,
  type Workflow,
} from './schema.ts';
import { planStepFor } from './workflow-graph.ts';
import type { PathSegment, Problem, YamlSource } from './yaml-source.ts';
import { label } from './zod-problems.ts';

const MIN_TIMEOUT = 60;
const MAX_TIMEOUT = 365 * 86400;

/** What a workflow is checked against: the directory, the projects and the environments' defaults. */
export interface WorkflowContext {
  directory: Directory;
  projects: Projects;
  environments?: Environments;
}

/**
 * Where `workflow.steps` sit in the file when some steps failed the schema: `indexes[k]` is
 * the position of `workflow.steps[k]` in the file, and `raw` holds every step as written.
 */
export interface StepLayout {
  indexes: number[];
  raw: unknown[];
}

/**
 * Checks what the schema alone cannot: references between steps, people, projects, cycles.
 * With a `layout`, `workflow.steps` are only the steps that passed the schema; the others
 * still count as jump targets and as possible earlier plans or approvals, never as problems.
 */
export function checkWorkflow(
  workflow: Workflow,
  source: YamlSource,
  context: WorkflowContext,
  layout: StepLayout = { indexes: workflow.steps.map((_, i) => i), raw: workflow.steps },
): Problem[] {
  const problems: Problem[] = [];
  const report = (path: PathSegment[], message: string) => problems.push(source.problem(path, message));
  const raw = layout.raw;

  if (raw.length === 0) report(['steps'], 'steps: a workflow needs at least one step');

  for (const [i, role] of (workflow.triggers.manual?.roles ?? []).entries()) {
    if (!(ROLES as readonly string[]).includes(role))
      report(
        ['triggers', 'manual', 'roles', i],
        `triggers.manual.roles[${i}]: unknown role "${role}"; roles are ${ROLES.join(', ')}`,
      );
  }

  const schedule = workflow.triggers.schedule;
  if (schedule) {
    const checks: [PathSegment, () => void][] = [
      ['cron', () => parseCron(schedule.cron)],
      ['timezone', () => checkTimeZone(schedule.timezone)],
    ];
    for (const [field, check] of checks) {
      try {
        check();
      } catch (error) {
        if (!(error instanceof ScheduleError)) throw error;
        report(['triggers', 'schedule', field], `triggers.schedule.${String(field)}: ${error.message}`);
      }
    }
    // Nobody would be there to ask: a schedule never applies to production without a gate.
    const applies = workflow.steps.some((s) => s.type === 'iac' && s.action === 'apply');
    if (isProduction(workflow) && applies && !workflow.steps.some((s) => s.type === 'approval'))
      report(
        ['triggers', 'schedule'],
        'triggers.schedule: a production workflow that applies without an approval gate cannot run on a schedule; add a gate',
      );
  }

  // A run before the merge may plan and ask, never apply: what it would apply is not merged yet.
  if (workflow.triggers.github?.on === 'pull_request') {
    for (const [k, step] of workflow.steps.entries()) {
      if (step.type === 'iac' && step.action === 'apply')
        report(
          ['triggers', 'github', 'on'],
          `triggers.github.on: a workflow run on open pull requests plans only, but step "${step.id}" (steps[${layout.indexes[k]}]) applies; apply in a workflow run on merges`,
        );
    }
  }

  const firstIndex = new Map<string, number>();
  const checked = new Map(layout.indexes.map((index, k) => [index, workflow.steps[k]]));
  raw.forEach((written, i) => {
    const id = isRecord(written) ? written.id : undefined;
    if (typeof id !== 'string') return;
    const prior = firstIndex.get(id);
    if (prior === undefined) firstIndex.set(id, i);
    else if (checked.has(i))
      report(['steps', i, 'id'], `steps[${i}].id: "${id}" is already the id of steps[${prior}]`);
  });

  for (const [i, step] of checked) {
    if (!step) continue;
    const at = (...rest: PathSegment[]): PathSegment[] => ['steps', i, ...rest];
    const name = (field: string) => `steps[${i}] (${step.id}).${field}`;
    switch (step.type) {
      case 'iac':
        checkIac(workflow, step, i, { raw, firstIndex }, context.projects, (field, msg) =>
          report(at(field), `${name(field)}: ${msg}`),
        );
        break;
      case 'approval': {
        const readsPlan = raw
          .slice(0, i)
          .some((s) => mayBe(s, 'iac', (r) => mayEqual(r.action, 'plan', ACTIONS)));
        const forbidsAutoApproval =
          context.environments?.environments[workflow.environment]?.defaults.auto_approve === 'never';
        checkApproval(
          step,
          { directory: context.directory, readsPlan, forbidsAutoApproval, environment: workflow.environment },
          (path, msg) => report(at(...path), `${name(label(path))}: ${msg}`),
          (path, index, msg) =>
            problems.push(source.problemInString(at(...path), index, `${name(label(path))}: ${msg}`)),
        );
        break;
      }
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
        const earlier = raw.slice(0, i);
        const hasPlan = earlier.some((s) => mayBe(s, 'iac', (r) => mayEqual(r.action, 'plan', ACTIONS)));
        if ((root === 'plan' || root === 'cost' || root === 'policy') && !hasPlan)
          report(at('if', 'field'), `${name('if.field')}: "${step.if.field}" needs an earlier plan step`);
        if (root === 'drift' && !earlier.some(mayBeDriftCheck))
          report(
            at('if', 'field'),
            `${name('if.field')}: "${step.if.field}" needs an earlier drift check (mode: drift)`,
          );
        if (root === 'approval' && !earlier.some((s) => mayBe(s, 'approval', () => true)))
          report(at('if', 'field'), `${name('if.field')}: "${step.if.field}" needs an earlier approval step`);
        if (['gt', 'gte', 'lt', 'lte'].includes(step.if.op) && typeof step.if.value !== 'number')
          report(
            at('if', 'value'),
            `${name('if.value')}: op ${step.if.op} compares numbers, got ${JSON.stringify(step.if.value)}`,
          );
        break;
      }
      case 'http':
        if (step.run_on === 'drifted' && !raw.slice(0, i).some(mayBeDriftCheck))
          report(at('run_on'), `${name('run_on')}: drifted needs an earlier drift check (mode: drift)`);
        for (const placeholder of placeholdersIn(step.body ?? '')) {
          if (!isPlaceholder(placeholder))
            report(
              at('body'),
              `${name('body')}: unknown placeholder {{${placeholder}}}; see the README for the list`,
            );
        }
        break;
    }
  }
  return problems;
}

const STEP_TYPES: readonly Step['type'][] = ['iac', 'approval', 'condition', 'http'];
const ACTIONS: readonly IacStep['action'][] = ['plan', 'apply'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a step as written is, or after fixing its schema errors might be, of `type` and `fits`. */
function mayBe(written: unknown, type: Step['type'], fits: (r: Record<string, unknown>) => boolean): boolean {
  if (!isRecord(written) || !STEP_TYPES.includes(written.type as Step['type'])) return true;
  return written.type === type && fits(written);
}

/** Whether a step as written is a drift check. */
function isDriftCheck(written: unknown): boolean {
  return isRecord(written) && written.type === 'iac' && written.mode === 'drift';
}

/** Whether a step as written is, or after fixing its schema errors might be, a drift check. */
function mayBeDriftCheck(written: unknown): boolean {
  return mayBe(written, 'iac', (r) => r.mode !== undefined);
}

/** Whether a written field is `value`, or is not a valid value at all (so it might be meant as `value`). */
function mayEqual(field: unknown, value: string, allowed?: readonly string[]): boolean {
  if (field === value) return true;
  return allowed ? !allowed.includes(field as string) : typeof field !== 'string' || field === '';
}

function checkIac(
  workflow: Workflow,
  step: IacStep,
  index: number,
  steps: { raw: unknown[]; firstIndex: Map<string, number> },
  projects: Projects,
  report: (field: string, message: string) => void,
): void {
  if (!projects.projects.some((p) => p.name === step.project)) {
    const known = projects.projects.map((p) => p.name).join(', ') || 'none';
    report('project', `unknown project "${step.project}" (config/projects.yaml has: ${known})`);
  }
  if (step.mode === 'drift' && step.action === 'apply')
    report('mode', 'mode: drift checks for drift with a plan and never applies; use it with action: plan');
  if (step.fix_with && step.mode !== 'drift')
    report('fix_with', 'only a drift check (action: plan, mode: drift) takes fix_with');
  if (step.action === 'plan') {
    if (step.plan_from) report('plan_from', 'only an apply step takes plan_from');
    return;
  }
  if (planStepFor(workflow, step)) return;
  // A plan step that failed the schema may be this apply's plan; its own problem is reported.
  // A drift check's plan is never applied.
  const mayBePlan = (written: unknown) =>
    mayBe(
      written,
      'iac',
      (r) => mayEqual(r.action, 'plan', ACTIONS) && mayEqual(r.project, step.project) && r.mode !== 'drift',
    );
  if (step.plan_from) {
    const target = steps.firstIndex.get(step.plan_from) ?? -1;
    if (target !== -1 && target < index && mayBePlan(steps.raw[target])) return;
    const why =
      target === -1
        ? `no step has the id "${step.plan_from}"`
        : target >= index
          ? `"${step.plan_from}" comes after this step`
          : isDriftCheck(steps.raw[target])
            ? `"${step.plan_from}" is a drift check, whose plan is never applied`
            : `"${step.plan_from}" is not a plan of project ${step.project}`;
    report('plan_from', `${why}; an apply needs an earlier plan step of the same project`);
  } else {
    if (steps.raw.slice(0, index).some(mayBePlan)) return;
    report('action', `apply of project "${step.project}" has no earlier plan step of the same project`);
  }
}

/**
 * Who is in a team or role that IdP groups give is known only as people sign in, so the counts
 * here assume it can be as large as any step needs; the gate warns at request time when it is not.
 */
const UNKNOWN_MEMBERS = 1000;

function addUnknownMembers(eligible: Set<string>, ref: string): void {
  for (let i = 0; i < UNKNOWN_MEMBERS; i++) eligible.add(`${ref}#idp-${i}`);
}

function checkApproval(
  step: ApprovalStep,
  context: { directory: Directory; readsPlan: boolean; forbidsAutoApproval: boolean; environment: string },
  report: (path: PathSegment[], message: string) => void,
  reportInString: (path: PathSegment[], index: number, message: string) => void,
): void {
  const { directory } = context;
  const roleFromSignin = (email: string) =>
    directory.profiles?.some((p) => p.email.toLowerCase() === email.toLowerCase()) ?? false;
  const resolve = (refs: string[], path: PathSegment[]): Set<string> => {
    const eligible = new Set<string>();
    refs.forEach((ref, j) => {
      const [kind, ...rest] = ref.split(':');
      const value = rest.join(':');
      if (kind === 'user') {
        const user = directory.users.find((u) => u.email.toLowerCase() === value.toLowerCase());
        // Listed without a role: their IdP groups may make them an approver when they sign in.
        if (!user && roleFromSignin(value)) eligible.add(value.toLowerCase());
        else if (!user) report([...path, j], `${ref}: no such user in config/directory.yaml`);
        else if (user.role === 'viewer')
          report([...path, j], `${ref}: is a viewer, and viewers cannot approve`);
        else eligible.add(user.email.toLowerCase());
      } else if (kind === 'team') {
        const members = directory.teams[value];
        if (directory.idp?.teams[value]) addUnknownMembers(eligible, ref);
        if (!members) {
          const known = Object.keys(directory.teams).join(', ') || 'none';
          report([...path, j], `${ref}: no such team (config/directory.yaml has: ${known})`);
        } else {
          for (const m of members) {
            const user = directory.users.find((u) => u.email.toLowerCase() === m.toLowerCase());
            if ((user && user.role !== 'viewer') || (!user && roleFromSignin(m)))
              eligible.add(m.toLowerCase());
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
        if (directory.idp?.roles[value as Role]) addUnknownMembers(eligible, ref);
      }
    });
    return eligible;
  };
  const eligible = resolve(step.approvers, ['approvers']);
  if (step.required > eligible.size)
    report(
      ['required'],
      `requires ${step.required} approval(s) but the approvers include only ${eligible.size} people who can approve (viewers excluded)`,
    );
  const timeout = parseDuration(step.timeout);
  if (typeof step.require_signin === 'object') {
    const maxAge = parseDuration(step.require_signin.max_age);
    if (maxAge < 60 || maxAge > 3600)
      report(
        ['require_signin', 'max_age'],
        `${step.require_signin.max_age} is out of range; a sign-in counts as recent for 1m to 1h`,
      );
  }
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
  checkRules(step, eligible, context, resolve, report, reportInString);
}

/**
 * The approver rules and auto-approval: expressions that type-check, approvers who exist, and
 * rules that people can meet, each alone and all at once (when every rule matches).
 */
function checkRules(
  step: ApprovalStep,
  eligible: Set<string>,
  context: { readsPlan: boolean; forbidsAutoApproval: boolean; environment: string },
  resolve: (refs: string[], path: PathSegment[]) => Set<string>,
  report: (path: PathSegment[], message: string) => void,
  reportInString: (path: PathSegment[], index: number, message: string) => void,
): void {
  const checkExpression = (path: PathSegment[]) => (expression: string) => {
    const problem = checkRuleExpression(expression);
    if (problem) reportInString(path, problem.offset, `the expression ${problem.message}`);
  };
  const requirements = [{ required: step.required, shared: false, people: eligible }];
  let each = step.required <= eligible.size;
  step.rules.forEach((rule, k) => {
    checkExpression(['rules', k, 'when'])(rule.when);
    const people = rule.approvers ? resolve(rule.approvers, ['rules', k, 'approvers']) : eligible;
    requirements.push({ required: rule.required, shared: rule.shared, people });
    if (rule.required > people.size) {
      each = false;
      report(
        ['rules', k, 'required'],
        `requires ${rule.required} approval(s) but ${rule.approvers ? "the rule's approvers" : "the step's approvers"} include only ${people.size} people who can approve (viewers excluded); no run could meet this rule`,
      );
    }
  });
  const everyone = [...new Set(requirements.flatMap((r) => [...r.people]))];
  const asRequirements = requirements.map((r) => ({
    required: r.required,
    shared: r.shared,
    eligible: (email: string) => r.people.has(email),
  }));
  if (each && step.rules.length > 0 && !canMeet(asRequirements, everyone))
    report(
      ['rules'],
      `a plan that matches every rule could never be approved: the step's approvers and its rules need ${fewestApprovals(asRequirements)} distinct people, and there are not enough who can approve for each; add approvers, lower a required, or let a rule count approvals for the others too (shared: true)`,
    );
  if (step.auto_approve) {
    checkExpression(['auto_approve', 'when'])(step.auto_approve.when);
    if (context.forbidsAutoApproval)
      report(
        ['auto_approve'],
        `environment "${context.environment}" forbids auto-approval (auto_approve: never in its defaults, config/environments.yaml)`,
      );
  }
  if (!context.readsPlan && (step.rules.length > 0 || step.auto_approve))
    report(
      [step.rules.length > 0 ? 'rules' : 'auto_approve'],
      'reads the plan, but no plan step comes before this approval step',
    );
}

/**
 * The fix-up workflows a workflow's drift checks name (`fix_with`): each must be a loaded workflow
 * that is not a drift check itself (a fix-up that checks for drift would start another fix-up).
 * `known`: every workflow name of the folder; without it (some files only), a name not loaded
 * is not reported.
 */
export function checkFixUps(
  workflow: Workflow,
  loaded: { workflow: Workflow }[],
  source: YamlSource,
  known?: Set<string>,
): Problem[] {
  const problems: Problem[] = [];
  workflow.steps.forEach((step, i) => {
    if (step.type !== 'iac' || !step.fix_with) return;
    const report = (message: string) =>
      problems.push(
        source.problem(['steps', i, 'fix_with'], `steps[${i}] (${step.id}).fix_with: ${message}`),
      );
    const target = loaded.find((w) => w.workflow.name === step.fix_with)?.workflow;
    if (!target) {
      if (known && !known.has(step.fix_with))
        report(`no workflow is named "${step.fix_with}" (workflows/${step.fix_with}.yaml)`);
      return;
    }
    if (target.steps.some((s) => s.type === 'iac' && s.mode === 'drift'))
      report(
        `"${step.fix_with}" is a drift check workflow itself; name a workflow that plans and applies the fix`,
      );
  });
  return problems;
}
