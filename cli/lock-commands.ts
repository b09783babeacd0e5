/** CLI commands for project locks: list them, and force-release one (admins only, with a reason). */
import type { ProjectLockView } from '../functions/core/locks/lock-views.ts';
import { type ApiOptions, apiClient } from './api-client.ts';
import { table } from './run-commands.ts';
import { CliError } from './workspace.ts';

type Out = (text: string) => void;

/** `signoff locks [--json]`: every project a workflow locks, and the run holding it. */
export async function locksCommand(options: ApiOptions & { json: boolean }, out: Out): Promise<number> {
  const { locks } = (await apiClient(options, { reads: true }).get('/api/locks')) as {
    locks: ProjectLockView[];
  };
  if (options.json) {
    out(JSON.stringify({ locks }, null, 2));
    return 0;
  }
  out(
    table(
      ['PROJECT', 'HELD BY RUN', 'WORKFLOW', 'SINCE', 'LEASE UNTIL', 'NOTE'],
      locks.map((l) => [
        l.project,
        l.held_by?.run_id ?? '-',
        l.held_by?.workflow ?? '',
        l.held_by?.since ?? '',
        l.held_by?.expires_at ?? '',
        l.held_by?.held_for_admin ? `held for an admin: ${l.held_by.held_for_admin}` : '',
      ]),
    ),
  );
  return 0;
}

/** `signoff unlock PROJECT --reason TEXT`: frees the project's lock whoever holds it (admins only; audited). */
export async function unlockCommand(
  options: ApiOptions & { project: string; reason?: string },
  out: Out,
): Promise<number> {
  if (!options.reason?.trim())
    throw new CliError('unlock needs --reason TEXT: a force-release is audited', 2);
  const result = (await apiClient(options).post(`/api/locks/${encodeURIComponent(options.project)}/release`, {
    reason: options.reason,
  })) as { released: { holder?: { run_id: string; workflow: string } } };
  const holder = result.released.holder;
  out(
    `released the lock of ${options.project}${holder ? ` held by run ${holder.run_id} (${holder.workflow})` : ''}`,
  );
  return 0;
}
