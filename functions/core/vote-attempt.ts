/**
 * One vote attempt as castVote's steps share it, and the helpers that audit it: refusals
 * (with their reason) and counted votes.
 */
import type { VoteDeps } from './approval-deps.ts';
import { closedReason, formatTime, type RefusalCode } from './eligibility.ts';
import { gateAuditBase, sameEmail } from './gate.ts';
import type { Gate, GateStatus, Vote } from './ports.ts';
import { recoverEngineCall } from './resume-gate.ts';
import { tellEngine } from './tell-engine.ts';

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
  | { kind: 'refused'; gate_id: string; code: RefusalCode; reason: string; status?: GateStatus };

/** The deps and the vote (voter, decision, channel, comment, time) of one attempt. */
export interface VoteAttempt {
  deps: VoteDeps;
  vote: Vote;
}

/** Audits a refusal with its reason and returns the refused outcome. */
export async function refuse(
  attempt: VoteAttempt,
  gate: Gate,
  code: RefusalCode,
  reason: string,
): Promise<VoteOutcome> {
  const { deps, vote } = attempt;
  await deps.audit.append({
    ...gateAuditBase(gate),
    action: 'refused',
    actor: { email: vote.email, name: vote.name },
    at: vote.at,
    channel: vote.channel,
    reason,
    ...(vote.comment !== undefined ? { comment: vote.comment } : {}),
    details: { decision: vote.decision, code },
  });
  return { kind: 'refused', gate_id: gate.gate_id, code, reason, status: gate.status };
}

/** Refuses a vote on a closed gate, finishing the gate's engine call first if that is still owed. */
export async function refuseClosed(attempt: VoteAttempt, gate: Gate): Promise<VoteOutcome> {
  if (!gate.engine_notified) await recoverEngineCall(attempt.deps, gate);
  const own = reflectsVote(gate, attempt.vote.email);
  const reason = own ? `You already voted on this gate. ${closedReason(gate)}` : closedReason(gate);
  return refuse(attempt, gate, own ? 'already_voted' : 'closed', reason);
}

/** Audits a counted vote; when it closed the gate, the engine is told even if the audit write fails. */
export async function auditCounted(attempt: VoteAttempt, gate: Gate, closed: boolean): Promise<void> {
  const { deps, vote } = attempt;
  try {
    await deps.audit.append({
      ...gateAuditBase(gate),
      action: vote.decision === 'approve' ? 'approved' : 'rejected',
      actor: { email: vote.email, name: vote.name },
      at: vote.at,
      channel: vote.channel,
      response_time_ms: Date.parse(vote.at) - Date.parse(gate.requested_at),
      ...(vote.comment !== undefined ? { comment: vote.comment } : {}),
      details: { approvals: gate.approved_by.length, required: gate.required, gate_status: gate.status },
    });
  } finally {
    if (closed) await tellEngine(deps, gate);
  }
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
