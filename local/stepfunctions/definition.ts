import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { SfnError } from './sfn-error.ts';

/** What the server needs to know about one Task state to run it. */
export interface TaskSpec {
  stateName: string;
  resource: string;
  /** `TimeoutSeconds`, or undefined when the state has `TimeoutSecondsPath` or neither. */
  timeoutSeconds?: number;
  hasTimeoutPath: boolean;
  heartbeatSeconds?: number;
  /** Paths inside the processed Parameters where the task token goes (from `"x.$": "$$.Task.Token"`). */
  tokenPaths: string[][];
}

/** A definition ready to run: the interpreter's state machine and the Task states it contains. */
export interface PreparedDefinition {
  machine: StateMachine;
  tasks: Map<string, TaskSpec>;
  /** Task states without an explicit `TimeoutSeconds`, which the interpreter stops after 60 s. */
  tasksWithDefaultTimeout: string[];
  /** The definition the interpreter runs (task-token references rewritten), for resumed copies. */
  runnable: Record<string, unknown>;
}

const TASK_TOKEN_PATH = '$$.Task.Token';
const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Replaces every `"key.$": "$$.Task.Token"` in a Parameters template with a literal `"key"` entry
 * (the interpreter has no context object) and returns the paths where the real token must go.
 */
function rewriteTokenReferences(template: Json, path: string[], paths: string[][]): Json {
  if (Array.isArray(template)) {
    return template.map((item, index) => rewriteTokenReferences(item, [...path, String(index)], paths));
  }
  if (!isObject(template)) return template;
  const rewritten: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && value === TASK_TOKEN_PATH) {
      const plainKey = key.slice(0, -2);
      rewritten[plainKey] = TASK_TOKEN_PATH;
      paths.push([...path, plainKey]);
    } else {
      rewritten[key] = rewriteTokenReferences(value, [...path, key], paths);
    }
  }
  return rewritten;
}

interface Walk {
  tasks: Map<string, TaskSpec>;
  names: Set<string>;
  problems: string[];
}

function walkStates(machine: JsonObject, walk: Walk, where: string): JsonObject {
  if ('QueryLanguage' in machine && machine.QueryLanguage !== 'JSONPath') {
    walk.problems.push(
      `${where}: QueryLanguage ${String(machine.QueryLanguage)} is not supported locally; use JSONPath`,
    );
  }
  const states = machine.States;
  if (!isObject(states)) {
    walk.problems.push(`${where}: States must be an object`);
    return machine;
  }
  const rewrittenStates: JsonObject = {};
  for (const [name, state] of Object.entries(states)) {
    if (walk.names.has(name)) walk.problems.push(`state name "${name}" is used more than once`);
    walk.names.add(name);
    rewrittenStates[name] = isObject(state) ? walkState(name, state, walk) : state;
  }
  return { ...machine, States: rewrittenStates };
}

function walkState(name: string, state: JsonObject, walk: Walk): JsonObject {
  if ('QueryLanguage' in state && state.QueryLanguage !== 'JSONPath') {
    walk.problems.push(
      `state "${name}": QueryLanguage ${String(state.QueryLanguage)} is not supported locally`,
    );
  }
  if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
    const branches = state.Branches.map((branch, index) =>
      isObject(branch) ? walkStates(branch, walk, `state "${name}" branch ${index}`) : branch,
    );
    return { ...state, Branches: branches };
  }
  if (state.Type === 'Map') {
    const key = isObject(state.ItemProcessor) ? 'ItemProcessor' : 'Iterator';
    const processor = state[key];
    return isObject(processor) ? { ...state, [key]: walkStates(processor, walk, `state "${name}"`) } : state;
  }
  if (state.Type !== 'Task') return state;
  return walkTaskState(name, state, walk);
}

/**
 * Node's timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once, so a 365-day
 * gate would time out immediately. Locally, longer task timeouts are capped to this.
 */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function capTimer(value: unknown): number | undefined {
  return typeof value === 'number' ? Math.min(value, MAX_LOCAL_TIMEOUT_SECONDS) : undefined;
}

function walkTaskState(name: string, original: JsonObject, walk: Walk): JsonObject {
  const state: JsonObject = { ...original };
  const timeout = capTimer(original.TimeoutSeconds);
  const heartbeat = capTimer(original.HeartbeatSeconds);
  if (timeout !== undefined) state.TimeoutSeconds = timeout;
  if (heartbeat !== undefined) state.HeartbeatSeconds = heartbeat;
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  const tokenPaths: string[][] = [];
  let parameters = state.Parameters;
  if (resource.endsWith(WAIT_FOR_TASK_TOKEN) && parameters !== undefined) {
    parameters = rewriteTokenReferences(parameters, [], tokenPaths);
  }
  if (resource.endsWith(WAIT_FOR_TASK_TOKEN) && tokenPaths.length === 0) {
    walk.problems.push(
      `state "${name}": a ${WAIT_FOR_TASK_TOKEN} task must pass ${TASK_TOKEN_PATH} in Parameters`,
    );
  }
  walk.tasks.set(name, {
    stateName: name,
    resource,
    timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined,
    hasTimeoutPath: typeof state.TimeoutSecondsPath === 'string',
    heartbeatSeconds: typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined,
    tokenPaths,
  });
  return parameters === undefined ? state : { ...state, Parameters: parameters };
}

/**
 * Parses and checks an ASL definition and builds the interpreter's state machine from a copy in
 * which task-token references are rewritten; the caller keeps the original text for AWS parity.
 */
export function prepareDefinition(text: string): PreparedDefinition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SfnError(
      'InvalidDefinition',
      `Invalid State Machine Definition: not JSON (${(error as Error).message})`,
    );
  }
  if (!isObject(parsed) || typeof parsed.StartAt !== 'string' || !isObject(parsed.States)) {
    throw new SfnError(
      'InvalidDefinition',
      'Invalid State Machine Definition: StartAt and States are required',
    );
  }
  const walk: Walk = { tasks: new Map(), names: new Set(), problems: [] };
  const runnable = walkStates(parsed, walk, 'definition');
  if (walk.problems.length > 0) {
    throw new SfnError('InvalidDefinition', `Invalid State Machine Definition: ${walk.problems.join('; ')}`);
  }
  let machine: StateMachine;
  try {
    machine = new StateMachine(runnable as unknown as StateMachineDefinition);
  } catch (error) {
    throw new SfnError('InvalidDefinition', (error as Error).message);
  }
  const tasksWithDefaultTimeout = [...walk.tasks.values()]
    .filter((task) => task.timeoutSeconds === undefined && !task.hasTimeoutPath)
    .map((task) => task.stateName);
  return { machine, tasks: walk.tasks, tasksWithDefaultTimeout, runnable };
}

/** Where and how a resumed execution picks up: its top-level state and the timers left to it. */
export interface ResumeAt {
  stateName: string;
  /** The state's TimeoutSeconds for this attempt: what was left of it when the process stopped. */
  timeoutSeconds?: number;
  /** The execution's own TimeoutSeconds, what is left of it. */
  executionTimeoutSeconds?: number;
}

/** The smallest timer the interpreter honours (it treats 0 as "unset" and waits its 60 s default). */
const MIN_TIMER_SECONDS = 0.001;

/**
 * Builds an interpreter state machine that starts at a top-level state of a prepared definition,
 * with that state's timeout shortened to what was left of it. The definition was validated when
 * it was registered, so the copy is not validated again.
 */
export function resumeMachine(prepared: PreparedDefinition, at: ResumeAt): StateMachine {
  const definition = structuredClone(prepared.runnable) as JsonObject;
  const states = definition.States as JsonObject;
  const state = { ...(states[at.stateName] as JsonObject) };
  if (at.timeoutSeconds !== undefined) state.TimeoutSeconds = Math.max(at.timeoutSeconds, MIN_TIMER_SECONDS);
  states[at.stateName] = state;
  definition.StartAt = at.stateName;
  if (at.executionTimeoutSeconds !== undefined) {
    definition.TimeoutSeconds = Math.max(at.executionTimeoutSeconds, MIN_TIMER_SECONDS);
  }
  return new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
}
