import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { recordRunEnd, runIdOfExecution } from '../../../../functions/core/runs/record-run-end.ts';

const run = {
  id: 'r1',
  workflow: 'w',
  environment: 'production',
  production: true,
  trigger: { type: 'manual' as const },
  started_by: { email: 'jane@acme.com', name: 'Jane' },
  started_at: '2026-11-25T10:00:00.000Z',
  execution_arn: 'arn:aws:states:us-east-1:000000000000:execution:signoff-w:r1',
  status: 'RUNNING' as const,
};

describe('recordRunEnd', () => {
  it('records the end once and audits run_finished with the duration, whoever reports it first', async () => {
    const deps = { runs: new MemoryRunStore(), audit: new MemoryAuditLog() };
    await deps.runs.create(run);
    const end = {
      status: 'FAILED' as const,
      stopped_at: '2026-11-25T10:05:00.000Z',
      error: 'Rejected',
      cause: 'bob said no',
    };
    expect(await recordRunEnd(deps, 'r1', end)).toBe(true);
    expect(await recordRunEnd(deps, 'r1', { ...end, status: 'SUCCEEDED' })).toBe(false);
    expect(await deps.runs.get('r1')).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(deps.audit.events.map((e) => e.action)).toEqual(['run_finished']);
    expect(deps.audit.events[0]).toMatchObject({
      actor: { email: 'system:engine' },
      response_time_ms: 300_000,
      reason: 'Rejected: bob said no',
      details: { status: 'FAILED', error: 'Rejected' },
    });
  });

  it('finds the run id in an execution ARN', () => {
    expect(runIdOfExecution(run.execution_arn)).toBe('r1');
  });
});
