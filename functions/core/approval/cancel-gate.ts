/**
 * Closes a pending gate whose run ended without it (stopped by hand, failed, or the local
 * runtime restarted under it) as `cancelled`, audited with the run's end, and tells the
 * notifiers, so it does not stay "pending" and invite votes that can change nothing.
 */

import type { Gate, RunStatus } from '../ports.ts';
import { safely } from '../safely.ts';
import { logOf, type VoteDeps } from './approval-deps.ts';
import { gateAuditBase } from './gate.ts';

const RUN_ENDED = { email: 'system:run-ended', name: 'Run ended' } as const;

/** Closes the gate as cancelled because its run ended; false when something else closed it first. */
export async function cancelGateOfEndedRun(
  deps: VoteDeps,
  gate: Gate,
  run: { status: RunStatus; error?: string | undefined },
): Promise<boolean> {
  const at = new Date(deps.now()).toISOString();
  const comment = `the run ended (${run.status}${run.error ? `: ${run.error}` : ''}) while this gate was open`;
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
