/**
 * Lambda invoked by an EventBridge Scheduler one-time schedule (or the local timer) when an
 * escalation level is due: `{ gate_id, index }`.
 */
import type { EscalationEvent } from '../adapters/eventbridge-scheduler.ts';
import { escalate } from '../core/approval/escalate.ts';
import { isGateId } from '../core/approval/gate.ts';
import { depsFor } from '../wiring/scope.ts';
import { createEscalateDeps } from './deps.ts';

const getDeps = depsFor(createEscalateDeps);

/** Handles one escalation event. */
export const handler = async (event: EscalationEvent) => {
  if (!isGateId(String(event?.gate_id)) || !Number.isInteger(event?.index) || event.index < 0) {
    throw new Error('escalate expects { gate_id, index } with a gate id and a non-negative integer index');
  }
  const deps = getDeps();
  const outcome = await escalate(deps, event.gate_id, event.index);
  deps.logger.info('escalation handled', {
    gate_id: event.gate_id,
    index: event.index,
    outcome: outcome.kind,
  });
  return { kind: outcome.kind, gate_id: outcome.gate_id, index: outcome.index };
};
