/**
 * Issue: "`kill -9` the runtime with runs parked at gates, then `npm start`: every parked run is
 * FAILED LocalRuntimeRestarted with its gate cancelled, and can no longer be approved. Runs caught
 * mid-apply are recorded as failed while their build processes outlive the runtime."
 * These tests run the runtime in a child process and really SIGKILL it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERRUPTED_CAUSES } from '../../../local/build-markers.ts';
import {
  type RuntimeProcess,
  type RuntimeProcessOptions,
  startRuntimeProcess,
} from '../../support/runtime-process.ts';

const WORKFLOW = 'production-deploy-with-approval';
const started: RuntimeProcess[] = [];

afterEach(() => {
  for (const runtime of started.splice(0)) runtime.killGroup();
});

async function start(options: RuntimeProcessOptions): Promise<RuntimeProcess> {
  const runtime = await startRuntimeProcess(options);
  started.push(runtime);
  return runtime;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it returns a value (or fails after `timeoutMs`). */
async function until<T>(what: string, check: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

/** The run's execution as the Step Functions server keeps it on disk. */
function executionFile(dataDir: string, runId: string): string | undefined {
  const dir = join(dataDir, 'stepfunctions', 'executions');
  const name = existsSync(dir) ? readdirSync(dir).find((file) => file.includes(runId)) : undefined;
  return name ? readFileSync(join(dir, name), 'utf8') : undefined;
}

/**
 * Waits until the execution on disk shows the task of `stateName` submitted: for a gate, its
 * request returned (what a resume needs); for a build, StartBuild answered. Builds record
 * TaskSubmitted too, so the event must come after the state's own entry.
 */
function submittedOnDisk(dataDir: string, runId: string, stateName: string) {
  return until(`${stateName} submitted, on disk`, () => {
    const text = executionFile(dataDir, runId);
    if (!text) return undefined;
    const events =
      (JSON.parse(text) as { events?: { type: string; stateEnteredEventDetails?: { name?: string } }[] })
        .events ?? [];
    const entered = events.findLastIndex((e) => e.stateEnteredEventDetails?.name === stateName);
    return entered >= 0 && events.slice(entered + 1).some((e) => e.type === 'TaskSubmitted')
      ? true
      : undefined;
  });
}

/** The markers of the builds in progress. */
function buildMarkers(dataDir: string): { action?: string; state: string; pid?: number }[] {
  const dir = join(dataDir, 'builds', 'running');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')));
}

async function actions(runtime: RuntimeProcess, runId: string): Promise<string[]> {
  const { body } = await runtime.api('alice@acme.com', 'GET', `/api/audit?run=${runId}`);
  return body.events.map((e: { action: string }) => e.action).reverse();
}

describe('the local runtime killed with SIGKILL', () => {
  it('keeps a parked run: after the restart a vote on the same gate approves it and it applies, audit unbroken', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signoff-crash-'));
    const first = await start({ dataDir, buildWorkers: 1 });
    const run = await first.startRun('jane@acme.com', WORKFLOW);
    const gateId = await first.pendingGate('jane@acme.com', run.id, 'approve');
    await submittedOnDisk(dataDir, run.id, 'approve');

    await first.kill();
    const second = await start({ dataDir, buildWorkers: 1 });

    const parked = await second.api('jane@acme.com', 'GET', `/api/runs/${run.id}`);
    expect(parked.body.run.status).toBe('RUNNING');
    expect(parked.body.gates[0].gate).toMatchObject({ gate_id: gateId, status: 'pending' });
    const vote = await second.vote('alice@acme.com', gateId, 'approve', 'after the crash');
    expect(vote.body).toMatchObject({ kind: 'counted', status: 'approved' });
    const done = await second.waitFor('jane@acme.com', run.id, () => false, 90_000);
    expect(done.run.status).toBe('SUCCEEDED');
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ['plan', 'succeeded'],
      ['approve', 'succeeded'],
      ['apply', 'succeeded'],
      ['notify', 'succeeded'],
    ]);
    expect(await actions(second, run.id)).toEqual([
      'run_started',
      'lock_acquired',
      'requested',
      'approved',
      'applied',
      'notified',
      'lock_released',
      'run_finished',
    ]);
    const verify = await second.api('alice@acme.com', 'GET', `/api/audit/verify?run=${run.id}`);
    expect(verify.body.ok).toBe(true);
  }, 180_000);

  it('times out a gate whose timer ran out while the runtime was down, through the timeout path', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signoff-crash-'));
    const timeoutSeconds = 10;
    const first = await start({ dataDir, buildWorkers: 1, approvalTimeoutSeconds: timeoutSeconds });
    const run = await first.startRun('jane@acme.com', WORKFLOW);
    const gateId = await first.pendingGate('jane@acme.com', run.id, 'approve');
    await submittedOnDisk(dataDir, run.id, 'approve');
    const { body: view } = await first.api('jane@acme.com', 'GET', `/api/runs/${run.id}`);
    const askedAt = Date.parse(view.gates[0].gate.requested_at);

    await first.kill();
    // Killed before its timer ran out, or this test proves nothing about a resumed timer.
    expect(Date.now()).toBeLessThan(askedAt + timeoutSeconds * 1000);
    await sleep(askedAt + timeoutSeconds * 1000 + 500 - Date.now());
    const second = await start({ dataDir, buildWorkers: 1, approvalTimeoutSeconds: timeoutSeconds });

    const done = await second.waitFor('jane@acme.com', run.id, () => false, 60_000);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'Cancelled' });
    expect(done.gates[0]?.gate.status).toBe('timed_out');
    const late = await second.vote('alice@acme.com', gateId, 'approve');
    expect(late.status).toBe(409);
    expect(await actions(second, run.id)).toEqual(
      expect.arrayContaining(['run_started', 'requested', 'timed_out', 'run_finished']),
    );
    expect(await actions(second, run.id)).not.toContain('gate_cancelled');
  }, 180_000);

  it('fails a run whose apply a crash interrupted, saying the apply state is unknown, and never applies again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signoff-crash-'));
    const first = await start({ dataDir, buildWorkers: 1 });
    const run = await first.startRun('jane@acme.com', WORKFLOW);
    const gateId = await first.pendingGate('jane@acme.com', run.id, 'approve');
    await first.vote('alice@acme.com', gateId, 'approve');
    const apply = await until('the apply build to run', () =>
      buildMarkers(dataDir).find((m) => m.action === 'apply' && m.state === 'running' && m.pid),
    );
    await submittedOnDisk(dataDir, run.id, 'apply');

    await first.kill();
    const second = await start({ dataDir, buildWorkers: 1 });

    const done = await second.waitFor('jane@acme.com', run.id, () => false, 90_000);
    expect(done.run).toMatchObject({ status: 'FAILED', error: 'ApplyFailed' });
    expect(done.run.cause).toContain(INTERRUPTED_CAUSES.apply);
    expect(done.steps.find((s) => s.id === 'apply')?.status).toBe('failed');
    const audit = await actions(second, run.id);
    expect(audit).toContain('apply_failed');
    expect(audit).not.toContain('applied');
    const applyLogs = readdirSync(join(dataDir, 'builds')).filter((name) => /apply.*\.log$/.test(name));
    expect(applyLogs).toHaveLength(1);
    expect(readFileSync(join(dataDir, 'builds', applyLogs[0] as string), 'utf8')).toContain(
      'Build interrupted',
    );
    expect(buildMarkers(dataDir)).toEqual([]);
    expect(apply.pid).toBeGreaterThan(0);

    // Its project lock stays held for an admin: no other run plans or applies the project until
    // someone has checked what the cut-off apply changed.
    expect(audit).toContain('lock_held');
    expect(audit).not.toContain('lock_released');
    const held = (await second.api('alice@acme.com', 'GET', '/api/locks')).body.locks.find(
      (l: { held_by?: { run_id: string } }) => l.held_by?.run_id === run.id,
    );
    expect(held.held_by.held_for_admin).toMatch(/apply was interrupted/);
    const unlock = await second.api('alice@acme.com', 'POST', `/api/locks/${held.project}/release`, {
      reason: 'checked the project after the crash',
    });
    expect(unlock.status).toBe(200);
    expect(await actions(second, run.id)).toContain('lock_force_released');
  }, 180_000);
});
