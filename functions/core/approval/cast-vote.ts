/**
 * One approve or reject from any channel (Slack, email page, web, API, CLI). The vote is
 * committed with one conditional write on the gate, which also records in the gate's outbox what
 * the vote still owes (audit event, notifications); the answer is the committed outcome, and that
 * work, with the engine call (SendTaskSuccess/Failure) of a gate the vote closed, is drained after
 * the commit and can never turn a counted vote into an error: before the answer with
 * `voteEffects: 'inline'`, by the drainer alone with `'outbox'`. A retried vote gets its first
 * answer again.
 */

import type { IdpSignin } from '../auth/auth-store.ts';
import type { ApprovalEntry, Gate, GateClose, Vote, VoteChannel } from '../ports.ts';
import { type CastVoteDeps, directoryNow, leavesEffectsToDrainer, logOf } from './approval-deps.ts';
import { findUser } from './directory.ts';
import { drainGate } from './drain-gate.ts';
import { isEligible } from './eligibility.ts';
import { isGateId, sameEmail } from './gate.ts';
import { isQuorumMet } from './quorum.ts';
import { ENGINE_CALL_LEASE_MS } from './resume-gate.ts';
import {
  alreadyVotedReason,
  countedEntry,
  reflectsVote,
  refuse,
  refuseClosed,
  replayedOutcome,
  type VoteAttempt,
  type VoteOutcome,
} from './vote-attempt.ts';

export type { VoteOutcome } from './vote-attempt.ts';

/** A vote as every channel hands it in; `voter` is the authenticated person's email. */
export interface VoteRequest {
  gateId: string;
  voter: string;
  decision: 'approve' | 'reject';
  comment?: string;
  channel: VoteChannel;
  /** The voter's sign-in through the identity provider (a web session's), for gates that require a recent one. */
  signin?: IdpSignin;
}

/** Longest comment kept; longer ones are cut (the audit row and Slack message stay readable). */
export const MAX_COMMENT_LENGTH = 2000;

/** Optimistic retries when other votes change the gate at the same moment; each retry means progress elsewhere. */
const MAX_ATTEMPTS = 50;

/** How long the answer waits for the drain after the commit by default; the rest finishes behind it or in the sweep. */
export const DRAIN_BUDGET_MS = 2000;

/** Records one vote and, when it decides the gate, closes it and tells the engine exactly once. */
export async function castVote(deps: CastVoteDeps, request: VoteRequest): Promise<VoteOutcome> {
  // An id that cannot be a gate's never reaches the store (a 5,000-character one made DynamoDB
  // refuse the key, which answered 500).
  // The voter's last sign-in is read alongside the gate, so it costs a Slack click no extra round trip.
  const [gate, directory] = await Promise.all([
    isGateId(request.gateId) ? deps.gates.get(request.gateId) : undefined,
    directoryNow(deps, request.voter),
  ]);
  if (!gate) {
    logOf(deps).warn('vote on an unknown gate', {
      gate_id: request.gateId.slice(0, 40),
      channel: request.channel,
    });
    return {
      kind: 'refused',
      gate_id: request.gateId.slice(0, 40),
      code: 'not_found',
      reason: 'There is no such approval gate.',
    };
  }
  const user = findUser(directory, request.voter);
  const comment = request.comment?.trim().slice(0, MAX_COMMENT_LENGTH);
  const vote: Vote = {
    gate_id: gate.gate_id,
    email: request.voter.toLowerCase(),
    name: user?.name ?? request.voter,
    decision: request.decision,
    channel: request.channel,
    at: new Date(deps.now()).toISOString(),
    ...(comment ? { comment } : {}),
    ...(request.signin ? { signin: request.signin } : {}),
  };
  const attempt: VoteAttempt = { deps, vote };

  const replayed = await replayOf(attempt, gate);
  if (replayed) return replayed;
  if (gate.status !== 'pending') return refuseOnClosed(attempt, gate);
  const eligibility = isEligible(gate, vote.email, user, deps.now(), vote.decision, {
    directory,
    channel: vote.channel,
    ...(request.signin ? { signin: request.signin } : {}),
  });
  if (!eligibility.eligible) return refuse(attempt, gate, eligibility.code, eligibility.reason);

  const put = await deps.votes.put(vote);
  // A stored vote of the same decision that the gate does not reflect yet is a crash leftover
  // (or the same vote racing in twice): finish it.
  if (!put.stored && (put.vote.decision !== vote.decision || reflectsVote(gate, vote.email))) {
    return refuse(attempt, gate, 'already_voted', alreadyVotedReason(put.vote));
  }
  return vote.decision === 'reject' ? applyRejection(attempt, gate) : applyApproval(attempt, gate);
}

/** The first answer again when the gate already holds this very vote; the owed work is drained once more (inline mode). */
async function replayOf(attempt: VoteAttempt, gate: Gate): Promise<VoteOutcome | undefined> {
  const outcome = replayedOutcome(gate, attempt.vote);
  if (!outcome) return undefined;
  logOf(attempt.deps).info('vote replayed; answering as the first time', {
    gate_id: gate.gate_id,
    channel: attempt.vote.channel,
  });
  await drainBeforeAnswer(attempt.deps, gate.gate_id, false);
  return outcome;
}

/** Refuses a vote on a closed gate, after giving its owed engine call (left by a crash) a go (inline mode). */
async function refuseOnClosed(attempt: VoteAttempt, gate: Gate): Promise<VoteOutcome> {
  if (!gate.engine_notified) await drainBeforeAnswer(attempt.deps, gate.gate_id, false);
  return refuseClosed(attempt, gate);
}

/**
 * Inline mode: drains the gate's owed work (audit, notifications, then the engine call of a closed
 * gate) for at most the deps' budget, then lets the answer go; whatever fails or is still running
 * is logged by name and left to the drainer's next pass. Outbox mode: does nothing, the answer
 * goes at once and the drainer does all of it.
 */
async function drainBeforeAnswer(deps: CastVoteDeps, gateId: string, closer: boolean): Promise<void> {
  if (leavesEffectsToDrainer(deps)) return;
  const budget = deps.drainBudgetMs ?? DRAIN_BUDGET_MS;
  const work = drainGate(deps, gateId, { closer });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budget);
  });
  try {
    if ((await Promise.race([work, late])) === 'late') {
      logOf(deps).warn('drain still running at answer time', { gate_id: gateId, budget_ms: budget });
    }
  } catch (error) {
    logOf(deps).error('drain after the vote failed; the sweep retries', {
      gate_id: gateId,
      error: error instanceof Error ? error.name : typeof error,
    });
  } finally {
    clearTimeout(timer);
  }
  // A drain still running may fail after the answer; keep that from being an unhandled rejection.
  work.catch(() => {});
}

/**
 * The close a deciding vote writes. Inline, its writer holds the engine call's lease and makes the
 * call before answering; in outbox mode no lease is taken, so the drainer may claim it at once.
 */
function closeBy(attempt: VoteAttempt, status: 'approved' | 'rejected'): GateClose {
  const { deps, vote } = attempt;
  return {
    status,
    closed_at: vote.at,
    closed_by: { email: vote.email, name: vote.name },
    channel: vote.channel,
    engine_notified: false,
    ...(leavesEffectsToDrainer(deps) ? {} : { engine_lease_until: deps.now() + ENGINE_CALL_LEASE_MS }),
    ...(status === 'rejected' && vote.comment !== undefined ? { comment: vote.comment } : {}),
  };
}

/** The gate as a close leaves it. */
function closedGate(gate: Gate, close: GateClose): Gate {
  return {
    ...gate,
    status: close.status,
    closed_at: close.closed_at,
    closed_by: close.closed_by,
    ...(close.channel !== undefined ? { close_channel: close.channel } : {}),
    ...(close.comment !== undefined ? { close_comment: close.comment } : {}),
  };
}

async function applyRejection(attempt: VoteAttempt, gate: Gate): Promise<VoteOutcome> {
  const { deps, vote } = attempt;
  const close = closeBy(attempt, 'rejected');
  const closed = closedGate(gate, close);
  if (!(await deps.gates.close(gate.gate_id, close, [countedEntry(vote, closed)]))) {
    const current = await mustGet(deps, gate.gate_id);
    return (await replayOf(attempt, current)) ?? refuseOnClosed(attempt, current);
  }
  await drainBeforeAnswer(deps, gate.gate_id, true);
  return {
    kind: 'counted',
    gate_id: gate.gate_id,
    decision: 'reject',
    status: 'rejected',
    approvals: gate.approved_by.length,
    required: gate.required,
  };
}

async function applyApproval(attempt: VoteAttempt, gate: Gate): Promise<VoteOutcome> {
  const { deps, vote } = attempt;
  const entry: ApprovalEntry = {
    email: vote.email,
    name: vote.name,
    at: vote.at,
    channel: vote.channel,
    ...(vote.comment !== undefined ? { comment: vote.comment } : {}),
  };
  let current = gate;
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const replayed = await replayOf(attempt, current);
    if (replayed) return replayed;
    if (current.status !== 'pending') return refuseOnClosed(attempt, current);
    const counted = current.approved_by.find((a) => sameEmail(a.email, vote.email));
    if (counted)
      return refuse(
        attempt,
        current,
        'already_voted',
        alreadyVotedReason({ ...counted, decision: 'approve' }),
      );
    const count = current.approved_by.length;
    const added = { ...current, approved_by: [...current.approved_by, entry] };
    const close = isQuorumMet(added) ? closeBy(attempt, 'approved') : undefined;
    const after = close ? closedGate(added, close) : added;
    if (await deps.gates.addApproval(current.gate_id, entry, count, close, [countedEntry(vote, after)])) {
      await drainBeforeAnswer(deps, current.gate_id, close !== undefined);
      return {
        kind: 'counted',
        gate_id: current.gate_id,
        decision: 'approve',
        status: after.status,
        approvals: after.approved_by.length,
        required: after.required,
      };
    }
    current = await mustGet(deps, current.gate_id);
  }
  throw new Error(`gate ${gate.gate_id} changed on every attempt; vote not counted, try again`);
}

async function mustGet(deps: CastVoteDeps, gateId: string): Promise<Gate> {
  const gate = await deps.gates.get(gateId);
  if (!gate) throw new Error(`gate ${gateId} vanished`);
  return gate;
}
