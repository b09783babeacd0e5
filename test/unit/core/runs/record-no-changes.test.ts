import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { gateIdFor } from '../../../../functions/core/approval/gate.ts';
import { recordNoChanges } from '../../../../functions/core/runs/record-no-changes.ts';
import type { SkipGateInput } from '../../../../statemachines/contract.ts';

const run = {
  id: 'r1',
  workflow: 'production-deploy',
  environment: 'production',
  production: true,
  trigger: { type: 'manual' as const },
  started_by: { email: 'jane@acme.com', name: 'Jane' },
  started_at: '2026-11-25T10:00:00.000Z',
};

const input: SkipGateInput = {
  kind: 'skip_gate',
  run,
  step_id: 'approve',
  gate_name: 'Platform lead approval',
  plans: ['plan'],
  data: {
    plan: {
      step_id: 'plan',
      project: 'network',
      add: 0,
      change: 0,
      destroy: 0,
      replace: 0,
      resources: [],
      resources_truncated: false,
      hash: 'h'.repeat(64),
      artifacts: { plan_json: 'runs/r1/plan/plan.json' },
    },
  },
};

describe('recordNoChanges', () => {
  it('marks the run no_changes and audits gate_skipped once, however often the task is retried', async () => {
    const deps = {
      runs: new MemoryRunStore(),
      audit: new MemoryAuditLog(),
      now: () => Date.parse(run.started_at) + 5000,
    };
    await deps.runs.create({ ...run, execution_arn: 'arn:x:r1', status: 'RUNNING' });
    await recordNoChanges(deps, input);
    await recordNoChanges(deps, input);
    expect(await deps.runs.get('r1')).toMatchObject({ status: 'RUNNING', no_changes: true });
    expect(deps.audit.events).toHaveLength(1);
    expect(deps.audit.events[0]).toMatchObject({
      action: 'gate_skipped',
      actor: { email: 'system:engine', name: 'Step Functions' },
      workflow: 'production-deploy',
      run_id: 'r1',
      step_id: 'approve',
      gate_id: gateIdFor('r1', 'approve'),
      at: '2026-11-25T10:00:05.000Z',
      reason: 'the plan has no changes, so Platform lead approval was not opened and nothing was applied',
      plan_summary: { project: 'network', add: 0, change: 0, destroy: 0, replace: 0, hash: 'h'.repeat(64) },
      details: { gate: 'Platform lead approval', plans: ['plan'] },
    });
  });

  it('never creates a run record for a run that has none', async () => {
    const deps = { runs: new MemoryRunStore(), audit: new MemoryAuditLog(), now: () => 0 };
    await recordNoChanges(deps, input);
    expect(await deps.runs.get('r1')).toBeUndefined();
  });
});
