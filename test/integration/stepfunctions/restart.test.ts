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
import { RESTART_CAUSE, RESTART_ERROR } from '../../../local/stepfunctions/index.ts';
import {
  createMachine,
  finished,
  fn,
  type Harness,
  runToEnd,
  startExecution,
  startHarness,
} from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.lambdas.on('request-approval', () => ({}));
  h.lambdas.on('echo', (payload) => payload);
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

async function parkAtGate() {
  const arn = await createMachine(h, 'gate', gate);
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
  it('marks an execution that was running as FAILED with the restart cause, and keeps the finished ones', async () => {
    const echoArn = await createMachine(h, 'echo', echo);
    const done = await runToEnd(h, echoArn, { ok: true });
    const { arn, executionArn, token } = await parkAtGate();

    await h.restart();
    const interrupted = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    const kept = await h.client.send(new DescribeExecutionCommand({ executionArn: done.executionArn }));
    const { events = [] } = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }),
    );

    expect(interrupted).toMatchObject({ status: 'FAILED', error: RESTART_ERROR, cause: RESTART_CAUSE });
    expect(interrupted.stopDate).toBeInstanceOf(Date);
    expect(events[0]).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'LocalRuntimeRestarted', cause: RESTART_CAUSE },
    });
    expect(events.map((event) => event.type)).toContain('TaskStateEntered');
    expect(kept).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist', message: expect.stringContaining('stopped') });
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

  it('refuses a name already used before the restart', async () => {
    const { arn } = await parkAtGate();

    await h.restart();

    await expect(startExecution(h, arn, { run: { id: 'r-1' } }, 'r-1')).rejects.toMatchObject({
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
