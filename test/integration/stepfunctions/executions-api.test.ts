import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
beforeAll(async () => {
  h = await startHarness();
  h.lambdas.on('echo', (payload) => payload);
  h.lambdas.on('park', () => ({}));
});
afterAll(async () => {
  await h.close();
});

const passThrough = {
  StartAt: 'Echo',
  States: {
    Echo: { Type: 'Task', Resource: fn('echo'), TimeoutSeconds: 5, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Stop' }],
      Default: 'Done',
    },
    Stop: { Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' },
    Done: { Type: 'Pass', End: true },
  },
};

const parked = {
  StartAt: 'Park',
  States: {
    Park: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: fn('park'), Payload: { 'token.$': '$$.Task.Token' } },
      TimeoutSeconds: 60,
      End: true,
    },
  },
};

describe('Fail state', () => {
  it('fails the execution with the Error and Cause read by ErrorPath and CausePath', async () => {
    const arn = await createMachine(h, 'fail-paths', passThrough);

    const result = await runToEnd(h, arn, {
      fail: true,
      error: 'PolicyFailed',
      cause: '2 mandatory policies failed',
    });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'PolicyFailed',
      cause: '2 mandatory policies failed',
    });
  });
});

describe('context object', () => {
  it('resolves $$.Execution and $$.StateMachine fields', async () => {
    const arn = await createMachine(h, 'context', {
      StartAt: 'Who',
      States: {
        Who: {
          Type: 'Pass',
          Parameters: {
            'id.$': '$$.Execution.Id',
            'name.$': '$$.Execution.Name',
            'machine.$': '$$.StateMachine.Id',
          },
          End: true,
        },
      },
    });

    const result = await finished(h, await startExecution(h, arn, {}, 'ctx-1'));

    expect(JSON.parse(result.output ?? '')).toEqual({ id: result.executionArn, name: 'ctx-1', machine: arn });
  });
});

describe('GetExecutionHistory', () => {
  it('lists entered and exited events in order, with ids, previousEventId and timestamps', async () => {
    const arn = await createMachine(h, 'history', passThrough);
    const result = await runToEnd(h, arn, { fail: false });

    const { events = [] } = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn: result.executionArn }),
    );

    const states = events
      .filter((event) => event.stateEnteredEventDetails || event.stateExitedEventDetails)
      .map(
        (event) => `${event.type}:${(event.stateEnteredEventDetails ?? event.stateExitedEventDetails)?.name}`,
      );
    expect(states).toEqual([
      'TaskStateEntered:Echo',
      'TaskStateExited:Echo',
      'ChoiceStateEntered:Check',
      'ChoiceStateExited:Check',
      'PassStateEntered:Done',
      'PassStateExited:Done',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.previousEventId)).toEqual(events.map((_, index) => index));
    for (const event of events) expect(event.timestamp).toBeInstanceOf(Date);
    const entered = events.find((event) => event.type === 'TaskStateEntered');
    expect(entered?.stateEnteredEventDetails).toEqual({
      name: 'Echo',
      input: '{"fail":false}',
      inputDetails: { truncated: false },
    });
  });

  it('pages with nextToken, reverses on request and can leave out the data', async () => {
    const arn = await createMachine(h, 'history-pages', passThrough);
    const result = await runToEnd(h, arn, { fail: false });
    const executionArn = result.executionArn;

    const pages: HistoryEvent[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await h.client.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken }),
      );
      pages.push(page.events ?? []);
      nextToken = page.nextToken;
    } while (nextToken);
    const reversed = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, includeExecutionData: false }),
    );

    const all = pages.flat();
    expect(pages[0]).toHaveLength(4);
    expect(all.map((event) => event.id)).toEqual(all.map((_, index) => index + 1));
    expect(reversed.events?.map((event) => event.id)).toEqual(all.map((event) => event.id).reverse());
    expect(reversed.events?.[0]?.executionSucceededEventDetails?.output).toBeUndefined();
  });
});

describe('ListExecutions', () => {
  it('filters by state machine and status, newest first, with pagination', async () => {
    const arn = await createMachine(h, 'listed', passThrough);
    const other = await createMachine(h, 'listed-other', passThrough);
    const first = await runToEnd(h, arn, { fail: false });
    const failed = await runToEnd(h, arn, { fail: true, error: 'E', cause: 'c' });
    const last = await runToEnd(h, arn, { fail: false });
    await runToEnd(h, other, { fail: false });

    const all = await h.client.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    const succeeded = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'SUCCEEDED' }),
    );
    const pageOne = await h.client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }));
    const pageTwo = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken: pageOne.nextToken }),
    );

    expect(all.executions?.map((item) => item.executionArn)).toEqual([
      last.executionArn,
      failed.executionArn,
      first.executionArn,
    ]);
    expect(all.executions?.[1]).toMatchObject({ status: 'FAILED', stateMachineArn: arn, name: failed.name });
    expect(all.executions?.[1]?.stopDate).toBeInstanceOf(Date);
    expect(succeeded.executions?.map((item) => item.executionArn)).toEqual([
      last.executionArn,
      first.executionArn,
    ]);
    expect(pageOne.executions).toHaveLength(2);
    expect(pageTwo.executions?.map((item) => item.executionArn)).toEqual([first.executionArn]);
    expect(pageTwo.nextToken).toBeUndefined();
  });

  it('lists RUNNING executions', async () => {
    const arn = await createMachine(h, 'listed-running', parked);
    const parkedCall = h.lambdas.nextCall('park');
    const executionArn = await startExecution(h, arn, {});
    const token = ((await parkedCall).payload as { token: string }).token;

    const running = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
    );

    expect(running.executions?.map((item) => item.executionArn)).toEqual([executionArn]);
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await finished(h, executionArn);
  });
});

describe('StartExecution', () => {
  it('returns the running execution for the same name and input, and refuses a different input', async () => {
    const arn = await createMachine(h, 'named', parked);
    const parkedCall = h.lambdas.nextCall('park');
    const callsBefore = h.lambdas.calls.length;

    const first = await startExecution(h, arn, { a: 1 }, 'run-42');
    const again = await startExecution(h, arn, { a: 1 }, 'run-42');
    const token = ((await parkedCall).payload as { token: string }).token;

    expect(first).toBe('arn:aws:states:us-east-1:000000000000:execution:named:run-42');
    expect(again).toBe(first);
    await expect(startExecution(h, arn, { a: 2 }, 'run-42')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await finished(h, first);
    await expect(startExecution(h, arn, { a: 1 }, 'run-42')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    expect(h.lambdas.calls.slice(callsBefore)).toHaveLength(1);
  });

  it('generates a name when none is given', async () => {
    const arn = await createMachine(h, 'unnamed', passThrough);

    const result = await runToEnd(h, arn, { fail: false });

    expect(result.name).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.executionArn).toBe(
      `arn:aws:states:us-east-1:000000000000:execution:unnamed:${result.name}`,
    );
  });

  it('refuses input that is not a JSON object', async () => {
    const arn = await createMachine(h, 'inputs', passThrough);

    for (const input of ['[1,2]', '"text"', '{broken', 'null']) {
      await expect(
        h.client.send(new StartExecutionCommand({ stateMachineArn: arn, input })),
      ).rejects.toMatchObject({
        name: 'InvalidExecutionInput',
      });
    }
  });

  it('refuses an unknown state machine and an invalid name', async () => {
    const arn = await createMachine(h, 'names', passThrough);
    const missing = 'arn:aws:states:us-east-1:000000000000:stateMachine:missing';

    await expect(startExecution(h, missing, {})).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(startExecution(h, arn, {}, 'has space')).rejects.toMatchObject({ name: 'InvalidName' });
  });
});

describe('error answers', () => {
  it('answers ExecutionDoesNotExist and InvalidArn', async () => {
    await expect(
      h.client.send(
        new DescribeExecutionCommand({
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:nothing:here',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } });
    await expect(h.client.send(new DescribeExecutionCommand({ executionArn: 'nope' }))).rejects.toMatchObject(
      {
        name: 'InvalidArn',
      },
    );
  });

  it('refuses an invalid definition with InvalidDefinition', async () => {
    const send = (definition: string) =>
      h.client.send(
        new CreateStateMachineCommand({
          name: 'bad',
          definition,
          roleArn: 'arn:aws:iam::000000000000:role/r',
        }),
      );

    await expect(send('{"StartAt":"Nowhere","States":{}}')).rejects.toMatchObject({
      name: 'InvalidDefinition',
    });
    await expect(send('not json')).rejects.toMatchObject({ name: 'InvalidDefinition' });
    await expect(
      send(
        JSON.stringify({
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'f', Payload: {} },
              End: true,
            },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining('$$.Task.Token') });
  });

  it('creates a state machine idempotently and refuses a different definition under the same name', async () => {
    const arn = await createMachine(h, 'twice', passThrough);

    expect(await createMachine(h, 'twice', passThrough)).toBe(arn);
    await expect(createMachine(h, 'twice', parked)).rejects.toMatchObject({
      name: 'StateMachineAlreadyExists',
    });
    const listed = await h.client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.filter((machine) => machine.name === 'twice')).toHaveLength(1);
    const described = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(described).toMatchObject({ name: 'twice', status: 'ACTIVE', type: 'STANDARD' });
  });
});

describe('in-process API', () => {
  it('announces every history event and resolves waitForExecution at the end', async () => {
    const arn = await h.sfn.createStateMachine('in-process', passThrough);
    const seen: string[] = [];
    const unsubscribe = h.sfn.onEvent((notice) => {
      if (notice.stateMachineArn === arn) seen.push(String(notice.event.type));
    });

    const executionArn = await startExecution(h, arn, { fail: false });
    const described = await h.sfn.waitForExecution(executionArn);
    unsubscribe();

    expect(described).toMatchObject({ status: 'SUCCEEDED', executionArn });
    expect(seen.at(0)).toBe('ExecutionStarted');
    expect(seen.at(-1)).toBe('ExecutionSucceeded');
    expect(seen).toContain('ChoiceStateEntered');
  });

  it('replaces the definition when the same name is registered again in process', async () => {
    await h.sfn.createStateMachine('replaced', passThrough);
    const arn = await h.sfn.createStateMachine('replaced', parked);

    const described = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));

    expect(described.definition).toBe(JSON.stringify(parked));
  });
});
