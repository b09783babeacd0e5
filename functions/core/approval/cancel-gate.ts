/**
 * Closes a pending gate whose run ended without it (stopped by hand, failed, or the local
 * runtime restarted under it) as `cancelled`, audited with the run's end, and tells the
 * notifiers, so it does not stay "pending" and invite votes that can change nothing.
 */

import type { Gate, RunStatus } from '../ports.ts';
import { describeStepError } from '../runs/run-outcome.ts';
import { safely } from '../safely.ts';
import { logOf, type VoteDeps } from './approval-deps.ts';
import { gateAuditBase } from './gate.ts';

const RUN_ENDED = { email: 'system:run-ended', name: 'Run ended' } as const;
/** The error the local runtime fails an execution with when it stopped under it. */
const LOCAL_RESTART = 'LocalRuntimeRestarted';

/** Why a gate closes with its run, as the end of a sentence ("cancelled at ...: <reason>"). */
export function cancelReason(run: { status: RunStatus; error?: string | undefined }): string {
  if (run.error === LOCAL_RESTART)
    return 'the local runtime restarted while this gate was open, which ended its run';
  switch (run.status) {
    case 'ABORTED':
      return 'its run was stopped while this gate was open';
    case 'TIMED_OUT':
      return 'its run took longer than the engine allows and ended while this gate was open';
    case 'SUCCEEDED':
      return 'its run finished while this gate was open';
    default:
      return `its run failed${run.error ? ` (${describeStepError(run.error, undefined).replace(/\.$/, '').toLowerCase()})` : ''} while this gate was open`;
  }
}

/** Closes the gate as cancelled because its run ended; false when something else closed it first. */
export async function cancelGateOfEndedRun(
  deps: VoteDeps,
  gate: Gate,
  run: { status: RunStatus; error?: string | undefined },
): Promise<boolean> {
  const at = new Date(deps.now()).toISOString();
  const comment = cancelReason(run);
  const won = await deps.gates.close(gate.gate_id, {
    status: 'cancelled',
    closed_at: at,
    closed_by: RUN_ENDED,
    comment,
    // The task is gone with its run: there is nothing to tell the engine.
    engine_notified: true,
  });
  if (!won) return false;
  await deps.audit.append({
    ...gateAuditBase(gate),
    action: 'gate_cancelled',
    actor: RUN_ENDED,
    at,
    reason: comment,
  });
  const cancelled: Gate = {
    ...gate,
    status: 'cancelled',
    closed_at: at,
    closed_by: RUN_ENDED,
    close_comment: comment,
    engine_notified: true,
  };
  await safely(deps, 'notify cancelled', () => deps.notifier.decided(cancelled));
  logOf(deps).info('cancelled a gate whose run ended', { gate_id: gate.gate_id, run_id: gate.run.id });
  return true;
}
