/**
 * Lambda for recovery, the drainer's sweep: with `{ gate_id }` it drains that gate (what its
 * votes still owe, then its engine call); with no gate id (scheduled) it drains every gate that
 * owes something, and closes the pending gates of runs that ended without them (stopped by hand,
 * for instance).
 */
import { cancelOrphanGates } from '../core/approval/cancel-orphan-gates.ts';
import { drainAllGates, drainGate } from '../core/approval/drain-gate.ts';
import { isGateId } from '../core/approval/gate.ts';
import { depsFor } from '../wiring/scope.ts';
import { createResumeGateDeps } from './deps.ts';

const getDeps = depsFor(createResumeGateDeps);

/** Handles `{ gate_id? }`. */
export const handler = async (event: { gate_id?: string } | undefined) => {
  const deps = getDeps();
  const gateId = event?.gate_id;
  if (gateId !== undefined && !isGateId(gateId))
    throw new Error('resume-gate expects { gate_id } with a gate id');
  const outcomes = gateId ? [await drainGate(deps, gateId)] : await drainAllGates(deps);
  for (const outcome of outcomes) deps.logger.info('drain', { ...outcome });
  if (gateId) return { outcomes };
  return { outcomes, cancelled: await cancelOrphanGates(deps) };
};
