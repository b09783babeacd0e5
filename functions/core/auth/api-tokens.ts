/**
 * API tokens for the JSON API and the CLI: `so_` plus 32 random bytes, shown once and stored
 * only as SHA-256 with the owner's email.
 */
import type { DirectoryUser } from '../../../statemachines/schema.ts';
import { directoryNow } from '../approval/approval-deps.ts';
import { findUser } from '../approval/directory.ts';
import type { AuthDeps } from './auth-deps.ts';
import { authKey } from './auth-store.ts';
import { randomToken } from './random-token.ts';

/** Every API token starts with this, so leaked ones are easy to spot. */
export const API_TOKEN_PREFIX = 'so_';

/** The answer of `authenticateBearer`. */
export type BearerResult = { ok: true; user: DirectoryUser } | { ok: false; reason: string };

/** Creates a token for a directory user and returns it (the only time it is seen in clear). */
export async function createApiToken(
  deps: Pick<AuthDeps, 'auth' | 'directory' | 'identities' | 'now'>,
  email: string,
  label: string,
): Promise<string> {
  const user = findUser(await directoryNow(deps, email), email);
  if (!user) throw new Error(`${email} is not in the signoff directory`);
  const token = randomToken(API_TOKEN_PREFIX);
  const stored = await deps.auth.putIfAbsent({
    key: authKey('api_token', token),
    kind: 'api_token',
    email: user.email.toLowerCase(),
    created_at: new Date(deps.now()).toISOString(),
    label: label.slice(0, 200),
  });
  if (!stored) throw new Error('API token collision');
  return token;
}

/** The directory user an `Authorization: Bearer so_...` header belongs to, or why not (answer 401). */
export async function authenticateBearer(
  deps: Pick<AuthDeps, 'auth' | 'directory' | 'identities' | 'now'>,
  header: string | undefined,
): Promise<BearerResult> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return { ok: false, reason: 'send Authorization: Bearer <API token>' };
  const token = match[1] as string;
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) {
    return { ok: false, reason: 'that is not a signoff API token' };
  }
  const record = await deps.auth.get(authKey('api_token', token));
  if (record?.kind !== 'api_token') return { ok: false, reason: 'unknown or revoked API token' };
  if (record.expires_at && Date.parse(record.expires_at) <= deps.now()) {
    return { ok: false, reason: 'this API token has expired' };
  }
  const user = findUser(await directoryNow(deps, record.email), record.email);
  if (!user) return { ok: false, reason: `${record.email} is no longer in the signoff directory` };
  return { ok: true, user };
}
