/**
 * Magic sign-in links: a signed JWS (15 minutes, purpose `signin`) with a random id; redeeming
 * it records that id in the auth table with a conditional put, so each link works once.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { DirectoryUser } from '../../../statemachines/schema.ts';
import { directoryNow } from '../approval/approval-deps.ts';
import { findUser } from '../approval/directory.ts';
import type { AuthDeps } from './auth-deps.ts';
import { AuthError } from './auth-error.ts';
import { authKey } from './auth-store.ts';
import { verifySigned } from './capability.ts';
import { getLinkSigningKey } from './signing-key.ts';

/** How long a sign-in link works. */
export const SIGNIN_LINK_TTL_MS = 15 * 60_000;
const PURPOSE = 'signin';
const WHAT = 'This sign-in link';

/** A checked sign-in link: who it signs in and which link it is. */
export interface SigninLink {
  user: DirectoryUser;
  id: string;
  expiresAt: Date;
}

/** A sign-in URL for a directory user, or undefined when the email names nobody (the caller answers the same). */
export async function createSigninLink(
  deps: AuthDeps,
  email: string,
  publicUrl: string,
): Promise<{ user: DirectoryUser; url: string } | undefined> {
  const user = findUser(await directoryNow(deps, email.trim()), email.trim());
  if (!user) return undefined;
  const now = deps.now();
  const token = await new SignJWT({ purpose: PURPOSE })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('signoff')
    .setSubject(user.email.toLowerCase())
    .setJti(randomBytes(16).toString('base64url'))
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor((now + SIGNIN_LINK_TTL_MS) / 1000))
    .sign(await getLinkSigningKey(deps.secrets));
  return { user, url: `${publicUrl}/signin/${token}` };
}

/** Checks a sign-in link without using it up (what its GET page does). */
export async function checkSigninLink(deps: AuthDeps, token: string): Promise<SigninLink> {
  const key = await getLinkSigningKey(deps.secrets);
  const payload = await verifySigned(key, token, PURPOSE, deps.now(), WHAT);
  if (typeof payload.jti !== 'string' || payload.jti.length < 16) {
    throw new AuthError('invalid', `${WHAT} is not valid.`);
  }
  const user = findUser(await directoryNow(deps, payload.sub as string), payload.sub as string);
  if (!user) throw new AuthError('unknown_user', 'This account is no longer in the signoff directory.');
  if (await deps.auth.get(authKey('signin_link', payload.jti))) {
    throw new AuthError('used', `${WHAT} was already used. Ask for a new one.`);
  }
  return { user, id: payload.jti, expiresAt: new Date((payload.exp as number) * 1000) };
}

/** Checks and uses up a sign-in link (a conditional put of its id); a second use throws `used`. */
export async function redeemSigninLink(deps: AuthDeps, token: string): Promise<DirectoryUser> {
  const link = await checkSigninLink(deps, token);
  const claimed = await deps.auth.putIfAbsent({
    key: authKey('signin_link', link.id),
    kind: 'signin_link',
    email: link.user.email.toLowerCase(),
    created_at: new Date(deps.now()).toISOString(),
    expires_at: link.expiresAt.toISOString(),
  });
  if (!claimed) throw new AuthError('used', `${WHAT} was already used. Ask for a new one.`);
  return link.user;
}
