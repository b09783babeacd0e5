/** How a vote's outcome reads on a page, whichever page it was cast from. */

import type { Flash } from '../../web/gate-parts.ts';
import type { VoteOutcome } from '../core/approval/cast-vote.ts';
import { refusalStatus } from '../core/approval/eligibility.ts';

/** The banner for an outcome and the status the page answers with. */
export function voteFlash(outcome: VoteOutcome): { flash: Flash; status: number } {
  if (outcome.kind === 'refused') {
    return {
      status: refusalStatus(outcome.code),
      flash: { tone: 'warn', title: 'Your vote was not counted.', message: outcome.reason },
    };
  }
  if (outcome.decision === 'reject') {
    return {
      status: 200,
      flash: {
        tone: 'error',
        title: 'Rejected.',
        message: 'The gate is closed and the run is cancelled. Your comment is in the audit log.',
      },
    };
  }
  if (outcome.status === 'approved') {
    return {
      status: 200,
      flash: {
        tone: 'ok',
        title: 'Approved.',
        message: `The gate has the approvals it needs (${outcome.approvals} of ${outcome.required}); the run goes on.`,
      },
    };
  }
  return {
    status: 200,
    flash: {
      tone: 'ok',
      title: 'Your approval is counted.',
      message: `${outcome.approvals} of ${outcome.required} approvals so far; the run waits for the rest.`,
    },
  };
}
