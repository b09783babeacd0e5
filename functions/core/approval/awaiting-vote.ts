/**
 * The gates waiting for one person's vote: what the "Needs my vote" tab lists. Uses the same
 * eligibility rules a vote is checked with, so the tab never offers a gate that would refuse it.
 */
import type { Workflow } from '../../../statemachines/schema.ts';
import type { Gate } from '../ports.ts';
import { directoryNow, type VoteDeps } from './approval-deps.ts';
import { findUser, resolveApprovers } from './directory.ts';
import { isEligible } from './eligibility.ts';
import { sameEmail } from './gate.ts';

/**
 * Pending gates `email` may approve now: eligible (an approver, not a viewer, before the
 * deadline), not yet voted, and not barred as the run's requester. Oldest request first.
 */
export async function listGatesAwaitingVote(
  deps: Pick<VoteDeps, 'gates' | 'votes' | 'directory' | 'identities' | 'now'>,
  email: string,
  limit: number,
): Promise<Gate[]> {
  const directory = await directoryNow(deps, email);
  const user = findUser(directory, email);
  if (!user || user.role === 'viewer') return [];
  const now = deps.now();
  const pending = await deps.gates.listByStatus('pending', limit);
  // A gate that wants a recent sign-in still waits for this person: the run page asks for it.
  const eligible = pending.filter((g) => {
    const eligibility = isEligible(g, email, user, now, 'approve', { directory, channel: 'web' });
    return eligibility.eligible || eligibility.code === 'fresh_signin_required';
  });
  const voted = await Promise.all(
    eligible.map(async (g) => (await deps.votes.list(g.gate_id)).some((v) => sameEmail(v.email, email))),
  );
  return eligible.filter((_, i) => !voted[i]);
}

/**
 * Whether `email` approves anywhere: a developer or admin named (as a user, through a team or a
 * role) by an approval step or escalation level of any workflow.
 */
export function isApproverAnywhere(
  directory: VoteDeps['directory'],
  workflows: readonly Workflow[],
  email: string,
): boolean {
  const user = findUser(directory, email);
  if (!user || user.role === 'viewer') return false;
  const refs = workflows.flatMap((w) =>
    w.steps.flatMap((s) =>
      s.type === 'approval' ? [...s.approvers, ...(s.escalation ?? []).flatMap((e) => e.approvers)] : [],
    ),
  );
  return resolveApprovers(directory, refs).people.some((p) => sameEmail(p.email, email));
}
