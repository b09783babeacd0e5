/**
 * The engine's backstop fired after the gate's deadline (the state machine caught
 * States.Timeout). The gate says what happened: a gate approved before its deadline carries the
 * run on; a rejected or cancelled one fails it as such; only a gate still pending is closed as
 * `timed_out` (audited, notified), and the run fails with that error.
 */
import type { ApprovalDecision, RecordTimeoutInput, StepError } from '../../../statemachines/contract.ts';
import { ErrorName } from '../errors.ts';
import type { Gate } from '../ports.ts';
import { safely } from '../safely.ts';
import { logOf, type VoteDeps } from './approval-deps.ts';
import { closedReason, formatTime } from './eligibility.ts';
import { gateAuditBase, gateIdFor, SYSTEM_ACTOR } from './gate.ts';
import { buildApprovalDecision, failureCause } from './tell-engine.ts';

/** The `{ Error, Cause }` the state machine stores at `$.failure` before failing the run. */
export interface TimeoutFailure extends StepError {
  Error: typeof ErrorName.Cancelled | typeof ErrorName.TimedOut | typeof ErrorName.Rejected;
  Cause: string;
}

/** What the gate said: the approval the run goes on with, or the error that fails it. */
export type TimeoutOutcome = TimeoutFailure | { approved: ApprovalDecision };

/** Asks the gate how it ended; closes it as timed out only if it is still pending. */
export async function recordTimeout(
  deps: Omit<VoteDeps, 'engine'>,
  input: RecordTimeoutInput,
): Promise<TimeoutOutcome> {
  const error = input.on_timeout === 'reject' ? ErrorName.TimedOut : ErrorName.Cancelled;
  const gateId = gateIdFor(input.run.id, input.step_id);
  const at = new Date(deps.now()).toISOString();
  const gate = await deps.gates.get(gateId);
  if (!gate) {
    logOf(deps).error('timeout for a gate that was never stored', { gate_id: gateId, run_id: input.run.id });
    return failure(error, {
      gate_id: gateId,
      message: `The approval step ${input.step_id} timed out at ${formatTime(at)}.`,
    });
  }
  const won = await deps.gates.close(gateId, {
    status: 'timed_out',
    closed_at: at,
    closed_by: SYSTEM_ACTOR.timeout,
    // The engine timed the task out itself: there is nothing to send it.
    engine_notified: true,
  });
  if (!won) {
    const closed = (await deps.gates.get(gateId)) ?? gate;
    logOf(deps).info('the backstop found the gate closed', { gate_id: gateId, status: closed.status });
    // What the voters were told is what happens: the gate's own outcome, not the engine's timer.
    if (closed.status === 'approved') return { approved: buildApprovalDecision(closed) };
    if (closed.status === 'rejected') return { Error: ErrorName.Rejected, Cause: failureCause(closed) };
    return failure(closed.status === 'cancelled' ? ErrorName.Cancelled : error, {
      gate_id: gateId,
      status: closed.status,
      message: closedReason(closed),
    });
  }
  const expired: Gate = {
    ...gate,
    status: 'timed_out',
    closed_at: at,
    closed_by: SYSTEM_ACTOR.timeout,
    engine_notified: true,
  };
  await deps.audit.append({
    ...gateAuditBase(gate),
    action: 'timed_out',
    actor: SYSTEM_ACTOR.timeout,
    at,
    response_time_ms: gate.config.timeout_seconds * 1000,
    details: {
      on_timeout: input.on_timeout,
      approvals: gate.approved_by.length,
      required: gate.required,
      deadline: gate.deadline,
    },
  });
  await safely(deps, 'notify expired', () => deps.notifier.expired(expired));
  return failure(error, {
    gate_id: gateId,
    status: 'timed_out',
    approvals: gate.approved_by.length,
    required: gate.required,
    message: `No decision within the gate's timeout: ${gate.approved_by.length} of ${gate.required} approvals when it timed out at ${formatTime(at)}.`,
  });
}

function failure(error: TimeoutFailure['Error'], cause: Record<string, unknown>): TimeoutFailure {
  return { Error: error, Cause: JSON.stringify(cause) };
}
