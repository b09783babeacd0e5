/**
 * Lambda run after a gate's States.Timeout: closes the gate as timed out and returns the
 * `{ Error, Cause }` the state machine stores at `$.failure` before failing the run.
 */
import type { RecordTimeoutInput } from '../../statemachines/contract.ts';
import { recordTimeout, type TimeoutFailure } from '../core/record-timeout.ts';
import { getDeps } from '../deps.ts';

/** Handles one RecordTimeoutInput. */
export const handler = async (event: RecordTimeoutInput): Promise<TimeoutFailure> => {
  const deps = getDeps();
  const failure = await recordTimeout(deps, event);
  deps.logger.info('gate timeout recorded', {
    run_id: event.run.id,
    step_id: event.step_id,
    error: failure.Error,
  });
  return failure;
};
