/** The runs list: newest first, filter "Waiting for approval", next-page link. */
import type { RunListEntry } from '../functions/core/runs/run-view.ts';
import { formatTimestamp, queryString } from './format.ts';
import { statusBadge } from './gate-parts.ts';
import { html } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';
import { renderStartForm, type StartFormView } from './start-run-form.ts';

/** What the runs page shows. */
export interface RunsPageView {
  user: LayoutUser;
  runs: RunListEntry[];
  waiting: boolean;
  workflow?: string;
  workflows: string[];
  nextCursor?: string;
  /** The Start run form, with the workflows the signed-in person may start. */
  start?: StartFormView;
}

/** The runs page. */
export function renderRunsPage(view: RunsPageView): string {
  const tab = (waiting: boolean, label: string) =>
    html`<a href="/runs${queryString({ status: waiting ? 'waiting' : undefined, workflow: view.workflow })}" class="tab"${view.waiting === waiting ? html` aria-current="page"` : ''}>${label}</a>`;
  const main = html`<div class="page-head">
  <h1>Runs</h1>
  <nav class="tabs" aria-label="Filter runs">${tab(false, 'All runs')}${tab(true, 'Waiting for approval')}</nav>
</div>
${view.start ? renderStartForm(view.start) : ''}
<form method="get" action="/runs" class="filters">
  ${view.waiting ? html`<input type="hidden" name="status" value="waiting">` : ''}
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
    ? html`<p class="empty">${view.waiting ? 'No run is waiting for approval.' : 'No runs yet.'}</p>`
    : html`<div class="table-wrap"><table class="runs">
  <thead><tr><th scope="col">Run</th><th scope="col">Workflow</th><th scope="col">Status</th><th scope="col">Started by</th><th scope="col">Started</th></tr></thead>
  <tbody>${view.runs.map(
    (run) => html`<tr>
    <td><a href="/runs/${encodeURIComponent(run.id)}"><code>${run.id}</code></a></td>
    <td>${run.workflow} <span class="muted">${run.environment}</span>${run.bypass ? html` <span class="status st-bypass">Emergency bypass</span>` : ''}</td>
    <td>${run.waiting_gate ? statusBadge('waiting') : run.queued_step ? statusBadge('queued') : statusBadge(run.status)}</td>
    <td>${run.started_by?.name ?? run.trigger.type}</td>
    <td class="nowrap"><time datetime="${run.started_at}">${formatTimestamp(run.started_at)}</time></td>
  </tr>`,
  )}</tbody></table></div>`
}
</section>
${
  view.nextCursor
    ? html`<nav class="pager" aria-label="Pages"><a href="/runs${queryString({ workflow: view.workflow })}">First page</a> <a class="button secondary" href="/runs${queryString({ workflow: view.workflow, cursor: view.nextCursor })}">Next page →</a></nav>`
    : ''
}`;
  return renderLayout({ title: 'Runs', main, user: view.user, nav: 'runs' });
}
