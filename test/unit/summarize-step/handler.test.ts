import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../../functions/adapters/fs-artifact-store.ts';
import { MemoryAuditLog } from '../../../functions/adapters/memory-audit-log.ts';
import { MemoryRunStore } from '../../../functions/adapters/memory-run-store.ts';
import { ARTIFACT, artifactKey } from '../../../functions/core/plan/artifact-keys.ts';
import type { StepSummary } from '../../../functions/core/plan/step-artifacts.ts';
import { createSummarizeStepHandler } from '../../../functions/summarize-step/handler.ts';
import { compileWorkflow } from '../../../statemachines/compile.ts';
import type { RunInfo, SummarizeStepInput } from '../../../statemachines/contract.ts';
import { workflowSchema } from '../../../statemachines/schema.ts';
import { runScenario, type StandIn } from '../../support/asl-harness.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const HASH = 'a'.repeat(64);

const run: RunInfo = {
  id: 'run-1',
  workflow: 'site-staging',
  environment: 'staging',
  production: false,
  trigger: { type: 'manual' },
  started_by: { email: 'jane@acme.com', name: 'Jane' },
  started_at: '2026-11-25T10:00:00.000Z',
};

function summary(mandatoryFailed = 0): StepSummary {
  return {
    plan: {
      step_id: 'plan',
      project: 'site',
      add: 1,
      change: 0,
      destroy: 0,
      replace: 0,
      resources: [{ address: 'local_file.index', action: 'create' }],
      resources_truncated: false,
      hash: HASH,
      artifacts: { plan_json: artifactKey('run-1', 'plan', ARTIFACT.planJson) },
    },
    cost: { estimated: false, reason: 'Infracost is not configured' },
    policy: {
      passed: mandatoryFailed ? 0 : 1,
      failed: mandatoryFailed,
      mandatory_failed: mandatoryFailed,
      results: [
        {
          name: 'no-public-buckets',
          source: 'signoff',
          severity: 'mandatory',
          passed: mandatoryFailed === 0,
        },
      ],
    },
  };
}

let artifacts: FsArtifactStore;
let audit: MemoryAuditLog;
let handler: ReturnType<typeof createSummarizeStepHandler>;

beforeEach(() => {
  artifacts = new FsArtifactStore(mkdtempSync(join(tmpdir(), 'signoff-summarize-')));
  audit = new MemoryAuditLog();
  handler = createSummarizeStepHandler(() => ({
    artifacts,
    audit,
    runs: new MemoryRunStore(),
    now: () => T0,
  }));
});

const put = (step: string, name: string, value: unknown) =>
  artifacts.put(artifactKey('run-1', step, name), typeof value === 'string' ? value : JSON.stringify(value));

function input(action: 'plan' | 'apply', extra: Partial<SummarizeStepInput> = {}): SummarizeStepInput {
  return {
    run,
    step_id: action,
    project: 'site',
    action,
    build: { id: 'b-1', status: 'SUCCEEDED' },
    data: {},
    ...(action === 'apply' ? { plan_from: 'plan', approved_plan_hash: HASH } : {}),
    ...extra,
  };
}

/** The error a handler call rejects with: Lambda reports its `name` as the errorType. */
async function failureOf(promise: Promise<unknown>): Promise<{ errorType: string; errorMessage: string }> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as Error | undefined;
  if (!error) throw new Error('the handler did not fail');
  expect(error).toBeInstanceOf(Error);
  return { errorType: error.name, errorMessage: error.message };
}

describe('summarize-step handler', () => {
  it('returns the run data with the plan, and plan_hash under data.steps.<plan step>', async () => {
    await put('plan', ARTIFACT.summary, summary());
    const data = await handler(input('plan', { data: { steps: { before: { x: 1 } } } }));
    expect(data.plan?.hash).toBe(HASH);
    expect(data.steps).toEqual({
      before: { x: 1 },
      plan: { action: 'plan', project: 'site', hash: HASH, plan_hash: HASH, changes: 1 },
    });
  });

  it('fails a broken plan build with PlanFailed, carrying the log tail', async () => {
    await put('plan', ARTIFACT.log, 'terraform init\nError: provider not found\n');
    const failure = await failureOf(handler(input('plan', { build: { status: 'FAILED' } })));
    expect(failure.errorType).toBe('PlanFailed');
    expect(failure.errorMessage).toContain('Error: provider not found');
  });

  it('fails a plan with a failed mandatory policy with PolicyFailed', async () => {
    await put('plan', ARTIFACT.summary, summary(1));
    expect((await failureOf(handler(input('plan')))).errorType).toBe('PolicyFailed');
  });

  it('fails an apply whose re-plan drifted with PlanDrift', async () => {
    await put('apply', ARTIFACT.drift, {
      approved_hash: HASH,
      current_hash: 'b'.repeat(64),
      addresses: ['local_file.index'],
      plan_from: 'plan',
    });
    const failure = await failureOf(handler(input('apply')));
    expect(failure.errorType).toBe('PlanDrift');
    expect(failure.errorMessage).toContain('local_file.index');
  });

  it('fails an apply that did not apply with ApplyFailed', async () => {
    expect((await failureOf(handler(input('apply', { build: { status: 'FAILED' } })))).errorType).toBe(
      'ApplyFailed',
    );
  });
});

describe('summarize-step handler in a gateless workflow', () => {
  const workflow = workflowSchema.parse({
    name: 'site-staging',
    environment: 'staging',
    steps: [
      { id: 'plan', type: 'iac', project: 'site', action: 'plan' },
      { id: 'apply', type: 'iac', project: 'site', action: 'apply', plan_from: 'plan' },
    ],
  });
  const definition = compileWorkflow(workflow);

  /** Builds write the artifacts a real build would; the summarize states run the real handler. */
  function standIns(applyOutcome: 'applied' | 'drift') {
    const builds: Record<string, string>[] = [];
    const build =
      (write: (env: Record<string, string>) => Promise<void>): StandIn =>
      async (taskInput) => {
        const env = Object.fromEntries(
          (taskInput.EnvironmentVariablesOverride as { Name: string; Value: string }[]).map((e) => [
            e.Name,
            e.Value,
          ]),
        );
        builds.push(env);
        await write(env);
        return { Build: { Id: `build-${builds.length}`, BuildStatus: 'SUCCEEDED' } };
      };
    const summarize: StandIn = (taskInput) => handler(taskInput as unknown as SummarizeStepInput);
    const handlers: Record<string, StandIn> = {
      // The project lock is free: the run takes it at once.
      AcquireProjectLocks: () => ({ acquired: true, waiting_since: null, retry_after_seconds: 0 }),
      // No freeze is in effect.
      'CheckFreeze.apply': () => ({ frozen: false, frozen_since: null }),
      plan: build(() => put('plan', ARTIFACT.summary, summary())),
      'plan.summarize': summarize,
      apply: build(async (env) => {
        const approved = env.SIGNOFF_APPROVED_PLAN_HASH as string;
        if (applyOutcome === 'drift') {
          await put('apply', ARTIFACT.drift, {
            approved_hash: approved,
            current_hash: 'c'.repeat(64),
            addresses: ['local_file.index'],
            plan_from: 'plan',
          });
        } else {
          await put('apply', ARTIFACT.apply, {
            status: 'applied',
            plan_hash: approved,
            plan_from: 'plan',
            exit_code: 0,
            finished_at: '2026-11-25T10:05:00Z',
          });
        }
      }),
      'apply.summarize': summarize,
    };
    return { handlers, builds };
  }

  it('hands the apply build the plan hash the plan step produced', async () => {
    const { handlers, builds } = standIns('applied');
    const outcome = await runScenario(definition, { run }, handlers);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(builds[1]).toMatchObject({ SIGNOFF_ACTION: 'apply', SIGNOFF_APPROVED_PLAN_HASH: HASH });
    expect(audit.events.map((e) => e.action)).toEqual(['applied']);
  });

  it('fails the run with PlanDrift when the apply re-plan differs', async () => {
    const { handlers } = standIns('drift');
    const outcome = await runScenario(definition, { run }, handlers);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'PlanDrift' });
    expect(audit.events.map((e) => e.action)).toEqual(['plan_drift_blocked']);
  });
});
