/**
 * The payload quotas AWS enforces while an execution runs, so the local server fails a run
 * where AWS would rather than carrying data AWS would refuse.
 */
import { MAX_PAYLOAD_BYTES } from './execution-views.ts';
import { TaskFailure, UncatchableTaskFailure } from './task-failure.ts';

/**
 * Lambda's synchronous invocation payload quota, request and response: 6 MB (Lambda API
 * reference, Invoke: "For synchronous invocations, the maximum payload size is 6 MB"; Lambda
 * quotas, "Invocation payload (request and response)"). Lambda's own check lets through 100 bytes
 * more (its error names 6291556); holding to 6 MiB is never kinder than AWS.
 */
export const MAX_LAMBDA_RESPONSE_BYTES = 6 * 1024 * 1024;

/** The size AWS measures: the JSON text in UTF-8 bytes. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/**
 * States.DataLimitExceeded when a state's data is over 256 KiB. Step Functions reports it when a
 * connector's output, a state's output, or a state's input after Parameters is larger than the
 * payload quota (Step Functions developer guide, "Handling errors in Step Functions workflows",
 * States.DataLimitExceeded; "Step Functions service quotas": 256 KiB of UTF-8 for a task, state or
 * execution). It "is a terminal error that cannot be caught by the States.ALL error type", so no
 * Catch or Retry sees it here either.
 */
export function checkStateData(stateName: string, what: 'input' | 'output' | 'result', value: unknown): void {
  const bytes = payloadBytes(value);
  if (bytes <= MAX_PAYLOAD_BYTES) return;
  throw new UncatchableTaskFailure('States.DataLimitExceeded', dataLimitCause(stateName, what, bytes));
}

/** The Cause of a States.DataLimitExceeded, naming the state and the size. */
export function dataLimitCause(
  stateName: string,
  what: 'input' | 'output' | 'result',
  bytes: number,
): string {
  return (
    `The state/task '${stateName}' ${what === 'result' ? 'returned a result' : `has an ${what}`} with a size ` +
    `(${bytes} bytes) exceeding the maximum number of bytes service limit (${MAX_PAYLOAD_BYTES}).`
  );
}

/**
 * A Lambda response over 6 MB is refused by Lambda itself as an unhandled function error
 * (`Function.ResponseSizeTooLarge`); Step Functions reports unhandled Lambda errors as
 * `Lambda.Unknown`, which States.ALL, States.TaskFailed and Lambda.Unknown all match (Step
 * Functions developer guide, "Handle Lambda service exceptions").
 */
export function checkLambdaResponse(response: unknown): void {
  const bytes = payloadBytes(response);
  if (bytes <= MAX_LAMBDA_RESPONSE_BYTES) return;
  throw new TaskFailure(
    'Lambda.Unknown',
    JSON.stringify({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_LAMBDA_RESPONSE_BYTES} bytes).`,
    }),
  );
}
