/** The local identity provider's accounts: everyone `config/directory.yaml` lists, with groups. */
import type { Directory } from '../../statemachines/schema.ts';
import type { DevIdpAccount } from './dev-idp.ts';

/**
 * One account per person in the directory file. Their groups are their `dev_groups`, or else the
 * hand-listed teams they are in and `signoff-<role>`: groups that change nothing in a directory
 * that maps none, so the example works the same whichever way people sign in.
 */
export function devAccounts(directory: Directory): DevIdpAccount[] {
  const teamsOf = (email: string) =>
    Object.entries(directory.teams)
      .filter(([, members]) => members.some((m) => m.toLowerCase() === email.toLowerCase()))
      .map(([team]) => team);
  const users = directory.users.map((u) => ({
    email: u.email,
    name: u.name,
    groups: directory.dev_groups?.[u.email.toLowerCase()] ?? [...teamsOf(u.email), `signoff-${u.role}`],
  }));
  const profiles = (directory.profiles ?? []).map((p) => ({
    email: p.email,
    name: p.name,
    groups: p.dev_groups ?? teamsOf(p.email),
  }));
  return [...users, ...profiles];
}
