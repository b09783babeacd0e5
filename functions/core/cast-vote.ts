/**
 * One approve or reject from any channel (Slack, email page, web, API, CLI). Every attempt is
 * audited; a vote counts once per person; only the write that closes the gate calls the engine.
 */
import { logOf, type VoteDeps } from './approval-deps.ts';
import { findUser } from './directory.ts';
import { isEligible } from './eligibility.ts';
import { isGateId, sameEmail } from './gate.ts';
import type { ApprovalEntry, Gate, GateClose, Vote, VoteChannel } from './ports.ts';
import { ENGINE_CALL_LEASE_MS } from './resume-gate.ts';
import { safely } from './safely.ts';
import {
  alreadyVotedReason,
  auditCounted,
  reflectsVote,
  refuse,
  refuseClosed,
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
}

/** Longest comment kept; longer ones are cut (the audit row and Slack message stay readable). */
export const MAX_COMMENT_LENGTH = 2000;

/** Optimistic retries when other votes change the gate at the same moment; each retry means progress elsewhere. */
const MAX_ATTEMPTS = 50;

/** Records one vote and, when it decides the gate, closes it and tells the engine exactly once. */
export async function castVote(deps: VoteDeps, request: VoteRequest): Promise<VoteOutcome> {
  // An id that cannot be a gate's never reaches the store (a 5,000-character one made DynamoDB
  // refuse the key, which answered 500).
  const gate = isGateId(request.gateId) ? await deps.gates.get(request.gateId) : undefined;
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
  const user = findUser(deps.directory, request.voter);
  const comment = request.comment?.trim().slice(0, MAX_COMMENT_LENGTH);
  const vote: Vote = {
    gate_id: gate.gate_id,
    email: request.voter.toLowerCase(),
    name: user?.name ?? request.voter,
    decision: request.decision,
    channel: request.channel,
    at: new Date(deps.now()).toISOString(),
    ...(comment ? { comment } : {}),
  };
  const attempt: VoteAttempt = { deps, vote };

  if (gate.status !== 'pending') return refuseClosed(attempt, gate);
  const eligibility = isEligible(gate, vote.email, user, deps.now(), vote.decision);
  if (!eligibility.eligible) return refuse(attempt, gate, eligibility.code, eligibility.reason);

  const put = await deps.votes.put(vote);
  // A stored vote of the same decision that the gate does not reflect yet is a crash leftover: finish it.
  if (!put.stored && (put.vote.decision !== vote.decision || reflectsVote(gate, vote.email))) {
    return refuse(attempt, gate, 'already_voted', alreadyVotedReason(put.vote));
  }
  return vote.decision === 'reject' ? applyRejection(attempt, gate) : applyApproval(attempt, gate);
}

/** The close a deciding vote writes; its writer holds the engine call's lease. */
function closeBy(attempt: VoteAttempt, status: 'approved' | 'rejected'): GateClose {
  const { deps, vote } = attempt;
  return {
    status,
    closed_at: vote.at,
    closed_by: { email: vote.email, name: vote.name },
    channel: vote.channel,
    engine_notified: false,
    engine_lease_until: deps.now() + ENGINE_CALL_LEASE_MS,
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
  const { deps } = attempt;
  const close = closeBy(attempt, 'rejected');
  if (!(await deps.gates.close(gate.gate_id, close)))
    return refuseClosed(attempt, await mustGet(deps, gate.gate_id));
  const closed = closedGate(gate, close);
  await auditCounted(attempt, closed, true);
  await safely(deps, 'notify decided', () => deps.notifier.decided(closed));
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
    if (current.status !== 'pending') return refuseClosed(attempt, current);
    const counted = current.approved_by.find((a) => sameEmail(a.email, vote.email));
    if (counted)
      return refuse(
        attempt,
        current,
        'already_voted',
        alreadyVotedReason({ ...counted, decision: 'approve' }),
      );
    const count = current.approved_by.length;
    const close = count + 1 >= current.required ? closeBy(attempt, 'approved') : undefined;
    if (await deps.gates.addApproval(current.gate_id, entry, count, close)) {
      const added = { ...current, approved_by: [...current.approved_by, entry] };
      const after = close ? closedGate(added, close) : added;
      await auditCounted(attempt, after, close !== undefined);
      if (close) await safely(deps, 'notify decided', () => deps.notifier.decided(after));
      else await safely(deps, 'notify progressed', () => deps.notifier.progressed(after));
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

async function mustGet(deps: VoteDeps, gateId: string): Promise<Gate> {
  const gate = await deps.gates.get(gateId);
  if (!gate) throw new Error(`gate ${gateId} vanished`);
  return gate;
}
