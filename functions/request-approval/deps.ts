/**
 * request-approval's deps: the approval function's (with GitHub: an open gate shows on the run's
 * check), plus EventBridge Scheduler for escalations, and people's last sign-ins when the
 * directory takes teams or roles from IdP groups.
 */
import { DynamoDbFreezeStore } from '../adapters/dynamodb-freeze-store.ts';
import { EventBridgeScheduler } from '../adapters/eventbridge-scheduler.ts';
import { SfnWorkflowEngine } from '../adapters/sfn-workflow-engine.ts';
import { createDynamoDocument, createSchedulerClient, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { type ApprovalFunctionDeps, createApprovalFunctionDeps } from '../wiring/approval.ts';
import { deployedFreezes } from '../wiring/deployed-config.ts';
import { withGitHub } from '../wiring/github.ts';
import { identitiesFor } from '../wiring/identities.ts';
import { approverChannels } from '../wiring/notifier.ts';

export type RequestApprovalDeps = ApprovalFunctionDeps &
  Pick<AppDeps, 'engine' | 'scheduler' | 'freezes' | 'freezeWindows'>;

export function createRequestApprovalDeps(config: Config): RequestApprovalDeps {
  if (config.scheduler.kind !== 'eventbridge')
    throw new Error('request-approval in Lambda schedules escalations on EventBridge Scheduler');
  const doc = createDynamoDocument(config);
  return {
    ...createApprovalFunctionDeps(config, withGitHub(approverChannels), doc),
    // Who is asked may depend on people's last sign-ins (a directory that maps IdP groups).
    ...identitiesFor(config, doc),
    // The gate's card tells approvers of a change freeze (the ad-hoc ones are in the runs table).
    freezes: new DynamoDbFreezeStore(doc, config.tables.runs),
    freezeWindows: deployedFreezes(config),
    // A retried request for a gate that already closed tells the engine again.
    engine: new SfnWorkflowEngine(createSfnClient(config)),
    scheduler: new EventBridgeScheduler(createSchedulerClient(config), config.scheduler),
  };
}
