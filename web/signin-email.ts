/** The sign-in email with a 15-minute, single-use link. */
import type { EmailContent } from './approval-email.ts';
import { html } from './html.ts';

/** The sign-in email for one person. */
export function renderSigninEmail(name: string, link: string): EmailContent {
  const subject = 'Your signoff sign-in link';
  const text = [
    `Hi ${name},`,
    '',
    'Sign in to signoff with this link. It works once, for 15 minutes:',
    link,
    '',
    'If you did not ask for it, ignore this email.',
  ].join('\n');
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${subject}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:8px;">
<tr><td style="padding:24px 28px;">
<h1 style="margin:0 0 16px;font-size:20px;">Sign in to signoff</h1>
<p>Hi ${name}, use this link to sign in. It works once, for 15 minutes.</p>
<p style="margin:24px 0;"><a href="${link}" style="display:inline-block;background:#0969da;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600;">Sign in</a></p>
<p style="font-size:12px;color:#57606a;">If you did not ask for it, ignore this email.</p>
</td></tr></table>
</body></html>`;
  return { subject, html: body.value, text };
}
