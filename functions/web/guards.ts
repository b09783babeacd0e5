/** Request checks shared by the page handlers: same-origin posts and signed-in users. */
import { AuthError } from '../core/auth/auth-error.ts';
import { getSession, type Session } from '../core/auth/sessions.ts';
import type { WebDeps } from '../wiring/http.ts';
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
export async function requireSession(deps: WebDeps, request: WebRequest): Promise<Session> {
  const session = await getSession(deps, readSessionId(request, deps.config.local));
  if (session) return session;
  if (request.method === 'GET') {
    const query = new URLSearchParams(request.query).toString();
    throw new SigninRequired(`${request.path}${query ? `?${query}` : ''}`);
  }
  throw new AuthError('no_session', 'Your session has ended. Sign in again and repeat the action.');
}

// Any origin that is not a real site: `next` is resolved against it and must stay on it.
const SAME_SITE = 'https://signoff.invalid';

function hasControlOrBackslash(value: string): boolean {
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f || ch === '\\') return true;
  }
  return false;
}

/**
 * Where to go after signing in: `next` when it is a path on this site, else `/runs`. It is
 * parsed with the WHATWG URL parser, as browsers parse a Location header, and must keep this
 * site's origin; control characters (browsers drop tabs and newlines, so `/\t/evil.example`
 * becomes `//evil.example`) and backslashes (read as slashes) are refused, and so is a result
 * the parser normalized into `//host` (`/.//evil.example`).
 */
export function safeNext(next: string | undefined): string {
  const fallback = '/runs';
  if (!next || next.length > 500 || !next.startsWith('/')) return fallback;
  if (hasControlOrBackslash(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, SAME_SITE);
  } catch {
    return fallback;
  }
  if (url.origin !== SAME_SITE) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('//') ? fallback : path;
}
