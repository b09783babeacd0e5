/**
 * One row per workflow step for the run page, folded from the execution history: internal states
 * (`Initialize`, `plan.summarize`, `plan.build_failed`, `notify.failed`, ...) count toward their step.
 */
import type { Workflow } from '../../statemachines/schema.ts';
import type { GateStatus, RunStatus, StepRecord } from '../core/ports.ts';

/** How one step stands. */
export type StepStatus = 'succeeded' | 'failed' | 'running' | 'waiting' | 'not_started' | 'skipped';

/** One workflow step as the run page lists it. */
export interface StepRow {
  id: string;
  type: string;
  label: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  error?: string;
}

const ENGINE_STATES = new Set(['Initialize', 'Succeeded', 'Failed']);

/** Rows in workflow order; `gates` maps an approval step id to its gate's status. */
export function buildStepRows(
  workflow: Workflow | undefined,
  history: StepRecord[],
  runStatus: RunStatus,
  gates: Record<string, GateStatus>,
): StepRow[] {
  const byStep = new Map<string, StepRecord[]>();
  for (const record of history) {
    if (ENGINE_STATES.has(record.state)) continue;
    const id = record.state.split('.')[0] as string;
    byStep.set(id, [...(byStep.get(id) ?? []), record]);
  }
  const steps = workflow
    ? workflow.steps.map((s) => ({ id: s.id, type: s.type, label: describe(s) }))
    : [...byStep.keys()].map((id) => ({ id, type: 'step', label: id }));
  return steps.map((step) => {
    const records = byStep.get(step.id) ?? [];
    if (records.length === 0) {
      return { ...step, status: runStatus === 'RUNNING' ? 'not_started' : 'skipped' };
    }
    const first = records[0] as StepRecord;
    const last = records.at(-1) as StepRecord;
    const failed = records.find((r) => r.status === 'failed' || r.status === 'caught');
    const open = records.some((r) => !r.exited_at);
    let status: StepStatus = failed ? 'failed' : open ? 'running' : 'succeeded';
    const gate = gates[step.id];
    if (gate === 'pending' && open) status = 'waiting';
    if (gate === 'rejected' || gate === 'timed_out' || gate === 'cancelled') status = 'failed';
    if (open && runStatus !== 'RUNNING') status = 'failed';
    const endedAt = open ? undefined : last.exited_at;
    return {
      ...step,
      status,
      startedAt: first.entered_at,
      ...(endedAt ? { endedAt, durationMs: Date.parse(endedAt) - Date.parse(first.entered_at) } : {}),
      ...(failed?.error
        ? { error: failed.error }
        : gate && gate !== 'pending' && gate !== 'approved'
          ? { error: gate }
          : {}),
    };
  });
}

function describe(step: Workflow['steps'][number]): string {
  if (step.name) return step.name;
  switch (step.type) {
    case 'iac':
      return `${step.action === 'plan' ? 'Plan' : 'Apply'} ${step.project}`;
    case 'approval':
      return `Approval (${step.required} of ${step.approvers.join(', ')})`;
    case 'condition':
      return `If ${step.if.field} ${step.if.op} ${String(step.if.value)}`;
    case 'http':
      return `Notify (${step.run_on})`;
  }
}
