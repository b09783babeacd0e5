import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { type ArnScope, buildArn, lambdaFunctionArn } from './arns.ts';
import type { TaskSpec } from './definition.ts';
import type { HistoryEntry } from './interpreter-events.ts';
import { checkLambdaResponse, checkStateData } from './payload-limits.ts';
import type { TaskTokenRecord } from './records.ts';
import { INTERPRETER_DEFAULT_TIMEOUT_SECONDS, TaskAttempt } from './task-attempt.ts';
import { type TaskEvents, taskEvents } from './task-events.ts';
import { TaskFailure, toTaskFailure, UncatchableTaskFailure } from './task-failure.ts';
import { classifyResource, SUPPORTED_RESOURCES } from './task-resources.ts';

/** Calls a Lambda handler in process; a thrown Error named X fails the task with Error X, Cause = message. */
export type InvokeLambda = (functionArn: string, payload: unknown) => Promise<unknown>;

/** What a local build returns once it has finished. */
export interface BuildResult {
  id: string;
  status: 'SUCCEEDED' | 'FAILED';
  /** The commit the build checked out, when it was given a source version. */
  resolvedSourceVersion?: string;
}

/** What a build task asks for: the project, the overridden environment, the execution it serves. */
export interface BuildRequest {
  projectName: string;
  /** StartBuild's sourceVersion: a commit, branch or tag of the project's repository. */
  sourceVersion?: string;
  environment: Record<string, string>;
  executionArn: string;
}

/**
 * Runs a CodeBuild-like build to completion (the `codebuild:startBuild.sync` integration).
 * `onStart` is called with the build's id when the build leaves the queue and runs; until then
 * the task shows TaskScheduled without TaskStarted. `signal` aborts when the task ends otherwise (stopped,
 * timed out): a build still queued then never runs.
 */
export type RunBuild = (
  request: BuildRequest & { onStart?: (buildId: string) => void; signal?: AbortSignal },
) => Promise<BuildResult>;

/**
 * Says why a build task a previous process left running cannot go on (its Cause); the task then
 * fails with States.TaskFailed. A build is never run a second time on its own.
 */
export type DescribeInterruptedBuild = (request: BuildRequest) => Promise<string> | string;

/** The Cause of an interrupted build when the server was given no `describeInterruptedBuild`. */
export const INTERRUPTED_BUILD_CAUSE =
  'The build was interrupted when the local Step Functions server stopped; its outcome is unknown';

/** A task a previous process left running, taken up again by the first run of its state. */
export type TaskResume =
  | {
      kind: 'token';
      stateName: string;
      token: TaskTokenRecord;
      timeoutSeconds: number;
      firstHeartbeatSeconds?: number;
    }
  | { kind: 'build'; stateName: string };

/** What the task overrides of one execution need from it. */
export interface TaskRunContext {
  scope: ArnScope;
  executionArn: string;
  invokeLambda: InvokeLambda;
  runBuild: RunBuild;
  /** False once the execution has ended or the server is stopping. */
  isActive(): boolean;
  record(entry: HistoryEntry): void;
  /** Registers an attempt so a stop can end it. */
  trackAttempt(spec: TaskSpec, attempt: TaskAttempt): void;
  /** Mints a task token bound to the attempt; it stops working when the attempt ends. */
  issueToken(spec: TaskSpec, attempt: TaskAttempt): string;
  /** Binds a token issued before a restart (known by its hash) to the resumed attempt. */
  adoptToken(attempt: TaskAttempt, token: TaskTokenRecord): void;
  /** The resumed task of this state, once: the first run of the state after a restart. */
  takeResume(stateName: string): TaskResume | undefined;
  describeInterruptedBuild?: DescribeInterruptedBuild;
}

type Override = (input: unknown) => Promise<unknown>;

/** Builds the interpreter's `taskResourceLocalHandlers`: one override per Task state, by state name. */
export function createTaskOverrides(
  tasks: Map<string, TaskSpec>,
  ctx: TaskRunContext,
): Record<string, Override> {
  const overrides: Record<string, Override> = {};
  for (const spec of tasks.values()) {
    overrides[spec.stateName] = (input) => runTask(spec, input, ctx);
  }
  return overrides;
}

async function runTask(spec: TaskSpec, input: unknown, ctx: TaskRunContext): Promise<unknown> {
  if (!ctx.isActive()) throw new TaskFailure('States.Runtime', 'The execution is no longer running');
  const resumed = ctx.takeResume(spec.stateName);
  if (resumed) return resumeTask(spec, input, resumed, ctx);
  // `input` is the state's input after Parameters: AWS refuses it over 256 KiB before running anything.
  checkStateData(spec.stateName, 'input', input);
  // Mirrors the interpreter's own timer (same duration, armed first) so the token dies with the task.
  const timeoutSeconds = spec.hasTimeoutPath
    ? undefined
    : (spec.timeoutSeconds ?? INTERPRETER_DEFAULT_TIMEOUT_SECONDS);
  const events = taskEvents(spec, ctx.scope.region, timeoutSeconds);
  const attempt = new TaskAttempt(
    { timeoutSeconds, heartbeatSeconds: spec.heartbeatSeconds },
    {
      succeeded: (output) => ctx.record(events.succeeded(output)),
      failed: (failure) => ctx.record(events.failed(failure)),
      timedOut: (failure) => ctx.record(events.timedOut(failure)),
    },
  );
  ctx.trackAttempt(spec, attempt);
  // The interpreter's StateEntered event reaches the history through an async generator; let it land first.
  await nextMacrotask();
  if (attempt.isOpen) {
    ctx.record(events.scheduled(input));
    let started = false;
    const start = () => {
      if (started || !attempt.isOpen) return;
      started = true;
      ctx.record(events.started());
    };
    // A build starts when a worker takes it; every other task starts at once.
    if (classifyResource(spec.resource).kind !== 'codebuild-sync') start();
    perform(spec, input, attempt, events, ctx, start).catch((error: unknown) =>
      attempt.fail(toTaskFailure(error)),
    );
  }
  return attempt.result;
}

/**
 * Takes up a task a previous process left running. Its Scheduled/Started/Submitted events are in
 * the history already. A parked task waits again on the token it was issued, with what was left
 * of its timers; a build fails, because nobody can tell what its process did.
 */
async function resumeTask(
  spec: TaskSpec,
  input: unknown,
  resumed: TaskResume,
  ctx: TaskRunContext,
): Promise<unknown> {
  const timeoutSeconds =
    resumed.kind === 'token'
      ? resumed.timeoutSeconds
      : (spec.timeoutSeconds ?? INTERPRETER_DEFAULT_TIMEOUT_SECONDS);
  const events = taskEvents(spec, ctx.scope.region, timeoutSeconds);
  const attempt = new TaskAttempt(
    {
      timeoutSeconds,
      heartbeatSeconds: spec.heartbeatSeconds,
      ...(resumed.kind === 'token' && resumed.firstHeartbeatSeconds !== undefined
        ? { firstHeartbeatSeconds: resumed.firstHeartbeatSeconds }
        : {}),
    },
    {
      succeeded: (output) => ctx.record(events.succeeded(output)),
      failed: (failure) => ctx.record(events.failed(failure)),
      timedOut: (failure) => ctx.record(events.timedOut(failure)),
    },
  );
  ctx.trackAttempt(spec, attempt);
  if (resumed.kind === 'token') {
    ctx.adoptToken(attempt, resumed.token);
    return attempt.result;
  }
  try {
    const request = { ...readBuildRequest(input), executionArn: ctx.executionArn };
    const cause = ctx.describeInterruptedBuild
      ? await ctx.describeInterruptedBuild(request)
      : INTERRUPTED_BUILD_CAUSE;
    attempt.fail(new TaskFailure('States.TaskFailed', cause));
  } catch (error) {
    attempt.fail(toTaskFailure(error));
  }
  return attempt.result;
}

async function perform(
  spec: TaskSpec,
  input: unknown,
  attempt: TaskAttempt,
  events: TaskEvents,
  ctx: TaskRunContext,
  start: () => void,
): Promise<void> {
  const resource = classifyResource(spec.resource);
  switch (resource.kind) {
    case 'lambda-function': {
      const response = await ctx.invokeLambda(resource.functionArn, input);
      succeed(spec, attempt, toJson(checkedLambdaResponse(response)));
      return;
    }
    case 'lambda-invoke': {
      const request = readInvokeRequest(input);
      const payload = await ctx.invokeLambda(
        lambdaFunctionArn(ctx.scope, request.functionName),
        request.payload,
      );
      succeed(spec, attempt, {
        ExecutedVersion: '$LATEST',
        Payload: toJson(checkedLambdaResponse(payload)),
        StatusCode: 200,
      });
      return;
    }
    case 'lambda-invoke-wait': {
      const token = ctx.issueToken(spec, attempt);
      const request = readInvokeRequest(withToken(input, spec.tokenPaths, token));
      const response = checkedLambdaResponse(
        await ctx.invokeLambda(lambdaFunctionArn(ctx.scope, request.functionName), request.payload),
      );
      if (attempt.isOpen) ctx.record(events.submitted({ Payload: toJson(response), StatusCode: 200 }));
      return;
    }
    case 'codebuild-sync':
      await startBuildSync(spec, input, attempt, events, ctx, start);
      return;
    case 'unsupported':
      throw new UncatchableTaskFailure(
        'States.Runtime',
        `The local Step Functions server cannot run Task resource "${spec.resource}" (state "${spec.stateName}"); ` +
          `it runs ${SUPPORTED_RESOURCES}`,
      );
  }
}

async function startBuildSync(
  spec: TaskSpec,
  input: unknown,
  attempt: TaskAttempt,
  events: TaskEvents,
  ctx: TaskRunContext,
  start: () => void,
): Promise<void> {
  const { projectName, sourceVersion, environment, variables } = readBuildRequest(input);
  const startTime = Date.now();
  const cancel = new AbortController();
  attempt.onEnd(() => cancel.abort());
  const result = await ctx.runBuild({
    projectName,
    ...(sourceVersion ? { sourceVersion } : {}),
    environment,
    executionArn: ctx.executionArn,
    onStart: (buildId) => {
      start();
      // AWS records StartBuild's response as TaskSubmitted once the build is asked for; the run
      // pages find a step's build (and its log) by it.
      if (attempt.isOpen) {
        ctx.record(
          events.submitted({
            Build: {
              Arn: buildArn(ctx.scope, buildId),
              BuildComplete: false,
              BuildStatus: 'IN_PROGRESS',
              CurrentPhase: 'SUBMITTED',
              Id: buildId,
              ProjectName: projectName,
              StartTime: startTime,
              ...(sourceVersion ? { SourceVersion: sourceVersion } : {}),
            },
          }),
        );
      }
    },
    signal: cancel.signal,
  });
  start();
  const build = {
    Arn: buildArn(ctx.scope, result.id),
    BuildComplete: true,
    BuildStatus: result.status,
    CurrentPhase: 'COMPLETED',
    EndTime: Date.now(),
    Environment: { EnvironmentVariables: variables },
    Id: result.id,
    ProjectName: projectName,
    StartTime: startTime,
    ...(sourceVersion ? { SourceVersion: sourceVersion } : {}),
    ...(result.resolvedSourceVersion ? { ResolvedSourceVersion: result.resolvedSourceVersion } : {}),
  };
  if (result.status !== 'SUCCEEDED') {
    // AWS fails the task with States.TaskFailed and the build description as a JSON Cause.
    throw new TaskFailure('States.TaskFailed', JSON.stringify({ Build: build }));
  }
  succeed(spec, attempt, { Build: build });
}

/** A startBuild.sync task's Parameters: ProjectName and EnvironmentVariablesOverride. */
function readBuildRequest(input: unknown) {
  const request = isRecord(input) ? input : {};
  if (typeof request.ProjectName !== 'string' || request.ProjectName === '') {
    throw new TaskFailure('States.TaskFailed', 'codebuild:startBuild.sync needs Parameters.ProjectName');
  }
  const overrides = Array.isArray(request.EnvironmentVariablesOverride)
    ? request.EnvironmentVariablesOverride
    : [];
  const variables = overrides.filter(isRecord).map((variable) => ({
    Name: String(variable.Name),
    Value: String(variable.Value ?? ''),
    Type: typeof variable.Type === 'string' ? variable.Type : 'PLAINTEXT',
  }));
  if (request.SourceVersion !== undefined && typeof request.SourceVersion !== 'string') {
    throw new TaskFailure('States.TaskFailed', 'codebuild:startBuild.sync: SourceVersion must be a string');
  }
  return {
    projectName: request.ProjectName,
    sourceVersion: request.SourceVersion as string | undefined,
    environment: Object.fromEntries(variables.map((variable) => [variable.Name, variable.Value])),
    variables,
  };
}

/** Ends the attempt with its result, or with States.DataLimitExceeded when AWS would refuse the result. */
function succeed(spec: TaskSpec, attempt: TaskAttempt, result: unknown): void {
  checkStateData(spec.stateName, 'result', result);
  attempt.succeed(result);
}

/** A handler's return value as Lambda would hand it back, which it refuses over 6 MB. */
function checkedLambdaResponse(response: unknown): unknown {
  checkLambdaResponse(response);
  return response;
}

function readInvokeRequest(input: unknown): { functionName: string; payload: unknown } {
  if (!isRecord(input) || typeof input.FunctionName !== 'string' || input.FunctionName === '') {
    throw new TaskFailure('States.TaskFailed', 'lambda:invoke needs Parameters.FunctionName');
  }
  return { functionName: input.FunctionName, payload: input.Payload ?? {} };
}

/** Puts the token at each path where the definition referenced `$$.Task.Token`. */
function withToken(input: unknown, paths: string[][], token: string): unknown {
  const copy = structuredClone(input);
  for (const path of paths) {
    let node: unknown = copy;
    for (const key of path.slice(0, -1))
      node = isRecord(node) || Array.isArray(node) ? (node as never)[key] : undefined;
    const last = path.at(-1);
    if (last === undefined || !(isRecord(node) || Array.isArray(node))) {
      throw new UncatchableTaskFailure(
        'States.Runtime',
        `Could not place the task token at ${path.join('.')}`,
      );
    }
    (node as Record<string, unknown>)[last] = token;
  }
  return copy;
}

function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
