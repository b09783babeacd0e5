/**
 * One vote attempt as castVote's steps share it: refusals (audited with their reason), the
 * outbox entry a counted vote commits with, and the answer a retried vote gets again.
 */

import { randomUUID } from 'node:crypto';
import type { AuditEventInput, Gate, GateStatus, OutboxEntry, Vote } from '../ports.ts';
import { type CastVoteDeps, leavesEffectsToDrainer, logOf } from './approval-deps.ts';
import { closedReason, formatTime, type RefusalCode } from './eligibility.ts';
import { freshSigninPath, gateAuditBase, sameEmail } from './gate.ts';

/** What happened to a vote; every channel renders it. */
export type VoteOutcome =
  | {
      kind: 'counted';
      gate_id: string;
      decision: 'approve' | 'reject';
      /** The gate's status after this vote (`approved` when it met the threshold). */
      status: GateStatus;
      approvals: number;
      required: number;
    }
  | {
      kind: 'refused';
      gate_id: string;
      code: RefusalCode;
      reason: string;
      status?: GateStatus;
      /** The sign-in that would let this vote count (`signin_needed`, `fresh_signin_required`), as a path. */
      signin_path?: string;
    };

/** The deps and the vote (voter, decision, channel, comment, time) of one attempt. */
export interface VoteAttempt {
  deps: CastVoteDeps;
  vote: Vote;
}

/**
 * Audits a refusal with its reason and returns the refused outcome. With `voteEffects: 'outbox'`
 * the audit event is put in the gate's outbox (one write) and the drainer appends it.
 */
export async function refuse(
  attempt: VoteAttempt,
  gate: Gate,
  code: RefusalCode,
  reason: string,
): Promise<VoteOutcome> {
  const { deps, vote } = attempt;
  const event: AuditEventInput = {
    ...gateAuditBase(gate),
    action: 'refused',
    actor: { email: vote.email, name: vote.name },
    at: vote.at,
    channel: vote.channel,
    reason,
    ...(vote.comment !== undefined ? { comment: vote.comment } : {}),
    details: { decision: vote.decision, code },
  };
  if (!leavesEffectsToDrainer(deps)) await deps.audit.append(event);
  else if (!(await deps.gates.addToOutbox(gate.gate_id, [refusedEntry(vote, event)]))) {
    logOf(deps).warn('refused vote not audited: the gate is gone', { gate_id: gate.gate_id });
  }
  const signinPath =
    code === 'fresh_signin_required'
      ? freshSigninPath(gate)
      : code === 'signin_needed'
        ? `/signin?next=${encodeURIComponent(`/runs/${gate.run.id}`)}`
        : undefined;
  return {
    kind: 'refused',
    gate_id: gate.gate_id,
    code,
    reason,
    status: gate.status,
    ...(signinPath ? { signin_path: signinPath } : {}),
  };
}

/** The outbox entry of a refused vote: its audit event, under an id no other refusal shares. */
function refusedEntry(vote: Vote, event: AuditEventInput): OutboxEntry {
  return { id: `refused#${vote.email.toLowerCase()}#${vote.at}#${randomUUID()}`, audit: event };
}

/** Refuses a vote on a closed gate (the gate's owed work, if any, is the drainer's). */
export async function refuseClosed(attempt: VoteAttempt, gate: Gate): Promise<VoteOutcome> {
  const own = reflectsVote(gate, attempt.vote.email);
  const reason = own ? `You already voted on this gate. ${closedReason(gate)}` : closedReason(gate);
  return refuse(attempt, gate, own ? 'already_voted' : 'closed', reason);
}

/**
 * The outbox entry a counted vote is committed with: its audit event (as of the commit, `gate`
 * being the gate this vote leaves) and the notification it owes.
 */
export function countedEntry(vote: Vote, gate: Gate): OutboxEntry {
  return {
    id: `vote#${vote.email.toLowerCase()}`,
    audit: {
      ...gateAuditBase(gate),
      action: vote.decision === 'approve' ? 'approved' : 'rejected',
      actor: { email: vote.email, name: vote.name },
      at: vote.at,
      channel: vote.channel,
      response_time_ms: Date.parse(vote.at) - Date.parse(gate.requested_at),
      ...(vote.comment !== undefined ? { comment: vote.comment } : {}),
      details: {
        approvals: gate.approved_by.length,
        required: gate.required,
        gate_status: gate.status,
        // What the identity provider said of the voter's sign-in: when, and how (MFA or not).
        ...(vote.signin
          ? {
              idp: vote.signin.idp,
              ...(vote.signin.auth_time !== undefined
                ? { auth_time: new Date(vote.signin.auth_time * 1000).toISOString() }
                : {}),
              ...(vote.signin.amr ? { amr: vote.signin.amr } : {}),
            }
          : {}),
      },
    },
    notify: gate.status === 'pending' ? 'progressed' : 'decided',
  };
}

/**
 * The answer this exact vote got when it was counted, read back off the gate, or undefined when
 * the gate holds no identical vote of this person. Identical: same decision, channel and comment
 * (a client retrying, Slack re-sending a click). A different vote of the same person is refused.
 */
export function replayedOutcome(gate: Gate, vote: Vote): VoteOutcome | undefined {
  const same = (channel: string | undefined, comment: string | undefined) =>
    channel === vote.channel && (comment ?? '') === (vote.comment ?? '');
  if (vote.decision === 'approve') {
    const index = gate.approved_by.findIndex((a) => sameEmail(a.email, vote.email));
    const approval = gate.approved_by[index];
    if (!approval || !same(approval.channel, approval.comment)) return undefined;
    // Approvals are only appended while the gate is pending, and the one that meets the
    // threshold closes it: the vote's place in the list is its count, and the last one closed it.
    const approvals = index + 1;
    const status =
      gate.status === 'approved' && approvals === gate.approved_by.length ? 'approved' : 'pending';
    return {
      kind: 'counted',
      gate_id: gate.gate_id,
      decision: 'approve',
      status,
      approvals,
      required: gate.required,
    };
  }
  const closer = gate.closed_by;
  if (gate.status !== 'rejected' || !closer || !sameEmail(closer.email, vote.email)) return undefined;
  if (!same(gate.close_channel, gate.close_comment)) return undefined;
  return {
    kind: 'counted',
    gate_id: gate.gate_id,
    decision: 'reject',
    status: 'rejected',
    approvals: gate.approved_by.length,
    required: gate.required,
  };
}

/** Whether the gate already shows this person's vote (an approval counted, or the rejection). */
export function reflectsVote(gate: Gate, email: string): boolean {
  if (gate.approved_by.some((a) => sameEmail(a.email, email))) return true;
  return gate.status === 'rejected' && gate.closed_by !== undefined && sameEmail(gate.closed_by.email, email);
}

/** The refusal reason for a second vote by the same person. */
export function alreadyVotedReason(earlier: Pick<Vote, 'decision' | 'at' | 'channel'>): string {
  const verb = earlier.decision === 'approve' ? 'approved' : 'rejected';
  return `You already ${verb} this gate at ${formatTime(earlier.at)} (via ${earlier.channel}); a person counts once.`;
}
