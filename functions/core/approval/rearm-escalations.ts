/**
 * The local timer scheduler keeps escalations in memory, so a restart of the local runtime
 * forgets them while the gates they belong to still wait (their runs are resumed). This arms
 * again every escalation of a pending gate that has not fired; one already due fires at once.
 * (EventBridge Scheduler keeps its schedules: AWS never needs this.)
 */

import { safely } from '../safely.ts';
import type { ApprovalDeps } from './approval-deps.ts';

/** Schedules the unfired escalations of every pending gate; returns how many it scheduled. */
export async function rearmEscalations(
  deps: Pick<ApprovalDeps, 'gates' | 'scheduler' | 'log' | 'now'>,
): Promise<number> {
  let armed = 0;
  for (const gate of await deps.gates.listByStatus('pending', 500)) {
    const start = Date.parse(gate.requested_at);
    for (const [index, level] of gate.config.escalation.entries()) {
      const at = start + level.after_seconds * 1000;
      if (gate.escalations[String(index)] || at >= Date.parse(gate.deadline)) continue;
      await safely(deps, 'schedule escalation', () =>
        deps.scheduler.scheduleEscalation(gate.gate_id, index, new Date(at)),
      );
      armed += 1;
    }
  }
  return armed;
}
