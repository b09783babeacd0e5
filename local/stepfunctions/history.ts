import type { ExecutionRecord, HistoryEvent } from './records.ts';

/** The AWS details key of an event type (`TaskStateEntered` -> `stateEnteredEventDetails`). */
export function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/** Appends an event with the next id to an execution's history and returns it. */
export function appendHistoryEvent(
  record: ExecutionRecord,
  type: string,
  details: Record<string, unknown> | undefined,
  now: number,
): HistoryEvent {
  const previous = record.events.at(-1);
  const event: HistoryEvent = {
    id: (previous?.id ?? 0) + 1,
    previousEventId: previous?.id ?? 0,
    timestamp: now,
    type,
  };
  if (details !== undefined) event[detailsKey(type)] = details;
  record.events.push(event);
  return event;
}

const DATA_FIELDS = ['input', 'output', 'parameters'];

/** The event in the SDK's shape: timestamp as a Date, data fields dropped unless asked for. */
export function toApiHistoryEvent(
  event: HistoryEvent,
  includeExecutionData: boolean,
): Record<string, unknown> {
  const { timestamp, ...rest } = event;
  const shaped: Record<string, unknown> = { ...rest, timestamp: new Date(timestamp) };
  if (includeExecutionData) return shaped;
  for (const [key, value] of Object.entries(rest)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const details = { ...(value as Record<string, unknown>) };
    for (const field of DATA_FIELDS) delete details[field];
    shaped[key] = details;
  }
  return shaped;
}
