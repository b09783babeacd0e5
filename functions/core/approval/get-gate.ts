/**
 * Read side for the UI and the API: a gate with its votes, or a run's gates. Never the task
 * token: the stores' reads do not return it.
 */

import type { Approver, Gate, Vote } from '../ports.ts';
import type { VoteDeps } from './approval-deps.ts';
import { askedPeople } from './gate.ts';

/** A gate as pages and the API show it. */
export interface GateView {
  gate: Gate;
  votes: Vote[];
  /** Everyone who may be asked: resolved approvers plus fired escalation levels. */
  asked: Approver[];
}

/** One gate with its votes (oldest first), or undefined when there is no such gate. */
export async function getGate(
  deps: Pick<VoteDeps, 'gates' | 'votes'>,
  gateId: string,
): Promise<GateView | undefined> {
  const gate = await deps.gates.get(gateId);
  if (!gate) return undefined;
  const votes = (await deps.votes.list(gateId)).sort((a, b) => a.at.localeCompare(b.at));
  return { gate, votes, asked: askedPeople(gate) };
}

/** Every gate of a run with its votes, in request order. */
export async function listRunGates(
  deps: Pick<VoteDeps, 'gates' | 'votes'>,
  runId: string,
): Promise<GateView[]> {
  const gates = await deps.gates.listByRun(runId);
  const views = await Promise.all(gates.map((g) => getGate(deps, g.gate_id)));
  return views.filter((v): v is GateView => v !== undefined);
}
