/** The approvals report: response-time distribution and timeouts per month per workflow, charted and tabled. */
import type { ApprovalReport } from '../functions/web/approval-report.ts';
import { renderBarChart } from './bar-chart.ts';
import { formatMs } from './format.ts';
import { html } from './html.ts';
import { type LayoutUser, renderLayout } from './layout.ts';

/** What the report page shows. */
export interface ReportPageView {
  user: LayoutUser;
  report: ApprovalReport;
  workflow?: string;
  workflows: string[];
}

/** The report page. */
export function renderReportPage(view: ReportPageView): string {
  const r = view.report;
  const rate = r.requested > 0 ? Math.round((r.timedOut / r.requested) * 100) : 0;
  const timeouts = renderBarChart({
    id: 'timeouts',
    title: 'Approval timeouts per month',
    description: `Timed-out approval requests per month${r.workflows.length > 1 ? ', one bar per workflow' : ''}, ${r.months[0] ?? ''} to ${r.months.at(-1) ?? ''}.`,
    categories: r.months,
    series: (r.workflows.length > 0 ? r.workflows : ['none']).map((w) => ({
      name: w,
      values: r.months.map((m) => r.rows.find((row) => row.month === m && row.workflow === w)?.timedOut ?? 0),
    })),
    yLabel: 'timeouts',
  });
  const distribution = renderBarChart({
    id: 'response-times',
    title: 'Time from request to decision',
    description: `How many approval gates were decided within each time range since ${r.since.slice(0, 10)}.`,
    categories: r.buckets.map((b) => b.label),
    series: [{ name: 'decisions', values: r.buckets.map((b) => b.count) }],
    yLabel: 'gates decided',
  });
  const main = html`<div class="page-head">
  <h1>Approval report</h1>
  <p class="muted">Since ${r.since.slice(0, 10)}, from the audit trail. Review timeouts monthly: frequent timeouts mean the timeout is too short or the wrong people are asked.</p>
</div>
<form method="get" action="/reports/approvals" class="filters">
  <label for="workflow">Workflow</label>
  <select id="workflow" name="workflow">
    <option value="">All workflows</option>
    ${view.workflows.map((w) => html`<option value="${w}"${w === view.workflow ? html` selected` : ''}>${w}</option>`)}
  </select>
  <button type="submit" class="button secondary">Show</button>
</form>
<ul class="stats" aria-label="Totals">
  <li><strong>${r.requested}</strong> requested</li>
  <li><strong>${r.decided}</strong> decided</li>
  <li class="${r.timedOut > 0 ? 'bad' : ''}"><strong>${r.timedOut}</strong> timed out (${rate}%)</li>
</ul>
${r.truncated ? html`<p class="flash flash-warn">The audit trail is long; this report covers only its most recent events.</p>` : ''}
<div class="grid">
  <section class="card" aria-labelledby="timeouts-h"><h2 id="timeouts-h">Timeouts per month</h2>${timeouts}</section>
  <section class="card" aria-labelledby="dist-h"><h2 id="dist-h">Response time distribution</h2>${distribution}</section>
</div>
<section class="card flush" aria-labelledby="table-h">
  <h2 id="table-h" class="pad">Per month and workflow</h2>
  ${
    r.rows.length === 0
      ? html`<p class="empty">No approval requests in this period.</p>`
      : html`<div class="table-wrap"><table>
    <thead><tr><th scope="col">Month</th><th scope="col">Workflow</th><th scope="col" class="num">Requested</th><th scope="col" class="num">Decided</th><th scope="col" class="num">Timed out</th><th scope="col" class="num">Median response</th></tr></thead>
    <tbody>${r.rows.map(
      (row) =>
        html`<tr><td>${row.month}</td><td>${row.workflow}</td><td class="num">${row.requested}</td><td class="num">${row.decided}</td><td class="num${row.timedOut > 0 ? ' bad' : ''}">${row.timedOut}</td><td class="num">${formatMs(row.medianMs)}</td></tr>`,
    )}</tbody></table></div>`
  }
</section>`;
  return renderLayout({ title: 'Approval report', main, user: view.user, nav: 'reports' });
}
