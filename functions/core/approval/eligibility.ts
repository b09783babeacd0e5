/**
 * Who may vote on a gate, and the words used when someone may not (DESIGN.md "Approval rules").
 */
import type { Directory, DirectoryUser } from '../../../statemachines/schema.ts';
import type { Approver, Gate, Vote, VoteChannel } from '../ports.ts';
import { askedPeople, describeAutoApproval, sameEmail } from './gate.ts';

/** Why a vote was refused; every channel renders `reason` and may branch on `code`. */
export type RefusalCode =
  | 'not_found'
  | 'closed'
  | 'expired'
  | 'unknown_user'
  | 'viewer'
  | 'not_approver'
  | 'signin_needed'
  | 'fresh_signin_required'
  | 'self_approval'
  | 'already_voted';

/** The HTTP status a refusal answers with: 404 no such gate, 409 the gate no longer takes this vote, 403 not allowed. */
export function refusalStatus(code: RefusalCode): 403 | 404 | 409 {
  if (code === 'not_found') return 404;
  return code === 'closed' || code === 'expired' || code === 'already_voted' ? 409 : 403;
}

/** The answer of `isEligible`: the voter as an approver, or a refusal with its reason. */
export type Eligibility =
  | { eligible: true; approver: Approver }
  | { eligible: false; code: RefusalCode; reason: string };

/** An ISO timestamp as people read it: seconds precision, `Z` for UTC. */
export function formatTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

/** One sentence saying how and when a closed gate closed. */
export function closedReason(gate: Gate): string {
  const at = formatTime(gate.closed_at ?? gate.deadline);
  switch (gate.status) {
    case 'approved':
      if (gate.auto_approved)
        return `This gate closed at ${at}. ${describeAutoApproval(gate.auto_approved)}.`;
      return `This gate was approved at ${at} by ${gate.approved_by.map((a) => a.name).join(' and ')}.`;
    case 'rejected': {
      const by = gate.closed_by ? ` by ${gate.closed_by.name}` : '';
      const comment = gate.close_comment ? `: "${gate.close_comment}"` : '.';
      return `This gate was rejected at ${at}${by}${comment}`;
    }
    case 'timed_out':
      return `This gate timed out at ${at}.`;
    case 'cancelled':
      return `This gate was cancelled at ${at}${gate.close_comment ? `: ${gate.close_comment}.` : '.'}`;
    case 'pending':
      return 'This gate is still waiting for approval.';
  }
}

/**
 * Where a vote comes from, for a directory that takes teams or roles from the identity provider:
 * the directory with the voter's last sign-in merged in (`withIdentities`), and the channel.
 */
export interface VoteContext {
  directory: Directory;
  channel: VoteChannel;
  /** The voter's sign-in through the identity provider, when the vote comes from such a web session. */
  signin?: { auth_time?: number };
}

/**
 * Whether `email` may cast `decision` on the gate now. `user` is the voter as the directory knows
 * them today (a person removed from the directory, or demoted to viewer, loses the right at once).
 * The requester may still reject their own run: stopping it needs no second pair of eyes. When the
 * directory maps IdP groups, the voter must also still be in one of the gate's approver refs now,
 * and a membership that rests only on a stale sign-in counts only from the web (signed in).
 */
export function isEligible(
  gate: Gate,
  email: string,
  user: DirectoryUser | undefined,
  now: number,
  decision: 'approve' | 'reject' = 'approve',
  context?: VoteContext,
): Eligibility {
  if (gate.status !== 'pending') return { eligible: false, code: 'closed', reason: closedReason(gate) };
  if (now >= Date.parse(gate.deadline)) {
    return {
      eligible: false,
      code: 'expired',
      reason: `This gate expired at ${formatTime(gate.deadline)}; it no longer takes votes.`,
    };
  }
  if (!user) {
    return { eligible: false, code: 'unknown_user', reason: `${email} is not in the signoff directory.` };
  }
  if (user.role === 'viewer') {
    return {
      eligible: false,
      code: 'viewer',
      reason: `${user.name} has the viewer role; viewers cannot approve.`,
    };
  }
  const asked = askedPeople(gate).find((p) => sameEmail(p.email, email));
  if (!asked) {
    return {
      eligible: false,
      code: 'not_approver',
      reason: `${user.name} is not an approver of this gate (approvers: ${approverRefs(gate).join(', ')}).`,
    };
  }
  if (context?.directory.idp) {
    const refused = checkStanding(gate, user, context);
    if (refused) return refused;
  }
  const fresh = gate.config.require_signin;
  if (fresh && !signedInWithin(context?.signin, fresh.max_age_seconds, now)) {
    return {
      eligible: false,
      code: 'fresh_signin_required',
      reason: `This gate counts only votes cast on signoff's pages within ${describeSeconds(fresh.max_age_seconds)} of signing in through the identity provider: sign in again, then vote on the run's page.`,
    };
  }
  const requester = gate.requester;
  if (
    decision === 'approve' &&
    requester &&
    sameEmail(requester.email, email) &&
    !gate.config.allow_self_approval
  ) {
    return {
      eligible: false,
      code: 'self_approval',
      reason: `${user.name} started this run and cannot approve it (the gate does not allow self-approval).`,
    };
  }
  return { eligible: true, approver: { ...asked, name: user.name, role: user.role } };
}

/**
 * Refuses a voter who is no longer in any of the gate's refs (removed from the IdP group, seen at
 * their last sign-in), or whose only way in is a sign-in older than `identity_max_age` when the
 * vote does not come from a signed-in browser. A person the file lists without a role always
 * rests on their sign-in: even where the file names them, only their groups make them an approver.
 */
function checkStanding(
  gate: Gate,
  user: DirectoryUser,
  { directory, channel }: VoteContext,
): Eligibility | undefined {
  const standing = directory.identities?.[user.email.toLowerCase()];
  const fired = Object.keys(gate.escalations).flatMap(
    (i) => gate.config.escalation[Number(i)]?.approvers ?? [],
  );
  let byFile = false;
  let bySignin = false;
  for (const ref of [...approverRefs(gate), ...fired]) {
    const colon = ref.indexOf(':');
    const kind = ref.slice(0, colon);
    const value = ref.slice(colon + 1);
    if (kind === 'user' && sameEmail(value, user.email)) byFile = true;
    else if (kind === 'team' && directory.idp?.teams[value])
      bySignin ||= standing?.teams.includes(value) ?? false;
    else if (kind === 'team') byFile ||= (directory.teams[value] ?? []).some((m) => sameEmail(m, user.email));
    else if (kind === 'role' && user.role === value) {
      if (standing?.role_from_idp) bySignin = true;
      else byFile = true;
    }
  }
  if (!byFile && !bySignin) {
    return {
      eligible: false,
      code: 'not_approver',
      reason: `${user.name} is no longer an approver of this gate (approvers: ${approverRefs(gate).join(', ')}).`,
    };
  }
  const restsOnSignin = !byFile || standing?.role_from_idp === true;
  if (restsOnSignin && standing?.stale && channel !== 'web') {
    const age = describeSeconds(directory.idp?.max_age_seconds ?? 0);
    return {
      eligible: false,
      code: 'signin_needed',
      reason: `${user.name} last signed in to signoff on ${standing.signed_in_at.slice(0, 10)}, more than ${age} ago, and approves through the identity provider's groups: sign in to signoff once, then vote again.`,
    };
  }
  return undefined;
}

/** Whether the identity provider authenticated the voter within `maxAgeSeconds` before `now` (ms). */
function signedInWithin(signin: VoteContext['signin'], maxAgeSeconds: number, now: number): boolean {
  const authTime = signin?.auth_time;
  return authTime !== undefined && now - authTime * 1000 <= maxAgeSeconds * 1000;
}

/** `identity_max_age` as people read it: in the largest unit that divides it (30m stays 30 minutes, not "1 hour"). */
function describeSeconds(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day(s)`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  if (seconds % 60 === 0) return `${seconds / 60} minute(s)`;
  return `${seconds} second(s)`;
}

/** The approver refs of the gate: the step's, then those of every rule the plan matched. */
function approverRefs(gate: Gate): string[] {
  const ruled = (gate.rules ?? []).filter((r) => r.matched).flatMap((r) => r.approvers);
  return [...new Set([...gate.config.approvers, ...ruled])];
}

/** How many people could approve the gate at all (for the "can never open" warning). */
export function countPossibleApprovers(gate: Gate): number {
  return askedPeople(gate).filter(
    (p) =>
      p.role !== 'viewer' &&
      (gate.config.allow_self_approval || !gate.requester || !sameEmail(gate.requester.email, p.email)),
  ).length;
}

/**
 * The people asked on the gate who may still cast `decision`: not yet voted, not viewers, and not
 * the requester approving their own run unless the gate allows it. The directory's say (someone
 * removed since) is checked again when the vote is cast.
 */
export function mayStillVote(
  gate: Gate,
  votes: Pick<Vote, 'email'>[],
  decision: 'approve' | 'reject' = 'approve',
): Approver[] {
  return askedPeople(gate).filter(
    (p) =>
      p.role !== 'viewer' &&
      !votes.some((v) => sameEmail(v.email, p.email)) &&
      (decision === 'reject' ||
        gate.config.allow_self_approval ||
        !gate.requester ||
        !sameEmail(gate.requester.email, p.email)),
  );
}
