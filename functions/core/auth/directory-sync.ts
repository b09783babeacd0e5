/**
 * `signoff directory sync`: what each person's last sign-in through the identity provider says
 * (their groups read through the directory's current mappings), and an admin's revocation of a
 * record, which also ends the person's sessions. signoff keeps no refresh tokens, so it cannot
 * ask the IdP who left a group between sign-ins: a removal there shows at the next sign-in.
 * Revocations and refusals are audited in the day's sign-in trail (workflow `*`).
 */

import type { Directory, DirectoryUser } from '../../../statemachines/schema.ts';
import { findUser, withIdentities } from '../approval/directory.ts';
import type { AuditLog, Clock } from '../ports.ts';
import type { AuthStore } from './auth-store.ts';
import { SIGNIN_AUDIT_WORKFLOW, signinTrail } from './identity-signin.ts';
import type { IdentityStore } from './identity-store.ts';
import { requireAdmin } from './require-admin.ts';

/** What listing and revoking identity records need. */
export interface DirectorySyncDeps {
  identities: IdentityStore;
  auth: Pick<AuthStore, 'listByUser' | 'delete'>;
  audit: AuditLog;
  directory: Directory;
  now: Clock;
}

/** One person's identity record as `signoff directory sync` shows it. */
export interface IdentityRow {
  email: string;
  name: string;
  signed_in_at: string;
  /** Whole days since that sign-in. */
  age_days: number;
  /** Older than the directory's `identity_max_age`: the person counts for no IdP team until they sign in again. */
  stale: boolean;
  /** The role the directory gives the person now (the file's, or their groups'), or `none`. */
  role: DirectoryUser['role'] | 'none';
  /** The teams the groups of that sign-in put the person in (none once revoked). */
  teams_from_idp: string[];
  groups: string[];
  revoked_at?: string;
}

export type ListOutcome = { kind: 'ok'; identities: IdentityRow[] } | Refusal;

export type RevokeOutcome =
  | { kind: 'revoked'; email: string; revoked_at: string; sessions_ended: number }
  /** The record was revoked before: nothing was changed. */
  | { kind: 'already_revoked'; email: string; revoked_at: string; sessions_ended: 0 }
  | Refusal;

type Refusal = { kind: 'refused'; status: 400 | 403 | 404; message: string };

const DAY_MS = 86_400_000;
/** Good enough to turn away typos and junk: the email only has to match a stored record. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Every identity record, sorted by email, with the role and IdP teams the directory derives now (admins only). */
export async function listIdentities(deps: DirectorySyncDeps, actor: string): Promise<ListOutcome> {
  const admin = await adminOrRefuse(deps, actor, 'directory_list');
  if ('kind' in admin) return admin;
  const now = deps.now();
  const records = await deps.identities.list();
  const merged = withIdentities(deps.directory, records, now);
  const maxAgeMs = (deps.directory.idp?.max_age_seconds ?? Number.POSITIVE_INFINITY) * 1000;
  const identities = records
    .map((record): IdentityRow => {
      const email = record.email.toLowerCase();
      const ageMs = now - Date.parse(record.signed_in_at);
      return {
        email,
        name: record.name,
        signed_in_at: record.signed_in_at,
        age_days: Math.max(0, Math.floor(ageMs / DAY_MS)),
        stale: ageMs > maxAgeMs,
        role: findUser(merged, email)?.role ?? 'none',
        teams_from_idp: merged.identities?.[email]?.teams ?? [],
        groups: record.groups,
        ...(record.revoked_at ? { revoked_at: record.revoked_at } : {}),
      };
    })
    .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  return { kind: 'ok', identities };
}

/**
 * Revokes a person's identity record at once (admins only): their IdP teams and any role their
 * groups gave are gone until they sign in again, and every session of theirs ends.
 */
export async function revokeIdentity(
  deps: DirectorySyncDeps,
  actor: string,
  email: string,
): Promise<RevokeOutcome> {
  const admin = await adminOrRefuse(deps, actor, 'identity_revoke');
  if ('kind' in admin) return admin;
  const person = email.trim().toLowerCase();
  if (person.length > 254 || !EMAIL.test(person))
    return { kind: 'refused', status: 400, message: `"${email.slice(0, 80)}" is not an email address` };
  const record = await deps.identities.get(person);
  if (!record)
    return {
      kind: 'refused',
      status: 404,
      message: `nobody has signed in as ${person} through the identity provider`,
    };
  if (record.revoked_at)
    return { kind: 'already_revoked', email: person, revoked_at: record.revoked_at, sessions_ended: 0 };
  const now = deps.now();
  const at = new Date(now).toISOString();
  // The record first: a session that outlives a failed delete then no longer carries IdP teams.
  if (!(await deps.identities.revoke(person, at)))
    return {
      kind: 'refused',
      status: 404,
      message: `nobody has signed in as ${person} through the identity provider`,
    };
  const sessions = (await deps.auth.listByUser(person)).filter((r) => r.kind === 'session');
  for (const session of sessions) await deps.auth.delete(session.key);
  await deps.audit.append({
    action: 'identity_revoked',
    actor: { email: admin.email, name: admin.name },
    workflow: SIGNIN_AUDIT_WORKFLOW,
    run_id: signinTrail(now),
    at,
    channel: 'api',
    details: { email: person, sessions_ended: sessions.length },
  });
  return { kind: 'revoked', email: person, revoked_at: at, sessions_ended: sessions.length };
}

/** The caller as an admin, or a 403 refusal (audited `refused` in the day's sign-in trail). */
async function adminOrRefuse(
  deps: DirectorySyncDeps,
  actor: string,
  attempted: string,
): Promise<DirectoryUser | Refusal> {
  const message = 'only admins may list or revoke identity records';
  const admin = await requireAdmin(deps, actor, {
    message,
    attempted,
    workflow: SIGNIN_AUDIT_WORKFLOW,
    run_id: signinTrail(deps.now()),
  });
  return admin ?? { kind: 'refused', status: 403, message };
}
