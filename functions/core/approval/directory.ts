/**
 * Resolves approver refs (`user:EMAIL`, `team:NAME`, `role:ROLE`) to people in the directory.
 */
import type { Directory, DirectoryUser } from '../../../statemachines/schema.ts';
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
