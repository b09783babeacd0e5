/**
 * Project locks on the local runtime: the same compiled ASL (the Choice/Wait loop), the same
 * run-ended function taking and releasing the locks in dynalite, every way a run ends.
 */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, RunRecord } from '../../../functions/core/ports.ts';
import { createLockProjects, LOCK_WORKFLOWS, type LockProjects } from '../../support/lock-projects.ts';
import { startTestRuntime, type TestRuntime } from '../../support/runtime.ts';

let fixture: LockProjects;
let rt: TestRuntime;

beforeAll(async () => {
  fixture = createLockProjects();
  // The approval task times out after 11 s, so the gate-timeout path runs in seconds.
  rt = await startTestRuntime({ root: fixture.root, approvalTimeoutSeconds: 11 });
}, 60_000);
afterAll(async () => {
  await rt?.stop();
  fixture?.remove();
});

const lockEvents = async (runId: string, project: string) =>
  (await rt.deps.auditQuery.readRun(runId)).filter(
    (e) => e.action.startsWith('lock_') && e.details?.project === project,
  );

async function expectFree(project: string) {
  const lock = await rt.deps.locks.get(project);
  expect(lock?.holder, `${project} is still locked`).toBeUndefined();
}

async function startGatedRun(as = 'jane@acme.com'): Promise<{ run: RunRecord; gateId: string }> {
  const run = await rt.startRun(as, LOCK_WORKFLOWS.gated);
  const gateId = await rt.pendingGate(as, run.id, 'approve');
  expect((await rt.deps.locks.get('gated'))?.holder?.run_id).toBe(run.id);
  return { run, gateId };
}

describe('project locks on the local runtime', () => {
  it('lets one of 20 concurrent runs of a project hold its lock at a time; all end and the lock ends free', {
    timeout: 240_000,
  }, async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rt.startRun(i % 2 ? 'jane@acme.com' : 'sam@acme.com', LOCK_WORKFLOWS.race),
      ),
    );
    const ended = await Promise.all(runs.map((r) => rt.waitFor('jane@acme.com', r.id, () => false, 200_000)));
    expect(ended.map((v) => v.run.status)).toEqual(runs.map(() => 'SUCCEEDED'));

    // Each run held the lock exactly once; order the holds by the lock item's version.
    const holds: { run: string; version: number; from: string; to: string }[] = [];
    for (const run of runs) {
      const events = await lockEvents(run.id, 'fast');
      expect(
        events.map((e) => e.action),
        run.id,
      ).toEqual(['lock_acquired', 'lock_released']);
      const [acquired, released] = events as [AuditEvent, AuditEvent];
      expect(released.details?.version).toBe(acquired.details?.version);
      holds.push({
        run: run.id,
        version: Number(acquired.details?.version),
        from: acquired.at,
        to: released.at,
      });
    }
    holds.sort((a, b) => a.version - b.version);
    expect(new Set(holds.map((h) => h.version)).size).toBe(20);
    for (let i = 1; i < holds.length; i++) {
      const [previous, next] = [holds[i - 1], holds[i]] as [(typeof holds)[0], (typeof holds)[0]];
      // The next hold began only after the previous one ended: no two runs held it at once.
      expect(Date.parse(next.from), `${previous.run} then ${next.run}`).toBeGreaterThanOrEqual(
        Date.parse(previous.to),
      );
    }
    await expectFree('fast');
    expect(ended.every((v) => v.steps.find((st) => st.id === 'done')?.status === 'succeeded')).toBe(true);
  });

  it('releases the lock of a run whose gate is approved (it succeeds)', { timeout: 60_000 }, async () => {
    const { run, gateId } = await startGatedRun();
    expect((await rt.vote('alice@acme.com', gateId, 'approve')).body).toMatchObject({ status: 'approved' });
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect((await lockEvents(run.id, 'gated')).map((e) => e.action)).toEqual([
      'lock_acquired',
      'lock_released',
    ]);
    await expectFree('gated');
  });

  it('releases the lock of a rejected run', { timeout: 60_000 }, async () => {
    const { run, gateId } = await startGatedRun();
    await rt.vote('bob@acme.com', gateId, 'reject', 'no');
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect((await lockEvents(run.id, 'gated')).at(-1)).toMatchObject({
      action: 'lock_released',
      reason: 'the run ended (FAILED)',
    });
    await expectFree('gated');
  });

  it('makes a second run wait, then fail ProjectLocked naming the holder; the holder keeps the lock', {
    timeout: 60_000,
  }, async () => {
    const { run: holder, gateId } = await startGatedRun();
    const second = await rt.startRun('sam@acme.com', LOCK_WORKFLOWS.gated);
    const waiting = await rt.waitFor('sam@acme.com', second.id, (v) =>
      v.locks.some((l) => l.this_run === 'waits'),
    );
    expect(waiting.locks).toEqual([
      expect.objectContaining({
        project: 'gated',
        this_run: 'waits',
        held_by: expect.objectContaining({ run_id: holder.id }),
      }),
    ]);
    const list = await rt.api('sam@acme.com', 'GET', `/api/runs?workflow=${LOCK_WORKFLOWS.gated}`);
    const listed = (list.body.runs as { id: string; locks: { this_run: string }[] }[]).find(
      (r) => r.id === second.id,
    );
    expect(listed?.locks[0]?.this_run).toBe('waits');

    const failed = await rt.waitFor('sam@acme.com', second.id, () => false);
    expect(failed.run).toMatchObject({ status: 'FAILED', error: 'ProjectLocked' });
    expect(failed.run.cause).toContain(
      `project gated is locked by run ${holder.id} (${LOCK_WORKFLOWS.gated})`,
    );
    expect(failed.steps.find((s) => s.id === 'plan')?.status).toBe('skipped');
    expect(await lockEvents(second.id, 'gated')).toEqual([]);
    expect((await rt.deps.locks.get('gated'))?.holder?.run_id).toBe(holder.id);

    await rt.vote('alice@acme.com', gateId, 'approve');
    await rt.waitFor('jane@acme.com', holder.id, () => false);
    await expectFree('gated');
  });

  it('releases the lock when the gate times out', { timeout: 60_000 }, async () => {
    const { run } = await startGatedRun();
    const done = await rt.waitFor('jane@acme.com', run.id, () => false, 40_000);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'Cancelled' });
    expect((await lockEvents(run.id, 'gated')).map((e) => e.action)).toEqual([
      'lock_acquired',
      'lock_released',
    ]);
    await expectFree('gated');
  });

  it('releases the lock of an execution stopped by hand', { timeout: 60_000 }, async () => {
    const { run } = await startGatedRun();
    await rt.deps.clients.sfn.send(
      new StopExecutionCommand({
        executionArn: run.execution_arn,
        error: 'Stopped',
        cause: 'stopped in the console',
      }),
    );
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('ABORTED');
    expect((await lockEvents(run.id, 'gated')).at(-1)).toMatchObject({
      action: 'lock_released',
      reason: 'the run ended (ABORTED)',
    });
    await expectFree('gated');
  });

  it('releases the lock of a run whose plan build failed', { timeout: 60_000 }, async () => {
    const run = await rt.startRun('jane@acme.com', LOCK_WORKFLOWS.broken);
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'PlanFailed' });
    expect((await lockEvents(run.id, 'broken')).map((e) => e.action)).toEqual([
      'lock_acquired',
      'lock_released',
    ]);
    await expectFree('broken');
  });

  it("takes over a crashed holder's lock once its lease has expired", { timeout: 60_000 }, async () => {
    const past = (ms: number) => new Date(Date.now() - ms).toISOString();
    const lock = await rt.deps.locks.get('crashy');
    expect(
      await rt.deps.locks.acquire(
        'crashy',
        {
          run_id: 'crashed-run',
          workflow: LOCK_WORKFLOWS.crash,
          acquired_at: past(60_000),
          expires_at: past(1000),
        },
        lock?.version ?? 0,
        past(60_000),
      ),
    ).toBeDefined();
    const run = await rt.startRun('jane@acme.com', LOCK_WORKFLOWS.crash);
    const done = await rt.waitFor('jane@acme.com', run.id, () => false);
    expect(done.run.status).toBe('SUCCEEDED');
    expect((await lockEvents('crashed-run', 'crashy'))[0]).toMatchObject({
      action: 'lock_released',
      reason: expect.stringContaining('the lease of run crashed-run expired'),
    });
    expect((await lockEvents(run.id, 'crashy'))[0]).toMatchObject({
      action: 'lock_acquired',
      details: { taken_over_from: 'crashed-run' },
    });
    await expectFree('crashy');
  });

  it('lets an admin force-release a lock with a reason, audited; refuses anyone else with 403, audited', {
    timeout: 60_000,
  }, async () => {
    const { run } = await startGatedRun();
    const path = '/api/locks/gated/release';
    const refused = await rt.api('jane@acme.com', 'POST', path, { reason: 'mine now' });
    expect(refused).toMatchObject({
      status: 403,
      body: { message: 'only admins may force-release a project lock' },
    });
    expect((await rt.deps.locks.get('gated'))?.holder?.run_id).toBe(run.id);
    expect((await rt.deps.auditQuery.readRun(run.id)).at(-1)).toMatchObject({
      action: 'refused',
      actor: { email: 'jane@acme.com' },
      reason: 'only admins may force-release a project lock',
      details: { attempted: 'lock_force_release', project: 'gated' },
    });

    expect(await rt.api('alice@acme.com', 'POST', path, { reason: '  ' })).toMatchObject({ status: 400 });
    expect(await rt.api('alice@acme.com', 'POST', path, { reason: 'x', force: true })).toMatchObject({
      status: 400,
    });
    expect(await rt.api('alice@acme.com', 'POST', '/api/locks/nope/release', { reason: 'x' })).toMatchObject({
      status: 404,
    });
    expect((await rt.deps.locks.get('gated'))?.holder?.run_id).toBe(run.id);

    const ok = await rt.api('alice@acme.com', 'POST', path, { reason: 'run stuck after an outage' });
    expect(ok.status).toBe(200);
    await expectFree('gated');
    expect((await rt.deps.auditQuery.readRun(run.id)).at(-1)).toMatchObject({
      action: 'lock_force_released',
      actor: { email: 'alice@acme.com' },
      reason: 'run stuck after an outage',
      details: { project: 'gated', holder_run: run.id },
    });
    expect(await rt.api('alice@acme.com', 'POST', path, { reason: 'again' })).toMatchObject({ status: 409 });
    const listed = await rt.api('victor@acme.com', 'GET', '/api/locks');
    expect(listed.body.locks).toContainEqual(expect.objectContaining({ project: 'gated' }));
    expect(listed.body.locks.find((l: { project: string }) => l.project === 'gated').held_by).toBeUndefined();

    // The run goes on; its end releases nothing more.
    await rt.api(
      'alice@acme.com',
      'POST',
      `/api/gates/${await rt.pendingGate('jane@acme.com', run.id, 'approve')}/votes`,
      {
        decision: 'reject',
      },
    );
    await rt.waitFor('jane@acme.com', run.id, () => false);
    expect((await lockEvents(run.id, 'gated')).map((e) => e.action)).toEqual([
      'lock_acquired',
      'lock_force_released',
    ]);
  });
});
