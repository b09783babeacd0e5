/**
 * The freeze check in front of every apply step (run-ended's `check_freeze` task). It reads the
 * configured freezes and the ad-hoc ones an admin started, so a freeze started a moment ago holds
 * the next apply back. While a covered freeze is in effect:
 * - `apply: wait` returns when to check again: the freeze's end, or sooner, since an admin may
 *   end an ad-hoc freeze early. The run keeps its project locks meanwhile (their lease is moved on).
 * - `apply: fail` fails the run with Frozen.
 * - an emergency bypass run goes through, audited `freeze_overridden` with its reason.
 * A retried check writes each audit event once (keyed by run and step).
 */
import type { CheckFreezeInput, CheckFreezeResult } from '../../../statemachines/contract.ts';
import type { FreezeDefinition } from '../../../statemachines/freezes.ts';
import { formatInZone } from '../../../statemachines/time-zone.ts';
import { lockedProjects } from '../../../statemachines/workflow-graph.ts';
import { ErrorName, StepFailedError } from '../errors.ts';
import type { AuditLog, Clock, FreezeStore, LockStore } from '../ports.ts';
import type { WorkflowCatalog } from '../runs/workflow-catalog.ts';
import { type FreezeStatus, freezeStatus } from './freeze-windows.ts';

export interface FreezeCheckDeps {
  freezes: Pick<FreezeStore, 'list'>;
  /** `config/freezes.yaml` as deployed. */
  freezeWindows: readonly FreezeDefinition[];
  locks: Pick<LockStore, 'renew'>;
  audit: AuditLog;
  workflows: Pick<WorkflowCatalog, 'get'>;
  now: Clock;
  /** The shortest pause between two checks of a waiting apply. */
  freezePollSeconds: number;
}

/** The actor of freeze events signoff itself writes. */
export const FREEZE_ACTOR = { email: 'system:freeze', name: 'Change freeze' } as const;

/** The longest pause between two checks: an hour. */
const MAX_POLL_SECONDS = 3600;

/**
 * How long a waiting apply pauses before the next check: the poll at first, then a
 * twenty-fourth of the time frozen so far, at most an hour, never past the freeze's end. A
 * two-week freeze is then a few hundred checks, well inside the 25,000 events an execution's
 * history may hold (Step Functions Developer Guide, "Service quotas").
 */
export function recheckAfterMs(
  pollSeconds: number,
  frozenForMs: number,
  untilMs: number | undefined,
  now: number,
): number {
  const interval = Math.min(
    MAX_POLL_SECONDS * 1000,
    Math.max(pollSeconds * 1000, Math.floor(frozenForMs / 24)),
  );
  return untilMs === undefined ? interval : Math.max(1000, Math.min(interval, untilMs - now));
}

/** Checks the freezes for the run's apply step; throws Frozen when a freeze says to fail. */
export async function checkFreeze(
  deps: FreezeCheckDeps,
  input: CheckFreezeInput,
): Promise<CheckFreezeResult> {
  const now = deps.now();
  const { run } = input;
  const status = freezeStatus(
    deps.freezeWindows,
    await deps.freezes.list(),
    { name: run.workflow, environment: run.environment },
    now,
    0,
  );
  if (status.active.length === 0) return { frozen: false, frozen_since: input.frozen_since };

  const freezes = status.active.map((w) => ({ name: w.name, reason: w.reason }));
  const until = status.until === undefined ? undefined : new Date(status.until).toISOString();
  const event = {
    actor: FREEZE_ACTOR,
    workflow: run.workflow,
    run_id: run.id,
    step_id: input.step_id,
    at: new Date(now).toISOString(),
    details: { freezes, ...(until ? { until } : {}), apply: status.apply },
  };
  if (run.bypass) {
    await deps.audit.append(
      {
        ...event,
        action: 'freeze_overridden',
        actor: run.started_by ?? FREEZE_ACTOR,
        reason: `Emergency bypass through ${describeFreeze(status)}${run.reason ? `; justification: '${run.reason}'` : ''}`,
      },
      `freeze_overridden:${run.id}:${input.step_id}`,
    );
    return { frozen: false, frozen_since: input.frozen_since, freezes, overridden: true };
  }
  if (status.apply === 'fail') {
    await deps.audit.append(
      { ...event, action: 'apply_frozen', reason: `Apply refused: ${describeFreeze(status)}` },
      `apply_frozen:${run.id}:${input.step_id}`,
    );
    throw new StepFailedError(ErrorName.Frozen, `${run.workflow} is ${describeFreeze(status)}`);
  }

  const since = input.frozen_since ?? new Date(now).toISOString();
  const recheckAt = now + recheckAfterMs(deps.freezePollSeconds, now - Date.parse(since), status.until, now);
  await keepLocks(deps, input, recheckAt);
  await deps.audit.append(
    { ...event, action: 'apply_frozen', reason: `Apply waits: ${describeFreeze(status)}` },
    `apply_frozen:${run.id}:${input.step_id}`,
  );
  return {
    frozen: true,
    frozen_since: since,
    recheck_at: new Date(recheckAt).toISOString(),
    ...(until ? { until } : {}),
    freezes,
  };
}

/** `frozen until 2027-01-04 08:00 GMT+1 (year-end: Holidays)`. */
export function describeFreeze(status: FreezeStatus): string {
  const first = status.active[0];
  const zone = first?.timezone ?? 'UTC';
  const when =
    status.until === undefined
      ? 'frozen until an admin ends the freeze'
      : `frozen until ${formatInZone(new Date(status.until), zone)}`;
  const why = status.active.map((w) => `${w.name}: ${w.reason}`).join('; ');
  return `${when} (${why})`;
}

/** A run waiting out a freeze keeps its projects: each lock's lease runs a full lease past the next check. */
async function keepLocks(deps: FreezeCheckDeps, input: CheckFreezeInput, recheckAt: number): Promise<void> {
  const workflow = deps.workflows.get(input.run.workflow);
  if (!workflow) return;
  const expiresAt = new Date(recheckAt + input.lease_seconds * 1000).toISOString();
  for (const project of lockedProjects(workflow)) await deps.locks.renew(project, input.run.id, expiresAt);
}
