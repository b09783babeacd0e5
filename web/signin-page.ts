/** The sign-in pages: ask for an email, say a link is on its way, confirm a link with a button. */
import { html } from './html.ts';
import { renderLayout } from './layout.ts';

/** What the sign-in page offers: the identity provider's button, the email form, or both. */
export interface SigninPageView {
  next: string;
  error?: string;
  /** The identity provider's name, when sign-in through it is set up. */
  idpName?: string;
  /** Whether emailed sign-in links are on. */
  emailSignin: boolean;
}

/** The sign-in page. */
export function renderSigninPage(view: SigninPageView): string {
  const idpHref = `/signin/oidc?next=${encodeURIComponent(view.next)}`;
  const idp = view.idpName
    ? html`<p><a class="button primary" href="${idpHref}">Sign in with ${view.idpName}</a></p>`
    : '';
  const email = view.emailSignin
    ? html`<p>${view.idpName ? 'Or enter' : 'Enter'} your work email. If it belongs to a signoff user, we email you a sign-in link that works once, for 15 minutes.</p>
  <form method="post" action="/signin" class="stack">
    <input type="hidden" name="next" value="${view.next}">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" inputmode="email">
    <button type="submit" class="button${view.idpName ? '' : ' primary'}">Email me a sign-in link</button>
  </form>`
    : '';
  const main = html`<section class="card narrow" aria-labelledby="signin-title">
  <h1 id="signin-title">Sign in</h1>
  ${view.error ? html`<p class="flash flash-error" role="alert">${view.error}</p>` : ''}
  ${idp}
  ${email}
  ${!view.idpName && !view.emailSignin ? html`<p>No way to sign in is set up: ask a signoff admin.</p>` : ''}
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
