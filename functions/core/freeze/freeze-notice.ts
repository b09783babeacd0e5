/**
 * What a gate card says about change freezes: one in effect now (approved applies wait, or fail),
 * or one starting before the gate's deadline. Approving stays possible either way: a freeze holds
 * applies back, not decisions.
 */
import type { FreezeDefinition } from '../../../statemachines/freezes.ts';
import { formatInZone } from '../../../statemachines/time-zone.ts';
import type { FreezeStore } from '../ports.ts';
import { describeFreeze } from './check-freeze.ts';
import { type AdhocFreeze, freezeStatus } from './freeze-windows.ts';

/** The notice for `workflow` at `now`, looking ahead to `until` (the gate's deadline); undefined when no freeze concerns it. */
export function freezeNotice(
  windows: readonly FreezeDefinition[],
  adhoc: readonly AdhocFreeze[],
  workflow: { name: string; environment: string },
  now: number,
  until: number,
): string | undefined {
  const status = freezeStatus(windows, adhoc, workflow, now, Math.max(0, until - now));
  if (status.active.length > 0)
    return status.apply === 'fail'
      ? `Applies are refused: ${describeFreeze(status)}.`
      : `An approved apply waits: ${describeFreeze(status)}.`;
  const next = status.upcoming[0];
  if (!next) return undefined;
  return `A change freeze starts ${formatInZone(new Date(next.start), next.timezone)} (${next.name}: ${next.reason}); an apply after that ${next.apply === 'fail' ? 'is refused' : 'waits until it ends'}.`;
}

/** The notice for a pending gate of `workflow`, read from the stores; never fails the page. */
export async function readFreezeNotice(
  deps: { freezes?: Pick<FreezeStore, 'list'>; freezeWindows?: readonly FreezeDefinition[] },
  workflow: { name: string; environment: string },
  now: number,
  until: number,
): Promise<string | undefined> {
  const adhoc = deps.freezes ? await deps.freezes.list().catch(() => []) : [];
  return freezeNotice(deps.freezeWindows ?? [], adhoc, workflow, now, until);
}
