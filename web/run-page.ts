/** One run: status, the bypass flag, steps with timings, plans, gates with votes and vote forms. */
import { buildApprovalView } from '../functions/core/approval/approval-view.ts';
import type { RunLockView } from '../functions/core/locks/lock-views.ts';
import { describeSource } from '../functions/core/runs/source.ts';
import type { RunDetail } from '../functions/web/run-views.ts';
import { renderBuildLogs, renderDrift } from './build-log-section.ts';
import { formatMs, formatTimestamp } from './format.ts';
import { renderGateCardBody } from './gate-card.ts';
import {
  type Flash,
  renderDeliveryFailures,
  renderFlash,
  renderSource,
  renderVoteForm,
  renderVotes,
  statusBadge,
} from './gate-parts.ts';
import { html, type SafeHtml } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';
import { outcomeBadge } from './outcome-parts.ts';
import { renderPlanSection } from './plan-section.ts';

/** What the run page shows. */
export interface RunPageView {
  user: LayoutUser;
  detail: RunDetail;
  now: number;
  publicUrl: string;
  flash?: Flash;
  /** A change freeze that concerns the run's pending gate (its card shows it). */
  freeze?: string;
}

/** What the run builds: its commit, or a warning that it builds the deploy-time snapshot. */
function runSource(detail: RunDetail): SafeHtml {
  const described = describeSource(detail.run.source);
  if (!described) return html``;
  if (detail.run.source?.type === 'snapshot') {
    return html`<div class="flash flash-warn" role="note"><strong>Built from the deploy-time snapshot.</strong> ${described.text}.</div>`;
  }
  return html`<p>Commit: ${renderSource(described)}</p>`;
}

/** The run page. */
export function renderRunPage(view: RunPageView): string {
  const { run, steps, gates, plans } = view.detail;
  const main = html`<div class="page-head">
  <p class="eyebrow"><a href="/runs">Runs</a> / ${run.workflow}</p>
  <h1>Run <code>${run.id}</code></h1>
  <p>${outcomeBadge(view.detail.outcome)} <span class="muted">${run.environment} · started ${formatTimestamp(run.started_at)} by ${run.started_by?.email ?? run.trigger.type}</span></p>
</div>
${renderFlash(view.flash)}
${runSource(view.detail)}
${
  run.bypass
    ? html`<div class="flash flash-warn" role="note"><strong>Emergency bypass.</strong> This production run had no approval gate; it is flagged for post-incident review.${run.reason ? html` Reason given: “${run.reason}”` : ''}</div>`
    : run.reason
      ? html`<p>Reason: ${run.reason}</p>`
      : ''
}
${run.no_changes ? html`<div class="flash flash-no-changes" role="note"><strong>No changes.</strong> The plan found nothing to change, so no approval was asked for and nothing was applied.</div>` : renderOutcome(view.detail)}
${view.detail.github_failure ? html`<div class="flash flash-warn" role="note">${view.detail.github_failure} The run goes on regardless.</div>` : ''}
${renderLocks(view.detail.locks ?? [])}
<section class="card flush" aria-labelledby="steps-title">
  <h2 id="steps-title" class="pad">Steps</h2>
  ${view.detail.history_error ? html`<p class="muted pad">${view.detail.history_error}</p>` : ''}
  <div class="table-wrap"><table class="steps">
    <thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
    <tbody>${steps.map(
      (s) => html`<tr>
      <th scope="row"><span class="step-id">${s.id}</span> <span class="muted">${s.label}</span>${s.error ? html`<br><small class="bad">${s.detail ?? s.error}</small>` : ''}
        ${view.detail.conditions?.[s.id] ? html`<br><small class="condition-outcome">${view.detail.conditions[s.id]}</small>` : ''}</th>
      <td>${statusBadge(s.status === 'pending' ? 'not_started' : s.status)}</td>
      <td>${s.started_at ? html`<time datetime="${s.started_at}">${formatTimestamp(s.started_at)}</time>` : '—'}</td>
      <td>${s.duration_ms !== undefined ? formatMs(s.duration_ms) : s.started_at ? 'running' : '—'}</td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>
${(view.detail.drifts ?? []).map(renderDrift)}
${gates.map((g) => renderGate(view, g))}
${plans.map((p) => renderPlanSection(p.plan, p.changes))}
${renderBuildLogs(run.id, steps)}`;
  return renderLayout({ title: `Run ${run.id}`, main, user: view.user, nav: 'runs' });
}

/** The run's outcome as a sentence: a warning banner when it ended badly, a line otherwise. */
function renderOutcome(detail: RunDetail): SafeHtml {
  const good = ['Succeeded', 'No changes', 'Bypassed', 'Running', 'Waiting for approval', 'Queued'];
  if (good.includes(detail.outcome)) return html`<p class="outcome-detail">${detail.outcome_detail}</p>`;
  if (detail.outcome === 'Frozen')
    return html`<div class="flash flash-warn" role="status"><strong>Frozen.</strong> ${detail.outcome_detail} It applies by itself once the freeze ends; only an emergency bypass goes through a freeze.</div>`;
  return html`<div class="flash flash-error" role="note"><strong>${detail.outcome}.</strong> ${detail.outcome_detail}</div>`;
}

/** Who holds the lock of each project the run's workflow locks, or that this run waits for it. */
function renderLocks(locks: RunLockView[]): SafeHtml | string {
  if (locks.length === 0) return '';
  const runLink = (id: string) => html`<a href="/runs/${encodeURIComponent(id)}"><code>${id}</code></a>`;
  return html`<section class="card" aria-labelledby="locks-title">
  <h2 id="locks-title">Project lock</h2>
  <ul class="locks">${locks.map((l) => {
    const by = l.held_by;
    if (by?.held_for_admin)
      return html`<li><strong>${l.project}</strong>: ${statusBadge('failed')} locked by run ${runLink(by.run_id)} until an admin releases it: ${by.held_for_admin} (<code>signoff unlock ${l.project} --reason ...</code>)</li>`;
    if (l.this_run === 'holds')
      return html`<li><strong>${l.project}</strong>: locked by this run since <time datetime="${by?.since ?? ''}">${formatTimestamp(by?.since ?? '')}</time></li>`;
    if (l.this_run === 'waits' && by)
      return html`<li><strong>${l.project}</strong>: ${statusBadge('waiting')} waiting for project lock held by run ${runLink(by.run_id)} (${by.workflow}) since <time datetime="${by.since}">${formatTimestamp(by.since)}</time></li>`;
    if (by)
      return html`<li><strong>${l.project}</strong>: locked by run ${runLink(by.run_id)} (${by.workflow})</li>`;
    return html`<li><strong>${l.project}</strong>: not locked</li>`;
  })}</ul>
</section>`;
}

function renderGate(view: RunPageView, g: RunDetail['gates'][number]): SafeHtml {
  const approval = buildApprovalView(g.gate, view.now, view.publicUrl, view.freeze);
  const id = `gate-${g.gate.gate_id}`;
  return html`<section class="card" aria-labelledby="${id}">
  <h2 id="${id}">${approval.gateName} ${statusBadge(g.gate.status)}</h2>
  ${renderGateCardBody(approval.card, id)}
  ${renderDeliveryFailures(g.gate, `${id}-delivery`)}
  ${
    g.cannotVote
      ? html`<p class="notice-text">${g.cannotVote}</p>${g.signinHref ? html`<p><a class="button primary" href="${g.signinHref}">Sign in again to vote</a></p>` : ''}`
      : renderVoteForm({
          action: `/runs/${encodeURIComponent(view.detail.run.id)}`,
          hidden: { gate: g.gate.gate_id, csrf: view.user.csrf },
          idPrefix: id,
        })
  }
</section>
${renderVotes(g.votes, approval.votes, `${id}-votes`)}`;
}
