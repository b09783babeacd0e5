import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryDriftCheckStore } from '../../../../functions/adapters/memory-drift-check-store.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { recordDriftCheck } from '../../../../functions/core/drift-checks/record-drift-check.ts';
import type { RunEngine } from '../../../../functions/core/ports.ts';
import { snapshotSource } from '../../../../functions/core/runs/source.ts';
import { createWorkflowCatalog } from '../../../../functions/core/runs/workflow-catalog.ts';
import type { RunInfo } from '../../../../statemachines/contract.ts';
import type { DriftCheckSummary, RecordDriftCheckInput } from '../../../../statemachines/drift-contract.ts';
import { workflowSchema } from '../../../../statemachines/schema.ts';
import { DIRECTORY } from '../../../support/approval-fixtures.ts';

const fix = workflowSchema.parse({
  name: 'fix-net',
  environment: 'production',
  steps: [
    { id: 'plan', type: 'iac', project: 'net', action: 'plan' },
    { id: 'approve', type: 'approval', approvers: ['role:admin'] },
    { id: 'apply', type: 'iac', project: 'net', action: 'apply' },
  ],
});

function setup() {
  const started: { runId: string; input: unknown }[] = [];
  const runEngine: RunEngine = {
    async start(_arn, runId, input) {
      started.push({ runId, input });
      return { executionArn: `arn:x:${runId}`, startedAt: new Date(0).toISOString() };
    },
    async describe() {
      return { status: 'RUNNING' };
    },
    async history() {
      return [];
    },
    async stop() {},
  };
  const deps = {
    runs: new MemoryRunStore(),
    runEngine,
    audit: new MemoryAuditLog(),
    workflows: createWorkflowCatalog([fix], 'arn:aws:states:us-east-1:1:stateMachine:signoff-'),
    directory: DIRECTORY,
    source: snapshotSource,
    driftChecks: new MemoryDriftCheckStore(),
    now: () => Date.parse('2026-12-01T10:00:00Z'),
  };
  return { deps, started };
}

const run: RunInfo = {
  id: 'd-check-1',
  workflow: 'net-drift',
  environment: 'production',
  production: true,
  trigger: { type: 'schedule', slot: '2026-12-01T08:00:00.000Z', cron: '0 */4 * * *', timezone: 'UTC' },
  started_by: { email: 'system:schedule', name: 'Schedule' },
  started_at: '2026-12-01T08:00:01.000Z',
};

function input(status: 'in_sync' | 'drifted', fixWith?: string): RecordDriftCheckInput {
  const check: DriftCheckSummary = {
    step_id: 'check',
    project: 'net',
    status,
    drifted: status === 'drifted' ? 1 : 0,
    changed_outside: status === 'drifted' ? 1 : 0,
    planned: 0,
    resources:
      status === 'drifted'
        ? [{ address: 'aws_vpc.main', changed_outside: true, attributes: ['cidr_block'] }]
        : [],
    resources_truncated: false,
    artifact: 'runs/d-check-1/check/drift-check.json',
  };
  return {
    kind: 'record_drift_check',
    run,
    step_id: 'check',
    project: 'net',
    ...(fixWith ? { fix_with: fixWith } : {}),
    data: { drift: { status, checks: [check] } },
  };
}

describe('recordDriftCheck', () => {
  it('records an in-sync check and audits it, starting nothing', async () => {
    const { deps, started } = setup();
    expect(await recordDriftCheck(deps, input('in_sync', 'fix-net'))).toBeNull();
    expect(started).toEqual([]);
    expect(await deps.driftChecks.history('net', 5)).toEqual([
      expect.objectContaining({
        status: 'in_sync',
        run_id: 'd-check-1',
        checked_at: '2026-12-01T10:00:00.000Z',
      }),
    ]);
    expect(deps.audit.events.map((e) => [e.action, e.actor.email, e.reason])).toEqual([
      ['drift_checked', 'system:drift-check', 'net is in sync with its code'],
    ]);
  });

  it('starts one fix-up run on drift as the drift-check actor, however often the task is retried', async () => {
    const { deps, started } = setup();
    const first = await recordDriftCheck(deps, input('drifted', 'fix-net'));
    const retried = await recordDriftCheck(deps, input('drifted', 'fix-net'));
    expect(first).toEqual({ workflow: 'fix-net', run_id: expect.stringMatching(/^d-/), outcome: 'started' });
    expect(retried).toEqual({ ...first, outcome: 'duplicate' });
    expect(started.map((s) => s.runId)).toEqual([first?.run_id]);
    const fixUp = await deps.runs.get(first?.run_id as string);
    expect(fixUp).toMatchObject({
      workflow: 'fix-net',
      started_by: { email: 'system:drift-check' },
      trigger: { type: 'fix_up', run_id: 'd-check-1', step_id: 'check', project: 'net' },
      reason: expect.stringContaining('found 1 resource(s) drifted: aws_vpc.main'),
    });
    // One check recorded and one drift_checked event, whatever the retries; the fix-up's start is audited too.
    expect(await deps.driftChecks.history('net', 5)).toHaveLength(1);
    expect(deps.audit.events.map((e) => e.action).sort()).toEqual(['drift_checked', 'run_started']);
  });

  it('says why a fix-up was not started, and still records the drift', async () => {
    const { deps, started } = setup();
    expect(await recordDriftCheck(deps, input('drifted', 'gone'))).toEqual({
      workflow: 'gone',
      outcome: 'refused',
      message: 'no workflow named "gone"',
    });
    expect(started).toEqual([]);
    expect((await deps.driftChecks.history('net', 1))[0]).toMatchObject({
      status: 'drifted',
      fix_up: { outcome: 'refused' },
    });
  });
});
