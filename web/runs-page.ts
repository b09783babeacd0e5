/** The runs list: tabs "Needs my vote", "Waiting" and "All runs", outcomes, approvals, changes and cost. */
import type { RunListEntry } from '../functions/core/runs/run-view.ts';
import type { ProjectDriftStatus } from '../functions/web/drift-check-views.ts';
import type { RunsTab } from '../functions/web/run-views.ts';
import { renderDriftStatus } from './drift-check-parts.ts';
import { formatTimestamp, queryString } from './format.ts';
import { type FreezeListView, renderFreezeNotice } from './freeze-notice.ts';
import { html } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';
import { outcomeBadge, renderChanges, renderCostDelta } from './outcome-parts.ts';
import { renderStartForm, type StartFormView } from './start-run-form.ts';

/** What the runs page shows. */
export interface RunsPageView {
  user: LayoutUser;
  runs: RunListEntry[];
  tab: RunsTab;
  workflow?: string;
  workflows: string[];
  nextCursor?: string;
  /** The Start run form, with the workflows the signed-in person may start. */
  start?: StartFormView;
  /** Change freezes in effect and to come. */
  freezes?: FreezeListView;
  /** The projects the workflows check for drift, with each one's latest check. */
  drift?: ProjectDriftStatus[];
}

const TABS: { tab: RunsTab; label: string; empty: string }[] = [
  { tab: 'mine', label: 'Needs my vote', empty: 'Nothing is waiting for your vote.' },
  { tab: 'waiting', label: 'Waiting', empty: 'No run is waiting for approval.' },
  { tab: 'all', label: 'All runs', empty: 'No runs yet.' },
];

/** The runs page. */
export function renderRunsPage(view: RunsPageView): string {
  const tab = (t: (typeof TABS)[number]) =>
    html`<a href="/runs${queryString({ tab: t.tab, workflow: view.workflow })}" class="tab"${view.tab === t.tab ? html` aria-current="page"` : ''}>${t.label}</a>`;
  const current = TABS.find((t) => t.tab === view.tab) ?? TABS[2];
  const main = html`<div class="page-head">
  <h1>Runs</h1>
  <nav class="tabs" aria-label="Filter runs">${TABS.map(tab)}</nav>
</div>
${view.start ? renderStartForm(view.start) : ''}
${renderFreezeNotice(view.freezes)}
${renderDriftStatus(view.drift ?? [])}
<form method="get" action="/runs" class="filters">
  <input type="hidden" name="tab" value="${view.tab}">
  <label for="workflow">Workflow</label>
  <select id="workflow" name="workflow">
    <option value="">All workflows</option>
    ${view.workflows.map((w) => html`<option value="${w}"${w === view.workflow ? html` selected` : ''}>${w}</option>`)}
  </select>
  <button type="submit" class="button secondary">Filter</button>
</form>
<section class="card flush" aria-label="Runs">
${
  view.runs.length === 0
    ? html`<p class="empty">${current?.empty ?? ''}</p>`
    : html`<div class="table-wrap"><table class="runs">
  <thead><tr><th scope="col">Run</th><th scope="col">Workflow</th><th scope="col">Outcome</th><th scope="col">Approvals</th><th scope="col">Changes</th><th scope="col">Cost</th><th scope="col">Started by</th><th scope="col">Started</th></tr></thead>
  <tbody>${view.runs.map(
    (run) => html`<tr>
    <td><a href="/runs/${encodeURIComponent(run.id)}"><code>${run.id}</code></a></td>
    <td>${run.workflow} <span class="muted">${run.environment}</span>${run.bypass ? html` <span class="status st-bypass">Emergency bypass</span>` : ''}</td>
    <td class="outcome">${outcomeBadge(run.outcome)}<br><small class="muted">${run.outcome_detail}</small></td>
    <td class="nowrap">${run.gate_progress ? html`<span aria-label="${run.gate_progress} approvals">${run.gate_progress}</span>` : html`<span class="muted">—</span>`}</td>
    <td>${renderChanges(run.changes)}</td>
    <td>${renderCostDelta(run.changes)}</td>
    <td>${run.started_by?.name ?? run.trigger.type}</td>
    <td class="nowrap"><time datetime="${run.started_at}">${formatTimestamp(run.started_at)}</time></td>
  </tr>`,
  )}</tbody></table></div>`
}
</section>
${
  view.nextCursor
    ? html`<nav class="pager" aria-label="Pages"><a href="/runs${queryString({ tab: view.tab, workflow: view.workflow })}">First page</a> <a class="button secondary" href="/runs${queryString({ tab: view.tab, workflow: view.workflow, cursor: view.nextCursor })}">Next page →</a></nav>`
    : ''
}`;
  return renderLayout({ title: 'Runs', main, user: view.user, nav: 'runs' });
}
