/**
 * Gates whose run ended without them (the run was stopped, or the local runtime restarted
 * under it) would stay "pending" forever and invite votes that can change nothing. This closes
 * them as `cancelled`, audited with the run's end, and tells the notifiers.
 */
import { logOf, type VoteDeps } from './approval-deps.ts';
import { gateAuditBase } from './gate.ts';
import type { Gate, RunEngine, RunStore } from './ports.ts';
import { refreshRun } from './run-view.ts';
import { safely } from './safely.ts';

const RUN_ENDED = { email: 'system:run-ended', name: 'Run ended' } as const;

/** Closes every pending gate whose run is no longer running; returns how many it closed. */
export async function cancelOrphanGates(
  deps: VoteDeps & { runs: RunStore; runEngine: RunEngine },
): Promise<number> {
  let closed = 0;
  for (const gate of await deps.gates.listByStatus('pending', 500)) {
    const stored = await deps.runs.get(gate.run.id);
    if (!stored) continue;
    const run = await refreshRun(deps, stored);
    if (run.status === 'RUNNING') continue;
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
    if (!won) continue;
    closed += 1;
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
  }
  return closed;
}
