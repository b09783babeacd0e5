import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, fn, type Harness, historyTypes, runToEnd, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** A JSON string value whose serialized size (with its quotes) is exactly `bytes`. */
const blob = (bytes: number) => 'x'.repeat(bytes - 2);

/** Task `Go` with a States.ALL Catch to `Caught`, then `After` (another task) on success. */
const guarded = (resultPath: string | null = '$.result') => ({
  StartAt: 'Go',
  States: {
    Go: {
      Type: 'Task',
      Resource: fn('produce'),
      TimeoutSeconds: 5,
      ResultPath: resultPath,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 1, IntervalSeconds: 0 }],
      Next: 'After',
    },
    After: { Type: 'Task', Resource: fn('after'), TimeoutSeconds: 5, ResultPath: null, End: true },
    Caught: { Type: 'Pass', End: true },
  },
});

async function failedEvent(executionArn: string) {
  const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events?.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails;
}

describe('payload limits of the local Step Functions server', () => {
  it('accepts a task result of exactly 262,144 bytes', async () => {
    h.lambdas.on('produce', () => blob(262_144));
    h.lambdas.on('after', () => ({}));
    const result = await runToEnd(h, await createMachine(h, 'at-limit', guarded(null)), {});
    expect(result.status).toBe('SUCCEEDED');
  });

  it('fails the run with States.DataLimitExceeded on a bigger task result, past Retry and a States.ALL Catch', async () => {
    let calls = 0;
    h.lambdas.on('produce', () => {
      calls += 1;
      return { checks: blob(400_000) };
    });
    const arn = await createMachine(h, 'big-result', guarded());
    const result = await runToEnd(h, arn, {});
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(result.cause).toMatch(/'Go' returned a result with a size \(400011 bytes\)/);
    expect(calls).toBe(1);
    expect(await failedEvent(result.executionArn ?? '')).toMatchObject({ error: 'States.DataLimitExceeded' });
    const types = await historyTypes(h, result.executionArn ?? '');
    expect(types.at(-1)).toBe('ExecutionFailed');
    expect(types).not.toContain('PassStateEntered');
  });

  it('fails the run when the result fits but the state output after ResultPath does not, before the next task runs', async () => {
    const afterCalls: unknown[] = [];
    h.lambdas.on('produce', () => blob(200_000));
    h.lambdas.on('after', (payload) => afterCalls.push(payload));
    const arn = await createMachine(h, 'big-output', guarded());
    const result = await runToEnd(h, arn, { carried: blob(100_000) });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(result.cause).toMatch(/'Go' has an output with a size/);
    await new Promise((r) => setTimeout(r, 50));
    expect(afterCalls).toEqual([]);
    const types = await historyTypes(h, result.executionArn ?? '');
    expect(types).not.toContain('TaskStateExited');
  });

  it('fails the run when a task input after Parameters is over the limit, without invoking the function', async () => {
    let calls = 0;
    h.lambdas.on('produce', () => {
      calls += 1;
      return {};
    });
    const machine = guarded();
    const arn = await createMachine(h, 'big-parameters', {
      ...machine,
      States: {
        ...machine.States,
        Go: { ...machine.States.Go, Parameters: { 'a.$': '$.half', 'b.$': '$.half' } },
      },
    });
    const result = await runToEnd(h, arn, { half: blob(150_000) });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(result.cause).toMatch(/'Go' has an input/);
    expect(calls).toBe(0);
  });

  it('fails a Lambda response over 6 MB as Lambda.Unknown, which a States.ALL Catch handles', async () => {
    h.lambdas.on('produce', () => blob(6 * 1024 * 1024 + 1));
    const arn = await createMachine(h, 'huge-lambda', guarded());
    const result = await runToEnd(h, arn, {});
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output ?? '{}');
    expect(output.error.Error).toBe('Lambda.Unknown');
    expect(JSON.parse(output.error.Cause)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });
});
