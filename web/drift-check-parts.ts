/** How drift checks read on the runs list and the project pages. */

import type { DriftCheckRecord } from '../functions/core/drift-checks/drift-check-store.ts';
import type { ProjectDriftStatus } from '../functions/web/drift-check-views.ts';
import { describeDriftedResource } from '../statemachines/placeholders.ts';
import { formatTimestamp } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** A check's status as a coloured pill. */
export function driftBadge(check: DriftCheckRecord | undefined): SafeHtml {
  if (!check) return html`<span class="status st-not_started">Not checked yet</span>`;
  return check.status === 'drifted'
    ? html`<span class="status st-failed">Drifted (${check.drifted})</span>`
    : html`<span class="status st-succeeded">In sync</span>`;
}

/** The resources a check found, one per line, and how many more it did not list. */
export function driftResources(check: DriftCheckRecord): SafeHtml {
  if (check.resources.length === 0) return html`<span class="muted">—</span>`;
  const more = check.drifted - check.resources.length;
  return html`<ul class="drift-resources">${check.resources.map((r) => html`<li><code>${describeDriftedResource(r)}</code></li>`)}</ul>${more > 0 ? html`<small class="muted">and ${more} more in the run's drift-check.json</small>` : ''}`;
}

/** The fix-up run a check started, linked, or a dash. */
export function fixUpLink(check: DriftCheckRecord): SafeHtml {
  const fixUp = check.fix_up;
  if (!fixUp) return html`<span class="muted">—</span>`;
  if (!fixUp.run_id)
    return html`<span class="muted">${fixUp.workflow}: not started (${fixUp.message ?? fixUp.outcome})</span>`;
  return html`<a href="/runs/${encodeURIComponent(fixUp.run_id)}">${fixUp.workflow}</a>`;
}

/** The runs list's drift section: each checked project, its status and when it was last checked. */
export function renderDriftStatus(projects: ProjectDriftStatus[]): SafeHtml | string {
  if (projects.length === 0) return '';
  return html`<section class="card flush" aria-label="Drift checks">
<div class="table-wrap"><table class="drift-status">
  <caption>Drift checks: does each project still match its code?</caption>
  <thead><tr><th scope="col">Project</th><th scope="col">Status</th><th scope="col">Last checked</th><th scope="col">Check run</th><th scope="col">Fix-up</th></tr></thead>
  <tbody>${projects.map(
    ({ project, latest }) => html`<tr>
    <td><a href="/projects/${encodeURIComponent(project)}">${project}</a></td>
    <td>${driftBadge(latest)}</td>
    <td class="nowrap">${latest ? html`<time datetime="${latest.checked_at}">${formatTimestamp(latest.checked_at)}</time>` : html`<span class="muted">—</span>`}</td>
    <td>${latest ? html`<a href="/runs/${encodeURIComponent(latest.run_id)}"><code>${latest.run_id}</code></a>` : html`<span class="muted">—</span>`}</td>
    <td>${latest ? fixUpLink(latest) : html`<span class="muted">—</span>`}</td>
  </tr>`,
  )}</tbody></table></div>
</section>`;
}
