import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { ArnScope } from './arns.ts';
import { type PreparedDefinition, resumeMachine, type TaskSpec } from './definition.ts';
import { MAX_PAYLOAD_BYTES } from './execution-views.ts';
import { type HistoryEntry, type InterpreterEvent, translateInterpreterEvent } from './interpreter-events.ts';
import { dataLimitCause, payloadBytes } from './payload-limits.ts';
import type { ExecutionRecord, StateMachineRecord, TaskTokenRecord } from './records.ts';
import type { ResumePoint } from './resume-point.ts';
import type { TaskAttempt } from './task-attempt.ts';
import {
  createTaskOverrides,
  type DescribeInterruptedBuild,
  type InvokeLambda,
  type RunBuild,
  type TaskResume,
} from './task-overrides.ts';
import { hashTaskToken, mintTaskToken, type TaskTokenRegistry } from './task-tokens.ts';

/** How an execution ended. */
export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; output: string }
  | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error?: string; cause?: string };

/** What a running execution needs from the server. */
export interface RunnerDeps {
  scope: ArnScope;
  invokeLambda: InvokeLambda;
  runBuild: RunBuild;
  describeInterruptedBuild?: DescribeInterruptedBuild;
  tokens: TaskTokenRegistry;
  /** Appends a history event to the execution (and saves and announces it). */
  record(execution: ExecutionRecord, entry: HistoryEntry): void;
  /** Saves the execution after a change that is not a history event. */
  persist(execution: ExecutionRecord): void;
  /** Ends the execution: status, output or error, the final history event. */
  complete(execution: ExecutionRecord, outcome: ExecutionOutcome): void;
}

/** Control over one running execution. */
export interface RunningExecution {
  /** StopExecution: ends it as ABORTED now and frees what it waits on. */
  stop(error?: string, cause?: string): void;
  /** Server shutdown: halts it without recording anything, so it stays RUNNING on disk. */
  detach(): void;
}

/**
 * Starts the interpreter on an execution record and keeps the record in step with it. With
 * `resume`, the execution goes on from where a previous process left it (see resume-point.ts).
 */
export function runExecution(
  prepared: PreparedDefinition,
  stateMachine: StateMachineRecord,
  execution: ExecutionRecord,
  deps: RunnerDeps,
  resume?: ResumePoint,
): RunningExecution {
  let ended = false;
  let detached = false;
  const attempts = new Set<{ spec: TaskSpec; attempt: TaskAttempt }>();
  let pendingResume = resume && taskResumeOf(resume);
  // The interpreter enters the resumed state again; the history has that entry already.
  let skipEntered = resume?.stateName;

  const watchToken = (tokenRecord: TaskTokenRecord, attempt: TaskAttempt) => {
    attempt.onHeartbeat(() => {
      tokenRecord.heartbeatAt = Date.now();
      if (!detached) deps.persist(execution);
    });
    attempt.onEnd((end) => {
      deps.tokens.close(tokenRecord.tokenHash, end);
      if (detached) return;
      tokenRecord.status = end;
      deps.persist(execution);
    });
  };

  const overrides = createTaskOverrides(prepared.tasks, {
    scope: deps.scope,
    executionArn: execution.executionArn,
    invokeLambda: deps.invokeLambda,
    runBuild: deps.runBuild,
    ...(deps.describeInterruptedBuild ? { describeInterruptedBuild: deps.describeInterruptedBuild } : {}),
    isActive: () => !ended,
    record: (entry) => {
      if (!ended) deps.record(execution, entry);
    },
    trackAttempt: (spec, attempt) => {
      const tracked = { spec, attempt };
      attempts.add(tracked);
      attempt.onEnd(() => attempts.delete(tracked));
    },
    issueToken: (spec, attempt) => {
      const token = mintTaskToken();
      const tokenRecord: TaskTokenRecord = {
        tokenHash: hashTaskToken(token),
        stateName: spec.stateName,
        status: 'WAITING',
      };
      deps.tokens.register(
        tokenRecord.tokenHash,
        { executionArn: execution.executionArn, stateName: spec.stateName },
        attempt,
      );
      execution.taskTokens.push(tokenRecord);
      deps.persist(execution);
      watchToken(tokenRecord, attempt);
      return token;
    },
    adoptToken: (attempt, tokenRecord) => {
      deps.tokens.register(
        tokenRecord.tokenHash,
        { executionArn: execution.executionArn, stateName: tokenRecord.stateName },
        attempt,
      );
      watchToken(tokenRecord, attempt);
    },
    takeResume: (stateName) => {
      if (pendingResume?.stateName !== stateName) return undefined;
      const taken = pendingResume;
      pendingResume = undefined;
      return taken;
    },
  });

  const machine = resume
    ? resumeMachine(prepared, {
        stateName: resume.stateName,
        ...(pendingResume?.kind === 'token' ? { timeoutSeconds: pendingResume.timeoutSeconds } : {}),
        ...executionTimeLeft(prepared, execution),
      })
    : prepared.machine;
  const waitTimeOverrides =
    resume?.kind === 'wait' && resume.remainingMs !== undefined
      ? { [resume.stateName]: Math.max(0, resume.remainingMs) }
      : undefined;
  const run = machine.run((resume ? resume.input : JSON.parse(execution.input)) as never, {
    overrides: {
      taskResourceLocalHandlers: overrides as never,
      ...(waitTimeOverrides ? { waitTimeOverrides } : {}),
    },
    // The interpreter resolves $$.Execution/$$.StateMachine from this; $$.Task.Token is handled by the overrides.
    context: {
      Execution: { Id: execution.executionArn, Name: execution.name, RoleArn: stateMachine.roleArn },
      StateMachine: { Id: stateMachine.stateMachineArn, Name: stateMachine.name },
    },
  });

  const onEvent = (event: InterpreterEvent) => {
    if (ended) return;
    if (skipEntered !== undefined && event.type === 'StateEntered' && event.state.name === skipEntered) {
      skipEntered = undefined;
      return;
    }
    if (event.type === 'StateExited') {
      // A state's output after ResultPath/OutputPath over 256 KiB ends the run with the terminal
      // States.DataLimitExceeded, which no Catch sees (see payload-limits.ts). The interpreter has
      // moved on by now, but the next Task waits a macrotask before it runs, and finishing aborts it.
      const bytes = payloadBytes(event.state.output);
      if (bytes > MAX_PAYLOAD_BYTES) {
        finish({
          status: 'FAILED',
          error: 'States.DataLimitExceeded',
          cause: dataLimitCause(event.state.name, 'output', bytes),
        });
        run.abort();
        return;
      }
    }
    for (const entry of translateInterpreterEvent(event)) deps.record(execution, entry);
    if (event.type === 'StateFailed' && event.state.type === 'Task' && event.Error === 'States.Timeout') {
      // Only reached for TimeoutSecondsPath: other task timeouts are mirrored by the attempt's own timer.
      const waiting = [...attempts].find((tracked) => tracked.spec.stateName === event.state.name);
      waiting?.attempt.expire();
    }
  };
  const logs = (async () => {
    for await (const event of run.eventLogs) onEvent(event);
  })();

  const finish = (outcome: ExecutionOutcome) => {
    if (ended) return;
    ended = true;
    for (const { attempt } of attempts) attempt.abort();
    deps.complete(execution, outcome);
  };

  run.result.then(
    async (output) => {
      await logs;
      finish({ status: 'SUCCEEDED', output: JSON.stringify(output ?? null) });
    },
    async (error: unknown) => {
      await logs;
      finish(outcomeOfError(error));
    },
  );

  return {
    stop(error, cause) {
      finish({ status: 'ABORTED', error, cause });
      run.abort();
    },
    detach() {
      detached = true;
      ended = true;
      run.abort();
      for (const { attempt } of attempts) attempt.abort();
    },
  };
}

/** The parked task's clocks as seconds from now (at least a moment, so an expired one fires at once). */
function taskResumeOf(point: ResumePoint): TaskResume | undefined {
  const now = Date.now();
  switch (point.kind) {
    case 'token':
      return {
        kind: 'token',
        stateName: point.stateName,
        token: point.token,
        timeoutSeconds: Math.max((point.timeoutAt - now) / 1000, MIN_RESUMED_TIMER_SECONDS),
        ...(point.heartbeatDueAt !== undefined
          ? { firstHeartbeatSeconds: Math.max((point.heartbeatDueAt - now) / 1000, 0) }
          : {}),
      };
    case 'build':
      return { kind: 'build', stateName: point.stateName };
    case 'wait':
      return undefined;
  }
}

const MIN_RESUMED_TIMER_SECONDS = 0.001;

/** What is left of the definition's own TimeoutSeconds, when it has one. */
function executionTimeLeft(prepared: PreparedDefinition, execution: ExecutionRecord) {
  const total = prepared.runnable.TimeoutSeconds;
  if (typeof total !== 'number') return {};
  return { executionTimeoutSeconds: total - (Date.now() - execution.startDate) / 1000 };
}

function outcomeOfError(error: unknown): ExecutionOutcome {
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (error instanceof ExecutionTimeoutError) {
    return {
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      cause: 'The execution ran longer than its TimeoutSeconds',
    };
  }
  const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (failure instanceof Error) {
    const cause = (failure as { cause?: unknown }).cause;
    return {
      status: 'FAILED',
      error: failure.name,
      cause: typeof cause === 'string' ? cause : failure.message,
    };
  }
  return { status: 'FAILED', error: 'States.Runtime', cause: String(failure) };
}
