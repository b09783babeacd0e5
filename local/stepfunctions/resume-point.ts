/**
 * Where an execution left RUNNING by a previous process stood, read from its stored history, so
 * the server can pick it up there instead of failing it: AWS keeps an execution through anything.
 */
import type { PreparedDefinition } from './definition.ts';
import type { ExecutionRecord, HistoryEvent, TaskTokenRecord } from './records.ts';
import { INTERPRETER_DEFAULT_TIMEOUT_SECONDS } from './task-attempt.ts';
import { classifyResource } from './task-resources.ts';

/** A point an execution can be resumed from; every kind is a top-level state of the definition. */
export type ResumePoint =
  /** Parked on a task token: the same token resumes it; `timeoutAt`/`heartbeatAt` are epoch ms. */
  | {
      kind: 'token';
      stateName: string;
      input: unknown;
      token: TaskTokenRecord;
      timeoutAt: number;
      heartbeatDueAt?: number;
    }
  /** Inside a build: the build's process is gone (or no longer ours), so its task cannot go on. */
  | { kind: 'build'; stateName: string; input: unknown }
  /** In a Wait state: `remainingMs` when the wait was a fixed number of seconds. */
  | { kind: 'wait'; stateName: string; input: unknown; remainingMs?: number };

const TASK_ENDS = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut']);

type Details = Record<string, unknown>;

function detailsOf(event: HistoryEvent, key: string): Details {
  const details = event[key];
  return typeof details === 'object' && details !== null ? (details as Details) : {};
}

/**
 * The point to resume `execution` from, or undefined when it stood somewhere that cannot be
 * resumed safely (a Lambda call in flight, a nested state, between two states).
 */
export function findResumePoint(
  execution: ExecutionRecord,
  prepared: PreparedDefinition,
  now: number,
): ResumePoint | undefined {
  const events = execution.events;
  const enteredIndex = events.findLastIndex((event) => event.type.endsWith('StateEntered'));
  const entered = events[enteredIndex];
  if (!entered) return undefined;
  const details = detailsOf(entered, 'stateEnteredEventDetails');
  const stateName = String(details.name ?? '');
  const state = (prepared.runnable.States as Record<string, Details> | undefined)?.[stateName];
  if (!state) return undefined; // a state inside a Parallel or Map branch
  const after = events.slice(enteredIndex + 1);
  if (after.some((event) => event.type.endsWith('StateExited') || TASK_ENDS.has(event.type))) {
    return undefined;
  }
  let input: unknown;
  try {
    input = JSON.parse(String(details.input ?? 'null'));
  } catch {
    return undefined;
  }

  if (state.Type === 'Wait') {
    const remainingMs =
      typeof state.Seconds === 'number' ? entered.timestamp + state.Seconds * 1000 - now : undefined;
    return { kind: 'wait', stateName, input, remainingMs };
  }
  const spec = prepared.tasks.get(stateName);
  if (state.Type !== 'Task' || !spec) return undefined;
  const resource = classifyResource(spec.resource).kind;
  if (resource === 'codebuild-sync') return { kind: 'build', stateName, input };
  if (resource !== 'lambda-invoke-wait' || spec.hasTimeoutPath) return undefined;

  // The request-approval call must have returned (TaskSubmitted): otherwise it was cut off
  // mid-way and nobody may hold the token.
  if (!after.some((event) => event.type === 'TaskSubmitted')) return undefined;
  const token = execution.taskTokens.findLast((t) => t.stateName === stateName && t.status === 'WAITING');
  const scheduled = after.find((event) => event.type === 'TaskScheduled');
  if (!token || !scheduled) return undefined;
  const startedAt = scheduled.timestamp;
  return {
    kind: 'token',
    stateName,
    input,
    token,
    timeoutAt: startedAt + (spec.timeoutSeconds ?? INTERPRETER_DEFAULT_TIMEOUT_SECONDS) * 1000,
    ...(spec.heartbeatSeconds !== undefined
      ? { heartbeatDueAt: (token.heartbeatAt ?? startedAt) + spec.heartbeatSeconds * 1000 }
      : {}),
  };
}
