import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INTERRUPTED_BUILD_CAUSE, RESTART_CAUSE, RESTART_ERROR } from '../../../local/stepfunctions/index.ts';
import {
  createMachine,
  finished,
  fn,
  type Harness,
  historyTypes,
  runToEnd,
  startExecution,
  startHarness,
} from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.lambdas.on('request-approval', () => ({}));
  h.lambdas.on('echo', (payload) => payload);
  h.lambdas.on('hang', () => new Promise(() => {}));
});
afterEach(async () => {
  await h.close();
});

const gate = {
  StartAt: 'Gate',
  States: {
    Gate: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: fn('request-approval'), Payload: { 'task_token.$': '$$.Task.Token' } },
      TimeoutSeconds: 3600,
      End: true,
    },
  },
};
const echo = {
  StartAt: 'Echo',
  States: { Echo: { Type: 'Task', Resource: fn('echo'), TimeoutSeconds: 5, End: true } },
};
const hang = {
  StartAt: 'Hang',
  States: { Hang: { Type: 'Task', Resource: fn('hang'), TimeoutSeconds: 3600, End: true } },
};
/** A gate whose timers are short, with the catch paths the compiled workflows have. */
function shortGate(timers: { TimeoutSeconds: number; HeartbeatSeconds?: number }) {
  return {
    StartAt: 'Gate',
    States: {
      Gate: {
        ...gate.States.Gate,
        ...timers,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Expired' }],
        End: undefined,
        Next: 'Approved',
      },
      Approved: { Type: 'Pass', Result: 'approved', ResultPath: '$.outcome', End: true },
      Expired: { Type: 'Pass', Result: 'expired', ResultPath: '$.outcome', End: true },
    },
  };
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function parkAtGate(definition: object = gate) {
  const arn = await createMachine(h, 'gate', definition);
  const call = h.lambdas.nextCall('request-approval');
  const executionArn = await startExecution(h, arn, { run: { id: 'r-1' } }, 'r-1');
  const token = ((await call).payload as { task_token: string }).task_token;
  return { arn, executionArn, token };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('restart', () => {
  it('resumes an execution parked on a task token: the token issued before the restart completes it', async () => {
    // Issue: a run parked at a gate was FAILED LocalRuntimeRestarted after a restart and could no
    // longer be approved; in AWS the execution survives.
    const echoArn = await createMachine(h, 'echo', echo);
    const done = await runToEnd(h, echoArn, { ok: true });
    const { executionArn, token } = await parkAtGate();

    await h.restart();
    expect(await h.client.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'RUNNING',
    });
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));

    const result = await finished(h, executionArn);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
    expect(await historyTypes(h, executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(h.lambdas.calls.filter((call) => call.functionArn === fn('request-approval'))).toHaveLength(1);
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    const kept = await h.client.send(new DescribeExecutionCommand({ executionArn: done.executionArn }));
    expect(kept).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
  });

  it('lets a stop wait for a gate request in flight, so the execution is parked and resumed', async () => {
    // A stop right after the gate was stored, before its request returned, used to cut the run off.
    h.lambdas.on('request-approval', () => sleep(300).then(() => ({})));
    const arn = await createMachine(h, 'gate', gate);
    const call = h.lambdas.nextCall('request-approval');
    const executionArn = await startExecution(h, arn, { run: { id: 'r-9' } }, 'r-9');
    const token = ((await call).payload as { task_token: string }).task_token;

    await h.restart();
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));

    expect(await finished(h, executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"approved":true}',
    });
  });

  it('times out a parked task whose TimeoutSeconds ran out while stopped, through its Catch', async () => {
    const { executionArn, token } = await parkAtGate(shortGate({ TimeoutSeconds: 1 }));

    await h.restart(() => sleep(1200));

    const result = await finished(h, executionArn);
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '')).toMatchObject({
      outcome: 'expired',
      failure: { Error: 'States.Timeout' },
    });
    expect(await historyTypes(h, executionArn)).toContain('TaskTimedOut');
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('keeps a parked task waiting when its timeout has not run out', async () => {
    const { executionArn, token } = await parkAtGate(shortGate({ TimeoutSeconds: 3600 }));

    await h.restart(() => sleep(300));
    await sleep(300);

    expect((await h.client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    expect(JSON.parse((await finished(h, executionArn)).output ?? '')).toMatchObject({ outcome: 'approved' });
  });

  it('keeps the HeartbeatSeconds clock of a parked task across a restart', async () => {
    const { executionArn } = await parkAtGate(shortGate({ TimeoutSeconds: 3600, HeartbeatSeconds: 1 }));

    await h.restart(() => sleep(1200));

    const result = await finished(h, executionArn);
    expect(JSON.parse(result.output ?? '')).toMatchObject({
      outcome: 'expired',
      failure: { Error: 'States.HeartbeatTimeout' },
    });
  });

  it('waits out the rest of a Wait state after a restart', async () => {
    const arn = await createMachine(h, 'wait', {
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', Seconds: 1, Next: 'Echo' },
        Echo: { Type: 'Task', Resource: fn('echo'), TimeoutSeconds: 5, End: true },
      },
    });
    const executionArn = await startExecution(h, arn, { n: 1 }, 'w-1');
    await sleep(100);

    await h.restart(() => sleep(1200));

    const result = await finished(h, executionArn);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '{"n":1}' });
    expect((await historyTypes(h, executionArn)).filter((type) => type === 'WaitStateEntered')).toHaveLength(
      1,
    );
  });

  it('fails a build task a restart interrupted, through its Catch, and never runs the build again', async () => {
    // Issue: runs caught mid-apply were recorded as failed while their build processes outlived
    // the runtime; a build must never be run twice.
    h.hangingBuilds.add('BuildProject_slow');
    const arn = await createMachine(h, 'build', {
      StartAt: 'Plan',
      States: {
        Plan: {
          Type: 'Task',
          Resource: 'arn:aws:states:::codebuild:startBuild.sync',
          Parameters: { ProjectName: 'BuildProject_slow' },
          TimeoutSeconds: 3600,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'BuildFailed' }],
          End: true,
        },
        BuildFailed: { Type: 'Pass', End: true },
      },
    });
    const executionArn = await startExecution(h, arn, {}, 'b-1');
    while (h.builds.length === 0) await sleep(20);

    await h.restart();

    const result = await finished(h, executionArn);
    expect(JSON.parse(result.output ?? '')).toEqual({
      caught: { Error: 'States.TaskFailed', Cause: INTERRUPTED_BUILD_CAUSE },
    });
    expect(h.builds).toHaveLength(1);
  });

  it('marks an execution cut off inside a Lambda call as FAILED with the restart cause', async () => {
    const arn = await createMachine(h, 'hang', hang);
    const executionArn = await startExecution(h, arn, {}, 'h-1');
    await h.lambdas.nextCall('hang');

    await h.restart();
    const interrupted = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    const { events = [] } = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }),
    );

    expect(interrupted).toMatchObject({ status: 'FAILED', error: RESTART_ERROR, cause: RESTART_CAUSE });
    expect(interrupted.stopDate).toBeInstanceOf(Date);
    expect(events[0]).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'LocalRuntimeRestarted', cause: RESTART_CAUSE },
    });
    const listed = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'FAILED' }),
    );
    expect(listed.executions?.map((item) => item.executionArn)).toEqual([executionArn]);
  });

  it('keeps registered state machines with their definition untouched, and runs them again', async () => {
    const { arn } = await parkAtGate();

    await h.restart();
    const described = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    const call = h.lambdas.nextCall('request-approval');
    const executionArn = await startExecution(h, arn, {}, 'r-2');
    const token = ((await call).payload as { task_token: string }).task_token;
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));

    expect(described.definition).toBe(JSON.stringify(gate));
    expect((await finished(h, executionArn)).output).toBe('{"approved":true}');
  });

  it('answers a start of the same name and input with the resumed execution, and refuses other input', async () => {
    const { arn, executionArn } = await parkAtGate();

    await h.restart();

    expect(await startExecution(h, arn, { run: { id: 'r-1' } }, 'r-1')).toBe(executionArn);
    await expect(startExecution(h, arn, { run: { id: 'other' } }, 'r-1')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('never writes a task token to the data directory', async () => {
    const { token } = await parkAtGate();
    await h.sfn.flush();

    const contents = filesUnder(h.dataDir).map((file) => readFileSync(file, 'utf8'));

    expect(contents.some((text) => text.includes('"status": "WAITING"'))).toBe(true);
    expect(contents.some((text) => text.includes('$$.Task.Token'))).toBe(true);
    expect(contents.some((text) => text.includes(token))).toBe(false);
  });
});
