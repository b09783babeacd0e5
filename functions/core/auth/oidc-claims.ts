/**
 * What signoff requires of a valid ID token's claims, after openid-client's checks: an email
 * (verified, unless the settings say otherwise) and a list of group names.
 */
import type * as client from 'openid-client';
import type { OidcPending } from './auth-store.ts';
import type { OidcSettings, SignedIn } from './oidc.ts';
import { SigninRefused } from './oidc-errors.ts';

/** Group list limits: what is past them is not a list of group names. */
const MAX_GROUPS = 500;
const MAX_GROUP_LENGTH = 256;

/** Who signed in, from the claims of an ID token openid-client has checked; throws SigninRefused. */
export function signedInFrom(
  claims: client.IDToken,
  settings: Pick<OidcSettings, 'emailClaim' | 'groupsClaim' | 'requireEmailVerified'>,
  pending: OidcPending,
): SignedIn {
  const email = claims[settings.emailClaim];
  if (typeof email !== 'string' || !email.trim()) {
    throw new SigninRefused(
      'email_missing',
      `The identity provider did not give your email address (the "${settings.emailClaim}" claim).`,
    );
  }
  if (settings.requireEmailVerified && claims.email_verified !== true) {
    throw new SigninRefused('email_unverified');
  }
  const lower = email.trim().toLowerCase();
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : lower;
  const amr = claims.amr;
  return {
    iss: claims.iss,
    sub: claims.sub,
    email: lower,
    name,
    groups: groupsOf(claims, settings.groupsClaim),
    ...(typeof claims.auth_time === 'number' && { authTime: claims.auth_time }),
    ...(Array.isArray(amr) && amr.every((method): method is string => typeof method === 'string') && { amr }),
    next: pending.next,
    ...(pending.max_age !== undefined && { maxAge: pending.max_age }),
  };
}

/** The groups claim as a list of names; refused when absent or anything but a list of short strings. */
function groupsOf(claims: client.IDToken, claim: string): string[] {
  const value = claims[claim];
  const notList = (what: string) =>
    new SigninRefused(
      'groups_not_list',
      `The identity provider's "${claim}" claim is ${what}, not a list of group names.`,
    );
  if (value === undefined) {
    const names = claims._claim_names;
    if (typeof names === 'object' && names !== null && claim in names) {
      throw new SigninRefused(
        'groups_missing',
        `You are in more groups than the identity provider puts in a sign-in (Microsoft Entra ID's group overage), so it sent none. Ask an administrator to send only the groups assigned to the signoff application.`,
      );
    }
    throw new SigninRefused(
      'groups_missing',
      `The identity provider did not say which groups you are in (the "${claim}" claim). Ask an administrator to include it in signoff's sign-in.`,
    );
  }
  if (!Array.isArray(value)) throw notList(value === null ? 'empty (null)' : `a ${typeof value}`);
  if (value.length > MAX_GROUPS) throw notList(`a list of more than ${MAX_GROUPS} entries`);
  if (!value.every((group): group is string => typeof group === 'string')) {
    throw notList('a list with an entry that is not text');
  }
  if (value.some((group) => group.length > MAX_GROUP_LENGTH)) {
    throw notList(`a list with a name longer than ${MAX_GROUP_LENGTH} characters`);
  }
  return value;
}
