/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure with the `__Host-` prefix
 * outside the local runtime (plain http on loopback cannot carry Secure cookies).
 */
import { cookieValue, type WebRequest } from './request.ts';

/** The cookie's name for this deployment. */
export function sessionCookieName(local: boolean): string {
  return local ? 'signoff_session' : '__Host-signoff_session';
}

/** The Set-Cookie value that starts a session. */
export function sessionCookie(id: string, expiresAt: Date, local: boolean, now: number): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - now) / 1000));
  return `${sessionCookieName(local)}=${id}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${local ? '' : '; Secure'}`;
}

/** The Set-Cookie value that ends a session. */
export function clearSessionCookie(local: boolean): string {
  return `${sessionCookieName(local)}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${local ? '' : '; Secure'}`;
}

/** The session id the request carries, if any. */
export function readSessionId(request: WebRequest, local: boolean): string | undefined {
  return cookieValue(request, sessionCookieName(local));
}

/** The cookie that binds an identity-provider sign-in to the browser that started it. */
export function oidcCookieName(local: boolean): string {
  return local ? 'signoff_oidc' : '__Host-signoff_oidc';
}

/**
 * The Set-Cookie value of a started sign-in. SameSite=Lax, not Strict: the browser comes back
 * from the identity provider with a top-level GET, which Strict would send without it.
 */
export function oidcCookie(state: string, maxAgeSeconds: number, local: boolean): string {
  return `${oidcCookieName(local)}=${state}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Lax${local ? '' : '; Secure'}`;
}

/** The Set-Cookie value that drops a finished (or refused) sign-in's cookie. */
export function clearOidcCookie(local: boolean): string {
  return `${oidcCookieName(local)}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${local ? '' : '; Secure'}`;
}
