/**
 * One API token per directory user for the local runtime, kept in `.signoff/tokens.json`
 * (mode 0600) so the CLI's `--as EMAIL` works out of the box. Tokens that no longer
 * authenticate (the data folder was reset) are replaced.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { authenticateBearer, createApiToken } from '../functions/core/auth/api-tokens.ts';
import type { AppDeps } from '../functions/deps.ts';

/** Makes sure every directory user has a working token in the file; returns the file's map. */
export async function ensureLocalTokens(deps: AppDeps, path: string): Promise<Record<string, string>> {
  const current = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  const next: Record<string, string> = {};
  for (const user of deps.directory.users) {
    const email = user.email.toLowerCase();
    const token = current[email];
    const valid = token ? (await authenticateBearer(deps, `Bearer ${token}`)).ok : false;
    next[email] = valid && token ? token : await createApiToken(deps, email, 'local runtime (tokens.json)');
  }
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return next;
}

/**
 * Who the CLI's read-only commands act as when `--as` is absent: the directory's first viewer,
 * who can read runs and the audit trail but never approve or start anything; without a viewer,
 * the first person listed.
 */
export function defaultIdentity(directory: AppDeps['directory']): string | undefined {
  const user = directory.users.find((u) => u.role === 'viewer') ?? directory.users[0];
  return user?.email.toLowerCase();
}
