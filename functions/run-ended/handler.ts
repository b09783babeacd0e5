/**
 * Lambda for EventBridge's "Step Functions Execution Status Change" events of this stack's
 * state machines: records how each run ended and audits `run_finished`. The local runtime sends
 * it the same events from its Step Functions server.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import type { RunStatus } from '../core/ports.ts';
import { recordRunEnd, runIdOfExecution } from '../core/record-run-end.ts';
import { getDeps } from '../deps.ts';

/** The fields of the event's detail signoff reads (AWS sends more). */
export interface ExecutionStatusChange {
  executionArn: string;
  stateMachineArn?: string;
  status: RunStatus | string;
  /** Epoch milliseconds; null while running. */
  stopDate?: number | null;
  error?: string | null;
  cause?: string | null;
}

const ENDED = new Set<string>(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']);

/** Handles one status change; anything but an end is ignored. */
export const handler = async (
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>,
) => {
  const detail = event.detail;
  if (!ENDED.has(detail.status)) return { recorded: false };
  const deps = getDeps();
  const runId = runIdOfExecution(detail.executionArn);
  const recorded = await recordRunEnd(deps, runId, {
    status: detail.status as Exclude<RunStatus, 'RUNNING'>,
    stopped_at: new Date(detail.stopDate ?? deps.now()).toISOString(),
    ...(detail.error ? { error: detail.error } : {}),
    ...(detail.cause ? { cause: detail.cause } : {}),
  });
  deps.logger.info('run ended', { run_id: runId, status: detail.status, recorded });
  return { recorded };
};
