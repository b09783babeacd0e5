/**
 * Lambda for the gate's `lambda:invoke.waitForTaskToken` task: stores the gate and its token and
 * notifies the approvers. Its result is ignored; the run waits for SendTask* on the token.
 */
import type { RequestApprovalInput } from '../../statemachines/contract.ts';
import { requestApproval } from '../core/approval/request-approval.ts';
import { depsFor } from '../wiring/scope.ts';
import { createRequestApprovalDeps } from './deps.ts';

const getDeps = depsFor(createRequestApprovalDeps);

/** Handles one RequestApprovalInput; returns the gate id and what happened (never the token). */
export const handler = async (event: RequestApprovalInput) => {
  const deps = getDeps();
  const { gate, outcome } = await requestApproval(deps, event);
  deps.logger.info('approval requested', {
    gate_id: gate.gate_id,
    run_id: gate.run.id,
    step_id: gate.step_id,
    outcome,
  });
  return { gate_id: gate.gate_id, outcome };
};
