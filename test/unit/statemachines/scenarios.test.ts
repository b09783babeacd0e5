import { describe, expect, it } from 'vitest';
import { type AslDefinition, compileWorkflow } from '../../../statemachines/compile.ts';
import type { Workflow } from '../../../statemachines/schema.ts';
import { type Outcome, runScenario, type StandIn, stepError } from '../../support/asl-harness.ts';
import { example } from '../../support/examples.ts';

const run = {
  id: 'run-1',
  workflow: 'w',
  environment: 'production',
  started_by: { email: 'jane@acme.com', name: 'Jane' },
};

/** Stand-ins for every task: builds succeed, plans cost `monthlyDelta`, gates approve, notifications are recorded. */
function standIns(
  definition: AslDefinition,
  monthlyDelta: number | undefined,
  overrides: Record<string, StandIn> = {},
) {
  const notified: { state: string; outcome: string; error?: string }[] = [];
  const builds: Record<string, string>[] = [];
  const all: Record<string, StandIn> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    if (resource.includes('codebuild')) {
      all[name] = (input) => {
        const env = Object.fromEntries(
          (input.EnvironmentVariablesOverride as { Name: string; Value: string }[]).map((e) => [
            e.Name,
            e.Value,
          ]),
        );
        builds.push(env);
        return { Build: { Id: `build-${builds.length}`, BuildStatus: 'SUCCEEDED' } };
      };
    } else if (name.endsWith('.summarize')) {
      all[name] = (input) => {
        const data = input.data as Record<string, unknown>;
        if (input.action !== 'plan')
          return {
            ...data,
            steps: { ...(data.steps as object), [String(input.step_id)]: { applied: true } },
          };
        const cost =
          monthlyDelta === undefined
            ? { estimated: false, reason: 'no estimate' }
            : {
                estimated: true,
                currency: 'USD',
                monthly_before: 0,
                monthly_after: monthlyDelta,
                monthly_delta: monthlyDelta,
              };
        return {
          ...data,
          plan: { hash: 'hash-1', add: 3, change: 1, destroy: 0 },
          cost,
          steps: { ...(data.steps as object), [String(input.step_id)]: { plan_hash: 'hash-1', changes: 4 } },
        };
      };
    } else if (resource.endsWith('waitForTaskToken')) {
      all[name] = (input) => {
        const payload = input.Payload as Record<string, unknown>;
        expect(payload.task_token).toBe('test-token');
        return {
          status: 'approved',
          step_id: payload.step_id,
          approved_by: [{ email: 'alice@acme.com' }],
          approved_by_count: 1,
          plan_hash: 'hash-1',
        };
      };
    } else if (name.startsWith('CheckFreeze.')) {
      all[name] = () => ({ frozen: false, frozen_since: null });
    } else if (name === 'AcquireProjectLocks') {
      all[name] = () => ({ acquired: true, waiting_since: null, retry_after_seconds: 0 });
    } else if (name.endsWith('.timed_out')) {
      all[name] = (input) => ({
        Error: input.on_timeout === 'cancel' ? 'Cancelled' : 'TimedOut',
        Cause: `${input.step_id} timed out`,
      });
    } else {
      all[name] = (input) => {
        notified.push({
          state: name,
          outcome: String(input.outcome),
          error: (input.failure as { Error?: string } | undefined)?.Error,
        });
        return { status: 200 };
      };
    }
  }
  return { handlers: { ...all, ...overrides }, notified, builds };
}

async function scenario(
  name: string,
  opts: {
    monthlyDelta?: number;
    overrides?: Record<string, StandIn>;
    timeouts?: Record<string, number>;
    /** Changes the example before it is compiled. */
    edit?: (workflow: Workflow) => Workflow;
  } = {},
): Promise<
  Outcome & {
    notified: { state: string; outcome: string; error?: string }[];
    builds: Record<string, string>[];
  }
> {
  const loaded = example(name);
  const definition = opts.edit ? compileWorkflow(opts.edit(loaded.workflow)) : loaded.definition;
  const { handlers, notified, builds } = standIns(
    definition,
    'monthlyDelta' in opts ? opts.monthlyDelta : 10,
    opts.overrides,
  );
  const outcome = await runScenario(definition, { run: { ...run, workflow: name } }, handlers, opts.timeouts);
  return { ...outcome, notified, builds };
}

const never: StandIn = () => new Promise(() => {});
/** The states that take the project locks before the first step. */
const LOCKED = ['LockProjects', 'AcquireProjectLocks', 'ProjectLocksHeld'];
/** The freeze check an apply step passes through when no freeze is in effect. */
const unfrozen = (step: string) => [`Freeze.${step}`, `CheckFreeze.${step}`, `IsFrozen.${step}`];

describe('production-deploy-with-approval', () => {
  it('approved -> applied -> notified', async () => {
    const out = await scenario('production-deploy-with-approval');
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      'HasChanges.approve',
      'approve',
      ...unfrozen('apply'),
      'apply',
      'apply.summarize',
      'notify',
      'Succeeded',
    ]);
    expect(out.notified).toEqual([{ state: 'notify', outcome: 'succeeded', error: undefined }]);
    expect(out.builds[1]).toMatchObject({
      SIGNOFF_ACTION: 'apply',
      SIGNOFF_RUN_ID: 'run-1',
      SIGNOFF_APPROVED_PLAN_HASH: 'hash-1',
      SIGNOFF_PLAN_FROM: 'plan',
    });
  });

  it('rejected -> cancelled, and the notification still runs', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        approve: () => {
          throw stepError('Rejected', 'bob@acme.com rejected: not today');
        },
      },
    });
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('Rejected');
    expect(out.states).not.toContain('apply');
    expect(out.notified).toEqual([{ state: 'notify.failed', outcome: 'failed', error: 'Rejected' }]);
  });

  it('timed out -> timeout recorded, cancelled, notified', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: { approve: never },
      timeouts: { approve: 1 },
    });
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('Cancelled');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      'HasChanges.approve',
      'approve',
      'approve.timed_out',
      'approve.gate_outcome',
      'approve.not_approved',
      'notify.failed',
      'Failed',
    ]);
    expect(out.notified).toEqual([{ state: 'notify.failed', outcome: 'failed', error: 'Cancelled' }]);
  });

  // Issue 13: a vote counted before the deadline lost the race with the engine's timer and the
  // run ended Cancelled while the gate said approved. The backstop now asks the gate.
  it('backstop fires after an approval counted before the deadline -> the approval carries the run on', async () => {
    const approval = { status: 'approved', step_id: 'approve', approved_by_count: 1, plan_hash: 'hash-1' };
    const out = await scenario('production-deploy-with-approval', {
      overrides: { approve: never, 'approve.timed_out': () => ({ approved: approval }) },
      timeouts: { approve: 1 },
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      'HasChanges.approve',
      'approve',
      'approve.timed_out',
      'approve.gate_outcome',
      'approve.approved',
      ...unfrozen('apply'),
      'apply',
      'apply.summarize',
      'notify',
      'Succeeded',
    ]);
  });

  it('plan fails -> stops before any approval; the always-notification runs', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        plan: () => {
          throw stepError('States.TaskFailed', '{"Build":{"BuildStatus":"FAILED"}}');
        },
        'plan.summarize': (input) => {
          expect(input.build).toEqual({
            error: { Error: 'States.TaskFailed', Cause: '{"Build":{"BuildStatus":"FAILED"}}' },
          });
          throw stepError('PlanFailed', 'terraform plan exited 1');
        },
      },
    });
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('PlanFailed');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.build_failed',
      'plan.summarize',
      'notify.stopped',
      'Failed',
    ]);
  });

  it('plan drift at apply -> PlanDrift, notified', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        'apply.summarize': () => {
          throw stepError('PlanDrift', 'plan changed since approval');
        },
      },
    });
    expect(out.error).toBe('PlanDrift');
    expect(out.notified).toEqual([{ state: 'notify.failed', outcome: 'failed', error: 'PlanDrift' }]);
  });
});

describe('a change freeze in front of an apply', () => {
  it('a frozen apply waits at Frozen.apply, checks again, and applies once the freeze is over', async () => {
    const checks: unknown[] = [];
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        'CheckFreeze.apply': (input) => {
          checks.push(input.frozen_since);
          // Frozen at the first check; the second finds the freeze over.
          return checks.length === 1
            ? {
                frozen: true,
                frozen_since: '2026-12-05T10:00:00.000Z',
                recheck_at: new Date(Date.now() + 200).toISOString(),
                freezes: [{ name: 'weekend', reason: 'No changes over the weekend' }],
              }
            : { frozen: false, frozen_since: input.frozen_since };
        },
      },
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(checks).toEqual([null, '2026-12-05T10:00:00.000Z']);
    const at = out.states.indexOf('Frozen.apply');
    expect(out.states.slice(at - 3, at + 4)).toEqual([
      'Freeze.apply',
      'CheckFreeze.apply',
      'IsFrozen.apply',
      'Frozen.apply',
      'CheckFreeze.apply',
      'IsFrozen.apply',
      'apply',
    ]);
  });

  it('a freeze that says fail ends the run Frozen before the apply, and notifies', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        'CheckFreeze.apply': () => {
          throw stepError('Frozen', 'production-deploy-with-approval is frozen until 2027-01-04 08:00 GMT+1');
        },
      },
    });
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('Frozen');
    expect(out.states).not.toContain('apply');
    expect(out.notified).toEqual([{ state: 'notify.failed', outcome: 'failed', error: 'Frozen' }]);
  });
});

/** A plan stand-in that found `changes` changes (the count summarize-step records per plan step). */
function planWith(changes: number | undefined): StandIn {
  return (input) => {
    const data = input.data as Record<string, unknown>;
    return {
      ...data,
      plan: { hash: 'hash-0', add: 0, change: 0, destroy: 0 },
      steps: {
        ...(data.steps as object),
        [String(input.step_id)]: { plan_hash: 'hash-0', ...(changes === undefined ? {} : { changes }) },
      },
    };
  };
}

describe('a plan with no changes', () => {
  it('ends NoChanges: no gate, no apply, the skip recorded, the notification sent', async () => {
    const skipped: Record<string, unknown>[] = [];
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        'plan.summarize': planWith(0),
        'SkipGate.approve': (input) => {
          skipped.push(input);
          return { skipped: true };
        },
      },
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      'HasChanges.approve',
      'SkipGate.approve',
      'notify.no_changes',
      'NoChanges',
    ]);
    expect(out.builds.map((b) => b.SIGNOFF_ACTION)).toEqual(['plan']);
    expect(skipped).toEqual([
      expect.objectContaining({
        kind: 'skip_gate',
        step_id: 'approve',
        gate_name: 'approve',
        plans: ['plan'],
        run: expect.objectContaining({ id: 'run-1' }),
      }),
    ]);
    expect(out.notified).toEqual([{ state: 'notify.no_changes', outcome: 'no_changes', error: undefined }]);
  });

  it('opens the gate when the plan has one change', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: { 'plan.summarize': planWith(1) },
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).toContain('approve');
    expect(out.states).not.toContain('SkipGate.approve');
    expect(out.builds.map((b) => b.SIGNOFF_ACTION)).toEqual(['plan', 'apply']);
  });

  it('opens the gate when the plan recorded no count (never skips on a guess)', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: { 'plan.summarize': planWith(undefined) },
    });
    expect(out.status).toBe('SUCCEEDED');
    const check = out.states.indexOf('HasChanges.approve');
    expect(out.states.slice(check, check + 2)).toEqual(['HasChanges.approve', 'approve']);
    expect(out.states).not.toContain('SkipGate.approve');
  });

  it('opens the gate anyway with gate_on_no_changes: true', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: { 'plan.summarize': planWith(0) },
      edit: (workflow) => ({
        ...workflow,
        steps: workflow.steps.map((s) => (s.type === 'approval' ? { ...s, gate_on_no_changes: true } : s)),
      }),
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      'approve',
      ...unfrozen('apply'),
      'apply',
      'apply.summarize',
      'notify',
      'Succeeded',
    ]);
  });

  it('ends with no notification when the workflow has none', async () => {
    const out = await scenario('critical-infra-two-person', {
      overrides: { 'plan.summarize': planWith(0), 'SkipGate.approve': () => ({ skipped: true }) },
      edit: (workflow) => ({ ...workflow, steps: workflow.steps.filter((s) => s.type !== 'http') }),
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states.slice(-3)).toEqual(['HasChanges.approve', 'SkipGate.approve', 'NoChanges']);
    expect(out.notified).toEqual([]);
  });

  it('fails the run, notified, when the skip cannot be recorded', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        'plan.summarize': planWith(0),
        'SkipGate.approve': () => {
          throw stepError('Error', 'the runs table is unavailable');
        },
      },
    });
    expect(out.status).toBe('FAILED');
    expect(out.states).not.toContain('approve');
    expect(out.notified).toEqual([{ state: 'notify.failed', outcome: 'failed', error: 'Error' }]);
  });
});

describe('production-deploy-with-escalation', () => {
  it('asks finance when the change costs more than 500 a month', async () => {
    const out = await scenario('production-deploy-with-escalation', { monthlyDelta: 750 });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      'HasChanges.approve',
      'approve',
      'check_cost',
      'HasChanges.finance_approval',
      'finance_approval',
      ...unfrozen('apply'),
      'apply',
      'apply.summarize',
      'notify',
      'Succeeded',
    ]);
  });

  it('goes straight to apply when the change costs 500 a month or less', async () => {
    const out = await scenario('production-deploy-with-escalation', { monthlyDelta: 500 });
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      'HasChanges.approve',
      'approve',
      'check_cost',
      ...unfrozen('apply'),
      'apply',
      'apply.summarize',
      'notify',
      'Succeeded',
    ]);
  });

  it('asks finance when there is no cost estimate', async () => {
    const out = await scenario('production-deploy-with-escalation', { monthlyDelta: undefined });
    expect(out.states).toContain('finance_approval');
  });

  it('finance rejecting cancels the run', async () => {
    const out = await scenario('production-deploy-with-escalation', {
      monthlyDelta: 900,
      overrides: {
        finance_approval: () => {
          throw stepError('Rejected', 'fiona@acme.com rejected');
        },
      },
    });
    expect(out.error).toBe('Rejected');
    expect(out.states).not.toContain('apply');
  });
});

describe('staging-deploy', () => {
  it('plans and applies with no gate, matching the plan step hash', async () => {
    const out = await scenario('staging-deploy');
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).toEqual([
      'Initialize',
      ...LOCKED,
      'plan',
      'plan.summarize',
      ...unfrozen('apply'),
      'apply',
      'apply.summarize',
      'Succeeded',
    ]);
    expect(out.builds[1]?.SIGNOFF_APPROVED_PLAN_HASH).toBe('hash-1');
  });
});

describe('critical-infra-two-person', () => {
  it('cancels the run when nobody decides in time', async () => {
    const out = await scenario('critical-infra-two-person', {
      overrides: { approve: never },
      timeouts: { approve: 1 },
    });
    expect(out.error).toBe('Cancelled');
  });
});

describe('production-emergency-deploy', () => {
  it('applies without a gate and notifies', async () => {
    const out = await scenario('production-emergency-deploy');
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states).not.toContain('approve');
    expect(out.notified).toHaveLength(1);
  });
});

describe('project locks', () => {
  it('waits at WaitForProjectLock while another run holds the lock, then goes on to plan', async () => {
    const seen: unknown[] = [];
    const out = await scenario('staging-deploy', {
      overrides: {
        AcquireProjectLocks: (input) => {
          seen.push(input.waiting_since);
          return seen.length < 3
            ? {
                acquired: false,
                waiting_since: '2026-12-01T10:00:00.000Z',
                retry_after_seconds: 0,
                waiting_for: { project: 'example-site-staging', run_id: 'run-0', workflow: 'w', since: 'x' },
              }
            : { acquired: true, waiting_since: null, retry_after_seconds: 0 };
        },
      },
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.states.slice(0, 9)).toEqual([
      'Initialize',
      'LockProjects',
      'AcquireProjectLocks',
      'ProjectLocksHeld',
      'WaitForProjectLock',
      'AcquireProjectLocks',
      'ProjectLocksHeld',
      'WaitForProjectLock',
      'AcquireProjectLocks',
    ]);
    expect(out.states).toContain('plan');
    // The first try has no start of waiting; each later try gets back what the task returned.
    expect(seen).toEqual([null, '2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00.000Z']);
  });

  it('fails the run with ProjectLocked, before any plan, when the wait is over', async () => {
    const out = await scenario('production-deploy-with-approval', {
      overrides: {
        AcquireProjectLocks: () => {
          throw stepError('ProjectLocked', 'project example-site is locked by run run-0');
        },
      },
    });
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('ProjectLocked');
    expect(out.states).not.toContain('plan');
    expect(out.notified).toEqual([{ state: 'notify.failed', outcome: 'failed', error: 'ProjectLocked' }]);
  });
});
