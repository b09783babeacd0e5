/**
 * Read side of runs for the API, the CLI and the pages: a run with its workflow steps (folded
 * from the execution history) and its gates with their votes. Never a task token.
 */
import type { CostSummary } from '../../../statemachines/contract.ts';
import type { FreezeDefinition } from '../../../statemachines/freezes.ts';
import type { Workflow } from '../../../statemachines/schema.ts';
import type { VoteDeps } from '../approval/approval-deps.ts';
import { type GateView, listRunGates } from '../approval/get-gate.ts';
import { describeFreeze } from '../freeze/check-freeze.ts';
import { freezeStatus } from '../freeze/freeze-windows.ts';
import { githubTargetOf } from '../github/github-report.ts';
import type { GitHubReportStore } from '../github/github-report-store.ts';
import { type RunLockView, runLockViews } from '../locks/lock-views.ts';
import type {
  FreezeStore,
  Gate,
  GateStatus,
  LockStore,
  RunEngine,
  RunRecord,
  RunStatus,
  RunStore,
  StepRecord,
} from '../ports.ts';
import { recordRunEnd } from './record-run-end.ts';
import {
  describeRunOutcome,
  describeStepError,
  gateProgress,
  type OutcomeView,
  readableTime,
} from './run-outcome.ts';
import type { WorkflowCatalog } from './workflow-catalog.ts';

/** What reading runs needs. */
export type RunViewDeps = Pick<VoteDeps, 'gates' | 'votes' | 'now' | 'audit'> & {
  runs: RunStore;
  runEngine: RunEngine;
  workflows: WorkflowCatalog;
  locks: LockStore;
  /** Where the runs' GitHub reports stand; without it, runs show no GitHub failure. */
  githubReports?: Pick<GitHubReportStore, 'get'>;
  /** The freezes, to say why and until when a frozen apply waits; without them, it only shows frozen. */
  freezes?: Pick<FreezeStore, 'list'>;
  freezeWindows?: readonly FreezeDefinition[];
};

/** How reads treat an engine that cannot be reached. */
export interface EngineTolerance {
  /** Show what is stored instead of failing when the engine errs (pages); otherwise only a missing execution is tolerated. */
  tolerateEngineErrors?: boolean;
}

/**
 * How one workflow step stands: `pending` not reached yet, `queued` its build waits for a build
 * worker, `waiting` at a pending gate, `frozen` an apply a change freeze holds, `skipped` never reached.
 */
export type StepStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'waiting'
  | 'frozen'
  | 'succeeded'
  | 'failed'
  | 'skipped';

/** How one workflow step went in a run. */
export interface StepView {
  id: string;
  /** The step's type; `step` when the workflow is no longer in the catalog. */
  type: Workflow['steps'][number]['type'] | 'step';
  /** A human label: the step's name, or what it does (`Plan net`, `Approval (1 of team:x)`). */
  label: string;
  status: StepStatus;
  started_at?: string;
  ended_at?: string;
  duration_ms?: number;
  /** The engine's error name (or the gate's status) when the step failed. */
  error?: string;
  /** What went wrong as a sentence, when the step failed. */
  detail?: string;
}

/** A run with its steps and gates; `history_error` when the execution history could not be read. */
export interface RunView extends OutcomeView {
  run: RunRecord;
  steps: StepView[];
  gates: GateView[];
  /** The locks of the run's projects: held by this run, waited for by it, or held by another. */
  locks: RunLockView[];
  history_error?: string;
  /** `GitHub check not updated: …` while the run's GitHub report is owed (retried until it goes through). */
  github_failure?: string;
  /** The apply a change freeze holds, until when and why. */
  frozen?: FrozenStep;
}

/** An apply a change freeze holds. */
export interface FrozenStep {
  step_id: string;
  /** Absent: until an admin ends the freeze. */
  until?: string;
  freezes: { name: string; reason: string }[];
  /** `frozen until 2027-01-04 08:00 CET (year-end: Holidays)`. */
  description: string;
}

/** What a listed run's latest plan changes, and what it costs a month more or less. */
export interface RunChanges {
  add: number;
  change: number;
  destroy: number;
  /** The plan's monthly cost, when the gate carried one. */
  cost?: CostSummary;
}

/**
 * A listed run; `waiting_gate` is the id of a pending gate while the run waits on one,
 * `queued_step` the step whose build waits for a build worker, `locks` its project locks,
 * `gate_progress` the approvals of its current or last gate (`1 of 2`), `changes` its plan.
 */
export type RunListEntry = RunRecord &
  OutcomeView & {
    waiting_gate?: string;
    queued_step?: string;
    locks?: RunLockView[];
    gate_progress?: string;
    changes?: RunChanges;
  };

/** Pending gates read to mark which listed runs wait for approval. */
const PENDING_SCAN = 200;
/** The freeze check's states, named `<prefix>.<apply step>` (statemachines/compile.ts FREEZE_STATES). */
const FREEZE_PREFIXES = new Set(['Freeze', 'CheckFreeze', 'IsFrozen', 'Frozen']);

/** A state an apply a freeze holds is in: waiting, or checking again. */
function isFrozenState(state: string): boolean {
  return state.startsWith('Frozen.') || state.startsWith('CheckFreeze.') || state.startsWith('IsFrozen.');
}

/** States of the engine's own, outside every workflow step. */
const ENGINE_STATES = new Set([
  'Initialize',
  'Succeeded',
  'Failed',
  'LockProjects',
  'AcquireProjectLocks',
  'ProjectLocksHeld',
  'WaitForProjectLock',
  // A gate's change check and its skip (`HasChanges.approve`, `SkipGate.approve`): the gate's
  // step stays "skipped" when its plan had no changes.
  'HasChanges',
  'SkipGate',
  'NoChanges',
  // The Choice in front of a notification sent only on drift (`IfDrifted.notify`).
  'IfDrifted',
]);

function isMissingExecution(error: unknown): boolean {
  return (error as Error).name === 'ExecutionDoesNotExist';
}

/** A run's record, its status brought up to date from the engine (and the end persisted) while it shows RUNNING. */
export async function refreshRun(
  deps: Pick<RunViewDeps, 'runs' | 'runEngine' | 'audit'>,
  run: RunRecord,
  options: EngineTolerance = {},
): Promise<RunRecord> {
  if (run.status !== 'RUNNING') return run;
  let now: Awaited<ReturnType<RunEngine['describe']>>;
  try {
    now = await deps.runEngine.describe(run.execution_arn);
  } catch (error) {
    // The execution may not exist yet (a start in flight) or the engine may be down: show what we have.
    if (isMissingExecution(error) || options.tolerateEngineErrors) return run;
    throw error;
  }
  if (now.status === 'RUNNING') return run;
  const end = {
    status: now.status,
    stopped_at: now.stopped_at ?? new Date().toISOString(),
    error: now.error,
    cause: now.cause,
  };
  await recordRunEnd(deps, run.id, end);
  return { ...run, ...end };
}

/**
 * Folds state-level history into one row per workflow step in workflow order: internal states
 * (`plan.summarize`, `plan.build_failed`, `notify.failed`, ...) count toward their step, and
 * `gates` (approval step id -> its gate's status) marks a waiting or refused approval.
 */
export function foldSteps(
  workflow: Workflow | undefined,
  history: StepRecord[],
  runStatus: RunStatus,
  gates: Record<string, GateStatus> = {},
): StepView[] {
  const byStep = new Map<string, StepRecord[]>();
  for (const record of history) {
    const [first = '', ...rest] = record.state.split('.');
    // The freeze check in front of an apply (`CheckFreeze.apply`) counts toward that apply.
    const id = FREEZE_PREFIXES.has(first) ? rest.join('.') : first;
    if (ENGINE_STATES.has(id)) continue;
    byStep.set(id, [...(byStep.get(id) ?? []), record]);
  }
  const steps: Pick<StepView, 'id' | 'type' | 'label'>[] = workflow
    ? workflow.steps.map((s) => ({ id: s.id, type: s.type, label: stepLabel(s) }))
    : [...byStep.keys()].map((id) => ({ id, type: 'step', label: id }));
  return steps.map((step): StepView => {
    const records = byStep.get(step.id) ?? [];
    if (records.length === 0) return { ...step, status: runStatus === 'RUNNING' ? 'pending' : 'skipped' };
    const first = records[0] as StepRecord;
    const last = records.at(-1) as StepRecord;
    const failed = records.find((r) => r.status === 'failed' || r.status === 'caught');
    const open = records.some((r) => !r.exited_at);
    let status: StepStatus = failed
      ? 'failed'
      : open
        ? last.status === 'queued'
          ? 'queued'
          : 'running'
        : 'succeeded';
    const gate = gates[step.id];
    if (gate === 'pending' && open) status = 'waiting';
    if (open && !failed && isFrozenState(last.state)) status = 'frozen';
    if (gate === 'rejected' || gate === 'timed_out' || gate === 'cancelled') status = 'failed';
    // Approved before its deadline: the engine's backstop timer may have fired, the gate decides.
    if (gate === 'approved' && !open) status = 'succeeded';
    // A state still open when the run ended was cut short.
    if (open && runStatus !== 'RUNNING') status = 'failed';
    const ended_at = open ? undefined : last.exited_at;
    const error = failed?.error ?? (gate && gate !== 'pending' && gate !== 'approved' ? gate : undefined);
    return {
      ...step,
      status,
      started_at: first.entered_at,
      ...(ended_at ? { ended_at, duration_ms: Date.parse(ended_at) - Date.parse(first.entered_at) } : {}),
      ...(error ? { error } : {}),
    };
  });
}

/** A step's human label: its name, or what it does. */
export function stepLabel(step: Workflow['steps'][number]): string {
  if (step.name) return step.name;
  switch (step.type) {
    case 'iac':
      if (step.mode === 'drift') return `Drift check ${step.project}`;
      return `${step.action === 'plan' ? 'Plan' : 'Apply'} ${step.project}`;
    case 'approval':
      return `Approval (${step.required} of ${step.approvers.join(', ')})`;
    case 'condition':
      return `If ${step.if.field} ${step.if.op} ${String(step.if.value)}`;
    case 'http':
      return `Notify (${step.run_on})`;
  }
}

async function readHistory(
  deps: Pick<RunViewDeps, 'runEngine'>,
  run: RunRecord,
  options: EngineTolerance,
): Promise<{ records: StepRecord[]; error?: string }> {
  try {
    return { records: await deps.runEngine.history(run.execution_arn) };
  } catch (error) {
    if (isMissingExecution(error)) return { records: [] };
    if (options.tolerateEngineErrors)
      return { records: [], error: 'The execution history could not be read.' };
    throw error;
  }
}

/** Whether `value` can be a run id: an execution name of signoff's alphabet, 1-80 characters. */
export function isRunId(value: string): boolean {
  return /^[A-Za-z0-9_.:-]{1,80}$/.test(value);
}

/** One run with its steps and gates, or undefined when there is no such run. */
export async function getRunView(
  deps: RunViewDeps,
  runId: string,
  options: EngineTolerance = {},
): Promise<RunView | undefined> {
  // A run id is a Step Functions execution name; anything else is no run, and never reaches the store.
  const stored = isRunId(runId) ? await deps.runs.get(runId) : undefined;
  if (!stored) return undefined;
  const run = await refreshRun(deps, stored, options);
  const [gates, history, github_failure] = await Promise.all([
    listRunGates(deps, run.id),
    readHistory(deps, run, options),
    githubFailureOf(deps, run),
  ]);
  const gateStatus: Record<string, GateStatus> = {};
  for (const g of gates) gateStatus[g.gate.step_id] = g.gate.status;
  const gateOfStep = new Map(gates.map((g) => [g.gate.step_id, g.gate]));
  const steps = foldSteps(deps.workflows.get(run.workflow), history.records, run.status, gateStatus).map(
    (s): StepView => (s.error ? { ...s, detail: describeStepError(s.error, gateOfStep.get(s.id)) } : s),
  );
  const [locks = []] = await runLockViews(deps, [run]);
  const queued = steps.find((s) => s.status === 'queued')?.id;
  const frozenStep = steps.find((s) => s.status === 'frozen')?.id;
  const frozen = frozenStep ? await frozenStepOf(deps, run, frozenStep) : undefined;
  const outcome = describeRunOutcome({
    run,
    gates: gates.map((g) => g.gate),
    ...(queued ? { queuedStep: queued } : {}),
    ...(frozen ? { frozen } : {}),
  });
  return {
    run,
    ...outcome,
    steps,
    gates,
    locks,
    ...(history.error ? { history_error: history.error } : {}),
    ...(github_failure ? { github_failure } : {}),
    ...(frozen ? { frozen } : {}),
  };
}

/** Why and until when a freeze holds the run's apply, as the freezes stand now. */
async function frozenStepOf(deps: RunViewDeps, run: RunRecord, stepId: string): Promise<FrozenStep> {
  const status = freezeStatus(
    deps.freezeWindows ?? [],
    deps.freezes ? await deps.freezes.list() : [],
    { name: run.workflow, environment: run.environment },
    deps.now(),
    0,
  );
  return {
    step_id: stepId,
    ...(status.until !== undefined ? { until: new Date(status.until).toISOString() } : {}),
    freezes: status.active.map((w) => ({ name: w.name, reason: w.reason })),
    description:
      status.active.length > 0
        ? describeFreeze(status)
        : 'the freeze has ended; the apply goes on at its next check',
  };
}

/** Why GitHub does not show the run as it stands, for runs a pull request started; never fails the page. */
async function githubFailureOf(deps: RunViewDeps, run: RunRecord): Promise<string | undefined> {
  if (!deps.githubReports || !githubTargetOf(run)) return undefined;
  const failure = (await deps.githubReports.get(run.id).catch(() => undefined))?.failure;
  if (!failure) return undefined;
  const tries = `${failure.attempts} failed ${failure.attempts === 1 ? 'try' : 'tries'}`;
  const next = failure.given_up_at
    ? `retried no more since ${readableTime(failure.given_up_at)}; the run's next change tries again`
    : `next try after ${readableTime(failure.retry_at)}`;
  return `GitHub check not updated: ${failure.reason} (${tries}; ${next}).`;
}

/**
 * Runs newest first (status refreshed), each marked with `waiting_gate` while a pending gate holds
 * it; `waiting` lists only those. With `waiting`, `limit` bounds the pending gates read. `gates`
 * narrows `waiting` to the runs of those pending gates (the gates awaiting one person's vote).
 */
export async function listRunViews(
  deps: RunViewDeps,
  filter: { workflow?: string; waiting?: boolean; gates?: Gate[] },
  page: { limit?: number; cursor?: string } = {},
  options: EngineTolerance = {},
): Promise<{ runs: RunListEntry[]; cursor?: string }> {
  const pending =
    filter.gates ??
    (await deps.gates.listByStatus('pending', filter.waiting ? (page.limit ?? 50) : PENDING_SCAN));
  const waitingGate = new Map<string, string>();
  for (const g of pending) if (!waitingGate.has(g.run.id)) waitingGate.set(g.run.id, g.gate_id);
  let runs: RunRecord[];
  let cursor: string | undefined;
  if (filter.waiting) {
    const found = await Promise.all([...waitingGate.keys()].map((id) => deps.runs.get(id)));
    runs = found
      .filter((r): r is RunRecord => r !== undefined)
      .filter((r) => !filter.workflow || r.workflow === filter.workflow)
      .sort((a, b) => b.started_at.localeCompare(a.started_at));
  } else {
    ({ runs, cursor } = await deps.runs.list({ workflow: filter.workflow }, page));
  }
  const live = await Promise.all(runs.map((r) => refreshRun(deps, r, options)));
  const locks = await runLockViews(deps, live);
  const entries = await Promise.all(
    live.map(async (run, i): Promise<RunListEntry> => {
      const gateId = waitingGate.get(run.id);
      const gates = await deps.gates.listByRun(run.id);
      const queued = run.status === 'RUNNING' && !gateId ? await queuedStepOf(deps, run) : undefined;
      const progress = gateProgress(gates);
      const changes = changesOf(gates);
      return {
        ...run,
        ...describeRunOutcome({ run, gates, ...(queued ? { queuedStep: queued } : {}) }),
        locks: locks[i] ?? [],
        ...(run.status === 'RUNNING' && gateId ? { waiting_gate: gateId } : {}),
        ...(queued ? { queued_step: queued } : {}),
        ...(progress ? { gate_progress: progress } : {}),
        ...(changes ? { changes } : {}),
      };
    }),
  );
  return {
    runs: filter.waiting ? entries.filter((r) => r.waiting_gate) : entries,
    ...(cursor ? { cursor } : {}),
  };
}

/** The plan and cost of the run's latest gate that carries a plan. */
function changesOf(gates: Gate[]): RunChanges | undefined {
  const data = [...gates]
    .sort((a, b) => b.requested_at.localeCompare(a.requested_at))
    .find((g) => g.data.plan)?.data;
  if (!data?.plan) return undefined;
  const { add, change, destroy } = data.plan;
  return { add, change, destroy, ...(data.cost ? { cost: data.cost } : {}) };
}

/** The step of a running run whose build waits for a worker, if any; a history that cannot be read shows none. */
async function queuedStepOf(
  deps: Pick<RunViewDeps, 'runEngine'>,
  run: RunRecord,
): Promise<string | undefined> {
  const { records } = await readHistory(deps, run, { tolerateEngineErrors: true });
  const last = records.at(-1);
  return last?.status === 'queued' && !last.exited_at ? last.state.split('.')[0] : undefined;
}
