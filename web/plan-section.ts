/** The plan as approvers read it: counts, the changed resources coloured by action, and the full plan. */

import type { PlanChangeRow, PlanChanges } from '../functions/web/plan-changes.ts';
import type { PlanSummary } from '../statemachines/contract.ts';
import { html, type SafeHtml } from './html.ts';

/** Resource lists longer than this start collapsed. */
const OPEN_LIMIT = 15;

const LABEL: Record<string, string> = {
  create: 'create',
  update: 'update',
  delete: 'destroy',
  replace: 'replace',
  read: 'read',
  none: 'no-op',
};

const SYMBOL: Record<string, string> = {
  create: '+',
  update: '~',
  delete: '−',
  replace: '±',
  read: '≡',
  none: ' ',
};

/** An action badge; the class carries the colour, the text carries the meaning. */
export function actionBadge(action: string): SafeHtml {
  return html`<span class="badge act-${action}"><span aria-hidden="true">${SYMBOL[action] ?? ''}</span> ${LABEL[action] ?? action}</span>`;
}

/** Counts as coloured chips: `3 to add`, `1 to change`, ... */
export function planCounts(plan: Pick<PlanSummary, 'add' | 'change' | 'destroy' | 'replace'>): SafeHtml {
  return html`<ul class="counts" aria-label="Planned changes">
  <li class="count act-create"><strong>${plan.add}</strong> to add</li>
  <li class="count act-update"><strong>${plan.change}</strong> to change</li>
  <li class="count act-delete"><strong>${plan.destroy}</strong> to destroy</li>
  ${plan.replace > 0 ? html`<li class="count act-replace"><strong>${plan.replace}</strong> to replace</li>` : ''}
</ul>`;
}

/** The plan section: counts, summary list, and (when loaded) the full per-resource changes. */
export function renderPlanSection(
  plan: PlanSummary,
  changes: PlanChanges | undefined,
  headingLevel = 2,
): SafeHtml {
  const list = html`<ul class="resources">${plan.resources.map(
    (r) => html`<li class="res act-${r.action}">${actionBadge(r.action)} <code>${r.address}</code></li>`,
  )}</ul>${plan.resources_truncated ? html`<p class="muted">The summary lists the first ${plan.resources.length} resources; the full plan below has all of them.</p>` : ''}`;
  const count = plan.resources.length;
  const heading =
    headingLevel === 2 ? html`<h2 id="plan-title">Plan</h2>` : html`<h3 id="plan-title">Plan</h3>`;
  return html`<section class="card" aria-labelledby="plan-title">
  ${heading}
  <p class="muted">Project <strong>${plan.project}</strong> · plan hash <code class="hash">${plan.hash}</code></p>
  ${planCounts(plan)}
  ${
    count === 0
      ? html`<p>No changes: the infrastructure already matches the configuration.</p>`
      : count > OPEN_LIMIT
        ? html`<details class="fold"><summary>Show all ${count} changed resources</summary>${list}</details>`
        : list
  }
  ${changes ? renderFullPlan(changes) : ''}
</section>`;
}

function renderFullPlan(changes: PlanChanges): SafeHtml {
  if ('error' in changes) return html`<p class="muted">${changes.error}</p>`;
  if (changes.rows.length === 0) return html``;
  return html`<details class="fold full-plan"${changes.rows.length <= 5 ? html` open` : ''}>
  <summary>Full plan: attribute changes per resource</summary>
  ${changes.rows.map(renderChange)}
  ${changes.truncated ? html`<p class="muted">Only the first ${changes.rows.length} resource changes are shown.</p>` : ''}
</details>`;
}

function renderChange(row: PlanChangeRow): SafeHtml {
  return html`<details class="change act-${row.action}">
  <summary>${actionBadge(row.action)} <code>${row.address}</code>${row.reason ? html` <span class="muted">(${row.reason.replaceAll('_', ' ')})</span>` : ''}</summary>
  ${
    row.attributes.length === 0
      ? html`<p class="muted">No attribute values in the plan.</p>`
      : html`<div class="table-wrap"><table class="attrs">
    <thead><tr><th scope="col">Attribute</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
    <tbody>${row.attributes.map(
      (a) =>
        html`<tr><th scope="row"><code>${a.name}</code></th><td><code class="before">${a.before ?? ''}</code></td><td><code class="after">${a.after ?? ''}</code></td></tr>`,
    )}</tbody>
  </table></div>`
  }
</details>`;
}
