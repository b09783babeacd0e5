/**
 * The gate card on the approval page and the run page: what the deployment changes, why it runs,
 * who has approved and who may still, what follows, and when the gate closes.
 */
import type { GateCard } from '../functions/core/approval/gate-card.ts';
import { formatTimestamp } from './format.ts';
import { renderSource, statusBadge } from './gate-parts.ts';
import { html, type SafeHtml } from './html.ts';

/** The card in its own section, headed by the gate's name and status. */
export function renderGateCard(card: GateCard, idPrefix = 'gate-card'): SafeHtml {
  return html`<section class="card gate-card" aria-labelledby="${idPrefix}-title">
  <h2 id="${idPrefix}-title">${card.gateName} ${statusBadge(card.status)}</h2>
  ${renderGateCardBody(card, idPrefix)}
</section>`;
}

/** The card's content, for a section that already has its heading. */
export function renderGateCardBody(card: GateCard, idPrefix: string): SafeHtml {
  return html`<p class="gate-headline">${card.headline}</p>
<div class="gate-parts">
  ${renderWhat(card, idPrefix)}
  ${renderWhy(card, idPrefix)}
  ${renderWho(card, idPrefix)}
  ${renderWhen(card, idPrefix)}
</div>`;
}

function part(id: string, title: string, body: SafeHtml): SafeHtml {
  return html`<section class="gate-part" aria-labelledby="${id}"><h3 id="${id}">${title}</h3>${body}</section>`;
}

function row(label: string, value: SafeHtml | string): SafeHtml {
  return html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

function renderWhat(card: GateCard, idPrefix: string): SafeHtml {
  const { what } = card;
  const changes = what.changes;
  const cost = what.cost;
  const policies = what.policies;
  return part(
    `${idPrefix}-what`,
    'What',
    html`<dl class="facts">
  ${row('Project', what.project)}
  ${
    changes
      ? row(
          'Changes',
          html`<span class="change-counts"><span class="count act-create">+${changes.add} add</span> <span class="count act-update">~${changes.change} change</span> <span class="count act-delete">−${changes.destroy} destroy</span>${changes.replace > 0 ? html` <span class="count act-replace">±${changes.replace} replace</span>` : ''}</span>`,
        )
      : ''
  }
  ${
    cost
      ? cost.estimated
        ? row(
            'Cost',
            html`${cost.now} now → ${cost.after} after <strong class="${cost.rising ? 'bad' : 'ok'}">(${cost.delta})</strong>`,
          )
        : row('Cost', cost.text)
      : ''
  }
  ${
    policies
      ? row(
          'Policies',
          html`<span class="${policies.checked ? (policies.ok ? 'ok' : 'bad') : 'muted'}">${policies.text}</span>${
            policies.failures.length > 0
              ? html`<ul class="gate-list">${policies.failures.map(
                  (f) =>
                    html`<li><strong>${f.name}</strong> <span class="muted">(${f.severity})</span>${f.message ? html`: ${f.message}` : ''}</li>`,
                )}${policies.moreFailures > 0 ? html`<li class="muted">…and ${policies.moreFailures} more</li>` : ''}</ul>`
              : ''
          }`,
        )
      : ''
  }
</dl>`,
  );
}

function renderWhy(card: GateCard, idPrefix: string): SafeHtml {
  const { why } = card;
  return part(
    `${idPrefix}-why`,
    'Why',
    html`<dl class="facts">
  ${row('Reason', why.reason ? html`<q>${why.reason}</q>` : html`<span class="muted">No reason given</span>`)}
  ${
    why.pr
      ? row(
          'Pull request',
          html`${why.pr.url ? html`<a href="${why.pr.url}">#${why.pr.number} ${why.pr.title}</a>` : `#${why.pr.number} ${why.pr.title}`} <span class="muted">by ${why.pr.author} in ${why.pr.repository}</span>`,
        )
      : ''
  }
  ${why.commit ? row('Commit', renderSource(why.commit)) : ''}
  ${row('Requested by', why.requestedBy)}
</dl>`,
  );
}

function renderWho(card: GateCard, idPrefix: string): SafeHtml {
  const { who } = card;
  return part(
    `${idPrefix}-who`,
    'Who',
    html`<dl class="facts">
  ${row(
    'Approvals',
    html`${who.progress}${
      who.approvedBy.length > 0
        ? html`<ul class="gate-list">${who.approvedBy.map(
            (a) =>
              html`<li><strong>${a.name}</strong> <span class="muted">via ${a.channel} at <time datetime="${a.at}">${formatTimestamp(a.at)}</time></span></li>`,
          )}</ul>`
        : ''
    }`,
  )}
  ${
    who.rules.length > 0
      ? row(
          'Rules',
          html`<ul class="gate-list">${who.rules.map(
            (r) =>
              html`<li class="rule-${r.matched ? (r.met ? 'met' : 'waiting') : 'not-needed'}">${r.text}</li>`,
          )}</ul>`,
        )
      : ''
  }
  ${
    card.status === 'pending'
      ? row(
          'May still approve',
          html`${
            who.mayStillApprove.length > 0
              ? html`<ul class="gate-list">${who.mayStillApprove.map((p) => html`<li>${p.name} <span class="muted">${p.email}</span></li>`)}</ul>`
              : html`<span class="bad">Nobody: this gate cannot get the approvals it needs</span>`
          }${who.selfApproval ? html`<p class="muted gate-note">${who.selfApproval}</p>` : ''}`,
        )
      : ''
  }
  ${
    who.escalations.length > 0
      ? row(
          'Escalation',
          html`<ul class="gate-list">${who.escalations.map((e) => html`<li>${e.text}</li>`)}</ul>`,
        )
      : ''
  }
  ${
    who.following.length > 0
      ? row(
          'What follows',
          html`<ul class="gate-list">${who.following.map(
            (f) =>
              html`<li class="follow-${f.state}">${f.text} <span class="muted">(${f.approvers})</span></li>`,
          )}</ul>`,
        )
      : ''
  }
</dl>`,
  );
}

function renderWhen(card: GateCard, idPrefix: string): SafeHtml {
  const { when } = card;
  return part(
    `${idPrefix}-when`,
    'When',
    html`<dl class="facts">
  ${row('Requested', html`<time datetime="${when.requestedAt}">${formatTimestamp(when.requestedAt)}</time>`)}
  ${row('Deadline', html`<time datetime="${when.deadline}">${when.deadlineText}</time>`)}
  ${row(card.status === 'pending' ? 'Time left' : 'Closed', when.timeLeft)}
  ${card.freeze ? row('Freeze', html`<strong class="bad">${card.freeze}</strong>`) : ''}
</dl>`,
  );
}
