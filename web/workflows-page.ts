/** The workflows page: each workflow's environment, triggers and steps, and what the last reload refused. */
import { stepLabel } from '../functions/core/runs/run-view.ts';
import type { Workflow } from '../statemachines/schema.ts';
import { html } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';

/** What the workflows page shows. */
export interface WorkflowsPageView {
  user: LayoutUser;
  workflows: Workflow[];
  /** Problems of refused workflow files, as `file:line:column: message`. */
  problems: string[];
}

function triggersOf(workflow: Workflow): string {
  const { manual, github, webhook } = workflow.triggers;
  return [
    manual ? `by hand (${manual.roles.join(', ')})` : '',
    github ? `GitHub PR merged into ${github.repository}@${github.branch}` : '',
    webhook ? 'signed webhook' : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The workflows page. */
export function renderWorkflowsPage(view: WorkflowsPageView): string {
  const problems =
    view.problems.length > 0
      ? html`<section class="flash flash-error" aria-labelledby="problems-title">
  <h2 id="problems-title">Refused workflow files</h2>
  <p>These files have problems, so they were not loaded. A file that loaded before keeps its previous version until it is fixed.</p>
  <ul>${view.problems.map((p) => html`<li><code>${p}</code></li>`)}</ul>
</section>`
      : '';
  const main = html`<div class="page-head"><h1>Workflows</h1></div>
${problems}
<section class="card flush" aria-label="Workflows">
${
  view.workflows.length === 0
    ? html`<p class="empty">No workflows are loaded.</p>`
    : html`<div class="table-wrap"><table class="runs">
  <thead><tr><th scope="col">Workflow</th><th scope="col">Started</th><th scope="col">Steps</th></tr></thead>
  <tbody>${[...view.workflows]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(
      (w) => html`<tr>
    <td><a href="/runs?workflow=${encodeURIComponent(w.name)}">${w.name}</a> <span class="muted">${w.environment}</span>${w.description ? html`<br><span class="muted">${w.description}</span>` : ''}</td>
    <td>${triggersOf(w)}</td>
    <td>${w.steps.map((s) => stepLabel(s)).join(' → ')}</td>
  </tr>`,
    )}</tbody></table></div>`
}
</section>`;
  return renderLayout({ title: 'Workflows', main, user: view.user, nav: 'workflows' });
}
