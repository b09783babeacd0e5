/**
 * Gates whose run ended without them (the run was stopped, or the local runtime restarted
 * under it) would stay "pending" forever and invite votes that can change nothing. This closes
 * them as `cancelled`, audited with the run's end, and tells the notifiers.
 */

import type { RunEngine, RunStore } from '../ports.ts';
import { refreshRun } from '../runs/run-view.ts';
import type { VoteDeps } from './approval-deps.ts';
import { cancelGateOfEndedRun } from './cancel-gate.ts';

/** Closes every pending gate whose run is no longer running; returns how many it closed. */
export async function cancelOrphanGates(
  deps: VoteDeps & { runs: RunStore; runEngine: RunEngine },
): Promise<number> {
  let closed = 0;
  for (const gate of await deps.gates.listByStatus('pending', 500)) {
    const stored = await deps.runs.get(gate.run.id);
    if (!stored) continue;
    // Noticing the end here records it, and recording cancels the run's pending gates first; the
    // close below is then a conditional write that finds the gate closed. It still matters for a
    // run whose end was recorded earlier without the gate deps (a trigger's failed start).
    const run = await refreshRun(deps, stored);
    if (run.status === 'RUNNING') continue;
    if (await cancelGateOfEndedRun(deps, gate, run)) closed += 1;
  }
  return closed;
}
