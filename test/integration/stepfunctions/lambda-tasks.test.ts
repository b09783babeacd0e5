import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, fn, type Harness, historyTypes, runToEnd, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const sizeMachine = {
  StartAt: 'Measure',
  States: {
    Measure: {
      Type: 'Task',
      Resource: fn('measure'),
      TimeoutSeconds: 5,
      ResultPath: '$.measured',
      Next: 'IsBig',
    },
    IsBig: {
      Type: 'Choice',
      Choices: [{ Variable: '$.measured.size', NumericGreaterThan: 10, Next: 'Big' }],
      Default: 'Small',
    },
    Big: { Type: 'Pass', Result: 'big', ResultPath: '$.verdict', End: true },
    Small: { Type: 'Pass', Result: 'small', ResultPath: '$.verdict', End: true },
  },
};

describe('Lambda function ARN tasks', () => {
  it('calls invokeLambda with the state input and routes a Choice on its result', async () => {
    h.lambdas.on('measure', (payload) => ({ size: (payload as { items: unknown[] }).items.length * 5 }));
    const arn = await createMachine(h, 'sizes', sizeMachine);

    const big = await runToEnd(h, arn, { items: [1, 2, 3] });
    const small = await runToEnd(h, arn, { items: [1] });

    expect(big.status).toBe('SUCCEEDED');
    expect(JSON.parse(big.output ?? '')).toEqual({
      items: [1, 2, 3],
      measured: { size: 15 },
      verdict: 'big',
    });
    expect(JSON.parse(small.output ?? '')).toMatchObject({ measured: { size: 5 }, verdict: 'small' });
    expect(h.lambdas.calls.map((call) => call.payload)).toEqual([{ items: [1, 2, 3] }, { items: [1] }]);
    expect(h.lambdas.calls[0]?.functionArn).toBe(fn('measure'));
  });

  it('fails the execution with the thrown error name and message when nothing catches it', async () => {
    h.lambdas.on('explode', () => {
      const error = new Error('the plan could not be read');
      error.name = 'PlanFailed';
      throw error;
    });
    const arn = await createMachine(h, 'explodes', {
      StartAt: 'Go',
      States: { Go: { Type: 'Task', Resource: fn('explode'), TimeoutSeconds: 5, End: true } },
    });

    const result = await runToEnd(h, arn, {});

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'PlanFailed',
      cause: 'the plan could not be read',
    });
    const types = await historyTypes(h, result.executionArn ?? '');
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'ExecutionFailed',
    ]);
  });

  it('lets a Catch match the thrown error name and see its message as Cause', async () => {
    h.lambdas.on('reject', () => {
      const error = new Error('drift detected');
      error.name = 'PlanDrift';
      throw error;
    });
    const arn = await createMachine(h, 'catches', {
      StartAt: 'Go',
      States: {
        Go: {
          Type: 'Task',
          Resource: fn('reject'),
          TimeoutSeconds: 5,
          Catch: [{ ErrorEquals: ['PlanDrift'], ResultPath: '$.error', Next: 'Blocked' }],
          End: true,
        },
        Blocked: { Type: 'Pass', End: true },
      },
    });

    const result = await runToEnd(h, arn, { run: 'r1' });

    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '')).toEqual({
      run: 'r1',
      error: { Error: 'PlanDrift', Cause: 'drift detected' },
    });
  });
});

describe('arn:aws:states:::lambda:invoke', () => {
  it('invokes FunctionName with Payload and returns { Payload, StatusCode: 200 }', async () => {
    h.lambdas.on('summarize', (payload) => ({ summary: `${(payload as { step: string }).step} ok` }));
    const arn = await createMachine(h, 'invokes', {
      StartAt: 'Summarize',
      States: {
        Summarize: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: fn('summarize'), Payload: { 'step.$': '$.step' } },
          TimeoutSeconds: 5,
          ResultPath: '$.raw',
          Next: 'Select',
        },
        Select: {
          Type: 'Pass',
          Parameters: { 'summary.$': '$.raw.Payload.summary', 'status.$': '$.raw.StatusCode' },
          End: true,
        },
      },
    });

    const result = await runToEnd(h, arn, { step: 'plan' });

    expect(JSON.parse(result.output ?? '')).toEqual({ summary: 'plan ok', status: 200 });
    expect(h.lambdas.calls.at(-1)).toEqual({ functionArn: fn('summarize'), payload: { step: 'plan' } });
  });

  it('resolves a bare function name to an ARN of the configured account', async () => {
    h.lambdas.on('by-name', () => 'hello');
    const arn = await createMachine(h, 'by-name', {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'by-name', Payload: {} },
          TimeoutSeconds: 5,
          OutputPath: '$.Payload',
          End: true,
        },
      },
    });

    const result = await runToEnd(h, arn, {});

    expect(result.output).toBe('"hello"');
    expect(h.lambdas.calls.at(-1)?.functionArn).toBe(fn('by-name'));
  });
});

describe('unsupported resources', () => {
  it('fails the execution with States.Runtime naming the resource, past any Catch', async () => {
    const arn = await createMachine(h, 'sqs', {
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: 'https://example.com/q', MessageBody: 'x' },
          TimeoutSeconds: 5,
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    });

    const result = await runToEnd(h, arn, {});

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain('arn:aws:states:::sqs:sendMessage');
  });
});

describe('tasks inside Map and Parallel', () => {
  it('runs Lambda tasks of nested state machines and records map iterations', async () => {
    h.lambdas.on('square', (payload) => (payload as number) ** 2);
    h.lambdas.on('label', () => 'labelled');
    const arn = await createMachine(h, 'nested', {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  ItemsPath: '$.numbers',
                  ItemProcessor: {
                    StartAt: 'Square',
                    States: {
                      Square: { Type: 'Task', Resource: fn('square'), TimeoutSeconds: 5, End: true },
                    },
                  },
                  End: true,
                },
              },
            },
            {
              StartAt: 'Label',
              States: { Label: { Type: 'Task', Resource: fn('label'), TimeoutSeconds: 5, End: true } },
            },
          ],
          End: true,
        },
      },
    });

    const result = await runToEnd(h, arn, { numbers: [2, 3] });

    expect(JSON.parse(result.output ?? '')).toEqual([[4, 9], 'labelled']);
    const types = await historyTypes(h, result.executionArn ?? '');
    expect(types.filter((type) => type === 'MapIterationSucceeded')).toHaveLength(2);
    expect(types.filter((type) => type === 'LambdaFunctionSucceeded')).toHaveLength(3);
    expect(types.at(-2)).toBe('ParallelStateExited');
  });
});

describe('state machine TimeoutSeconds', () => {
  it('ends an execution that runs too long as TIMED_OUT', async () => {
    const arn = await createMachine(h, 'too-long', {
      TimeoutSeconds: 1,
      StartAt: 'Linger',
      States: { Linger: { Type: 'Wait', Seconds: 30, End: true } },
    });

    const result = await runToEnd(h, arn, {});

    expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect((await historyTypes(h, result.executionArn ?? '')).at(-1)).toBe('ExecutionTimedOut');
  });
});
