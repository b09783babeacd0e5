import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../functions/adapters/memory-audit-log.ts';
import { MemoryRunStore } from '../../../functions/adapters/memory-run-store.ts';
import type { RunRecord } from '../../../functions/core/ports.ts';
import { verifyAuditTrail } from '../../../functions/core/verify-audit-trail.ts';

function run(id: string, startedAt: string): RunRecord {
  return {
    id,
    workflow: 'w',
    environment: 'production',
    production: true,
    trigger: { type: 'manual' },
    started_by: { email: 'jane@acme.com', name: 'Jane' },
    started_at: startedAt,
    execution_arn: `arn:aws:states:us-east-1:000000000000:execution:signoff-w:${id}`,
    status: 'RUNNING',
  };
}

async function setup() {
  const runs = new MemoryRunStore();
  const auditQuery = new MemoryAuditLog();
  for (const [id, at] of [
    ['r1', '2026-11-25T10:00:00.000Z'],
    ['r2', '2026-11-25T11:00:00.000Z'],
  ] as const) {
    await runs.create(run(id, at));
    for (const action of ['run_started', 'requested', 'approved'] as const) {
      await auditQuery.append({
        action,
        actor: { email: 'jane@acme.com', name: 'Jane' },
        workflow: 'w',
        run_id: id,
        at,
      });
    }
  }
  return { runs, auditQuery };
}

describe('verifyAuditTrail', () => {
  it('verifies every run when none is named', async () => {
    const deps = await setup();
    const report = await verifyAuditTrail(deps);
    expect(report.ok).toBe(true);
    expect(report.runs.map((r) => [r.run_id, r.events, r.ok])).toEqual([
      ['r2', 3, true],
      ['r1', 3, true],
    ]);
  });

  it('names the run whose trail was edited', async () => {
    const deps = await setup();
    const edited = deps.auditQuery.events.find((e) => e.run_id === 'r1' && e.action === 'approved');
    if (edited) edited.comment = 'inserted later';
    const report = await verifyAuditTrail(deps);
    expect(report.ok).toBe(false);
    expect(report.runs.find((r) => r.run_id === 'r1')?.ok).toBe(false);
    expect(report.runs.find((r) => r.run_id === 'r2')?.ok).toBe(true);
    expect((await verifyAuditTrail(deps, 'r2')).ok).toBe(true);
  });
});

describe('verifyAuditTrail and the recorded head', () => {
  it('notices that the newest events of a run were removed', async () => {
    const deps = await setup();
    const index = deps.auditQuery.events.findIndex((e) => e.run_id === 'r1' && e.action === 'approved');
    deps.auditQuery.events.splice(index, 1);
    const report = await verifyAuditTrail(deps, 'r1');
    expect(report.ok).toBe(false);
    expect(report.runs[0]?.problems).toEqual([
      { seq: 3, kind: 'missing', message: 'event 3 is missing: the trail was written up to 3' },
    ]);
  });

  it('accepts a head one behind the events (a writer that stopped between the two writes)', async () => {
    const deps = await setup();
    deps.auditQuery.heads.set('r1', {
      seq: 2,
      hash: deps.auditQuery.events.find((e) => e.run_id === 'r1' && e.seq === 2)?.hash ?? '',
    });
    expect((await verifyAuditTrail(deps, 'r1')).ok).toBe(true);
  });
});
