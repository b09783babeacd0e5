import { describe, expect, it } from 'vitest';
import { MemoryLockStore } from '../../../../functions/adapters/memory-lock-store.ts';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { requestApproval } from '../../../../functions/core/approval/request-approval.ts';
import type { RunEngine, RunRecord, RunStatus, StepRecord } from '../../../../functions/core/ports.ts';
import { foldSteps, getRunView, listRunViews, refreshRun } from '../../../../functions/core/runs/run-view.ts';
import { createWorkflowCatalog } from '../../../../functions/core/runs/workflow-catalog.ts';
import { workflowSchema } from '../../../../statemachines/schema.ts';
import { createMemoryDeps, requestInput, runInfo } from '../../../support/approval-fixtures.ts';

const WORKFLOW = workflowSchema.parse({
  name: 'production-deploy',
  environment: 'production',
  steps: [
    { id: 'plan', type: 'iac', project: 'net', action: 'plan' },
    { id: 'approve', type: 'approval', approvers: ['team:platform-leads'] },
    { id: 'apply', type: 'iac', project: 'net', action: 'apply', plan_from: 'plan' },
  ],
});

const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, s)).toISOString();

/** A RunEngine whose status, history and failures the test sets. */
class ScriptedRunEngine implements RunEngine {
  status: RunStatus = 'RUNNING';
  records: StepRecord[] = [];
  failure?: Error;
  async start(_arn: string, runId: string) {
    return { executionArn: `arn:x:${runId}`, startedAt: at(0) };
  }
  async describe() {
    if (this.failure) throw this.failure;
    return { status: this.status, ...(this.status === 'RUNNING' ? {} : { stopped_at: at(9) }) };
  }
  async history() {
    if (this.failure) throw this.failure;
    return this.records;
  }
  async stop() {}
}

function runDeps() {
  const runEngine = new ScriptedRunEngine();
  const runs = new MemoryRunStore();
  const deps = {
    ...createMemoryDeps(),
    runs,
    runEngine,
    locks: new MemoryLockStore(),
    workflows: createWorkflowCatalog(
      [WORKFLOW],
      'arn:aws:states:us-east-1:000000000000:stateMachine:signoff-',
    ),
  };
  return { deps, runEngine, runs };
}

async function storedRun(runs: MemoryRunStore, overrides: Partial<RunRecord> = {}): Promise<RunRecord> {
  const run: RunRecord = { ...runInfo(), execution_arn: 'arn:x', status: 'RUNNING', ...overrides };
  await runs.create(run);
  return run;
}

function engineDown(): Error {
  return Object.assign(new Error('connect ECONNREFUSED'), { name: 'ServiceUnavailable' });
}

describe('foldSteps', () => {
  it('folds internal states into one row per workflow step', () => {
    const rows = foldSteps(
      WORKFLOW,
      [
        { state: 'Initialize', entered_at: at(0), exited_at: at(0), status: 'succeeded' },
        { state: 'plan', entered_at: at(1), exited_at: at(5), status: 'caught', error: 'States.TaskFailed' },
        { state: 'plan.build_failed', entered_at: at(5), exited_at: at(5), status: 'succeeded' },
        {
          state: 'plan.summarize',
          entered_at: at(5),
          exited_at: at(6),
          status: 'failed',
          error: 'PlanFailed',
        },
        { state: 'Failed', entered_at: at(6), exited_at: at(6), status: 'succeeded' },
      ],
      'FAILED',
      {},
    );
    expect(rows.map((r) => [r.id, r.status, r.duration_ms])).toEqual([
      ['plan', 'failed', 5000],
      ['approve', 'skipped', undefined],
      ['apply', 'skipped', undefined],
    ]);
  });

  it('shows a build waiting for a build worker as queued', () => {
    // Issue: 20 concurrent starts ran 27 builds at once; the builds now queue, and say so.
    const rows = foldSteps(
      WORKFLOW,
      [{ state: 'plan', entered_at: '2026-11-25T10:00:00Z', status: 'queued' }],
      'RUNNING',
    );
    expect(rows[0]).toMatchObject({ id: 'plan', status: 'queued' });
  });

  it('shows a pending gate as waiting', () => {
    const rows = foldSteps(
      WORKFLOW,
      [{ state: 'approve', entered_at: '2026-11-25T10:00:00Z', status: 'running' }],
      'RUNNING',
      { approve: 'pending' },
    );
    expect(rows[1]).toMatchObject({ id: 'approve', status: 'waiting' });
    expect(rows[2]).toMatchObject({ id: 'apply', status: 'pending' });
  });

  it('labels steps and marks an approval whose gate was rejected as failed with the gate status', () => {
    const rows = foldSteps(
      WORKFLOW,
      [{ state: 'approve', entered_at: at(1), exited_at: at(3), status: 'succeeded' }],
      'FAILED',
      { approve: 'rejected' },
    );
    expect(rows.map((r) => r.label)).toEqual([
      'Plan net',
      'Approval (1 of team:platform-leads)',
      'Apply net',
    ]);
    expect(rows[1]).toEqual({
      id: 'approve',
      type: 'approval',
      label: 'Approval (1 of team:platform-leads)',
      status: 'failed',
      started_at: at(1),
      ended_at: at(3),
      duration_ms: 2000,
      error: 'rejected',
    });
  });

  it('counts a state still open when the run ended as failed', () => {
    const rows = foldSteps(WORKFLOW, [{ state: 'plan', entered_at: at(1), status: 'running' }], 'ABORTED');
    expect(rows[0]).toMatchObject({ id: 'plan', status: 'failed' });
    expect(rows[0]?.ended_at).toBeUndefined();
  });

  it('lists the states of an unknown workflow, without the engine states', () => {
    const rows = foldSteps(
      undefined,
      [
        { state: 'Initialize', entered_at: at(0), exited_at: at(0), status: 'succeeded' },
        { state: 'deploy', entered_at: at(1), exited_at: at(2), status: 'succeeded' },
      ],
      'SUCCEEDED',
    );
    expect(rows).toEqual([
      {
        id: 'deploy',
        type: 'step',
        label: 'deploy',
        status: 'succeeded',
        started_at: at(1),
        ended_at: at(2),
        duration_ms: 1000,
      },
    ]);
  });
});

describe('refreshRun', () => {
  it('persists the end the engine reports for a run stored as RUNNING', async () => {
    const { deps, runEngine, runs } = runDeps();
    const run = await storedRun(runs);
    runEngine.status = 'SUCCEEDED';
    const fresh = await refreshRun(deps, run);
    expect(fresh).toMatchObject({ status: 'SUCCEEDED', stopped_at: at(9) });
    expect(await runs.get(run.id)).toMatchObject({ status: 'SUCCEEDED', stopped_at: at(9) });
  });

  it('fails on an engine error unless told to tolerate it', async () => {
    const { deps, runEngine, runs } = runDeps();
    const run = await storedRun(runs);
    runEngine.failure = engineDown();
    await expect(refreshRun(deps, run)).rejects.toThrow('ECONNREFUSED');
    expect(await refreshRun(deps, run, { tolerateEngineErrors: true })).toEqual(run);
  });

  it('shows the stored run while its execution does not exist yet', async () => {
    const { deps, runEngine, runs } = runDeps();
    const run = await storedRun(runs);
    runEngine.failure = Object.assign(new Error('no such execution'), { name: 'ExecutionDoesNotExist' });
    expect(await refreshRun(deps, run)).toEqual(run);
  });
});

describe('getRunView', () => {
  it('returns the run, gate-aware steps and gates', async () => {
    const { deps, runEngine, runs } = runDeps();
    const run = await storedRun(runs);
    await requestApproval(deps, requestInput({}, run));
    runEngine.records = [
      { state: 'plan', entered_at: at(1), exited_at: at(4), status: 'succeeded' },
      { state: 'approve', entered_at: at(4), status: 'running' },
    ];
    const view = await getRunView(deps, run.id);
    expect(view?.run.id).toBe(run.id);
    expect(view?.steps.map((s) => [s.id, s.status])).toEqual([
      ['plan', 'succeeded'],
      ['approve', 'waiting'],
      ['apply', 'pending'],
    ]);
    expect(view?.gates.map((g) => g.gate.status)).toEqual(['pending']);
    expect(view?.history_error).toBeUndefined();
  });

  it('says the history could not be read when tolerating engine errors, and throws otherwise', async () => {
    const { deps, runEngine, runs } = runDeps();
    const run = await storedRun(runs);
    runEngine.failure = engineDown();
    await expect(getRunView(deps, run.id)).rejects.toThrow('ECONNREFUSED');
    const view = await getRunView(deps, run.id, { tolerateEngineErrors: true });
    expect(view?.history_error).toBe('The execution history could not be read.');
    expect(view?.steps.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
  });

  it('is undefined for an unknown run', async () => {
    const { deps } = runDeps();
    expect(await getRunView(deps, 'nope')).toBeUndefined();
  });
});

describe('listRunViews', () => {
  it('marks runs held by a pending gate and lists only those when asked for waiting runs', async () => {
    const { deps, runs } = runDeps();
    const idle = await storedRun(runs, { started_at: at(1) });
    const older = await storedRun(runs, { started_at: at(2) });
    const newer = await storedRun(runs, { started_at: at(3) });
    const olderGate = (await requestApproval(deps, requestInput({}, older))).gate.gate_id;
    const newerGate = (await requestApproval(deps, requestInput({}, newer))).gate.gate_id;

    const all = await listRunViews(deps, {});
    expect(all.runs.map((r) => [r.id, r.waiting_gate])).toEqual([
      [newer.id, newerGate],
      [older.id, olderGate],
      [idle.id, undefined],
    ]);
    const waiting = await listRunViews(deps, { waiting: true });
    expect(waiting.runs.map((r) => [r.id, r.waiting_gate])).toEqual([
      [newer.id, newerGate],
      [older.id, olderGate],
    ]);
  });

  it('marks a running run whose build waits for a worker with the queued step', async () => {
    const { deps, runs, runEngine } = runDeps();
    const run = await storedRun(runs);
    runEngine.records = [
      { state: 'Initialize', entered_at: at(1), exited_at: at(1), status: 'succeeded' },
      { state: 'plan', entered_at: at(1), status: 'queued' },
    ];

    expect((await listRunViews(deps, {})).runs.map((r) => [r.id, r.queued_step])).toEqual([[run.id, 'plan']]);
    runEngine.records[1] = { state: 'plan', entered_at: at(1), status: 'running' };
    expect((await listRunViews(deps, {})).runs[0]?.queued_step).toBeUndefined();
  });

  it('leaves out of the waiting list a run that ended under its pending gate', async () => {
    const { deps, runEngine, runs } = runDeps();
    const run = await storedRun(runs);
    await requestApproval(deps, requestInput({}, run));
    runEngine.status = 'ABORTED';
    expect((await listRunViews(deps, { waiting: true })).runs).toEqual([]);
    expect(await runs.get(run.id)).toMatchObject({ status: 'ABORTED' });
  });
});
