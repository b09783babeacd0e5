import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryCheckpointArchive } from '../../../../functions/adapters/memory-checkpoint-archive.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { verifyAuditTrail } from '../../../../functions/core/audit/verify-audit-trail.ts';
import { writeAuditCheckpoint } from '../../../../functions/core/audit/write-audit-checkpoint.ts';
import type { RunRecord } from '../../../../functions/core/ports.ts';

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

/** The trail of two running runs with three events each, anchored by a checkpoint (and its locked copy). */
async function checkpointed() {
  const deps = await setup();
  const checkpointArchive = new MemoryCheckpointArchive();
  const anchors = deps.auditQuery;
  await writeAuditCheckpoint({ anchors, archive: checkpointArchive, now: Date.now });
  return { ...deps, anchors, checkpointArchive };
}

describe("verifyAuditTrail and the checkpoints (the issue's reproductions)", () => {
  it("Delete a run's newest audit event together with its head record (seq 0): verify is not ok and names the run and seq", async () => {
    const deps = await checkpointed();
    const index = deps.auditQuery.events.findIndex((e) => e.run_id === 'r1' && e.seq === 3);
    deps.auditQuery.events.splice(index, 1);
    deps.auditQuery.heads.delete('r1');
    const report = await verifyAuditTrail(deps);
    expect(report.ok).toBe(false);
    expect(report.runs.find((r) => r.run_id === 'r1')?.problems).toEqual([
      {
        seq: 3,
        kind: 'missing',
        message: 'event 3 is missing (checkpoint 1 recorded the trail up to event 3)',
      },
    ]);
    expect(report.runs.find((r) => r.run_id === 'r2')?.ok).toBe(true);
  });

  it('delete every audit item of a run (and its run record): verify is not ok and says events 1 to 3 of that run are missing', async () => {
    const deps = await checkpointed();
    deps.auditQuery.events.splice(
      0,
      deps.auditQuery.events.length,
      ...deps.auditQuery.events.filter((e) => e.run_id !== 'r1'),
    );
    deps.auditQuery.heads.delete('r1');
    deps.runs.runs.delete('r1');
    const expected = {
      run_id: 'r1',
      ok: false,
      problems: [
        {
          seq: 1,
          kind: 'missing',
          message:
            'events 1 to 3 are missing: the run record and every audit event of the run were removed (checkpoint 1 recorded the trail up to event 3)',
        },
      ],
    };
    const all = await verifyAuditTrail(deps);
    expect(all.ok).toBe(false);
    expect(all.runs.map((r) => r.run_id)).toEqual(['r2', 'r1']);
    expect(all.runs[1]).toMatchObject(expected);
    expect((await verifyAuditTrail(deps, 'r1')).runs).toEqual([expect.objectContaining(expected)]);
  });

  it('delete every audit item of a run but keep its run record: the events the checkpoint anchored are named', async () => {
    const deps = await checkpointed();
    deps.auditQuery.events.splice(
      0,
      deps.auditQuery.events.length,
      ...deps.auditQuery.events.filter((e) => e.run_id !== 'r2'),
    );
    deps.auditQuery.heads.delete('r2');
    const report = await verifyAuditTrail(deps, 'r2');
    expect(report.runs[0]?.problems).toEqual([
      {
        seq: 1,
        kind: 'missing',
        message:
          'events 1 to 3 are missing: every event of the run was removed (checkpoint 1 recorded the trail up to event 3)',
      },
    ]);
  });

  it('an unknown run is not found, not ok', async () => {
    const deps = await checkpointed();
    const report = await verifyAuditTrail(deps, 'no-such-run');
    expect(report.ok).toBe(false);
    expect(report.runs).toEqual([
      expect.objectContaining({
        run_id: 'no-such-run',
        ok: false,
        problems: [expect.objectContaining({ kind: 'not_found' })],
      }),
    ]);
  });

  it('removing the checkpoint from the table too does not hide the run: its locked copy still names it', async () => {
    const deps = await checkpointed();
    deps.auditQuery.events.splice(
      0,
      deps.auditQuery.events.length,
      ...deps.auditQuery.events.filter((e) => e.run_id !== 'r1'),
    );
    deps.auditQuery.heads.delete('r1');
    deps.runs.runs.delete('r1');
    deps.auditQuery.checkpoints.clear();
    const report = await verifyAuditTrail(deps);
    expect(report.ok).toBe(false);
    expect(report.checkpoints.problems).toEqual([
      expect.objectContaining({
        seq: 1,
        kind: 'missing',
        message: expect.stringContaining('locked copy remains'),
      }),
    ]);
    expect(report.runs.find((r) => r.run_id === 'r1')?.problems[0]?.kind).toBe('missing');
  });

  it('notices an anchored event that was rewritten with a fresh hash chain', async () => {
    const deps = await checkpointed();
    const run = deps.auditQuery.events.filter((e) => e.run_id === 'r1').sort((a, b) => a.seq - b.seq);
    // Rewrite the whole chain consistently: only the checkpoint still knows the old hash.
    const { chainAuditEvent } = await import('../../../../functions/core/audit/audit-chain.ts');
    let previous: (typeof run)[number] | undefined;
    for (const e of run) {
      const { seq: _s, prev_hash: _p, hash: _h, ...input } = e;
      const rewritten = chainAuditEvent({ ...input, comment: 'rewritten' }, previous);
      Object.assign(e, rewritten);
      previous = rewritten;
    }
    deps.auditQuery.heads.set('r1', { seq: 3, hash: previous?.hash ?? '' });
    const report = await verifyAuditTrail(deps, 'r1');
    expect(report.runs[0]?.problems).toEqual([
      { seq: 3, kind: 'edited', message: 'event 3 is not the one checkpoint 1 recorded' },
    ]);
  });

  it("before the next checkpoint, removing a running run's newest event with its head is not detected (the window the docs describe)", async () => {
    const deps = await checkpointed();
    await deps.auditQuery.append({
      action: 'approved',
      actor: { email: 'bob@acme.com', name: 'Bob' },
      workflow: 'w',
      run_id: 'r1',
      at: '2026-11-25T10:05:00.000Z',
    });
    const index = deps.auditQuery.events.findIndex((e) => e.run_id === 'r1' && e.seq === 4);
    deps.auditQuery.events.splice(index, 1);
    deps.auditQuery.heads.delete('r1');
    expect((await verifyAuditTrail(deps, 'r1')).ok).toBe(true);
  });
});
