/** LockStore in memory, for unit tests. */
import type { LockHolder, LockStore, ProjectLock } from '../core/ports.ts';

/** Keeps lock items in a Map; the same compare-and-swap on `version` as the DynamoDB store. */
export class MemoryLockStore implements LockStore {
  readonly locks = new Map<string, ProjectLock>();

  async get(project: string): Promise<ProjectLock | undefined> {
    const lock = this.locks.get(project);
    return lock ? structuredClone(lock) : undefined;
  }

  async acquire(
    project: string,
    holder: LockHolder,
    expected: number,
    _now: string,
  ): Promise<ProjectLock | undefined> {
    const current = this.locks.get(project);
    if ((current?.version ?? 0) !== expected) return undefined;
    const lock: ProjectLock = { project, version: expected + 1, holder: structuredClone(holder) };
    this.locks.set(project, lock);
    return structuredClone(lock);
  }

  async release(
    project: string,
    runId: string,
    now: string,
    options: { force?: boolean } = {},
  ): Promise<ProjectLock | undefined> {
    const current = this.locks.get(project);
    if (current?.holder?.run_id !== runId) return undefined;
    if (current.holder.held_for_admin && !options.force) return undefined;
    const before = structuredClone(current);
    this.locks.set(project, { project, version: current.version + 1, released_at: now });
    return before;
  }

  async hold(project: string, runId: string, reason: string): Promise<boolean> {
    const current = this.locks.get(project);
    if (current?.holder?.run_id !== runId) return false;
    current.holder.held_for_admin = reason;
    current.version += 1;
    return true;
  }

  async renew(project: string, runId: string, expiresAt: string): Promise<boolean> {
    const current = this.locks.get(project);
    if (current?.holder?.run_id !== runId || current.holder.expires_at >= expiresAt) return false;
    current.holder.expires_at = expiresAt;
    return true;
  }
}
