/**
 * The project-lock task: takes every lock a run needs, in sorted order so two runs never wait on
 * each other, or says which run holds one and how long to pause before trying again. Trying
 * again for the same run is harmless (Step Functions retries tasks): a lock the run holds stays
 * its own, with no second write and no second audit event.
 */
import type { AcquireLocksInput, AcquireLocksResult } from '../../../statemachines/contract.ts';
import { supersedeLockHolder } from '../approval/supersede-older-runs.ts';
import { ErrorName, StepFailedError } from '../errors.ts';
import type { AuditLog, Clock, GateStore, LockHolder, LockStore, ProjectLock, RunStore } from '../ports.ts';

/** What taking locks needs; the gates, to supersede an older run of the workflow waiting at one. */
export interface LockDeps {
  locks: LockStore;
  runs: RunStore;
  audit: AuditLog;
  gates: GateStore;
  now: Clock;
}

/** The actor of lock events the engine causes (taking, releasing, taking over). */
export const LOCK_ACTOR = { email: 'system:lock', name: 'Project lock' } as const;

/** Compare-and-swap attempts per project before this try gives up and waits like any other. */
const CONTENDED_TRIES = 5;

/**
 * How long to pause before the next try: a thirtieth of the time waited so far, at least a second
 * and at most five minutes, never past the end of the wait. A release is noticed within about 3%
 * of the wait, and a day's wait is a few hundred tries, well inside the 25,000 events an
 * execution's history may hold (Step Functions Developer Guide, "Service quotas").
 */
export function retryAfterSeconds(waitedMs: number, remainingMs: number): number {
  const interval = Math.min(300, Math.max(1, Math.floor(waitedMs / 30_000)));
  return Math.max(1, Math.min(interval, Math.ceil(remainingMs / 1000)));
}

type Attempt = { kind: 'held'; lock: ProjectLock } | { kind: 'blocked'; holder?: LockHolder };

/** Takes the run's project locks, or returns whom it waits for; throws ProjectLocked once the wait is over. */
export async function acquireProjectLocks(
  deps: LockDeps,
  input: AcquireLocksInput,
): Promise<AcquireLocksResult> {
  const now = deps.now();
  const waitingSince = input.waiting_since ?? new Date(now).toISOString();
  const holder: LockHolder = {
    run_id: input.run.id,
    workflow: input.run.workflow,
    acquired_at: new Date(now).toISOString(),
    expires_at: new Date(now + input.lease_seconds * 1000).toISOString(),
  };
  for (const project of [...new Set(input.projects)].sort()) {
    const attempt = await acquireOne(deps, project, holder);
    if (attempt.kind === 'held') continue;
    const waitedMs = Math.max(0, now - Date.parse(waitingSince));
    const remainingMs = input.wait_seconds * 1000 - waitedMs;
    const by = attempt.holder;
    // An older run of the same workflow waiting at its gate yields: its gate closes as superseded,
    // its run ends, and its end releases the lock for the next try.
    if (input.supersede === true && by && !by.held_for_admin && by.workflow === input.run.workflow)
      await supersedeLockHolder(deps, by.run_id, project, input.run);
    if (remainingMs <= 0) {
      const who = by
        ? `run ${by.run_id} (${by.workflow}) since ${by.acquired_at}${by.held_for_admin ? `, held for an admin to release: ${by.held_for_admin}` : ''}`
        : 'another run';
      throw new StepFailedError(
        ErrorName.ProjectLocked,
        `project ${project} is locked by ${who}; waited ${Math.round(waitedMs / 1000)} s (lock.wait is ${input.wait_seconds} s)`,
      );
    }
    return {
      acquired: false,
      waiting_since: waitingSince,
      retry_after_seconds: retryAfterSeconds(waitedMs, remainingMs),
      ...(by
        ? { waiting_for: { project, run_id: by.run_id, workflow: by.workflow, since: by.acquired_at } }
        : {}),
    };
  }
  return { acquired: true, waiting_since: null, retry_after_seconds: 0 };
}

async function acquireOne(deps: LockDeps, project: string, holder: LockHolder): Promise<Attempt> {
  let last: LockHolder | undefined;
  for (let i = 0; i < CONTENDED_TRIES; i++) {
    const lock = await deps.locks.get(project);
    if (lock?.holder?.run_id === holder.run_id) return { kind: 'held', lock };
    const previous = lock?.holder;
    const why = previous ? await takeOverReason(deps, previous) : undefined;
    if (previous && !why) return { kind: 'blocked', holder: previous };
    const written = await deps.locks.acquire(project, holder, lock?.version ?? 0, holder.acquired_at);
    if (!written) {
      last = previous;
      continue;
    }
    if (previous && why) {
      // The previous holder's interval ends here; its own trail says so.
      await deps.audit.append({
        action: 'lock_released',
        actor: LOCK_ACTOR,
        workflow: previous.workflow,
        run_id: previous.run_id,
        at: holder.acquired_at,
        reason: why,
        details: { project, version: written.version - 1, taken_over_by: holder.run_id },
      });
    }
    await deps.audit.append({
      action: 'lock_acquired',
      actor: LOCK_ACTOR,
      workflow: holder.workflow,
      run_id: holder.run_id,
      at: new Date(deps.now()).toISOString(),
      details: {
        project,
        version: written.version,
        expires_at: holder.expires_at,
        ...(previous ? { taken_over_from: previous.run_id, reason: why } : {}),
      },
    });
    return { kind: 'held', lock: written };
  }
  return { kind: 'blocked', ...(last ? { holder: last } : {}) };
}

/** Why a held lock may be taken over: its lease ran out, or its run is no longer running; else undefined. */
async function takeOverReason(deps: LockDeps, holder: LockHolder): Promise<string | undefined> {
  // Its apply was interrupted: only an admin, who checked the project, frees it.
  if (holder.held_for_admin) return undefined;
  if (Date.parse(holder.expires_at) <= deps.now()) {
    return `the lease of run ${holder.run_id} expired at ${holder.expires_at}`;
  }
  const run = await deps.runs.get(holder.run_id);
  if (run && run.status !== 'RUNNING') return `run ${holder.run_id} ended (${run.status})`;
  return undefined;
}
