/**
 * Recovery: a gate that closed but whose engine call never happened (the process died in
 * between) gets its engine call now. Safe to run any time, from anywhere, as often as wanted.
 */

import type { EngineResult, Gate, GateStatus } from '../ports.ts';
import type { VoteDeps } from './approval-deps.ts';
import { tellEngine } from './tell-engine.ts';

/**
 * How long the writer that closed a gate (or a recoverer) holds the engine call before anyone
 * else may make it: long enough for a slow SendTask* with SDK retries, short enough to recover.
 */
export const ENGINE_CALL_LEASE_MS = 20_000;

/** What resumeGate found and did. */
export type ResumeOutcome =
  | { kind: 'not_found'; gate_id: string }
  | { kind: 'pending'; gate_id: string }
  | { kind: 'nothing_to_do'; gate_id: string; status: GateStatus; engine_result?: EngineResult }
  | { kind: 'busy'; gate_id: string; status: GateStatus }
  | { kind: 'resumed'; gate_id: string; status: GateStatus; engine_result: EngineResult | 'failed' };

/** Makes the engine call of a closed gate if it is owed, under a short lease so recoverers never race. */
export async function recoverEngineCall(deps: VoteDeps, gate: Gate): Promise<ResumeOutcome> {
  const id = gate.gate_id;
  if (gate.status === 'pending') return { kind: 'pending', gate_id: id };
  if (gate.engine_notified) {
    return { kind: 'nothing_to_do', gate_id: id, status: gate.status, engine_result: gate.engine_result };
  }
  if (!(await deps.gates.claimEngineCall(id, deps.now(), ENGINE_CALL_LEASE_MS))) {
    return { kind: 'busy', gate_id: id, status: gate.status };
  }
  const result = await tellEngine(deps, gate);
  return { kind: 'resumed', gate_id: id, status: gate.status, engine_result: result };
}

/** Finishes one gate's owed engine call (the `resume` command and the recovery sweep use it). */
export async function resumeGate(deps: VoteDeps, gateId: string): Promise<ResumeOutcome> {
  const gate = await deps.gates.get(gateId);
  if (!gate) return { kind: 'not_found', gate_id: gateId };
  return recoverEngineCall(deps, gate);
}

/** Finishes every owed engine call the store knows of (a scheduled sweep). */
export async function resumeAllGates(deps: VoteDeps, limit = 100): Promise<ResumeOutcome[]> {
  const gates = await deps.gates.listUnnotified(limit);
  const outcomes: ResumeOutcome[] = [];
  for (const gate of gates) outcomes.push(await recoverEngineCall(deps, gate));
  return outcomes;
}
