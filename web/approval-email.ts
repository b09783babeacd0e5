/** The approval request email: subject, an HTML part (inline styles, as mail clients need) and a text part. */
import type { ApprovalView } from '../functions/core/approval/approval-view.ts';
import { html } from './html.ts';

/** A rendered email. */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

/** The email asking one approver to decide, with their personal approval link. */
export function renderApprovalEmail(view: ApprovalView, link: string, recipientName: string): EmailContent {
  const subject = `Approval required: ${view.workflow} (${view.project})`;
  const facts: [string, string][] = [
    ['Requested by', view.requestedBy],
    ['Project', view.project],
    ...(view.source
      ? [
          ['Commit', view.source.url ? `${view.source.text} (${view.source.url})` : view.source.text] as [
            string,
            string,
          ],
        ]
      : []),
    ['Changes', view.changes],
    ['Cost impact', view.cost],
    ['Policies', view.policies],
    ['Expires', `${view.expiresIn} (${view.expiresAt})`],
    ['Approvals', view.votes],
  ];
  const text = [
    `Hi ${recipientName},`,
    '',
    `${view.title}`,
    `Gate: ${view.gateName} · run ${view.runId} (${view.environment})`,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    'Review the plan and approve or reject:',
    link,
    '',
    'The link is yours alone and works until the request expires. Opening it changes nothing; only the buttons on the page decide.',
  ].join('\n');
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:8px;">
<tr><td style="padding:24px 28px;">
<p style="margin:0 0 4px;font-size:13px;color:#57606a;">signoff · ${view.gateName}</p>
<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;">${view.title}</h1>
<p style="margin:0 0 16px;">Hi ${recipientName}, a deployment is waiting for your decision.</p>
<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse;font-size:14px;">
${facts.map(
  ([k, v]) =>
    html`<tr><th scope="row" style="text-align:left;padding:6px 12px 6px 0;color:#57606a;font-weight:600;white-space:nowrap;vertical-align:top;">${k}</th><td style="padding:6px 0;">${v}</td></tr>`,
)}
</table>
<p style="margin:24px 0;"><a href="${link}" style="display:inline-block;background:#0969da;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600;">Review plan and decide →</a></p>
<p style="margin:0;font-size:12px;color:#57606a;">This link is yours alone and works until the request expires. Opening it changes nothing; only the Approve and Reject buttons on the page decide. Run <code>${view.runId}</code>.</p>
</td></tr></table>
</body></html>`;
  return { subject, html: body.value, text };
}
