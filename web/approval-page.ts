/** The approval page an email link opens: the request's facts, plan, cost, policies, votes and the decision form. */
import type { ApprovalView } from '../functions/core/approval/approval-view.ts';
import type { Gate, Vote } from '../functions/core/ports.ts';
import type { PlanChanges } from '../functions/web/plan-changes.ts';
import type { PolicyResults } from '../functions/web/policy-report.ts';
import type { CostSummary } from '../statemachines/contract.ts';
import { renderGateCard } from './gate-card.ts';
import {
  type Flash,
  renderDeliveryFailures,
  renderFlash,
  renderVoteForm,
  renderVotes,
  statusBadge,
} from './gate-parts.ts';
import { html, type SafeHtml } from './html.ts';
import { renderLayout } from './layout.ts';
import { renderPlanSection } from './plan-section.ts';
import { renderPolicySection } from './policy-section.ts';

/** Everything the approval page shows. */
export interface ApprovalPageView {
  approval: ApprovalView;
  cost?: CostSummary;
  changes?: PlanChanges;
  /** Every policy result, read from the artifact store (the gate carries counts and failures only). */
  policyResults?: PolicyResults;
  votes: Vote[];
  voter: { email: string; name: string };
  /** The capability, posted back with the decision. */
  token: string;
  /** Why this voter cannot vote now; undefined when they can. */
  cannotVote?: string;
  /** The sign-in a `require_signin` gate needs before a vote counts (then on the run page). */
  signinHref?: string;
  flash?: Flash;
  /** The gate's announcements that were not delivered (none: every message went out). */
  delivery?: Pick<Gate, 'delivery_failures' | 'delivery_failures_dropped'>;
}

/** The approval page. */
export function renderApprovalPage(view: ApprovalPageView): string {
  const a = view.approval;
  const main = html`<div class="page-head">
  <p class="eyebrow">Approval request · ${a.gateName}</p>
  <h1>${a.workflow}</h1>
  <p>${statusBadge(a.status)} <span class="muted">${a.status === 'pending' ? `expires ${a.expiresIn}` : ''}</span></p>
</div>
${renderFlash(view.flash)}
${renderDeliveryFailures(view.delivery ?? {})}
${renderGateCard(a.card)}
<div class="grid">
  <section class="card decide" aria-labelledby="decide-title">
    <h2 id="decide-title">Your decision</h2>
    <p>Signed as <strong>${view.voter.name}</strong> <span class="muted">(${view.voter.email})</span> by your email link.</p>
    ${
      view.cannotVote
        ? html`<p class="notice-text">${view.cannotVote}</p>${view.signinHref ? html`<p><a class="button primary" href="${view.signinHref}">Sign in to vote</a></p>` : ''}`
        : renderVoteForm({
            action: `/approvals/${encodeURIComponent(a.gateId)}`,
            hidden: { t: view.token },
            idPrefix: 'approval',
          })
    }
  </section>
</div>
${a.plan ? renderPlanSection(a.plan, view.changes) : html`<section class="card"><h2>Plan</h2><p class="muted">This run has no plan step before the gate.</p></section>`}
${renderCost(view.cost)}
${renderPolicySection(a.policy, view.policyResults)}
${renderVotes(view.votes, a.votes)}`;
  return renderLayout({ title: `Approve ${a.workflow}`, main });
}

/** The cost estimate card. */
export function renderCost(cost: CostSummary | undefined): SafeHtml {
  if (!cost) return html``;
  if (!cost.estimated) {
    return html`<section class="card" aria-labelledby="cost-title"><h2 id="cost-title">Cost estimate</h2><p class="muted">Not estimated: ${cost.reason}</p></section>`;
  }
  const money = (n: number) =>
    cost.currency === 'USD' ? `$${n.toFixed(2)}` : `${n.toFixed(2)} ${cost.currency}`;
  const delta = cost.monthly_delta;
  return html`<section class="card" aria-labelledby="cost-title">
  <h2 id="cost-title">Cost estimate</h2>
  <dl class="facts cost">
    <div><dt>Monthly now</dt><dd>${money(cost.monthly_before)}</dd></div>
    <div><dt>Monthly after</dt><dd>${money(cost.monthly_after)}</dd></div>
    <div><dt>Change</dt><dd class="${delta > 0 ? 'bad' : 'ok'}">${delta > 0 ? '+' : delta < 0 ? '−' : ''}${money(Math.abs(delta))}/month</dd></div>
  </dl>
</section>`;
}
