/**
 * The task after a drift check: records the project's check (its status and history), audits
 * `drift_checked`, and on drift starts the fix-up run (`fix_with`). Once per check however often
 * the task is retried: the check is put if absent, the audit event is keyed, and the fix-up run's
 * id comes from the check's run and step, so a retry finds the run it started.
 */
import type {
  DriftCheckSummary,
  FixUpOutcome,
  RecordDriftCheckInput,
  RecordDriftCheckResult,
} from '../../../statemachines/drift-contract.ts';
import { SignoffError } from '../errors.ts';
import { builtCommit } from '../runs/source.ts';
import { type StartRunDeps, startRun } from '../runs/start-run.ts';
import type { DriftCheckStore } from './drift-check-store.ts';

/** The actor of fix-up runs and of `drift_checked` events. */
export const DRIFT_CHECK_ACTOR = { email: 'system:drift-check', name: 'Drift check' } as const;

/** How many addresses a reason names; the run's reason is capped at 1,000 characters. */
const NAMED = 5;

/** What recordDriftCheck needs: starting runs, and the drift checks. */
export interface RecordDriftCheckDeps extends StartRunDeps {
  driftChecks: DriftCheckStore;
}

/** The input named a step that has no verdict in the run's data: the state machine was not compiled for it. */
export class NoDriftCheckError extends SignoffError {}

function describeResources(check: DriftCheckSummary): string {
  const names = check.resources.slice(0, NAMED).map((r) => r.address);
  const more = check.drifted - names.length;
  return `${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

async function startFixUp(
  deps: RecordDriftCheckDeps,
  input: RecordDriftCheckInput,
  check: DriftCheckSummary,
  workflow: string,
): Promise<FixUpOutcome> {
  const commit = builtCommit(input.run.source, input.data);
  const outcome = await startRun(deps, {
    workflow,
    trigger: {
      type: 'fix_up',
      run_id: input.run.id,
      workflow: input.run.workflow,
      step_id: input.step_id,
      project: input.project,
    },
    actor: { ...DRIFT_CHECK_ACTOR },
    reason: `fix-up: the drift check of ${input.project} (run ${input.run.id}) found ${check.drifted} resource(s) drifted: ${describeResources(check)}`,
    dedupKey: `fix-up:${input.run.id}:${input.step_id}`,
    // The fix-up plans the commit the check planned, so it fixes what was found.
    ...(commit ? { source: { commit } } : {}),
  });
  if (outcome.kind === 'refused') return { workflow, outcome: 'refused', message: outcome.message };
  return { workflow, run_id: outcome.run.id, outcome: outcome.kind };
}

/** Records one drift check; returns the fix-up run it started (or found, or why none), or null. */
export async function recordDriftCheck(
  deps: RecordDriftCheckDeps,
  input: RecordDriftCheckInput,
): Promise<RecordDriftCheckResult> {
  const check = input.data.drift?.checks.find((c) => c.step_id === input.step_id);
  if (!check) throw new NoDriftCheckError(`the run has no drift check result for step ${input.step_id}`);
  const fixUp =
    check.status === 'drifted' && input.fix_with
      ? await startFixUp(deps, input, check, input.fix_with)
      : undefined;
  const at = new Date(deps.now()).toISOString();
  const commit = builtCommit(input.run.source, input.data);
  await deps.driftChecks.record({
    project: input.project,
    run_id: input.run.id,
    step_id: input.step_id,
    workflow: input.run.workflow,
    checked_at: at,
    status: check.status,
    drifted: check.drifted,
    changed_outside: check.changed_outside,
    planned: check.planned,
    resources: check.resources,
    resources_truncated: check.resources_truncated,
    artifact: check.artifact,
    ...(commit ? { commit } : {}),
    ...(fixUp ? { fix_up: fixUp } : {}),
  });
  await deps.audit.append(
    {
      action: 'drift_checked',
      actor: { ...DRIFT_CHECK_ACTOR },
      workflow: input.run.workflow,
      run_id: input.run.id,
      step_id: input.step_id,
      at,
      reason:
        check.status === 'in_sync'
          ? `${input.project} is in sync with its code`
          : `${input.project} has drifted: ${describeResources(check)}`,
      details: {
        project: input.project,
        status: check.status,
        drifted: check.drifted,
        changed_outside: check.changed_outside,
        planned: check.planned,
        addresses: check.resources.map((r) => r.address),
        ...(check.resources_truncated ? { addresses_truncated: true } : {}),
        ...(commit ? { commit } : {}),
        ...(fixUp ? { fix_up: fixUp } : {}),
      },
    },
    `drift_checked:${input.step_id}`,
  );
  return fixUp ?? null;
}
