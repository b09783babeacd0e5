/** request-approval's deps: the approval function's, plus EventBridge Scheduler for escalations. */
import { EventBridgeScheduler } from '../adapters/eventbridge-scheduler.ts';
import { createSchedulerClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { type ApprovalFunctionDeps, createApprovalFunctionDeps } from '../wiring/approval.ts';
import { approverChannels } from '../wiring/notifier.ts';

export type RequestApprovalDeps = ApprovalFunctionDeps & Pick<AppDeps, 'scheduler'>;

export function createRequestApprovalDeps(config: Config): RequestApprovalDeps {
  if (config.scheduler.kind !== 'eventbridge')
    throw new Error('request-approval in Lambda schedules escalations on EventBridge Scheduler');
  return {
    ...createApprovalFunctionDeps(config, approverChannels),
    scheduler: new EventBridgeScheduler(createSchedulerClient(config), config.scheduler),
  };
}
