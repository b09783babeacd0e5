/** The policy results as approvers read them: the counts, then every result when the page has them. */
import type { PolicyResults } from '../functions/web/policy-report.ts';
import type { PolicySummary } from '../statemachines/contract.ts';
import { html, type SafeHtml } from './html.ts';

type Row = PolicySummary['results'][number];

function renderRows(rows: Row[]): SafeHtml {
  return html`<div class="table-wrap"><table>
    <thead><tr><th scope="col">Result</th><th scope="col">Policy</th><th scope="col">Source</th><th scope="col">Severity</th><th scope="col">Message</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr>
      <td>${r.passed ? html`<span class="status st-approved">Passed</span>` : html`<span class="status st-rejected">Failed</span>`}</td>
      <td>${r.name}</td><td>${r.source}</td><td>${r.severity}</td><td>${r.message ?? ''}</td></tr>`,
    )}</tbody></table></div>`;
}

/**
 * The policy results card: every result read from the artifact store, or, when they cannot be
 * read, the failures the run carries and a line saying how many passed.
 */
export function renderPolicySection(policy: PolicySummary | undefined, full?: PolicyResults): SafeHtml {
  if (!policy) return html``;
  const counts = html`<p>${policy.passed} passed, ${policy.failed} failed${policy.mandatory_failed > 0 ? html`, <strong class="bad">${policy.mandatory_failed} mandatory</strong>` : ''}.</p>`;
  let body: SafeHtml;
  if (full && 'results' in full) {
    body = full.results.length === 0 ? html`` : renderRows(full.results);
  } else {
    const shown = policy.results.length;
    const notes = [
      full && 'error' in full ? full.error : undefined,
      policy.passed > 0 ? `${policy.passed} passed (not listed).` : undefined,
      policy.results_truncated ? `Showing ${shown} of ${policy.failed} failed.` : undefined,
    ].filter((n): n is string => n !== undefined);
    body = html`${notes.length > 0 ? html`<p class="muted">${notes.join(' ')}</p>` : ''}${shown > 0 ? renderRows(policy.results) : ''}`;
  }
  return html`<section class="card" aria-labelledby="policy-title">
  <h2 id="policy-title">Policy results</h2>
  ${counts}
  ${body}
</section>`;
}
