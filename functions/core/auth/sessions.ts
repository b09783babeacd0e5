/**
 * Browser sessions: a random id in an HttpOnly cookie, stored only as its SHA-256 in the auth
 * table with an expiry and a per-session CSRF token for the signed-in forms.
 */
import type { Directory, DirectoryUser } from '../../../statemachines/schema.ts';
import { directoryNow } from '../approval/approval-deps.ts';
import { findUser } from '../approval/directory.ts';
import type { AuthDeps } from './auth-deps.ts';
import { AuthError } from './auth-error.ts';
import { authKey, type IdpSignin, isAlive } from './auth-store.ts';
import { randomToken, safeEqual } from './random-token.ts';

/** How long a session lasts (a working day). */
export const SESSION_TTL_MS = 12 * 3600_000;

/** A signed-in person. */
export interface Session {
  /** The cookie value; only its hash is stored. */
  id: string;
  /** How the person signed in at the identity provider; absent for an emailed link. */
  signin?: IdpSignin;
  user: DirectoryUser;
  /** The directory with this person's last sign-in merged in (their teams as of now). */
  directory: Directory;
  csrf: string;
  expiresAt: Date;
}

/** Creates a session for a directory user. */
export async function createSession(
  deps: AuthDeps,
  user: DirectoryUser,
  signin?: IdpSignin,
): Promise<Omit<Session, 'directory'>> {
  const id = randomToken();
  const csrf = randomToken();
  const now = deps.now();
  const expiresAt = new Date(now + SESSION_TTL_MS);
  const stored = await deps.auth.putIfAbsent({
    key: authKey('session', id),
    kind: 'session',
    email: user.email.toLowerCase(),
    created_at: new Date(now).toISOString(),
    expires_at: expiresAt.toISOString(),
    csrf,
    ...(signin ? { signin } : {}),
  });
  if (!stored) throw new Error('session id collision');
  // Without the directory: the new session's cookie is set and the browser sent on, and the next
  // request reads the person's standing with the session (getSession).
  return { id, user, csrf, expiresAt, ...(signin ? { signin } : {}) };
}

/** The live session with that id, or undefined (unknown, expired, or the user left the directory). */
export async function getSession(deps: AuthDeps, id: string | undefined): Promise<Session | undefined> {
  if (!id || id.length > 200) return undefined;
  const record = await deps.auth.get(authKey('session', id));
  if (record?.kind !== 'session' || !isAlive(record, deps.now()) || !record.csrf) return undefined;
  const directory = await directoryNow(deps, record.email);
  const user = findUser(directory, record.email);
  if (!user) return undefined;
  return {
    id,
    user,
    directory,
    csrf: record.csrf,
    expiresAt: new Date(record.expires_at as string),
    ...(record.signin ? { signin: record.signin } : {}),
  };
}

/** Ends a session (sign out). */
export async function endSession(deps: AuthDeps, id: string): Promise<void> {
  await deps.auth.delete(authKey('session', id));
}

/** Throws AuthError `csrf` unless the form's token is the session's (compared in constant time). */
export function assertCsrf(session: Pick<Session, 'csrf'>, formToken: string | undefined): void {
  if (!formToken || !safeEqual(session.csrf, formToken)) {
    throw new AuthError(
      'csrf',
      'This form has expired or did not come from signoff. Reload the page and try again.',
    );
  }
}
