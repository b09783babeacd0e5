import type { StateMachine } from 'aws-local-stepfunctions';

/** One event of the interpreter's `eventLogs` (its type is not exported by the package). */
export type InterpreterEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A history event to append: AWS's type and details. */
export interface HistoryEntry {
  type: string;
  details?: Record<string, unknown>;
}

/** Serializes a state's data the way history events carry it (a JSON string). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * Maps an interpreter event to AWS history events. Execution-level and task-level events are
 * recorded by the server itself (it knows the resource, the token and the final outcome).
 */
export function translateInterpreterEvent(event: InterpreterEvent): HistoryEntry[] {
  switch (event.type) {
    case 'StateEntered':
      return [
        {
          type: `${event.state.type}StateEntered`,
          details: {
            name: event.state.name,
            input: toJsonText(event.state.input),
            inputDetails: { truncated: false },
          },
        },
      ];
    case 'StateExited':
      return [
        {
          type: `${event.state.type}StateExited`,
          details: {
            name: event.state.name,
            output: toJsonText(event.state.output),
            outputDetails: { truncated: false },
          },
        },
      ];
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return [{ type: event.type, details: { name: event.parentState.name, index: event.index } }];
    default:
      return [];
  }
}
