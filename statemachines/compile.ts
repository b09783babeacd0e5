import { ErrorName } from '../functions/core/errors.ts';
import {
  BUILD_ENV,
  type GateConfig,
  type GateRuleExpressions,
  type NotifyInput,
  PLACEHOLDER,
} from './contract.ts';
import {
  type ApprovalStep,
  CONDITION_ROOTS,
  type ConditionStep,
  DEFAULT_SIGNIN_MAX_AGE,
  type HttpStep,
  type IacStep,
  parseDuration,
  type Step,
  type Workflow,
} from './schema.ts';
import {
  alwaysGatedBetween,
  followingGates,
  lockedProjects,
  planStepFor,
  plansBefore,
} from './workflow-graph.ts';

/** An Amazon States Language state, as plain JSON. */
export type AslState = Record<string, unknown>;

/** A compiled state machine definition (JSONPath query language). */
export interface AslDefinition {
  Comment: string;
  QueryLanguage: 'JSONPath';
  StartAt: string;
  States: Record<string, AslState>;
}

/**
 * Lambda's transient errors, retried as the Step Functions Developer Guide recommends for every
 * Lambda task ("Handling transient Lambda service exceptions"), plus throttling.
 */
export const LAMBDA_RETRY = [
  {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.ClientExecutionTimeoutException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
];

/**
 * StartBuild refused before any build ran: the account's build quota (CodeBuild API Reference,
 * StartBuild, AccountLimitExceededException) or throttling and other service errors, which the
 * CodeBuild integration surfaces as `CodeBuild.<exception>` (the service exception is named
 * CodeBuildException or AWSCodeBuildException depending on the SDK generation behind it). A
 * build that ran and failed ends the task with States.TaskFailed and the build as its Cause,
 * which is not listed here: a failed plan or apply is never run a second time. Capped, jittered
 * backoff (Developer Guide, "Handling errors", MaxDelaySeconds and JitterStrategy) waits up to
 * about ten minutes for a running build to free the quota.
 */
export const CODEBUILD_RETRY = [
  {
    ErrorEquals: [
      'CodeBuild.AccountLimitExceededException',
      'CodeBuild.CodeBuildException',
      'CodeBuild.AWSCodeBuildException',
    ],
    IntervalSeconds: 10,
    MaxAttempts: 8,
    BackoffRate: 2,
    MaxDelaySeconds: 120,
    JitterStrategy: 'FULL',
  },
];
const LAMBDA_TIMEOUT_SECONDS = 300;

/** How long after a gate's deadline the engine's own timeout fires, as a backstop. */
export const APPROVAL_BACKSTOP_SECONDS = 60;
const FAILED = 'Failed';
const SUCCEEDED = 'Succeeded';
const INITIALIZE = 'Initialize';
/** The project-lock states; capitalised, so no step id (lowercase) can take their names. */
export const LOCK_STATES = {
  start: 'LockProjects',
  acquire: 'AcquireProjectLocks',
  held: 'ProjectLocksHeld',
  wait: 'WaitForProjectLock',
} as const;
/**
 * The no-changes path in front of a gate that follows a plan; capitalised, so no step id can take
 * these names, and a skipped gate's step shows as skipped, not run.
 */
export const NO_CHANGES_STATES = {
  check: (gate: string) => `HasChanges.${gate}`,
  skip: (gate: string) => `SkipGate.${gate}`,
  end: 'NoChanges',
} as const;

/**
 * The freeze check in front of an apply step; capitalised, so no step id can take these names.
 * `frozen` is the Wait a frozen apply shows as its current state.
 */
export const FREEZE_STATES = {
  start: (step: string) => `Freeze.${step}`,
  check: (step: string) => `CheckFreeze.${step}`,
  choice: (step: string) => `IsFrozen.${step}`,
  frozen: (step: string) => `Frozen.${step}`,
} as const;

const ref = (name: string) => `\${${name}}`;

/**
 * A drift check's extra states (capitalised prefixes, so no step id can take their names): the
 * Choice in front of an http step that runs only on drift, and the task after a drift check.
 */
export const DRIFT_STATES = {
  ifDrifted: (step: string) => `IfDrifted.${step}`,
  record: (step: string) => `${step}.record`,
} as const;

/** How a failure continues: through the failure notifications, or straight to the always-steps. */
type FailureRoute = 'notify' | 'stop';

/** How a workflow's builds get their source. */
export interface CompileOptions {
  /**
   * `repository`: every build checks out the run's commit (`SourceVersion` from
   * `$.data.source.checkout`) and the first build's resolved commit is kept for the others.
   * `snapshot` (the default): builds use the project's own source, the deploy-time copy.
   */
  source?: 'repository' | 'snapshot';
}

/**
 * Compiles a validated workflow into ASL. Resource ARNs are `${Placeholder}` references that
 * the CDK stack and the local runtime substitute; the output is deterministic.
 */
export function compileWorkflow(workflow: Workflow, options: CompileOptions = {}): AslDefinition {
  const fromRepository = options.source === 'repository';
  const states: Record<string, AslState> = {};
  const steps = workflow.steps;
  const add = (name: string, state: AslState) => {
    if (states[name]) throw new Error(`internal: state name ${name} used twice`);
    states[name] = state;
  };

  const runsOnSuccess = (s: Step) => s.type !== 'http' || s.run_on !== 'failure';
  const onlyWhenDrifted = (s: Step) => s.type === 'http' && s.run_on === 'drifted';
  /** A gate that follows a plan is entered through its change check, unless it opts out. */
  const checksChanges = (s: Step) =>
    s.type === 'approval' && !s.gate_on_no_changes && plansBefore(workflow, s).length > 0;
  /** The state a jump to step `index` enters on the success route. */
  const entry = (index: number): string => {
    for (let i = index; i < steps.length; i++) {
      const s = steps[i] as Step;
      if (!runsOnSuccess(s)) continue;
      if (checksChanges(s)) return NO_CHANGES_STATES.check(s.id);
      if (s.type === 'iac' && s.action === 'apply') return FREEZE_STATES.start(s.id);
      return onlyWhenDrifted(s) ? DRIFT_STATES.ifDrifted(s.id) : s.id;
    }
    return SUCCEEDED;
  };
  const nextAfter = (index: number) => entry(index + 1);

  const failureChain = (route: FailureRoute): HttpStep[] =>
    steps.filter(
      (s): s is HttpStep =>
        s.type === 'http' && (s.run_on === 'always' || (route === 'notify' && s.run_on === 'failure')),
    );
  const suffix = { notify: 'failed', stop: 'stopped' } as const;
  const usedRoutes = new Set<FailureRoute>();
  const failureEntry = (route: FailureRoute): string => {
    usedRoutes.add(route);
    const first = failureChain(route)[0];
    return first ? `${first.id}.${suffix[route]}` : FAILED;
  };

  /** The notifications a run that ends with no changes sends: the steps that run on success, in order. */
  // A run with no changes found no drift to tell of: run_on drifted steps are not in it.
  const noChangesChain = steps.filter(
    (s): s is HttpStep => s.type === 'http' && runsOnSuccess(s) && !onlyWhenDrifted(s),
  );
  let noChangesUsed = false;
  const noChangesEntry = (): string => {
    noChangesUsed = true;
    const first = noChangesChain[0];
    return first ? `${first.id}.no_changes` : NO_CHANGES_STATES.end;
  };

  const projects = lockedProjects(workflow);
  // A run GitHub started goes through the lock task even with nothing to lock: it is also where
  // its check shows the run queued, then planning.
  const startsWithLocks = projects.length > 0 || workflow.triggers.github !== undefined;
  const afterInitialize = startsWithLocks ? LOCK_STATES.start : entry(0);
  add(
    INITIALIZE,
    fromRepository
      ? {
          Type: 'Pass',
          Comment:
            'Start with empty run data and the source every build checks out; the run identity is in $.run.',
          Parameters: { steps: {}, source: { 'checkout.$': '$.run.source.checkout' } },
          ResultPath: '$.data',
          Next: afterInitialize,
        }
      : {
          Type: 'Pass',
          Comment: 'Start with empty run data; the run identity is in $.run.',
          Result: { steps: {} },
          ResultPath: '$.data',
          Next: afterInitialize,
        },
  );
  if (startsWithLocks) compileLocks(workflow, projects, entry(0), failureEntry('notify'), add);

  steps.forEach((step, index) => {
    switch (step.type) {
      case 'iac':
        if (step.action === 'apply')
          compileFreezeCheck(
            workflow,
            step,
            failureEntry(step.on_failure === 'stop' ? 'stop' : 'notify'),
            add,
          );
        compileIac(
          workflow,
          step,
          nextAfter(index),
          failureEntry(step.on_failure === 'stop' ? 'stop' : 'notify'),
          add,
          fromRepository,
        );
        break;
      case 'approval':
        if (checksChanges(step))
          compileNoChangesCheck(
            step,
            plansBefore(workflow, step),
            noChangesEntry(),
            failureEntry('notify'),
            add,
          );
        compileApproval(workflow, step, nextAfter(index), failureEntry('notify'), add);
        break;
      case 'condition': {
        const target = (id: string) => entry(steps.findIndex((s) => s.id === id));
        compileCondition(step, target(step.then), target(step.else), failureEntry('notify'), add);
        break;
      }
      case 'http':
        if (onlyWhenDrifted(step)) compileIfDrifted(step, nextAfter(index), add);
        if (runsOnSuccess(step)) add(step.id, notifyTask(step, 'succeeded', nextAfter(index)));
        break;
    }
  });

  for (const route of ['notify', 'stop'] as const) {
    if (!usedRoutes.has(route)) continue;
    const chain = failureChain(route);
    chain.forEach((step, i) => {
      const next = chain[i + 1];
      add(
        `${step.id}.${suffix[route]}`,
        notifyTask(step, 'failed', next ? `${next.id}.${suffix[route]}` : FAILED),
      );
    });
  }

  if (noChangesUsed) {
    noChangesChain.forEach((step, i) => {
      const next = noChangesChain[i + 1];
      add(
        `${step.id}.no_changes`,
        notifyTask(step, 'no_changes', next ? `${next.id}.no_changes` : NO_CHANGES_STATES.end),
      );
    });
    add(NO_CHANGES_STATES.end, {
      Type: 'Succeed',
      Comment: 'The plan has no changes: nothing to approve or apply',
    });
  }
  add(SUCCEEDED, { Type: 'Succeed' });
  if (usedRoutes.size > 0) {
    add(FAILED, { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  }

  return {
    Comment: `signoff workflow ${workflow.name}${workflow.description ? `: ${workflow.description.trim()}` : ''}`,
    QueryLanguage: 'JSONPath',
    StartAt: INITIALIZE,
    States: states,
  };
}

type Add = (name: string, state: AslState) => void;

/**
 * The longest a run of the workflow can take once it holds its locks: every step's own timeout
 * with its retries, plus a margin. The lock's lease is this long, so only a run that crashed (or
 * whose end was never recorded) loses its lock to the lease.
 */
export function lockLeaseSeconds(workflow: Workflow): number {
  const lambdaTask = LAMBDA_TIMEOUT_SECONDS * (1 + (LAMBDA_RETRY[0]?.MaxAttempts ?? 0));
  // CodeBuild's quota retries back off for up to about 15 minutes in all.
  const buildRetries = 900;
  let total = 600;
  for (const step of workflow.steps) {
    if (step.type === 'iac') total += parseDuration(step.timeout) + buildRetries + lambdaTask;
    if (step.type === 'approval')
      total += parseDuration(step.timeout) + APPROVAL_BACKSTOP_SECONDS + 2 * lambdaTask;
    if (step.type === 'http') total += 60 * (1 + (LAMBDA_RETRY[0]?.MaxAttempts ?? 0));
  }
  return total;
}

/**
 * Takes the lock of every project the workflow touches before its first step: a task that tries,
 * and a Choice/Wait loop that tries again while another run holds one, for up to `lock.wait`;
 * then the task fails the run with ProjectLocked, naming the holder. The locks are released when
 * the run ends, however it ends (functions/core/runs/record-run-end.ts).
 */
function compileLocks(workflow: Workflow, projects: string[], next: string, onFailure: string, add: Add) {
  add(LOCK_STATES.start, {
    Type: 'Pass',
    Comment:
      projects.length > 0
        ? `Lock ${projects.join(', ')} for the whole run`
        : 'Nothing to lock (no step applies); the task still reports the run started',
    Result: { waiting_since: null },
    ResultPath: '$.lock',
    Next: LOCK_STATES.acquire,
  });
  add(LOCK_STATES.acquire, {
    Type: 'Task',
    Comment: `Take the project locks, or say which run holds one; fails with ${ErrorName.ProjectLocked} after ${workflow.lock.wait}`,
    Resource: ref(PLACEHOLDER.runEnded),
    Parameters: {
      kind: 'acquire_project_locks',
      'run.$': '$.run',
      projects,
      wait_seconds: parseDuration(workflow.lock.wait),
      lease_seconds: lockLeaseSeconds(workflow),
      'waiting_since.$': '$.lock.waiting_since',
      supersede: workflow.supersede,
    },
    ResultPath: '$.lock',
    TimeoutSeconds: 60,
    Retry: LAMBDA_RETRY,
    Catch: catchAll(onFailure),
    Next: LOCK_STATES.held,
  });
  add(LOCK_STATES.held, {
    Type: 'Choice',
    Comment: 'Every project locked: go on; otherwise wait for the holder and try again',
    Choices: [{ Variable: '$.lock.acquired', BooleanEquals: true, Next: next }],
    Default: LOCK_STATES.wait,
  });
  add(LOCK_STATES.wait, {
    Type: 'Wait',
    Comment: 'Waiting for a project lock held by another run ($.lock.waiting_for names it)',
    SecondsPath: '$.lock.retry_after_seconds',
    Next: LOCK_STATES.acquire,
  });
}

/**
 * Checks the change freezes before an apply: a task that says go on, or when to check again
 * while a freeze holds the apply (the Wait is the run's visible "frozen" state), or fails the run
 * with Frozen when the freeze says so (functions/core/freeze/check-freeze.ts).
 */
function compileFreezeCheck(workflow: Workflow, step: IacStep, onFailure: string, add: Add) {
  add(FREEZE_STATES.start(step.id), {
    Type: 'Pass',
    Comment: `Check the change freezes before applying ${step.project}`,
    Result: { frozen_since: null },
    ResultPath: '$.freeze',
    Next: FREEZE_STATES.check(step.id),
  });
  add(FREEZE_STATES.check(step.id), {
    Type: 'Task',
    Comment: `Whether a change freeze holds the apply back; fails with ${ErrorName.Frozen} when the freeze says apply: fail`,
    Resource: ref(PLACEHOLDER.runEnded),
    Parameters: {
      kind: 'check_freeze',
      'run.$': '$.run',
      step_id: step.id,
      lease_seconds: lockLeaseSeconds(workflow),
      'frozen_since.$': '$.freeze.frozen_since',
    },
    ResultPath: '$.freeze',
    TimeoutSeconds: 60,
    Retry: LAMBDA_RETRY,
    Catch: catchAll(onFailure),
    Next: FREEZE_STATES.choice(step.id),
  });
  add(FREEZE_STATES.choice(step.id), {
    Type: 'Choice',
    Comment: 'No freeze in effect: apply; otherwise wait and check again',
    Choices: [{ Variable: '$.freeze.frozen', BooleanEquals: true, Next: FREEZE_STATES.frozen(step.id) }],
    Default: step.id,
  });
  add(FREEZE_STATES.frozen(step.id), {
    Type: 'Wait',
    Comment:
      'Frozen: the apply waits until $.freeze.recheck_at ($.freeze.until and $.freeze.freezes say why)',
    TimestampPath: '$.freeze.recheck_at',
    Next: FREEZE_STATES.check(step.id),
  });
}

function catchAll(next: string) {
  return [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: next }];
}

function compileIac(
  workflow: Workflow,
  step: IacStep,
  next: string,
  onFailure: string,
  add: Add,
  fromRepository: boolean,
): void {
  const planStep = step.action === 'apply' ? planStepFor(workflow, step) : undefined;
  const env: Record<string, unknown>[] = [
    { Name: BUILD_ENV.action, Type: 'PLAINTEXT', Value: step.action },
    { Name: BUILD_ENV.runId, Type: 'PLAINTEXT', 'Value.$': '$.run.id' },
    { Name: BUILD_ENV.stepId, Type: 'PLAINTEXT', Value: step.id },
    { Name: BUILD_ENV.project, Type: 'PLAINTEXT', Value: step.project },
  ];
  // The build evaluates the later gates' rules on the plan, where the plan and CEL already are.
  const driftCheck = step.mode === 'drift';
  if (driftCheck) env.push({ Name: BUILD_ENV.planMode, Type: 'PLAINTEXT', Value: 'drift' });
  const gates = step.action === 'plan' && !driftCheck ? ruleExpressionsAfter(workflow, step) : [];
  if (gates.length > 0)
    env.push({ Name: BUILD_ENV.gateRules, Type: 'PLAINTEXT', Value: JSON.stringify(gates) });
  let approvedHashPath: string | undefined;
  if (planStep) {
    // The apply must match what the approvers saw when a gate stands between plan and apply,
    // otherwise what the plan step produced.
    approvedHashPath = alwaysGatedBetween(workflow, planStep, step)
      ? '$.data.approval.plan_hash'
      : `$.data.steps.${planStep.id}.plan_hash`;
    env.push(
      { Name: BUILD_ENV.planFrom, Type: 'PLAINTEXT', Value: planStep.id },
      { Name: BUILD_ENV.approvedPlanHash, Type: 'PLAINTEXT', 'Value.$': approvedHashPath },
    );
  }
  add(step.id, {
    Type: 'Task',
    Comment: `${step.action} ${step.project}`,
    Resource: 'arn:aws:states:::codebuild:startBuild.sync',
    Parameters: {
      ProjectName: ref(PLACEHOLDER.buildProject(step.project, step.action)),
      // The run's commit: every build of the run checks out the same one (CodeBuild StartBuild,
      // sourceVersion: a commit ID, branch or tag for GitHub and CodeCommit sources).
      ...(fromRepository ? { 'SourceVersion.$': '$.data.source.checkout' } : {}),
      EnvironmentVariablesOverride: env,
    },
    ResultSelector: {
      'id.$': '$.Build.Id',
      'status.$': '$.Build.BuildStatus',
      // "For CodeCommit, GitHub, GitHub Enterprise, and BitBucket, the commit ID" (CodeBuild API
      // Reference, Build.resolvedSourceVersion).
      ...(fromRepository ? { 'source_version.$': '$.Build.ResolvedSourceVersion' } : {}),
    },
    ResultPath: '$.build',
    TimeoutSeconds: parseDuration(step.timeout),
    Retry: CODEBUILD_RETRY,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: `${step.id}.build_failed` }],
    Next: `${step.id}.summarize`,
  });
  add(`${step.id}.build_failed`, {
    Type: 'Pass',
    Parameters: { 'error.$': '$.caught' },
    ResultPath: '$.build',
    Next: `${step.id}.summarize`,
  });
  const parameters: Record<string, unknown> = {
    'run.$': '$.run',
    step_id: step.id,
    project: step.project,
    action: step.action,
    ...(driftCheck ? { mode: 'drift' } : {}),
    'build.$': '$.build',
    'data.$': '$.data',
  };
  if (planStep && approvedHashPath) {
    parameters.plan_from = planStep.id;
    parameters['approved_plan_hash.$'] = approvedHashPath;
  }
  add(`${step.id}.summarize`, {
    Type: 'Task',
    Comment: driftCheck
      ? 'Read what the drift check found; drift is reported, and only a failed plan fails with PlanFailed'
      : `Read the ${step.action} results; fails with ${step.action === 'plan' ? 'PlanFailed or PolicyFailed' : 'PlanDrift or ApplyFailed'}`,
    Resource: ref(PLACEHOLDER.summarizeStep),
    Parameters: parameters,
    ResultPath: '$.data',
    TimeoutSeconds: LAMBDA_TIMEOUT_SECONDS,
    Retry: LAMBDA_RETRY,
    Catch: catchAll(onFailure),
    Next: driftCheck ? DRIFT_STATES.record(step.id) : next,
  });
  if (driftCheck) compileDriftRecord(step, next, onFailure, add);
}

/**
 * After a drift check: the run-ended function records the project's drift status and history,
 * and on drift starts the fix-up run (`fix_with`), once per check however often the task is
 * retried. Its result (the fix-up run, or null) goes beside the step's data.
 */
function compileDriftRecord(step: IacStep, next: string, onFailure: string, add: Add): void {
  add(DRIFT_STATES.record(step.id), {
    Type: 'Task',
    Comment: step.fix_with
      ? `Record the drift status of ${step.project}; on drift start a run of ${step.fix_with}, which waits at its own gates`
      : `Record the drift status of ${step.project}`,
    Resource: ref(PLACEHOLDER.runEnded),
    Parameters: {
      kind: 'record_drift_check',
      'run.$': '$.run',
      step_id: step.id,
      project: step.project,
      ...(step.fix_with ? { fix_with: step.fix_with } : {}),
      'data.$': '$.data',
    },
    ResultPath: `$.data.steps.${step.id}.fix_up`,
    TimeoutSeconds: 60,
    Retry: LAMBDA_RETRY,
    Catch: catchAll(onFailure),
    Next: next,
  });
}

/**
 * The Choice in front of an http step with `run_on: drifted`: it sends when a drift check before
 * it found drift, and goes on to the next step otherwise. A Choice rule on a missing path fails the
 * state (Step Functions Developer Guide, "Choice state"), so the rule checks presence first.
 */
function compileIfDrifted(step: HttpStep, next: string, add: Add): void {
  const status = `${CONDITION_ROOTS.drift}.status`;
  add(DRIFT_STATES.ifDrifted(step.id), {
    Type: 'Choice',
    Comment: `Send ${step.id} only when a drift check found drift`,
    Choices: [
      {
        And: [
          { Variable: status, IsPresent: true },
          { Variable: status, StringEquals: 'drifted' },
        ],
        Next: step.id,
      },
    ],
    Default: next,
  });
}

/** The rule and auto-approval expressions of the approval steps after a plan step, which that plan's build evaluates. */
function ruleExpressionsAfter(workflow: Workflow, plan: IacStep): GateRuleExpressions[] {
  return workflow.steps
    .slice(workflow.steps.indexOf(plan) + 1)
    .filter(
      (s): s is ApprovalStep => s.type === 'approval' && (s.rules.length > 0 || s.auto_approve !== undefined),
    )
    .map((s) => ({
      step_id: s.id,
      rules: s.rules.map((r) => r.when),
      ...(s.auto_approve ? { auto_approve: s.auto_approve.when } : {}),
    }));
}

/**
 * The gate's static configuration as the request-approval handler receives it; with the workflow,
 * it names the approval steps that may follow and the conditions that decide (the gate card shows them).
 */
export function gateConfig(step: ApprovalStep, workflow?: Workflow): GateConfig {
  const notify: GateConfig['notify'] = { email: step.notify.email };
  const following = workflow ? followingGates(workflow, step) : [];
  // Only when there is something to say, so a gate with nothing after it compiles as before.
  const follows = following.length > 0 ? { follows: following } : {};
  if (step.notify.slack) notify.slack = step.notify.slack;
  return {
    name: step.name ?? step.id,
    approvers: step.approvers,
    required: step.required,
    timeout_seconds: parseDuration(step.timeout),
    on_timeout: step.on_timeout,
    include: step.include,
    notify,
    allow_self_approval: step.allow_self_approval,
    ...(step.require_signin !== false
      ? {
          require_signin: {
            max_age_seconds: parseDuration(
              step.require_signin === true ? DEFAULT_SIGNIN_MAX_AGE : step.require_signin.max_age,
            ),
          },
        }
      : {}),
    escalation: step.escalation.map((e) => ({
      after_seconds: parseDuration(e.after),
      approvers: e.approvers,
    })),
    ...follows,
    ...(workflow?.supersede === false ? { supersede: false } : {}),
    ...(step.rules.length > 0
      ? {
          rules: step.rules.map((r) => ({
            when: r.when,
            approvers: r.approvers ?? step.approvers,
            required: r.required,
            ...(r.reason ? { reason: r.reason } : {}),
            shared: r.shared,
          })),
        }
      : {}),
    ...(step.auto_approve ? { auto_approve: step.auto_approve } : {}),
  };
}

function compileApproval(
  workflow: Workflow,
  step: ApprovalStep,
  next: string,
  onFailure: string,
  add: Add,
): void {
  const config = gateConfig(step, workflow);
  add(step.id, {
    Type: 'Task',
    Comment: `Wait for ${config.required} approval(s) for up to ${step.timeout}`,
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: {
      FunctionName: ref(PLACEHOLDER.requestApproval),
      Payload: {
        'task_token.$': '$$.Task.Token',
        'run.$': '$.run',
        step_id: step.id,
        gate: config,
        'data.$': '$.data',
      },
    },
    ResultPath: '$.data.approval',
    // The gate's deadline is the only clock: votes are refused from it on, and this timer is a
    // backstop after it, so no vote counted before the deadline can lose a race with the engine.
    TimeoutSeconds: config.timeout_seconds + APPROVAL_BACKSTOP_SECONDS,
    Retry: LAMBDA_RETRY,
    Catch: [
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: `${step.id}.timed_out` },
      { ErrorEquals: [ErrorName.Rejected], ResultPath: '$.failure', Next: onFailure },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: onFailure },
    ],
    Next: next,
  });
  add(`${step.id}.timed_out`, {
    Type: 'Task',
    Comment: `Ask the gate how it ended: approved goes on; otherwise the run ends as ${step.on_timeout === 'cancel' ? ErrorName.Cancelled : ErrorName.TimedOut} (or Rejected)`,
    Resource: ref(PLACEHOLDER.recordTimeout),
    Parameters: { 'run.$': '$.run', step_id: step.id, on_timeout: step.on_timeout, 'error.$': '$.failure' },
    ResultPath: '$.timeout',
    TimeoutSeconds: LAMBDA_TIMEOUT_SECONDS,
    Retry: LAMBDA_RETRY,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.record_error', Next: onFailure }],
    Next: `${step.id}.gate_outcome`,
  });
  add(`${step.id}.gate_outcome`, {
    Type: 'Choice',
    Comment: 'An approval that closed the gate before its deadline carries the run on',
    Choices: [{ Variable: '$.timeout.approved', IsPresent: true, Next: `${step.id}.approved` }],
    Default: `${step.id}.not_approved`,
  });
  add(`${step.id}.approved`, {
    Type: 'Pass',
    InputPath: '$.timeout.approved',
    ResultPath: '$.data.approval',
    Next: next,
  });
  add(`${step.id}.not_approved`, {
    Type: 'Pass',
    InputPath: '$.timeout',
    ResultPath: '$.failure',
    Next: onFailure,
  });
}

/**
 * A Choice in front of a gate: when a plan before it found changes, or no plan before it ran,
 * the gate opens; when the plans that ran found none, a task records the skip (audit
 * `gate_skipped`, the run marked `no_changes`) and the run ends through its notifications. A
 * plan's count is `$.data.steps.<plan>.changes`; a Choice rule on a missing path fails the state
 * with States.Runtime (Step Functions Developer Guide, "Choice state"), so each rule checks that
 * the count is there and numeric first.
 */
function compileNoChangesCheck(
  step: ApprovalStep,
  plans: IacStep[],
  noChanges: string,
  onFailure: string,
  add: Add,
): void {
  const count = (plan: IacStep) => `$.data.steps.${plan.id}.changes`;
  const counted = (plan: IacStep, test: Record<string, unknown>) => ({
    And: [
      { Variable: count(plan), IsPresent: true },
      { Variable: count(plan), IsNumeric: true },
      { Variable: count(plan), ...test },
    ],
  });
  const any = (rules: Record<string, unknown>[]) => (rules.length === 1 ? rules[0] : { Or: rules });
  add(NO_CHANGES_STATES.check(step.id), {
    Type: 'Choice',
    Comment: `Open ${step.id} when ${plans.map((p) => p.id).join(' or ')} has changes; skip it when the plans that ran have none`,
    Choices: [
      { ...any(plans.map((p) => counted(p, { NumericGreaterThan: 0 }))), Next: step.id },
      { ...any(plans.map((p) => counted(p, { NumericEquals: 0 }))), Next: NO_CHANGES_STATES.skip(step.id) },
    ],
    Default: step.id,
  });
  add(NO_CHANGES_STATES.skip(step.id), {
    Type: 'Task',
    Comment: `Record that ${step.id} was skipped: the plan has no changes`,
    Resource: ref(PLACEHOLDER.runEnded),
    Parameters: {
      kind: 'skip_gate',
      'run.$': '$.run',
      step_id: step.id,
      gate_name: step.name ?? step.id,
      plans: plans.map((p) => p.id),
      'data.$': '$.data',
    },
    ResultPath: null,
    TimeoutSeconds: 60,
    Retry: LAMBDA_RETRY,
    Catch: catchAll(onFailure),
    Next: noChanges,
  });
}

const NUMERIC_OPS = {
  gt: 'NumericGreaterThan',
  gte: 'NumericGreaterThanEquals',
  lt: 'NumericLessThan',
  lte: 'NumericLessThanEquals',
} as const;

/** The JSONPath a condition field reads (`cost.monthly_delta` -> `$.data.cost.monthly_delta`). */
export function conditionPath(field: string): string {
  const [root, ...rest] = field.split('.');
  return [CONDITION_ROOTS[root as keyof typeof CONDITION_ROOTS], ...rest].join('.');
}

function comparison(step: ConditionStep): Record<string, unknown> {
  const { op, value } = step.if;
  const Variable = conditionPath(step.if.field);
  if (op !== 'eq' && op !== 'ne')
    return {
      And: [
        { Variable, IsNumeric: true },
        { Variable, [NUMERIC_OPS[op]]: value },
      ],
    };
  const [typeTest, operator] =
    typeof value === 'number'
      ? ['IsNumeric', 'NumericEquals']
      : typeof value === 'boolean'
        ? ['IsBoolean', 'BooleanEquals']
        : ['IsString', 'StringEquals'];
  const equals = {
    And: [
      { Variable, [typeTest]: true },
      { Variable, [operator]: value },
    ],
  };
  return op === 'eq' ? equals : { Not: equals };
}

function compileCondition(
  step: ConditionStep,
  thenState: string,
  elseState: string,
  onFailure: string,
  add: Add,
) {
  const Variable = conditionPath(step.if.field);
  const missing = { Or: [{ Not: { Variable, IsPresent: true } }, { Variable, IsNull: true }] };
  const missingNext =
    step.when_missing === 'then'
      ? thenState
      : step.when_missing === 'else'
        ? elseState
        : `${step.id}.missing`;
  add(step.id, {
    Type: 'Choice',
    Comment: `${step.if.field} ${step.if.op} ${JSON.stringify(step.if.value)}; missing -> ${step.when_missing}`,
    Choices: [
      { ...missing, Next: missingNext },
      { ...comparison(step), Next: thenState },
    ],
    Default: elseState,
  });
  if (step.when_missing === 'fail') {
    add(`${step.id}.missing`, {
      Type: 'Pass',
      Result: { Error: ErrorName.ConditionFieldMissing, Cause: `the run has no value for ${step.if.field}` },
      ResultPath: '$.failure',
      Next: onFailure,
    });
  }
}

function notifyTask(step: HttpStep, outcome: NotifyInput['outcome'], next: string): AslState {
  const http: Record<string, unknown> = { method: step.method, headers: step.headers };
  if (step.url) http.url = step.url;
  if (step.secret) http.secret = step.secret;
  if (step.body !== undefined) http.body = step.body;
  const parameters: Record<string, unknown> = {
    'run.$': '$.run',
    step_id: step.id,
    http,
    outcome,
    'data.$': '$.data',
  };
  if (outcome === 'failed') parameters['failure.$'] = '$.failure';
  return {
    Type: 'Task',
    Comment: `${step.method} the run summary (${outcome}); a failed notification does not change the run's outcome`,
    Resource: ref(PLACEHOLDER.notify),
    Parameters: parameters,
    ResultPath: null,
    TimeoutSeconds: 60,
    Retry: LAMBDA_RETRY,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.notify_error', Next: next }],
    Next: next,
  };
}

/** The placeholder names a compiled definition references, sorted. */
export function placeholdersOf(definition: AslDefinition): string[] {
  const names = new Set<string>();
  for (const m of JSON.stringify(definition).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)) names.add(m[1] as string);
  return [...names].sort();
}

/** Replaces every `${Name}` with its value; throws naming any placeholder left without one. */
export function substitutePlaceholders(
  definition: AslDefinition,
  values: Record<string, string>,
): AslDefinition {
  const missing = placeholdersOf(definition).filter((n) => values[n] === undefined);
  if (missing.length > 0) throw new Error(`no value for placeholder(s): ${missing.join(', ')}`);
  const text = JSON.stringify(definition).replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, n: string) =>
    JSON.stringify(values[n]).slice(1, -1),
  );
  return JSON.parse(text) as AslDefinition;
}
