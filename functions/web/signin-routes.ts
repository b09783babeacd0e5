/** Sign-in by emailed magic link, and sign-out. */
import { renderSigninEmail } from '../../web/signin-email.ts';
import {
  renderSigninConfirmPage,
  renderSigninFailedPage,
  renderSigninPage,
  renderSigninSentPage,
  type SigninPageView,
} from '../../web/signin-page.ts';
import { describeDeliveryError } from '../adapters/delivery-error.ts';
import { sendSesEmail } from '../adapters/ses-email-notifier.ts';
import { assertCsrf, createSession, endSession, getSession } from '../core/auth/sessions.ts';
import { checkSigninLink, createSigninLink, redeemSigninLink } from '../core/auth/signin-link.ts';
import type { WebDeps } from '../wiring/http.ts';
import { assertSameOrigin, requireSession, safeNext } from './guards.ts';
import { param, readForm, type WebRequest } from './request.ts';
import { htmlResponse, redirect, type WebResponse } from './responses.ts';
import { clearSessionCookie, readSessionId, sessionCookie } from './session-cookie.ts';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** What the sign-in page offers in this deployment. */
function pageView(deps: WebDeps, next: string): SigninPageView {
  return {
    next,
    emailSignin: deps.config.emailSignin,
    ...(deps.config.oidc ? { idpName: deps.config.oidc.name } : {}),
  };
}

/** `GET /signin`: the email form (or straight on, when already signed in). */
export async function showSignin(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const next = safeNext(request.query.next);
  if (await getSession(deps, readSessionId(request, deps.config.local)))
    return redirect(next, deps.config.local);
  return htmlResponse(200, renderSigninPage(pageView(deps, next)), deps.config.local);
}

/**
 * `POST /signin`: with `email`, emails a link (the same answer for every address while mail works;
 * a plain failure when it does not, see below); with `token`, signs in.
 */
export async function postSignin(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const form = readForm(request);
  assertSameOrigin(request, deps.config.publicUrl);
  const next = safeNext(form.next);
  if (!deps.config.emailSignin) {
    const idp = deps.config.oidc ? `: sign in with ${deps.config.oidc.name}` : '';
    return htmlResponse(
      403,
      renderSigninPage({ ...pageView(deps, next), error: `Sign-in by emailed link is switched off${idp}.` }),
      deps.config.local,
    );
  }
  if (form.token) {
    const user = await redeemSigninLink(deps, form.token);
    const session = await createSession(deps, user);
    deps.log?.info('signed in', { user: user.email });
    return redirect(next, deps.config.local, [
      sessionCookie(session.id, session.expiresAt, deps.config.local, deps.now()),
    ]);
  }
  const email = (form.email ?? '').trim();
  if (!EMAIL.test(email) || email.length > 254) {
    return htmlResponse(
      400,
      renderSigninPage({ ...pageView(deps, next), error: 'Enter an email address such as jane@acme.com.' }),
      deps.config.local,
    );
  }
  const link = await createSigninLink(deps, email, deps.config.publicUrl);
  if (link) {
    const url = next === '/runs' ? link.url : `${link.url}?next=${encodeURIComponent(next)}`;
    try {
      await sendSesEmail(
        deps.ses,
        deps.config.emailFrom,
        link.user.email,
        renderSigninEmail(link.user.name, url),
      );
    } catch (error) {
      const reason = describeDeliveryError(error);
      deps.log?.error('sign-in email failed', {
        error: error instanceof Error ? error.name : typeof error,
        reason,
      });
      // Saying so tells whoever typed the address that it is in the directory; we accept that.
      // The person is otherwise locked out waiting for mail that will never come (the SES sandbox
      // refuses every unverified recipient), and only an admin can fix it, so they must know. The
      // disclosure is narrow: only while mail to that very address fails, with SES's words about
      // it, and the same answer as before could already be told apart by timing (only a directory
      // address makes the SES call). An unknown address still gets the generic answer below.
      return htmlResponse(502, renderSigninFailedPage({ next, reason }), deps.config.local);
    }
  }
  return htmlResponse(200, renderSigninSentPage(), deps.config.local);
}

/** `GET /signin/{token}`: checks the link and shows one button; opening it uses nothing up. */
export async function showSigninLink(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const token = param(request, 'token');
  const link = await checkSigninLink(deps, token);
  const page = renderSigninConfirmPage({
    token,
    name: link.user.name,
    email: link.user.email,
    next: safeNext(request.query.next),
  });
  return htmlResponse(200, page, deps.config.local);
}

/** `POST /signout`: ends the session (CSRF-checked) and clears the cookie. */
export async function postSignout(deps: WebDeps, request: WebRequest): Promise<WebResponse> {
  const form = readForm(request);
  assertSameOrigin(request, deps.config.publicUrl);
  const session = await requireSession(deps, request);
  assertCsrf(session, form.csrf);
  await endSession(deps, session.id);
  return redirect('/signin', deps.config.local, [clearSessionCookie(deps.config.local)]);
}
