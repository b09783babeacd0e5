import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../../../functions/adapters/memory-audit-log.ts';
import { MemoryGateStore } from '../../../../functions/adapters/memory-gate-store.ts';
import { MemoryLockStore } from '../../../../functions/adapters/memory-lock-store.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { requestApproval } from '../../../../functions/core/approval/request-approval.ts';
import {
  acquireProjectLocks,
  retryAfterSeconds,
} from '../../../../functions/core/locks/acquire-project-locks.ts';
import { holdProjectLocks } from '../../../../functions/core/locks/hold-project-locks.ts';
import type { RunRecord } from '../../../../functions/core/ports.ts';
import { recordRunEnd } from '../../../../functions/core/runs/record-run-end.ts';
import { createWorkflowCatalog } from '../../../../functions/core/runs/workflow-catalog.ts';
import type { AcquireLocksInput } from '../../../../statemachines/contract.ts';
import type { Workflow } from '../../../../statemachines/schema.ts';
import { createMemoryDeps, requestInput } from '../../../support/approval-fixtures.ts';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

const workflow = {
  name: 'w',
  description: '',
  environment: 'staging',
  triggers: {},
  lock: { wait: '1m' },
  steps: [
    { id: 'plan', type: 'iac', project: 'net', action: 'plan', on_failure: 'stop', timeout: '1h' },
    { id: 'plan_db', type: 'iac', project: 'db', action: 'plan', on_failure: 'stop', timeout: '1h' },
    {
      id: 'apply',
      type: 'iac',
      project: 'net',
      action: 'apply',
      plan_from: 'plan',
      on_failure: 'stop',
      timeout: '1h',
    },
    {
      id: 'apply_db',
      type: 'iac',
      project: 'db',
      action: 'apply',
      plan_from: 'plan_db',
      on_failure: 'stop',
      timeout: '1h',
    },
  ],
} as unknown as Workflow;

function world() {
  let now = T0;
  const deps = {
    locks: new MemoryLockStore(),
    runs: new MemoryRunStore(),
    audit: new MemoryAuditLog(),
    gates: new MemoryGateStore(),
    workflows: createWorkflowCatalog([workflow], 'arn:sm:'),
    now: () => now,
  };
  const startRun = async (id: string) => {
    const run: RunRecord = {
      id,
      workflow: 'w',
      environment: 'staging',
      production: false,
      trigger: { type: 'manual' },
      started_by: null,
      started_at: new Date(now).toISOString(),
      execution_arn: `arn:aws:states:us-east-1:0:execution:signoff-w:${id}`,
      status: 'RUNNING',
    };
    await deps.runs.create(run);
    return run;
  };
  const input = (run: RunRecord, waiting_since: string | null = null): AcquireLocksInput => ({
    kind: 'acquire_project_locks',
    run,
    projects: ['net', 'db'],
    wait_seconds: 60,
    lease_seconds: 3600,
    waiting_since,
  });
  return { deps, startRun, input, tick: (ms: number) => (now += ms) };
}

describe('acquireProjectLocks', () => {
  it('takes every project lock in sorted order and audits each once, however often it is retried', async () => {
    const { deps, startRun, input } = world();
    const r1 = await startRun('r1');
    expect(await acquireProjectLocks(deps, input(r1))).toEqual({
      acquired: true,
      waiting_since: null,
      retry_after_seconds: 0,
    });
    expect(await acquireProjectLocks(deps, input(r1))).toMatchObject({ acquired: true });
    expect(deps.audit.events.map((e) => [e.action, e.details?.project])).toEqual([
      ['lock_acquired', 'db'],
      ['lock_acquired', 'net'],
    ]);
    expect((await deps.locks.get('net'))?.holder).toMatchObject({
      run_id: 'r1',
      expires_at: '2026-12-01T11:00:00.000Z',
    });
  });

  it('says whom a second run waits for, then fails ProjectLocked naming the holder once the wait is over', async () => {
    const { deps, startRun, input, tick } = world();
    const r1 = await startRun('r1');
    const r2 = await startRun('r2');
    await acquireProjectLocks(deps, input(r1));
    const first = await acquireProjectLocks(deps, input(r2));
    expect(first).toEqual({
      acquired: false,
      waiting_since: '2026-12-01T10:00:00.000Z',
      retry_after_seconds: 1,
      waiting_for: { project: 'db', run_id: 'r1', workflow: 'w', since: '2026-12-01T10:00:00.000Z' },
    });
    tick(59_500);
    expect(await acquireProjectLocks(deps, input(r2, first.waiting_since))).toMatchObject({
      acquired: false,
      retry_after_seconds: 1,
    });
    tick(500);
    const error = await acquireProjectLocks(deps, input(r2, first.waiting_since)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ProjectLocked',
      message:
        'project db is locked by run r1 (w) since 2026-12-01T10:00:00.000Z; waited 60 s (lock.wait is 60 s)',
    });
    expect((await deps.locks.get('db'))?.holder?.run_id).toBe('r1');
  });

  it('supersedes an older run of the workflow waiting at its gate, and takes the lock once that run ends', async () => {
    const { deps, startRun, input, tick } = world();
    const r1 = await startRun('r1');
    await acquireProjectLocks(deps, input(r1));
    const approval = { ...createMemoryDeps(), gates: deps.gates };
    const { gate } = await requestApproval(approval, requestInput({}, { ...r1 }));
    tick(60_000);
    const r2 = await startRun('r2');
    const waiting = await acquireProjectLocks(deps, { ...input(r2), supersede: true });
    expect(waiting).toMatchObject({ acquired: false, waiting_for: { run_id: 'r1' } });
    expect(await deps.gates.get(gate.gate_id)).toMatchObject({
      status: 'cancelled',
      close_comment: 'superseded by run r2',
      closed_by: { email: 'system:supersede' },
      engine_notified: false,
    });
    // The drainer ends r1 (SendTaskFailure Cancelled); its end releases the lock.
    await recordRunEnd(deps, 'r1', { status: 'FAILED', stopped_at: new Date(T0 + 61_000).toISOString() });
    tick(1000);
    expect(
      await acquireProjectLocks(deps, { ...input(r2, waiting.waiting_since), supersede: true }),
    ).toMatchObject({
      acquired: true,
    });
  });

  it('leaves the holder waiting at its gate with supersede off, and a holder that started after the waiting run', async () => {
    const { deps, startRun, input, tick } = world();
    const early = await startRun('early');
    tick(1000);
    const r1 = await startRun('r1');
    await acquireProjectLocks(deps, input(r1));
    const approval = { ...createMemoryDeps(), gates: deps.gates };
    const { gate } = await requestApproval(approval, requestInput({}, { ...r1 }));
    const r2 = await startRun('r2');
    expect(await acquireProjectLocks(deps, input(r2))).toMatchObject({ acquired: false });
    expect(await acquireProjectLocks(deps, { ...input(early), supersede: true })).toMatchObject({
      acquired: false,
    });
    expect((await deps.gates.get(gate.gate_id))?.status).toBe('pending');
  });

  it('gets the lock once the holder ends, which releases it', async () => {
    const { deps, startRun, input, tick } = world();
    const r1 = await startRun('r1');
    const r2 = await startRun('r2');
    await acquireProjectLocks(deps, input(r1));
    const waiting = await acquireProjectLocks(deps, input(r2));
    tick(2000);
    await recordRunEnd(deps, 'r1', {
      status: 'FAILED',
      stopped_at: new Date(T0 + 2000).toISOString(),
      error: 'Rejected',
    });
    expect(await deps.locks.get('net')).toMatchObject({ released_at: '2026-12-01T10:00:02.000Z' });
    expect(await acquireProjectLocks(deps, input(r2, waiting.waiting_since))).toMatchObject({
      acquired: true,
    });
    expect(
      deps.audit.events
        .filter((e) => e.run_id === 'r1')
        .map((e) => [e.action, e.details?.project ?? e.reason]),
    ).toEqual([
      ['lock_acquired', 'db'],
      ['lock_acquired', 'net'],
      ['lock_released', 'db'],
      ['lock_released', 'net'],
      ['run_finished', 'Rejected'],
    ]);
  });

  it('takes over the lock of a crashed holder once its lease has expired', async () => {
    const { deps, startRun, input, tick } = world();
    const r1 = await startRun('r1');
    const r2 = await startRun('r2');
    await acquireProjectLocks(deps, input(r1));
    tick(3_599_000);
    expect(await acquireProjectLocks(deps, input(r2))).toMatchObject({ acquired: false });
    tick(1000);
    expect(await acquireProjectLocks(deps, input(r2))).toMatchObject({ acquired: true });
    const released = deps.audit.events.filter((e) => e.action === 'lock_released');
    expect(released.map((e) => [e.run_id, e.details?.project, e.reason])).toEqual([
      ['r1', 'db', 'the lease of run r1 expired at 2026-12-01T11:00:00.000Z'],
      ['r1', 'net', 'the lease of run r1 expired at 2026-12-01T11:00:00.000Z'],
    ]);
    expect(deps.audit.events.at(-1)).toMatchObject({
      action: 'lock_acquired',
      run_id: 'r2',
      details: { project: 'net', taken_over_from: 'r1' },
    });
  });

  it('takes over the lock of a holder whose run ended without releasing it', async () => {
    const { deps, startRun, input } = world();
    const r1 = await startRun('r1');
    const r2 = await startRun('r2');
    await acquireProjectLocks(deps, input(r1));
    // The end was recorded by a caller without the lock deps (or that crashed before releasing).
    await deps.runs.finish('r1', { status: 'ABORTED', stopped_at: new Date(T0).toISOString() });
    expect(await acquireProjectLocks(deps, input(r2))).toMatchObject({ acquired: true });
    expect(deps.audit.events.find((e) => e.action === 'lock_released')?.reason).toBe(
      'run r1 ended (ABORTED)',
    );
  });

  it('releases the locks of a run whose end another caller recorded first, with the recorded end', async () => {
    const { deps, startRun, input } = world();
    const r1 = await startRun('r1');
    await acquireProjectLocks(deps, input(r1));
    const stopped = { status: 'ABORTED' as const, stopped_at: new Date(T0 + 5000).toISOString() };
    // A caller without the lock deps records the end, then the status-change event arrives.
    expect(await recordRunEnd({ runs: deps.runs, audit: deps.audit }, 'r1', stopped)).toBe(true);
    expect((await deps.locks.get('net'))?.holder?.run_id).toBe('r1');
    expect(
      await recordRunEnd(deps, 'r1', { status: 'FAILED', stopped_at: new Date(T0 + 9000).toISOString() }),
    ).toBe(false);
    expect(await deps.locks.get('net')).toMatchObject({ released_at: '2026-12-01T10:00:05.000Z' });
    expect(deps.audit.events.filter((e) => e.action === 'lock_released').map((e) => e.reason)).toEqual([
      'the run ended (ABORTED)',
      'the run ended (ABORTED)',
    ]);
  });

  it('keeps the locks of a run whose apply a crash interrupted until an admin releases them: its end, its lease and its status free nothing', async () => {
    const { deps, startRun, input, tick } = world();
    const r1 = await startRun('r1');
    const r2 = await startRun('r2');
    await acquireProjectLocks(deps, input(r1));
    const why = 'its apply was interrupted (build b1), so what it changed is unknown';
    expect(await holdProjectLocks(deps, 'r1', why)).toEqual(['db', 'net']);
    expect(deps.audit.events.filter((e) => e.action === 'lock_held').map((e) => e.details?.project)).toEqual([
      'db',
      'net',
    ]);
    await recordRunEnd(deps, 'r1', { status: 'FAILED', stopped_at: new Date(T0).toISOString() });
    tick(7_200_000);
    const waiting = input(r2, new Date(T0 + 7_200_000).toISOString());
    expect(await acquireProjectLocks(deps, waiting)).toMatchObject({ acquired: false });
    tick(60_000);
    await expect(acquireProjectLocks(deps, waiting)).rejects.toThrow(`held for an admin to release: ${why}`);
    // An admin's release frees it.
    expect(await deps.locks.release('db', 'r1', new Date(T0).toISOString(), { force: true })).toMatchObject({
      holder: { held_for_admin: why },
    });
    expect((await deps.locks.get('db'))?.holder).toBeUndefined();
  });

  it('pauses a second at first, then a thirtieth of the time waited, never past the end of the wait', () => {
    expect(retryAfterSeconds(0, 1_800_000)).toBe(1);
    expect(retryAfterSeconds(59_000, 1_800_000)).toBe(1);
    expect(retryAfterSeconds(120_000, 1_800_000)).toBe(4);
    expect(retryAfterSeconds(900_000, 1_800_000)).toBe(30);
    expect(retryAfterSeconds(86_400_000, 1_000_000_000)).toBe(300);
    expect(retryAfterSeconds(900_000, 3_000)).toBe(3);
    expect(retryAfterSeconds(900_000, 100)).toBe(1);
    // A day's wait takes a few hundred tries.
    let waited = 0;
    let tries = 0;
    while (waited < 86_400_000) {
      waited += retryAfterSeconds(waited, 86_400_000 - waited) * 1000;
      tries++;
    }
    expect(tries).toBeLessThan(500);
  });
});
