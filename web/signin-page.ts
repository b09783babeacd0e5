/** The sign-in pages: ask for an email, say a link is on its way, confirm a link with a button. */
import { html } from './html.ts';
import { renderLayout } from './layout.ts';

/** The email form. */
export function renderSigninPage(view: { next: string; error?: string }): string {
  const main = html`<section class="card narrow" aria-labelledby="signin-title">
  <h1 id="signin-title">Sign in</h1>
  <p>Enter your work email. If it belongs to a signoff user, we email you a sign-in link that works once, for 15 minutes.</p>
  ${view.error ? html`<p class="flash flash-error" role="alert">${view.error}</p>` : ''}
  <form method="post" action="/signin" class="stack">
    <input type="hidden" name="next" value="${view.next}">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" inputmode="email">
    <button type="submit" class="button primary">Email me a sign-in link</button>
  </form>
</section>`;
  return renderLayout({ title: 'Sign in', main });
}

/** The answer to the email form: the same whatever the address, so it reveals nobody. */
export function renderSigninSentPage(): string {
  const main = html`<section class="card narrow" aria-labelledby="sent-title">
  <h1 id="sent-title">Check your email</h1>
  <p>If that address belongs to a signoff user, a sign-in link is on its way. It works once, for 15 minutes.</p>
  <p><a href="/signin">Use another address</a></p>
</section>`;
  return renderLayout({ title: 'Check your email', main });
}

/** The sign-in email could not be sent: why, in the mail service's words, and who can fix it. */
export function renderSigninFailedPage(view: { next: string; reason: string }): string {
  const main = html`<section class="card narrow" aria-labelledby="failed-title">
  <h1 id="failed-title">We could not send the email</h1>
  <p class="flash flash-error" role="alert">We could not send the sign-in email: ${view.reason}</p>
  <p>No link is on its way. Ask a signoff admin to fix email delivery for your address (in the Amazon SES sandbox, every recipient must be verified first), then try again.</p>
  <p><a href="/signin?next=${encodeURIComponent(view.next)}">Try again</a></p>
</section>`;
  return renderLayout({ title: 'Sign-in email not sent', main });
}

/** A valid sign-in link: one button signs in (opening the link alone changes nothing). */
export function renderSigninConfirmPage(view: {
  token: string;
  name: string;
  email: string;
  next: string;
}): string {
  const main = html`<section class="card narrow" aria-labelledby="confirm-title">
  <h1 id="confirm-title">Sign in as ${view.name}</h1>
  <p class="muted">${view.email}</p>
  <form method="post" action="/signin" class="stack">
    <input type="hidden" name="token" value="${view.token}">
    <input type="hidden" name="next" value="${view.next}">
    <button type="submit" class="button primary">Continue to signoff</button>
  </form>
</section>`;
  return renderLayout({ title: 'Sign in', main });
}
