import { describe, expect, it } from 'vitest';
import { MAX_LOCAL_TIMEOUT_SECONDS, prepareDefinition } from '../../../../local/stepfunctions/definition.ts';

const waitTask = (payload: object) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:f', Payload: payload },
  TimeoutSeconds: 10,
  End: true,
});

describe('prepareDefinition', () => {
  it('finds every $$.Task.Token reference, nested ones and those in Parallel branches', () => {
    const prepared = prepareDefinition(
      JSON.stringify({
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'A', States: { A: waitTask({ 'token.$': '$$.Task.Token' }) } },
              { StartAt: 'B', States: { B: waitTask({ meta: { 'cb.$': '$$.Task.Token' }, 'x.$': '$.x' }) } },
            ],
            End: true,
          },
        },
      }),
    );

    expect(prepared.tasks.get('A')?.tokenPaths).toEqual([['Payload', 'token']]);
    expect(prepared.tasks.get('B')?.tokenPaths).toEqual([['Payload', 'meta', 'cb']]);
    expect(prepared.tasks.get('B')?.timeoutSeconds).toBe(10);
  });

  it('lists Task states without TimeoutSeconds', () => {
    const prepared = prepareDefinition(
      JSON.stringify({
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f', End: true },
        },
      }),
    );

    expect(prepared.tasksWithDefaultTimeout).toEqual(['T']);
  });

  it('reports every problem at once: JSONata, a reused state name, a waitForTaskToken without a token', () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }],
          Next: 'W',
        },
        W: waitTask({ plain: true }),
      },
    };

    let message = '';
    try {
      prepareDefinition(JSON.stringify(definition));
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('JSONata');
    expect(message).toContain('state name "P" is used more than once');
    expect(message).toContain('state "W": a .waitForTaskToken task must pass $$.Task.Token');
  });

  it('refuses what the interpreter refuses, as InvalidDefinition', () => {
    expect(() => prepareDefinition('{"StartAt":"X","States":{"Y":{"Type":"Pass","End":true}}}')).toThrow(
      expect.objectContaining({ code: 'InvalidDefinition' }),
    );
  });
});

describe('prepareDefinition timers', () => {
  it('caps task timeouts longer than Node timers can hold (365 days would otherwise fire at once)', () => {
    const definition = JSON.stringify({
      StartAt: 'wait',
      States: {
        wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
          TimeoutSeconds: 365 * 86400,
          End: true,
        },
      },
    });
    const prepared = prepareDefinition(definition);
    expect(prepared.tasks.get('wait')?.timeoutSeconds).toBe(MAX_LOCAL_TIMEOUT_SECONDS);
    expect(MAX_LOCAL_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
  });
});
