import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMachine,
  finished,
  fn,
  type Harness,
  historyTypes,
  startExecution,
  startHarness,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.lambdas.on('request-approval', () => ({ posted: true }));
  h.lambdas.on('record-timeout', (payload) => ({ recorded: payload }));
});
afterAll(async () => {
  await h.close();
});

/** A gate like the compiled ones: wait for a token, catch rejection and timeout. */
function gateMachine(timeoutSeconds: number) {
  return {
    StartAt: 'Gate',
    States: {
      Gate: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: fn('request-approval'),
          Payload: { 'task_token.$': '$$.Task.Token', 'run.$': '$.run', step_id: 'gate' },
        },
        TimeoutSeconds: timeoutSeconds,
        ResultPath: '$.approval',
        Catch: [
          { ErrorEquals: ['Rejected'], ResultPath: '$.error', Next: 'WasRejected' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'RecordTimeout' },
        ],
        Next: 'Approved',
      },
      Approved: { Type: 'Succeed' },
      WasRejected: { Type: 'Fail', Error: 'Rejected', Cause: 'the gate was rejected' },
      RecordTimeout: {
        Type: 'Task',
        Resource: fn('record-timeout'),
        Parameters: { 'error.$': '$.error' },
        TimeoutSeconds: 5,
        ResultPath: null,
        Next: 'TimedOut',
      },
      TimedOut: { Type: 'Fail', Error: 'TimedOut', Cause: 'nobody decided in time' },
    },
  };
}

async function startGate(timeoutSeconds = 30) {
  const arn = await createMachine(h, `gate-${timeoutSeconds}`, gateMachine(timeoutSeconds));
  const pending = h.lambdas.nextCall('request-approval');
  const executionArn = await startExecution(h, arn, { run: { id: 'run-1' } });
  const call = await pending;
  const token = (call.payload as { task_token: string }).task_token;
  return { arn, executionArn, token, payload: call.payload };
}

describe('lambda:invoke.waitForTaskToken', () => {
  it('hands the function a fresh token in its payload and resumes on SendTaskSuccess', async () => {
    const { executionArn, token, payload } = await startGate();

    expect(payload).toEqual({ task_token: token, run: { id: 'run-1' }, step_id: 'gate' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    await h.client.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ status: 'approved', by: 'jane' }),
      }),
    );
    const result = await finished(h, executionArn);

    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '')).toEqual({
      run: { id: 'run-1' },
      approval: { status: 'approved', by: 'jane' },
    });
    expect(await historyTypes(h, executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('mints a different token for every task', async () => {
    const first = await startGate();
    const second = await startGate();

    expect(first.token).not.toBe(second.token);
    await h.client.send(new SendTaskSuccessCommand({ taskToken: first.token, output: '{}' }));
    await h.client.send(new SendTaskSuccessCommand({ taskToken: second.token, output: '{}' }));
  });

  it('keeps the stored and described definition exactly as given, $$.Task.Token included', async () => {
    const { arn } = await startGate();

    const described = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));

    expect(described.definition).toBe(JSON.stringify(gateMachine(30)));
    expect(described.definition).toContain('"task_token.$":"$$.Task.Token"');
  });

  it('fails the task with the error and cause of SendTaskFailure, which a Catch matches', async () => {
    const { executionArn, token } = await startGate();

    await h.client.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'jane rejected: not today' }),
    );
    const result = await finished(h, executionArn);

    expect(result).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'the gate was rejected' });
    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn }));
    const failed = events?.find((event) => event.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'Rejected',
      cause: 'jane rejected: not today',
    });
    const caught = events?.find((event) => event.type === 'TaskStateExited');
    expect(JSON.parse(caught?.stateExitedEventDetails?.output ?? '')).toMatchObject({
      error: { Error: 'Rejected', Cause: 'jane rejected: not today' },
    });
  });

  it('answers TaskDoesNotExist for a token whose task already ended', async () => {
    const { executionArn, token } = await startGate();
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await finished(h, executionArn);

    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });

  it('rejects a token it never issued with InvalidToken', async () => {
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: 'A'.repeat(43), output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(
      h.client.send(new SendTaskFailureCommand({ taskToken: 'not-a-token', error: 'Rejected' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(h.client.send(new SendTaskHeartbeatCommand({ taskToken: 'nope' }))).rejects.toMatchObject({
      name: 'InvalidToken',
    });
  });

  it('rejects an output that is not JSON with InvalidOutput and keeps the task waiting', async () => {
    const { executionArn, token } = await startGate();

    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidOutput' });
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
    expect((await finished(h, executionArn)).status).toBe('SUCCEEDED');
  });

  it('accepts SendTaskHeartbeat for a waiting task', async () => {
    const { executionArn, token } = await startGate();

    await expect(h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).resolves.toBeDefined();
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await finished(h, executionArn);
  });
});

describe('TimeoutSeconds on a waiting task', () => {
  it('raises States.Timeout, which the Catch handles, and the token then answers TaskTimedOut', async () => {
    const { executionArn, token } = await startGate(1);

    const result = await finished(h, executionArn);

    expect(result).toMatchObject({ status: 'FAILED', error: 'TimedOut', cause: 'nobody decided in time' });
    const recorded = h.lambdas.calls.find((call) => call.functionArn === fn('record-timeout'));
    expect(recorded?.payload).toMatchObject({ error: { Error: 'States.Timeout' } });
    expect(await historyTypes(h, executionArn)).toContain('TaskTimedOut');
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });
});

describe('HeartbeatSeconds on a waiting task', () => {
  it('fails the task with States.HeartbeatTimeout when no heartbeat arrives in time', async () => {
    const arn = await createMachine(h, 'heartbeat', {
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: fn('request-approval'), Payload: { 'task_token.$': '$$.Task.Token' } },
          TimeoutSeconds: 30,
          HeartbeatSeconds: 1,
          End: true,
        },
      },
    });
    const pending = h.lambdas.nextCall('request-approval');
    const executionArn = await startExecution(h, arn, {});
    const token = ((await pending).payload as { task_token: string }).task_token;

    const result = await finished(h, executionArn);

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    await expect(h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });
});

describe('StopExecution', () => {
  it('aborts a waiting execution with the given error and cause, and its token stops working', async () => {
    const { executionArn, token } = await startGate();

    const { stopDate } = await h.client.send(
      new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'cancelled by jane' }),
    );
    const result = await finished(h, executionArn);

    expect(stopDate).toBeInstanceOf(Date);
    expect(result).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'cancelled by jane' });
    const { events } = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }),
    );
    expect(events?.[0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Cancelled', cause: 'cancelled by jane' },
    });
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });
});
