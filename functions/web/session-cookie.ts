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
