import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeConditionSteps } from '../../../../functions/core/runs/condition-steps.ts';
import type { StepView } from '../../../../functions/core/runs/run-view.ts';
import type { CostSummary } from '../../../../statemachines/contract.ts';
import { workflowSchema } from '../../../../statemachines/schema.ts';

const WORKFLOW = workflowSchema.parse(
  parse(readFileSync('workflows/production-deploy-with-escalation.yaml', 'utf8')),
);

function steps(startedIds: string[]): StepView[] {
  return WORKFLOW.steps.map((s) => ({
    id: s.id,
    type: s.type,
    label: s.id,
    status: startedIds.includes(s.id) ? 'succeeded' : 'skipped',
    ...(startedIds.includes(s.id) ? { started_at: '2026-11-25T10:00:00.000Z' } : {}),
  }));
}

const cost = (monthly_delta: number): CostSummary => ({
  estimated: true,
  currency: 'USD',
  monthly_before: 100,
  monthly_after: 100 + monthly_delta,
  monthly_delta,
});

describe('describeConditionSteps', () => {
  it('shows the value tested and the branch the run took', () => {
    const taken = describeConditionSteps(
      WORKFLOW,
      steps(['plan', 'approve', 'check_cost', 'finance_approval', 'apply']),
      () => ({ data: { cost: cost(750) } }),
    );
    expect(taken).toEqual({ check_cost: 'cost +$750/month > $500 → finance approval' });
    const cheap = describeConditionSteps(WORKFLOW, steps(['plan', 'approve', 'check_cost', 'apply']), () => ({
      data: { cost: cost(45.2) },
    }));
    expect(cheap).toEqual({ check_cost: 'cost +$45.20/month ≤ $500 → apply' });
  });

  it('says a missing value took the when_missing branch, and says nothing of conditions not reached', () => {
    const missing = describeConditionSteps(
      WORKFLOW,
      steps(['plan', 'approve', 'check_cost', 'finance_approval']),
      () => ({ data: { cost: { estimated: false, reason: 'no infracost' } } }),
    );
    expect(missing).toEqual({ check_cost: 'no value for cost → finance approval' });
    expect(describeConditionSteps(WORKFLOW, steps(['plan', 'approve']), () => ({ data: {} }))).toEqual({});
  });

  it('follows the value while the next step has not started', () => {
    const now = describeConditionSteps(WORKFLOW, steps(['plan', 'approve', 'check_cost']), () => ({
      data: { cost: cost(501) },
    }));
    expect(now).toEqual({ check_cost: 'cost +$501/month > $500 → finance approval' });
    const failing = workflowSchema.parse({
      ...WORKFLOW,
      steps: WORKFLOW.steps.map((s) => (s.type === 'condition' ? { ...s, when_missing: 'fail' } : s)),
    });
    expect(
      describeConditionSteps(failing, steps(['plan', 'approve', 'check_cost']), () => ({ data: {} })),
    ).toEqual({ check_cost: 'no value for cost → the run stops (a missing value fails this condition)' });
  });
});
