/** resume-gate's deps: the approval function's, plus the runs and Step Functions executions (closing gates of ended runs). */
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { SfnRunEngine } from '../adapters/sfn-run-engine.ts';
import { SfnWorkflowEngine } from '../adapters/sfn-workflow-engine.ts';
import { createDynamoDocument, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { type ApprovalFunctionDeps, createApprovalFunctionDeps } from '../wiring/approval.ts';
import { slackChannels } from '../wiring/notifier.ts';

export type ResumeGateDeps = ApprovalFunctionDeps & Pick<AppDeps, 'engine' | 'runs' | 'runEngine'>;

export function createResumeGateDeps(config: Config): ResumeGateDeps {
  const doc = createDynamoDocument(config);
  const sfn = createSfnClient(config);
  return {
    ...createApprovalFunctionDeps(config, slackChannels, doc),
    engine: new SfnWorkflowEngine(sfn),
    runs: new DynamoDbRunStore(doc, config.tables.runs),
    runEngine: new SfnRunEngine(sfn),
  };
}
