/** How a run's outcome, its approvals and its changes read in lists and on the run page. */
import { formatCost } from '../functions/core/approval/approval-view.ts';
import type { RunOutcome } from '../functions/core/runs/run-outcome.ts';
import type { RunChanges } from '../functions/core/runs/run-view.ts';
import { html, type SafeHtml } from './html.ts';

/** The badge tone of each outcome (the classes the status badges already use). */
const OUTCOME_TONE: Record<RunOutcome, string> = {
  Succeeded: 'succeeded',
  'No changes': 'succeeded',
  Bypassed: 'bypass',
  Rejected: 'rejected',
  'Timed out': 'timed_out',
  Cancelled: 'cancelled',
  'Blocked by drift': 'failed',
  'Apply failed': 'failed',
  'Plan failed': 'failed',
  Failed: 'failed',
  Running: 'running',
  'Waiting for approval': 'waiting',
  Queued: 'queued',
  Frozen: 'queued',
};

/** An outcome as a coloured pill with its words. */
export function outcomeBadge(outcome: RunOutcome): SafeHtml {
  return html`<span class="status st-${OUTCOME_TONE[outcome]}">${outcome}</span>`;
}

/** `+3 ~1 -0` with a readable label, or a dash when the run has no plan to show. */
export function renderChanges(changes: RunChanges | undefined): SafeHtml {
  if (!changes) return html`<span class="muted">—</span>`;
  const { add, change, destroy } = changes;
  return html`<span class="nowrap" aria-label="${add} to add, ${change} to change, ${destroy} to destroy">+${add} ~${change} −${destroy}</span>`;
}

/** The monthly cost delta (`+$45.20/month`), or a dash. */
export function renderCostDelta(changes: RunChanges | undefined): SafeHtml {
  if (!changes?.cost?.estimated) return html`<span class="muted">—</span>`;
  return html`<span class="nowrap">${formatCost(changes.cost)}</span>`;
}
