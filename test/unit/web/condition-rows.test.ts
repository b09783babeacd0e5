import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../../functions/adapters/fs-artifact-store.ts';
import { buildGate } from '../../../functions/core/approval/request-approval.ts';
import { ARTIFACT, artifactKey } from '../../../functions/core/plan/artifact-keys.ts';
import type { RunRecord } from '../../../functions/core/ports.ts';
import type { StepView } from '../../../functions/core/runs/run-view.ts';
import { loadConditionRows } from '../../../functions/web/condition-rows.ts';
import { DIRECTORY, requestInput, runInfo, T0 } from '../../support/approval-fixtures.ts';
import { example } from '../../support/examples.ts';

const { workflow } = example('production-deploy-with-escalation');

function stepsReached(ids: string[]): StepView[] {
  return workflow.steps.map((s) => ({
    id: s.id,
    type: s.type,
    label: s.id,
    status: ids.includes(s.id) ? 'succeeded' : 'pending',
    ...(ids.includes(s.id) ? { started_at: new Date(T0).toISOString() } : {}),
  }));
}

describe('loadConditionRows', () => {
  it('reads the cost the condition tested from the plan step’s summary, and the branch from the steps reached', async () => {
    const artifacts = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'signoff-conditions-')));
    const info = runInfo({ workflow: workflow.name });
    const run: RunRecord = { ...info, execution_arn: `arn:x:${info.id}`, status: 'RUNNING' };
    const input = requestInput({}, info);
    const summary = {
      plan: input.data.plan,
      cost: {
        estimated: true,
        currency: 'USD',
        monthly_before: 250,
        monthly_after: 1000,
        monthly_delta: 750,
      },
      policy: { passed: 1, failed: 0, mandatory_failed: 0, results: [] },
    };
    await artifacts.put(artifactKey(run.id, 'plan', ARTIFACT.summary), JSON.stringify(summary));
    const gate = {
      ...buildGate({ directory: DIRECTORY, now: () => T0 }, input),
      status: 'approved' as const,
      closed_at: new Date(T0).toISOString(),
    };
    const rows = await loadConditionRows(
      artifacts,
      run,
      workflow,
      stepsReached(['plan', 'approve', 'check_cost', 'finance_approval']),
      [{ gate, votes: [], asked: gate.approvers }],
    );
    expect(rows).toEqual({ check_cost: 'cost +$750/month > $500 → finance approval' });
    // Without the summary, the cost the gate was shown is what the condition read.
    const empty = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'signoff-conditions-')));
    const fromGate = await loadConditionRows(
      empty,
      run,
      workflow,
      stepsReached(['plan', 'approve', 'check_cost', 'apply']),
      [{ gate, votes: [], asked: gate.approvers }],
    );
    expect(fromGate).toEqual({ check_cost: 'cost +$45.20/month ≤ $500 → apply' });
  });
});
