/** GET and POST of the approval page: the email link's capability names the gate and the approver. */
import { createError } from '@middy/util';
import { renderApprovalPage } from '../../web/approval-page.ts';
import type { Flash } from '../../web/gate-parts.ts';
import { directoryNow } from '../core/approval/approval-deps.ts';
import { buildApprovalView } from '../core/approval/approval-view.ts';
import { castVote } from '../core/approval/cast-vote.ts';
import { findUser } from '../core/approval/directory.ts';
import { closedReason, isEligible } from '../core/approval/eligibility.ts';
import { freshSigninPath, isGateId, sameEmail } from '../core/approval/gate.ts';
import { getGate } from '../core/approval/get-gate.ts';
import { alreadyVotedReason } from '../core/approval/vote-attempt.ts';
import { AuthError } from '../core/auth/auth-error.ts';
import { type Capability, verifyCapability } from '../core/auth/capability.ts';
import { getLinkSigningKey } from '../core/auth/signing-key.ts';
import { readFreezeNotice } from '../core/freeze/freeze-notice.ts';
import type { WebDeps } from '../wiring/http.ts';
import { assertSameOrigin } from './guards.ts';
import { loadPlanChanges } from './plan-changes.ts';
import { loadPolicyResults } from './policy-report.ts';
import { param, readForm, type WebRequest } from './request.ts';
import { htmlResponse, type WebResponse } from './responses.ts';
import { voteFlash } from './vote-flash.ts';
import { readWebVote } from './vote-request.ts';

/** `GET /approvals/{gateId}?t=...`: shows the request; changes nothing. */
export async function showApproval(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const gateId = gateIdOf(request);
  const capability = await checkCapability(deps, request.query.t, gateId);
  return approvalPage(deps, gateId, capability, request.query.t as string, 200);
}

/** `POST /approvals/{gateId}`: casts the approver's vote (channel `email`) and shows the outcome. */
export async function decideApproval(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const gateId = gateIdOf(request);
  const form = readForm(request);
  assertSameOrigin(request, deps.config.publicUrl);
  const capability = await checkCapability(deps, form.t, gateId);
  const vote = readWebVote(form);
  const outcome = await castVote(deps, { gateId, voter: capability.email, channel: 'email', ...vote });
  const { flash, status } = voteFlash(outcome);
  return approvalPage(deps, gateId, capability, form.t as string, status, flash);
}

function gateIdOf(request: WebRequest): string {
  const gateId = param(request, 'gateId');
  if (!isGateId(gateId)) throw createError(404, 'There is no such approval request.');
  return gateId;
}

async function checkCapability(
  deps: WebDeps,
  token: string | undefined,
  gateId: string,
): Promise<Capability> {
  if (!token)
    throw new AuthError('invalid', 'This approval link is incomplete: open the whole link from your email.');
  const key = await getLinkSigningKey(deps.secrets);
  return verifyCapability(key, token, gateId, deps.now());
}

async function approvalPage(
  deps: WebDeps,
  gateId: string,
  capability: Capability,
  token: string,
  status: number,
  flash?: Flash,
): Promise<WebResponse> {
  const found = await getGate(deps, gateId);
  if (!found) throw createError(404, 'There is no such approval request.');
  const { gate, votes } = found;
  const directory = await directoryNow(deps, capability.email);
  const user = findUser(directory, capability.email);
  const now = deps.now();
  let cannotVote: string | undefined;
  let signinHref: string | undefined;
  const own = votes.find((v) => sameEmail(v.email, capability.email));
  if (gate.status !== 'pending') cannotVote = closedReason(gate);
  else if (own) cannotVote = alreadyVotedReason(own);
  else {
    const eligibility = isEligible(gate, capability.email, user, now, 'approve', {
      directory,
      channel: 'email',
    });
    // The requester may still reject their own run, so a self-approval refusal keeps the form.
    if (!eligibility.eligible && eligibility.code !== 'self_approval') cannotVote = eligibility.reason;
    if (!eligibility.eligible && eligibility.code === 'fresh_signin_required')
      signinHref = freshSigninPath(gate);
  }
  const { plan, policy } = gate.data;
  const body = renderApprovalPage({
    approval: buildApprovalView(
      gate,
      now,
      deps.config.publicUrl,
      gate.status === 'pending'
        ? await readFreezeNotice(
            deps,
            { name: gate.workflow, environment: gate.run.environment },
            now,
            Date.parse(gate.deadline),
          )
        : undefined,
    ),
    ...(gate.data.cost ? { cost: gate.data.cost } : {}),
    ...(plan ? { changes: await loadPlanChanges(deps.artifacts, plan) } : {}),
    ...(policy ? { policyResults: await loadPolicyResults(deps.artifacts, policy) } : {}),
    votes,
    voter: { email: capability.email, name: user?.name ?? capability.email },
    token,
    ...(cannotVote ? { cannotVote } : {}),
    ...(signinHref ? { signinHref } : {}),
    ...(flash ? { flash } : {}),
    delivery: gate,
  });
  return htmlResponse(status, body, deps.config.local);
}
