import type { TaskSpec } from './definition.ts';
import { type HistoryEntry, toJsonText } from './interpreter-events.ts';
import type { TaskFailure } from './task-failure.ts';
import { classifyResource, resourceFields } from './task-resources.ts';

/** The history events of one task attempt, shaped per resource as AWS records them. */
export interface TaskEvents {
  scheduled(parameters: unknown): HistoryEntry;
  started(): HistoryEntry;
  submitted(output: unknown): HistoryEntry;
  succeeded(output: unknown): HistoryEntry;
  failed(failure: TaskFailure): HistoryEntry;
  timedOut(failure: TaskFailure): HistoryEntry;
}

/**
 * Builds the event factory of a Task state: `LambdaFunction*` events for a bare function ARN,
 * `Task*` events (with resourceType/resource) for service integrations.
 */
export function taskEvents(spec: TaskSpec, region: string, timeoutSeconds: number | undefined): TaskEvents {
  if (classifyResource(spec.resource).kind === 'lambda-function') {
    return {
      scheduled: (input) => ({
        type: 'LambdaFunctionScheduled',
        details: { resource: spec.resource, input: toJsonText(input), timeoutInSeconds: timeoutSeconds },
      }),
      started: () => ({ type: 'LambdaFunctionStarted' }),
      // Never used: a bare function ARN has no callback pattern; kept for one shape.
      submitted: (output) => ({
        type: 'TaskSubmitted',
        details: { ...resourceFields(spec), output: toJsonText(output) },
      }),
      succeeded: (output) => ({ type: 'LambdaFunctionSucceeded', details: { output: toJsonText(output) } }),
      failed: (failure) => ({
        type: 'LambdaFunctionFailed',
        details: { error: failure.name, cause: failure.message },
      }),
      timedOut: (failure) => ({
        type: 'LambdaFunctionTimedOut',
        details: { error: failure.name, cause: failure.message },
      }),
    };
  }
  const fields = resourceFields(spec);
  return {
    scheduled: (parameters) => ({
      type: 'TaskScheduled',
      details: {
        ...fields,
        region,
        parameters: toJsonText(parameters),
        timeoutInSeconds: timeoutSeconds,
        heartbeatInSeconds: spec.heartbeatSeconds,
      },
    }),
    started: () => ({ type: 'TaskStarted', details: fields }),
    submitted: (output) => ({ type: 'TaskSubmitted', details: { ...fields, output: toJsonText(output) } }),
    succeeded: (output) => ({ type: 'TaskSucceeded', details: { ...fields, output: toJsonText(output) } }),
    failed: (failure) => ({
      type: 'TaskFailed',
      details: { ...fields, error: failure.name, cause: failure.message },
    }),
    timedOut: (failure) => ({
      type: 'TaskTimedOut',
      details: { ...fields, error: failure.name, cause: failure.message },
    }),
  };
}
