/**
 * The sign-in function: `GET /signin/oidc` sends the browser to the identity provider, and
 * `GET /signin/oidc/callback` checks its answer, records the person's groups and starts a
 * session. It alone holds the client secret. A refused sign-in is a page that says why, sets no
 * session, and is audited.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { renderErrorPage } from '../../web/error-page.ts';
import { AuthError } from '../core/auth/auth-error.ts';
import { auditRefusedSignin, completeSignin } from '../core/auth/identity-signin.ts';
import {
  finishSignin,
  OIDC_CLIENT_SECRET,
  OIDC_STATE_TTL_MS,
  type OidcSettings,
  startSignin,
} from '../core/auth/oidc.ts';
import { SigninRefused } from '../core/auth/oidc-errors.ts';
import { safeNext } from '../web/guards.ts';
import { cookieValue, parseRequest, type WebRequest } from '../web/request.ts';
import { htmlResponse, redirect, type WebResponse } from '../web/responses.ts';
import { clearOidcCookie, oidcCookie, oidcCookieName, sessionCookie } from '../web/session-cookie.ts';
import { createSigninDeps, type SigninDeps } from '../wiring/http.ts';
import { depsFor } from '../wiring/scope.ts';

/** The longest `max_age` a sign-in may ask for (a day). */
const MAX_AGE_LIMIT = 86_400;

/** The identity provider's settings, with the client secret; throws `misconfigured` when unset. */
async function settingsOf(deps: SigninDeps): Promise<OidcSettings> {
  const oidc = deps.config.oidc;
  if (!oidc) throw new AuthError('misconfigured', 'sign-in through an identity provider is not set up');
  const clientSecret = await deps.secrets.get(OIDC_CLIENT_SECRET);
  if (!clientSecret) throw new AuthError('misconfigured', `the secret ${OIDC_CLIENT_SECRET} is not set`);
  return { ...oidc, clientSecret, redirectUri: `${deps.config.publicUrl}/signin/oidc/callback` };
}

/** `GET /signin/oidc?next=&max_age=&prompt=login`: to the identity provider, with the state in a cookie. */
async function beginSignin(deps: SigninDeps, request: WebRequest): Promise<WebResponse> {
  const local = deps.config.local;
  const maxAgeText = request.query.max_age;
  if (maxAgeText !== undefined && !/^\d{1,5}$/.test(maxAgeText)) {
    return refusedPage(local, 400, `max_age must be a whole number of seconds up to ${MAX_AGE_LIMIT}.`);
  }
  const maxAge = maxAgeText === undefined ? undefined : Math.min(Number(maxAgeText), MAX_AGE_LIMIT);
  const prompt = request.query.prompt;
  if (prompt !== undefined && prompt !== 'login') return refusedPage(local, 400, 'prompt may only be login.');
  const started = await startSignin(deps, await settingsOf(deps), {
    next: safeNext(request.query.next),
    ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}),
    ...(prompt ? { prompt } : {}),
  });
  return redirect(started.url, local, [oidcCookie(started.state, OIDC_STATE_TTL_MS / 1000, local)]);
}

/** `GET /signin/oidc/callback`: checks the answer, records the sign-in, starts the session. */
async function finishCallback(
  deps: SigninDeps,
  request: WebRequest,
  rawQuery: string,
  sourceIp: string | undefined,
): Promise<WebResponse> {
  const local = deps.config.local;
  const settings = await settingsOf(deps);
  const signedIn = await finishSignin(deps, settings, {
    query: rawQuery,
    stateCookie: cookieValue(request, oidcCookieName(local)),
  });
  const { session, user } = await completeSignin(deps, signedIn, sourceIp);
  deps.log?.info('signed in through the identity provider', { user: user.email });
  return redirect(signedIn.next, local, [
    clearOidcCookie(local),
    sessionCookie(session.id, session.expiresAt, local, deps.now()),
  ]);
}

/** Handles one sign-in request with the given deps. */
export async function handleSigninRequest(
  deps: SigninDeps,
  event: APIGatewayProxyEventV2,
): Promise<WebResponse> {
  const local = deps.config.local;
  const request = parseRequest(event);
  const sourceIp = event.requestContext?.http?.sourceIp;
  try {
    if (event.routeKey === 'GET /signin/oidc') return await beginSignin(deps, request);
    if (event.routeKey === 'GET /signin/oidc/callback')
      return await finishCallback(deps, request, event.rawQueryString ?? '', sourceIp);
    return htmlResponse(
      404,
      renderErrorPage({ status: 404, title: 'Not found', message: 'There is no page at this address.' }),
      local,
    );
  } catch (error) {
    if (error instanceof SigninRefused) {
      // completeSignin audits its own refusals, with who it was.
      if (error.reason !== 'identity_conflict' && error.reason !== 'no_role') {
        await auditRefusedSignin(deps, error, undefined, sourceIp).catch(() => {
          deps.log?.error('could not audit a refused sign-in', { reason: error.reason });
        });
      }
      // A person whose groups give no role had those groups recorded (they take back any teams).
      const after = error.reason === 'no_role' ? 'You are not signed in.' : undefined;
      return refusedPage(local, error.status, error.message, [clearOidcCookie(local)], after);
    }
    deps.log?.error('sign-in failed', { error: error instanceof Error ? error.name : typeof error });
    const message =
      error instanceof AuthError && error.code === 'misconfigured'
        ? `Sign-in through the identity provider is not set up correctly: ${error.message}. Tell a signoff admin.`
        : 'signoff could not complete the sign-in. Nothing was changed; try again in a moment.';
    return refusedPage(local, 500, message, [clearOidcCookie(local)]);
  }
}

/** The page of a refused sign-in: what was wrong, that nothing changed, and the way back. */
function refusedPage(
  local: boolean,
  status: number,
  message: string,
  cookies?: string[],
  after = 'Nothing was changed; you are not signed in.',
): WebResponse {
  const page = renderErrorPage({
    status,
    title: 'Sign-in refused',
    message: `${message} ${after}`,
    action: { href: '/signin', label: 'Back to sign-in' },
  });
  return htmlResponse(status, page, local, cookies);
}

const getDeps = depsFor(createSigninDeps);

/** The Lambda entry point. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().handler((event) =>
  handleSigninRequest(getDeps(), event),
);
