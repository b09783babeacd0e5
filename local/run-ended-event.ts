/**
 * The "Step Functions Execution Status Change" event EventBridge delivers to the run-ended
 * function in AWS, made from the local Step Functions server's history events, so the local
 * runtime and the tests record a run's end through the same handler.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import type { ExecutionStatusChange } from '../functions/run-ended/handler.ts';
import type { ExecutionEventNotice } from './stepfunctions/index.ts';

/** History events that end an execution, and the status EventBridge reports for each. */
const EXECUTION_ENDS: Record<string, 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT'> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** The status-change event for a history event that ends an execution; undefined for any other. */
export function runEndedEvent(
  notice: ExecutionEventNotice,
  scope: { account: string; region: string },
): EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange> | undefined {
  const { executionArn, stateMachineArn, event } = notice;
  const status = EXECUTION_ENDS[String((event as { type?: string }).type ?? '')];
  if (!status) return undefined;
  const details = (event as { executionFailedEventDetails?: { error?: string; cause?: string } })
    .executionFailedEventDetails;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: scope.account,
    time: new Date().toISOString(),
    region: scope.region,
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn,
      status,
      stopDate: Date.now(),
      error: details?.error ?? null,
      cause: details?.cause ?? null,
    },
  };
}
