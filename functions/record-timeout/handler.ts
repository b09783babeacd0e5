/**
 * Lambda run when a gate's backstop timer fires (States.Timeout): returns `{ approved }` for a
 * gate approved before its deadline, else the `{ Error, Cause }` that fails the run (closing a
 * still-pending gate as timed out).
 */
import type { RecordTimeoutInput } from '../../statemachines/contract.ts';
import { recordTimeout, type TimeoutOutcome } from '../core/approval/record-timeout.ts';
import { createApprovalFunctionDeps } from '../wiring/approval.ts';
import { withGitHub } from '../wiring/github.ts';
import { slackChannels } from '../wiring/notifier.ts';
import { depsFor } from '../wiring/scope.ts';

// A timeout updates the gate's Slack messages and the run's GitHub check; only requests and
// escalations email people.
const getDeps = depsFor((config) => createApprovalFunctionDeps(config, withGitHub(slackChannels)));

/** Handles one RecordTimeoutInput. */
export const handler = async (event: RecordTimeoutInput): Promise<TimeoutOutcome> => {
  const deps = getDeps();
  const outcome = await recordTimeout(deps, event);
  deps.logger.info('gate timeout recorded', {
    run_id: event.run.id,
    step_id: event.step_id,
    outcome: 'approved' in outcome ? 'approved' : outcome.Error,
  });
  return outcome;
};
