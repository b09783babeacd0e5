/**
 * Tells the waiting Step Functions task how a closed gate ended, exactly as often as needed:
 * the writer that closed the gate calls it once, recovery calls it again only under a lease.
 */
import type { ApprovalDecision } from '../../../statemachines/contract.ts';
import { ErrorName } from '../errors.ts';
import type { EngineResult, Gate } from '../ports.ts';
import { logOf, type VoteDeps } from './approval-deps.ts';
import { closedReason } from './eligibility.ts';
import { TaskGoneError } from './task-gone-error.ts';

/** The SendTaskSuccess output of an approved gate (lands in `$.data.approval`). */
export function buildApprovalDecision(gate: Gate): ApprovalDecision {
  return {
    gate_id: gate.gate_id,
    step_id: gate.step_id,
    status: 'approved',
    approved_by: gate.approved_by.map((a) => ({
      email: a.email,
      name: a.name,
      at: a.at,
      channel: a.channel,
      ...(a.comment !== undefined ? { comment: a.comment } : {}),
    })),
    approved_by_count: gate.approved_by.length,
    requested_at: gate.requested_at,
    decided_at: gate.closed_at ?? gate.requested_at,
    plan_hash: gate.data.plan?.hash ?? null,
    ...(gate.auto_approved ? { auto_approved: gate.auto_approved } : {}),
  };
}

/** The SendTaskFailure cause of a closed gate: JSON with a readable `message` and who decided. */
export function failureCause(gate: Gate): string {
  return JSON.stringify({
    message: closedReason(gate),
    gate_id: gate.gate_id,
    step_id: gate.step_id,
    status: gate.status,
    closed_at: gate.closed_at,
    closed_by: gate.closed_by,
    comment: gate.close_comment,
  });
}

/** What the task must hear for a closed gate, or undefined when the engine needs nothing. */
function engineCall(
  gate: Gate,
): { success: ApprovalDecision } | { error: string; cause: string } | undefined {
  switch (gate.status) {
    case 'approved':
      return { success: buildApprovalDecision(gate) };
    case 'rejected':
      return { error: ErrorName.Rejected, cause: failureCause(gate) };
    case 'cancelled':
      return { error: ErrorName.Cancelled, cause: failureCause(gate) };
    case 'timed_out':
      return {
        error: gate.config.on_timeout === 'reject' ? ErrorName.TimedOut : ErrorName.Cancelled,
        cause: failureCause(gate),
      };
    case 'pending':
      return undefined;
  }
}

/**
 * Sends the closed gate's outcome to the engine and records that it did. Returns `failed` (and
 * leaves the gate for recovery) when the engine could not be reached; never throws for that.
 */
export async function tellEngine(deps: VoteDeps, gate: Gate): Promise<EngineResult | 'failed'> {
  const log = logOf(deps);
  const call = engineCall(gate);
  if (!call) return 'failed';
  const token = await deps.gates.getTaskToken(gate.gate_id);
  let result: EngineResult;
  try {
    if (!token) throw new TaskGoneError(`gate ${gate.gate_id} has no task token`);
    if ('success' in call) await deps.engine.sendTaskSuccess(token, call.success);
    else await deps.engine.sendTaskFailure(token, call.error, call.cause);
    result = 'sent';
  } catch (error) {
    if (!(error instanceof TaskGoneError)) {
      log.error('engine call failed; the gate stays marked for recovery', {
        gate_id: gate.gate_id,
        status: gate.status,
        // The name only: engine error messages may quote the task token.
        error: error instanceof Error ? error.name : typeof error,
      });
      return 'failed';
    }
    log.warn('the engine no longer waits for this gate', { gate_id: gate.gate_id, status: gate.status });
    result = 'too_late';
  }
  await deps.gates.markEngineNotified(gate.gate_id, result);
  return result;
}
