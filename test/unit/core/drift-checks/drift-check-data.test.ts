import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { addDriftCheck } from '../../../../functions/core/drift-checks/drift-check-data.ts';
import type { StepSummary } from '../../../../functions/core/plan/step-artifacts.ts';
import { summarizeStep } from '../../../../functions/core/plan/summarize-step.ts';
import type { ArtifactStore } from '../../../../functions/core/ports.ts';
import type { DriftCheckSummary } from '../../../../statemachines/drift-contract.ts';

const check = (step: string, status: 'in_sync' | 'drifted'): DriftCheckSummary => ({
  step_id: step,
  project: 'net',
  status,
  drifted: status === 'drifted' ? 1 : 0,
  changed_outside: 0,
  planned: status === 'drifted' ? 1 : 0,
  resources:
    status === 'drifted'
      ? [{ address: 'a.b', changed_outside: false, planned: 'update', attributes: ['x'] }]
      : [],
  resources_truncated: false,
  artifact: `runs/r/${step}/drift-check.json`,
});

describe('addDriftCheck', () => {
  it('is drifted when any check of the run is, and a retried step replaces its own entry', () => {
    const one = addDriftCheck(undefined, check('a', 'drifted'));
    const two = addDriftCheck(one, check('b', 'in_sync'));
    expect(two.status).toBe('drifted');
    expect(addDriftCheck(two, check('a', 'in_sync'))).toEqual({
      status: 'in_sync',
      checks: [check('b', 'in_sync'), check('a', 'in_sync')],
    });
  });
});

describe('summarizeStep for a drift check', () => {
  it('returns the verdict and never fails the run for drift', async () => {
    const summary: StepSummary = {
      plan: {
        step_id: 'check',
        project: 'net',
        add: 0,
        change: 1,
        destroy: 0,
        replace: 0,
        resources: [{ address: 'a.b', action: 'update' }],
        resources_truncated: false,
        hash: 'h',
        artifacts: { plan_json: 'runs/r/check/plan.json' },
      },
      cost: { estimated: false, reason: 'a drift check estimates no cost' },
      policy: { passed: 0, failed: 0, mandatory_failed: 0, results: [] },
      drift_check: check('check', 'drifted'),
    };
    const artifacts: ArtifactStore = {
      async get(key: string) {
        return key === 'runs/r/check/summary.json'
          ? new TextEncoder().encode(JSON.stringify(summary))
          : undefined;
      },
      async put() {},
    } as unknown as ArtifactStore;
    const data = await summarizeStep(
      { artifacts, audit: new MemoryAuditLog(), runs: new MemoryRunStore(), now: () => 0 },
      {
        run: {
          id: 'r',
          workflow: 'w',
          environment: 'production',
          production: true,
          trigger: { type: 'manual' },
          started_by: null,
          started_at: '2026-01-01T00:00:00Z',
        },
        step_id: 'check',
        project: 'net',
        action: 'plan',
        mode: 'drift',
        build: { status: 'SUCCEEDED' },
        data: { steps: {} },
      },
    );
    expect(data.drift).toEqual({ status: 'drifted', checks: [check('check', 'drifted')] });
    expect(data.steps?.check).toMatchObject({ mode: 'drift', status: 'drifted', drifted: 1, changes: 1 });
    expect(data.policy).toBeUndefined();
  });
});
