/**
 * Resolves approver refs (`user:EMAIL`, `team:NAME`, `role:ROLE`) to people in the directory, and
 * merges people's last sign-ins through the identity provider into it.
 */
import type { Directory, DirectoryUser, Role } from '../../../statemachines/schema.ts';
import type { IdentityRecord } from '../auth/identity-store.ts';
import type { Approver } from '../ports.ts';
import { sameEmail } from './gate.ts';

/** The directory user with that email (case-insensitive), if any. */
export function findUser(directory: Directory, email: string): DirectoryUser | undefined {
  return directory.users.find((u) => sameEmail(u.email, email));
}

/** The people the refs name, each once, in ref order; `unresolved` lists refs (or team members) naming nobody. */
export function resolveApprovers(
  directory: Directory,
  refs: readonly string[],
): { people: Approver[]; unresolved: string[] } {
  const people: Approver[] = [];
  const unresolved: string[] = [];
  const add = (user: DirectoryUser) => {
    if (people.some((p) => sameEmail(p.email, user.email))) return;
    people.push({
      email: user.email.toLowerCase(),
      name: user.name,
      role: user.role,
      ...(user.slack ? { slack: user.slack } : {}),
    });
  };
  for (const ref of refs) {
    const colon = ref.indexOf(':');
    const kind = ref.slice(0, colon);
    const value = ref.slice(colon + 1);
    if (kind === 'user') {
      const user = findUser(directory, value);
      if (user) add(user);
      else unresolved.push(ref);
    } else if (kind === 'team') {
      const members = directory.teams[value];
      if (!members) {
        unresolved.push(ref);
        continue;
      }
      if (members.length === 0 && directory.idp?.teams[value]) {
        unresolved.push(`${ref} (nobody in its IdP groups has signed in to signoff yet)`);
      }
      for (const email of members) {
        const user = findUser(directory, email);
        if (user) add(user);
        else unresolved.push(`${ref} (${email})`);
      }
    } else if (kind === 'role') {
      const users = directory.users.filter((u) => u.role === value);
      if (users.length === 0) unresolved.push(ref);
      users.forEach(add);
    } else {
      unresolved.push(ref);
    }
  }
  return { people, unresolved };
}

/** Roles from the least to the most rights (the schema's list is not imported: it would bundle the schema library). */
const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2 };
const ROLES = Object.keys(RANK) as Role[];

/**
 * The directory with what people's last sign-ins say, read through its current IdP mappings: the
 * teams their groups put them in, and a role for those the file lists without one (the highest
 * their groups give; none, and they are nobody). A revoked record adds nothing; a file role always
 * stands. Each merged person's standing is kept in `identities`.
 */
export function withIdentities(
  directory: Directory,
  records: readonly IdentityRecord[],
  now: number,
): Directory {
  const idp = directory.idp;
  if (!idp || records.length === 0) return directory;
  const users = [...directory.users];
  const teams = { ...directory.teams };
  const identities = { ...directory.identities };
  for (const record of records) {
    if (record.revoked_at) continue;
    const email = record.email.toLowerCase();
    const groups = new Set(record.groups);
    const inGroups = (mapped: readonly string[] | undefined) => (mapped ?? []).some((g) => groups.has(g));
    const idpTeams = Object.entries(idp.teams)
      .filter(([, mapped]) => inGroups(mapped))
      .map(([team]) => team);
    const fileUser = findUser(directory, email);
    let role = fileUser?.role;
    if (!role) {
      for (const candidate of ROLES) {
        if (inGroups(idp.roles[candidate]) && (!role || RANK[candidate] > RANK[role])) role = candidate;
      }
      if (!role) continue;
      const profile = directory.profiles?.find((p) => sameEmail(p.email, email));
      users.push({
        email,
        name: profile?.name ?? record.name,
        role,
        ...(profile?.slack ? { slack: profile.slack } : {}),
        ...(profile?.github ? { github: profile.github } : {}),
      });
    }
    for (const team of idpTeams) teams[team] = [...(teams[team] ?? []), email];
    identities[email] = {
      signed_in_at: record.signed_in_at,
      stale: now - Date.parse(record.signed_in_at) > idp.max_age_seconds * 1000,
      teams: idpTeams,
      role_from_idp: !fileUser,
    };
  }
  return { ...directory, users, teams, identities };
}
