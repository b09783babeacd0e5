/**
 * The run page's build logs and drift diff. Each build step that started gets a log panel that
 * web/run-logs.js fills from the log endpoint, live while the step runs (the page is never
 * reloaded; without scripts the panel says so). An apply that refused on drift gets the
 * per-resource diff of the approved plan against its re-plan.
 */
import type { StepView } from '../functions/core/runs/run-view.ts';
import type { RunDrift } from '../functions/web/drift-views.ts';
import { html, type SafeHtml } from './html.ts';
import { actionBadge } from './plan-section.ts';

/** Steps whose build was asked for: a queued one shows its log as soon as a worker takes it. */
const SHOWN: ReadonlySet<StepView['status']> = new Set(['queued', 'running', 'succeeded', 'failed']);

/** The log panels of the run's build steps that started, and the script that fills them. */
export function renderBuildLogs(runId: string, steps: readonly StepView[]): SafeHtml {
  const builds = steps.filter((s) => s.type === 'iac' && SHOWN.has(s.status));
  if (builds.length === 0) return html``;
  return html`<section class="card" aria-labelledby="logs-title">
  <h2 id="logs-title">Build logs</h2>
  <p class="muted">Secrets are masked: known secret values, access keys, tokens and private keys show as ****.</p>
  ${builds.map((s) => {
    const id = `log-${s.id}`;
    const live = s.status === 'running' || s.status === 'queued';
    return html`<details class="build-log" id="${id}"${live || s.status === 'failed' ? html` open` : ''}>
    <summary><strong>${s.id}</strong> <span class="muted">${s.label}</span></summary>
    <p class="log-status muted" role="status" data-log-status>${live ? 'Waiting for the log…' : 'Loading the log…'}</p>
    <noscript><p class="muted">The log needs JavaScript to show here.</p></noscript>
    <pre class="log" tabindex="0" aria-label="Log of step ${s.id}" data-log-url="/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(s.id)}/log"></pre>
  </details>`;
  })}
</section>
<script src="/static/run-logs.js" defer></script>`;
}

const KIND: Record<string, string> = {
  added: 'only in the current plan',
  removed: 'only in the approved plan',
  changed: 'changed',
};

/** The drift of one apply step: the two hashes and what differs, resource by resource. */
export function renderDrift(drift: RunDrift): SafeHtml {
  const id = `drift-${drift.stepId}`;
  const { report, diff } = drift;
  return html`<section class="card drift" aria-labelledby="${id}-title">
  <h2 id="${id}-title">Plan drift: step ${drift.stepId} applied nothing</h2>
  <p>The plan made at apply time differs from the plan that was approved (step <strong>${report.plan_from}</strong>), so nothing was applied. Start a new run to plan and approve the current changes.</p>
  <dl class="drift-hashes">
    <dt>Approved plan</dt><dd><code class="hash">${report.approved_hash}</code></dd>
    <dt>Current plan</dt><dd><code class="hash">${report.current_hash}</code></dd>
  </dl>
  ${
    'error' in diff
      ? html`<p class="muted">${diff.error} Resources that differ: ${report.addresses.join(', ') || '(none named)'}.</p>`
      : diff.resources.length === 0
        ? html`<p class="muted">The two plans change the same resources in the same way; they differ outside the resource changes.</p>`
        : html`<ul class="drift-list">${diff.resources.map(
            (r) => html`<li class="drift-resource">
    <p class="drift-head"><code>${r.address}</code> <span class="badge drift-${r.kind}">${KIND[r.kind] ?? r.kind}</span></p>
    <p class="drift-actions">Approved: ${r.approved_action ? actionBadge(r.approved_action) : html`<span class="muted">no change</span>`} · Current: ${r.current_action ? actionBadge(r.current_action) : html`<span class="muted">no change</span>`}</p>
    ${
      r.attributes.length === 0
        ? r.kind === 'changed'
          ? html`<p class="muted">No attribute value differs; the planned action or other fields of the change do.</p>`
          : ''
        : html`<div class="table-wrap"><table class="attrs" aria-label="Attributes of ${r.address} that differ">
      <thead><tr><th scope="col">Attribute</th><th scope="col">Approved plan</th><th scope="col">Current plan</th></tr></thead>
      <tbody>${r.attributes.map(
        (a) =>
          html`<tr><th scope="row"><code>${a.name}</code>${a.side === 'prior' ? html` <small class="muted">(value before the change)</small>` : ''}</th><td><code class="before">${a.approved ?? '—'}</code></td><td><code class="after">${a.current ?? '—'}</code></td></tr>`,
      )}</tbody>
    </table></div>${r.attributes_truncated ? html`<p class="muted">More attributes differ than are shown.</p>` : ''}`
    }
  </li>`,
          )}</ul>${diff.truncated ? html`<p class="muted">Only the first ${diff.resources.length} differing resources are shown.</p>` : ''}`
  }
</section>`;
}
