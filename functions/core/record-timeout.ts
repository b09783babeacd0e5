/**
 * The gate's task timed out (the state machine caught States.Timeout): close the gate as
 * `timed_out`, audit it, tell the notifiers, and hand back the error that fails the run.
 */
import type { RecordTimeoutInput, StepError } from '../../statemachines/contract.ts';
import { logOf, type VoteDeps } from './approval-deps.ts';
import { closedReason, formatTime } from './eligibility.ts';
import { ErrorName } from './errors.ts';
import { gateAuditBase, gateIdFor, SYSTEM_ACTOR } from './gate.ts';
import type { Gate } from './ports.ts';
import { safely } from './safely.ts';

/** The `{ Error, Cause }` the state machine stores at `$.failure` before failing the run. */
export interface TimeoutFailure extends StepError {
  Error: typeof ErrorName.Cancelled | typeof ErrorName.TimedOut;
  Cause: string;
}

/** Marks the gate timed out (unless a vote closed it first, which the cause then says) and returns the run's error. */
export async function recordTimeout(deps: VoteDeps, input: RecordTimeoutInput): Promise<TimeoutFailure> {
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
    logOf(deps).warn('timeout arrived after the gate closed', { gate_id: gateId, status: closed.status });
    return failure(error, {
      gate_id: gateId,
      status: closed.status,
      message: `${closedReason(closed)} The decision reached the engine too late: the approval step had already timed out.`,
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
