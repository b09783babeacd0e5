/**
 * Pieces the approval page and the run page share: status badges, undelivered
 * announcements, policies, votes, vote forms.
 */
import { describeDeliveryFailure } from '../functions/core/notify/delivery-failures.ts';
import type { DeliveryFailure, GateStatus, Vote } from '../functions/core/ports.ts';
import { html, type SafeHtml } from './html.ts';

const STATUS_LABEL: Record<string, string> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Rejected',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  ABORTED: 'Aborted',
  TIMED_OUT: 'Timed out',
  waiting: 'Waiting for approval',
  running: 'Running',
  queued: 'Queued',
  succeeded: 'Succeeded',
  failed: 'Failed',
  caught: 'Failed (handled)',
  skipped: 'Not reached',
  not_started: 'Not started',
};

/** A status as a coloured pill with words (colour is never the only signal). */
export function statusBadge(status: GateStatus | string): SafeHtml {
  return html`<span class="status st-${status.toLowerCase()}">${STATUS_LABEL[status] ?? status}</span>`;
}

/** A run's source: the short SHA in code, linked to the commit when the repository is on GitHub. */
export function renderSource(source: { text: string; url?: string }): SafeHtml {
  const [sha, ...rest] = source.text.split(' ');
  if (!source.url) return html`${source.text}`;
  return html`<a href="${source.url}"><code>${sha}</code></a> ${rest.join(' ')}`;
}

/**
 * The announcements of a gate that never arrived ("Email to X failed: reason"), so nobody takes
 * silence for an answer; nothing when every message went out.
 */
export function renderDeliveryFailures(
  gate: { delivery_failures?: DeliveryFailure[]; delivery_failures_dropped?: number },
  headingId = 'delivery-title',
): SafeHtml {
  const failures = gate.delivery_failures ?? [];
  const dropped = gate.delivery_failures_dropped ?? 0;
  if (failures.length === 0 && dropped === 0) return html``;
  return html`<section class="card delivery-failures" role="note" aria-labelledby="${headingId}">
  <h2 id="${headingId}">Not everyone was told</h2>
  <p>These messages about this request could not be delivered. The people below may not know it is waiting: tell them another way, and ask an admin to fix the channel.</p>
  <ul class="failures">${failures.map(
    (f) =>
      html`<li><span class="status st-rejected">Not delivered</span> ${describeDeliveryFailure(f)} <span class="muted">· <time datetime="${f.at}">${f.at.replace('T', ' ').slice(0, 16)} UTC</time></span></li>`,
  )}</ul>
  ${dropped > 0 ? html`<p class="muted">And ${dropped} more not listed here; the audit log has every one.</p>` : ''}
</section>`;
}

/** The votes cast so far, oldest first. */
export function renderVotes(votes: Vote[], approvals: string, headingId = 'votes-title'): SafeHtml {
  return html`<section class="card" aria-labelledby="${headingId}">
  <h2 id="${headingId}">Votes <span class="muted">(${approvals})</span></h2>
  ${
    votes.length === 0
      ? html`<p class="muted">No votes yet.</p>`
      : html`<ul class="votes">${votes.map(
          (v) => html`<li>
      ${v.decision === 'approve' ? html`<span class="status st-approved">Approved</span>` : html`<span class="status st-rejected">Rejected</span>`}
      <strong>${v.name}</strong> <span class="muted">${v.email} · via ${v.channel} · <time datetime="${v.at}">${v.at.replace('T', ' ').slice(0, 16)} UTC</time></span>
      ${v.comment ? html`<blockquote>${v.comment}</blockquote>` : ''}
    </li>`,
        )}</ul>`
  }
</section>`;
}

/**
 * The Approve form (an optional comment) and the Reject form, which needs a reason and a ticked
 * "I want to reject" box (the server refuses a rejection without them); only a real click submits.
 */
export function renderVoteForm(opts: {
  action: string;
  hidden: Record<string, string>;
  idPrefix: string;
  comment?: string;
}): SafeHtml {
  const id = `${opts.idPrefix}-comment`;
  const reasonId = `${opts.idPrefix}-reason`;
  const confirmId = `${opts.idPrefix}-confirm`;
  const hidden = Object.entries(opts.hidden).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  return html`<form class="vote-form" method="post" action="${opts.action}">
  ${hidden}
  <label for="${id}">Comment <span class="muted">(optional, saved to the audit log)</span></label>
  <textarea id="${id}" name="comment" rows="3" maxlength="2000">${opts.comment ?? ''}</textarea>
  <div class="buttons">
    <button type="submit" name="decision" value="approve" class="button approve">Approve</button>
  </div>
</form>
<form class="vote-form reject-form" method="post" action="${opts.action}">
  ${hidden}
  <label for="${reasonId}">Reason for rejecting <span class="muted">(required, saved to the audit log)</span></label>
  <textarea id="${reasonId}" name="reason" rows="3" maxlength="2000" required></textarea>
  <p class="confirm-line"><input type="checkbox" id="${confirmId}" name="confirm" value="reject" required> <label for="${confirmId}">I want to reject: the gate closes and the run stops</label></p>
  <div class="buttons">
    <button type="submit" name="decision" value="reject" class="button reject">Reject</button>
  </div>
</form>`;
}

/** A message after an action: what happened, coloured by how it went. */
export interface Flash {
  tone: 'ok' | 'warn' | 'error';
  title: string;
  message: string;
}

/** A flash banner (role=status so screen readers announce it). */
export function renderFlash(flash: Flash | undefined): SafeHtml {
  if (!flash) return html``;
  return html`<div class="flash flash-${flash.tone}" role="status"><strong>${flash.title}</strong> ${flash.message}</div>`;
}
