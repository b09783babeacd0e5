/**
 * One approve or reject from any channel (Slack, email page, web, API, CLI). Every attempt is
 * audited; a vote counts once per person; only the write that closes the gate calls the engine.
 */
import { logOf, type VoteDeps } from './approval-deps.ts';
import { findUser } from './directory.ts';
import { closedReason, formatTime, isEligible, type RefusalCode } from './eligibility.ts';
import { gateAuditBase, sameEmail } from './gate.ts';
import type { ApprovalEntry, Gate, GateClose, GateStatus, Vote, VoteChannel } from './ports.ts';
import { ENGINE_CALL_LEASE_MS, recoverEngineCall } from './resume-gate.ts';
import { safely } from './safely.ts';
import { tellEngine } from './tell-engine.ts';

/** A vote as every channel hands it in; `voter` is the authenticated person's email. */
export interface VoteRequest {
  gateId: string;
  voter: string;
  decision: 'approve' | 'reject';
  comment?: string;
  channel: VoteChannel;
}

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

/** Longest comment kept; longer ones are cut (the audit row and Slack message stay readable). */
export const MAX_COMMENT_LENGTH = 2000;

/** Optimistic retries when other votes change the gate at the same moment; each retry means progress elsewhere. */
const MAX_ATTEMPTS = 50;

type Voter = { email: string; name: string };

/** Records one vote and, when it decides the gate, closes it and tells the engine exactly once. */
export async function castVote(deps: VoteDeps, request: VoteRequest): Promise<VoteOutcome> {
  const at = new Date(deps.now()).toISOString();
  const comment = cleanComment(request.comment);
  const gate = await deps.gates.get(request.gateId);
  if (!gate) {
    logOf(deps).warn('vote on an unknown gate', { gate_id: request.gateId, channel: request.channel });
    return {
      kind: 'refused',
      gate_id: request.gateId,
      code: 'not_found',
      reason: 'There is no such approval gate.',
    };
  }
  const user = findUser(deps.directory, request.voter);
  const voter: Voter = { email: request.voter.toLowerCase(), name: user?.name ?? request.voter };
  const refuse = (g: Gate, code: RefusalCode, reason: string) =>
    refuseVote(deps, g, voter, request, comment, at, code, reason);

  if (gate.status !== 'pending') return refuseClosed(deps, gate, voter, request, comment, at);
  const eligibility = isEligible(gate, voter.email, user, deps.now(), request.decision);
  if (!eligibility.eligible) return refuse(gate, eligibility.code, eligibility.reason);

  const vote: Vote = {
    gate_id: gate.gate_id,
    email: voter.email,
    name: voter.name,
    decision: request.decision,
    channel: request.channel,
    at,
    ...(comment !== undefined ? { comment } : {}),
  };
  const put = await deps.votes.put(vote);
  // A stored vote of the same decision that the gate does not reflect yet is a crash leftover: finish it.
  if (!put.stored && (put.vote.decision !== request.decision || reflectsVote(gate, voter.email))) {
    return refuse(gate, 'already_voted', alreadyVotedReason(put.vote));
  }
  return request.decision === 'reject'
    ? applyRejection(deps, gate, vote, voter, request, comment, at)
    : applyApproval(deps, gate, vote, voter, request, comment, at);
}

async function applyRejection(
  deps: VoteDeps,
  gate: Gate,
  vote: Vote,
  voter: Voter,
  request: VoteRequest,
  comment: string | undefined,
  at: string,
): Promise<VoteOutcome> {
  const close: GateClose = {
    status: 'rejected',
    closed_at: at,
    closed_by: voter,
    channel: vote.channel,
    engine_notified: false,
    engine_lease_until: deps.now() + ENGINE_CALL_LEASE_MS,
    ...(comment !== undefined ? { comment } : {}),
  };
  if (!(await deps.gates.close(gate.gate_id, close))) {
    return refuseClosed(deps, await mustGet(deps, gate.gate_id), voter, request, comment, at);
  }
  const closed: Gate = {
    ...gate,
    status: 'rejected',
    closed_at: at,
    closed_by: voter,
    close_channel: vote.channel,
    ...(comment !== undefined ? { close_comment: comment } : {}),
  };
  await auditThenTellEngine(deps, closed, voter, request, comment, at, true);
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

async function applyApproval(
  deps: VoteDeps,
  gate: Gate,
  vote: Vote,
  voter: Voter,
  request: VoteRequest,
  comment: string | undefined,
  at: string,
): Promise<VoteOutcome> {
  const entry: ApprovalEntry = {
    email: voter.email,
    name: voter.name,
    at,
    channel: vote.channel,
    ...(comment !== undefined ? { comment } : {}),
  };
  let current = gate;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (current.status !== 'pending') return refuseClosed(deps, current, voter, request, comment, at);
    const counted = current.approved_by.find((a) => sameEmail(a.email, voter.email));
    if (counted) {
      const earlier: Vote = { ...vote, at: counted.at, channel: counted.channel };
      return refuseVote(
        deps,
        current,
        voter,
        request,
        comment,
        at,
        'already_voted',
        alreadyVotedReason(earlier),
      );
    }
    const count = current.approved_by.length;
    const closes = count + 1 >= current.required;
    const close: GateClose | undefined = closes
      ? {
          status: 'approved',
          closed_at: at,
          closed_by: voter,
          channel: vote.channel,
          engine_notified: false,
          engine_lease_until: deps.now() + ENGINE_CALL_LEASE_MS,
        }
      : undefined;
    if (await deps.gates.addApproval(current.gate_id, entry, count, close)) {
      const after: Gate = {
        ...current,
        approved_by: [...current.approved_by, entry],
        ...(closes
          ? { status: 'approved', closed_at: at, closed_by: voter, close_channel: vote.channel }
          : {}),
      };
      await auditThenTellEngine(deps, after, voter, request, comment, at, closes);
      if (closes) await safely(deps, 'notify decided', () => deps.notifier.decided(after));
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

/** Audits a counted vote; when it closed the gate, the engine is told even if the audit write fails. */
async function auditThenTellEngine(
  deps: VoteDeps,
  gate: Gate,
  voter: Voter,
  request: VoteRequest,
  comment: string | undefined,
  at: string,
  closed: boolean,
): Promise<void> {
  try {
    await deps.audit.append({
      ...gateAuditBase(gate),
      action: request.decision === 'approve' ? 'approved' : 'rejected',
      actor: voter,
      at,
      channel: request.channel,
      response_time_ms: Date.parse(at) - Date.parse(gate.requested_at),
      ...(comment !== undefined ? { comment } : {}),
      details: { approvals: gate.approved_by.length, required: gate.required, gate_status: gate.status },
    });
  } finally {
    if (closed) await tellEngine(deps, gate);
  }
}

/** Refuses a vote on a closed gate, finishing its engine call first if that is still owed. */
async function refuseClosed(
  deps: VoteDeps,
  gate: Gate,
  voter: Voter,
  request: VoteRequest,
  comment: string | undefined,
  at: string,
): Promise<VoteOutcome> {
  if (!gate.engine_notified) await recoverEngineCall(deps, gate);
  const own = reflectsVote(gate, voter.email);
  const reason = own ? `You already voted on this gate. ${closedReason(gate)}` : closedReason(gate);
  return refuseVote(deps, gate, voter, request, comment, at, own ? 'already_voted' : 'closed', reason);
}

async function refuseVote(
  deps: VoteDeps,
  gate: Gate,
  voter: Voter,
  request: VoteRequest,
  comment: string | undefined,
  at: string,
  code: RefusalCode,
  reason: string,
): Promise<VoteOutcome> {
  await deps.audit.append({
    ...gateAuditBase(gate),
    action: 'refused',
    actor: voter,
    at,
    channel: request.channel,
    reason,
    ...(comment !== undefined ? { comment } : {}),
    details: { decision: request.decision, code },
  });
  return { kind: 'refused', gate_id: gate.gate_id, code, reason, status: gate.status };
}

/** Whether the gate already shows this person's vote (an approval counted, or the rejection). */
function reflectsVote(gate: Gate, email: string): boolean {
  if (gate.approved_by.some((a) => sameEmail(a.email, email))) return true;
  return gate.status === 'rejected' && gate.closed_by !== undefined && sameEmail(gate.closed_by.email, email);
}

function alreadyVotedReason(vote: Vote): string {
  const verb = vote.decision === 'approve' ? 'approved' : 'rejected';
  return `You already ${verb} this gate at ${formatTime(vote.at)} (via ${vote.channel}); a person counts once.`;
}

function cleanComment(comment: string | undefined): string | undefined {
  const trimmed = comment?.trim();
  return trimmed ? trimmed.slice(0, MAX_COMMENT_LENGTH) : undefined;
}

async function mustGet(deps: VoteDeps, gateId: string): Promise<Gate> {
  const gate = await deps.gates.get(gateId);
  if (!gate) throw new Error(`gate ${gateId} vanished`);
  return gate;
}
