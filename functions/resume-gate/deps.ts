/**
 * resume-gate's deps: the approval function's (with GitHub: a counted vote shows on the run's
 * check), plus the runs and Step Functions executions (closing gates of ended runs), and GitHub
 * reporting for the sweep's owed reports.
 */
import { DynamoDbRunStore } from '../adapters/dynamodb-run-store.ts';
import { SfnRunEngine } from '../adapters/sfn-run-engine.ts';
import { SfnWorkflowEngine } from '../adapters/sfn-workflow-engine.ts';
import { createDynamoDocument, createSfnClient } from '../aws-clients.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { type ApprovalFunctionDeps, createApprovalFunctionDeps } from '../wiring/approval.ts';
import { createGitHubReportDeps, withGitHub } from '../wiring/github.ts';
import { createLogging } from '../wiring/logging.ts';
import { slackChannels } from '../wiring/notifier.ts';
import { createSecrets } from '../wiring/secrets.ts';

export type ResumeGateDeps = ApprovalFunctionDeps &
  Pick<AppDeps, 'engine' | 'runs' | 'runEngine' | 'githubReporting'>;

export function createResumeGateDeps(config: Config): ResumeGateDeps {
  const doc = createDynamoDocument(config);
  const sfn = createSfnClient(config);
  const approval = createApprovalFunctionDeps(config, withGitHub(slackChannels), doc);
  return {
    ...approval,
    engine: new SfnWorkflowEngine(sfn),
    runs: new DynamoDbRunStore(doc, config.tables.runs),
    runEngine: new SfnRunEngine(sfn),
    githubReporting: createGitHubReportDeps(config, {
      doc,
      secrets: createSecrets(config),
      log: createLogging(config).log,
      now: approval.now,
    }),
  };
}
