/** The outcome an http step reports, in the runs' own vocabulary, with its sentence. */
import type { NotifyInput } from '../../../statemachines/contract.ts';
import { describeAutoApproval } from '../approval/gate.ts';
import { describeRunOutcome, listNames, type OutcomeView } from '../runs/run-outcome.ts';

/**
 * How the run stands when its notify step runs: a failure read from the engine's error and cause
 * (who rejected, what blocked the apply), a success with who approved.
 */
export function describeNotifyOutcome(input: NotifyInput): OutcomeView {
  if (input.outcome === 'failed') {
    return describeRunOutcome({
      run: {
        ...input.run,
        execution_arn: '',
        status: 'FAILED',
        ...(input.failure?.Error ? { error: input.failure.Error } : {}),
        ...(input.failure?.Cause ? { cause: input.failure.Cause } : {}),
      },
      gates: [],
    });
  }
  if (input.outcome === 'no_changes') {
    return describeRunOutcome({
      run: { ...input.run, execution_arn: '', status: 'SUCCEEDED', no_changes: true },
      gates: [],
    });
  }
  if (input.run.bypass) {
    return {
      outcome: 'Bypassed',
      outcome_detail: `Emergency bypass: applied without an approval gate${input.run.reason ? ` (reason: '${input.run.reason}')` : ''}; flagged for post-incident review.`,
    };
  }
  const approvers = input.data.approval?.approved_by.map((a) => a.name) ?? [];
  const auto = input.data.approval?.auto_approved;
  return {
    outcome: 'Succeeded',
    outcome_detail: auto
      ? `Finished. ${describeAutoApproval(auto)}.`
      : approvers.length > 0
        ? `Approved by ${listNames(approvers)}.`
        : 'Finished.',
  };
}
