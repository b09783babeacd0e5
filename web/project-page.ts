/** One project's page: its drift-check history, most recent first, with the resources each found. */
import type { DriftCheckRecord } from '../functions/core/drift-checks/drift-check-store.ts';
import { driftBadge, driftResources, fixUpLink } from './drift-check-parts.ts';
import { formatTimestamp } from './format.ts';
import { html } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';

/** What the project page shows. */
export interface ProjectPageView {
  user: LayoutUser;
  project: string;
  /** Newest first. */
  checks: DriftCheckRecord[];
}

/** The project page. */
export function renderProjectPage(view: ProjectPageView): string {
  const main = html`<div class="page-head">
  <h1>Project ${view.project}</h1>
  <p>Drift check status: ${driftBadge(view.checks[0])}</p>
</div>
<section class="card flush" aria-label="Drift-check history">
${
  view.checks.length === 0
    ? html`<p class="empty">No drift check of ${view.project} has run yet.</p>`
    : html`<div class="table-wrap"><table class="drift-history">
  <caption>Drift checks, most recent first</caption>
  <thead><tr><th scope="col">Checked</th><th scope="col">Status</th><th scope="col">Resources that differ</th><th scope="col">Run</th><th scope="col">Fix-up</th></tr></thead>
  <tbody>${view.checks.map(
    (check) => html`<tr>
    <td class="nowrap"><time datetime="${check.checked_at}">${formatTimestamp(check.checked_at)}</time>${check.commit ? html`<br><small class="muted">commit <code>${check.commit.slice(0, 7)}</code></small>` : ''}</td>
    <td>${driftBadge(check)}</td>
    <td>${driftResources(check)}</td>
    <td><a href="/runs/${encodeURIComponent(check.run_id)}"><code>${check.run_id}</code></a><br><small class="muted">${check.workflow}</small></td>
    <td>${fixUpLink(check)}</td>
  </tr>`,
  )}</tbody></table></div>`
}
</section>`;
  return renderLayout({ title: `Project ${view.project}`, main, user: view.user, nav: 'runs' });
}
