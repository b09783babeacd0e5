/**
 * What a checked identity-provider sign-in does: records the person's groups (their identity
 * record), signs them in if the directory gives them a role, and audits it; and the audit event
 * of a refused sign-in. Sign-in events go to one trail per day (`signin-<date>`, workflow `*`).
 */
import type { DirectoryUser } from '../../../statemachines/schema.ts';
import { directoryNow } from '../approval/approval-deps.ts';
import { findUser } from '../approval/directory.ts';
import type { AuditLog } from '../ports.ts';
import type { AuthDeps } from './auth-deps.ts';
import type { IdentityStore } from './identity-store.ts';
import type { SignedIn } from './oidc.ts';
import { SigninRefused } from './oidc-errors.ts';
import { createSession, type Session } from './sessions.ts';

/** What completing a sign-in needs. */
export interface IdentitySigninDeps extends AuthDeps {
  identities: IdentityStore;
  audit: AuditLog;
}

/** The workflow sign-in events are filed under (they belong to no workflow). */
export const SIGNIN_AUDIT_WORKFLOW = '*';

/** Who an unknown caller is in the audit trail. */
const NOBODY = { email: 'unknown', name: 'not signed in' };

/** The day's sign-in trail (`signin-<YYYY-MM-DD>`, UTC): sign-ins, refusals and revocations. */
export function signinTrail(now: number): string {
  return `signin-${new Date(now).toISOString().slice(0, 10)}`;
}

/**
 * Records the sign-in and starts a session; throws SigninRefused (`identity_conflict`, `no_role`)
 * after auditing it. The record is written first: someone whose groups no longer give a role has
 * lost their teams too, and that must be what every later vote of theirs is checked against.
 */
export async function completeSignin(
  deps: IdentitySigninDeps,
  signedIn: SignedIn,
  sourceIp?: string,
): Promise<{ session: Omit<Session, 'directory'>; user: DirectoryUser }> {
  const now = deps.now();
  const at = new Date(now).toISOString();
  const outcome = await deps.identities.recordSignin({
    email: signedIn.email,
    name: signedIn.name,
    iss: signedIn.iss,
    sub: signedIn.sub,
    groups: signedIn.groups,
    signed_in_at: at,
    ...(signedIn.authTime !== undefined ? { auth_time: signedIn.authTime } : {}),
    ...(signedIn.amr ? { amr: signedIn.amr } : {}),
  });
  const who = { email: signedIn.email, name: signedIn.name };
  if (outcome === 'conflict') {
    await auditRefusedSignin(deps, new SigninRefused('identity_conflict'), who, sourceIp);
    throw new SigninRefused('identity_conflict');
  }
  const directory = await directoryNow(deps, signedIn.email);
  const user = findUser(directory, signedIn.email);
  if (!user) {
    await auditRefusedSignin(deps, new SigninRefused('no_role'), who, sourceIp);
    throw new SigninRefused('no_role');
  }
  const signin = {
    idp: signedIn.iss,
    ...(signedIn.authTime !== undefined ? { auth_time: signedIn.authTime } : {}),
    ...(signedIn.amr ? { amr: signedIn.amr } : {}),
  };
  const session = await createSession(deps, user, signin);
  const standing = directory.identities?.[user.email.toLowerCase()];
  await deps.audit.append({
    action: 'signed_in',
    actor: { email: user.email, name: user.name },
    workflow: SIGNIN_AUDIT_WORKFLOW,
    run_id: signinTrail(now),
    at,
    channel: 'web',
    details: {
      idp: signedIn.iss,
      role: user.role,
      groups: signedIn.groups.slice(0, 50),
      teams_from_idp: standing?.teams ?? [],
      ...(signedIn.authTime !== undefined
        ? { auth_time: new Date(signedIn.authTime * 1000).toISOString() }
        : {}),
      ...(signedIn.amr ? { amr: signedIn.amr } : {}),
      ...(sourceIp ? { source_ip: sourceIp } : {}),
    },
  });
  return { session, user };
}

/** Audits a refused sign-in with its reason (and who, when the ID token was valid). */
export async function auditRefusedSignin(
  deps: Pick<IdentitySigninDeps, 'audit' | 'now'>,
  refusal: SigninRefused,
  who?: { email: string; name: string },
  sourceIp?: string,
): Promise<void> {
  const now = deps.now();
  await deps.audit.append({
    action: 'signin_refused',
    actor: who ?? NOBODY,
    workflow: SIGNIN_AUDIT_WORKFLOW,
    run_id: signinTrail(now),
    at: new Date(now).toISOString(),
    channel: 'web',
    reason: refusal.message,
    details: { code: refusal.reason, ...(sourceIp ? { source_ip: sourceIp } : {}) },
  });
}
