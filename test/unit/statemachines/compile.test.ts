import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  type AslState,
  compileWorkflow,
  conditionPath,
  placeholdersOf,
  substitutePlaceholders,
} from '../../../statemachines/compile.ts';
import { PLACEHOLDER } from '../../../statemachines/contract.ts';
import type { Step } from '../../../statemachines/schema.ts';
import { stepError, withFakeArns } from '../../support/asl-harness.ts';
import { example, loadExamples } from '../../support/examples.ts';

const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const EXAMPLES = [
  'production-deploy-with-approval',
  'staging-deploy',
  'critical-infra-two-person',
  'production-deploy-with-escalation',
  'production-emergency-deploy',
  'production-deploy-with-rules',
  'staging-deploy-with-auto-approval',
  'production-deploy-latest-wins',
  'production-plan-on-pull-request',
  'production-drift-check',
];

function nextsOf(state: AslState): string[] {
  const out: string[] = [];
  if (typeof state.Next === 'string') out.push(state.Next);
  if (typeof state.Default === 'string') out.push(state.Default);
  for (const c of (state.Choices ?? []) as { Next: string }[]) out.push(c.Next);
  for (const c of (state.Catch ?? []) as { Next: string }[]) out.push(c.Next);
  return out;
}

describe('compileWorkflow', () => {
  it('loads every example workflow without problems', () => {
    expect(
      loadExamples()
        .workflows.map((w) => w.workflow.name)
        .sort(),
    ).toEqual([...EXAMPLES].sort());
  });

  it.each(EXAMPLES)('compiles %s into ASL that asl-validator accepts', (name) => {
    const { definition } = example(name);
    const result = validate(structuredClone(withFakeArns(definition)));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it.each(EXAMPLES)(
    'gives %s an explicit TimeoutSeconds on every Task, no dangling Next, no unreachable state',
    (name) => {
      const { definition } = example(name);
      const states = definition.States;
      for (const [stateName, state] of Object.entries(states)) {
        if (state.Type === 'Task') expect(state.TimeoutSeconds, stateName).toBeGreaterThan(0);
        for (const next of nextsOf(state)) expect(states[next], `${stateName} -> ${next}`).toBeDefined();
      }
      const reached = new Set<string>();
      const stack = [definition.StartAt];
      while (stack.length > 0) {
        const name = stack.pop() as string;
        if (reached.has(name)) continue;
        reached.add(name);
        stack.push(...nextsOf(states[name] as AslState));
      }
      expect([...reached].sort()).toEqual(Object.keys(states).sort());
    },
  );

  it('is deterministic', () => {
    const { workflow } = example('production-deploy-with-escalation');
    expect(JSON.stringify(compileWorkflow(workflow))).toBe(
      JSON.stringify(compileWorkflow(structuredClone(workflow))),
    );
  });

  it('uses the context object only for the task token of approval tasks', () => {
    for (const name of EXAMPLES) {
      const { definition } = example(name);
      for (const [stateName, state] of Object.entries(definition.States)) {
        const refs = JSON.stringify(state).match(/"\$\$\.[^"]*"/g) ?? [];
        if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken')
          expect(refs).toEqual(['"$$.Task.Token"']);
        else expect(refs, stateName).toEqual([]);
      }
    }
  });

  it('compiles a gate into a waitForTaskToken task with the workflow timeout and catches', () => {
    const { definition } = example('critical-infra-two-person');
    const gate = definition.States.approve as Record<string, any>;
    expect(gate.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    // The engine's timer is a backstop one minute after the gate's 8h deadline.
    expect(gate.TimeoutSeconds).toBe(8 * 3600 + 60);
    expect(gate.Parameters.Payload.gate).toMatchObject({
      required: 2,
      approvers: ['team:platform-leads'],
      timeout_seconds: 28800,
    });
    expect(
      gate.Catch.map((c: { ErrorEquals: string[]; Next: string }) => [c.ErrorEquals[0], c.Next]),
    ).toEqual([
      ['States.Timeout', 'approve.timed_out'],
      ['Rejected', 'notify.failed'],
      ['States.ALL', 'notify.failed'],
    ]);
  });

  it('makes the apply build match the hash the approvers saw', () => {
    const { definition } = example('production-deploy-with-approval');
    const env = (definition.States.apply as Record<string, any>).Parameters.EnvironmentVariablesOverride;
    expect(env).toContainEqual({
      Name: 'SIGNOFF_APPROVED_PLAN_HASH',
      Type: 'PLAINTEXT',
      'Value.$': '$.data.approval.plan_hash',
    });
    const staging = example('staging-deploy').definition;
    const stagingEnv = (staging.States.apply as Record<string, any>).Parameters.EnvironmentVariablesOverride;
    expect(stagingEnv).toContainEqual({
      Name: 'SIGNOFF_APPROVED_PLAN_HASH',
      Type: 'PLAINTEXT',
      'Value.$': '$.data.steps.plan.plan_hash',
    });
  });

  it('compiles a condition to a Choice that handles a missing field as the workflow says', () => {
    const { definition } = example('production-deploy-with-escalation');
    const choice = definition.States.check_cost as Record<string, any>;
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices[0].Next).toBe('HasChanges.finance_approval');
    expect(choice.Choices[1]).toEqual({
      And: [
        { Variable: '$.data.cost.monthly_delta', IsNumeric: true },
        { Variable: '$.data.cost.monthly_delta', NumericGreaterThan: 500 },
      ],
      Next: 'HasChanges.finance_approval',
    });
    expect(choice.Default).toBe('Freeze.apply');
    expect(conditionPath('approval.approved_by_count')).toBe('$.data.approval.approved_by_count');
  });

  it("enters a gate that follows a plan through a Choice on the plan's change count", () => {
    const { definition } = example('production-deploy-with-approval');
    expect(definition.States['plan.summarize']?.Next).toBe('HasChanges.approve');
    const counted = (test: Record<string, unknown>) => ({
      And: [
        { Variable: '$.data.steps.plan.changes', IsPresent: true },
        { Variable: '$.data.steps.plan.changes', IsNumeric: true },
        { Variable: '$.data.steps.plan.changes', ...test },
      ],
    });
    expect(definition.States['HasChanges.approve']).toMatchObject({
      Type: 'Choice',
      Choices: [
        { ...counted({ NumericGreaterThan: 0 }), Next: 'approve' },
        { ...counted({ NumericEquals: 0 }), Next: 'SkipGate.approve' },
      ],
      Default: 'approve',
    });
    expect(definition.States['SkipGate.approve']).toMatchObject({
      Type: 'Task',
      Resource: `\${${PLACEHOLDER.runEnded}}`,
      Parameters: {
        kind: 'skip_gate',
        'run.$': '$.run',
        step_id: 'approve',
        plans: ['plan'],
        'data.$': '$.data',
      },
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'notify.failed' }],
      Next: 'notify.no_changes',
    });
    expect(definition.States['notify.no_changes']).toMatchObject({
      Type: 'Task',
      Parameters: { outcome: 'no_changes' },
      Next: 'NoChanges',
    });
    expect(definition.States.NoChanges).toMatchObject({ Type: 'Succeed' });
  });

  it('checks every plan before a gate, and none where no plan comes first or the gate opts out', () => {
    const { workflow } = example('production-deploy-with-approval');
    const [plan, approve, apply] = workflow.steps as [Step, Step, Step];
    const twoPlans = compileWorkflow({
      ...workflow,
      steps: [plan, { ...plan, id: 'plan_db', project: 'example-database' } as Step, approve, apply],
    });
    const choice = twoPlans.States['HasChanges.approve'] as { Choices: { Or?: unknown[] }[] };
    expect(choice.Choices[0]?.Or).toHaveLength(2);
    expect(choice.Choices[1]?.Or).toHaveLength(2);

    const gateFirst = compileWorkflow({ ...workflow, steps: [approve, plan, apply] });
    expect(Object.keys(gateFirst.States).filter((n) => /HasChanges|SkipGate|NoChanges/.test(n))).toEqual([]);
    expect(gateFirst.States.Initialize?.Next).toBe('LockProjects');

    const optedOut = compileWorkflow({
      ...workflow,
      steps: workflow.steps.map((s) => (s.type === 'approval' ? { ...s, gate_on_no_changes: true } : s)),
    });
    expect(Object.keys(optedOut.States).filter((n) => /HasChanges|SkipGate|NoChanges/.test(n))).toEqual([]);
    expect(optedOut.States['plan.summarize']?.Next).toBe('approve');
    for (const definition of [twoPlans, gateFirst, optedOut]) {
      const result = validate(structuredClone(withFakeArns(definition)));
      expect(result.errors).toEqual([]);
    }
  });

  it('keeps plans out of the state: only summaries and keys travel', () => {
    const { definition } = example('production-deploy-with-approval');
    expect((definition.States['plan.summarize'] as Record<string, unknown>).ResultPath).toBe('$.data');
    expect(JSON.stringify(definition)).not.toMatch(/plan\.json|resource_changes/);
  });

  it('substitutes placeholders and names any left without a value', () => {
    const { definition } = example('staging-deploy');
    expect(placeholdersOf(definition)).toEqual([
      'BuildProject_example_site_staging_apply',
      'BuildProject_example_site_staging_plan',
      'RunEndedFunctionArn',
      'SummarizeStepFunctionArn',
    ]);
    expect(() =>
      substitutePlaceholders(definition, { SummarizeStepFunctionArn: 'arn:x', RunEndedFunctionArn: 'arn:y' }),
    ).toThrow(
      'no value for placeholder(s): BuildProject_example_site_staging_apply, BuildProject_example_site_staging_plan',
    );
    const done = substitutePlaceholders(definition, {
      SummarizeStepFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:s',
      RunEndedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:r',
      BuildProject_example_site_staging_plan: 'signoff-example-site-staging-plan',
      BuildProject_example_site_staging_apply: 'signoff-example-site-staging-apply',
    });
    expect(placeholdersOf(done)).toEqual([]);
    expect((done.States.plan as Record<string, any>).Parameters.ProjectName).toBe(
      'signoff-example-site-staging-plan',
    );
    expect((done.States.apply as Record<string, any>).Parameters.ProjectName).toBe(
      'signoff-example-site-staging-apply',
    );
  });

  it('passes the plan step hash to the apply of a workflow without a gate, from the state, never left to the build', () => {
    const { definition } = example('staging-deploy');
    const env = (definition.States.apply as Record<string, any>).Parameters.EnvironmentVariablesOverride;
    expect(env).toContainEqual({
      Name: 'SIGNOFF_APPROVED_PLAN_HASH',
      Type: 'PLAINTEXT',
      'Value.$': '$.data.steps.plan.plan_hash',
    });
  });

  it('retries Lambda tasks on the transient Lambda errors, with backoff', () => {
    const expected = [
      {
        ErrorEquals: [
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.ClientExecutionTimeoutException',
          'Lambda.TooManyRequestsException',
        ],
        IntervalSeconds: 1,
        MaxAttempts: 3,
        BackoffRate: 2,
      },
    ];
    for (const name of EXAMPLES) {
      const { definition } = example(name);
      for (const [stateName, state] of Object.entries(definition.States)) {
        if (state.Type !== 'Task' || String(state.Resource).includes('codebuild')) continue;
        expect(state.Retry, `${name}: ${stateName}`).toEqual(expected);
      }
    }
  });

  it('retries a build StartBuild refused (quota, throttling), never one that ran and failed', () => {
    const expected = [
      {
        ErrorEquals: [
          'CodeBuild.AccountLimitExceededException',
          'CodeBuild.CodeBuildException',
          'CodeBuild.AWSCodeBuildException',
        ],
        IntervalSeconds: 10,
        MaxAttempts: 8,
        BackoffRate: 2,
        MaxDelaySeconds: 120,
        JitterStrategy: 'FULL',
      },
    ];
    let builds = 0;
    for (const name of EXAMPLES) {
      const { definition } = example(name);
      for (const [stateName, state] of Object.entries(definition.States)) {
        if (state.Resource !== 'arn:aws:states:::codebuild:startBuild.sync') continue;
        builds++;
        expect(state.Retry, `${name}: ${stateName}`).toEqual(expected);
        const retried = (state.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
        expect(retried).not.toContain('States.TaskFailed');
        expect(retried).not.toContain('States.ALL');
        expect(retried).not.toContain('States.Timeout');
      }
    }
    expect(builds).toBe(18);
  });
});

describe('a build task under the local interpreter', () => {
  /** Runs only the staging plan task (its Retry and Catch as compiled) with a stand-in build. */
  async function runPlanTask(build: () => unknown): Promise<{ attempts: number; caught?: unknown }> {
    const { definition } = example('staging-deploy');
    const plan = { ...(withFakeArns(definition).States.plan as AslState) };
    delete plan.Next;
    const machine = new StateMachine(
      {
        StartAt: 'plan',
        States: {
          plan: {
            ...plan,
            End: true,
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'failed' }],
          },
          failed: { Type: 'Pass', End: true },
        },
      } as never,
      { validationOptions: { checkArn: false, checkPaths: true } },
    );
    let attempts = 0;
    const execution = machine.run({ run: { id: 'run-1' } } as never, {
      overrides: {
        taskResourceLocalHandlers: {
          plan: async () => {
            attempts++;
            return build() as never;
          },
        },
        // The compiled backoff waits up to minutes; the test retries at once.
        retryIntervalOverrides: { plan: 0 },
      },
    });
    const output = (await execution.result) as { caught?: unknown };
    return { attempts, caught: output.caught };
  }

  it('starts the build again after the account quota refused it', async () => {
    let refusals = 2;
    const out = await runPlanTask(() => {
      if (refusals-- > 0)
        throw stepError('CodeBuild.AccountLimitExceededException', 'Cannot have more than 1 builds in queue');
      return { Build: { Id: 'b-1', BuildStatus: 'SUCCEEDED' } };
    });
    expect(out).toEqual({ attempts: 3, caught: undefined });
  });

  it('gives up after eight retries of a refused start', async () => {
    const out = await runPlanTask(() => {
      throw stepError('CodeBuild.CodeBuildException', 'Rate exceeded');
    });
    expect(out.attempts).toBe(9);
    expect(out.caught).toEqual({ Error: 'CodeBuild.CodeBuildException', Cause: 'Rate exceeded' });
  });

  it('runs a build that failed exactly once', async () => {
    const out = await runPlanTask(() => {
      throw stepError('States.TaskFailed', '{"Build":{"BuildStatus":"FAILED"}}');
    });
    expect(out).toEqual({
      attempts: 1,
      caught: { Error: 'States.TaskFailed', Cause: '{"Build":{"BuildStatus":"FAILED"}}' },
    });
  });

  it('locks every project of the workflow before its first step, waiting in a Choice/Wait loop', () => {
    const { definition } = example('production-deploy-with-approval');
    expect(definition.States.Initialize?.Next).toBe('LockProjects');
    expect(definition.States.AcquireProjectLocks).toMatchObject({
      Type: 'Task',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the compiled ASL's placeholder, substituted at deploy time.
      Resource: '${RunEndedFunctionArn}',
      Parameters: {
        kind: 'acquire_project_locks',
        projects: ['example-site'],
        wait_seconds: 1800,
        'waiting_since.$': '$.lock.waiting_since',
      },
      ResultPath: '$.lock',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'notify.failed' }],
      Next: 'ProjectLocksHeld',
    });
    const lease = (definition.States.AcquireProjectLocks as Record<string, any>).Parameters.lease_seconds;
    // Longer than the gate (4 h) and both builds (1 h each) together.
    expect(lease).toBeGreaterThan(6 * 3600);
    expect(definition.States.ProjectLocksHeld).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.lock.acquired', BooleanEquals: true, Next: 'plan' }],
      Default: 'WaitForProjectLock',
    });
    expect(definition.States.WaitForProjectLock).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.lock.retry_after_seconds',
      Next: 'AcquireProjectLocks',
    });
  });

  it("hands a plan's build the rule and auto-approval expressions of the gates after it, and the gate its rules", () => {
    type Params = {
      EnvironmentVariablesOverride: { Name: string; Value?: string }[];
      Payload: { gate: Record<string, unknown> };
    };
    const params = (name: string, state: string) =>
      example(name).definition.States[state]?.Parameters as Params;
    const env = params('production-deploy-with-rules', 'plan').EnvironmentVariablesOverride;
    expect(JSON.parse(env.find((v) => v.Name === 'SIGNOFF_GATE_RULES')?.Value ?? 'null')).toEqual([
      {
        step_id: 'approve',
        rules: [
          'plan.resources.exists(r, r.type.startsWith("aws_security_group") || r.type == "aws_network_acl")',
          'plan.destroy > 0',
        ],
      },
    ]);
    expect(params('production-deploy-with-rules', 'approve').Payload.gate.rules).toEqual([
      expect.objectContaining({ approvers: ['team:security'], required: 1, shared: false }),
      expect.objectContaining({ approvers: ['team:platform-leads'], required: 2, shared: true }),
    ]);
    expect(params('staging-deploy-with-auto-approval', 'approve').Payload.gate.auto_approve).toEqual({
      when: expect.stringContaining('changed_attributes'),
      reason: 'tags-only changes are low risk',
    });
    // A workflow without rules hands its builds nothing more.
    const plain = params('production-deploy-with-approval', 'plan').EnvironmentVariablesOverride;
    expect(plain.map((v) => v.Name)).not.toContain('SIGNOFF_GATE_RULES');
  });

  it('takes no lock in a workflow without iac steps', () => {
    const { workflow } = example('staging-deploy');
    const definition = compileWorkflow({
      ...workflow,
      triggers: { manual: workflow.triggers.manual, webhook: undefined },
      steps: workflow.steps
        .filter((s) => s.type !== 'iac')
        .concat([
          {
            id: 'ping',
            type: 'http',
            url: 'https://example.com/',
            method: 'POST',
            headers: {},
            run_on: 'success',
          },
        ]),
    });
    expect(definition.States.Initialize?.Next).toBe('ping');
    expect(definition.States.AcquireProjectLocks).toBeUndefined();
  });

  it('locks only what a workflow applies; a run on pull requests locks nothing but still reports its start', () => {
    const deploy = compileWorkflow(example('staging-deploy').workflow);
    expect(deploy.States.AcquireProjectLocks?.Parameters).toMatchObject({
      projects: ['example-site-staging'],
    });
    const { workflow } = example('production-plan-on-pull-request');
    expect(workflow.triggers.github?.on).toBe('pull_request');
    const review = compileWorkflow(workflow);
    expect(review.States.Initialize?.Next).toBe('LockProjects');
    expect(review.States.AcquireProjectLocks?.Parameters).toMatchObject({ projects: [] });
    // Without a GitHub trigger there is nothing to report, so no task at all.
    const byHand = compileWorkflow({
      ...workflow,
      triggers: { manual: { roles: ['developer'] }, webhook: undefined },
    });
    expect(byHand.States.Initialize?.Next).toBe('plan');
  });
});
