/** The audit log: filters by action, user, workflow, run and time, newest first, next page, CSV and JSON export. */
import { AUDIT_ACTION_LABELS } from '../functions/core/audit/audit-filter.ts';
import { describeAuditEvent } from '../functions/core/audit/describe-audit-event.ts';
import type { AuditEvent, AuditFilter } from '../functions/core/ports.ts';
import { formatMs, formatTimestamp, queryString } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';

/** What the audit page shows. */
export interface AuditPageView {
  user: LayoutUser;
  events: AuditEvent[];
  /** The filters as asked for (`from` and `to` as typed). */
  filter: AuditFilter;
  cursor?: string;
  nextCursor?: string;
  workflows: string[];
}

const ACTION_TONE: Record<string, string> = {
  approved: 'approved',
  applied: 'approved',
  rejected: 'rejected',
  refused: 'rejected',
  start_refused: 'rejected',
  notification_failed: 'rejected',
  timed_out: 'timed_out',
  bypass_started: 'bypass',
  plan_drift_blocked: 'rejected',
  plan_failed: 'rejected',
  policy_failed: 'rejected',
  apply_failed: 'rejected',
};

/** The audit page. */
export function renderAuditPage(view: AuditPageView): string {
  const f = view.filter;
  const filters = {
    action: f.action,
    actor: f.actor,
    workflow: f.workflow,
    run: f.run,
    from: f.from,
    to: f.to,
  };
  const here = { ...filters, cursor: view.cursor };
  const main = html`<div class="page-head">
  <h1>Audit log</h1>
  <p class="muted">Every request, decision, refusal and timeout, newest first. Emergency bypasses are flagged for post-incident review.</p>
</div>
<form method="get" action="/audit" class="filters audit-filters">
  <div class="field"><label for="action">Action</label>
  <select id="action" name="action">
    <option value="">All actions</option>
    ${Object.entries(AUDIT_ACTION_LABELS).map(([a, label]) => html`<option value="${a}"${a === f.action ? html` selected` : ''}>${label}</option>`)}
  </select></div>
  <div class="field"><label for="actor">User</label>
  <input id="actor" name="actor" type="text" value="${f.actor ?? ''}" placeholder="jane@acme.com"></div>
  <div class="field"><label for="workflow">Workflow</label>
  <select id="workflow" name="workflow">
    <option value="">All workflows</option>
    ${view.workflows.map((w) => html`<option value="${w}"${w === f.workflow ? html` selected` : ''}>${w}</option>`)}
  </select></div>
  <div class="field"><label for="run">Run</label>
  <input id="run" name="run" type="text" value="${f.run ?? ''}" placeholder="run id"></div>
  <div class="field"><label for="from">From (UTC)</label>
  <input id="from" name="from" type="date" value="${f.from ?? ''}"></div>
  <div class="field"><label for="to">To (UTC, inclusive)</label>
  <input id="to" name="to" type="date" value="${f.to ?? ''}"></div>
  <button type="submit" class="button secondary">Filter</button>
  ${Object.values(filters).some(Boolean) ? html`<a href="/audit">Clear filters</a>` : ''}
  <span class="exports">Export these rows:
    <a href="/audit${queryString({ ...here, format: 'csv' })}" download>CSV</a>
    <a href="/audit${queryString({ ...here, format: 'json' })}" download>JSON</a>
  </span>
</form>
<section class="card flush" aria-label="Audit events">
${
  view.events.length === 0
    ? html`<p class="empty">No audit events match.</p>`
    : html`<div class="table-wrap"><table class="audit">
  <thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Workflow / run</th><th scope="col">Details</th></tr></thead>
  <tbody>${view.events.map(renderRow)}</tbody></table></div>`
}
</section>
<nav class="pager" aria-label="Pages">
  ${view.cursor ? html`<a href="/audit${queryString(filters)}">First page</a>` : ''}
  ${view.nextCursor ? html`<a class="button secondary" href="/audit${queryString({ ...filters, cursor: view.nextCursor })}">Older events →</a>` : ''}
</nav>`;
  return renderLayout({ title: 'Audit log', main, user: view.user, nav: 'audit' });
}

/** `via email · after 25 min`, or nothing. */
function meta(event: AuditEvent): string {
  return [
    event.channel ? `via ${event.channel}` : '',
    event.response_time_ms !== undefined ? `after ${formatMs(event.response_time_ms)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function renderRow(event: AuditEvent): SafeHtml {
  const plan = event.plan_summary;
  const bypass = event.action === 'bypass_started';
  return html`<tr${bypass ? html` class="row-bypass"` : ''}>
  <td class="nowrap"><time datetime="${event.at}">${formatTimestamp(event.at)}</time></td>
  <td><span class="status st-${ACTION_TONE[event.action] ?? 'neutral'}">${AUDIT_ACTION_LABELS[event.action] ?? event.action.replaceAll('_', ' ')}</span>${bypass ? html`<br><strong class="bad">Emergency bypass: review</strong>` : ''}</td>
  <td>${event.actor.name}<br><span class="muted">${event.actor.email}</span></td>
  <td>${event.workflow}<br><a href="/runs/${encodeURIComponent(event.run_id)}"><code>${event.run_id}</code></a></td>
  <td class="details">
    ${meta(event) ? html`<div class="muted">${meta(event)}</div>` : ''}
    ${plan ? html`<div class="muted">${plan.project}: +${plan.add} ~${plan.change} −${plan.destroy}</div>` : ''}
    <div>${describeAuditEvent(event)}</div>
  </td>
</tr>`;
}
