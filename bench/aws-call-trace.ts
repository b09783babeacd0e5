/**
 * Counts the AWS calls made while one request is handled: an SDK middleware records every call
 * with its start and end, and AsyncLocalStorage attributes it to the request that made it. Calls
 * that overlap in time are one step of the chain, so the figure is the number of round trips the
 * caller waits for one after another.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One SDK call: the operation (`GetItem`), when it was sent and when its answer came. */
export interface AwsCall {
  name: string;
  start: number;
  end: number;
}

/** The calls one request made, and when it answered. */
export interface RequestTrace {
  calls: AwsCall[];
  startedAt?: number;
  answeredAt?: number;
  /** What the request was, for grouping (counted, refused, ...). */
  kind?: string;
}

const requests = new AsyncLocalStorage<RequestTrace>();

/** Every call `recordAwsCalls` saw, by operation: those of clicks and those of anything else (the drainer). */
export const callTally = { clicks: new Map<string, number>(), other: new Map<string, number>() };

/** Records every call `client` makes inside `traceRequest`; calls outside one (the drainer) are not counted. */
export function recordAwsCalls(client: Pick<DynamoDBClient, 'middlewareStack'>): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const trace = requests.getStore();
      const start = performance.now();
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const tally = trace ? callTally.clicks : callTally.other;
      tally.set(name, (tally.get(name) ?? 0) + 1);
      try {
        return await next(args);
      } finally {
        // The initialize step wraps the SDK's own retries: one logical call, however many tries.
        trace?.calls.push({ name, start, end: performance.now() });
      }
    },
    { step: 'initialize', name: 'benchRecordAwsCalls' },
  );
}

/** Runs `handle` as one request whose AWS calls are recorded in `trace`, and notes when it answered. */
export async function traceRequest<T>(trace: RequestTrace, handle: () => Promise<T>): Promise<T> {
  trace.startedAt = performance.now();
  try {
    return await requests.run(trace, handle);
  } finally {
    trace.answeredAt = performance.now();
  }
}

/** The trace of the request being handled, if any. */
export function currentTrace(): RequestTrace | undefined {
  return requests.getStore();
}

/**
 * The calls made before the answer, as steps one after another: calls that overlap in time share
 * a step. Returns the steps' names, e.g. `['GetItem', 'PutItem', 'UpdateItem']`.
 */
export function sequentialCalls(trace: RequestTrace): string[] {
  const before = trace.calls
    .filter((c) => trace.answeredAt === undefined || c.start < trace.answeredAt)
    .sort((a, b) => a.start - b.start);
  const steps: { names: string[]; end: number }[] = [];
  for (const call of before) {
    const last = steps.at(-1);
    if (last && call.start < last.end) {
      last.names.push(call.name);
      last.end = Math.max(last.end, call.end);
    } else steps.push({ names: [call.name], end: call.end });
  }
  return steps.map((s) => s.names.join(' ∥ '));
}

/** How long the request waited on AWS before its answer: the steps' spans, end to end, added up. */
export function awsWaitMs(trace: RequestTrace): number {
  const before = trace.calls
    .filter((c) => trace.answeredAt === undefined || c.start < trace.answeredAt)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let spanStart = Number.NaN;
  let spanEnd = Number.NaN;
  for (const call of before) {
    if (call.start < spanEnd) spanEnd = Math.max(spanEnd, call.end);
    else {
      if (!Number.isNaN(spanStart)) total += spanEnd - spanStart;
      spanStart = call.start;
      spanEnd = call.end;
    }
  }
  return Number.isNaN(spanStart) ? total : total + spanEnd - spanStart;
}

/** The calls a request made after its answer (work it left running). */
export function callsAfterAnswer(trace: RequestTrace): AwsCall[] {
  return trace.calls.filter((c) => trace.answeredAt !== undefined && c.start >= trace.answeredAt);
}
