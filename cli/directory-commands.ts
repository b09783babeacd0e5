/** CLI command for people's sign-ins through the identity provider: list them, revoke one (admins only). */
import type { IdentityRow, RevokeOutcome } from '../functions/core/auth/directory-sync.ts';
import { type ApiOptions, apiClient } from './api-client.ts';
import { table } from './run-commands.ts';

type Out = (text: string) => void;

/** Said under every listing: signoff only learns a person's groups when they sign in. */
export const SYNC_NOTE =
  'Each row is what the person’s last sign-in said; a removal from a group at the identity provider shows at their next sign-in (revoke with --revoke EMAIL to act now).';

/** `signoff directory sync [--json] [--revoke EMAIL]`: every identity record, or revokes one and ends its sessions. */
export async function directorySyncCommand(
  options: ApiOptions & { json: boolean; revoke?: string },
  out: Out,
): Promise<number> {
  const client = apiClient(options);
  if (options.revoke !== undefined) {
    const outcome = (await client.post(
      `/api/directory/identities/${encodeURIComponent(options.revoke)}/revoke`,
      {},
    )) as Exclude<RevokeOutcome, { kind: 'refused' }>;
    if (options.json) out(JSON.stringify(outcome, null, 2));
    else if (outcome.kind === 'already_revoked')
      out(`${outcome.email} was already revoked at ${outcome.revoked_at}; nothing changed`);
    else
      out(
        `revoked ${outcome.email}: no IdP teams or IdP role until they sign in again; ${outcome.sessions_ended} session${outcome.sessions_ended === 1 ? '' : 's'} ended`,
      );
    return 0;
  }
  const { identities } = (await client.get('/api/directory/identities')) as { identities: IdentityRow[] };
  if (options.json) {
    out(JSON.stringify({ identities }, null, 2));
    return 0;
  }
  if (identities.length === 0) out('nobody has signed in through the identity provider yet');
  else
    out(
      table(
        ['EMAIL', 'ROLE', 'IDP TEAMS', 'LAST SIGN-IN', ''],
        identities.map((i) => [
          i.email,
          i.role,
          i.teams_from_idp.join(', ') || '-',
          `${i.signed_in_at.slice(0, 16).replace('T', ' ')} UTC (${i.age_days}d ago)`,
          i.revoked_at ? `REVOKED ${i.revoked_at.slice(0, 10)}` : i.stale ? 'STALE' : '',
        ]),
      ),
    );
  out(SYNC_NOTE);
  return 0;
}
