/**
 * How a run stands, in the one vocabulary every page, the CLI and the API use (`outcome`), with a
 * sentence that says who or what decided it (`outcome_detail`). Derived from the run record, its
 * gates and the engine's error and cause; never shows JSON or a Step Functions error name.
 */
import { describeAutoApproval } from '../approval/gate.ts';
import { ErrorName } from '../errors.ts';
import type { Gate, RunRecord } from '../ports.ts';

/** Every outcome a run can show: the ended ones, then the ones still in progress. */
export const RUN_OUTCOMES = [
  'Succeeded',
  'No changes',
  'Rejected',
  'Timed out',
  'Cancelled',
  'Blocked by drift',
  'Apply failed',
  'Plan failed',
  'Bypassed',
  'Failed',
  'Running',
  'Waiting for approval',
  'Queued',
  'Frozen',
] as const;

/** One outcome of `RUN_OUTCOMES`. */
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** An outcome and the sentence that explains it. */
export interface OutcomeView {
  outcome: RunOutcome;
  outcome_detail: string;
}

/** What the outcome is derived from; `no_changes` is set on runs whose plan had nothing to apply. */
export interface OutcomeInput {
  run: RunRecord & { no_changes?: boolean };
  gates: Gate[];
  /** The step whose build waits for a build worker, while the run is queued. */
  queuedStep?: string;
  /** The apply a change freeze holds, and why (`frozen until …`), while it waits. */
  frozen?: { step_id: string; description: string };
}

/** The error name the local runtime fails an execution with when it stopped under it. */
const LOCAL_RESTART = 'LocalRuntimeRestarted';

/** An ISO time as people read it: `2026-11-25 23:55 UTC`. */
export function readableTime(iso: string | undefined): string {
  if (!iso) return 'an unknown time';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The first letter in upper case, and a full stop at the end unless there is one. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?'"”]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * The readable message in an engine cause: a Lambda's `errorMessage`, a gate's `message`, or the
 * plain text; undefined when the cause holds only machine data (a build's JSON description).
 */
export function causeMessage(cause: string | undefined): string | undefined {
  if (!cause?.trim()) return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'string') return parsed.trim() || undefined;
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const message = record.errorMessage ?? record.message;
      return typeof message === 'string' && message.trim() ? message.trim() : undefined;
    }
    return undefined;
  } catch {
    return cause.trim().split('\n')[0];
  }
}

/** `Alice Lead`, `Alice Lead and Bob Builder`, `A, B and C`. */
export function listNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** `approve (1 of 2 approvals)`: a gate's step and how far it got. */
function progressOf(gate: Gate): string {
  return `${gate.approved_by.length} of ${gate.required} approval${gate.required === 1 ? '' : 's'}`;
}

/** One sentence saying how a closed gate closed, or how far an open one got. */
export function describeGate(gate: Gate): string {
  const at = readableTime(gate.closed_at ?? gate.deadline);
  switch (gate.status) {
    case 'pending':
      return `Waiting for approval at step ${gate.step_id}: ${progressOf(gate)}, until ${readableTime(gate.deadline)}.`;
    case 'approved':
      if (gate.auto_approved) return `${describeAutoApproval(gate.auto_approved)} at ${at}.`;
      return `Approved by ${listNames(gate.approved_by.map((a) => a.name))} at ${at}.`;
    case 'rejected': {
      const by = gate.closed_by ? ` by ${gate.closed_by.name}` : '';
      return `Rejected${by} at ${at}${gate.close_comment ? `: '${gate.close_comment}'` : '.'}`;
    }
    case 'timed_out':
      return `Nobody decided before the deadline at ${at} (${progressOf(gate)}).`;
    case 'cancelled':
      return `Cancelled at ${at}${gate.close_comment ? `: ${gate.close_comment}` : '.'}`;
  }
}

/** The gate that ended the run: the last one closed other than approved. */
function closingGate(gates: Gate[]): Gate | undefined {
  return gates
    .filter((g) => g.status !== 'approved' && g.status !== 'pending')
    .sort((a, b) => (a.closed_at ?? '').localeCompare(b.closed_at ?? ''))
    .at(-1);
}

function ended(outcome: RunOutcome, detail: string): OutcomeView {
  return { outcome, outcome_detail: detail };
}

/** The run's outcome and its sentence. */
export function describeRunOutcome(input: OutcomeInput): OutcomeView {
  const { run, gates } = input;
  switch (run.status) {
    case 'RUNNING':
      return describeInProgress(input);
    case 'SUCCEEDED':
      return describeSuccess(run, gates);
    case 'ABORTED': {
      const message = causeMessage(run.cause);
      return ended(
        'Cancelled',
        `The run was stopped at ${readableTime(run.stopped_at)}${message ? `: ${message}` : '.'}`,
      );
    }
    case 'TIMED_OUT':
      return ended(
        'Timed out',
        `The run took longer than the engine allows and was stopped at ${readableTime(run.stopped_at)}.`,
      );
    case 'FAILED':
      return describeFailure(run, gates);
  }
}

function describeInProgress({ run, gates, queuedStep, frozen }: OutcomeInput): OutcomeView {
  const pending = gates.find((g) => g.status === 'pending');
  if (pending) return ended('Waiting for approval', describeGate(pending));
  if (frozen)
    return ended('Frozen', `Step ${frozen.step_id} waits: ${frozen.description.replace(/\.?$/, '.')}`);
  if (queuedStep) return ended('Queued', `Step ${queuedStep} is waiting for a build worker.`);
  return ended('Running', `Running since ${readableTime(run.started_at)}.`);
}

function describeSuccess(run: OutcomeInput['run'], gates: Gate[]): OutcomeView {
  const at = readableTime(run.stopped_at);
  if (run.no_changes) {
    return ended(
      'No changes',
      `The plan had no changes, so nothing needed approval or an apply; finished at ${at}.`,
    );
  }
  if (run.bypass) {
    return ended(
      'Bypassed',
      `Emergency bypass: applied without an approval gate at ${at}${run.reason ? ` (reason: '${run.reason}')` : ''}; flagged for post-incident review.`,
    );
  }
  const approvers = gates
    .filter((g) => g.status === 'approved')
    .flatMap((g) => g.approved_by.map((a) => a.name));
  const by = approvers.length > 0 ? ` Approved by ${listNames([...new Set(approvers)])}.` : '';
  const auto = gates.flatMap((g) => (g.status === 'approved' && g.auto_approved ? [g.auto_approved] : []));
  const signoff = auto.map((a) => ` ${describeAutoApproval(a)}.`).join('');
  return ended('Succeeded', `Finished at ${at}.${by}${signoff}`);
}

function describeFailure(run: OutcomeInput['run'], gates: Gate[]): OutcomeView {
  const message = causeMessage(run.cause);
  const because = (fallback: string) => sentence(message ?? fallback);
  const gate = closingGate(gates);
  switch (run.error) {
    case ErrorName.Rejected:
      return ended('Rejected', gate?.status === 'rejected' ? describeGate(gate) : rejectedFromCause(run));
    case ErrorName.Cancelled:
    case ErrorName.TimedOut:
      if (gate?.status === 'timed_out' || (!gate && run.error === ErrorName.TimedOut)) {
        return ended(
          'Timed out',
          gate
            ? `${describeGate(gate)} The run was ${run.error === ErrorName.TimedOut ? 'rejected' : 'cancelled'}.`
            : 'Nobody decided before the deadline; the run was rejected.',
        );
      }
      return ended('Cancelled', gate ? describeGate(gate) : because('the approval gate was cancelled'));
    case ErrorName.PlanDrift:
      return ended('Blocked by drift', `Apply blocked: ${because('the plan changed since it was approved')}`);
    case ErrorName.ApplyFailed:
      return ended('Apply failed', because('the apply failed'));
    case ErrorName.PlanFailed:
      return ended('Plan failed', because('the plan failed'));
    case ErrorName.PolicyFailed:
      return ended('Plan failed', because('mandatory policies failed on the plan'));
    case ErrorName.ProjectLocked:
      return ended('Cancelled', because('another run held the project lock for too long'));
    case ErrorName.Stopped:
      return ended('Cancelled', because(`the run was stopped at ${readableTime(run.stopped_at)}`));
    case ErrorName.Frozen:
      return ended('Cancelled', `Apply refused: ${because('a change freeze was in effect')}`);
    case ErrorName.ConditionFieldMissing:
      return ended('Failed', because('a condition read a value the run does not have'));
    case LOCAL_RESTART:
      return ended('Cancelled', because('the local runtime stopped while this run was running'));
    default:
      return ended(
        'Failed',
        message ? `The run failed: ${sentence(message)}` : describeEngineError(run.error),
      );
  }
}

/** A rejection read from the gate's cause when the gate itself is not at hand. */
function rejectedFromCause(run: RunRecord): string {
  let cause: { closed_by?: { name?: string }; closed_at?: string; comment?: string } | undefined;
  try {
    const parsed: unknown = JSON.parse(run.cause ?? '');
    if (parsed && typeof parsed === 'object') cause = parsed as typeof cause;
  } catch {
    // Not a gate's cause: its words, if any, are the sentence.
  }
  if (!cause) {
    const message = causeMessage(run.cause);
    return message ? sentence(message) : 'Rejected.';
  }
  const by = cause.closed_by?.name ? ` by ${cause.closed_by.name}` : '';
  const when = cause.closed_at ?? run.stopped_at;
  const at = when ? ` at ${readableTime(when)}` : '';
  return `Rejected${by}${at}${cause.comment ? `: '${cause.comment}'` : '.'}`;
}

/** A sentence for an engine error that carries no message of its own. */
function describeEngineError(error: string | undefined): string {
  switch (error) {
    case 'States.Timeout':
      return 'A step took longer than its time limit.';
    case 'States.TaskFailed':
      return 'A task of the run failed.';
    case 'States.DataLimitExceeded':
      return 'A step produced more data than the engine can pass on (256 KB).';
    case 'States.Permissions':
      return 'The engine was not allowed to run a step.';
    default:
      return 'The run failed.';
  }
}

/**
 * One sentence for a failed step row: the gate's own sentence for an approval step, else what the
 * error means. `error` is the engine's error name for the step, or the gate's status.
 */
export function describeStepError(error: string, gate: Gate | undefined): string {
  if (gate && gate.status !== 'pending' && gate.status !== 'approved') return describeGate(gate);
  switch (error) {
    case ErrorName.Rejected:
      return 'Rejected.';
    case ErrorName.Cancelled:
      return 'The approval was cancelled.';
    case ErrorName.TimedOut:
      return 'Nobody decided before the deadline.';
    case ErrorName.PlanFailed:
      return 'The plan failed.';
    case ErrorName.PolicyFailed:
      return 'Mandatory policies failed on the plan.';
    case ErrorName.PlanDrift:
      return 'Blocked: the plan changed since it was approved.';
    case ErrorName.ApplyFailed:
      return 'The apply failed.';
    case ErrorName.ProjectLocked:
      return 'Another run held the project lock for too long.';
    case ErrorName.Frozen:
      return 'Refused: a change freeze was in effect (it says apply: fail).';
    case ErrorName.ConditionFieldMissing:
      return 'The condition read a value the run does not have.';
    case 'rejected':
      return 'Rejected.';
    case 'timed_out':
      return 'Nobody decided before the deadline.';
    case 'cancelled':
      return 'The approval was cancelled.';
    default:
      return describeEngineError(error);
  }
}

/** `1 of 2`: approvals of the run's current or last gate, or undefined for a run without gates. */
export function gateProgress(gates: Gate[]): string | undefined {
  const current =
    gates.find((g) => g.status === 'pending') ??
    [...gates].sort((a, b) => a.requested_at.localeCompare(b.requested_at)).at(-1);
  if (!current) return undefined;
  return `${Math.min(current.approved_by.length, current.required)} of ${current.required}`;
}
