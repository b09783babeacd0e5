/**
 * Lambda for a run's lifecycle around its project locks. EventBridge's "Step Functions Execution
 * Status Change" events of this stack's state machines: records how each run ended, audits
 * `run_finished` and releases the run's project locks (the local runtime sends it the same events
 * from its Step Functions server). And the state machines' AcquireProjectLocks task: takes them;
 * and their SkipGate task: a gate whose plans have no changes, recorded on the run and audited;
 * their CheckFreeze task before each apply: whether a change freeze holds it back; and the task
 * after a drift check: the project's drift status recorded, a fix-up run started.
 * One function for both keeps the lock's IAM on one role, which already writes the runs table
 * where the lock items live. Each of these also brings the run's GitHub check up to date.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import type { AcquireLocksInput, CheckFreezeInput, SkipGateInput } from '../../statemachines/contract.ts';
import type { RecordDriftCheckInput } from '../../statemachines/drift-contract.ts';
import { recordDriftCheck } from '../core/drift-checks/record-drift-check.ts';
import { checkFreeze } from '../core/freeze/check-freeze.ts';
import { reportProjectLocks, reportRunToGitHub } from '../core/github/report-run-to-github.ts';
import { acquireProjectLocks } from '../core/locks/acquire-project-locks.ts';
import type { RunStatus } from '../core/ports.ts';
import { recordNoChanges } from '../core/runs/record-no-changes.ts';
import { recordRunEnd, runIdOfExecution } from '../core/runs/record-run-end.ts';
import { depsFor } from '../wiring/scope.ts';
import { createRunEndedDeps } from './deps.ts';

const getDeps = depsFor(createRunEndedDeps);

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

type StatusChangeEvent = EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>;

const ENDED = new Set<string>(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']);

type Event = StatusChangeEvent | AcquireLocksInput | SkipGateInput | CheckFreezeInput | RecordDriftCheckInput;

function isCheckFreeze(event: Event): event is CheckFreezeInput {
  return (event as CheckFreezeInput).kind === 'check_freeze';
}

function isDriftCheck(event: Event): event is RecordDriftCheckInput {
  return (event as RecordDriftCheckInput).kind === 'record_drift_check';
}

function isAcquire(event: Event): event is AcquireLocksInput {
  return (event as AcquireLocksInput).kind === 'acquire_project_locks';
}

function isSkipGate(event: Event): event is SkipGateInput {
  return (event as SkipGateInput).kind === 'skip_gate';
}

/** Handles one status change (anything but an end is ignored), one try at a run's project locks, or a skipped gate. */
export const handler = async (event: Event) => {
  const deps = getDeps();
  if (isDriftCheck(event)) {
    const fixUp = await recordDriftCheck(deps, event);
    deps.logger.info('drift check recorded', { run_id: event.run.id, step_id: event.step_id, fix_up: fixUp });
    return fixUp;
  }
  if (isSkipGate(event)) {
    await recordNoChanges(deps, event);
    deps.logger.info('gate skipped: no changes', { run_id: event.run.id, step_id: event.step_id });
    return { skipped: true };
  }
  if (isCheckFreeze(event)) {
    const result = await checkFreeze({ ...deps, freezePollSeconds: deps.config.freezePollSeconds }, event);
    if (result.frozen)
      deps.logger.info('apply frozen', { run_id: event.run.id, step_id: event.step_id, ...result });
    return result;
  }
  if (isAcquire(event)) {
    const result = await acquireProjectLocks(deps, event);
    if (!result.acquired) deps.logger.info('waiting for a project lock', { run_id: event.run.id, ...result });
    await reportProjectLocks(deps.githubReporting, event.run, result.acquired, event.projects.length === 0);
    return result;
  }
  const detail = event.detail;
  if (!ENDED.has(detail.status)) return { recorded: false };
  const runId = runIdOfExecution(detail.executionArn);
  const recorded = await recordRunEnd(deps, runId, {
    status: detail.status as Exclude<RunStatus, 'RUNNING'>,
    stopped_at: new Date(detail.stopDate ?? deps.now()).toISOString(),
    ...(detail.error ? { error: detail.error } : {}),
    ...(detail.cause ? { cause: detail.cause } : {}),
  });
  deps.logger.info('run ended', { run_id: runId, status: detail.status, recorded });
  await reportRunToGitHub(deps.githubReporting, runId);
  return { recorded };
};
