/** Admin-only actions (ad-hoc freezes, identity records): the caller as an admin, or an audited refusal. */
import type { DirectoryUser } from '../../../statemachines/schema.ts';
import { type ApprovalDeps, directoryNow } from '../approval/approval-deps.ts';
import { findUser } from '../approval/directory.ts';
import type { AuditLog } from '../ports.ts';

/** What the check reads and where it audits. */
export type RequireAdminDeps = Pick<ApprovalDeps, 'directory' | 'identities' | 'now'> & { audit: AuditLog };

/**
 * The caller as the directory knows them now (their last sign-in included), if they are an admin;
 * otherwise undefined, once the refusal is audited (`refused`, with what was attempted and the
 * caller's role) under `workflow` / `run_id`. The caller answers 403 with `message`.
 */
export async function requireAdmin(
  deps: RequireAdminDeps,
  actor: string,
  refusal: { message: string; attempted: string; workflow: string; run_id: string },
): Promise<DirectoryUser | undefined> {
  const user = findUser(await directoryNow(deps, actor), actor);
  if (user?.role === 'admin') return user;
  await deps.audit.append({
    action: 'refused',
    actor: user
      ? { email: user.email, name: user.name }
      : { email: actor.slice(0, 254), name: actor.slice(0, 254) },
    workflow: refusal.workflow,
    run_id: refusal.run_id,
    at: new Date(deps.now()).toISOString(),
    reason: refusal.message,
    channel: 'api',
    details: { attempted: refusal.attempted, role: user?.role ?? 'unknown' },
  });
  return undefined;
}
