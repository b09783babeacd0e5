/**
 * Lambda for recovery: with `{ gate_id }` it finishes that gate's owed engine call; with no
 * gate id (a scheduled sweep) it finishes every one the store knows of, and closes the pending
 * gates of runs that ended without them (stopped by hand, for instance).
 */
import { cancelOrphanGates } from '../core/cancel-orphan-gates.ts';
import { isGateId } from '../core/gate.ts';
import { resumeAllGates, resumeGate } from '../core/resume-gate.ts';
import { getDeps } from '../deps.ts';

/** Handles `{ gate_id? }`. */
export const handler = async (event: { gate_id?: string } | undefined) => {
  const deps = getDeps();
  const gateId = event?.gate_id;
  if (gateId !== undefined && !isGateId(gateId))
    throw new Error('resume-gate expects { gate_id } with a gate id');
  const outcomes = gateId ? [await resumeGate(deps, gateId)] : await resumeAllGates(deps);
  for (const outcome of outcomes) deps.logger.info('resume', { ...outcome });
  if (gateId) return { outcomes };
  return { outcomes, cancelled: await cancelOrphanGates(deps) };
};
