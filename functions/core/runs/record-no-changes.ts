/**
 * A gate skipped because the plans before it have no changes: the run is marked `no_changes`
 * and the skip is audited (`gate_skipped`), once however often the task is retried.
 */
import type { SkipGateInput } from '../../../statemachines/contract.ts';
import { gateIdFor } from '../approval/gate.ts';
import type { AuditLog, Clock, RunStore } from '../ports.ts';

const ENGINE_ACTOR = { email: 'system:engine', name: 'Step Functions' } as const;

/** What recordNoChanges needs. */
export interface RecordNoChangesDeps {
  runs: Pick<RunStore, 'markNoChanges'>;
  audit: AuditLog;
  now: Clock;
}

/** Marks the run as ended with no changes and audits the skipped gate. */
export async function recordNoChanges(deps: RecordNoChangesDeps, input: SkipGateInput): Promise<void> {
  await deps.runs.markNoChanges(input.run.id);
  const plan = input.data.plan;
  await deps.audit.append(
    {
      action: 'gate_skipped',
      actor: { ...ENGINE_ACTOR },
      workflow: input.run.workflow,
      run_id: input.run.id,
      step_id: input.step_id,
      gate_id: gateIdFor(input.run.id, input.step_id),
      at: new Date(deps.now()).toISOString(),
      reason: `the plan has no changes, so ${input.gate_name} was not opened and nothing was applied`,
      ...(plan
        ? {
            plan_summary: {
              project: plan.project,
              add: plan.add,
              change: plan.change,
              destroy: plan.destroy,
              replace: plan.replace,
              hash: plan.hash,
            },
          }
        : {}),
      details: { gate: input.gate_name, plans: input.plans },
    },
    `gate_skipped:${input.step_id}`,
  );
}
