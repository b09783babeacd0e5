/**
 * An admin frees a project lock by hand (a run stuck holding it), with a reason; audited as
 * `lock_force_released` in the holder's trail. Anyone else is refused with 403, audited as
 * `refused` like every other refusal.
 */

import type { Directory } from '../../../statemachines/schema.ts';
import { lockedProjects } from '../../../statemachines/workflow-graph.ts';
import { directoryNow } from '../approval/approval-deps.ts';
import { findUser } from '../approval/directory.ts';
import type { IdentityStore } from '../auth/identity-store.ts';
import type { AuditLog, Clock, LockStore, ProjectLock } from '../ports.ts';
import { newRunId } from '../runs/start-run.ts';
import type { WorkflowCatalog } from '../runs/workflow-catalog.ts';

/** What a force-release needs. */
export interface ForceReleaseDeps {
  locks: LockStore;
  audit: AuditLog;
  directory: Directory;
  identities?: Pick<IdentityStore, 'get' | 'list'>;
  workflows: Pick<WorkflowCatalog, 'all'>;
  now: Clock;
}

/** A force-release as asked: which project, by whom (email), why. */
export interface ForceReleaseRequest {
  project: string;
  actor: string;
  reason?: unknown;
}

/** What happened: released (with the lock as it was), or refused with an HTTP status and a message. */
export type ForceReleaseOutcome =
  | { kind: 'released'; project: string; released: ProjectLock }
  | { kind: 'refused'; status: 400 | 403 | 404 | 409; message: string };

const MAX_REASON = 500;

/** Frees a project's lock whoever holds it, if the caller is an admin and gives a reason. */
export async function forceReleaseLock(
  deps: ForceReleaseDeps,
  request: ForceReleaseRequest,
): Promise<ForceReleaseOutcome> {
  const user = findUser(await directoryNow(deps, request.actor), request.actor);
  const project = request.project.slice(0, 80);
  // A workflow that locks the project: the audit indexes need a workflow even when none holds it.
  const owner = deps.workflows.all().find((w) => lockedProjects(w).includes(project))?.name;
  const known = owner !== undefined;
  const lock = known ? await deps.locks.get(project) : undefined;
  const at = new Date(deps.now()).toISOString();
  if (user?.role !== 'admin') {
    const message = 'only admins may force-release a project lock';
    await deps.audit.append({
      action: 'refused',
      actor: user ? { email: user.email, name: user.name } : { email: request.actor, name: request.actor },
      workflow: lock?.holder?.workflow ?? owner ?? 'unknown',
      run_id: lock?.holder?.run_id ?? `refused-${newRunId(deps.now())}`,
      at,
      reason: message,
      channel: 'api',
      details: { attempted: 'lock_force_release', project, role: user?.role ?? 'unknown' },
    });
    return { kind: 'refused', status: 403, message };
  }
  if (!known)
    return { kind: 'refused', status: 404, message: `no workflow locks a project named "${project}"` };
  const reason = typeof request.reason === 'string' ? request.reason.trim() : '';
  if (!reason) return { kind: 'refused', status: 400, message: 'give a reason: a force-release is audited' };
  if (reason.length > MAX_REASON) {
    return { kind: 'refused', status: 400, message: `reason is longer than ${MAX_REASON} characters` };
  }
  const holder = lock?.holder;
  if (!holder) return { kind: 'refused', status: 409, message: `project ${project} is not locked` };
  const released = await deps.locks.release(project, holder.run_id, at, { force: true });
  if (!released) {
    return {
      kind: 'refused',
      status: 409,
      message: `the lock of project ${project} changed meanwhile; look again`,
    };
  }
  await deps.audit.append({
    action: 'lock_force_released',
    actor: { email: user.email, name: user.name },
    workflow: holder.workflow,
    run_id: holder.run_id,
    at,
    reason,
    channel: 'api',
    details: {
      project,
      version: released.version,
      holder_run: holder.run_id,
      acquired_at: holder.acquired_at,
    },
  });
  return { kind: 'released', project, released };
}
