/** Request checks shared by the page handlers: same-origin posts and signed-in users. */
import { AuthError } from '../core/auth/auth-error.ts';
import { getSession, type Session } from '../core/auth/sessions.ts';
import type { AppDeps } from '../deps.ts';
import type { WebRequest } from './request.ts';
import { readSessionId } from './session-cookie.ts';

/** Thrown to send a visitor who is not signed in to the sign-in page. */
export class SigninRequired extends Error {
  constructor(readonly next: string) {
    super('sign-in required');
    this.name = 'SigninRequired';
  }
}

/**
 * Refuses a POST a browser says came from another site. Modern browsers send `Sec-Fetch-Site`,
 * which pages cannot forge; it decides when present. Otherwise `Origin` must be ours, except
 * `null`, which browsers send under `Referrer-Policy: no-referrer` (the capability or the CSRF
 * token is the proof then). Clients that send neither are not browsers riding our cookies.
 */
export function assertSameOrigin(request: WebRequest, publicUrl: string): void {
  const refuse = () => {
    throw new AuthError('cross_site', 'This form was sent from another site, so it was not accepted.');
  };
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site !== 'same-origin' && site !== 'none') refuse();
    return;
  }
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return;
  const allowed = new Set([new URL(publicUrl).origin]);
  const host = request.headers.host;
  if (host) {
    allowed.add(`https://${host}`);
    allowed.add(`http://${host}`);
  }
  if (!allowed.has(origin)) refuse();
}

/** The signed-in session, or SigninRequired (GET) / AuthError (POST) when there is none. */
export async function requireSession(deps: AppDeps, request: WebRequest): Promise<Session> {
  const session = await getSession(deps, readSessionId(request, deps.config.local));
  if (session) return session;
  if (request.method === 'GET') {
    const query = new URLSearchParams(request.query).toString();
    throw new SigninRequired(`${request.path}${query ? `?${query}` : ''}`);
  }
  throw new AuthError('no_session', 'Your session has ended. Sign in again and repeat the action.');
}

/** A local path to go to after sign-in; anything else (another host, `//evil`) becomes `/runs`. */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 500) {
    return '/runs';
  }
  return next;
}
