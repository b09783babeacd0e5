import { describe, expect, it } from 'vitest';
import { MemoryRunStore } from '../../../../functions/adapters/memory-run-store.ts';
import { StepFailedError } from '../../../../functions/core/errors.ts';
import type { DriftReport, StepSummary } from '../../../../functions/core/plan/step-artifacts.ts';
import { summarizeStep } from '../../../../functions/core/plan/summarize-step.ts';
import type { ArtifactStore, AuditEventInput, AuditLog } from '../../../../functions/core/ports.ts';
import type { PlanSummary, RunInfo, SummarizeStepInput } from '../../../../statemachines/contract.ts';

class MemoryArtifactStore implements ArtifactStore {
  readonly objects = new Map<string, Uint8Array>();
  async put(key: string, body: string | Uint8Array): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }
}

class MemoryAuditLog implements AuditLog {
  readonly events: AuditEventInput[] = [];
  async append(event: AuditEventInput): Promise<void> {
    this.events.push(event);
  }
}

const run: RunInfo = {
  id: 'run-7',
  workflow: 'production-deploy',
  environment: 'production',
  production: true,
  trigger: { type: 'manual' },
  started_by: { email: 'jane@acme.com', name: 'Jane' },
  started_at: '2026-03-02T09:00:00Z',
};

const plan: PlanSummary = {
  step_id: 'plan',
  project: 'network',
  add: 3,
  change: 1,
  destroy: 0,
  replace: 0,
  resources: [{ address: 'aws_vpc.main', action: 'update' }],
  resources_truncated: false,
  hash: 'a'.repeat(64),
  artifacts: { plan_json: 'runs/run-7/plan/plan.json' },
};

const summary: StepSummary = {
  plan,
  cost: { estimated: true, currency: 'USD', monthly_before: 10, monthly_after: 55.2, monthly_delta: 45.2 },
  policy: {
    passed: 1,
    failed: 1,
    mandatory_failed: 0,
    results: [
      { name: 'few-destroys', source: 'signoff', severity: 'advisory', passed: true },
      {
        name: 'iam-changes-reviewed',
        source: 'signoff',
        severity: 'advisory',
        passed: false,
        message: 'look twice',
      },
    ],
  },
};

function setup() {
  const artifacts = new MemoryArtifactStore();
  const audit = new MemoryAuditLog();
  const runs = new MemoryRunStore();
  const deps = { artifacts, audit, runs, now: () => Date.parse('2026-03-02T10:00:00Z') };
  return { artifacts, audit, runs, deps };
}

const planInput = (
  build: SummarizeStepInput['build'] = { id: 'b1', status: 'SUCCEEDED' },
): SummarizeStepInput => ({
  run,
  step_id: 'plan',
  project: 'network',
  action: 'plan',
  build,
  data: { steps: { earlier: { ok: true } } },
});

const applyInput = (
  build: SummarizeStepInput['build'] = { id: 'b2', status: 'SUCCEEDED' },
): SummarizeStepInput => ({
  run,
  step_id: 'apply',
  project: 'network',
  action: 'apply',
  plan_from: 'plan',
  approved_plan_hash: plan.hash,
  build,
  data: { plan, cost: summary.cost, policy: summary.policy },
});

async function failure(promise: Promise<unknown>): Promise<StepFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepFailedError);
  return error as StepFailedError;
}

describe('summarizeStep', () => {
  it('returns the run data with the plan, cost, policy and the step recorded', async () => {
    const { artifacts, audit, deps } = setup();
    await artifacts.put('runs/run-7/plan/summary.json', JSON.stringify(summary));
    const data = await summarizeStep(deps, planInput());
    expect(data).toEqual({
      plan,
      cost: summary.cost,
      policy: summary.policy,
      steps: {
        earlier: { ok: true },
        plan: { action: 'plan', project: 'network', hash: plan.hash, plan_hash: plan.hash, changes: 4 },
      },
    });
    expect(audit.events).toEqual([]);
  });

  it("carries the later gates' rule results the build found into the run data, beside those of earlier plans", async () => {
    const { artifacts, deps } = setup();
    const found = {
      plan_hash: plan.hash,
      matched: [{ rule: 1, resources: ['aws_security_group.web'], resources_count: 1 }],
    };
    await artifacts.put(
      'runs/run-7/plan/summary.json',
      JSON.stringify({ ...summary, gate_rules: { approve: found } }),
    );
    const data = await summarizeStep(deps, {
      ...planInput(),
      data: {
        gate_rules: { other: { plan_hash: 'x', matched: [] }, approve: { plan_hash: 'old', matched: [] } },
      },
    });
    expect(data.gate_rules).toEqual({ other: { plan_hash: 'x', matched: [] }, approve: found });
  });

  it('throws PlanFailed with the tail of the build log when the build failed', async () => {
    const { artifacts, audit, deps } = setup();
    const log = `${Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n')}\nError: provider exploded\n`;
    await artifacts.put('runs/run-7/plan/log.txt', log);
    const error = await failure(
      summarizeStep(
        deps,
        planInput({ status: 'FAILED', error: { Error: 'States.TaskFailed', Cause: 'Build failed' } }),
      ),
    );
    expect(error.name).toBe('PlanFailed');
    expect(error.message).toMatch(/^the plan of network failed \(Build failed\)/);
    expect(error.message).toContain('Error: provider exploded');
    expect(error.message).not.toContain('line 5\n');
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'plan_failed',
        run_id: 'run-7',
        step_id: 'plan',
        workflow: 'production-deploy',
      }),
    ]);
  });

  it('throws PlanFailed when the build left no summary', async () => {
    const { deps } = setup();
    expect((await failure(summarizeStep(deps, planInput()))).name).toBe('PlanFailed');
  });

  it('throws PolicyFailed and audits policy_failed when a mandatory policy failed', async () => {
    const { artifacts, audit, deps } = setup();
    const failed: StepSummary = {
      ...summary,
      policy: {
        passed: 0,
        failed: 1,
        mandatory_failed: 1,
        results: [
          {
            name: 'no-public-s3-acl',
            source: 'signoff',
            severity: 'mandatory',
            passed: false,
            message: 'public',
          },
        ],
      },
    };
    await artifacts.put('runs/run-7/plan/summary.json', JSON.stringify(failed));
    const error = await failure(summarizeStep(deps, planInput()));
    expect(error.name).toBe('PolicyFailed');
    expect(error.message).toContain('no-public-s3-acl');
    expect(audit.events).toEqual([
      {
        action: 'policy_failed',
        actor: { email: 'system:build', name: 'signoff build' },
        workflow: 'production-deploy',
        run_id: 'run-7',
        step_id: 'plan',
        at: '2026-03-02T10:00:00.000Z',
        reason: 'mandatory policies failed: no-public-s3-acl',
        plan_summary: { project: 'network', add: 3, change: 1, destroy: 0, replace: 0, hash: plan.hash },
        details: { failed: [{ name: 'no-public-s3-acl', source: 'signoff', message: 'public' }] },
      },
    ]);
  });

  it('throws PlanDrift and audits plan_drift_blocked with both hashes and the addresses', async () => {
    const { artifacts, audit, deps } = setup();
    const drift: DriftReport = {
      approved_hash: plan.hash,
      current_hash: 'b'.repeat(64),
      addresses: ['aws_vpc.main'],
      plan_from: 'plan',
    };
    await artifacts.put('runs/run-7/apply/drift.json', JSON.stringify(drift));
    const error = await failure(
      summarizeStep(deps, applyInput({ status: 'FAILED', error: { Error: 'States.TaskFailed' } })),
    );
    expect(error.name).toBe('PlanDrift');
    expect(error.message).toContain('aws_vpc.main');
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'plan_drift_blocked',
        step_id: 'apply',
        details: {
          approved_hash: plan.hash,
          current_hash: 'b'.repeat(64),
          addresses: ['aws_vpc.main'],
          plan_from: 'plan',
        },
      }),
    ]);
  });

  it('names at most 20 drifted addresses in the audit event and the error, counting the rest', async () => {
    const { artifacts, audit, deps } = setup();
    const addresses = Array.from({ length: 5000 }, (_, i) => `local_file.f${i}`);
    const drift: DriftReport = {
      approved_hash: plan.hash,
      current_hash: 'b'.repeat(64),
      addresses,
      plan_from: 'plan',
    };
    await artifacts.put('runs/run-7/apply/drift.json', JSON.stringify(drift));
    const error = await failure(summarizeStep(deps, applyInput({ status: 'FAILED' })));
    expect(error.message).toContain('local_file.f19 and 4980 more');
    expect(error.message.length).toBeLessThan(1000);
    expect(audit.events[0]?.details).toMatchObject({
      addresses: addresses.slice(0, 20),
      addresses_total: 5000,
      addresses_truncated: true,
    });
  });

  it('names at most 20 failed mandatory policies in policy_failed, pointing at the full results', async () => {
    const { artifacts, audit, deps } = setup();
    const failed = Array.from({ length: 50 }, (_, i) => ({
      name: `CKV_${i}`,
      source: 'checkov',
      severity: 'mandatory' as const,
      passed: false,
    }));
    const capped: StepSummary = {
      ...summary,
      policy: {
        passed: 2000,
        failed: 300,
        mandatory_failed: 300,
        results: failed,
        results_truncated: true,
        artifact: 'runs/run-7/plan/policy.json',
      },
    };
    await artifacts.put('runs/run-7/plan/summary.json', JSON.stringify(capped));
    const error = await failure(summarizeStep(deps, planInput()));
    expect(error.name).toBe('PolicyFailed');
    expect(error.message).toContain('CKV_19 and 280 more');
    const details = audit.events[0]?.details as { failed: unknown[] };
    expect(details.failed).toHaveLength(20);
    expect(details).toMatchObject({
      failed_truncated: true,
      mandatory_failed: 300,
      policy_results: 'runs/run-7/plan/policy.json',
    });
  });

  it('throws ApplyFailed and audits apply_failed when the apply build failed', async () => {
    const { artifacts, audit, deps } = setup();
    await artifacts.put('runs/run-7/apply/log.txt', 'Error: AccessDenied\n');
    await artifacts.put(
      'runs/run-7/apply/apply.json',
      JSON.stringify({
        status: 'failed',
        plan_hash: plan.hash,
        plan_from: 'plan',
        exit_code: 1,
        finished_at: 'x',
      }),
    );
    const error = await failure(summarizeStep(deps, applyInput({ status: 'FAILED' })));
    expect(error.name).toBe('ApplyFailed');
    expect(error.message).toContain('Error: AccessDenied');
    expect(audit.events.map((e) => e.action)).toEqual(['apply_failed']);
  });

  it('audits applied and returns the data with the apply step', async () => {
    const { artifacts, audit, deps } = setup();
    await artifacts.put(
      'runs/run-7/apply/apply.json',
      JSON.stringify({
        status: 'applied',
        plan_hash: plan.hash,
        plan_from: 'plan',
        exit_code: 0,
        finished_at: 'x',
      }),
    );
    const data = await summarizeStep(deps, applyInput());
    expect(data.steps).toEqual({
      apply: { action: 'apply', project: 'network', status: 'applied', hash: plan.hash },
    });
    expect(data.plan).toEqual(plan);
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'applied',
        plan_summary: { project: 'network', add: 3, change: 1, destroy: 0, replace: 0, hash: plan.hash },
        details: { project: 'network', plan_hash: plan.hash, plan_from: 'plan' },
      }),
    ]);
  });

  describe('the commit the build checked out', () => {
    const A = 'a'.repeat(40);
    const B = 'b'.repeat(40);
    const pinned: RunInfo = {
      ...run,
      source: { type: 'repository', repository: 'acme/infra', commit: A, checkout: A },
    };
    const fromBranch: RunInfo = {
      ...run,
      source: { type: 'repository', repository: 'acme/infra', ref: 'main', checkout: 'main' },
    };

    it('fails the plan when the build checked out another commit than the run is pinned to', async () => {
      const { artifacts, deps } = setup();
      await artifacts.put('runs/run-7/plan/summary.json', JSON.stringify(summary));
      const input = { ...planInput({ id: 'b1', status: 'SUCCEEDED', source_version: B }), run: pinned };
      input.data = { ...input.data, source: { checkout: A } };
      const error = await failure(summarizeStep(deps, input));
      expect(error.name).toBe('PlanFailed');
      expect(error.message).toContain(`built commit ${B}, but the run is pinned to ${A}`);
    });

    it('pins a run started from a branch to the commit its first build resolved, on the run and in the data', async () => {
      const { artifacts, runs, deps } = setup();
      await runs.create({ ...fromBranch, execution_arn: 'arn:x', status: 'RUNNING' });
      await artifacts.put('runs/run-7/plan/summary.json', JSON.stringify(summary));
      const input = { ...planInput({ id: 'b1', status: 'SUCCEEDED', source_version: B }), run: fromBranch };
      input.data = { ...input.data, source: { checkout: 'main' } };
      const data = await summarizeStep(deps, input);
      expect(data.source).toEqual({ checkout: B, commit: B });
      expect((await runs.get('run-7'))?.source).toEqual({ ...fromBranch.source, commit: B });
      // A later build of another commit cannot move the pin.
      await runs.pinCommit('run-7', A);
      expect((await runs.get('run-7'))?.source).toMatchObject({ commit: B });
    });

    it('audits the applied commit', async () => {
      const { artifacts, audit, deps } = setup();
      await artifacts.put(
        'runs/run-7/apply/apply.json',
        JSON.stringify({ status: 'applied', plan_hash: plan.hash, plan_from: 'plan' }),
      );
      const input = { ...applyInput({ id: 'b2', status: 'SUCCEEDED', source_version: A }), run: pinned };
      input.data = { ...input.data, source: { checkout: A, commit: A } };
      await summarizeStep(deps, input);
      expect(audit.events.find((e) => e.action === 'applied')?.details).toMatchObject({ commit: A });
    });
  });
});
