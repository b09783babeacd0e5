import { describe, expect, it } from 'vitest';
import { cancelReason } from '../../../../functions/core/approval/cancel-gate.ts';
import { closedReason } from '../../../../functions/core/approval/eligibility.ts';
import { buildGate } from '../../../../functions/core/approval/request-approval.ts';
import type { Gate, RunRecord } from '../../../../functions/core/ports.ts';
import {
  causeMessage,
  describeRunOutcome,
  describeStepError,
  gateProgress,
  RUN_OUTCOMES,
} from '../../../../functions/core/runs/run-outcome.ts';
import { DIRECTORY, requestInput, runInfo, T0 } from '../../../support/approval-fixtures.ts';

const STOPPED = '2026-11-25T23:55:12.000Z';

function run(overrides: Partial<RunRecord> & { no_changes?: boolean } = {}): RunRecord {
  const info = runInfo({ id: 'run-outcome-1' });
  return {
    ...info,
    execution_arn: `arn:aws:states:us-east-1:000000000000:execution:x:${info.id}`,
    status: 'FAILED',
    stopped_at: STOPPED,
    ...overrides,
  };
}

function gate(overrides: Partial<Gate> = {}): Gate {
  return { ...buildGate({ directory: DIRECTORY, now: () => T0 }, requestInput()), ...overrides };
}

const dave = { email: 'dave@acme.com', name: 'Dave Kim' };
const approval = (name: string) => ({
  email: `${name.split(' ')[0]?.toLowerCase()}@acme.com`,
  name,
  at: STOPPED,
  channel: 'web' as const,
});

/** The cause a rejected gate hands the engine (tell-engine's failureCause), as AWS passes it on. */
const rejectedCause = JSON.stringify({
  message: 'This gate was rejected at 2026-11-25T23:55:12Z by Dave Kim: "PR 42 changes the wrong CIDR"',
  gate_id: 'g_1',
  step_id: 'approve',
  status: 'rejected',
  closed_at: STOPPED,
  closed_by: dave,
  comment: 'PR 42 changes the wrong CIDR',
});

/** A Lambda error's cause as Step Functions records it in AWS. */
const lambdaCause = (type: string, message: string) =>
  JSON.stringify({ errorType: type, errorMessage: message, trace: [`${type}: ${message}`, '    at x'] });

describe('describeRunOutcome', () => {
  it('names who rejected, when and why, from the gate', () => {
    const rejected = gate({
      status: 'rejected',
      closed_at: STOPPED,
      closed_by: dave,
      close_comment: 'PR 42 changes the wrong CIDR',
    });
    expect(
      describeRunOutcome({ run: run({ error: 'Rejected', cause: rejectedCause }), gates: [rejected] }),
    ).toEqual({
      outcome: 'Rejected',
      outcome_detail: "Rejected by Dave Kim at 2026-11-25 23:55 UTC: 'PR 42 changes the wrong CIDR'",
    });
  });

  it('reads the rejection from the cause when the gate is not at hand, never printing JSON', () => {
    const view = describeRunOutcome({ run: run({ error: 'Rejected', cause: rejectedCause }), gates: [] });
    expect(view.outcome_detail).toBe(
      "Rejected by Dave Kim at 2026-11-25 23:55 UTC: 'PR 42 changes the wrong CIDR'",
    );
    expect(view.outcome_detail).not.toContain('{');
  });

  it('says a gate timed out, with how far it got, whether the engine called it Cancelled or TimedOut', () => {
    const timedOut = gate({ status: 'timed_out', closed_at: STOPPED, approved_by: [approval('Alice Lead')] });
    const cancelled = describeRunOutcome({ run: run({ error: 'Cancelled' }), gates: [timedOut] });
    expect(cancelled).toEqual({
      outcome: 'Timed out',
      outcome_detail:
        'Nobody decided before the deadline at 2026-11-25 23:55 UTC (1 of 2 approvals). The run was cancelled.',
    });
    const rejected = describeRunOutcome({ run: run({ error: 'TimedOut' }), gates: [timedOut] });
    expect(rejected.outcome).toBe('Timed out');
    expect(rejected.outcome_detail).toMatch(/The run was rejected\.$/);
  });

  it('says why a gate was cancelled', () => {
    const cancelled = gate({
      status: 'cancelled',
      closed_at: STOPPED,
      close_comment: 'the local runtime restarted while this gate was open',
    });
    expect(describeRunOutcome({ run: run({ error: 'Cancelled' }), gates: [cancelled] })).toEqual({
      outcome: 'Cancelled',
      outcome_detail:
        'Cancelled at 2026-11-25 23:55 UTC: the local runtime restarted while this gate was open',
    });
  });

  it('calls a run stopped by hand, by the runtime or by a lock Cancelled', () => {
    expect(describeRunOutcome({ run: run({ status: 'ABORTED' }), gates: [] })).toEqual({
      outcome: 'Cancelled',
      outcome_detail: 'The run was stopped at 2026-11-25 23:55 UTC.',
    });
    const restarted = run({
      error: 'LocalRuntimeRestarted',
      cause: 'The local runtime stopped while this execution was running; start a new run.',
    });
    expect(describeRunOutcome({ run: restarted, gates: [] })).toEqual({
      outcome: 'Cancelled',
      outcome_detail: 'The local runtime stopped while this execution was running; start a new run.',
    });
    const locked = run({
      error: 'ProjectLocked',
      cause: 'run r-9 held the lock of net for longer than 10 min',
    });
    expect(describeRunOutcome({ run: locked, gates: [] })).toEqual({
      outcome: 'Cancelled',
      outcome_detail: 'Run r-9 held the lock of net for longer than 10 min.',
    });
  });

  it('says the apply was blocked by drift, with the engine message as a sentence', () => {
    const cause = lambdaCause(
      'PlanDrift',
      'the plan of net changed since it was approved (approved sha256:a, now sha256:b); differs at: aws_vpc.main',
    );
    expect(describeRunOutcome({ run: run({ error: 'PlanDrift', cause }), gates: [] })).toEqual({
      outcome: 'Blocked by drift',
      outcome_detail:
        'Apply blocked: The plan of net changed since it was approved (approved sha256:a, now sha256:b); differs at: aws_vpc.main.',
    });
  });

  it('tells a failed apply from a failed plan and a failed policy', () => {
    const applyFailed = run({ error: 'ApplyFailed', cause: 'the apply of net failed: exit code 1' });
    expect(describeRunOutcome({ run: applyFailed, gates: [] })).toEqual({
      outcome: 'Apply failed',
      outcome_detail: 'The apply of net failed: exit code 1.',
    });
    const planFailed = run({
      error: 'PlanFailed',
      cause: lambdaCause('PlanFailed', 'the plan of net failed'),
    });
    expect(describeRunOutcome({ run: planFailed, gates: [] })).toEqual({
      outcome: 'Plan failed',
      outcome_detail: 'The plan of net failed.',
    });
    const policy = run({
      error: 'PolicyFailed',
      cause: 'mandatory policies failed on the plan of net: no-public-s3',
    });
    expect(describeRunOutcome({ run: policy, gates: [] })).toEqual({
      outcome: 'Plan failed',
      outcome_detail: 'Mandatory policies failed on the plan of net: no-public-s3.',
    });
  });

  it('turns an engine error with only machine data into a sentence without its name', () => {
    const build = JSON.stringify({ Build: { BuildStatus: 'FAILED', Id: 'x' } });
    const view = describeRunOutcome({ run: run({ error: 'States.TaskFailed', cause: build }), gates: [] });
    expect(view).toEqual({ outcome: 'Failed', outcome_detail: 'A task of the run failed.' });
    const timeout = describeRunOutcome({ run: run({ error: 'States.Timeout' }), gates: [] });
    expect(timeout.outcome_detail).toBe('A step took longer than its time limit.');
    expect(`${view.outcome_detail}${timeout.outcome_detail}`).not.toContain('States.');
  });

  it('names the approvers of a run that succeeded', () => {
    const approved = gate({
      status: 'approved',
      closed_at: STOPPED,
      approved_by: [approval('Alice Lead'), approval('Bob Builder')],
    });
    expect(describeRunOutcome({ run: run({ status: 'SUCCEEDED' }), gates: [approved] })).toEqual({
      outcome: 'Succeeded',
      outcome_detail: 'Finished at 2026-11-25 23:55 UTC. Approved by Alice Lead and Bob Builder.',
    });
  });

  it('calls a run whose plan had no changes No changes, before anything else', () => {
    const view = describeRunOutcome({ run: run({ status: 'SUCCEEDED', no_changes: true }), gates: [] });
    expect(view.outcome).toBe('No changes');
    expect(view.outcome_detail).toContain('no changes');
  });

  it('calls a successful emergency run Bypassed, with its reason', () => {
    const view = describeRunOutcome({
      run: run({ status: 'SUCCEEDED', bypass: true, reason: 'INC-7 outage' }),
      gates: [],
    });
    expect(view).toEqual({
      outcome: 'Bypassed',
      outcome_detail:
        "Emergency bypass: applied without an approval gate at 2026-11-25 23:55 UTC (reason: 'INC-7 outage'); flagged for post-incident review.",
    });
  });

  it('says a run that took longer than the engine allows timed out', () => {
    expect(describeRunOutcome({ run: run({ status: 'TIMED_OUT' }), gates: [] }).outcome).toBe('Timed out');
  });

  it('shows a running run as waiting for approval, queued, frozen or running', () => {
    const live = run({ status: 'RUNNING', stopped_at: undefined });
    const pending = gate({ approved_by: [approval('Alice Lead')] });
    expect(describeRunOutcome({ run: live, gates: [pending] })).toEqual({
      outcome: 'Waiting for approval',
      outcome_detail: 'Waiting for approval at step approve: 1 of 2 approvals, until 2026-11-25 14:00 UTC.',
    });
    expect(describeRunOutcome({ run: live, gates: [], queuedStep: 'plan' })).toEqual({
      outcome: 'Queued',
      outcome_detail: 'Step plan is waiting for a build worker.',
    });
    expect(
      describeRunOutcome({
        run: live,
        gates: [],
        frozen: { step_id: 'apply', description: 'frozen until 2027-01-04 08:00 CET (year-end: Holidays)' },
      }),
    ).toEqual({
      outcome: 'Frozen',
      outcome_detail: 'Step apply waits: frozen until 2027-01-04 08:00 CET (year-end: Holidays).',
    });
    expect(describeRunOutcome({ run: live, gates: [] })).toEqual({
      outcome: 'Running',
      outcome_detail: 'Running since 2026-11-25 10:00 UTC.',
    });
  });

  it('gives every outcome in the vocabulary a case above', () => {
    expect([...RUN_OUTCOMES].sort()).toEqual(
      [
        'Succeeded',
        'No changes',
        'Rejected',
        'Timed out',
        'Cancelled',
        'Blocked by drift',
        'Apply failed',
        'Plan failed',
        'Bypassed',
        'Failed',
        'Running',
        'Waiting for approval',
        'Queued',
        'Frozen',
      ].sort(),
    );
  });
});

describe('causeMessage', () => {
  it('reads a Lambda error, a gate cause and plain text, and nothing from machine data', () => {
    expect(causeMessage(lambdaCause('ApplyFailed', 'boom'))).toBe('boom');
    expect(causeMessage(rejectedCause)).toMatch(/^This gate was rejected/);
    expect(causeMessage('plain words\nsecond line')).toBe('plain words');
    expect(causeMessage('{"Build":{"Id":"x"}}')).toBeUndefined();
    expect(causeMessage(undefined)).toBeUndefined();
  });
});

describe('describeStepError', () => {
  it('uses the gate sentence for an approval step and plain words for the rest', () => {
    const rejected = gate({ status: 'rejected', closed_at: STOPPED, closed_by: dave });
    expect(describeStepError('rejected', rejected)).toBe('Rejected by Dave Kim at 2026-11-25 23:55 UTC.');
    expect(describeStepError('States.Timeout', undefined)).toBe('A step took longer than its time limit.');
    expect(describeStepError('States.TaskFailed', undefined)).toBe('A task of the run failed.');
    expect(describeStepError('PlanDrift', undefined)).toBe(
      'Blocked: the plan changed since it was approved.',
    );
  });
});

describe('gateProgress', () => {
  it('counts the open gate, else the last one, and nothing without gates', () => {
    expect(gateProgress([gate({ approved_by: [approval('Alice Lead')] })])).toBe('1 of 2');
    expect(gateProgress([])).toBeUndefined();
  });
});

describe('cancelReason', () => {
  it('says why a gate closed with its run: a restart, a stop, a failure', () => {
    expect(cancelReason({ status: 'FAILED', error: 'LocalRuntimeRestarted' })).toBe(
      'the local runtime restarted while this gate was open, which ended its run',
    );
    expect(cancelReason({ status: 'ABORTED' })).toBe('its run was stopped while this gate was open');
    expect(cancelReason({ status: 'FAILED', error: 'States.TaskFailed' })).toBe(
      'its run failed (a task of the run failed) while this gate was open',
    );
  });

  it('puts the reason into the sentence a voter reads, not only "cancelled at ..."', () => {
    const cancelled = gate({
      status: 'cancelled',
      closed_at: STOPPED,
      close_comment: cancelReason({ status: 'ABORTED' }),
    });
    expect(closedReason(cancelled)).toBe(
      'This gate was cancelled at 2026-11-25T23:55:12Z: its run was stopped while this gate was open.',
    );
  });
});
