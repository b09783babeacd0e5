import { StateMachine } from 'aws-local-stepfunctions';
import { type AslDefinition, placeholdersOf, substitutePlaceholders } from '../../statemachines/compile.ts';

/** A stand-in for one Task state: gets the Parameters-processed input, returns the result or throws. */
export type StandIn = (input: Record<string, unknown>) => unknown;

/** An error with a Step Functions error name, as a stand-in throws it. */
export function stepError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Substitutes every placeholder with a plausible ARN (functions) or name (build projects). */
export function withFakeArns(definition: AslDefinition): AslDefinition {
  const values: Record<string, string> = {};
  for (const name of placeholdersOf(definition)) {
    values[name] = name.startsWith('BuildProject_')
      ? name.slice('BuildProject_'.length)
      : `arn:aws:lambda:us-east-1:000000000000:function:signoff-${name.replace(/FunctionArn$/, '')}`;
  }
  return substitutePlaceholders(definition, values);
}

/** What an execution did: the states entered in order, and how it ended. */
export interface Outcome {
  status: 'SUCCEEDED' | 'FAILED';
  states: string[];
  output?: unknown;
  error?: string;
  cause?: string;
}

/**
 * Runs a compiled definition under aws-local-stepfunctions with a stand-in for every Task
 * state. The interpreter has no context object, so `$$.Task.Token` is replaced by a fixed
 * test token; `timeouts` shortens chosen states' TimeoutSeconds.
 */
export async function runScenario(
  definition: AslDefinition,
  input: Record<string, unknown>,
  standIns: Record<string, StandIn>,
  timeouts: Record<string, number> = {},
): Promise<Outcome> {
  const text = JSON.stringify(withFakeArns(definition)).replaceAll(
    '"task_token.$":"$$.Task.Token"',
    '"task_token":"test-token"',
  );
  const asl = JSON.parse(text) as AslDefinition;
  for (const [name, seconds] of Object.entries(timeouts)) {
    (asl.States[name] as Record<string, unknown>).TimeoutSeconds = seconds;
  }
  const taskNames = Object.entries(asl.States)
    .filter(([, s]) => s.Type === 'Task')
    .map(([n]) => n);
  type Json = Parameters<StateMachine['run']>[0];
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const name of taskNames) {
    handlers[name] = async (taskInput) => {
      const standIn = standIns[name];
      if (!standIn) throw stepError('TestMissingStandIn', `no stand-in for task state ${name}`);
      return (await standIn(taskInput as Record<string, unknown>)) as Json;
    };
  }
  const machine = new StateMachine(asl as never, {
    validationOptions: { checkArn: false, checkPaths: true },
  });
  const execution = machine.run(input as Json, { overrides: { taskResourceLocalHandlers: handlers } });
  const states: string[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  try {
    const output = await execution.result;
    await collect;
    return { status: 'SUCCEEDED', states, output };
  } catch (error) {
    await collect.catch(() => {});
    const e = error as { name?: string; message?: string; cause?: { name?: string; message?: string } };
    return { status: 'FAILED', states, error: e.cause?.name ?? e.name, cause: e.cause?.message ?? e.message };
  }
}
