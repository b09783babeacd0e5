/**
 * The approval request email: subject, an HTML part (inline styles, as mail clients need) and a
 * text part. Both carry the whole gate card, so an approver sees why, what, who and when without
 * opening another page.
 */
import type { ApprovalView } from '../functions/core/approval/approval-view.ts';
import type { GateCard } from '../functions/core/approval/gate-card.ts';
import { html, type SafeHtml } from './html.ts';

/** A rendered email. */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

/** Resources listed in the email; the approval page lists them all. */
const MAX_RESOURCES = 10;

/** One line of the card: a label and its text, with an optional link (shown after the text in the text part). */
interface Line {
  label: string;
  text: string;
  url?: string;
  /** Lines under the text (a list of people, failures or resources). */
  items?: string[];
}

/** The card's sections as labelled lines, shared by the HTML and the text part. */
export function gateCardLines(card: GateCard): { title: string; lines: Line[] }[] {
  const { what, why, who, when } = card;
  const whyLines: Line[] = [{ label: 'Reason', text: why.reason ?? 'No reason given' }];
  if (why.pr) {
    whyLines.push({
      label: 'Pull request',
      text: `#${why.pr.number} ${why.pr.title} (by ${why.pr.author} in ${why.pr.repository})`,
      ...(why.pr.url ? { url: why.pr.url } : {}),
    });
  }
  if (why.commit) {
    whyLines.push({
      label: 'Commit',
      text: why.commit.text,
      ...(why.commit.url ? { url: why.commit.url } : {}),
    });
  }
  whyLines.push({ label: 'Requested by', text: why.requestedBy });

  const whatLines: Line[] = [{ label: 'Project', text: what.project }];
  if (what.changes) {
    const listed = what.resources.slice(0, MAX_RESOURCES).map((r) => `${r.action} ${r.address}`);
    const more = what.resources.length - listed.length + what.moreResources;
    whatLines.push({
      label: 'Changes',
      text: what.changes.text,
      items: more > 0 ? [...listed, `…and ${more} more`] : listed,
    });
  }
  if (what.cost) {
    whatLines.push({
      label: 'Cost',
      text: what.cost.estimated
        ? `${what.cost.now} now → ${what.cost.after} after (${what.cost.delta})`
        : what.cost.text,
    });
  }
  if (what.policies) {
    const failures = what.policies.failures.map(
      (f) => `${f.name} (${f.severity})${f.message ? `: ${f.message}` : ''}`,
    );
    if (what.policies.moreFailures > 0) failures.push(`…and ${what.policies.moreFailures} more`);
    whatLines.push({ label: 'Policies', text: what.policies.text, items: failures });
  }

  const whoLines: Line[] = [
    {
      label: 'Approvals',
      text: who.progress,
      items: who.approvedBy.map((a) => `${a.name} (via ${a.channel})`),
    },
  ];
  if (who.rules.length > 0) {
    whoLines.push({ label: 'Rules', text: '', items: who.rules.map((r) => r.text) });
  }
  if (card.status === 'pending') {
    whoLines.push({
      label: 'May still approve',
      text:
        who.mayStillApprove.length > 0
          ? who.mayStillApprove.map((p) => p.name).join(', ')
          : 'Nobody: this gate cannot get the approvals it needs',
      items: who.selfApproval ? [who.selfApproval] : [],
    });
  }
  if (who.escalations.length > 0) {
    whoLines.push({ label: 'Escalation', text: '', items: who.escalations.map((e) => e.text) });
  }
  if (who.following.length > 0) {
    whoLines.push({
      label: 'What follows',
      text: '',
      items: who.following.map((f) => `${f.text} (${f.approvers})`),
    });
  }

  const whenLines: Line[] = [{ label: 'Deadline', text: `${when.deadlineText} (${when.timeLeft})` }];
  if (card.freeze) whenLines.push({ label: 'Freeze', text: card.freeze });
  return [
    { title: 'Why', lines: whyLines },
    { title: 'What', lines: whatLines },
    { title: 'Who', lines: whoLines },
    { title: 'When', lines: whenLines },
  ];
}

function textOf(sections: ReturnType<typeof gateCardLines>): string[] {
  const out: string[] = [];
  for (const section of sections) {
    out.push(section.title.toUpperCase());
    for (const line of section.lines) {
      const value = [line.text, line.url ? `(${line.url})` : ''].filter(Boolean).join(' ');
      out.push(value ? `${line.label}: ${value}` : `${line.label}:`);
      for (const item of line.items ?? []) out.push(`  - ${item}`);
    }
    out.push('');
  }
  return out;
}

const TH =
  'text-align:left;padding:6px 12px 6px 0;color:#57606a;font-weight:600;white-space:nowrap;vertical-align:top;';

function htmlOf(sections: ReturnType<typeof gateCardLines>): SafeHtml {
  return html`${sections.map(
    (
      section,
    ) => html`<h2 style="margin:20px 0 4px;font-size:13px;letter-spacing:0.04em;text-transform:uppercase;color:#57606a;">${section.title}</h2>
<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;font-size:14px;">
${section.lines.map(
  (line) =>
    html`<tr><th scope="row" style="${TH}">${line.label}</th><td style="padding:6px 0;word-break:break-word;">${
      line.url ? html`<a href="${line.url}" style="color:#0957c3;">${line.text}</a>` : line.text
    }${
      line.items && line.items.length > 0
        ? html`<ul style="margin:4px 0 0;padding-left:18px;">${line.items.map((item) => html`<li>${item}</li>`)}</ul>`
        : ''
    }</td></tr>`,
)}
</table>`,
  )}`;
}

/** The email asking one approver to decide, with their personal approval link. */
export function renderApprovalEmail(view: ApprovalView, link: string, recipientName: string): EmailContent {
  const subject = `Approval required: ${view.workflow} (${view.project})`;
  const sections = gateCardLines(view.card);
  const text = [
    `Hi ${recipientName},`,
    '',
    `${view.title}`,
    `Gate: ${view.gateName} · run ${view.runId} (${view.environment})`,
    view.card.headline,
    '',
    ...textOf(sections),
    'Review the plan and approve or reject:',
    link,
    '',
    'The link is yours alone and works until the request expires. Opening it changes nothing; only the buttons on the page decide.',
  ].join('\n');
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:16px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:8px;">
<tr><td style="padding:20px;">
<p style="margin:0 0 4px;font-size:13px;color:#57606a;">signoff · ${view.gateName}</p>
<h1 style="margin:0 0 12px;font-size:20px;line-height:1.3;word-break:break-word;">${view.title}</h1>
<p style="margin:0 0 8px;">Hi ${recipientName}, a deployment is waiting for your decision.</p>
<p style="margin:0;font-weight:600;">${view.card.headline}</p>
${htmlOf(sections)}
<p style="margin:24px 0;"><a href="${link}" style="display:inline-block;background:#0957c3;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600;">Review plan and decide →</a></p>
<p style="margin:0;font-size:12px;color:#57606a;">This link is yours alone and works until the request expires. Opening it changes nothing; only the Approve and Reject buttons on the page decide. Run <code style="word-break:break-all;">${view.runId}</code>.</p>
</td></tr></table>
</body></html>`;
  return { subject, html: body.value, text };
}
